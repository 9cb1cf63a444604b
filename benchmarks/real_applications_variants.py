"""What else could beat the plain CatBoost on the real rows? Cheap variants of the champion's model on the same
3 x 5 paired folds as benchmarks/real_applications.py (issue 27), each against the plain CatBoost of that script.

Arms (every one trained on the whole outer training fold, scored on its test fold; cost per client at 1/11 of the
arm's probability, as the plain CatBoost is judged):

- **plain**: the issue's plain CatBoost (``real_applications.plain``).
- **fixed**: CatBoost on the project's application features with the shape the tune stage chooses on these rows
  in most folds (depth 5, L2 25, rsm 0.5; 330 trees at learning rate 0.05, about what the trees-by-CV choose):
  the route without its tuning, calibration or bag (what the tuning buys).
- **group_ratios**: ``fixed`` plus each client's income, credit, instalment, EXT_SOURCE_2 and age relative to the
  median of their organisation type, occupation, education and income type (medians of the training fold).
- **logistic**: a regularised logistic regression on the same features (median imputation with missing flags,
  scaling, one-hot categories, C = 0.05).
- **blend 0.15 / 0.3**: ``fixed`` and ``logistic`` averaged on the logit scale with the logistic's weight.
- **deep**: CatBoost on the project's features with the plain CatBoost's settings (depth 6, 1,000 trees at 0.03).
- **fixed + deep**: the two CatBoost models averaged on the logit scale (a bag of two shapes instead of seeds).
- **depthwise / lossguide / langevin / ordered**: ``fixed`` grown another way: CatBoost's depthwise trees (at least
  60 clients a leaf), leaf-wise trees (at most 24 leaves, depth 8, at least 60 clients a leaf), Langevin boosting
  (diffusion temperature 10,000), or ordered boosting (each client's gradient from models that never saw it, which
  CatBoost's authors recommend for small data; the default is plain): the same depth or leaves budget, L2, rsm,
  trees and learning rate.
- **stumps**: an additive model: 1,000 CatBoost trees of depth 1 at learning rate 0.1 (each feature's own shape, no
  interaction); **fixed + stumps**: the two averaged on the logit scale.
- **rsm 0.15 / rsm 0.15 slow**: ``fixed`` reading 15 % of the features at each split (the tune stage searches 0.3
  to 1; the public LightGBM kernels on these data sample 20 % or fewer), at its trees and learning rate, then with
  600 trees at learning rate 0.03.
- **from logistic**: CatBoost at ``fixed``'s shape boosted from the logistic regression's log-odds (its
  ``baseline``: the trees fit what the linear model leaves), scored as the linear model's log-odds plus the trees'.
- **neighbours**: ``fixed`` plus the default rate of each client's 500 nearest training clients in EXT_SOURCE_1-3
  and credit term (standardised, missing values at the training fold's median): out of fold (5 inner folds) for
  the training rows, from every training row for the test rows (a public Kaggle feature on application data).
- **pruned: ...**: ``fixed`` on fewer of the 147 columns (session 24: do the noise columns cost AUC on 19,000
  training rows?). Rules without the labels, decided on the training fold: **listed** drops the building's MODE and
  MEDI summaries (the same 14 measurements as its AVG ones) and every FLAG_DOCUMENT but FLAG_DOCUMENT_3;
  **building** drops the MODE and MEDI summaries only; **rare** drops the columns where fewer than 1 % of the
  training clients differ from the most common value (missing counted as a value); **building + rare** both;
  **no building + rare** also the AVG summaries; **correlated + rare** drops a numeric column whose rank correlation
  with an earlier kept one exceeds 0.99, then the rare ones. With the labels: **placebo** keeps the columns whose
  loss change (CatBoost's LossFunctionChange) on a fifth of the training fold, for ``fixed`` fitted on the other
  four fifths with five random columns added, exceeds the largest random column's.
- **ctr 1 / ctr 2 / one-hot 10**: ``fixed`` with CatBoost's categorical combinations limited to one or two columns
  (``max_ctr_complexity``; the default combines up to four), or one-hot encoding for categories of up to 10 values
  (``one_hot_max_size``; the default is 2).
- **random strength 5 / Bernoulli 0.66 / borders 1024**: ``fixed`` with CatBoost's other regularisers, which the
  tune stage does not search: more noise in the split scores (``random_strength`` 5; the default is 1), each tree
  on two thirds of the rows (``bootstrap_type`` Bernoulli, ``subsample`` 0.66; the default is MVS at 0.8), or finer
  cuts of the numeric columns (``border_count`` 1024; the default is 254).
- **monotone: ...**: ``fixed`` with the PD never rising with the external scores (EXT_SOURCE_1-3 and their
  combinations: **ext**), also never rising with age or years in the job (**ext + age**), with the route's
  constraints on the loan terms (params train.monotone: **loan**), or both (**ext + loan**).

``--arms`` chooses the arms (the plain CatBoost and fixed always run); ``--baseline`` the arm every difference
is taken from (the plain CatBoost unless said), each with its 95 % corrected resampled t interval.

Usage: python benchmarks/real_applications_variants.py [--repeats 3] [--arms ...] [--baseline plain] [--out FILE]
"""

