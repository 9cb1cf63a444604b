"""Paired 5-fold comparison on the real sample rows of the eight Kaggle files (../shared/home-credit/real-sample):

- project: the project's features (all eight files, the training feature builder) and CatBoost;
- logistic: a regularised logistic regression on the same features (impute, scale, one-hot; C by inner 3-fold CV);
- raw CatBoost: CatBoost on the raw application columns only.

Same outer folds for the three; in each, the decision threshold is chosen on out-of-fold scores of the training
part (inner 3-fold CV), then the model is refitted on the whole training part and the held-out fold is scored
once: AUC and business cost per client (FN 10, FP 1). Prints a table per fold and the paired differences.

Usage: python benchmarks/real_sample_comparison.py [--sample DIR] [--folds 5]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from creditrisk.config import CatBoostParams, CostParams
from creditrisk.data.schema import KEY

SAMPLE = Path(__file__).resolve().parents[2] / "shared" / "home-credit" / "real-sample"
CATBOOST = CatBoostParams(iterations=300, learning_rate=0.05, depth=6)


def load(sample: Path) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray, list[str]]:
    """(project features, raw application columns, target, categorical feature names) of the training rows."""
    from creditrisk.data.ingest import ingest
    from creditrisk.features import build_features, catalogue
    from creditrisk.stages.common import load_tables

    with tempfile.TemporaryDirectory() as tmp:
        ingest(sample, Path(tmp) / "interim")
        tables = load_tables(Path(tmp) / "interim")
        train = tables.pop("application_train").collect()
        tables.pop("application_test")
        features = build_features({"application": train.lazy(), **tables}).to_pandas()
    y = train["TARGET"].to_numpy().astype(int)
    categorical = [f.name for f in catalogue() if f.categorical]
    project = features.drop(columns=[KEY])
    raw = train.drop(KEY, "TARGET").to_pandas()
    return project, raw, y, categorical


def fit_catboost(x: pd.DataFrame, y: np.ndarray, categorical: list[str]):
    from catboost import Pool

    from creditrisk.model.training import catboost_model

    cats = [c for c in categorical if c in x.columns]
    model = catboost_model(CATBOOST, seed=0, strategy="none")
    model.fit(Pool(x, y, cat_features=cats))
    return lambda new: model.predict_proba(Pool(new, cat_features=cats))[:, 1]


def fit_logistic(x: pd.DataFrame, y: np.ndarray, categorical: list[str]):
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegressionCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    cats = [c for c in categorical if c in x.columns]
    numeric = [c for c in x.columns if c not in cats and x[c].notna().any()]  # (the imputer drops empty columns)
    prep = ColumnTransformer([
        ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric),
        ("cat", OneHotEncoder(handle_unknown="ignore", min_frequency=20), cats)])
    model = make_pipeline(prep, LogisticRegressionCV(Cs=8, cv=3, scoring="neg_log_loss", max_iter=500))
    clean = x.replace([np.inf, -np.inf], np.nan)
    model.fit(clean, y)
    return lambda new: model.predict_proba(new.replace([np.inf, -np.inf], np.nan))[:, 1]


def evaluate(fit, x: pd.DataFrame, y: np.ndarray, categorical: list[str], train_idx, test_idx, costs) -> dict:
    """Threshold from inner out-of-fold scores of the training part; the held-out fold scored once."""
    from sklearn.metrics import roc_auc_score

    from creditrisk.model.cost import confusion, cost_per_client, find_best_threshold
    from creditrisk.model.training import stratified_folds

    xt, yt = x.iloc[train_idx].reset_index(drop=True), y[train_idx]
    inner = np.zeros(len(yt))
    for fit_idx, oof_idx in stratified_folds(yt, 3, seed=1):
        inner[oof_idx] = fit(xt.iloc[fit_idx], yt[fit_idx], categorical)(xt.iloc[oof_idx])
    threshold = find_best_threshold(yt, inner, costs)[0]
    score = fit(xt, yt, categorical)(x.iloc[test_idx])
    return {"auc": float(roc_auc_score(y[test_idx], score)),
            "cost": cost_per_client(confusion(y[test_idx], score >= threshold), costs)}


def main() -> None:
    import warnings

    from creditrisk.model.training import stratified_folds

    warnings.filterwarnings("ignore", category=FutureWarning)  # scikit-learn 1.10 deprecation notices

    parser = argparse.ArgumentParser()
    parser.add_argument("--sample", type=Path, default=SAMPLE)
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args()
    project, raw, y, categorical = load(args.sample)
    raw_categorical = [c for c in raw.columns if raw[c].dtype == object]
    raw = raw.assign(**{c: raw[c].fillna("__NA__") for c in raw_categorical})
    costs = CostParams(10, 1)
    print(f"{len(y)} real applicants, {y.sum()} defaults ({y.mean():.1%}); {project.shape[1]} project features, "
          f"{raw.shape[1]} raw application columns\n")
    rows = []
    for k, (train_idx, test_idx) in enumerate(stratified_folds(y, args.folds, seed=42)):
        result = {"fold": k + 1,
                  "project": evaluate(fit_catboost, project, y, categorical, train_idx, test_idx, costs),
                  "logistic": evaluate(fit_logistic, project, y, categorical, train_idx, test_idx, costs),
                  "raw": evaluate(fit_catboost, raw, y, raw_categorical, train_idx, test_idx, costs)}
        rows.append(result)
        print(f"fold {k + 1} done", flush=True)
    print("\n| fold | AUC project | AUC logistic | AUC raw CatBoost | cost project | cost logistic | cost raw CatBoost "
          "| cost project - logistic | cost project - raw |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        p, lg, rw = r["project"], r["logistic"], r["raw"]
        print(f"| {r['fold']} | {p['auc']:.3f} | {lg['auc']:.3f} | {rw['auc']:.3f} | {p['cost']:.3f} "
              f"| {lg['cost']:.3f} | {rw['cost']:.3f} | {p['cost'] - lg['cost']:+.3f} "
              f"| {p['cost'] - rw['cost']:+.3f} |")
    mean = {m: {k: np.mean([r[m][k] for r in rows]) for k in ("auc", "cost")} for m in ("project", "logistic", "raw")}
    d_lg = [r["project"]["cost"] - r["logistic"]["cost"] for r in rows]
    d_rw = [r["project"]["cost"] - r["raw"]["cost"] for r in rows]
    print(f"| mean | {mean['project']['auc']:.3f} | {mean['logistic']['auc']:.3f} | {mean['raw']['auc']:.3f} | "
          f"{mean['project']['cost']:.3f} | {mean['logistic']['cost']:.3f} | {mean['raw']['cost']:.3f} | "
          f"{np.mean(d_lg):+.3f} | {np.mean(d_rw):+.3f} |")
    print(f"\nproject cheaper than logistic in {sum(d < 0 for d in d_lg)} of {len(rows)} folds, than raw CatBoost "
          f"in {sum(d < 0 for d in d_rw)} of {len(rows)}")


if __name__ == "__main__":
    main()
