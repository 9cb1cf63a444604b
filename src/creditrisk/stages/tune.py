"""Stage tune: Optuna search of CatBoost's parameters on the CV business cost (resumed from its journal)."""

from __future__ import annotations

import logging

from creditrisk.artefacts.catalogue import BEST_PARAMS, STUDY, TUNING, Paths
from creditrisk.config import Params
from creditrisk.io import write_json
from creditrisk.stages.common import split

log = logging.getLogger(__name__)


def run_tune(params: Params, paths: Paths) -> dict:
    """Optuna study on the training part (resumed from params tune.storage: by default models/tuning/
    study.journal); best parameters saved. The stage is worker 0: alone it is the same study as always."""
    study = _tune(params, paths, worker=0)
    report = _report(study, params, paths)
    return {k: report[k] for k in ("study", "best_params", "best_cost_per_client", "best_trial")}


def run_tune_workers(params: Params, paths: Paths, workers: int, first_worker: int = 1) -> dict:
    """``workers`` processes on one study (the study is created once, here, before they start); worker k
    samples with seed + k, and together they stop at tune.n_trials finished trials. Run it on several machines
    with a database in tune.storage and distinct ``first_worker``; then `dvc repro tune` reports the study."""
    import multiprocessing

    from creditrisk.model.tuning import open_storage, open_study

    if params.tune.storage == "journal":
        paths.tuning.mkdir(parents=True, exist_ok=True)
    train, setup = _setup(params, paths)
    open_study(open_storage(params.tune.storage, paths.tuning / STUDY), params.base.seed, setup)  # created once
    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=_worker, args=(params, paths, first_worker + k))
                 for k in range(workers)]
    for process in processes:
        process.start()
    for process in processes:
        process.join()
    failed = [p.exitcode for p in processes if p.exitcode != 0]
    if failed:
        log.error("%d tuning worker(s) ended with an error (exit codes %s)", len(failed), failed)
    study = open_study(open_storage(params.tune.storage, paths.tuning / STUDY), params.base.seed, setup)
    states = {}
    for trial in study.trials:
        states[trial.state.name] = states.get(trial.state.name, 0) + 1
    return {"study": study.study_name, "workers": workers, "trials": states, "failed_workers": len(failed)}


def _worker(params: Params, paths: Paths, worker: int) -> None:
    from creditrisk.logs import configure_logging

    configure_logging(params.base.log_level)
    _tune(params, paths, worker)


def _setup(params: Params, paths: Paths):
    """The training part (without the excluded attributes) and the key of its study (data, folds, costs)."""
    import hashlib

    from creditrisk.model.candidate import tuning_setup_key, without_excluded

    train, _ = split(params, paths)
    train = without_excluded(train, params.train.exclude)
    digest = hashlib.sha256((paths.train_features).read_bytes()).hexdigest()
    return train, tuning_setup_key(train, digest, params)


def _tune(params: Params, paths: Paths, worker: int):
    from creditrisk.model.training import stratified_folds
    from creditrisk.model.tuning import open_storage, search_settings, tune

    train, setup = _setup(params, paths)
    folds = stratified_folds(train.y, params.tune.folds, params.base.seed)
    search = search_settings(params.train.catboost, params.tune.learning_rate)
    paths.tuning.mkdir(parents=True, exist_ok=True)
    return tune(train.x, train.y, train.categorical, search, folds, params.base.seed, params.cost,
                params.tune.n_trials, params.tune.timeout, open_storage(params.tune.storage, paths.tuning / STUDY),
                setup=setup, worker=worker, strategy=params.train.imbalance,
                undersample_ratio=params.train.undersample_ratio)


def _report(study, params: Params, paths: Paths) -> dict:
    from creditrisk.artefacts import tracking
    from creditrisk.model.candidate import study_report

    report = study_report(study)
    write_json(paths.tuning / BEST_PARAMS, study.best_params)
    write_json(paths.reports / TUNING, report)
    tracking.configure(paths.root)
    tracking.log_tuning(report)
    log.info("tuning: best cost per client %.4f with %s (%d trials)", study.best_value, study.best_params,
             len(report["trials"]))
    return report
