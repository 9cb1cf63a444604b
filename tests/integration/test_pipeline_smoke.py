"""End to end: `dvc repro` of the whole pipeline in a fresh repository on a small generated data set."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from tests.conftest import ROOT


def _environment() -> dict:
    return os.environ | {"PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
                         "DVC_NO_ANALYTICS": "1", "GX_ANALYTICS_ENABLED": "false"}


def _run(args, cwd, check=True):
    result = subprocess.run(args, cwd=cwd, env=_environment(), capture_output=True, text=True, timeout=600)
    if check and result.returncode != 0:
        raise AssertionError(f"{args} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result


def new_project(work: Path, **sections: dict) -> Path:
    """A copy of the project (code, dvc.yaml, params; no data, models or reports) in a new git + DVC repository,
    with small model settings and ``sections`` merged into params.yaml."""
    for item in ("src", "pipelines", "scripts", "dvc.yaml", "params.yaml", ".gitignore"):
        source = ROOT / item
        if source.is_dir():
            shutil.copytree(source, work / item, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, work / item)
    params = yaml.safe_load((work / "params.yaml").read_text())
    small = {"train": {"cv_folds": 2, "iterations": 60, "learning_rate": 0.2, "early_stopping_rounds": 15, "bag": 2},
             "evaluate": {"bootstrap": 20, "shap_rows": 200}, "tune": {"n_trials": 2, "folds": 2},
             "compare": {"run": True, "strategies": ["none", "Balanced"], "folds": 2, "scorecard_candidates": 15}}
    for name, values in (small | sections).items():
        params[name].update(values)
    (work / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    _run(["git", "init", "-q"], work)
    _run(["dvc", "init", "-q"], work)
    return work


def copy_project(source: Path, target: Path) -> Path:
    """A copy of a project that ran (its git and DVC repositories, data, registry and reports)."""
    shutil.copytree(source, target, symlinks=True)
    return target


def without_registry(project: Path) -> Path:
    """The project as a fresh clone of it would be: no MLflow registry (mlflow.db and its artefacts are not in
    git)."""
    (project / "mlflow.db").unlink()
    shutil.rmtree(project / "mlartifacts", ignore_errors=True)
    return project


def test_dvc_repro_runs_every_stage_then_is_up_to_date(synthetic_project, side_runs):
    project = synthetic_project  # (side_runs: the two runs that start from it begin now, beside this test)
    metrics = json.loads((project / "reports" / "synthetic_metrics.json").read_text())
    assert metrics["train_applicants"] == 2500
    assert metrics["pass_share"] >= 0.85  # small sample: looser than the 90 % goal measured at default size
    validation = json.loads((project / "reports" / "validation" / "summary.json").read_text())
    assert validation == {"success": True, "checks": validation["checks"], "failures": 0, "warnings": 0,
                          "orphan_rows": {}}
    manifest = json.loads((project / "data" / "interim" / "manifest.json").read_text())
    assert manifest["tables"]["application_train"] == 2500 and manifest["absent"] == []
    assert (project / "data" / "oracle" / "true_pd.csv").exists()
    metrics = json.loads((project / "reports" / "metrics.json").read_text())
    for key in ("auc", "pr_auc", "business_cost_per_client", "normalized_cost", "threshold", "brier", "oracle_auc",
                "oracle_cost_per_client", "auc_to_oracle", "cost_to_oracle"):
        assert isinstance(metrics[key], float), key
    assert 0.6 < metrics["auc"] <= metrics["oracle_auc"] + 0.05 and 0 < metrics["threshold"] < 1
    for share in ("auc_to_oracle", "cost_to_oracle"):
        assert metrics[f"{share}_ci95_low"] <= metrics[share] <= metrics[f"{share}_ci95_high"], share
    bundle = json.loads((project / "models" / "champion" / "bundle.json").read_text())
    assert bundle["threshold"] == metrics["threshold"] and bundle["costs"] == {"fn_cost": 10, "fp_cost": 1}
    # no leak: tuning, threshold and calibration saw only the training part; the holdout was scored once
    import polars as pl

    from creditrisk.config import load_params
    from creditrisk.model.data import split_data

    params = load_params(project / "params.yaml")
    train, holdout = split_data(project / "data" / "features" / "train.parquet",
                                project / "reports" / "feature_catalogue.json", params.train.holdout_size,
                                params.base.seed)
    oof_ids = set(pl.read_parquet(project / "models" / "champion" / "oof.parquet")["SK_ID_CURR"].to_list())
    assert oof_ids == set(train.ids.tolist()) and not oof_ids & set(holdout.ids.tolist())
    assert len(oof_ids) + metrics["holdout_rows"] == 2500
    tuning = json.loads((project / "reports" / "tuning.json").read_text())
    assert len(tuning["trials"]) == 2
    registry = json.loads((project / "reports" / "registry.json").read_text())
    report = json.loads((project / "reports" / "validation_model" / "report.json").read_text())
    red = [f"{t['test']} ({t['sample']})" for t in report["tests"] if t["light"] == "red"]
    by_fold = report["details"]["out-of-fold"]["by_fold"]  # information beside the lights, one row a CV fold
    assert [f["fold"] for f in by_fold["folds"]] == list(range(1, params.train.cv_folds + 1))
    assert sum(f["clients"] for f in by_fold["folds"]) == len(oof_ids)
    # the toy run's gate is in report mode (tests/integration/conftest.py): red tests recorded, not blocking
    assert registry["version"] == 1 and registry["promoted"] and registry["gate"]["mode"] == "report"
    assert registry["gate"]["red_tests"] == red and registry["gate"]["reasons"] == []
    assert report["samples"]["holdout"]["clients"] == metrics["holdout_rows"]
    assert sum(report["lights"].values()) == len(report["tests"]) >= 18
    assert "PSI of the score" in (project / "reports" / "validation_model" / "report.md").read_text()
    assert "## Fairness" in (project / "reports" / "model_card.md").read_text()
    _the_pd_moves_with_the_raw_score(project, holdout)
    drift = json.loads((project / "reports" / "drift" / "summary.json").read_text())
    assert 0 <= drift["share_drifted"] <= 1 and isinstance(drift["drifted_columns"], list)
    assert "NAME_CONTRACT_TYPE" in drift["drifted_columns"]  # revolving loans 9.5 % -> 0.9 %
    assert (project / "reports" / "drift" / "data_drift.html").stat().st_size > 100_000
    again = _run(["dvc", "repro"], project)
    assert "Running stage" not in again.stdout
    status = _run(["dvc", "status"], project)
    assert "up to date" in status.stdout


def _the_pd_moves_with_the_raw_score(project: Path, holdout) -> None:
    """The trained calibration on the holdout's score range: no plateau, the same AUC as the raw score."""
    import numpy as np
    from sklearn.metrics import roc_auc_score

    from creditrisk.artefacts.predictor import Predictor

    predictor = Predictor.from_dir(project / "models" / "champion")
    raw, pd_ = predictor.predict_proba(holdout.x)
    assert predictor.bundle.calibration["method"] in ("platt", "beta")
    grid = np.linspace(raw.min(), raw.max(), 2000)
    assert np.all(np.diff(predictor.calibrator.transform(grid)) > 0)
    assert roc_auc_score(holdout.y, pd_) == roc_auc_score(holdout.y, raw)


