import json

import polars as pl
import pytest

from creditrisk.cli import main


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
