"""The true probability of default of a synthetic applicant: a fixed function of observable raw data only.

It reads application fields and behaviour that is visible only in the history tables (late and short instalment
payments, bureau days past due and current overdue, refused previous applications, credit-card utilisation, POS
days past due), with non-linear terms and interactions. TARGET ~ Bernoulli(PD). Because the PD depends only on
what is in the eight files, a perfect model of those files reaches the Bayes-optimal AUC, which the evaluation
stage reports as the oracle. The intercept was calibrated once so that the default rate is ~8.07 %.
"""

from __future__ import annotations

import numpy as np

from creditrisk.synthetic.marginals import sigmoid

INTERCEPT = -4.646
SCALE = 0.85
EXT_WEIGHT = 0.6


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


def _application_logit(app: dict[str, np.ndarray]) -> np.ndarray:
    ext1, ext2, ext3 = (np.asarray(app[f"EXT_SOURCE_{k}"], dtype=float) for k in (1, 2, 3))
    logit = (-EXT_WEIGHT * 2.4 * np.nan_to_num(ext3 - 0.51) + 0.2 * np.isnan(ext3)
             - EXT_WEIGHT * 2.2 * np.nan_to_num(ext2 - 0.51) + 0.3 * np.isnan(ext2)
             - EXT_WEIGHT * 1.7 * np.nan_to_num(ext1 - 0.50) + 0.05 * np.isnan(ext1))
    logit += 0.6 * (np.nan_to_num(ext2, nan=0.5) < 0.25) * (np.nan_to_num(ext3, nan=0.5) < 0.35)
    age = -np.asarray(app["DAYS_BIRTH"], dtype=float) / 365.25
    logit += 0.45 * np.clip((42 - age) / 17, 0, 1)
    employed = np.asarray(app["DAYS_EMPLOYED"], dtype=float)
    years_employed = np.where(employed > 0, np.nan, -employed / 365.25)
    logit += 0.7 * np.clip((6 - np.nan_to_num(years_employed, nan=10)) / 6, 0, 1) - 0.2 * (employed > 0)
    logit += 0.3 * (app["CODE_GENDER"] == "M")
    education = app["NAME_EDUCATION_TYPE"]
    logit += 0.3 * (education == "Lower secondary") - 0.3 * np.isin(education, ["Higher education", "Academic degree"])
    logit += -0.15 * (app["FLAG_OWN_CAR"] == "Y") - 0.35 * (app["NAME_CONTRACT_TYPE"] == "Revolving loans")
    rating = np.asarray(app["REGION_RATING_CLIENT_W_CITY"])
    logit += 0.3 * (rating == 3) - 0.2 * (rating == 1)
    logit += 0.3 * np.log1p(np.nan_to_num(np.asarray(app["DEF_30_CNT_SOCIAL_CIRCLE"], dtype=float)))
    credit = np.asarray(app["AMT_CREDIT"], dtype=float)
    goods = np.asarray(app["AMT_GOODS_PRICE"], dtype=float)
    logit += 0.35 * (np.nan_to_num(credit / goods, nan=1.0) > 1.15)
    payment_rate = np.asarray(app["AMT_ANNUITY"], dtype=float) / credit
    logit += 0.45 * np.exp(-(((np.nan_to_num(payment_rate, nan=0.05)) - 0.036) / 0.008) ** 2)
    logit += 0.25 * (np.nan_to_num(np.asarray(app["AMT_ANNUITY"], dtype=float) / app["AMT_INCOME_TOTAL"]) > 0.3)
    logit += 0.2 * (np.nan_to_num(np.asarray(app["DAYS_LAST_PHONE_CHANGE"], dtype=float), nan=-1000) > -300)
    logit += 0.15 * (np.asarray(app["DAYS_ID_PUBLISH"]) > -1500)
    occupation = app["OCCUPATION_TYPE"]
    logit += 0.25 * np.isin(occupation, ["Laborers", "Drivers", "Low-skill Laborers", "Security staff"])
    logit -= 0.2 * np.isin(occupation, ["Accountants", "Managers", "High skill tech staff", "Core staff"])
    return logit


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
    logit = INTERCEPT + SCALE * (_application_logit(app) + _history_logit(signals, app))
    return sigmoid(logit)
