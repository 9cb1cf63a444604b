"""Cross-validated CatBoost on the business cost: the number of trees the folds agree on, honest out-of-fold
scores, and the final model.

Everything here runs on the training part only (the holdout is split off before and used once, in evaluation).

- **Trees by cross-validation.** Each fold's model is trained on the other folds and watched on its own validation
  fold (log loss per tree), until that log loss has not improved for ``early_stopping_rounds`` trees; the model
  keeps every tree it grew. The number of trees of the final model is the minimum of the folds' **mean**
  validation log loss (over the length every fold reached), not one fold's early stop.
- **Honest out-of-fold scores.** Fold k's rows are scored with the number of trees the *other* folds agree on, so
  no row's score depends on its own label, and the calibration and threshold fitted on these scores are fitted on
  scores like the ones new clients get.
- Resampling (undersampling) happens inside each training fold, never before the split.
- **The final model** is ``bag`` CatBoost models (seeds ``seed``, ``seed + 1``...) fitted on every training row with
  the agreed number of trees, averaged into one model (``catboost.sum_models``: the mean of their log-odds), so
  the service, SHAP and replay see one ordinary CatBoost model. Measurements: docs/benchmarks.md.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from creditrisk.config import IMBALANCE_STRATEGIES, CatBoostParams, CostParams
from creditrisk.model.cost import cost_curve, normalized_cost

log = logging.getLogger(__name__)

STRATEGIES = IMBALANCE_STRATEGIES
Folds = list[tuple[np.ndarray, np.ndarray]]

# The loan-term features, each in the sign it has as a function of the credit at equal term (a cheaper purchase
# scales credit, instalment and price; a down payment the credit and the instalment): constrained so (params
# train.monotone), borrowing less never raises the PD. Their cost on the real rows: docs/benchmarks.md.
MONOTONE_LOAN_TERMS = {"AMT_CREDIT": 1, "AMT_ANNUITY": 1, "AMT_GOODS_PRICE": 1, "CREDIT_INCOME_RATIO": 1,
                       "ANNUITY_INCOME_RATIO": 1, "GOODS_CREDIT_RATIO": -1, "EXT_3_CREDIT_INCOME_RATIO": -1}


def catboost_model(params: CatBoostParams, seed: int, strategy: str, iterations: int | None = None,
                   features: list[str] | None = None):
    """An unfitted CatBoost classifier with these settings and the class weights of ``strategy``; the monotone
    constraints of ``params.monotone`` on those of ``features`` (the training columns) that have one."""
    from catboost import CatBoostClassifier

    extra: dict = {"auto_class_weights": strategy} if strategy in ("Balanced", "SqrtBalanced") else {}
    constrained = {f: s for f, s in params.monotone.items() if features is None or f in features}
    if constrained:  # no combined categorical statistics (one built on a constrained column's split escapes the
        # constraint), and no model shrinkage, which CatBoost switches on with constraints: it scales the earlier
        # trees down at every iteration, damping the PD, and a model cut at n trees is no longer one grown to n
        extra |= {"monotone_constraints": constrained, "max_ctr_complexity": 1, "model_shrink_rate": 0}
    sampling = {"rsm": params.rsm} if params.rsm < 1 else {}  # CPU only; on a GPU every feature is read
    return CatBoostClassifier(
        iterations=iterations or params.iterations, learning_rate=params.learning_rate, depth=params.depth,
        l2_leaf_reg=params.l2_leaf_reg, random_seed=seed, task_type=params.task_type,
        thread_count=params.thread_count, eval_metric="Logloss", verbose=False, allow_writing_files=False,
        **(sampling if params.task_type == "CPU" else {}), **extra)


@dataclass
class CVResult:
    strategy: str
    oof: np.ndarray  # out-of-fold scores of every training row
    fold_auc: list[float]
    fold_trees: list[int] = field(default_factory=list)  # trees behind each fold's out-of-fold scores
    trees: int = 0  # the number of trees the folds agree on (minimum of their mean validation log loss)
    threshold: float = float("nan")
    cost: float = float("nan")
    normalized_cost: float = float("nan")
    auc: float = float("nan")

    def summary(self) -> dict:
        return {"strategy": self.strategy, "cv_auc": self.auc, "cv_fold_auc": self.fold_auc,
                "cv_cost_per_client": self.cost / len(self.oof), "cv_normalized_cost": self.normalized_cost,
                "cv_threshold": self.threshold, "trees": self.trees, "fold_trees": self.fold_trees}


def undersample(y: np.ndarray, negatives_per_positive: float, rng: np.random.Generator) -> np.ndarray:
    """Indices keeping every positive and a random subset of negatives (training folds only)."""
    positives = np.flatnonzero(y == 1)
    negatives = np.flatnonzero(y == 0)
    keep = min(negatives.size, int(round(negatives_per_positive * positives.size)))
    return np.sort(np.concatenate([positives, rng.choice(negatives, size=keep, replace=False)]))


def stratified_folds(y: np.ndarray, n_folds: int, seed: int) -> Folds:
    from sklearn.model_selection import StratifiedKFold

    splitter = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=seed)
    return list(splitter.split(np.zeros(len(y)), y))


def fold_numbers(folds: Folds, rows: int) -> np.ndarray:
    """Each row's fold, 1 to k: the fold whose model scored it out of fold."""
    number = np.zeros(rows, dtype=np.int64)
    for k, (_, valid_idx) in enumerate(folds, 1):
        number[valid_idx] = k
    return number


