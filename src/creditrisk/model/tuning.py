"""Optuna tuning of CatBoost on the business cost (seeded TPE, pruning, resumable journal storage).

Objective: out-of-fold business cost per client at the best OOF threshold (lower is better); the OOF AUC is
recorded on each trial too. The first fold's fit is watched by optuna-integration's CatBoostPruningCallback
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


def suggest(trial, base: CatBoostParams) -> CatBoostParams:
    """The search space around the base parameters (iterations stay an upper bound for early stopping)."""
    return replace(base, depth=trial.suggest_int("depth", 4, 8),
                   learning_rate=trial.suggest_float("learning_rate", 0.03, 0.2, log=True),
                   l2_leaf_reg=trial.suggest_float("l2_leaf_reg", 1.0, 30.0, log=True))


def open_study(storage_path: Path | None, seed: int, setup: str = ""):
    """A seeded TPE study; with a journal file it is persisted and resumed (load_if_exists).

    ``setup`` names what makes trials comparable (data, folds, costs): another setup is another study.
    """
    import optuna
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    storage = None
    if storage_path is not None:
        Path(storage_path).parent.mkdir(parents=True, exist_ok=True)
        storage = JournalStorage(JournalFileBackend(str(storage_path)))
    name = f"{STUDY_NAME}-{setup}" if setup else STUDY_NAME
    return optuna.create_study(study_name=name, direction="minimize", storage=storage, load_if_exists=True,
                               sampler=optuna.samplers.TPESampler(seed=seed),
                               pruner=optuna.pruners.MedianPruner(n_startup_trials=2, n_warmup_steps=20))


def tune(x, y: np.ndarray, cat_features: list[str], base: CatBoostParams, folds, seed: int, costs: CostParams,
         n_trials: int, timeout: float | None, storage_path: Path | None = None, on_trial=None, setup: str = ""):
    """Run (or resume) the study until it holds ``n_trials`` finished (complete or pruned) trials or the timeout
    passes."""
    import warnings

    import optuna
    from optuna_integration import CatBoostPruningCallback

    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    study = open_study(storage_path, seed, setup)

    def objective(trial) -> float:
        params = suggest(trial, base)

        def watch_first_fold(k, model, auc):  # pruning decision taken after the first fold's fit
            if k == 0 and trial.should_prune():
                raise optuna.TrialPruned()

        result = cross_validate(x, y, cat_features, params, "none", folds, seed, costs,
                                on_fold=watch_first_fold, callbacks={0: [CatBoostPruningCallback(trial, "Logloss")]})
        trial.set_user_attr("cv_auc", result.auc)
        trial.set_user_attr("cv_threshold", result.threshold)
        trial.set_user_attr("best_iterations", result.best_iterations)
        cost = result.cost / len(y)
        log.info("trial %d: cost per client %.4f, AUC %.4f, %s", trial.number, cost, result.auc, trial.params)
        if on_trial is not None:
            on_trial(trial, cost, result)
        return cost

    finished = (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED)
    done = len([t for t in study.trials if t.state in finished])
    remaining = max(0, n_trials - done)
    if remaining:
        study.optimize(objective, n_trials=remaining, timeout=timeout, n_jobs=1, gc_after_trial=True)
    return study
