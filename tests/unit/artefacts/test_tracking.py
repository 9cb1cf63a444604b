"""MLflow registry: the validation gate's verdict moves the champion alias and is recorded on the version."""

import numpy as np
import pandas as pd
import pytest

from creditrisk.artefacts import tracking
from tests.bundles import make_bundle


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    root = tmp_path_factory.mktemp("mlflow")
    tracking.configure(root)
    return root


def _tiny_model():
    from catboost import CatBoostClassifier

    rng = np.random.default_rng(0)
    x = pd.DataFrame({"a": rng.normal(size=200), "b": rng.normal(size=200)})
    y = (x["a"] > 0.5).astype(int)
    model = CatBoostClassifier(iterations=10, verbose=False, allow_writing_files=False).fit(x, y)
    return model, make_bundle(["a", "b"]), x


def _gate(version: int, cost: float, red: list[str] | None = None) -> dict:
    """What the validation gate decides for a candidate (creditrisk.governance.gate.promotion_gate)."""
    from creditrisk.governance.battery import Champion, row
    from creditrisk.governance.gate import promotion_gate

    record = tracking.champion_record()
    champion = Champion(record["version"], record["auc"], record["cost"], None) if record else None
    tests = [row("test", "calibration", name, "holdout", None, 0.001, "p", "red") for name in red or []]
    tests.append(row("auc", "discrimination", "AUC", "holdout", 0.8, None, "auc", "green"))
    return promotion_gate(tests, cost, champion, version)


def _register_and_judge(model, bundle, x, cost: float, red: list[str] | None = None) -> dict:
    candidate = tracking.register_candidate(model, bundle, {"business_cost_per_client": cost, "auc": 0.8}, x, [])
    gate = _gate(candidate["version"], cost, red)
    tracking.record_gate(candidate["version"], gate)
    if gate["promote"]:
        tracking.set_champion(candidate["version"])
    return candidate | {"gate": gate}


def test_the_gate_moves_the_champion_alias_and_tags_the_verdict(registry):
    from mlflow import MlflowClient

    model, bundle, x = _tiny_model()
    assert tracking.champion_record() is None
    first = _register_and_judge(model, bundle, x, 0.45)
    assert first["gate"]["promote"] and tracking.champion_record()["version"] == first["version"]
    worse = _register_and_judge(model, bundle, x, 0.50)
    assert not worse["gate"]["promote"]
    blocked = _register_and_judge(model, bundle, x, 0.30, red=["Hosmer-Lemeshow"])  # cheaper, but a red test
    assert not blocked["gate"]["promote"]
    record = tracking.champion_record()
    assert (record["version"], record["cost"], record["auc"]) == (first["version"], 0.45, 0.8)
    tags = MlflowClient().get_model_version(tracking.REGISTERED_MODEL, str(blocked["version"])).tags
    assert tags["validation_verdict"] == "blocked" and tags["validation_red_tests"] == "Hosmer-Lemeshow (holdout)"
    assert tags["validation_passed_tests"] == "1: AUC (holdout)"
    better = _register_and_judge(model, bundle, x, 0.40)
    assert better["gate"]["promote"] and tracking.champion_record()["version"] == better["version"]
    _, stored, facts = tracking.load_champion()
    assert stored == make_bundle(["a", "b"]) and facts["model_version"] == better["version"]
    history = {row["version"]: row for row in tracking.version_history()}
    assert [history[v["version"]]["verdict"] for v in (first, worse, blocked, better)] == [
        "promoted", "blocked", "blocked", "promoted"]
    assert history[blocked["version"]]["red_tests"] == "Hosmer-Lemeshow (holdout)"
    assert [row["champion"] for row in history.values()].count(True) == 1 and history[better["version"]]["champion"]
    assert history[worse["version"]]["holdout_cost_per_client"] == 0.50
    assert (registry / "mlflow.db").exists() and (registry / "mlartifacts").is_dir()