def agreed_trees(curves: list[np.ndarray]) -> tuple[int, list[int]]:
    """(trees where the folds' mean validation log loss is lowest, and for each fold the same choice made by the
    other folds alone), over the length every fold reached."""
    length = min(len(c) for c in curves)
    losses = np.array([c[:length] for c in curves])
    trees = int(np.argmin(losses.mean(axis=0))) + 1
    if len(curves) == 1:
        return trees, [trees]
    others = [int(np.argmin(np.delete(losses, k, axis=0).mean(axis=0))) + 1 for k in range(len(curves))]
    return trees, others


def cross_validate(x: pd.DataFrame, y: np.ndarray, cat_features: list[str], params: CatBoostParams,
                   strategy: str, folds: Folds, seed: int, costs: CostParams, undersample_ratio: float = 3.0,
                   on_fold: Callable | None = None, callbacks: dict | None = None) -> CVResult:
    """Out-of-fold scores of one recipe (settings and imbalance strategy), the trees the folds agree on, and the
    cost, threshold and AUC measured on those scores. ``on_fold(k, model)`` runs after each fold's fit;
    ``callbacks`` maps a fold to CatBoost callbacks (optuna-integration's pruning). The scores are each fold's
    model cut at its trees, which is the model grown to those trees (as the final model is)."""
    from catboost import Pool

    if strategy not in STRATEGIES:
        raise ValueError(f"unknown imbalance strategy {strategy!r}; expected one of {STRATEGIES}")
    models, curves = [], []
    for k, (train_idx, valid_idx) in enumerate(folds):
        fit_idx = train_idx
        if strategy == "undersample":  # resampling inside the training fold only
            fit_idx = train_idx[undersample(y[train_idx], undersample_ratio, np.random.default_rng([seed, k]))]
        model = catboost_model(params, seed, strategy, features=list(x.columns))
        model.fit(Pool(x.iloc[fit_idx], y[fit_idx], cat_features=cat_features),
                  eval_set=Pool(x.iloc[valid_idx], y[valid_idx], cat_features=cat_features),
                  early_stopping_rounds=params.early_stopping_rounds, use_best_model=False,
                  callbacks=(callbacks or {}).get(k))
        for callback in (callbacks or {}).get(k, []):  # optuna-integration: raises TrialPruned if pruned
            if hasattr(callback, "check_pruned"):
                callback.check_pruned()
        curves.append(np.asarray(model.get_evals_result()["validation"]["Logloss"]))
        models.append(model)
        log.info("%s fold %d/%d: %d trees grown, lowest validation log loss %.4f at %d", strategy, k + 1,
                 len(folds), model.tree_count_, curves[-1].min(), int(curves[-1].argmin()) + 1)
        if on_fold is not None:
            on_fold(k, model)
    return _out_of_fold(x, y, cat_features, strategy, folds, models, curves, costs)


