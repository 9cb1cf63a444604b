"""The true probability of default of a synthetic applicant: a fixed function of observable raw data only.

Its application part is the additive model fitted on real application rows (``fit``: a spline per numeric
column, a term per category, shipped as shape tables), so a model of the synthetic application columns learns
what it would learn on real ones. Its history part reads behaviour visible only in the history tables (late and
short instalment payments, bureau days past due and current overdue, refused previous applications, credit-card
utilisation, POS days past due), with non-linear terms and interactions. TARGET ~ Bernoulli(PD). Because the PD
depends only on what is in the eight files, a perfect model of those files reaches the Bayes-optimal AUC, which
the evaluation stage reports as the oracle.

The weights were calibrated once with ``benchmarks/synthetic_signal.py`` (docs/benchmarks.md): the application
weight so that the plain CatBoost of issue 27 has the real rows' CV AUC on synthetic rows of the same size, the
history weight so that history adds what it adds on the real data (+0.015 to +0.035 AUC), the intercept for the
real default rate (8.07 %).
"""

from __future__ import annotations

import numpy as np

from creditrisk.data import schema
from creditrisk.data.synthetic.marginals import sigmoid

INTERCEPT = -2.961
APPLICATION_WEIGHT = 1.3
HISTORY_WEIGHT = 0.45
HISTORY_MEAN = 1.106


