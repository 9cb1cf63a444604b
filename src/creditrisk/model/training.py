"""Cross-validated CatBoost on the business cost: imbalance strategies, out-of-fold scores and threshold.

Everything here runs on the training part only (the holdout is split off before and used once, in evaluation).
Resampling happens inside each training fold, never before the split; the threshold and the calibration are
fitted on out-of-fold predictions, so no row is scored by a model that saw it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from creditrisk.config import CatBoostParams, CostParams
from creditrisk.model.cost import cost_curve, normalized_cost

log = logging.getLogger(__name__)

STRATEGIES = ("none", "Balanced", "SqrtBalanced", "undersample")


def catboost_model(params: CatBoostParams, seed: int, strategy: str, iterations: int | None = None):
    """An unfitted CatBoost classifier with these settings and the class weights of ``strategy``."""
    from catboost import CatBoostClassifier

    weights = {"auto_class_weights": strategy} if strategy in ("Balanced", "SqrtBalanced") else {}
    return CatBoostClassifier(
        iterations=iterations or params.iterations, learning_rate=params.learning_rate, depth=params.depth,
        l2_leaf_reg=params.l2_leaf_reg, random_seed=seed, task_type=params.task_type,
        thread_count=params.thread_count, eval_metric="Logloss", custom_metric=["AUC"], verbose=False,
        allow_writing_files=False, **weights)  # early stopping on Logloss: smoother than AUC on a small slice


@dataclass
class CVResult:
    strategy: str
    oof: np.ndarray  # out-of-fold scores of every training row
    fold_auc: list[float]
    best_iterations: list[int]
    threshold: float = float("nan")
    cost: float = float("nan")
    normalized_cost: float = float("nan")
    auc: float = float("nan")

    def summary(self) -> dict:
        return {"strategy": self.strategy, "cv_auc": self.auc, "cv_fold_auc": self.fold_auc,
                "cv_cost_per_client": self.cost / len(self.oof), "cv_normalized_cost": self.normalized_cost,
                "cv_threshold": self.threshold, "best_iterations": self.best_iterations}


def undersample(y: np.ndarray, negatives_per_positive: float, rng: np.random.Generator) -> np.ndarray:
    """Indices keeping every positive and a random subset of negatives (training folds only)."""
    positives = np.flatnonzero(y == 1)
    negatives = np.flatnonzero(y == 0)
    keep = min(negatives.size, int(round(negatives_per_positive * positives.size)))
    return np.sort(np.concatenate([positives, rng.choice(negatives, size=keep, replace=False)]))


def early_stopping_split(train_idx: np.ndarray, y: np.ndarray, seed: int,
                         share: float = 0.15) -> tuple[np.ndarray, np.ndarray]:
    """Split a training fold into the rows the trees learn from and the rows that decide when to stop."""
    from sklearn.model_selection import train_test_split

    fit_idx, stop_idx = train_test_split(train_idx, test_size=share, stratify=y[train_idx], random_state=seed)
    return np.sort(fit_idx), np.sort(stop_idx)


def stratified_folds(y: np.ndarray, n_folds: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    from sklearn.model_selection import StratifiedKFold

    splitter = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=seed)
    return list(splitter.split(np.zeros(len(y)), y))


def cross_validate(x: pd.DataFrame, y: np.ndarray, cat_features: list[str], params: CatBoostParams,
                   strategy: str, folds: list[tuple[np.ndarray, np.ndarray]], seed: int, costs: CostParams,
                   undersample_ratio: float = 3.0, on_fold=None, callbacks: dict | None = None) -> CVResult:
    """Out-of-fold scores of one imbalance strategy; cost, threshold and AUC measured on them."""
    from catboost import Pool
    from sklearn.metrics import roc_auc_score

    if strategy not in STRATEGIES:
        raise ValueError(f"unknown imbalance strategy {strategy!r}; expected one of {STRATEGIES}")
    oof = np.zeros(len(y))
    fold_auc, best_its = [], []
    for k, (train_idx, valid_idx) in enumerate(folds):
        # Early stopping on a slice of the training fold: the validation fold is only ever predicted, so its
        # scores (and the threshold and calibration fitted on them) never depend on its own labels.
        fit_idx, stop_idx = early_stopping_split(train_idx, y, seed + k)
        if strategy == "undersample":  # resampling inside the training fold only
            fit_idx = fit_idx[undersample(y[fit_idx], undersample_ratio, np.random.default_rng([seed, k]))]
        model = catboost_model(params, seed, strategy)
        model.fit(Pool(x.iloc[fit_idx], y[fit_idx], cat_features=cat_features),
                  eval_set=Pool(x.iloc[stop_idx], y[stop_idx], cat_features=cat_features),
                  early_stopping_rounds=params.early_stopping_rounds, callbacks=(callbacks or {}).get(k))
        for callback in (callbacks or {}).get(k, []):  # optuna-integration: raises TrialPruned if pruned
            if hasattr(callback, "check_pruned"):
                callback.check_pruned()
        oof[valid_idx] = model.predict_proba(Pool(x.iloc[valid_idx], cat_features=cat_features))[:, 1]
        fold_auc.append(float(roc_auc_score(y[valid_idx], oof[valid_idx])))
        best_its.append(int(model.get_best_iteration() or params.iterations))
        log.info("%s fold %d/%d: AUC %.4f (%d iterations)", strategy, k + 1, len(folds), fold_auc[-1], best_its[-1])
        if on_fold is not None:
            on_fold(k, model, fold_auc[-1])
    result = CVResult(strategy=strategy, oof=oof, fold_auc=fold_auc, best_iterations=best_its)
    return score_oof(result, y, costs)


def score_oof(result: CVResult, y: np.ndarray, costs: CostParams) -> CVResult:
    from sklearn.metrics import roc_auc_score

    search = cost_curve(y, result.oof, costs)
    result.threshold, result.cost = search.threshold, search.cost
    result.normalized_cost = normalized_cost(search.cost, y, costs)
    result.auc = float(roc_auc_score(y, result.oof))
    return result


def fit_final(x: pd.DataFrame, y: np.ndarray, categorical: list[str], params: CatBoostParams, strategy: str,
              iterations: int, seed: int, undersample_ratio: float):
    """The champion: all training rows (resampled if the strategy says so), the CV's typical iteration count."""
    from catboost import Pool

    idx = np.arange(len(y))
    if strategy == "undersample":
        idx = undersample(y, undersample_ratio, np.random.default_rng([seed, 999]))
    model = catboost_model(params, seed, strategy, iterations=iterations)
    model.fit(Pool(x.iloc[idx], y[idx], cat_features=categorical))
    return model


def brier(target: np.ndarray, pd_: np.ndarray) -> float:
    return float(np.mean((np.asarray(pd_, dtype=float) - np.asarray(target, dtype=float)) ** 2))


def reliability_curve(target: np.ndarray, pd_: np.ndarray, bins: int = 10) -> list[dict]:
    """Observed default rate vs mean predicted PD per decile of predicted PD."""
    order = np.argsort(pd_, kind="mergesort")
    rows = []
    for part in np.array_split(order, bins):
        if part.size:
            rows.append({"predicted": float(np.mean(pd_[part])), "observed": float(np.mean(target[part])),
                         "clients": int(part.size)})
    return rows
