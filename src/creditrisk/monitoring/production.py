"""Production drift: the features the service actually scored vs the features the model was trained on.

``creditrisk monitor`` (scheduled CI job) reads the traffic log over a window, runs the same Evidently report as
the drift stage on the model's most important features, writes ``reports/drift/production/`` and returns an exit
code: 0 = no alert, 1 = the share of drifted columns is above ``monitor.max_share_drifted``, 3 = too few scored
clients in the window to test anything.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from creditrisk.config import Params, Paths
from creditrisk.errors import MissingInput
from creditrisk.io import atomic_path, write_json
from creditrisk.monitoring.drift import prepare, run_report, summarize, top_model_features
from creditrisk.monitoring.traffic import META, read_window

log = logging.getLogger(__name__)

OK, ALERT, TOO_FEW = 0, 1, 3


@dataclass(frozen=True)
class MonitorResult:
    exit_code: int
    summary: dict


def _reference(paths: Paths, columns: list[str]) -> pd.DataFrame:
    path = paths.features / "train.parquet"
    if not path.exists():
        raise MissingInput(f"{path}: the training features are the reference (run `dvc repro features` or "
                                "`dvc pull`)")
    return pd.read_parquet(path, columns=columns)


def monitor(params: Params, paths: Paths, traffic_dir: Path, days: int, max_share: float,
            out_dir: Path | None = None) -> MonitorResult:
    current = read_window(traffic_dir, days)
    base = {"traffic_dir": str(traffic_dir), "window_days": days, "scored_clients": len(current),
            "max_share_drifted": max_share}
    if len(current) < params.monitor.min_requests:
        summary = {**base, "verdict": "too_few", "message": f"{len(current)} scored clients in the last {days} "
                   f"day(s); at least {params.monitor.min_requests} are needed (monitor.min_requests)"}
        return MonitorResult(TOO_FEW, summary)
    logged = [c for c in current.columns if c not in META]
    top = top_model_features(paths.reports / "evaluation_details.json", params.drift.top_features)
    columns = [c for c in top if c in logged] or logged
    reference = _reference(paths, columns)
    categorical = {c for c in columns if reference[c].dtype == object}
    snapshot = run_report(prepare(reference, current[columns], categorical_hint=categorical))
    summary = {**base, **summarize(snapshot.dict()), "reference": "training features",
               "reference_rows": len(reference), "model_versions": sorted(current["model_version"].unique())}
    alert = summary["share_drifted"] > max_share
    summary["verdict"] = "alert" if alert else "ok"
    out_dir = out_dir or paths.reports / "drift" / "production"
    with atomic_path(out_dir / "data_drift.html") as tmp:
        snapshot.save_html(str(tmp))
    write_json(out_dir / "summary.json", summary)
    return MonitorResult(ALERT if alert else OK, summary)
