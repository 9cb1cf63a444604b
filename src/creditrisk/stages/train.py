"""Stage train: the configured recipe cross-validated, calibrated, thresholded and fitted on the training part."""

from __future__ import annotations

import json
import logging
import time

from creditrisk.artefacts.catalogue import BEST_PARAMS, MODEL_SELECTION, Paths
from creditrisk.config import Params
from creditrisk.io import atomic_path, write_json
from creditrisk.stages.common import split

log = logging.getLogger(__name__)


def tuned_settings(params: Params, paths: Paths):
    """CatBoost's settings: params train, with the tree shape the tune stage found (if it ran)."""
    from dataclasses import replace

    tuned_path = paths.tuning / BEST_PARAMS
    tuned = json.loads(tuned_path.read_text()) if tuned_path.exists() else {}
    return replace(params.train.catboost, **tuned)


def run_train(params: Params, paths: Paths) -> dict:
    """Cross-validate the recipe (trees by CV), calibrate and threshold it out of fold, fit the final model."""
    import polars as pl

    from creditrisk.artefacts.catalogue import OOF_FILE
    from creditrisk.model.candidate import train_champion

    start = time.perf_counter()
    train, holdout = split(params, paths)
    champion = train_champion(train, len(holdout.y), params, tuned_settings(params, paths))
    with atomic_path(paths.model) as tmp:
        tmp.mkdir(parents=True)
        champion.predictor.save(tmp)
        pl.DataFrame(champion.oof).write_parquet(tmp / OOF_FILE)
    write_json(paths.reports / MODEL_SELECTION, champion.selection)
    log.info("train: %.0f s", time.perf_counter() - start)  # logged, not written: the report's bytes repeat
    return {"strategy": champion.selection["strategy"], "trees": champion.selection["trees"],
            "cv": vars(champion.predictor.bundle.cv)}