def test_a_refit_is_the_next_version_with_the_validated_verdict_and_serves(registry):
    """The promoted recipe refitted on every labelled row: a new version that names the one it refits, carries
    its holdout figures and verdict, and takes the champion alias."""
    from dataclasses import replace

    model, bundle, x = _tiny_model()
    validated = _register_and_judge(model, bundle, x, 0.20)
    assert validated["gate"]["promote"]
    refit_bundle = replace(bundle, train_rows=250, holdout_rows=0, fitted_on="every labelled row")
    version = tracking.register_refit(model, refit_bundle, validated["version"], x)
    tracking.set_champion(version)
    assert version == validated["version"] + 1
    record = tracking.champion_record()
    assert (record["version"], record["cost"], record["auc"]) == (version, 0.20, 0.8)
    _, stored, _ = tracking.load_champion()
    assert stored.fitted_on == "every labelled row" and stored.train_rows == 250
    history = {row["version"]: row for row in tracking.version_history()}
    assert history[version]["refit_of"] == validated["version"] and history[version]["verdict"] == "promoted"
    assert history[validated["version"]]["refit_of"] is None and not history[validated["version"]]["champion"]
    assert "registered" not in history[version] and "run_id" not in history[version]  # dates stay in MLflow


def test_a_runs_files_come_back_and_a_run_without_them_is_not_a_warning(registry, tmp_path, caplog):
    """The challenger scorecard travels with its run; a run that logged none (the comparisons off, the default
    first run) gives None with an information line, not a warning about a failed download."""
    import logging

    import mlflow

    names = ["scorecard.pkl", "scorecard.json"]
    (tmp_path / "scorecard.pkl").write_bytes(b"card")
    (tmp_path / "scorecard.json").write_text('{"variables": 8}')
    with mlflow.start_run() as complete:
        for name in names:
            mlflow.log_artifact(str(tmp_path / name))
    with mlflow.start_run() as half:
        mlflow.log_artifact(str(tmp_path / "scorecard.pkl"))
    with mlflow.start_run() as empty:
        pass
    caplog.set_level(logging.INFO, logger="creditrisk.artefacts.tracking")
    folder = tracking.download_run_files(complete.info.run_id, names, tmp_path / "complete")
    assert (folder / "scorecard.pkl").read_bytes() == b"card"
    assert (folder / "scorecard.json").read_text() == '{"variables": 8}'
    assert tracking.download_run_files(half.info.run_id, names, tmp_path / "half") is None
    assert tracking.download_run_files(empty.info.run_id, names, tmp_path / "empty") is None
    assert tracking.download_run_files("0" * 32, names, tmp_path / "unknown") is None  # the store cannot answer
    records = [(r.levelname, r.getMessage()) for r in caplog.records]
    assert records[:2] == [("INFO", f"run {half.info.run_id} logged no scorecard.json"),
                           ("INFO", f"run {empty.info.run_id} logged no scorecard.pkl, scorecard.json")]
    assert len(records) == 3 and records[2][0] == "WARNING" and records[2][1].startswith(
        f"run {'0' * 32}: ['scorecard.pkl', 'scorecard.json'] could not be read from the artefact store (")


def test_a_tracking_server_from_the_environment_stores_the_artefacts(mlflow_server, tmp_path, monkeypatch):
    """MLFLOW_TRACKING_URI names a team's server (PostgreSQL store, proxied artefacts): the candidate's run,
    registration, gate and champion go through it, and the artefacts land on the server, not on the client."""
    import mlflow

    uri, artefacts = mlflow_server
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    project = tmp_path / "client"
    project.mkdir()
    tracking.configure(project)
    assert mlflow.get_tracking_uri() == uri
    model, bundle, x = _tiny_model()
    candidate = _register_and_judge(model, bundle, x, 0.42)
    assert candidate["gate"]["promote"]
    loaded, stored, facts = tracking.load_champion()
    assert stored == make_bundle(["a", "b"]) and facts["model_version"] == candidate["version"]
    assert loaded.predict_proba(x.head(3)).shape == (3, 2)
    assert list(project.iterdir()) == []  # no mlflow.db, no mlartifacts, no mlruns on the client
    assert any(path.name == "model.cb" or path.suffix == ".cbm" or path.name == "MLmodel"
               for path in artefacts.rglob("*"))
    (tmp_path / "scorecard.json").write_text('{"variables": 8}')  # a run's own files, listed and read back
    with mlflow.start_run() as run:
        mlflow.log_artifact(str(tmp_path / "scorecard.json"))
    folder = tracking.download_run_files(run.info.run_id, ["scorecard.json"], tmp_path / "back")
    assert (folder / "scorecard.json").read_text() == '{"variables": 8}'
    assert tracking.download_run_files(run.info.run_id, ["scorecard.pkl"], tmp_path / "none") is None
    mlflow.set_tracking_uri(None)