def _out_of_fold(x: pd.DataFrame, y: np.ndarray, cat_features: list[str], strategy: str, folds: Folds,
                 models: list, curves: list[np.ndarray], costs: CostParams) -> CVResult:
    from catboost import Pool
    from sklearn.metrics import roc_auc_score

    trees, fold_trees = agreed_trees(curves)
    oof = np.zeros(len(y))
    fold_auc = []
    for (_, valid_idx), model, n in zip(folds, models, fold_trees, strict=True):
        pool = Pool(x.iloc[valid_idx], cat_features=cat_features)
        oof[valid_idx] = model.predict_proba(pool, ntree_end=n)[:, 1]
        fold_auc.append(float(roc_auc_score(y[valid_idx], oof[valid_idx])))
    log.info("%s: the folds agree on %d trees; out-of-fold AUC per fold %s", strategy, trees,
             ", ".join(f"{a:.4f}" for a in fold_auc))
    return score_oof(CVResult(strategy, oof, fold_auc, fold_trees, trees), y, costs)


def score_oof(result: CVResult, y: np.ndarray, costs: CostParams) -> CVResult:
    from sklearn.metrics import roc_auc_score

    search = cost_curve(y, result.oof, costs)
    result.threshold, result.cost = search.threshold, search.cost
    result.normalized_cost = normalized_cost(search.cost, y, costs)
    result.auc = float(roc_auc_score(y, result.oof))
    return result


def fit_final(x: pd.DataFrame, y: np.ndarray, categorical: list[str], params: CatBoostParams, strategy: str,
              trees: int, seed: int, undersample_ratio: float, bag: int = 1):
    """The final model: ``bag`` models (seeds seed, seed + 1, ...) on every row given (resampled if the strategy
    says so), ``trees`` trees each, averaged into one CatBoost classifier (the mean of their log-odds)."""
    from catboost import Pool

    models = []
    for b in range(bag):
        idx = np.arange(len(y))
        if strategy == "undersample":
            idx = undersample(y, undersample_ratio, np.random.default_rng([seed, 999, b]))
        model = catboost_model(params, seed + b, strategy, iterations=trees, features=list(x.columns))
        model.fit(Pool(x.iloc[idx], y[idx], cat_features=categorical))
        models.append(model)
        log.info("final model %d/%d: %d trees on %d rows", b + 1, bag, trees, len(idx))
    return average_models(models)


def average_models(models: list):
    """One CatBoost classifier whose log-odds are the mean of the models' (``catboost.sum_models``)."""
    import catboost

    if len(models) == 1:
        return models[0]
    return catboost.to_classifier(catboost.sum_models(models, weights=[1 / len(models)] * len(models)))


def average_cv(results: list[CVResult], y: np.ndarray, folds: Folds, costs: CostParams) -> CVResult:
    """The out-of-fold scores of models averaged on the log-odds (the first result's trees are kept as the
    recipe's), with their AUC per fold, cost and threshold."""
    from scipy.special import expit, logit
    from sklearn.metrics import roc_auc_score

    oof = expit(np.mean([logit(np.clip(r.oof, 1e-12, 1 - 1e-12)) for r in results], axis=0))
    fold_auc = [float(roc_auc_score(y[valid], oof[valid])) for _, valid in folds]
    first = results[0]
    return score_oof(CVResult(first.strategy, oof, fold_auc, first.fold_trees, first.trees), y, costs)


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
