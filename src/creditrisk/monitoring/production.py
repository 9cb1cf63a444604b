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

import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from creditrisk.config import Params, Paths
from creditrisk.errors import MissingInput
from creditrisk.io import write_json, write_text
from creditrisk.model.stats import psi
from creditrisk.monitoring.traffic import count, expire, read_lines

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

    def add(self, line: dict) -> None:
        if "invalid" in line:
            self.invalid_lines += 1
            return
        self.clients += line["clients"]
        self.versions[str(line.get("model_version"))] += line["clients"]
        self.decisions.update(line["decisions"])
        self.agreement.update(line.get("challenger", {}).get("agreement", {}))
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


def compare(counts: WindowCounts, reference: dict[str, list], min_psi: float) -> list[dict]:
    """Per monitored feature (and binning): PSI, chi-square p-value, drifted or not."""
    rows = []
    for (name, _), spec in sorted(counts.features.items()):
        ref = count(spec, reference[name])
        cur = spec["counts"]
        index, p_value = psi(ref, cur), chi_square_p(ref, cur)
        rows.append({"feature": name, "clients": int(cur.sum()), "psi": round(index, 4), "p_value": p_value,
                     "drifted": bool(index >= min_psi and p_value < P_VALUE)})
    return rows


def _reference(paths: Paths, columns: list[str]) -> dict[str, list]:
    import pandas as pd

    path = paths.features / "train.parquet"
    if not path.exists():
        raise MissingInput(f"{path}: the training features are the reference (run `dvc repro features` or "
                           "`dvc pull`)")
    frame = pd.read_parquet(path, columns=columns)
    return {c: frame[c].tolist() for c in columns}


def monitor(params: Params, paths: Paths, traffic_dir: Path, days: int, max_share: float,
            out_dir: Path | None = None) -> MonitorResult:
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
            "model_versions": dict(counts.versions)}
    if counts.clients < params.monitor.min_requests or not counts.features:
        summary = {**base, "verdict": "too_few", "message": f"{counts.clients} scored clients in the last {days} "
                   f"day(s); at least {params.monitor.min_requests} are needed (monitor.min_requests)"}
        return MonitorResult(TOO_FEW, summary)
    names = sorted({name for name, _ in counts.features})
    rows = compare(counts, _reference(paths, names), params.monitor.min_psi)
    drifted = [r["feature"] for r in rows if r["drifted"]]
    share = len(drifted) / len(rows)
    summary = {**base, "reference": "training features", "features": rows, "drifted_columns": drifted,
               "n_columns": len(rows), "n_drifted": len(drifted), "share_drifted": share,
               "verdict": "alert" if share > max_share else "ok"}
    out_dir = out_dir or paths.reports / "drift" / "production"
    write_json(out_dir / "summary.json", summary)
    write_text(out_dir / "summary.md", _markdown(summary))
    return MonitorResult(ALERT if share > max_share else OK, summary)


def _shadow_summary(agreement: Counter) -> dict | None:
    """How often the shadow scorecard's accept/refuse matched the champion's (reviews count as not refused)."""
    total = sum(agreement.values())
    if not total:
        return None
    same = sum(n for key, n in agreement.items()
               if (key.split(" > ")[0] == "refuse") == (key.split(" > ")[1] == "refuse"))
    return {"clients": total, "agreement": same / total, "pairs": dict(agreement)}


def _markdown(summary: dict) -> str:
    lines = [f"# Production drift: {summary['verdict']}", "",
             f"{summary['scored_clients']} scored clients over the last {summary['window_days']} day(s); "
             f"{summary['n_drifted']} of {summary['n_columns']} monitored features drifted "
             f"({summary['share_drifted']:.0%}; alert above {summary['max_share_drifted']:.0%}). A feature drifts "
             f"when its PSI is at least {summary['min_psi']} and the chi-square test rejects at 5 %.", "",
             "| feature | PSI | chi-square p-value | drifted |", "|---|---:|---:|---|"]
    lines += [f"| {r['feature']} | {r['psi']:.4f} | {r['p_value']:.3g} | {'yes' if r['drifted'] else ''} |"
              for r in summary["features"]]
    shadow = summary.get("challenger")
    if shadow:
        lines += ["", f"Challenger scorecard in shadow: same refuse / not-refuse decision as the champion for "
                      f"{shadow['agreement']:.1%} of {shadow['clients']} clients."]
    return "\n".join(lines) + "\n"
