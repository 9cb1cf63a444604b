"""`creditrisk decisions|users|replay` on a project folder: a decision replays from the MLflow registry by its
recorded model version, an edited record makes `verify` fail, accounts are created from standard input."""

from __future__ import annotations

import io
import json
from dataclasses import replace

import pytest

from creditrisk import cli
from creditrisk.artefacts import tracking


@pytest.fixture(scope="module")
def project(tmp_path_factory, champion, features):
    """A project with an MLflow registry holding the session's model, and its own decision database."""
    import mlflow

    root = tmp_path_factory.mktemp("decisions-project")
    (root / "params.yaml").write_text("decisions:\n  database: sqlite:///data/decisions.db\n")
    tracking.configure(root)
    model, bundle = champion
    example = features["train"].head(20).to_pandas()
    version = tracking.register_candidate(model, replace(bundle, serving=None), {"business_cost_per_client": 0.4,
                                          "auc": 0.8}, example, [])["version"]
    yield root, version
    mlflow.set_tracking_uri(None)


def _run(args: list[str], capsys, stdin: str | None = None, monkeypatch=None) -> tuple[int, dict | str]:
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = cli.main(args)
    out = capsys.readouterr()
    try:
        return code, json.loads(out.out)
    except ValueError:
        return code, out.err


def test_replay_from_the_registry_and_verify(project, scorer, serving_data, capsys, monkeypatch):
    from creditrisk.decisions.store import DecisionStore
    from creditrisk.service.records import DecisionRecorder

    root, version = project
    monkeypatch.delenv("CREDITRISK_DECISIONS_URL", raising=False)
    assert _run(["--root", str(root), "decisions", "migrate"], capsys)[0] == 0
    store = DecisionStore(f"sqlite:///{root / 'data' / 'decisions.db'}",
                          checkpoints=root / ".run" / "decisions.checkpoints")  # where the commands read them
    recorder = DecisionRecorder(store, scorer)
    recorder.fixed["model_version"] = version  # the service's model, registered here as this version
    ids = [int(c) for c in serving_data.production.index[:5]]
    seqs = [r["decision_id"] for r in recorder.record(scorer.score_ids(ids), [{"client_id": c} for c in ids])]
    code, result = _run(["--root", str(root), "replay", str(seqs[2])], capsys)
    assert code == 0 and result["same"] and result["pd_hex"][0] == result["pd_hex"][1]
    code, result = _run(["--root", str(root), "decisions", "verify"], capsys)
    assert code == 0 and result["records"] == 5 and result["intact"] and result["checkpoints"] == 1
    from sqlalchemy import text

    with store.engine.begin() as connection:  # someone edits a PD in the table
        connection.execute(text(f"UPDATE decisions SET pd = 0.01 WHERE seq = {seqs[2]}"))
    code, result = _run(["--root", str(root), "decisions", "verify"], capsys)
    assert code == 4 and result["broken_at"] == seqs[2]
    code, result = _run(["--root", str(root), "replay", str(seqs[2])], capsys)
    assert code == 4 and not result["same"]  # the edited PD is not what the model gives
    out = root / "export.parquet"
    code, result = _run(["--root", str(root), "decisions", "export", "--out", str(out)], capsys)
    import polars as pl

    exported = pl.read_parquet(out)
    assert code == 0 and exported.height == 5 and "password_hash" not in exported.columns
    store.close()


def test_accounts_from_stdin_and_never_a_password_out(project, capsys, monkeypatch):
    root, _ = project
    monkeypatch.delenv("CREDITRISK_DECISIONS_URL", raising=False)
    _run(["--root", str(root), "decisions", "migrate"], capsys)
    code, result = _run(["--root", str(root), "users", "add", "rita", "--role", "approver"], capsys,
                        "a long enough password\n", monkeypatch)
    assert code == 0 and result == {"user": "rita", "role": "approver", "created": True}
    code, error = _run(["--root", str(root), "users", "add", "rita", "--role", "auditor"], capsys, "another one "
                       "long enough\n", monkeypatch)
    assert code == 1 and "already exists" in error
    code, error = _run(["--root", str(root), "users", "add", "bob", "--role", "auditor"], capsys, "short\n",
                       monkeypatch)
    assert code == 1 and "at least 12 characters" in error
    assert _run(["--root", str(root), "users", "disable", "rita"], capsys)[0] == 0
    code, listed = _run(["--root", str(root), "users", "list"], capsys)
    assert listed["users"][0]["active"] is False and "password" not in json.dumps(listed)