from __future__ import annotations

import argparse
import functools
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
from real_applications import REAL, ROOT, kernel_frame, outcome, plain, project_features, read_real, table

from creditrisk.config import load_params

SHAPE = {"depth": 5, "l2_leaf_reg": 25, "rsm": 0.5, "iterations": 330, "learning_rate": 0.05}
DEEP = {"depth": 6, "iterations": 1000, "learning_rate": 0.03}
ARMS = ("fixed", "group_ratios", "logistic", "blend", "deep", "fixed + deep", "neighbours", "depthwise", "lossguide",
        "langevin", "ordered", "stumps", "rsm 0.15", "from logistic", "pruned", "categorical", "monotone",
        "knobs")
GROWN = {"depthwise": {"grow_policy": "Depthwise", "min_data_in_leaf": 60},
         "lossguide": {"grow_policy": "Lossguide", "max_leaves": 24, "min_data_in_leaf": 60, "depth": 8},
         "langevin": {"langevin": True, "diffusion_temperature": 10000},
         "ordered": {"boosting_type": "Ordered"}}
NARROW = {"rsm 0.15": {"rsm": 0.15}, "rsm 0.15 slow": {"rsm": 0.15, "iterations": 600, "learning_rate": 0.03}}
CATEGORICAL = {"ctr 1": {"max_ctr_complexity": 1}, "ctr 2": {"max_ctr_complexity": 2},
               "one-hot 10": {"one_hot_max_size": 10}}
KNOBS = {"random strength 5": {"random_strength": 5},
         "Bernoulli 0.66": {"bootstrap_type": "Bernoulli", "subsample": 0.66}, "borders 1024": {"border_count": 1024}}
BUILDING = ("APARTMENTS", "BASEMENTAREA", "YEARS_BEGINEXPLUATATION", "YEARS_BUILD", "COMMONAREA", "ELEVATORS",
            "ENTRANCES", "FLOORSMAX", "FLOORSMIN", "LANDAREA", "LIVINGAPARTMENTS", "LIVINGAREA", "NONLIVINGAPARTMENTS",
            "NONLIVINGAREA")
EXTERNAL = ("EXT_SOURCE_1", "EXT_SOURCE_2", "EXT_SOURCE_3", "EXT_SOURCE_MEAN", "EXT_SOURCE_MIN", "EXT_SOURCE_MAX",
            "EXT_SOURCE_PROD", "EXT_SOURCE_WEIGHTED", "EXT_2_3_PROD")
OLDER = {"DAYS_BIRTH": 1, "AGE_YEARS": -1, "DAYS_EMPLOYED": 1, "YEARS_EMPLOYED": -1}  # days are negative
RARE_SHARE, RANK_CORRELATION, PLACEBOS = 0.01, 0.99, 5
STUMPS = {"depth": 1, "iterations": 1000, "learning_rate": 0.1, "l2_leaf_reg": 3}
NEIGHBOUR_SPACE = ("EXT_SOURCE_1", "EXT_SOURCE_2", "EXT_SOURCE_3", "CREDIT_TERM_MONTHS")
NEIGHBOURS = 500
GROUPS = ("ORGANIZATION_TYPE", "OCCUPATION_TYPE", "NAME_EDUCATION_TYPE", "NAME_INCOME_TYPE")
RELATIVE = ("AMT_INCOME_TOTAL", "AMT_CREDIT", "AMT_ANNUITY", "EXT_SOURCE_2", "DAYS_BIRTH")
BLENDS = (0.15, 0.3)


