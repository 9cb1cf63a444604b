"""Application columns drawn from a Gaussian copula fitted on real rows: real marginals and real dependencies.

Every column (or a ratio standing for it) is one dimension of a multivariate normal: a continuous column is read
through its real quantile function, a category or a small count through its real shares (categories ordered by
their default rate, so that the dependencies a lender cares about survive the ordering), and columns that go
missing together (the building block, the social circle, the bureau requests) share one "how much is missing"
dimension, so that their missing values stay nested as in the real file. The correlation matrix is estimated on
normal scores of the real rows (pairwise-complete, corrected for the coarseness of categories) and made positive
definite. The fitted parameters are shipped (``resources/synthetic_application.json``); the real rows are not.

Rules the real file follows exactly are rules here, not correlations: DAYS_EMPLOYED = 365243 exactly for
pensioners and the unemployed, whose organisation is "XNA", occupation empty and work flags 0; OWN_CAR_AGE exactly
when FLAG_OWN_CAR = Y; CNT_FAM_MEMBERS = CNT_CHILDREN + one or two adults; goods prices mostly in steps of 4,500.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources

import numpy as np
from scipy.special import ndtr, ndtri
from scipy.stats import norm

from creditrisk.data import schema
from creditrisk.data.synthetic.marginals import blank

PARAMS_FILE = "synthetic_application.json"
QUANTILE_POINTS = 257
DISCRETE_MAX_VALUES = 100
ATTENUATION_FLOOR = 0.6
GOODS_STEP = 4500.0
# Columns the real file sets to one value for pensioners and the unemployed (DAYS_EMPLOYED = 365243).
OUT_OF_WORK_VALUES = {"ORGANIZATION_TYPE": "XNA", "OCCUPATION_TYPE": None, "FLAG_EMP_PHONE": 0, "FLAG_WORK_PHONE": 0,
                      "REG_REGION_NOT_WORK_REGION": 0, "LIVE_REGION_NOT_WORK_REGION": 0,
                      "REG_CITY_NOT_WORK_CITY": 0, "LIVE_CITY_NOT_WORK_CITY": 0}
OUT_OF_WORK_INCOME = ("Pensioner", "Unemployed")
# Columns that go missing together share one dimension: how much of the group is missing.
MISSING_GROUPS = {
    "building": lambda name: name.endswith(("_AVG", "_MODE", "_MEDI")),
    "social_circle": lambda name: name.endswith("_CNT_SOCIAL_CIRCLE"),
    "bureau_requests": lambda name: name.startswith("AMT_REQ_CREDIT_BUREAU_"),
}
# Ratios stand for the columns a lender reads them from (their real distribution is what must hold).
GOODS_RATIO, PAYMENT_RATE, ADULTS = "_GOODS_TO_CREDIT", "_PAYMENT_RATE", "_ADULTS"
ANNUITY_TO_INCOME = "_ANNUITY_TO_INCOME"
INCOME_STEPS = (22500.0, 4500.0, 450.0)  # incomes are round: the share of each step is fitted


@dataclass
class Dimension:
    """One dimension of the copula: how a standard-normal draw becomes a column's value."""

    name: str
    kind: str  # "continuous" (quantile function), "ordinal" (ordered values and shares), "missing" (group)
    values: list  # continuous: quantiles at ``probs``; ordinal: the ordered values
    probs: list | None = None  # continuous only
    shares: list | None = None  # ordinal only
    decimals: int | None = None  # continuous: rounding of the real values (None: as drawn)
    columns: dict | None = None  # missing group: column -> its missing rate (nested thresholds)


# --------------------------------------------------------------------------------------------------- fitting
def model_frame(frame) -> dict[str, np.ndarray]:
    """The columns the copula models: the real columns with the ratios standing for goods, annuity and family,
    DAYS_EMPLOYED's sentinel as missing, and the columns a rule sets for the out-of-work left missing there."""
    cols = {name: frame[name].to_numpy() for name in frame.columns if name not in (schema.KEY, "TARGET")}
    for name, values in cols.items():  # an empty category is a category, except where a group decides it
        if values.dtype == object and not _group_of(name):
            cols[name] = np.where(_missing(values), "", values).astype(object)
    credit = cols["AMT_CREDIT"].astype(float)
    cols[GOODS_RATIO] = cols.pop("AMT_GOODS_PRICE").astype(float) / credit
    annuity = cols.pop("AMT_ANNUITY").astype(float)
    cols[PAYMENT_RATE] = annuity / credit
    cols[ANNUITY_TO_INCOME] = annuity / cols.pop("AMT_INCOME_TOTAL").astype(float)
    cols[ADULTS] = cols.pop("CNT_FAM_MEMBERS").astype(float) - cols["CNT_CHILDREN"]
    out = cols["DAYS_EMPLOYED"] == schema.SENTINEL_DAYS
    cols["DAYS_EMPLOYED"] = np.where(out, np.nan, cols["DAYS_EMPLOYED"].astype(float))
    for name in (*OUT_OF_WORK_VALUES, "NAME_INCOME_TYPE"):
        cols[name] = blank(cols[name], out)
    cols["OWN_CAR_AGE"] = np.where(cols["FLAG_OWN_CAR"] == "Y", cols["OWN_CAR_AGE"], np.nan)
    return cols


