import json

import polars as pl
import pytest

from creditrisk.cli import main
from tests.conftest import ROOT


def test_generate_then_ingest_from_the_command_line(tmp_path, capsys):
    assert main(["--root", str(tmp_path), "generate", "--n-train", "300", "--n-test", "100", "--seed", "3"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["rows"]["application_train"] == 300 and summary["rows"]["application_test"] == 100
    assert pl.read_csv(tmp_path / "data" / "synthetic" / "application_test.csv").height == 100
    assert main(["--root", str(tmp_path), "ingest"]) == 0
    assert json.loads(capsys.readouterr().out)["tables"]["application_train"] == 300


def test_missing_raw_folder_is_a_clear_error(tmp_path, capsys):
    assert main(["--root", str(tmp_path), "ingest", "--source", "raw"]) == 1
    assert "data/raw does not exist: put the Kaggle CSV files there" in capsys.readouterr().err


def test_a_bug_is_an_internal_error_with_its_traceback(tmp_path, capsys, monkeypatch, caplog):
    from creditrisk.stages import ingest

    def broken(params, paths):
        raise KeyError("AMT_CREDIT")

    monkeypatch.setattr(ingest, "run_ingest", broken)
    assert main(["--root", str(tmp_path), "ingest"]) == 70
    assert "internal error" in caplog.text and "KeyError: 'AMT_CREDIT'" in caplog.text
    assert "error:" not in capsys.readouterr().err  # not presented as the user's mistake


def test_entry_points_tell_a_fixable_failure_from_a_bug(monkeypatch, caplog):
    from creditrisk.errors import MissingInput
    from pipelines._common import run_stage
    from tests.conftest import ROOT

    monkeypatch.chdir(ROOT)

    def missing(params, paths):
        raise MissingInput("data/features/train.parquet not found: run the features stage first")

    def bug(params, paths):
        raise ValueError("could not convert string to float")

    for runner, code, text in ((missing, 1, "tune stage failed: data/features/train.parquet not found"),
                               (bug, 70, "tune stage: internal error")):
        caplog.clear()
        with pytest.raises(SystemExit) as stop:
            run_stage("tune", runner)
        assert stop.value.code == code and text in caplog.text
    assert "Traceback" in caplog.text or "ValueError: could not convert" in caplog.text


def _summary_reports(root, registry: dict, lights: dict) -> None:
    reports = root / "reports"
    (reports / "validation_model").mkdir(parents=True)
    metrics = {"holdout_rows": 600, "auc": 0.74, "auc_ci95_low": 0.70, "auc_ci95_high": 0.78,
               "business_cost_per_client": 0.52, "business_cost_per_client_ci95_low": 0.45,
               "business_cost_per_client_ci95_high": 0.60, "baseline_refuse_no_one_cv_cost_per_client": 0.8,
               "threshold": 0.09, "threshold_ci95_low": 0.07, "threshold_ci95_high": 0.11, "approval_rate": 0.7,
               "holdout_defaults": 47, "min_defaults": 100, "enough_data": False}
    (reports / "metrics.json").write_text(json.dumps(metrics))
    (reports / "data_summary.json").write_text(json.dumps({
        "synthetic": False, "folder": "data/raw", "train_applicants": 3000, "production_applicants": 1000,
        "default_rate": 0.08, "tables": {"application_train": 3000, "application_test": 1000}}))
    entry = {"registered_model": "creditrisk-pd", "holdout_auc": 0.74, "holdout_cost_per_client": 0.52}
    (reports / "registry.json").write_text(json.dumps(entry | registry))
    (reports / "validation_model" / "report.json").write_text(json.dumps({"lights": lights}))


def test_the_summary_says_what_the_gate_decided_and_what_serves(tmp_path, capsys):
    from creditrisk.service.model_store import write_not_published

    lights = {"green": 12, "amber": 3, "red": 1, "not_enough_data": 8}
    _summary_reports(tmp_path, {"version": 3, "promoted": False, "gate": {
        "mode": "enforce", "reasons": ["red test: Hosmer-Lemeshow (holdout)"], "red_tests": []}}, lights)
    write_not_published(tmp_path / "models" / "serving", "no model of this project's registry has passed the gate")
    assert main(["--root", str(tmp_path), "summary"]) == 0
    out = capsys.readouterr().out
    assert "Data: real files in data/raw (2 of the 8 Home Credit files); 3,000 training applicants" in out
    assert "AUC                     0.740  [0.700 - 0.780]" in out and "oracle" not in out
    assert "version 3 was not promoted: red test: Hosmer-Lemeshow (holdout)." in out
    assert "Validation: 12 green, 3 amber, 1 red, 8 without enough data; gate mode enforce." in out
    assert "Served: Nothing is published: no model of this project's registry has passed the gate." in out
    assert "Holdout (600 applicants, 47 defaults, scored once)" in out
    assert "not enough data for a verdict: fewer than 100 defaults" in out
    assert main(["--root", str(tmp_path / "nowhere"), "summary"]) == 1


def test_the_summary_gives_the_share_of_the_oracle_with_its_interval_when_the_run_has_one(tmp_path, capsys):
    _summary_reports(tmp_path, {"version": 1, "promoted": True, "gate": {"mode": "enforce", "reasons": [],
                                                                         "red_tests": []}},
                     {"green": 20, "amber": 1, "red": 0, "not_enough_data": 0})
    metrics_path = tmp_path / "reports" / "metrics.json"
    metrics = json.loads(metrics_path.read_text()) | {"auc_to_oracle": 0.9766}
    metrics_path.write_text(json.dumps(metrics))  # a run of an older version: the share without its interval
    assert main(["--root", str(tmp_path), "summary"]) == 0
    assert "share of the best possible AUC (true PD of the synthetic data): 0.977\n" in capsys.readouterr().out
    metrics_path.write_text(json.dumps(metrics | {"auc_to_oracle_ci95_low": 0.9669, "auc_to_oracle_ci95_high": 0.9893}))
    assert main(["--root", str(tmp_path), "summary"]) == 0
    assert ("share of the best possible AUC (true PD of the synthetic data): 0.977  [0.967 - 0.989]"
            in capsys.readouterr().out)


def test_the_summary_names_a_promotion_in_report_mode_and_the_refit(tmp_path, capsys):
    _summary_reports(tmp_path, {"version": 2, "promoted": True, "served_version": 3, "gate": {
        "mode": "report", "reasons": [], "red_tests": ["Jeffreys, portfolio (one-sided) (out-of-fold)"]}},
        {"green": 10, "amber": 2, "red": 1, "not_enough_data": 0})
    assert main(["--root", str(tmp_path), "summary"]) == 0
    out = capsys.readouterr().out
    assert ("version 2 was promoted in REPORT mode despite 1 red test(s) (Jeffreys, portfolio (one-sided) "
            "(out-of-fold)): for exploration, never for production; its recipe refitted on every labelled row is "
            "version 3.") in out
    assert "is now the champion" not in out and "Served: nothing yet (the publish stage has not run)." in out


def test_the_summary_quotes_a_signed_off_population_shift(tmp_path, capsys):
    signoff = "2026-12-05, A. Martin (model risk): fewer revolving loans in production, accepted"
    shift = "CSI of the top 10 features: the largest (development vs production)"
    _summary_reports(tmp_path, {"version": 3, "promoted": True, "served_version": 4, "gate": {
        "mode": "enforce", "reasons": [], "red_tests": [shift], "signed_off": [shift], "signoff": signoff}},
        {"green": 19, "amber": 1, "red": 1, "not_enough_data": 0})
    assert main(["--root", str(tmp_path), "summary"]) == 0
    out = capsys.readouterr().out
    assert (f"version 3 passed the validation gate with 1 red stability test(s) signed off ({shift}; sign-off: "
            f"{signoff}); its recipe refitted on every labelled row is version 4.") in out


def test_every_dvc_stage_is_a_stage_of_the_command_line_in_the_same_order():
    import yaml

    from creditrisk.stages import STAGES, runner

    assert tuple(yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"]) == STAGES
    assert all(runner(name).__name__ == f"run_{name}" for name in STAGES)


def test_an_unknown_command_or_stage_is_refused_not_sent_to_publish(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["stage", "trian"])
    assert exited.value.code == 2 and "invalid choice: 'trian'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["pubish"])
