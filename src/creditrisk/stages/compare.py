"""Stage compare: the champion's recipe beside the other imbalance treatments, the baselines, the challenger
scorecard and the sensitive attributes it leaves out (params ``compare``; ``compare.run: false`` skips them and
every document says so)."""

from __future__ import annotations

import logging
import time

from creditrisk.artefacts.catalogue import MODEL_COMPARISON, Paths
from creditrisk.config import Params
from creditrisk.io import atomic_path, write_json, write_text
from creditrisk.stages.common import split

log = logging.getLogger(__name__)

NOT_RUN = "NOT_RUN.txt"


def run_compare(params: Params, paths: Paths) -> dict:
    """reports/model_comparison.json and the challenger (models/challenger/), or a note that nothing was compared."""
    import polars as pl

    from creditrisk.artefacts.catalogue import CHALLENGER_OOF_FILE
    from creditrisk.governance.comparison import compare_models, not_run
    from creditrisk.stages.train import tuned_settings

    start = time.perf_counter()
    if not params.compare.run:
        reason = "params compare.run is false: the comparisons were not run in this execution"
        with atomic_path(paths.challenger) as tmp:
            tmp.mkdir(parents=True)
            write_text(tmp / NOT_RUN, reason + "\n")
        write_json(paths.reports / MODEL_COMPARISON, not_run(reason))
        log.info("compare: %s", reason)
        return not_run(reason)
    train, _ = split(params, paths)
    comparison = compare_models(train, params, tuned_settings(params, paths))
    with atomic_path(paths.challenger) as tmp:
        tmp.mkdir(parents=True)
        comparison.challenger.save(tmp)
        pl.DataFrame(comparison.challenger_oof).write_parquet(tmp / CHALLENGER_OOF_FILE)
    report = comparison.report
    write_json(paths.reports / MODEL_COMPARISON, report)
    log.info("compare: %.0f s", time.perf_counter() - start)  # logged, not written: the report's bytes repeat
    return {k: report[k] for k in ("configured", "cheapest")}
