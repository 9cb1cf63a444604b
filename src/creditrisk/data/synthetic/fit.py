"""Fit the synthetic world's application part on real rows: the copula and the application part of the true PD.

Run by a maintainer who has real application_train rows (the project ships the fitted parameters, never rows):

    python -m creditrisk.data.synthetic.fit ../shared/home-credit/real-applications/application_train_sample.csv

The true PD's application part is an additive model fitted on those rows: a logistic regression on cubic splines
of each numeric column (with a missing-value term) and on the categories, its penalty chosen by 5-fold CV AUC.
With ``--rising-loan-terms`` the loan terms' shapes are then made non-decreasing (``LOAN_TERMS``: each replaced
by its isotonic fit, weighted by the rows it reads), a world where borrowing less at the same term never raises
the true PD; not the shipped one (docs/benchmarks.md "Session 13: a world that keeps the lender's rule").
It is shipped as one shape table per column (the spline's values on a grid of the column's quantiles, read back
by linear interpolation), so the generator needs neither scikit-learn's objects nor the rows.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from pathlib import Path

import numpy as np

from creditrisk.data import schema
from creditrisk.data.synthetic import copula
from creditrisk.data.synthetic.risk import FEW_VALUES, application_logit_from, pd_inputs

SHAPE_POINTS = 65
CATEGORY_MIN_COUNT = 30
PENALTIES = tuple(np.logspace(-4, -1, 7))  # the inverse penalties C searched by 5-fold CV AUC
# The true PD's inputs that grow with the credit at the same term (a cheaper purchase scales the three amounts, a
# down payment the credit and the instalment): their shapes never fall.
LOAN_TERMS = ("AMT_CREDIT", "AMT_ANNUITY", "AMT_GOODS_PRICE", "CREDIT_TO_GOODS", "ANNUITY_TO_INCOME",
              "CREDIT_TO_INCOME")


def fit_application_pd(frame, seed: int = 0, rising: bool = False, penalties: tuple[float, ...] = PENALTIES) -> dict:
    """Spline logistic regression of TARGET on the application columns, its C chosen among ``penalties``, exported
    as shape tables (``rising``: the loan terms' shapes made non-decreasing)."""
    import pandas as pd
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegressionCV
    from sklearn.model_selection import StratifiedKFold
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, SplineTransformer, StandardScaler

    numbers, categories = pd_inputs({c: frame[c].to_numpy() for c in frame.columns})
    smooth = [k for k, v in numbers.items() if np.unique(v[~np.isnan(v)]).size > FEW_VALUES]
    coarse = {k: np.where(np.isnan(v), "", v.astype(str)).astype(object) for k, v in numbers.items()
              if k not in smooth}
    categorical = {**categories, **coarse}
    data = pd.DataFrame({**{k: numbers[k] for k in smooth}, **categorical})
    spline = make_pipeline(SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True),
                           ColumnTransformer([("s", SplineTransformer(n_knots=5, degree=3, knots="quantile",
                                                                      extrapolation="constant"), [0])],
                                             remainder="passthrough"),
                           StandardScaler())
    transformer = ColumnTransformer(
        [(f"n:{k}", spline, [k]) for k in smooth]
        + [("c", OneHotEncoder(min_frequency=CATEGORY_MIN_COUNT, handle_unknown="infrequent_if_exist",
                               sparse_output=False), list(categorical))])
    x = transformer.fit_transform(data)
    y = frame["TARGET"].to_numpy()
    model = LogisticRegressionCV(Cs=list(penalties), l1_ratios=(0.0,),
                                 use_legacy_attributes=False, cv=StratifiedKFold(5, shuffle=True, random_state=seed),
                                 scoring="roc_auc", max_iter=3000).fit(x, y)
    coef = model.coef_.ravel()
    shapes, offset = {}, 0
    for k in smooth:  # each numeric column: its spline on a grid of its quantiles, and its missing-value term
        pipe = transformer.named_transformers_[f"n:{k}"]
        width = pipe.transform(data[[k]].iloc[:1]).shape[1]
        beta = coef[offset:offset + width]
        offset += width
        present = numbers[k][~np.isnan(numbers[k])]
        grid = np.unique(np.quantile(present, np.linspace(0.005, 0.995, SHAPE_POINTS)))
        effect = pipe.transform(pd.DataFrame({k: grid})) @ beta
        imputed = [np.nan] if np.isnan(numbers[k]).any() else [np.median(present)]  # seen empty, or imputed
        missing = float((pipe.transform(pd.DataFrame({k: imputed})) @ beta)[0])
        centre = float(np.median(pipe.transform(data[[k]]) @ beta))
        shapes[k] = {"grid": grid.tolist(), "effect": (effect - centre).round(6).tolist(),
                     "missing": round(missing - centre, 6)}
    if rising:
        shapes = rising_loan_terms(shapes, numbers)
    encoder = transformer.named_transformers_["c"]
    levels = {}
    start = offset
    for name, cats, infrequent in zip(categorical, encoder.categories_, _infrequent(encoder), strict=True):
        kept = [c for c in cats if infrequent is None or c not in infrequent]
        width = len(kept) + (infrequent is not None)
        beta = coef[start:start + width]
        start += width
        table = {str(c): float(b) for c, b in zip(kept, beta, strict=False)}
        other = float(beta[-1]) if infrequent is not None else 0.0
        centre = float(np.median([table.get(str(v), other) for v in categorical[name]]))
        levels[name] = {"levels": {c: round(b - centre, 6) for c, b in table.items()},
                        "other": round(other - centre, 6)}
    scores = np.asarray(model.scores_[1] if isinstance(model.scores_, dict) else model.scores_)
    cv_auc = float(np.max(np.mean(scores, axis=0)))
    params = {"intercept": 0.0, "numbers": shapes, "categories": levels, "C": float(np.ravel(model.C_)[0]),
              "cv_auc": round(cv_auc, 4)}
    shapes_only = application_logit_from(params, numbers, categorical)  # the intercept is still 0 here
    params["intercept"] = round(float(model.intercept_[0] + (model.decision_function(x) - shapes_only).mean()), 6)
    logit = shapes_only + params["intercept"]  # what application_logit_from gives with the intercept
    params["logit_mean"], params["logit_sd"] = round(float(logit.mean()), 6), round(float(logit.std()), 6)
    return params


