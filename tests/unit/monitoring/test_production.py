"""Production drift: the traffic log (counts, never a line about one client) and the monitor's verdicts and exit
codes."""

from __future__ import annotations

import json
import stat
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from creditrisk.artefacts.catalogue import Paths
from creditrisk.cli import main
from creditrisk.config import Params
from creditrisk.monitoring.production import ALERT, OK, TOO_FEW, chi_square_p, monitor, psi
from creditrisk.monitoring.traffic import MIN_CLIENTS_PER_LINE, Bins, TrafficLog, count_numbers, read_lines

NOW = datetime.now(UTC)
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
    _reference(paths, [0.04] * 1000, accept_share=1.0)  # the traffic below is 0.04 and "accept" for everyone
    return paths


def _reference(paths: Paths, pds: list[float], accept_share: float, development_auc: float = 0.8) -> None:
    """reports/monitoring_reference.json as the publish stage writes it."""
    from creditrisk.monitoring.traffic import PD_EDGES

    paths.reports.mkdir(parents=True, exist_ok=True)
    (paths.reports / "monitoring_reference.json").write_text(json.dumps({
        "model_version": 3, "clients": len(pds), "pd": {"edges": list(PD_EDGES),
                                                        "counts": count_numbers(pds, PD_EDGES).tolist()},
        "accept_share": accept_share, "threshold": 0.09, "review_band": 0.02,
        "costs": {"fn_cost": 10, "fp_cost": 1}, "grade_bounds": [0.01, 0.02, 0.04, 0.08, 0.16, 0.32],
        "development_auc": development_auc}))


@pytest.fixture()
def bins() -> Bins:
    return Bins.from_training(_frame(3000, 0), FEATURES)


def _log(directory, bins: Bins, frame: pd.DataFrame, when: datetime = NOW, flush: int = 20) -> TrafficLog:
    traffic = TrafficLog(directory, bins, flush_clients=flush)
    for start in range(0, len(frame), 7):  # requests of 7 clients
        part = frame.iloc[start:start + 7]
        traffic.record("3", part, [0.04] * len(part), ["accept"] * len(part), now=when)
    return traffic


def test_bins_from_training_quantiles_and_levels(bins):
    edges = bins.features["EXT_SOURCE_MEAN"]["edges"]
    assert len(edges) == 4 and edges == sorted(edges)  # quintiles: four cuts
    assert bins.features["NAME_CONTRACT_TYPE"] == {"levels": ["Cash loans", "Revolving loans"]}
    # [missing, < 0.2, [0.2, 0.5), >= 0.5]: 0.5 goes right of its edge
    assert count_numbers([None, 0.1, 0.2, 0.5, 0.7, float("nan")], [0.2, 0.5]).tolist() == [2, 1, 1, 2]
    assert bins.counts("NAME_CONTRACT_TYPE", ["Cash loans", None, "Barter"]).tolist() == [1, 1, 0, 1]


def test_no_line_describes_fewer_than_five_clients_and_files_are_private(tmp_path, bins):
    """k-anonymity of the log: a line is the smallest unit anyone can read, and every field of it (each feature's
    counts, the PD bands, the decisions) is an aggregate over all its clients, at least five: any three fields of
    a line describe the same five clients or more."""
    traffic = _log(tmp_path, bins, _frame(60, 1), flush=1)  # asked to write every client: still 5 at least
    lines = list(read_lines(tmp_path, days=1))
    assert traffic.flush_clients == MIN_CLIENTS_PER_LINE
    assert [line["clients"] for line in lines] == [7] * 8  # 56 written; 4 wait for the next requests
    assert sum(line["features"]["AMT_CREDIT"]["counts"][0] for line in lines) == 0
    assert all(sum(line["features"][f]["counts"]) == line["clients"] for line in lines for f in FEATURES)
    assert all("SK_ID_CURR" not in json.dumps(line) and "timestamp" not in line for line in lines)
    (path,) = tmp_path.rglob("*.jsonl")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_old_days_expire_and_broken_lines_are_skipped(tmp_path, bins, project):
    old = NOW - timedelta(days=120)
    _log(tmp_path, bins, _frame(40, 2), when=old)
    assert (tmp_path / old.date().isoformat()).exists()
    _log(tmp_path, bins, _frame(700, 2))  # writing today expires what is older than 90 days
    assert not (tmp_path / old.date().isoformat()).exists()
    (next(tmp_path.rglob("*.jsonl"))).open("a").write('{}\n{"clients": 3, "feat')
    result = monitor(Params(), project, tmp_path, days=1, max_share=0.3, out_dir=tmp_path / "out")
    # 100 requests of 7, written by 21 (the first multiple of 7 past 20): 33 lines, 693 clients; 7 still pending
    assert result.summary["invalid_lines"] == 2 and result.summary["scored_clients"] == 693
    assert result.exit_code == OK


