"""Production drift: the features the service actually scored vs the features the model was trained on.

``creditrisk monitor`` (scheduled CI job) streams the traffic log's count lines over a window (memory does not
grow with the number of clients), compares each monitored feature's counts with the training features counted in
the same bins, writes ``reports/drift/production/`` (summary.json and summary.md) and returns an exit code:
0 = no alert, 4 = the share of drifted features is above ``monitor.max_share_drifted``, 3 = too few scored clients
in the window for a verdict; errors keep the command line's codes (1 = something to fix, 70 = internal error).

A feature drifts when both hold: its population stability index (PSI) reaches ``monitor.min_psi`` (0.10 is the
usual "moderate shift" mark, 0.25 "major") and the chi-square test of the two count vectors rejects equality at
5 % (scipy), which keeps a small window from raising alerts on noise.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from creditrisk.artefacts.catalogue import MONITORING_REFERENCE, SUMMARY_JSON, SUMMARY_MD, Paths
from creditrisk.config import CostParams, ModelValidationParams, Params
from creditrisk.data.schema import KEY
from creditrisk.errors import MissingInput
from creditrisk.governance.battery import ceiling_light
from creditrisk.governance.stats import psi, psi_critical
from creditrisk.io import write_json, write_text
from creditrisk.monitoring.performance import expected_performance
from creditrisk.monitoring.traffic import PD_EDGES, PD_FINE_EDGES, count, expire, read_lines

log = logging.getLogger(__name__)

OK, TOO_FEW, ALERT = 0, 3, 4
P_VALUE = 0.05


@dataclass(frozen=True)
class MonitorResult:
    exit_code: int
    summary: dict


@dataclass
class WindowCounts:
    """The count lines of a window, summed per feature and binning (a new model version may bin differently)."""

    clients: int = 0
    invalid_lines: int = 0
    versions: Counter = field(default_factory=Counter)
    decisions: Counter = field(default_factory=Counter)
    agreement: Counter = field(default_factory=Counter)  # champion's decision > challenger's (shadow)
    features: dict[tuple[str, str], dict] = field(default_factory=dict)  # (name, binning) -> spec + counts
    pd: np.ndarray = field(default_factory=lambda: np.zeros(len(PD_EDGES) + 2, dtype=np.int64))
    pd_fine: np.ndarray = field(default_factory=lambda: np.zeros(len(PD_FINE_EDGES) + 2, dtype=np.int64))

    def add(self, line: dict) -> None:
        if "invalid" in line:
            self.invalid_lines += 1
            return
        self.clients += line["clients"]
        self.versions[str(line.get("model_version"))] += line["clients"]
        self.decisions.update(line["decisions"])
        self.agreement.update(line.get("challenger", {}).get("agreement", {}))
        for name in ("pd", "pd_fine"):  # lines written before the fine grid existed lack it
            if name in line and len(line[name]["counts"]) == len(getattr(self, name)):
                getattr(self, name)[:] += np.asarray(line[name]["counts"], dtype=np.int64)
        for name, spec in line["features"].items():
            binning = repr(spec.get("edges", spec.get("levels")))
            known = self.features.setdefault((name, binning), {k: v for k, v in spec.items() if k != "counts"}
                                             | {"counts": np.zeros(len(spec["counts"]), dtype=np.int64)})
            known["counts"] += np.asarray(spec["counts"], dtype=np.int64)


def chi_square_p(reference: np.ndarray, current: np.ndarray) -> float:
    """p-value of the chi-square test that both count vectors come from one distribution (bins empty in both
    dropped)."""
    from scipy.stats import chi2_contingency

    table = np.vstack([reference, current])
    table = table[:, table.sum(axis=0) > 0]
    if table.shape[1] < 2:
        return 1.0
    return float(chi2_contingency(table).pvalue)


def compare(counts: WindowCounts, reference: dict[str, list], min_psi: float,
            psi_lights: tuple[float, float] = (0.1, 0.25)) -> list[dict]:
    """Per monitored feature (and binning): PSI (CSI) with its light (amber, red from ``psi_lights``) and its
    sampling critical value, chi-square p-value, drifted or not."""
    rows = []
    for (name, _), spec in sorted(counts.features.items()):
        ref = count(spec, reference[name])
        cur = spec["counts"]
        index, p_value = psi(ref, cur), chi_square_p(ref, cur)
        rows.append({"feature": name, "clients": int(cur.sum()), "psi": round(index, 4), "p_value": p_value,
                     "critical_95": _critical(ref, cur), "light": ceiling_light(index, *psi_lights),
                     "drifted": bool(index >= min_psi and p_value < P_VALUE)})
    return rows


def _critical(reference: np.ndarray, current: np.ndarray) -> float:
    """The PSI sampling alone reaches at 95 % for these two counts (bins empty in both left out)."""
    used = max(int(np.sum((reference + current) > 0)), 2)
    return psi_critical(int(reference.sum()), int(current.sum()), used)


def _reference(paths: Paths, columns: list[str]) -> dict[str, list]:
    import pandas as pd

    path = paths.train_features
    if not path.exists():
        raise MissingInput(f"{path}: the training features are the reference (run `dvc repro features` or "
                           "`dvc pull`)")
    frame = pd.read_parquet(path, columns=columns)
    return {c: frame[c].tolist() for c in columns}


def monitor(params: Params, paths: Paths, traffic_dir: Path, days: int, max_share: float,
            out_dir: Path | None = None, labels: Path | None = None, oversight: dict | None = None) -> MonitorResult:
    """The window's traffic against the training features and the development clients: drift of the features,
    the validation tests that need no outcome (PSI of the score, acceptance share), the performance expected from
    the PDs and, given a labels file, the back-test. Exit code: ALERT when the share of drifted features passes
    ``max_share`` or a test is red. ``oversight``: the decision store's figures of human oversight
    (``creditrisk.decisions.oversight``), reported as they are."""
    from datetime import UTC, datetime

    today = datetime.now(UTC).date()
    expired = expire(traffic_dir, params.monitor.retention_days, today)
    counts = WindowCounts()
    for line in read_lines(traffic_dir, days, today):
        counts.add(line)
    base = {"traffic_dir": str(traffic_dir), "window_days": days, "scored_clients": counts.clients,
            "invalid_lines": counts.invalid_lines, "expired_days": expired, "max_share_drifted": max_share,
            "min_psi": params.monitor.min_psi, "decisions": dict(counts.decisions),
            "challenger": _shadow_summary(counts.agreement),
            "model_versions": dict(counts.versions), "oversight": oversight}
    reference = _development(paths)
    if labels is not None:  # the outcomes do not depend on the window's traffic
        base["backtest"] = _backtest(params, paths, labels, reference)
    if counts.clients < params.monitor.min_requests or not counts.features:
        summary = {**base, "verdict": "too_few", "message": f"{counts.clients} scored clients in the last {days} "
                   f"day(s); at least {params.monitor.min_requests} are needed (monitor.min_requests)"}
        return _finish(summary, paths, out_dir, TOO_FEW)
    lights = params.model_validation
    names = sorted({name for name, _ in counts.features})
    rows = compare(counts, _reference(paths, names), params.monitor.min_psi, (lights.psi_amber, lights.psi_red))
    drifted = [r["feature"] for r in rows if r["drifted"]]
    share = len(drifted) / len(rows)
    summary = {**base, "reference": "training features", "features": rows, "drifted_columns": drifted,
               "n_columns": len(rows), "n_drifted": len(drifted), "share_drifted": share,
               "tests": score_tests(counts, reference, lights),
               "expected_performance": expected_performance(counts.pd_fine, list(PD_FINE_EDGES),
                                                            reference["threshold"], CostParams(**reference["costs"]),
                                                            seed=params.base.seed)
               if counts.pd_fine.sum() else None}
    return _finish(summary | {"verdict": "alert" if share > max_share else "ok"}, paths, out_dir, OK)


def _finish(summary: dict, paths: Paths, out_dir: Path | None, code: int) -> MonitorResult:
    """A red test (of the window or of the back-test) raises the alert; summary.json and summary.md are
    written."""
    red = [t["test"] for t in summary.get("tests", []) + (summary.get("backtest") or {}).get("tests", [])
           if t["light"] == "red"]
    if red or summary["verdict"] == "alert":
        summary, code = summary | {"verdict": "alert"}, ALERT
    summary["red_tests"] = red
    out_dir = out_dir or paths.drift / "production"
    write_json(out_dir / SUMMARY_JSON, summary)
    write_text(out_dir / SUMMARY_MD, _markdown(summary))
    return MonitorResult(code, summary)


def score_tests(counts: WindowCounts, reference: dict, lights: ModelValidationParams) -> list[dict]:
    """PSI of the score (PD bands, window vs development clients) and the automatic-acceptance share (exact
    two-sided binomial test against the development share), each with its light."""
    from scipy.stats import binomtest

    from creditrisk.governance.battery import row, traffic_light

    ref = np.asarray(reference["pd"]["counts"], dtype=np.int64)
    index = psi(ref, counts.pd)
    accepted = int(counts.decisions.get("accept", 0))
    p_value = float(binomtest(accepted, counts.clients, reference["accept_share"]).pvalue)
    return [row("psi_score", "stability", "PSI of the score", "development vs window", index, None,
                f"amber ≥ {lights.psi_amber}, red ≥ {lights.psi_red}", ceiling_light(index, lights.psi_amber,
                                                                                   lights.psi_red),
                f"sampling alone: {_critical(ref, counts.pd):.4f} (95 %)"),
            row("acceptance", "stability", "Automatic acceptance share (exact binomial, two-sided)",
                "development vs window", accepted / counts.clients, p_value,
                f"p: amber < {lights.amber}, red < {lights.red}", traffic_light(p_value, lights.amber, lights.red),
                f"development {reference['accept_share']:.1%}")]


def _development(paths: Paths) -> dict:
    path = paths.reports / MONITORING_REFERENCE
    if not path.exists():
        raise MissingInput(f"{path}: the development clients' reference is written by the publish stage "
                           "(`dvc repro publish`)")
    return json.loads(path.read_text())


def _backtest(params: Params, paths: Paths, labels: Path, reference: dict) -> dict:
    """The back-test on the clients of record (models/serving population) whose outcome the labels file gives."""
    import pandas as pd

    from creditrisk.artefacts.catalogue import POPULATION
    from creditrisk.monitoring.performance import backtest, read_labels

    path = paths.serving / POPULATION
    if not path.exists():
        raise MissingInput(f"{path}: the PDs of record are in the serving directory (`dvc repro publish` or "
                           "`dvc pull`)")
    population = pd.read_parquet(path).set_index(KEY)
    return backtest(read_labels(labels), population, tuple(reference["grade_bounds"]), params.model_validation,
                    params.evaluate.min_group_clients, params.evaluate.min_defaults, reference["development_auc"],
                    labels)


def _shadow_summary(agreement: Counter) -> dict | None:
    """How often the shadow scorecard's accept/refuse matched the champion's (reviews count as not refused)."""
    total = sum(agreement.values())
    if not total:
        return None
    same = sum(n for key, n in agreement.items()
               if (key.split(" > ")[0] == "refuse") == (key.split(" > ")[1] == "refuse"))
    return {"clients": total, "agreement": same / total, "pairs": dict(agreement)}


def _markdown(summary: dict) -> str:
    if "features" not in summary:  # too few scored clients: only the back-test, if any
        lines = [f"# Production monitoring: {summary['verdict']}", "", summary.get("message", "") + "."]
        lines += _backtest_lines(summary.get("backtest")) + _oversight_lines(summary.get("oversight"))
        return "\n".join(lines) + "\n"
    lines = [f"# Production monitoring: {summary['verdict']}", "",
             f"{summary['scored_clients']} scored clients over the last {summary['window_days']} day(s); "
             f"{summary['n_drifted']} of {summary['n_columns']} monitored features drifted "
             f"({summary['share_drifted']:.0%}; alert above {summary['max_share_drifted']:.0%}). A feature drifts "
             f"when its PSI is at least {summary['min_psi']} and the chi-square test rejects at 5 %. Red tests: "
             + ("; ".join(summary["red_tests"]) or "none") + ".", "",
             "## Tests without outcomes", "", *_test_table(summary["tests"]), "",
             "## Features (CSI against the training features)", "",
             "| feature | PSI | sampling alone (95 %) | light | chi-square p-value | drifted |",
             "|---|---:|---:|---|---:|---|"]
    lines += [f"| {r['feature']} | {r['psi']:.4f} | {r['critical_95']:.4f} | {r['light']} | {r['p_value']:.3g} | "
              f"{'yes' if r['drifted'] else ''} |" for r in summary["features"]]
    estimate = summary.get("expected_performance")
    if estimate:
        auc, cost = estimate["expected_auc_ci95"], estimate["expected_cost_per_client_ci95"]
        lines += ["", "## Expected performance before outcomes (from the calibrated PDs)", "",
                  f"AUC {estimate['expected_auc']:.3f} [{auc[0]:.3f}, {auc[1]:.3f}], business cost per client "
                  f"{estimate['expected_cost_per_client']:.4f} [{cost[0]:.4f}, {cost[1]:.4f}] at threshold "
                  f"{estimate['threshold']:.4f}, over {estimate['clients']} clients; expected default rate "
                  f"{estimate['expected_default_rate']:.1%}. Valid only while the PDs stay calibrated: the back-test "
                  "checks that once outcomes arrive."]
    lines += _backtest_lines(summary.get("backtest"))
    shadow = summary.get("challenger")
    if shadow:
        lines += ["", f"Challenger scorecard in shadow: same refuse / not-refuse decision as the champion for "
                      f"{shadow['agreement']:.1%} of {shadow['clients']} clients."]
    return "\n".join(lines + _oversight_lines(summary.get("oversight"))) + "\n"


def _oversight_lines(figures: dict | None) -> list[str]:
    """Human oversight per week (the decisions of record): decisions by the model alone, people's decisions,
    overrides by direction, the review queue."""
    if not figures:
        return []
    if "unavailable" in figures:
        return ["", "## Human oversight", "", figures["unavailable"]]
    queue = figures["queue"]
    oldest = "-" if queue["oldest_hours"] is None else f"{queue['oldest_hours']:.1f} h"
    lines = ["", "## Human oversight (decisions of record)", "",
             f"Review queue: {queue['size']} case(s), the oldest waiting {oldest}; {figures['awaiting_approval']} "
             "override(s) waiting for an approver.", "",
             "| week | model decisions | by the model alone | people's decisions | overrides in favour | "
             "overrides against | override rate |", "|---|---:|---:|---:|---:|---:|---:|"]
    share = lambda v: "-" if v is None else f"{v:.1%}"  # noqa: E731
    lines += [f"| {w['week']} | {w['model_decisions']} | {share(w['share_by_model_alone'])} | "
              f"{w['people_decisions']} | {w['overrides_in_favour']} | {w['overrides_against']} | "
              f"{share(w['override_rate'])} |" for w in figures["per_week"]]
    for direction, codes in figures["override_reasons"].items():
        lines.append(f"\nOverrides {direction.replace('_', ' ')} by reason: "
                     + ", ".join(f"{code} {n}" for code, n in sorted(codes.items())) + ".")
    return lines


def _backtest_lines(backtest: dict | None) -> list[str]:
    if not backtest:
        return []
    return ["", f"## Back-test on {backtest['matched']} clients with outcomes ({backtest['defaults']} defaults; "
                f"outcome dates {backtest['outcome_dates'][0]} to {backtest['outcome_dates'][1]}; "
                f"{backtest['unknown_clients']} unknown clients left out)", "", *_test_table(backtest["tests"])]


def _test_table(tests: list[dict]) -> list[str]:
    lines = ["| test | statistic | p-value | threshold | light | note |", "|---|---:|---:|---|---|---|"]
    return lines + [f"| {t['test']} | {_fmt(t['statistic'])} | {_fmt(t['p_value'])} | {t['threshold']} | "
                    f"**{t['light']}** | {t['note']} |" for t in tests]


def _fmt(value: float | None) -> str:
    return "" if value is None else f"{value:.4g}"
