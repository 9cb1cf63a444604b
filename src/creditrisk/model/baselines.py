"""The baselines the champion must beat, on the same folds and the same business cost.

Each summary carries a ``key`` (the name of its figures in reports/metrics.json) beside its display name.
"""

from __future__ import annotations

import logging

import numpy as np

from creditrisk.config import CostParams
from creditrisk.model.data import ModelData
from creditrisk.model.training import CVResult, score_oof

log = logging.getLogger(__name__)

Folds = list[tuple[np.ndarray, np.ndarray]]


def refuse_no_one(y: np.ndarray, costs: CostParams) -> dict:
    """Accept everyone and pay for every default."""
    from creditrisk.model.cost import baseline_cost

    return {"key": "refuse_no_one", "strategy": "refuse no one",
            "cv_cost_per_client": baseline_cost(y, costs) / len(y), "cv_normalized_cost": 1.0, "cv_auc": 0.5}


def logistic_baseline(train: ModelData, folds: Folds, costs: CostParams, seed: int) -> dict:
    """A standard sklearn pipeline (impute, scale, one-hot) on the same folds, thresholded on the same cost."""
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    numeric = [c for c in train.features if c not in train.categorical]
    prep = ColumnTransformer([
        ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric),
        ("cat", OneHotEncoder(handle_unknown="ignore", min_frequency=50), train.categorical)])
    x = train.x.replace([np.inf, -np.inf], np.nan)
    oof = np.zeros(len(train.y))
    for k, (train_idx, valid_idx) in enumerate(folds):
        model = make_pipeline(prep, LogisticRegression(C=0.1, max_iter=300, random_state=seed))
        model.fit(x.iloc[train_idx], train.y[train_idx])
        oof[valid_idx] = model.predict_proba(x.iloc[valid_idx])[:, 1]
        log.info("baseline logistic regression: fold %d/%d done", k + 1, len(folds))
    return _summary("logistic_regression", "logistic regression", oof, train.y, costs)


def lightgbm_baseline(train: ModelData, folds: Folds, costs: CostParams, seed: int) -> dict:
    """LightGBM with the public kernel's settings ("LightGBM with simple features"), same folds and cost."""
    import lightgbm as lgb

    x = train.x.copy()
    for column in train.categorical:
        x[column] = x[column].astype("category")
    oof = np.zeros(len(train.y))
    for k, (train_idx, valid_idx) in enumerate(folds):
        model = lgb.LGBMClassifier(n_estimators=400, learning_rate=0.02, num_leaves=34, colsample_bytree=0.9497,
                                   subsample=0.8715, max_depth=8, reg_alpha=0.0415, reg_lambda=0.0735,
                                   min_split_gain=0.0222, min_child_weight=39.3, random_state=seed, n_jobs=2,
                                   verbose=-1)
        model.fit(x.iloc[train_idx], train.y[train_idx])
        oof[valid_idx] = model.predict_proba(x.iloc[valid_idx])[:, 1]
        log.info("baseline LightGBM: fold %d/%d done", k + 1, len(folds))
    return _summary("lightgbm", "LightGBM (kernel settings)", oof, train.y, costs)


def all_baselines(train: ModelData, folds: Folds, costs: CostParams, seed: int) -> list[dict]:
    return [refuse_no_one(train.y, costs), logistic_baseline(train, folds, costs, seed),
            lightgbm_baseline(train, folds, costs, seed)]


def _summary(key: str, name: str, oof: np.ndarray, y: np.ndarray, costs: CostParams) -> dict:
    """A baseline's out-of-fold scores measured exactly like the champion's (cost, threshold, AUC)."""
    return {"key": key} | score_oof(CVResult(name, oof, [], []), y, costs).summary()