def test_bad_real_file_stops_the_pipeline_with_a_clear_message(synthetic_project, tmp_path):
    project = copy_project(synthetic_project, tmp_path / "project")
    raw = project / "data" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    for name in ("application_train.csv", "application_test.csv"):
        shutil.copy(project / "data" / "synthetic" / name, raw / name)
    lines = (raw / "application_train.csv").read_text().splitlines()
    header = lines[0].split(",")
    bad = lines[1].split(",")
    bad[header.index("AMT_CREDIT")] = "lots"
    (raw / "application_train.csv").write_text("\n".join([lines[0], ",".join(bad), *lines[2:]]) + "\n")
    before = (project / "data" / "interim" / "manifest.json").read_text()
    params = yaml.safe_load((project / "params.yaml").read_text())
    params["data"]["source"] = "raw"
    (project / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    result = _run(["dvc", "repro"], project, check=False)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "application_train.csv: column AMT_CREDIT expects numbers" in output
    assert (project / "data" / "interim" / "manifest.json").read_text() == before  # previous output intact



def test_a_checkout_without_its_registry_registers_again(synthetic_project, tmp_path):
    """mlflow.db is not in git: a fresh clone holds the committed reports and an empty registry. What
    model_validation put in the registry is also written outside git (models/registered.json, one of its
    outputs), so DVC reruns the stage there, instead of skipping it on inputs that repeat byte for byte."""
    clone = copy_project(synthetic_project, tmp_path / "clone")
    registered = json.loads((clone / "models" / "registered.json").read_text())
    assert registered == {"registered_model": "creditrisk-pd", "version": 1, "served_version": 2, "promoted": True}
    assert "model_validation" not in _run(["dvc", "status"], clone).stdout
    without_registry(clone)
    (clone / "models" / "registered.json").unlink()
    assert "deleted:            models/registered.json" in _run(["dvc", "status", "model_validation"], clone).stdout