def catboost(train: pd.DataFrame, y: np.ndarray, test: pd.DataFrame, shape: dict = SHAPE,
             offset: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """The test rows' probability; ``offset`` (training rows' log-odds, test rows' log-odds) is where the boosting
    starts (CatBoost's baseline), added back to the trees' log-odds on the test rows."""
    from catboost import CatBoostClassifier, Pool
    from scipy.special import expit

    categorical = [c for c in train.columns if train[c].dtype == object]
    model = CatBoostClassifier(**shape, random_seed=0, verbose=False, allow_writing_files=False, thread_count=2)
    model.fit(Pool(train, y, cat_features=categorical, baseline=None if offset is None else offset[0]))
    trees = model.predict(Pool(test, cat_features=categorical), prediction_type="RawFormulaVal")
    return expit(trees + (0 if offset is None else offset[1]))


def group_ratios(train: pd.DataFrame, test: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Both frames with each value relative to its group's median on the training fold."""
    out = (train.copy(), test.copy())
    for group in (g for g in GROUPS if g in train.columns):
        for value in (v for v in RELATIVE if v in train.columns):
            median = train.groupby(group)[value].median()
            for frame, source in zip(out, (train, test), strict=True):
                frame[f"{value}_REL_{group}"] = source[value] / source[group].map(median).astype(float)
    return out


def neighbour_rate(train: pd.DataFrame, y: np.ndarray, test: pd.DataFrame, k: int = NEIGHBOURS,
                   inner: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """The default rate of each row's k nearest training rows: out of fold for the training rows, from every
    training row for the test rows."""
    from sklearn.model_selection import StratifiedKFold
    from sklearn.neighbors import NearestNeighbors

    def rate(reference: pd.DataFrame, y_ref: np.ndarray, rows: pd.DataFrame) -> np.ndarray:
        space = reference[list(NEIGHBOUR_SPACE)]
        centre, scale = space.median(), space.std()

        def place(frame: pd.DataFrame) -> np.ndarray:
            return ((frame[list(NEIGHBOUR_SPACE)].fillna(centre) - centre) / scale).to_numpy()

        found = NearestNeighbors(n_neighbors=k).fit(place(reference)).kneighbors(place(rows), return_distance=False)
        return y_ref[found].mean(axis=1)

    out_of_fold = np.zeros(len(train))
    for fit, held in StratifiedKFold(inner, shuffle=True, random_state=0).split(np.zeros(len(y)), y):
        out_of_fold[held] = rate(train.iloc[fit], y[fit], train.iloc[held])
    return out_of_fold, rate(train, y, test)


def building(columns: list[str], summaries: tuple[str, ...] = ("MODE", "MEDI")) -> list[str]:
    """The columns without the building's ``summaries`` of its 14 measurements."""
    dropped = {f"{m}_{s}" for m in BUILDING for s in summaries}
    return [c for c in columns if c not in dropped]


def not_rare(train: pd.DataFrame, columns: list[str]) -> list[str]:
    """The columns where at least RARE_SHARE of the training rows differ from the most common value."""
    return [c for c in columns if 1 - train[c].value_counts(normalize=True, dropna=False).iloc[0] >= RARE_SHARE]


def uncorrelated(train: pd.DataFrame, columns: list[str], categorical: list[str]) -> list[str]:
    """The columns in order, without a numeric one whose rank correlation with an earlier kept one is above
    RANK_CORRELATION (pairs with fewer than 500 rows both present are not compared)."""
    numeric = [c for c in columns if c not in categorical]
    rho = train[numeric].rank().corr(min_periods=500).abs()
    kept: list[str] = []
    for c in columns:
        if c in categorical or not (rho.loc[c, [k for k in kept if k in rho.columns]] > RANK_CORRELATION).any():
            kept.append(c)
    return kept


def above_placebo(train: pd.DataFrame, y: np.ndarray) -> list[str]:
    """The columns whose loss change on an inner fifth exceeds the largest of PLACEBOS random columns'."""
    from catboost import CatBoostClassifier, Pool
    from sklearn.model_selection import train_test_split

    rng = np.random.default_rng(0)
    noisy = train.assign(**{f"PLACEBO_{k}": rng.uniform(size=len(train)) for k in range(PLACEBOS)})
    categorical = [c for c in noisy.columns if noisy[c].dtype == object]
    fit, held = train_test_split(np.arange(len(y)), test_size=0.2, stratify=y, random_state=0)
    model = CatBoostClassifier(**SHAPE, random_seed=0, verbose=False, allow_writing_files=False, thread_count=2)
    model.fit(Pool(noisy.iloc[fit], y[fit], cat_features=categorical))
    change = pd.Series(model.get_feature_importance(Pool(noisy.iloc[held], y[held], cat_features=categorical),
                                                    type="LossFunctionChange"), index=noisy.columns)
    bar = change[[f"PLACEBO_{k}" for k in range(PLACEBOS)]].max()
    return [c for c in train.columns if change[c] > bar]


def pruned_columns(train: pd.DataFrame, y: np.ndarray, categorical: list[str]) -> dict[str, list[str]]:
    """Each pruning rule's columns, decided on the training fold."""
    columns = list(train.columns)
    documents = [c for c in columns if not c.startswith("FLAG_DOCUMENT_") or c == "FLAG_DOCUMENT_3"]
    common = set(not_rare(train, columns))  # the rule is column by column: decided once for every rule below

    def without_rare(kept: list[str]) -> list[str]:
        return [c for c in kept if c in common]

    return {"pruned: listed": building(documents), "pruned: building": building(columns),
            "pruned: rare": without_rare(columns), "pruned: building + rare": without_rare(building(columns)),
            "pruned: no building + rare": without_rare(building(columns, ("MODE", "MEDI", "AVG"))),
            "pruned: correlated + rare": without_rare(uncorrelated(train, columns, categorical)),
            "pruned: placebo": above_placebo(train, y)}


@functools.cache
def route_monotone() -> dict[str, int]:
    """The route's constraints on the loan terms (params train.monotone), read once for every fold."""
    return dict(load_params(ROOT / "params.yaml").train.monotone)


def monotone_arms(columns: list[str]) -> dict[str, dict[str, int]]:
    """Each monotone arm's constraints (feature -> 1: the PD never falls as it rises, -1: never rises), on the
    columns present."""
    external = dict.fromkeys(EXTERNAL, -1)
    loan = route_monotone()
    arms = {"monotone: ext": external, "monotone: ext + age": external | OLDER, "monotone: loan": dict(loan),
            "monotone: ext + loan": external | dict(loan)}
    return {name: {f: sign for f, sign in signs.items() if f in columns} for name, signs in arms.items()}


def logistic(train: pd.DataFrame, y: np.ndarray, test: pd.DataFrame,
             categorical: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The regularised logistic regression's probability on the training rows and on the test rows."""
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    train, test = (f.replace([np.inf, -np.inf], np.nan) for f in (train, test))
    numeric = [c for c in train.columns if c not in categorical]
    prep = ColumnTransformer([
        ("num", make_pipeline(SimpleImputer(strategy="median", add_indicator=True), StandardScaler()), numeric),
        ("cat", OneHotEncoder(handle_unknown="ignore", min_frequency=20), categorical)])
    model = make_pipeline(prep, LogisticRegression(C=0.05, max_iter=2000))
    model.fit(train, y)
    return model.predict_proba(train)[:, 1], model.predict_proba(test)[:, 1]


def fold(x: pd.DataFrame, y: np.ndarray, categorical: list[str], frame: pd.DataFrame, train_idx: np.ndarray,
         test_idx: np.ndarray, arms: tuple[str, ...] = ARMS) -> dict:
    from scipy.special import expit, logit

    train, test, y_test = x.iloc[train_idx], x.iloc[test_idx], y[test_idx]
    fixed = catboost(train, y[train_idx], test)
    row = {"plain": plain(frame, y, train_idx, test_idx), "fixed": outcome(y_test, fixed, 1 / 11)}
    if "group_ratios" in arms:
        train_groups, test_groups = group_ratios(train, test)
        row["group_ratios"] = outcome(y_test, catboost(train_groups, y[train_idx], test_groups), 1 / 11)
    if {"logistic", "blend", "from logistic"} & set(arms):
        linear_train, linear = logistic(train, y[train_idx], test, categorical)
        row["logistic"] = outcome(y_test, linear, 1 / 11)
        for weight in BLENDS:
            blend = expit((1 - weight) * logit(fixed) + weight * logit(linear))
            row[f"blend {weight}"] = outcome(y_test, blend, 1 / 11)
        if "from logistic" in arms:
            boosted = catboost(train, y[train_idx], test, offset=(logit(linear_train), logit(linear)))
            row["from logistic"] = outcome(y_test, boosted, 1 / 11)
    if "deep" in arms or "fixed + deep" in arms:
        deep = catboost(train, y[train_idx], test, DEEP)
        row["deep"] = outcome(y_test, deep, 1 / 11)
        row["fixed + deep"] = outcome(y_test, expit((logit(fixed) + logit(deep)) / 2), 1 / 11)
    for way in (a for a in arms if a in GROWN):
        row[way] = outcome(y_test, catboost(train, y[train_idx], test, SHAPE | GROWN[way]), 1 / 11)
    if "rsm 0.15" in arms:
        for name, narrow in NARROW.items():
            row[name] = outcome(y_test, catboost(train, y[train_idx], test, SHAPE | narrow), 1 / 11)
    if "stumps" in arms:
        additive = catboost(train, y[train_idx], test, STUMPS)
        row["stumps"] = outcome(y_test, additive, 1 / 11)
        row["fixed + stumps"] = outcome(y_test, expit((logit(fixed) + logit(additive)) / 2), 1 / 11)
    if "pruned" in arms:
        for name, kept in pruned_columns(train, y[train_idx], categorical).items():
            scored = catboost(train[kept], y[train_idx], test[kept])
            row[name] = outcome(y_test, scored, 1 / 11) | {"columns": len(kept)}
    if "knobs" in arms:
        for name, knob in KNOBS.items():
            row[name] = outcome(y_test, catboost(train, y[train_idx], test, SHAPE | knob), 1 / 11)
    if "categorical" in arms:
        for name, handling in CATEGORICAL.items():
            row[name] = outcome(y_test, catboost(train, y[train_idx], test, SHAPE | handling), 1 / 11)
    if "monotone" in arms:
        for name, signs in monotone_arms(list(train.columns)).items():
            constrained = SHAPE | {"monotone_constraints": signs}
            row[name] = outcome(y_test, catboost(train, y[train_idx], test, constrained), 1 / 11)
    if "neighbours" in arms:
        train_rate, test_rate = neighbour_rate(train, y[train_idx], test)
        row["neighbours"] = outcome(y_test, catboost(train.assign(NEIGHBOUR_RATE=train_rate), y[train_idx],
                                                     test.assign(NEIGHBOUR_RATE=test_rate)), 1 / 11)
    return row


def main() -> None:
    from sklearn.model_selection import StratifiedKFold

    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--arms", nargs="+", choices=ARMS, default=list(ARMS))
    parser.add_argument("--out", type=Path, default=None, help="also write every fold's figures as JSON")
    parser.add_argument("--baseline", default="plain", help="the arm every difference is taken from")
    args = parser.parse_args()
    params = load_params(ROOT / "params.yaml")
    data, frame = project_features(read_real(REAL), params), kernel_frame(REAL)
    x = data.x.copy()
    x[data.categorical] = x[data.categorical].astype(str)
    rows, start = [], time.perf_counter()
    for repeat in range(args.repeats):
        splitter = StratifiedKFold(n_splits=5, shuffle=True, random_state=repeat)
        for number, (train_idx, test_idx) in enumerate(splitter.split(np.zeros(len(data.y)), data.y), 1):
            rows.append({"repeat": repeat, "fold": number}
                        | fold(x, data.y, data.categorical, frame, train_idx, test_idx, tuple(args.arms)))
            print(json.dumps(rows[-1]), f"({time.perf_counter() - start:.0f} s)", flush=True)
    print("\n" + table(rows, [a for a in rows[0] if a not in ("repeat", "fold")], baseline=args.baseline))
    if args.out:
        args.out.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
