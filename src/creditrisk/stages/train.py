"""Stage train: the configured recipe cross-validated, calibrated, thresholded and fitted on the training part."""

from __future__ import annotations

import json
import time

from creditrisk.config import Params, Paths
from creditrisk.io import atomic_path, write_json
from creditrisk.stages.common import BEST_PARAMS, split


def tuned_settings(params: Params, paths: Paths):
    """CatBoost's settings: params train, with the tree shape the tune stage found (if it ran)."""
    from dataclasses import replace

    tuned_path = paths.tuning / BEST_PARAMS
    tuned = json.loads(tuned_path.read_text()) if tuned_path.exists() else {}
    return replace(params.train.catboost, **tuned)


def run_train(params: Params, paths: Paths) -> dict:
    """Cross-validate the recipe (trees by CV), calibrate and threshold it out of fold, fit the final model."""
    import polars as pl

    from creditrisk.model.champion import train_champion
    from creditrisk.model.route import OOF_FILE

    start = time.perf_counter()
    train, holdout = split(params, paths)
    champion = train_champion(train, len(holdout.y), params, tuned_settings(params, paths))
    with atomic_path(paths.model) as tmp:
        tmp.mkdir(parents=True)
        champion.predictor.save(tmp)
        pl.DataFrame(champion.oof).write_parquet(tmp / OOF_FILE)
    write_json(paths.reports / "model_selection.json", champion.selection | {
        "seconds": round(time.perf_counter() - start)})
    return {"strategy": champion.selection["strategy"], "trees": champion.selection["trees"],
            "cv": vars(champion.predictor.bundle.cv)}