def test_psi_and_chi_square_by_hand():
    ref, cur = np.array([50, 50]), np.array([25, 75])
    # (0.25 - 0.5) ln(0.25 / 0.5) + (0.75 - 0.5) ln(0.75 / 0.5) = 0.25 ln 2 + 0.25 ln 1.5
    assert psi(ref, cur) == pytest.approx(0.25 * np.log(2) + 0.25 * np.log(1.5))
    assert psi(ref, ref * 3) == 0.0
    # 2 x 2 table [[50, 50], [25, 75]] with Yates' correction: chi2 = 200 (|50*75 - 50*25| - 100)^2 /
    # (100 * 100 * 75 * 125) = 200 * 2400^2 / 93,750,000 = 12.288; one degree of freedom: p = 0.000456
    assert chi_square_p(ref, cur) == pytest.approx(0.000456, rel=0.01)


def test_unchanged_traffic_passes_and_shifted_traffic_alerts(project, tmp_path, bins):
    params = Params()
    calm, shifted = tmp_path / "calm", tmp_path / "shifted"
    _log(calm, bins, _frame(600, 2))
    _log(shifted, bins, _frame(600, 3, credit_shift=0.8))
    ok = monitor(params, project, calm, days=1, max_share=0.3, out_dir=tmp_path / "out-calm")
    assert ok.exit_code == OK and ok.summary["verdict"] == "ok" and ok.summary["drifted_columns"] == []
    alert = monitor(params, project, shifted, days=1, max_share=0.3, out_dir=tmp_path / "out-shifted")
    assert alert.exit_code == ALERT and alert.summary["drifted_columns"] == ["AMT_CREDIT"]
    assert "| AMT_CREDIT |" in (tmp_path / "out-shifted" / "summary.md").read_text()
    relaxed = monitor(params, project, shifted, days=1, max_share=0.9, out_dir=tmp_path / "out-relaxed")
    assert relaxed.exit_code == OK


def test_too_few_scored_clients_give_no_verdict(project, tmp_path, bins):
    _log(tmp_path / "few", bins, _frame(35, 4))
    result = monitor(Params(), project, tmp_path / "few", days=1, max_share=0.3)
    assert result.exit_code == TOO_FEW and "21 scored clients" in result.summary["message"]  # one line of 21


def test_command_line_exit_codes_are_distinct(project, tmp_path, capsys, bins):
    _log(tmp_path / "log", bins, _frame(600, 5, credit_shift=0.8))
    (project.root / "params.yaml").write_text("monitor:\n  max_share_drifted: 0.3\n  min_requests: 50\n")
    code = main(["--root", str(project.root), "monitor", "--traffic", str(tmp_path / "log"), "--days", "2"])
    assert code == ALERT == 4 and '"verdict": "alert"' in capsys.readouterr().out
    (project.features / "train.parquet").unlink()
    assert main(["--root", str(project.root), "monitor", "--traffic", str(tmp_path / "log")]) == 1  # to fix
    assert len({OK, TOO_FEW, ALERT, 1}) == 4


def test_the_shadow_challengers_agreement_is_counted(project, tmp_path, bins):
    ours = ["accept"] * 100 + ["review"] * 10 + ["refuse"] * 10
    theirs = ["accept"] * 95 + ["refuse"] * 5 + ["accept"] * 10 + ["refuse"] * 10  # 5 of 120 differ
    calls = []

    def challenger(inputs: pd.DataFrame):
        calls.append(len(inputs))
        return [0.03] * len(inputs), [theirs[int(i)] for i in inputs["row"]]

    traffic = TrafficLog(tmp_path / "shadow", bins, flush_clients=120, shadow=challenger)
    frame = _frame(120, 4)
    for start in range(0, 120, 40):  # three requests, one line: the challenger is scored once, for all 120
        part = slice(start, start + 40)
        traffic.record("3", frame.iloc[part], [0.04] * 40, ours[part], now=NOW,
                       shadow_inputs=pd.DataFrame({"row": range(start, start + 40)}))
    assert calls == [120]
    (line,) = list(read_lines(tmp_path / "shadow", 1, NOW.date()))
    assert line["challenger"]["agreement"] == {"accept > accept": 95, "accept > refuse": 5, "review > accept": 10,
                                               "refuse > refuse": 10}
    assert sum(line["challenger"]["pd"]["counts"]) == 120
    result = monitor(Params(), project, tmp_path / "shadow", days=1, max_share=0.3, out_dir=tmp_path / "out")
    assert result.summary["challenger"]["agreement"] == pytest.approx(115 / 120)
    assert "95.8% of 120 clients" in (tmp_path / "out" / "summary.md").read_text()


