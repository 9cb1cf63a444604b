"""Stage drift: Evidently report and adversarial validation, modelling data vs production clients."""

from __future__ import annotations

import logging
import time

from creditrisk.artefacts.catalogue import DRIFT_HTML, DRIFT_METRICS, SUMMARY_JSON, Paths
from creditrisk.config import Params
from creditrisk.data.schema import KEY
from creditrisk.io import atomic_path, write_json

log = logging.getLogger(__name__)


def run_drift(params: Params, paths: Paths) -> dict:
    """Evidently drift report and adversarial validation: modelling data (application_train) vs production."""
    from creditrisk.monitoring.drift import adversarial_validation, prepare, run_report, sample, stable_ids, summarize

    start = time.perf_counter()
    reference, current = _drift_sets(params, paths)
    snapshot = run_report(prepare(reference, current))
    summary = summarize(snapshot.dict())
    raw = [c for c in reference.columns if c in current.columns]
    rows, seed = params.drift.adversarial_rows, params.base.seed
    adversarial = adversarial_validation(sample(reference[raw], rows, seed), sample(current[raw], rows, seed), seed)
    out = paths.drift
    with atomic_path(out / DRIFT_HTML) as tmp:
        tmp.write_text(stable_ids(snapshot.get_html_str(as_iframe=False)), encoding="utf-8")
    summary |= {"reference": "application_train", "current": "application_test",
                "reference_rows": len(reference), "current_rows": len(current),
                "sampling": (f"random {params.drift.max_rows} rows of each set (seed {seed})"
                             if params.drift.max_rows else "none: all rows"),
                "adversarial_auc": adversarial["auc"], "adversarial": adversarial,
                "enough_data": len(current) >= params.drift.min_rows, "min_rows": params.drift.min_rows}
    write_json(out / SUMMARY_JSON, summary)
    write_json(out / DRIFT_METRICS, {k: summary[k] for k in ("share_drifted", "n_drifted", "n_columns",
                                                                "adversarial_auc")})
    verdict = ("" if summary["enough_data"] else f"no verdict ({len(current):,} production clients, fewer than "
               f"drift.min_rows {params.drift.min_rows:,}); indicative: ")
    log.info("drift: %s%d of %d columns drifted (%.1f %%), adversarial AUC %.3f; top: %s (%.0f s)", verdict,
             summary["n_drifted"], summary["n_columns"], 100 * summary["share_drifted"], adversarial["auc"],
             summary["drifted_columns"][:5], time.perf_counter() - start)
    return {k: summary[k] for k in ("share_drifted", "n_drifted", "n_columns", "adversarial_auc")}


def _drift_sets(params: Params, paths: Paths):
    """Raw application columns plus the model's top engineered features, for both populations (pandas)."""
    import polars as pl

    from creditrisk.monitoring.drift import sample, top_model_features

    reference = pl.read_parquet(paths.interim / "application_train.parquet")
    current = pl.read_parquet(paths.interim / "application_test.parquet")
    top = top_model_features(paths.evaluation_details, params.drift.top_features)
    extra = [f for f in top if f not in reference.columns]
    if extra:
        reference = reference.join(pl.read_parquet(paths.train_features, columns=[KEY, *extra]),
                                   on=KEY, how="left")
        current = current.join(pl.read_parquet(paths.test_features, columns=[KEY, *extra]),
                               on=KEY, how="left")
    seed, rows = params.base.seed, params.drift.max_rows
    return sample(reference.to_pandas(), rows, seed), sample(current.to_pandas(), rows, seed)