def _missing(values: np.ndarray) -> np.ndarray:
    if values.dtype == object:
        return np.array([v is None or (isinstance(v, float) and np.isnan(v)) for v in values])
    return np.isnan(values.astype(float))


def _group_of(name: str) -> str | None:
    return next((group for group, member in MISSING_GROUPS.items() if member(name)), None)


def _decimals(values: np.ndarray) -> int | None:
    for decimals in range(7):
        if np.mean(np.isclose(np.round(values, decimals), values, rtol=0, atol=1e-9)) >= 0.99:
            return decimals
    return None


def _ordinal_scores(codes: np.ndarray, shares: np.ndarray) -> tuple[np.ndarray, float]:
    """E[Z | Z in the category's interval] for each row, and the standard deviation of that score (the
    attenuation a category's coarseness puts on its correlations)."""
    cum = np.concatenate([[0.0], np.cumsum(shares)])
    cum[-1] = 1.0
    lo, hi = ndtri(np.clip(cum[:-1], 0, 1)), ndtri(np.clip(cum[1:], 0, 1))
    mean = (norm.pdf(lo) - norm.pdf(hi)) / np.maximum(shares, 1e-12)  # the density is 0 at the infinite ends
    return mean[codes], float(np.sqrt(np.sum(shares * mean**2)))


def fit_copula(frame) -> tuple[list[Dimension], np.ndarray]:
    """Fit the dimensions and their correlation matrix on real application rows (with TARGET)."""
    cols = model_frame(frame)
    target = frame["TARGET"].to_numpy().astype(float)
    dims, scores, attenuation = [], [], []
    groups: dict[str, list[str]] = {}
    for name, values in cols.items():
        group = _group_of(name)
        missing = _missing(values)
        if group:
            groups.setdefault(group, []).append(name)
        elif missing.any() and name not in (*OUT_OF_WORK_VALUES, "NAME_INCOME_TYPE", "OWN_CAR_AGE") and \
                values.dtype != object:
            groups[f"own:{name}"] = [name]
        score = np.full(values.size, np.nan)
        present = ~missing
        if values.dtype == object or np.unique(values[present]).size <= DISCRETE_MAX_VALUES:
            dim, codes, shares = _fit_ordinal(name, values[present], target[present])
            score[present], sd = _ordinal_scores(codes, shares)
        else:
            x = values[present].astype(float)
            probs = np.linspace(0.0, 1.0, QUANTILE_POINTS)
            dim = Dimension(name, "continuous", np.quantile(x, probs).tolist(), probs.tolist(),
                            decimals=_decimals(x))
            uniq, codes, counts = np.unique(x, return_inverse=True, return_counts=True)  # ties (a mass at 0)
            score[present], sd = _ordinal_scores(codes, counts / counts.sum())  # score as a category does
        dims.append(dim)
        scores.append(score)
        attenuation.append(sd)
    for group, members in groups.items():
        missing = np.column_stack([_missing(cols[m]) for m in members]).sum(axis=1)
        rates = {m: float(_missing(cols[m]).mean()) for m in members}
        dims.append(Dimension(f"missing:{group}", "missing", [], columns=rates))
        values, counts = np.unique(missing, return_counts=True)
        codes = np.searchsorted(values, missing)
        score, sd = _ordinal_scores(codes, counts / counts.sum())
        scores.append(score)
        attenuation.append(sd)
    return dims, _correlation(np.column_stack(scores), np.array(attenuation))


