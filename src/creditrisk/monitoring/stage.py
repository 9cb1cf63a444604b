"""The drift stage: modelling data (application_train) vs production clients (application_test)."""

from __future__ import annotations

import json
import logging
import time

import pandas as pd

from creditrisk.config import Params, Paths
from creditrisk.io import atomic_path, write_json
from creditrisk.monitoring.drift import adversarial_validation, prepare, run_report, summarize

log = logging.getLogger(__name__)


def _sample(frame: pd.DataFrame, rows: int, seed: int) -> pd.DataFrame:
    return frame if not rows or len(frame) <= rows else frame.sample(n=rows, random_state=seed)


def top_model_features(paths: Paths, count: int) -> list[str]:
    details = paths.reports / "evaluation_details.json"
    if not details.exists():
        return []
    return [r["feature"] for r in json.loads(details.read_text())["shap_importance"][:count]]


def load_sets(params: Params, paths: Paths) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Raw application columns plus the model's top engineered features, for both populations."""
    import polars as pl

    reference = pl.read_parquet(paths.interim / "application_train.parquet")
    current = pl.read_parquet(paths.interim / "application_test.parquet")
    extra = [f for f in top_model_features(paths, params.drift.top_features) if f not in reference.columns]
    if extra:
        reference = reference.join(pl.read_parquet(paths.features / "train.parquet", columns=["SK_ID_CURR", *extra]),
                                   on="SK_ID_CURR", how="left")
        current = current.join(pl.read_parquet(paths.features / "test.parquet", columns=["SK_ID_CURR", *extra]),
                               on="SK_ID_CURR", how="left")
    seed, rows = params.base.seed, params.drift.max_rows
    return _sample(reference.to_pandas(), rows, seed), _sample(current.to_pandas(), rows, seed)


def run_drift(params: Params, paths: Paths) -> dict:
    start = time.perf_counter()
    reference, current = load_sets(params, paths)
    snapshot = run_report(prepare(reference, current))
    summary = summarize(snapshot.dict())
    raw = [c for c in reference.columns if c in current.columns]
    adversarial = adversarial_validation(_sample(reference[raw], params.drift.adversarial_rows, params.base.seed),
                                         _sample(current[raw], params.drift.adversarial_rows, params.base.seed),
                                         params.base.seed)
    out = paths.reports / "drift"
    with atomic_path(out / "data_drift.html") as tmp:
        snapshot.save_html(str(tmp))
    summary |= {"reference": "application_train", "current": "application_test",
                "reference_rows": len(reference), "current_rows": len(current),
                "sampling": (f"random {params.drift.max_rows} rows of each set (seed {params.base.seed})"
                             if params.drift.max_rows else "none: all rows"),
                "adversarial_auc": adversarial["auc"], "adversarial": adversarial,
                "seconds": time.perf_counter() - start}
    write_json(out / "summary.json", summary)
    write_json(out / "metrics.json", {k: summary[k] for k in ("share_drifted", "n_drifted", "n_columns",
                                                                "adversarial_auc")})
    log.info("drift: %d of %d columns drifted (%.1f %%), adversarial AUC %.3f; top: %s", summary["n_drifted"],
             summary["n_columns"], 100 * summary["share_drifted"], adversarial["auc"], summary["drifted_columns"][:5])
    return summary
