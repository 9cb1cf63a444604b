import json

import polars as pl

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