def _fit_ordinal(name: str, values: np.ndarray, target: np.ndarray) -> tuple[Dimension, np.ndarray, np.ndarray]:
    """Ordered values (numbers by value; categories by their smoothed default rate) and their shares."""
    if values.dtype == object:
        values = values.astype(str)
        uniq, codes = np.unique(values, return_inverse=True)
        counts = np.bincount(codes)
        rate = (np.bincount(codes, weights=target) + 50 * target.mean()) / (counts + 50)
        order = np.lexsort((uniq, rate))
        uniq, counts = uniq[order], counts[order]
        codes = np.argsort(order)[codes]
        ordered = [None if v == "" else str(v) for v in uniq]
    else:
        uniq, codes, counts = np.unique(values.astype(float), return_inverse=True, return_counts=True)
        ordered = [float(v) for v in uniq]
    shares = counts / counts.sum()
    return Dimension(name, "ordinal", ordered, shares=shares.round(8).tolist()), codes, shares


def _correlation(scores: np.ndarray, attenuation: np.ndarray) -> np.ndarray:
    """Pairwise-complete correlation of normal scores, undone of category coarseness, made positive definite."""
    present = ~np.isnan(scores)
    x = np.where(present, scores, 0.0)
    m = present.astype(float)
    n = m.T @ m
    sx, sxx, sxy = x.T @ m, (x * x).T @ m, x.T @ x
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = sxy / n - (sx / n) * (sx.T / n)
        var_i, var_j = sxx / n - (sx / n) ** 2, (sxx / n - (sx / n) ** 2).T
        corr = cov / np.sqrt(var_i * var_j)
    corr = np.where((n >= 200) & np.isfinite(corr), corr, 0.0)
    # A rare category or flag would turn sampling noise into strong correlations: its correction is bounded.
    attenuation = np.where(attenuation > 0, np.maximum(attenuation, ATTENUATION_FLOOR), 1.0)
    corr = np.clip(corr / np.outer(attenuation, attenuation), -0.995, 0.995)
    np.fill_diagonal(corr, 1.0)
    return _nearest_correlation(corr)


def _nearest_correlation(corr: np.ndarray, floor: float = 1e-3) -> np.ndarray:
    values, vectors = np.linalg.eigh((corr + corr.T) / 2)
    fixed = vectors @ np.diag(np.maximum(values, floor)) @ vectors.T
    d = np.sqrt(np.diag(fixed))
    return fixed / np.outer(d, d)


# -------------------------------------------------------------------------------------------------- sampling
@functools.cache
def fitted() -> dict:
    """The shipped fit: dimensions, Cholesky factor of their correlation, the goods-step share, the PD model."""
    raw = json.loads(resources.files("creditrisk.resources").joinpath(PARAMS_FILE).read_text())
    dims = [Dimension(**d) for d in raw["copula"]["dimensions"]]
    corr = np.array(raw["copula"]["correlation"], dtype=float)
    return {**raw, "dimensions": dims, "cholesky": np.linalg.cholesky(_nearest_correlation(corr))}


def sample(rng: np.random.Generator, n: int, overrides) -> dict[str, np.ndarray]:
    """``n`` applicants' application columns (all but SK_ID_CURR and TARGET), with the side's published figures
    where they differ from the fit (``overrides``: shares, missing rates, quantile functions)."""
    fit = fitted()
    z = rng.standard_normal((n, len(fit["dimensions"]))) @ fit["cholesky"].T
    missing: dict[str, np.ndarray] = {}
    for k, dim in enumerate(fit["dimensions"]):
        for column, rate in (dim.columns or {}).items():
            rate = overrides.missing_rate(column, rate)
            missing[column] = z[:, k] > ndtri(np.clip(1.0 - rate, 1e-12, 1 - 1e-12))
    cols: dict[str, np.ndarray] = {}
    for k, dim in enumerate(fit["dimensions"]):
        if dim.kind == "missing":
            continue
        u = _uniforms(z[:, k], missing.get(dim.name))
        if dim.kind == "continuous":
            shifted = overrides.quantiles(dim.name, float(np.interp(0.5, dim.probs, dim.values)))
            values = np.interp(u, dim.probs, dim.values) if shifted is None else shifted(u)
            cols[dim.name] = values if dim.decimals is None else np.round(values, dim.decimals)
        else:
            shares = overrides.shares(dim.name, dim.values, dim.shares)
            codes = np.searchsorted(np.cumsum(shares)[:-1] / np.sum(shares), u, side="right")
            ordered = np.asarray(dim.values, dtype=object if isinstance(dim.values[0], str | None) else float)
            cols[dim.name] = ordered[codes]
    for column, mask in missing.items():
        cols[column] = blank(cols[column], mask)
    return _columns_from_model_space(rng, cols, fit, overrides.income_factor())


