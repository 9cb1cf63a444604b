"""Production drift: the traffic log and the monitoring command's verdicts and exit codes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from creditrisk.cli import main
from creditrisk.config import Params, Paths
from creditrisk.monitoring.production import ALERT, OK, TOO_FEW, monitor
from creditrisk.monitoring.traffic import TrafficLog, read_window

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
FEATURES = ["AMT_CREDIT", "EXT_SOURCE_MEAN", "NAME_CONTRACT_TYPE"]


def _frame(n: int, seed: int, credit_shift: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"AMT_CREDIT": rng.lognormal(13 + credit_shift, 0.5, n),
                         "EXT_SOURCE_MEAN": rng.uniform(0, 1, n),
                         "NAME_CONTRACT_TYPE": rng.choice(["Cash loans", "Revolving loans"], n, p=[0.9, 0.1])})


@pytest.fixture()
def project(tmp_path) -> Paths:
    paths = Paths(tmp_path)
    paths.features.mkdir(parents=True)
    _frame(3000, 0).to_parquet(paths.features / "train.parquet")
    paths.reports.mkdir()
    importance = [{"feature": f, "mean_abs_shap": 1.0} for f in FEATURES]
    (paths.reports / "evaluation_details.json").write_text(json.dumps({"shap_importance": importance}))
    return paths


def _log(directory, frame: pd.DataFrame, when: datetime) -> None:
    TrafficLog(directory).record("score", "3", FEATURES, frame[FEATURES].values.tolist(), [0.1] * len(frame),
                                 ["accept"] * len(frame), now=when)


def test_log_round_trip_window_and_torn_line(tmp_path):
    frame = _frame(4, 1)
    _log(tmp_path, frame, NOW - timedelta(days=10))  # outside a 7-day window
    _log(tmp_path, frame, NOW - timedelta(hours=1))
    (next(tmp_path.rglob(f"{(NOW - timedelta(hours=1)).date()}/*.jsonl"))).open("a").write('{"timestamp": "20')
    window = read_window(tmp_path, days=7, now=NOW)
    assert len(window) == 4
    assert window["AMT_CREDIT"].tolist() == pytest.approx(frame["AMT_CREDIT"].tolist())
    assert set(window.columns) == {*FEATURES, "timestamp", "endpoint", "model_version", "pd", "decision"}


def test_unchanged_traffic_passes_and_shifted_traffic_alerts(project, tmp_path):
    params = Params()
    calm, shifted = tmp_path / "calm", tmp_path / "shifted"
    _log(calm, _frame(600, 2), datetime.now(UTC))
    _log(shifted, _frame(600, 3, credit_shift=0.8), datetime.now(UTC))
    ok = monitor(params, project, calm, days=1, max_share=0.3, out_dir=tmp_path / "out-calm")
    assert ok.exit_code == OK and ok.summary["verdict"] == "ok" and ok.summary["drifted_columns"] == []
    alert = monitor(params, project, shifted, days=1, max_share=0.3, out_dir=tmp_path / "out-shifted")
    assert alert.exit_code == ALERT and alert.summary["drifted_columns"] == ["AMT_CREDIT"]
    assert alert.summary["share_drifted"] > 0.3 and (tmp_path / "out-shifted" / "data_drift.html").exists()
    relaxed = monitor(params, project, shifted, days=1, max_share=0.9, out_dir=tmp_path / "out-relaxed")
    assert relaxed.exit_code == OK


def test_too_few_scored_clients_give_no_verdict(project, tmp_path):
    _log(tmp_path / "few", _frame(5, 4), datetime.now(UTC))
    result = monitor(Params(), project, tmp_path / "few", days=1, max_share=0.3)
    assert result.exit_code == TOO_FEW and "5 scored clients" in result.summary["message"]


def test_command_line_exit_code(project, tmp_path, capsys):
    _log(tmp_path / "log", _frame(600, 5, credit_shift=0.8), datetime.now(UTC))
    (project.root / "params.yaml").write_text("monitor:\n  max_share_drifted: 0.3\n  min_requests: 50\n")
    code = main(["--root", str(project.root), "monitor", "--traffic", str(tmp_path / "log"), "--days", "2"])
    assert code == ALERT and '"verdict": "alert"' in capsys.readouterr().out
