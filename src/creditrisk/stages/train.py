"""Stage train: imbalance strategies compared on CV business cost; the champion fitted, calibrated, thresholded."""

from __future__ import annotations

import json
import time

from creditrisk.config import Params, Paths
from creditrisk.io import atomic_path, write_json
from creditrisk.stages.common import BEST_PARAMS, split


def run_train(params: Params, paths: Paths) -> dict:
    """Compare imbalance strategies on CV business cost, fit the champion, calibrate and threshold it on OOF."""
    from dataclasses import replace

    import polars as pl

    from creditrisk.model.champion import train_champion
    from creditrisk.model.route import OOF_FILE

    start = time.perf_counter()
    train, holdout = split(params, paths)
    tuned_path = paths.tuning / BEST_PARAMS
    tuned = json.loads(tuned_path.read_text()) if tuned_path.exists() else {}
    champion = train_champion(train, len(holdout.y), params, replace(params.train.catboost, **tuned))
    with atomic_path(paths.model) as tmp:
        tmp.mkdir(parents=True)
        champion.predictor.save(tmp)
        champion.challenger.save(tmp)
        pl.DataFrame(champion.oof).write_parquet(tmp / OOF_FILE)
    comparison = champion.comparison | {"seconds": time.perf_counter() - start}
    write_json(paths.reports / "model_selection.json", comparison)
    return {"chosen": comparison["chosen"], "cv": vars(champion.predictor.bundle.cv)}