def _probs_values(fit: dict, name: str) -> tuple[list, list]:
    dim = next(d for d in fit["dimensions"] if d.name == name)
    return dim.probs, dim.values


def _round_incomes(rng: np.random.Generator, income: np.ndarray, step_shares: dict) -> np.ndarray:
    """Incomes in the real file's steps: each income takes the step it falls in with the real shares."""
    draw = rng.random(income.size)
    out = np.round(income)
    cumulative = 0.0
    for step in INCOME_STEPS:
        share = step_shares[str(int(step))]
        chosen = (draw >= cumulative) & (draw < share)
        out = np.where(chosen, np.maximum(np.round(income / step), 1) * step, out)
        cumulative = share
    return out


def _uniforms(z: np.ndarray, missing: np.ndarray | None) -> np.ndarray:
    """Uniforms for one dimension. Where a column can be missing, the values that remain are those whose
    missing-group draw was low, a selection that would bend their distribution: their ranks among the present
    rows are used instead, so the present values keep the real distribution (and their order, the dependencies)."""
    if missing is None or not missing.any():
        return ndtr(z)
    from scipy.stats import rankdata

    u = ndtr(z)
    present = ~missing
    u[present] = (rankdata(z[present]) - 0.5) / present.sum()
    return u


def _columns_from_model_space(rng: np.random.Generator, cols: dict[str, np.ndarray], fit: dict,
                              income_factor: float = 1.0) -> dict:
    """Back from the modelled ratios to the file's columns, and the real file's exact rules."""
    out = np.isnan(cols["DAYS_EMPLOYED"].astype(float))
    for name, value in OUT_OF_WORK_VALUES.items():
        cols[name] = blank(cols[name], out) if value is None else np.where(out, value, cols[name])
    income = cols["NAME_INCOME_TYPE"]  # the retired and the unemployed are exactly the out-of-work (a rule)
    income[~out & np.isin(income, OUT_OF_WORK_INCOME)] = "Working"
    income_shares = fit["out_of_work_income"]
    cols["NAME_INCOME_TYPE"][out] = rng.choice(list(income_shares), size=int(out.sum()),
                                               p=np.array(list(income_shares.values())))
    days_birth = np.round(cols["DAYS_BIRTH"]).astype(np.int64)
    cols["DAYS_BIRTH"] = days_birth
    earliest_job = np.round(days_birth + 16 * 365.25)
    employed = np.minimum(np.maximum(cols["DAYS_EMPLOYED"], earliest_job), 0)
    cols["DAYS_EMPLOYED"] = np.where(out, schema.SENTINEL_DAYS, np.nan_to_num(employed)).astype(np.int64)
    cols["DAYS_REGISTRATION"] = np.maximum(cols["DAYS_REGISTRATION"], days_birth).astype(float)
    cols["DAYS_ID_PUBLISH"] = np.maximum(cols["DAYS_ID_PUBLISH"], days_birth).astype(np.int64)
    cols["OWN_CAR_AGE"] = blank(cols["OWN_CAR_AGE"].astype(float), cols["FLAG_OWN_CAR"] != "Y")
    credit = cols["AMT_CREDIT"].astype(float)
    goods = credit * cols.pop(GOODS_RATIO).astype(float)
    stepped = rng.random(credit.size) < fit["goods_step_share"]
    cols["AMT_GOODS_PRICE"] = np.where(stepped, np.maximum(np.round(goods / GOODS_STEP), 1) * GOODS_STEP,
                                       np.round(goods, 1))
    annuity = np.round(credit * cols.pop(PAYMENT_RATE).astype(float), 1)
    cols["AMT_ANNUITY"] = annuity
    known = np.where(np.isnan(annuity), credit * np.interp(0.5, *_probs_values(fit, PAYMENT_RATE)), annuity)
    income = income_factor * known / cols.pop(ANNUITY_TO_INCOME).astype(float)
    cols["AMT_INCOME_TOTAL"] = _round_incomes(rng, income,
                                              fit["income_step_shares"])
    adults = cols.pop(ADULTS).astype(float)
    cols["CNT_CHILDREN"] = cols["CNT_CHILDREN"].astype(np.int64)
    cols["CNT_FAM_MEMBERS"] = cols["CNT_CHILDREN"] + adults
    for column in schema.table("application_train").columns:
        if column.name in cols and column.dtype == "int64":
            cols[column.name] = np.asarray(cols[column.name], dtype=float).round().astype(np.int64)
    return cols