def rising_loan_terms(shapes: dict, numbers: dict[str, np.ndarray]) -> dict:
    """The shape tables with each of ``LOAN_TERMS`` made non-decreasing, weighted by the values of ``numbers``
    (the rows fitted on); the other shapes as they are."""
    out = dict(shapes)
    for name in LOAN_TERMS:
        shape, values = shapes[name], numbers[name][~np.isnan(numbers[name])]
        effect = non_decreasing(np.array(shape["grid"]), np.array(shape["effect"]), values)
        out[name] = shape | {"effect": effect.round(6).tolist()}
    return out


def non_decreasing(grid: np.ndarray, effect: np.ndarray, values: np.ndarray) -> np.ndarray:
    """The non-decreasing shape closest to ``effect`` on ``grid``, each grid point weighted by the values read
    from it (``np.interp`` reads a value from its two neighbours; the nearest one at or above it counts here)."""
    from sklearn.isotonic import IsotonicRegression

    weight = np.bincount(np.clip(np.searchsorted(grid, values), 0, grid.size - 1), minlength=grid.size)
    return IsotonicRegression(increasing=True).fit_transform(grid, effect, sample_weight=weight + 1e-3)


def _infrequent(encoder) -> list:
    return list(encoder.infrequent_categories_) if hasattr(encoder, "infrequent_categories_") else [None] * len(
        encoder.categories_)


def fit(frame, rising: bool = False) -> dict:
    """Everything the generator ships: the copula, the application PD, and the shares of the exact rules."""
    dims, corr = copula.fit_copula(frame)
    out = frame["DAYS_EMPLOYED"] == schema.SENTINEL_DAYS
    income = frame.loc[out, "NAME_INCOME_TYPE"].value_counts(normalize=True)
    goods = frame["AMT_GOODS_PRICE"].dropna()
    return {
        "fitted_on": {"rows": len(frame), "defaults": int(frame["TARGET"].sum())},
        "copula": {"dimensions": [asdict(d) for d in dims], "correlation": corr.round(4).tolist()},
        "out_of_work_income": {k: round(float(v), 6) for k, v in income.items()},
        "goods_step_share": round(float((goods % copula.GOODS_STEP == 0).mean()), 6),
        "income_step_shares": {str(int(step)): round(float((frame["AMT_INCOME_TOTAL"] % step == 0).mean()), 6)
                               for step in copula.INCOME_STEPS},
        "application_pd": fit_application_pd(frame, rising=rising),
    }


def main() -> None:
    import pandas as pd

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("real_csv", type=Path, help="real application_train rows (with TARGET)")
    parser.add_argument("--out", type=Path, default=Path(__file__).parents[1] / "resources" / copula.PARAMS_FILE)
    parser.add_argument("--rising-loan-terms", action="store_true",
                        help="make the loan terms' shapes non-decreasing (not the shipped world)")
    args = parser.parse_args()
    frame = pd.read_csv(args.real_csv)
    params = fit(frame, rising=args.rising_loan_terms)
    args.out.write_text(json.dumps(params, separators=(",", ":")) + "\n")
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e3:.0f} kB) from {len(frame):,} real rows; "
          f"{len(params['copula']['dimensions'])} copula dimensions, PD penalty C={params['application_pd']['C']:.3g} "
          f"(5-fold CV AUC {params['application_pd']['cv_auc']:.4f})")


if __name__ == "__main__":
    main()
