"""Stage tune: Optuna search of CatBoost's parameters on the CV business cost (resumed from its journal)."""

from __future__ import annotations

import logging

from creditrisk.config import Params, Paths
from creditrisk.io import write_json
from creditrisk.stages.common import BEST_PARAMS, STUDY, TRAIN_FEATURES, split

log = logging.getLogger(__name__)


def run_tune(params: Params, paths: Paths) -> dict:
    """Optuna study on the training part (resumed from models/tuning/study.journal); best parameters saved."""
    import hashlib

    from creditrisk.model import tracking
    from creditrisk.model.champion import study_report, tuning_setup_key
    from creditrisk.model.training import stratified_folds
    from creditrisk.model.tuning import tune

    train, _ = split(params, paths)
    folds = stratified_folds(train.y, params.train.cv_folds, params.base.seed)
    digest = hashlib.sha256((paths.features / TRAIN_FEATURES).read_bytes()).hexdigest()
    paths.tuning.mkdir(parents=True, exist_ok=True)
    study = tune(train.x, train.y, train.categorical, params.train.catboost, folds, params.base.seed, params.cost,
                 params.tune.n_trials, params.tune.timeout, paths.tuning / STUDY,
                 setup=tuning_setup_key(train, digest, params))
    report = study_report(study)
    write_json(paths.tuning / BEST_PARAMS, study.best_params)
    write_json(paths.reports / "tuning.json", report)
    tracking.configure(paths.root)
    tracking.log_tuning(report)
    log.info("tuning: best cost per client %.4f with %s (%d trials)", study.best_value, study.best_params,
             len(report["trials"]))
    return {k: report[k] for k in ("study", "best_params", "best_cost_per_client", "best_trial")}