def _group_mean(app: np.ndarray, values: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    count = np.bincount(app, minlength=n).astype(float)
    total = np.bincount(app, weights=values.astype(float), minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / count, 0.0), count


def _group_max(app: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    out = np.zeros(n)
    np.maximum.at(out, app, values.astype(float))
    return out


def _instalment_behaviour(inst: dict[str, np.ndarray], n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per applicant: share of instalments whose last payment came after the due date, and share paid short.

    An instalment can be paid in several rows (same loan and instalment number): payments are summed first.
    """
    key = inst["SK_ID_PREV"].astype(np.int64) * 1_000 + inst["NUM_INSTALMENT_NUMBER"]
    uniq, first, group = np.unique(key, return_index=True, return_inverse=True)
    last_entry = np.full(uniq.size, -np.inf)
    np.maximum.at(last_entry, group, inst["DAYS_ENTRY_PAYMENT"])
    paid = np.bincount(group, weights=inst["AMT_PAYMENT"], minlength=uniq.size)
    app = inst["_app"][first]
    late_share, count = _group_mean(app, last_entry > inst["DAYS_INSTALMENT"][first], n)
    short_share, _ = _group_mean(app, paid < inst["AMT_INSTALMENT"][first] - 1.0, n)
    return late_share, short_share, count


def history_signals(tables: dict[str, dict[str, np.ndarray]], n: int) -> dict[str, np.ndarray]:
    """Per-applicant behaviour read from the raw history rows (what a feature builder can also compute)."""
    late_share, short_share, n_inst = _instalment_behaviour(tables["installments_payments"], n)
    bb = tables["bureau_balance"]
    recent = bb["MONTHS_BALANCE"] >= -24
    level = np.zeros(bb["STATUS"].size)
    for k in range(1, 6):
        level[bb["STATUS"] == str(k)] = k
    worst_dpd = _group_max(bb["_app"][recent], level[recent], n)
    bureau = tables["bureau"]
    overdue = (bureau["AMT_CREDIT_SUM_OVERDUE"] > 0) | (bureau["CREDIT_DAY_OVERDUE"] > 0)
    any_overdue = _group_max(bureau["_app"], overdue, n)
    active = np.bincount(bureau["_app"], weights=bureau["CREDIT_ACTIVE"] == "Active", minlength=n)
    n_bureau = np.bincount(bureau["_app"], minlength=n)
    prev = tables["previous_application"]
    refused = np.bincount(prev["_app"], weights=prev["NAME_CONTRACT_STATUS"] == "Refused", minlength=n)
    n_prev = np.bincount(prev["_app"], minlength=n)
    cc = tables["credit_card_balance"]
    with_limit = cc["AMT_CREDIT_LIMIT_ACTUAL"] > 0
    ratio = np.where(with_limit, cc["AMT_BALANCE"] / np.maximum(cc["AMT_CREDIT_LIMIT_ACTUAL"], 1), 0.0)
    utilisation, n_cc = _group_mean(cc["_app"][with_limit], ratio[with_limit], n)
    pos = tables["POS_CASH_balance"]
    pos_dpd = _group_max(pos["_app"], pos["SK_DPD_DEF"] > 0, n)
    return {"late_share": late_share, "short_share": short_share, "has_installments": n_inst > 0,
            "worst_dpd_24m": worst_dpd, "bureau_overdue": any_overdue, "bureau_active": active,
            "has_bureau": n_bureau > 0, "refused": refused, "has_previous": n_prev > 0,
            "cc_utilisation": utilisation, "has_card": n_cc > 0, "pos_dpd_def": pos_dpd}


FEW_VALUES = 12  # a numeric column with at most this many values is read as categories


def pd_inputs(cols) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """The true PD's inputs from application columns (real or generated): numbers (with the ratios a lender
    reads, DAYS_EMPLOYED's sentinel as missing) and categories (as strings, empty when missing)."""
    def num(name: str) -> np.ndarray:
        return np.asarray(cols[name], dtype=float)

    numbers, categories = {}, {}
    for column in schema.table("application_train").columns:
        if column.name in (schema.KEY, "TARGET"):
            continue
        if column.dtype == "object":
            values = np.asarray(cols[column.name], dtype=object)
            categories[column.name] = np.array(["" if v is None or v != v else str(v) for v in values], dtype=object)
        else:
            numbers[column.name] = num(column.name)
    numbers["DAYS_EMPLOYED"] = np.where(numbers["DAYS_EMPLOYED"] == schema.SENTINEL_DAYS, np.nan,
                                        numbers["DAYS_EMPLOYED"])
    with np.errstate(divide="ignore", invalid="ignore"):
        numbers["CREDIT_TO_GOODS"] = num("AMT_CREDIT") / num("AMT_GOODS_PRICE")
        numbers["PAYMENT_RATE"] = num("AMT_ANNUITY") / num("AMT_CREDIT")
        numbers["ANNUITY_TO_INCOME"] = num("AMT_ANNUITY") / num("AMT_INCOME_TOTAL")
        numbers["CREDIT_TO_INCOME"] = num("AMT_CREDIT") / num("AMT_INCOME_TOTAL")
    return {k: np.where(np.isfinite(v), v, np.nan) for k, v in numbers.items()}, categories


def application_logit_from(params: dict, numbers: dict[str, np.ndarray], categories: dict[str, np.ndarray]):
    """The additive logit: each column's shape read at its value (its missing term when empty), plus the
    categories' terms (a category too rare to have its own term reads as the rare ones)."""
    n = next(iter(numbers.values())).size
    logit = np.full(n, float(params["intercept"]))
    for name, shape in params["numbers"].items():
        x = numbers[name]
        logit += np.where(np.isnan(x), shape["missing"], np.interp(np.nan_to_num(x), shape["grid"], shape["effect"]))
    for name, table in params["categories"].items():
        values = categories[name] if name in categories else np.where(
            np.isnan(numbers[name]), "", numbers[name].astype(str)).astype(object)
        lookup = table["levels"]
        logit += np.array([lookup.get(v, table["other"]) for v in values])
    return logit


def application_risk_z(cols) -> np.ndarray:
    """The application part of the true PD, standardised on the real rows it was fitted on (higher = riskier)."""
    from creditrisk.data.synthetic.copula import fitted

    params = fitted()["application_pd"]
    return (application_logit_from(params, *pd_inputs(cols)) - params["logit_mean"]) / params["logit_sd"]


def _history_logit(sig: dict[str, np.ndarray], app: dict[str, np.ndarray]) -> np.ndarray:
    ext3 = np.nan_to_num(np.asarray(app["EXT_SOURCE_3"], dtype=float), nan=0.5)
    logit = 3.0 * np.sqrt(sig["late_share"]) + 1.6 * sig["short_share"]
    logit += 0.9 * (sig["late_share"] > 0.25) * (ext3 < 0.4)
    logit += 0.35 * sig["worst_dpd_24m"] + 0.7 * sig["bureau_overdue"]
    logit += 0.09 * np.minimum(sig["bureau_active"], 6)
    logit += 0.5 * np.log1p(sig["refused"])
    logit += 2.2 * np.clip(sig["cc_utilisation"] - 0.5, 0, None) + 0.55 * sig["pos_dpd_def"]
    logit += 0.2 * (~sig["has_bureau"] & ~sig["has_previous"])
    return logit


def true_pd(app: dict[str, np.ndarray], tables: dict[str, dict[str, np.ndarray]]) -> np.ndarray:
    """PD of each applicant of a chunk, from its application row and its history rows."""
    n = np.asarray(app["DAYS_BIRTH"]).size
    signals = history_signals(tables, n)
    return sigmoid(true_logit(app_logit_centred(app), _history_logit(signals, app)))


def app_logit_centred(app) -> np.ndarray:
    from creditrisk.data.synthetic.copula import fitted

    params = fitted()["application_pd"]
    return application_logit_from(params, *pd_inputs(app)) - params["logit_mean"]


def true_logit(application: np.ndarray, history: np.ndarray) -> np.ndarray:
    return INTERCEPT + APPLICATION_WEIGHT * application + HISTORY_WEIGHT * (history - HISTORY_MEAN)
