"""Optuna tuning of CatBoost on the business cost (seeded TPE, pruning, resumable storage, several workers).

Objective: out-of-fold business cost per client at the best OOF threshold (lower is better); the OOF AUC and the
number of trees the folds agreed on are recorded on each trial too. The search runs at its own learning rate
(params ``tune.learning_rate``: fewer trees per trial) over the shape of the trees (depth, L2, the share of
features a split considers); training then grows as many trees as its own cross-validation asks at
``train.learning_rate``. The first fold's fit is watched by optuna-integration's CatBoostPruningCallback
(validation Logloss per iteration), so clearly bad trials stop early.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

import numpy as np

from creditrisk.config import CatBoostParams, CostParams
from creditrisk.model.training import cross_validate

log = logging.getLogger(__name__)

STUDY_NAME = "catboost-business-cost"
HEARTBEAT_SECONDS = 20  # database storage: a worker silent for twice this is dead, its trial re-run once


def search_settings(train: CatBoostParams, learning_rate: float) -> CatBoostParams:
    """The settings a trial starts from: the train section's at the search's learning rate, without monotone
    constraints. The search ranks shapes of trees, and a constrained tree is slower to grow; the train stage
    applies the constraints to the chosen shape (and the tune stage does not depend on ``train.monotone``)."""
    return replace(train, learning_rate=learning_rate, monotone={})


def suggest(trial, base: CatBoostParams) -> CatBoostParams:
    """The search space: the shape of the trees (the learning rate is the search's, the trees are chosen by CV)."""
    return replace(base, depth=trial.suggest_int("depth", 4, 8),
                   l2_leaf_reg=trial.suggest_float("l2_leaf_reg", 1.0, 30.0, log=True),
                   rsm=trial.suggest_float("rsm", 0.3, 1.0))


def open_storage(storage: str, journal: Path, heartbeat: int = HEARTBEAT_SECONDS):
    """``journal``: the journal file (one machine, several processes, no server); a database URL
    (``postgresql+psycopg://…``): an RDB storage for workers on several machines, with heartbeats so that the
    trial of a dead worker is failed and re-run once."""
    import warnings

    import optuna
    from optuna.storages import JournalStorage, RDBStorage, RetryHeartbeatStaleTrialCallback
    from optuna.storages.journal import JournalFileBackend

    if storage == "journal":
        Path(journal).parent.mkdir(parents=True, exist_ok=True)
        return JournalStorage(JournalFileBackend(str(journal)))
    with warnings.catch_warnings():  # heartbeats are "experimental" in Optuna 5, and what a database storage needs
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        return RDBStorage(storage, heartbeat_interval=heartbeat, grace_period=2 * heartbeat,
                          heartbeat_stale_trial_callback=RetryHeartbeatStaleTrialCallback(max_retry=1))


def open_study(storage, seed: int, setup: str = "", worker: int = 0):
    """A seeded TPE study, created if absent and resumed otherwise (``storage``: an Optuna storage or None for
    memory). Worker k samples with seed + k: one seed for all workers would propose the same trials.

    ``setup`` names what makes trials comparable (data, folds, costs): another setup is another study.
    """
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    name = f"{STUDY_NAME}-{setup}" if setup else STUDY_NAME
    return optuna.create_study(study_name=name, direction="minimize", storage=storage, load_if_exists=True,
                               sampler=optuna.samplers.TPESampler(seed=seed + worker),
                               pruner=optuna.pruners.MedianPruner(n_startup_trials=2, n_warmup_steps=20))


def tune(x, y: np.ndarray, cat_features: list[str], base: CatBoostParams, folds, seed: int, costs: CostParams,
         n_trials: int, timeout: float | None, storage=None, on_trial=None, setup: str = "", worker: int = 0,
         strategy: str = "none", undersample_ratio: float = 3.0):
    """Run (or resume) the study until it holds ``n_trials`` finished (complete or pruned) trials or the timeout
    passes. Several workers may run on one study: each starts a trial only while finished and running trials
    are fewer than ``n_trials`` (the budget holds across workers)."""
    import time
    import warnings

    import optuna
    from optuna_integration import CatBoostPruningCallback

    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    study = open_study(storage, seed, setup, worker)

    def objective(trial) -> float:
        trial.set_user_attr("worker", worker)
        if taken_before(study, trial.number) >= n_trials:  # another worker took the last place meanwhile
            raise OverBudget(f"trial {trial.number}: the study already holds its {n_trials} trials")
        params = suggest(trial, base)

        def watch_first_fold(k, model):  # pruning decision taken after the first fold's fit
            if k == 0 and trial.should_prune():
                raise optuna.TrialPruned()

        result = cross_validate(x, y, cat_features, params, strategy, folds, seed, costs, undersample_ratio,
                                on_fold=watch_first_fold, callbacks={0: [CatBoostPruningCallback(trial, "Logloss")]})
        trial.set_user_attr("cv_auc", result.auc)
        trial.set_user_attr("cv_threshold", result.threshold)
        trial.set_user_attr("trees", result.trees)
        cost = result.cost / len(y)
        log.info("worker %d, trial %d: cost per client %.4f, AUC %.4f, %s", worker, trial.number, cost, result.auc,
                 trial.params)
        if on_trial is not None:
            on_trial(trial, cost, result)
        return cost

    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        fail_dead_workers_trials(study)  # before counting: a dead worker's trial must not hold its place
        left = None if deadline is None else deadline - time.monotonic()
        if trials_taken(study) >= n_trials or (left is not None and left <= 0):
            break
        study.optimize(objective, n_trials=1, timeout=left, n_jobs=1, gc_after_trial=True, catch=(OverBudget,))
    return study


def fail_dead_workers_trials(study) -> None:
    """With heartbeats (a database storage): fail the running trials of dead workers (no heartbeat for the grace
    period); the storage's callback queues each one's retry, with the same parameters, for a live worker."""
    from optuna.storages import fail_stale_trials
    from optuna.storages._heartbeat import is_heartbeat_enabled

    if is_heartbeat_enabled(study._storage):
        fail_stale_trials(study)


class OverBudget(Exception):
    """A trial created after the budget was taken: it ends as FAIL before any work (never counted)."""


def trials_taken(study) -> int:
    """Finished (complete or pruned) and running trials: what counts against the budget."""
    return len(study.get_trials(deepcopy=False, states=_taken_states()))


def taken_before(study, number: int) -> int:
    """Trials that count against the budget and were created before trial ``number``: a trial runs only when
    they are fewer than the budget, so two workers racing for the last place cannot both take it."""
    return sum(t.number < number for t in study.get_trials(deepcopy=False, states=_taken_states()))


def _taken_states() -> tuple:
    import optuna

    return optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED, optuna.trial.TrialState.RUNNING