def test_the_score_psi_and_the_acceptance_share_turn_red_when_the_population_moves(project, tmp_path, bins):
    _log(tmp_path / "calm", bins, _frame(600, 2))
    calm = monitor(Params(), project, tmp_path / "calm", days=1, max_share=0.3, out_dir=tmp_path / "out-calm")
    assert [t["light"] for t in calm.summary["tests"]] == ["green", "green"] and calm.exit_code == OK
    assert calm.summary["expected_performance"]["clients"] == calm.summary["scored_clients"] == 588  # 84 lines of 7
    # development clients: PDs spread over the bands, 80 % accepted; the window: everyone at 0.04 and accepted
    _reference(project, list(np.linspace(0.001, 0.6, 1000)), accept_share=0.8)
    moved = monitor(Params(), project, tmp_path / "calm", days=1, max_share=0.3, out_dir=tmp_path / "out-moved")
    lights = {t["key"]: t["light"] for t in moved.summary["tests"]}
    assert lights == {"psi_score": "red", "acceptance": "red"} and moved.exit_code == ALERT
    assert moved.summary["red_tests"] == ["PSI of the score", "Automatic acceptance share (exact binomial, "
                                          "two-sided)"]
    assert "| PSI of the score |" in (tmp_path / "out-moved" / "summary.md").read_text()


def test_monitor_with_labels_back_tests_the_pds_of_record(project, tmp_path, bins, capsys):
    from creditrisk.artefacts.catalogue import POPULATION

    rng = np.random.default_rng(9)
    pds = np.clip(rng.lognormal(np.log(0.06), 0.9, 5000), 0.002, 0.9)
    project.serving.mkdir(parents=True)
    pd.DataFrame({"SK_ID_CURR": np.arange(5000), "pd": pds}).to_parquet(project.serving / POPULATION)
    labels = tmp_path / "labels.csv"
    pd.DataFrame({"SK_ID_CURR": np.arange(5000), "TARGET": (rng.random(5000) < pds).astype(int),
                  "OUTCOME_DATE": "2026-11-30"}).to_csv(labels, index=False)
    _log(project.traffic, bins, _frame(600, 2))
    _reference(project, [0.04] * 1000, accept_share=1.0, development_auc=0.6)  # these PDs reach about 0.73
    (project.root / "params.yaml").write_text("{}\n")  # every default
    code = main(["--root", str(project.root), "monitor", "--traffic", str(project.traffic), "--labels", str(labels)])
    summary = json.loads((project.reports / "drift" / "production" / "summary.json").read_text())
    assert summary["red_tests"] == [] and code == OK and summary["backtest"]["matched"] == 5000
    assert {t["key"] for t in summary["backtest"]["tests"]} >= {"auc", "auc_decline", "jeffreys_grade", "binomial"}
    assert "## Back-test on 5000 clients with outcomes" in (project.reports / "drift" / "production" /
                                                             "summary.md").read_text()
    _reference(project, [0.04] * 1000, accept_share=1.0, development_auc=0.9)  # a model that was much better
    assert main(["--root", str(project.root), "monitor", "--traffic", str(project.traffic), "--labels",
                 str(labels)]) == ALERT


def test_the_back_test_runs_without_traffic(project, tmp_path):
    from creditrisk.artefacts.catalogue import POPULATION

    rng = np.random.default_rng(10)
    pds = np.clip(rng.lognormal(np.log(0.06), 0.9, 4000), 0.002, 0.9)
    project.serving.mkdir(parents=True)
    pd.DataFrame({"SK_ID_CURR": np.arange(4000), "pd": pds}).to_parquet(project.serving / POPULATION)
    labels = tmp_path / "labels.parquet"
    outcomes = (rng.random(4000) < pds * 2).astype(int)  # twice the defaults the PDs promise
    pd.DataFrame({"SK_ID_CURR": np.arange(4000), "TARGET": outcomes,
                  "OUTCOME_DATE": "2026-11-30"}).to_parquet(labels)
    _reference(project, [0.04] * 1000, accept_share=1.0, development_auc=0.6)
    result = monitor(Params(), project, tmp_path / "empty", days=7, max_share=0.3, labels=labels)
    assert result.exit_code == ALERT and result.summary["verdict"] == "alert"  # no traffic, but red back-test tests
    assert "Binomial, portfolio (one-sided, exact)" in result.summary["red_tests"]
    text = (project.reports / "drift" / "production" / "summary.md").read_text()
    assert "0 scored clients in the last 7 day(s)" in text and "## Back-test on 4000 clients" in text


def test_the_report_carries_the_oversight_figures_it_is_given(project, tmp_path, bins):
    _log(tmp_path / "few", bins, _frame(35, 4))
    figures = {"queue": {"size": 3, "oldest_hours": 26.5, "median_hours": 4.0}, "awaiting_approval": 1,
               "per_week": [{"week": "2026-W49", "model_decisions": 40, "share_by_model_alone": 0.9,
                             "people_decisions": 4, "overrides_in_favour": 1, "overrides_against": 0,
                             "override_rate": 0.25}],
               "override_reasons": {"in_favour": {"income_verified": 1}}}
    monitor(Params(), project, tmp_path / "few", days=1, max_share=0.3, out_dir=tmp_path / "out", oversight=figures)
    report = (tmp_path / "out" / "summary.md").read_text()
    assert "Review queue: 3 case(s), the oldest waiting 26.5 h; 1 override(s) waiting for an approver." in report
    assert "| 2026-W49 | 40 | 90.0% | 4 | 1 | 0 | 25.0% |" in report
    assert "Overrides in favour by reason: income_verified 1." in report
