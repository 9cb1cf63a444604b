"""Synthetic credit history: bureau, bureau_balance, previous_application, POS_CASH, installments, credit card.

Each applicant has a repayment-behaviour latent (correlated with the credit-quality latent that drives the
EXT_SOURCE scores). It sets how often instalments are paid late or short, bureau days past due, refusals of
previous applications and credit-card utilisation. The true PD (``risk.py``) then reads those behaviours back
from the generated rows, so the signal lives in the observable history, as in the real data.

Every table carries a private ``_app`` column (row index of the applicant in the chunk), dropped before writing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtri

from creditrisk.data import schema
from creditrisk.data.schema import KEY
from creditrisk.data.synthetic import marginals as mg

DAYS_PER_MONTH = 30.4375
SENTINEL = float(schema.SENTINEL_DAYS)
_DPD_LEVELS = np.array(["1", "2", "3", "4", "5"], dtype=object)
_DPD_LEVEL_P = np.array([0.66, 0.069, 0.046, 0.008, 0.217])


@dataclass
class IdCounters:
    """Running SK_ID_BUREAU / SK_ID_PREV so ids stay unique across chunks."""

    bureau: int = 5_000_000
    prev: int = 1_000_000


def expand(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Parent index and 0-based position within the parent for ``counts[i]`` child rows of each parent i."""
    counts = np.asarray(counts, dtype=np.int64)
    parent = np.repeat(np.arange(counts.size), counts)
    starts = np.cumsum(counts) - counts
    position = np.arange(parent.size) - np.repeat(starts, counts)
    return parent, position


def _ids(rng: np.random.Generator, start: int, n: int) -> np.ndarray:
    """Increasing ids with small gaps, shuffled across rows (the real files are not ordered by id)."""
    ids = start + np.cumsum(1 + (rng.random(n) < 0.07))
    return rng.permutation(ids)


def _stats(table: str) -> dict[str, dict]:
    return schema.reference_stats()[table]


def _num(rng, table: str, column: str, n: int, u: np.ndarray | None = None) -> np.ndarray:
    return mg.from_quantiles(rng.random(n) if u is None else u, _stats(table)[column])


def _cat(rng, table: str, column: str, n: int, drop: tuple[str, ...] = ()) -> np.ndarray:
    shares = {k: v for k, v in _stats(table)[column]["shares"].items() if k not in drop}
    return mg.sample_categories(rng, n, shares)


def _counts(rng, n: int, p_any: float, mean_if_any: float, dispersion: float = 1.3) -> np.ndarray:
    extra_mean = mean_if_any - 1.0
    p = dispersion / (dispersion + extra_mean)
    return np.where(rng.random(n) < p_any, 1 + rng.negative_binomial(dispersion, p, size=n), 0)


def generate_history(rng: np.random.Generator, app: dict[str, np.ndarray], ids: np.ndarray, quality: np.ndarray,
                     counters: IdCounters) -> dict[str, dict[str, np.ndarray]]:
    """All six child tables for the applicants of one chunk (column -> array, plus the private ``_app``)."""
    n = ids.size
    behaviour = mg.latent(rng, n, (0.45, quality))  # higher = better payer
    bad = -behaviour
    bureau = _bureau(rng, ids, bad, counters)
    tables = {"bureau": bureau, "bureau_balance": _bureau_balance(rng, bureau, bad)}
    prev = _previous(rng, ids, bad, app, counters)
    tables["previous_application"] = prev
    tables["POS_CASH_balance"] = _pos_cash(rng, prev, bad)
    tables["installments_payments"] = _installments(rng, prev, bad)
    tables["credit_card_balance"] = _credit_card(rng, prev, bad)
    return tables


# --------------------------------------------------------------------------------------------------- bureau
def _bureau(rng, ids, bad, counters: IdCounters) -> dict[str, np.ndarray]:
    t = "bureau"
    counts = _counts(rng, ids.size, 0.858, 5.6)
    app, _ = expand(counts)
    m = app.size
    sk_bureau = _ids(rng, counters.bureau, m)
    counters.bureau = int(sk_bureau.max(initial=counters.bureau))
    u = rng.random(m)
    days_credit = np.round(_num(rng, t, "DAYS_CREDIT", m, u))
    p_active = 0.367 * (0.4 + 1.2 * u)  # recent loans are more often still active
    draw = rng.random(m)
    status = np.where(draw < p_active, "Active", "Closed").astype(object)
    status[(draw >= p_active) & (draw < p_active + 0.0045)] = "Sold"
    status[rng.random(m) < 1.2e-5] = "Bad debt"
    active = status == "Active"
    credit_type = _cat(rng, t, "CREDIT_TYPE", m)
    card = credit_type == "Credit card"
    closed = ~active
    end_fact = np.minimum(np.round(days_credit * (1 - rng.beta(2.0, 5.0, size=m))), 0)
    planned = np.round(days_credit + rng.lognormal(np.log(900), 0.7, size=m))
    enddate = np.where(active, np.where(planned < 0, rng.integers(1, 1500, size=m), planned),
                       end_fact + np.round(rng.normal(0, 150, size=m)))
    enddate_missing = (card & (rng.random(m) < 0.2)) | (rng.random(m) < 0.015)
    bad_row = bad[app]
    p_over = mg.sigmoid(-6.3 + 1.2 * bad_row)
    overdue_now = active & (rng.random(m) < p_over * 3)
    day_overdue = np.where(overdue_now, np.round(rng.lognormal(np.log(40), 1.3, size=m)), 0).astype(np.int64)
    amount = np.round(_num(rng, t, "AMT_CREDIT_SUM", m), 1)
    amount = np.where(card & (rng.random(m) < 0.12), 0.0, amount)
    debt_share = np.clip(rng.beta(2, 2, size=m) + 0.1 * bad_row, 0, 1)
    debt = np.where(active, np.round(amount * debt_share, 1), 0.0)
    limit = np.where(card & active, np.round(amount - debt, 1), 0.0)
    had_overdue = rng.random(m) < mg.sigmoid(-2.0 + 0.9 * bad_row)
    max_overdue = np.where(had_overdue, np.round(rng.lognormal(np.log(8000), 1.5, size=m), 1), 0.0)
    max_overdue = np.where(overdue_now, np.maximum(max_overdue, 1000.0), max_overdue)
    overdue_amt = np.where(overdue_now, np.round(rng.lognormal(np.log(5000), 1.2, size=m), 1), 0.0)
    update = np.where(active, -rng.integers(0, 60, size=m),
                      np.minimum(end_fact + rng.integers(0, 40, size=m), 0)).astype(np.int64)
    annuity = np.where(rng.random(m) < 0.56, 0.0, np.round(_num(rng, t, "AMT_ANNUITY", m,
                                                               0.56 + 0.44 * rng.random(m)), 1))
    return {
        "_app": app, KEY: ids[app], "SK_ID_BUREAU": sk_bureau, "CREDIT_ACTIVE": status,
        "CREDIT_CURRENCY": _cat(rng, t, "CREDIT_CURRENCY", m),
        "DAYS_CREDIT": days_credit.astype(np.int64), "CREDIT_DAY_OVERDUE": day_overdue,
        "DAYS_CREDIT_ENDDATE": mg.blank(enddate, enddate_missing),
        "DAYS_ENDDATE_FACT": mg.blank(end_fact, ~closed),
        "AMT_CREDIT_MAX_OVERDUE": mg.blank(max_overdue, (rng.random(m) < 0.68) & ~overdue_now),
        "CNT_CREDIT_PROLONG": np.where(rng.random(m) < 0.0042, rng.integers(1, 3, size=m), 0).astype(np.int64),
        "AMT_CREDIT_SUM": amount, "AMT_CREDIT_SUM_DEBT": mg.blank(debt, rng.random(m) < 0.142),
        "AMT_CREDIT_SUM_LIMIT": mg.blank(limit, rng.random(m) < 0.374),
        "AMT_CREDIT_SUM_OVERDUE": overdue_amt, "CREDIT_TYPE": credit_type,
        "DAYS_CREDIT_UPDATE": update, "AMT_ANNUITY": mg.blank(annuity, rng.random(m) < 0.571),
    }


def _bureau_balance(rng, bureau: dict[str, np.ndarray], bad: np.ndarray) -> dict[str, np.ndarray]:
    m = bureau["SK_ID_BUREAU"].size
    reported = rng.random(m) < 0.41  # real: 817k of 1.72M loans have monthly rows; ours run longer
    loans = np.flatnonzero(reported)
    months_open = np.minimum(np.ceil(-bureau["DAYS_CREDIT"][loans] / DAYS_PER_MONTH), 96).astype(np.int64)
    loan_idx, pos = expand(months_open + 1)
    loan = loans[loan_idx]
    month = -months_open[loan_idx] + pos
    end_fact = bureau["DAYS_ENDDATE_FACT"][loan]
    closed_month = np.where(np.isnan(end_fact), 1, np.ceil(np.nan_to_num(end_fact) / DAYS_PER_MONTH))
    k = loan.size
    app = bureau["_app"][loan]
    unknown_heavy = rng.random(m) < 0.5
    x_rate = np.where(unknown_heavy, 0.8, 0.06)[loan]
    dpd_rate = mg.sigmoid(-5.0 + 1.5 * bad + 0.8 * rng.standard_normal(bad.size))[app]
    draw = rng.random(k)
    status = np.full(k, "0", dtype=object)
    status[draw < x_rate] = "X"
    late = (draw >= x_rate) & (rng.random(k) < dpd_rate)
    status[late] = _DPD_LEVELS[rng.choice(5, size=int(late.sum()), p=_DPD_LEVEL_P)]
    status[month > closed_month] = "C"
    return {"_app": app, "SK_ID_BUREAU": bureau["SK_ID_BUREAU"][loan], "MONTHS_BALANCE": month.astype(np.int64),
            "STATUS": status}


# ----------------------------------------------------------------------------------------- previous_application
_PRODUCTS = {
    "Cash loans": {"Cash": 0.31, "Cash X-Sell: middle": 0.19, "Cash X-Sell: low": 0.17, "Cash Street: high": 0.08,
                   "Cash X-Sell: high": 0.08, "Cash Street: middle": 0.05, "Cash Street: low": 0.045,
                   "POS household with interest": 0.075},
    "Consumer loans": {"POS household with interest": 0.37, "POS mobile with interest": 0.30,
                       "POS industry with interest": 0.135, "POS household without interest": 0.12,
                       "POS mobile without interest": 0.04, "POS other with interest": 0.032,
                       "POS industry without interest": 0.0175, "POS others without interest": 0.0015},
    "Revolving loans": {"Card Street": 0.58, "Card X-Sell": 0.42},
}
_REJECT = {"HC": 0.600, "LIMIT": 0.192, "SCO": 0.129, "SCOFR": 0.044, "XNA": 0.018, "VERIF": 0.012, "SYSTEM": 0.005}
_TERMS = np.array([0, 6, 10, 12, 18, 24, 30, 36, 48, 60], dtype=float)
_TERM_P = np.array([0.08, 0.20, 0.15, 0.27, 0.08, 0.12, 0.02, 0.05, 0.02, 0.01])


def _previous(rng, ids, bad, app_cols, counters: IdCounters) -> dict[str, np.ndarray]:
    """previous_application: the loans (amounts, terms, decisions), then their descriptive labels, then their
    dates; each part draws from ``rng`` in turn (the order is part of the random stream: keep it)."""
    cols, loans = _previous_loans(rng, ids, bad, counters)
    cols.update(_previous_labels(rng, loans))
    cols.update(_previous_dates(rng, loans["decision"], loans["term"], loans["revolving"], loans["realised"]))
    cols["NFLAG_INSURED_ON_APPROVAL"] = mg.blank((rng.random(loans["m"]) < 0.435).astype(float), ~loans["realised"])
    return cols


def _previous_loans(rng, ids, bad, counters: IdCounters) -> tuple[dict[str, np.ndarray], dict]:
    """The loans' columns (type, status, amounts, term, down payment, rates) and the masks the labels and dates
    depend on."""
    t = "previous_application"
    counts = _counts(rng, ids.size, 0.951, 4.9)
    app, _ = expand(counts)
    m = app.size
    sk_prev = _ids(rng, counters.prev, m)
    counters.prev = int(sk_prev.max(initial=counters.prev))
    ctype = mg.sample_categories(rng, m, {"Cash loans": 0.4476, "Consumer loans": 0.4366, "Revolving loans": 0.1156,
                                          "XNA": 0.0002})
    cash, consumer, revolving = ctype == "Cash loans", ctype == "Consumer loans", ctype == "Revolving loans"
    p_refused = mg.sigmoid(-1.75 + 0.9 * bad[app])
    draw = rng.random(m)
    status = mg.sample_categories(rng, m, {"Approved": 0.7524, "Canceled": 0.2296, "Unused offer": 0.0180})
    status[draw < p_refused] = "Refused"
    status[(status == "Unused offer") & ~consumer] = "Approved"
    approved, refused, canceled = status == "Approved", status == "Refused", status == "Canceled"
    realised = approved & (rng.random(m) < 0.96)
    u_decision = rng.random(m)  # loans that went ahead are older on average than refused/cancelled requests
    u_decision = np.where(realised, u_decision**1.6, u_decision**0.55)
    decision = np.round(_num(rng, t, "DAYS_DECISION", m, u_decision)).astype(np.int64)
    u_amount = rng.random(m)  # point-of-sale goods are cheaper than cash loans
    u_amount = np.where(consumer, u_amount**1.4, np.where(cash, u_amount**0.75, u_amount))
    application = np.round(_num(rng, t, "AMT_APPLICATION", m, 0.2 + 0.8 * u_amount) / 4.5) * 4.5
    zero_app = (canceled & (rng.random(m) < 0.85)) | (revolving & ~approved & (rng.random(m) < 0.3))
    application = np.where(zero_app, 0.0, application)
    credit = np.where(zero_app & (rng.random(m) < 0.9), 0.0,
                      np.round(application * np.where(cash, rng.uniform(1.0, 1.25, m), rng.uniform(0.9, 1.1, m)), 1))
    # Recent loans run longer (growing market): ties the row counts of POS/instalments to recency as in the real data.
    term_z = mg.latent(rng, m, (0.7, ndtri(np.clip(u_decision, 1e-9, 1 - 1e-9))))
    term = np.asarray(mg.categories_from_latent(term_z, dict(zip(_TERMS.tolist(), _TERM_P, strict=True))),
                      dtype=float)
    term = np.where(revolving, 0.0, np.where(term == 0, 12.0, term))
    term_missing = zero_app | (canceled & (rng.random(m) < 0.25)) | (refused & (rng.random(m) < 0.25))
    annuity_rate = rng.uniform(0.015, 0.04, size=m)
    annuity = np.where(revolving, credit * 0.05,
                       credit * annuity_rate / (1 - (1 + annuity_rate) ** -np.maximum(term, 1)))
    goods = np.where(zero_app, _num(rng, t, "AMT_GOODS_PRICE", m), application)
    goods = np.where(revolving | (zero_app & (rng.random(m) < 0.7)), np.nan, goods)
    has_down = consumer | (cash & (rng.random(m) < 0.05))
    rate_down = np.where(rng.random(m) < 0.47, 0.0, np.clip(rng.lognormal(np.log(0.1), 0.45, size=m), 0, 0.9))
    down = np.round(application * rate_down, 1)
    interest = rng.random(m) < 0.0036
    cols = {"_app": app, "SK_ID_PREV": sk_prev, KEY: ids[app], "NAME_CONTRACT_TYPE": ctype,
            "AMT_ANNUITY": mg.blank(np.round(annuity, 3), term_missing), "AMT_APPLICATION": application,
            "AMT_CREDIT": mg.blank(credit, rng.random(m) < 1 / 1_670_214),
            "AMT_DOWN_PAYMENT": mg.blank(down, ~has_down), "AMT_GOODS_PRICE": goods,
            "WEEKDAY_APPR_PROCESS_START": _cat(rng, t, "WEEKDAY_APPR_PROCESS_START", m),
            "HOUR_APPR_PROCESS_START": np.clip(np.round(rng.normal(12.6, 3.3, size=m)), 0, 23).astype(np.int64),
            "FLAG_LAST_APPL_PER_CONTRACT": np.where(rng.random(m) < 0.9963, "Y", "N").astype(object),
            "NFLAG_LAST_APPL_IN_DAY": (rng.random(m) < 0.9973).astype(np.int64),
            "RATE_DOWN_PAYMENT": mg.blank(rate_down, ~has_down),
            "RATE_INTEREST_PRIMARY": mg.blank(_num(rng, t, "RATE_INTEREST_PRIMARY", m), ~interest),
            "RATE_INTEREST_PRIVILEGED": mg.blank(_num(rng, t, "RATE_INTEREST_PRIVILEGED", m), ~interest)}
    loans = {"m": m, "ctype": ctype, "cash": cash, "consumer": consumer, "revolving": revolving, "status": status,
             "refused": refused, "canceled": canceled, "realised": realised, "decision": decision, "term": term,
             "term_missing": term_missing, "zero_app": zero_app}
    return cols, loans


def _previous_labels(rng, loans: dict) -> dict[str, np.ndarray]:
    """The loans' descriptive columns (purpose, status, payment, reject reason, goods, channel, seller, yield,
    product), drawn in the columns' order."""
    t = "previous_application"
    m, ctype, cash, consumer, revolving = (loans[k] for k in ("m", "ctype", "cash", "consumer", "revolving"))
    status, refused, canceled, zero_app = (loans[k] for k in ("status", "refused", "canceled", "zero_app"))
    cols: dict[str, np.ndarray] = {}
    purpose = np.where(cash, mg.sample_categories(rng, m, {"XNA": 0.72, "XAP": 0.2, **_other_purposes()}), "XAP")
    cols["NAME_CASH_LOAN_PURPOSE"] = purpose.astype(object)
    cols["NAME_CONTRACT_STATUS"] = status
    cols["DAYS_DECISION"] = loans["decision"]
    payment = mg.sample_categories(rng, m, {"Cash through the bank": 0.895, "XNA": 0.09,
                                            "Non-cash from your account": 0.0135,
                                            "Cashless from the account of the employer": 0.0015})
    cols["NAME_PAYMENT_TYPE"] = np.where(revolving | canceled, "XNA", payment).astype(object)
    reject = np.full(m, "XAP", dtype=object)
    reject[refused] = mg.sample_categories(rng, int(refused.sum()), _REJECT)
    reject[status == "Unused offer"] = "CLIENT"
    cols["CODE_REJECT_REASON"] = reject
    cols["NAME_TYPE_SUITE"] = mg.with_missing(rng, _cat(rng, t, "NAME_TYPE_SUITE", m), 0.482)
    cols["NAME_CLIENT_TYPE"] = _cat(rng, t, "NAME_CLIENT_TYPE", m)
    goods_cat = _cat(rng, t, "NAME_GOODS_CATEGORY", m, drop=("XNA",))
    with_goods = consumer | (cash & (rng.random(m) < 0.2))
    cols["NAME_GOODS_CATEGORY"] = np.where(with_goods, goods_cat, "XNA").astype(object)
    portfolio = np.full(m, "XNA", dtype=object)
    portfolio[consumer] = mg.sample_categories(rng, int(consumer.sum()), {"POS": 0.95, "XNA": 0.05})
    portfolio[cash] = mg.sample_categories(rng, int(cash.sum()), {"Cash": 0.617, "XNA": 0.383})
    portfolio[revolving] = mg.sample_categories(rng, int(revolving.sum()), {"Cards": 0.75, "XNA": 0.25})
    cols["NAME_PORTFOLIO"] = portfolio
    cols["NAME_PRODUCT_TYPE"] = np.where(
        cash, mg.sample_categories(rng, m, {"x-sell": 0.61, "walk-in": 0.2, "XNA": 0.19}), "XNA").astype(object)
    cols["CHANNEL_TYPE"] = _cat(rng, t, "CHANNEL_TYPE", m)
    seller = np.round(_num(rng, t, "SELLERPLACE_AREA", m)).astype(np.int64)
    cols["SELLERPLACE_AREA"] = np.where(cash & (rng.random(m) < 0.02), -1, seller).astype(np.int64)
    industry = _cat(rng, t, "NAME_SELLER_INDUSTRY", m, drop=("XNA",))
    cols["NAME_SELLER_INDUSTRY"] = np.where(consumer | (cash & (rng.random(m) < 0.36)), industry, "XNA").astype(object)
    cols["CNT_PAYMENT"] = mg.blank(loans["term"], loans["term_missing"])
    yield_group = mg.sample_categories(rng, m, {"middle": 0.334, "high": 0.313, "low_normal": 0.269,
                                                "low_action": 0.084})
    yield_unknown = revolving | zero_app | (canceled & (rng.random(m) < 0.15))
    cols["NAME_YIELD_GROUP"] = np.where(yield_unknown, "XNA", yield_group).astype(object)
    product = np.full(m, None, dtype=object)
    for kind, shares in _PRODUCTS.items():
        mask = ctype == kind
        product[mask] = mg.sample_categories(rng, int(mask.sum()), shares)
    cols["PRODUCT_COMBINATION"] = product
    return cols


def _other_purposes() -> dict[str, float]:
    shares = _stats("previous_application")["NAME_CASH_LOAN_PURPOSE"]["shares"]
    others = {k: v for k, v in shares.items() if k not in ("XNA", "XAP")}
    total = sum(others.values())
    return {k: 0.08 * v / total for k, v in others.items()}


def _previous_dates(rng, decision, term, revolving, realised) -> dict[str, np.ndarray]:
    m = decision.size
    first_due = decision + rng.integers(20, 45, size=m)
    # Past events are negative day offsets; what has not happened yet (no due date so far) is the sentinel.
    never_drawn = revolving | (rng.random(m) < 0.02) | (first_due > -1)
    first_due_col = np.where(never_drawn, SENTINEL, first_due).astype(float)
    drawn_at = decision + rng.integers(1, 20, size=m)
    drawing = np.where((rng.random(m) < 0.945) | (drawn_at > -1), SENTINEL, drawn_at).astype(float)
    last_due_1st = np.where(never_drawn & (rng.random(m) < 0.6), SENTINEL,
                            first_due + DAYS_PER_MONTH * np.maximum(term - 1, 0)).round()
    running = (last_due_1st > -1) | (rng.random(m) < 0.04)
    repaid = np.round(first_due + (last_due_1st - first_due) * rng.uniform(0.3, 1.0, size=m))  # early repayments
    last_due = np.where(running | never_drawn, SENTINEL, repaid)
    termination = np.where(last_due == SENTINEL, SENTINEL, last_due + rng.integers(0, 15, size=m))
    termination = np.where(termination > 0, SENTINEL, termination)
    out = {"DAYS_FIRST_DRAWING": drawing, "DAYS_FIRST_DUE": first_due_col, "DAYS_LAST_DUE_1ST_VERSION": last_due_1st,
           "DAYS_LAST_DUE": last_due, "DAYS_TERMINATION": termination}
    return {k: mg.blank(np.asarray(v, dtype=float), ~realised) for k, v in out.items()}


# --------------------------------------------------------------------------------------- POS / installments / CC
def _instalment_loans(prev: dict[str, np.ndarray]) -> np.ndarray:
    first_due = prev["DAYS_FIRST_DUE"]
    return np.flatnonzero((prev["NAME_CONTRACT_STATUS"] == "Approved") & np.isfinite(first_due)
                          & (first_due < 0) & (prev["NAME_CONTRACT_TYPE"] != "Revolving loans")
                          & np.isfinite(prev["CNT_PAYMENT"]) & (np.nan_to_num(prev["CNT_PAYMENT"]) > 0))


def _pos_cash(rng, prev, bad) -> dict[str, np.ndarray]:
    loans = _instalment_loans(prev)
    start = np.floor(prev["DAYS_FIRST_DUE"][loans] / DAYS_PER_MONTH).astype(np.int64)
    start = np.maximum(start, -96)
    term = prev["CNT_PAYMENT"][loans].astype(np.int64)
    n_rows = np.minimum(term + 1, -start)  # months from the first due date up to last month (-1)
    idx, pos = expand(n_rows)
    loan = loans[idx]
    k = loan.size
    month = start[idx] + pos
    future = np.maximum(term[idx] - pos, 0).astype(float)
    app = prev["_app"][loan]
    status = np.full(k, "Active", dtype=object)
    status[future == 0] = "Completed"
    status[(pos == 0) & (rng.random(k) < 0.08)] = "Signed"
    rare = rng.random(k)
    status[rare < 0.0008] = "Demand"
    status[(rare >= 0.0008) & (rare < 0.0014)] = "Returned to the store"
    status[(rare >= 0.0014) & (rare < 0.0020)] = "Approved"
    late_loan = rng.random(loans.size) < mg.sigmoid(-3.6 + 1.2 * bad[prev["_app"][loans]])
    late = late_loan[idx] & (rng.random(k) < 0.35)
    dpd = np.where(late, np.round(rng.lognormal(np.log(12), 1.4, size=k)), 0).astype(np.int64)
    dpd_def = np.where(late & (rng.random(k) < 0.4), np.minimum(dpd, rng.integers(1, 30, size=k)), 0)
    instalment = mg.blank(term[idx].astype(float), rng.random(k) < 0.003)
    return {"_app": app, "SK_ID_PREV": prev["SK_ID_PREV"][loan], KEY: prev[KEY][loan],
            "MONTHS_BALANCE": month.astype(np.int64), "CNT_INSTALMENT": instalment,
            "CNT_INSTALMENT_FUTURE": mg.blank(future, np.isnan(instalment)), "NAME_CONTRACT_STATUS": status,
            "SK_DPD": dpd, "SK_DPD_DEF": dpd_def.astype(np.int64)}


def _installments(rng, prev, bad) -> dict[str, np.ndarray]:
    loans = _instalment_loans(prev)
    first_due = prev["DAYS_FIRST_DUE"][loans]
    term = prev["CNT_PAYMENT"][loans].astype(np.int64)
    due_so_far = np.floor((-1 - first_due) / DAYS_PER_MONTH).astype(np.int64) + 1
    n_rows = np.clip(np.minimum(term, due_so_far), 0, None)
    idx, pos = expand(n_rows)
    loan = loans[idx]
    k = loan.size
    app = prev["_app"][loan]
    days_inst = np.round(first_due[idx] + DAYS_PER_MONTH * pos)
    loan_bad = bad[prev["_app"][loans]] + 0.6 * rng.standard_normal(loans.size)
    p_late = mg.sigmoid(-2.9 + 1.1 * loan_bad)[idx]
    late = rng.random(k) < p_late
    delay = np.where(late, rng.geometric(1 / 9.0, size=k), -rng.geometric(1 / 8.0, size=k) + 1)
    entry = np.minimum(days_inst + delay, -1.0)
    amount = np.round(np.nan_to_num(prev["AMT_ANNUITY"][loan], nan=5000.0), 3)
    under = rng.random(k) < mg.sigmoid(-3.6 + 1.0 * loan_bad)[idx]
    paid = np.where(under, np.round(amount * rng.uniform(0.05, 0.95, size=k), 3), amount)
    version = np.array([0.0, 1.0, 2.0, 3.0])[rng.choice(4, size=loans.size, p=[0.31, 0.56, 0.09, 0.04])][idx]
    # As in the real file, many instalments are paid in several parts (one row each, same instalment number);
    # the last part is paid on the entry date drawn above and the parts add up to the amount paid.
    parts = 1 + (rng.random(k) < 0.35)
    inst, part = expand(parts)
    first_share = rng.uniform(0.05, 0.35, size=k)[inst]  # a small advance, then the balance
    share = np.where(parts[inst] == 1, 1.0, np.where(part == 0, first_share, 1.0 - first_share))
    earlier = (parts[inst] - 1 - part) * rng.geometric(1 / 6.0, size=inst.size)
    return {"_app": app[inst], "_inst": inst, "SK_ID_PREV": prev["SK_ID_PREV"][loan][inst],
            KEY: prev[KEY][loan][inst], "NUM_INSTALMENT_VERSION": version[inst],
            "NUM_INSTALMENT_NUMBER": (pos + 1).astype(np.int64)[inst], "DAYS_INSTALMENT": days_inst[inst],
            "DAYS_ENTRY_PAYMENT": np.maximum(entry[inst] - earlier, days_inst[inst] - 400),
            "AMT_INSTALMENT": amount[inst], "AMT_PAYMENT": np.round(paid[inst] * share, 3)}


def _credit_card(rng, prev, bad) -> dict[str, np.ndarray]:
    t = "credit_card_balance"
    cards = np.flatnonzero((prev["NAME_CONTRACT_TYPE"] == "Revolving loans")
                           & (prev["NAME_CONTRACT_STATUS"] == "Approved") & (rng.random(prev["_app"].size) < 0.75))
    start = np.maximum(np.floor(prev["DAYS_DECISION"][cards] / DAYS_PER_MONTH).astype(np.int64), -96)
    n_rows = np.maximum(-start, 1)
    idx, pos = expand(n_rows)
    card = cards[idx]
    k = card.size
    app = prev["_app"][card]
    month = np.minimum(start[idx] + pos, -1)
    limit = np.round(_num(rng, t, "AMT_CREDIT_LIMIT_ACTUAL", cards.size, 0.197 + 0.803 * rng.random(cards.size))
                     / 22500)
    limit = np.maximum(limit, 1) * 22500
    card_bad = bad[prev["_app"][cards]] + 0.5 * rng.standard_normal(cards.size)
    utilisation = mg.sigmoid(-0.6 + 1.3 * card_bad)
    dormant = rng.random(cards.size) < 0.45
    limit_row = np.where(rng.random(k) < 0.197, 0.0, limit[idx])
    used = ~dormant[idx] & (rng.random(k) < 0.85)
    balance = np.where(used, np.round(limit_row * np.clip(utilisation[idx] + 0.15 * rng.standard_normal(k), 0, 1.1),
                                      3), 0.0)
    drawing = used & (rng.random(k) < 0.35)
    draw_amount = np.where(drawing, np.round(rng.lognormal(np.log(20000), 1.0, size=k), 2), 0.0)
    atm_share = rng.random(k) < 0.55
    detail_missing = rng.random(k) < 0.214
    payment = np.where(used, np.round(balance * rng.uniform(0.01, 0.15, size=k), 2), 0.0)
    small_payment = np.round(rng.lognormal(np.log(1500), 1.2, size=k), 2)
    payment_current = np.where(used | (rng.random(k) < 0.8), payment + small_payment, 0.0)
    min_regular = np.round(balance * 0.05, 3)
    mature = np.minimum(np.floor(pos * 0.5), 115).astype(float)
    regularity_missing = rng.random(k) < 0.075
    late_card = rng.random(cards.size) < mg.sigmoid(-3.8 + 1.3 * card_bad)
    dpd = np.where(late_card[idx] & used & (rng.random(k) < 0.3), np.round(rng.lognormal(np.log(20), 1.2, size=k)),
                   0).astype(np.int64)
    status = np.where(pos == n_rows[idx] - 1, np.where(rng.random(k) < 0.6, "Completed", "Active"),
                      "Active").astype(object)
    status[(pos == 0) & (rng.random(k) < 0.06)] = "Signed"
    cnt_draw = np.where(drawing, rng.integers(1, 6, size=k), 0).astype(float)
    return {
        "_app": app, "SK_ID_PREV": prev["SK_ID_PREV"][card], KEY: prev[KEY][card],
        "MONTHS_BALANCE": month.astype(np.int64), "AMT_BALANCE": balance,
        "AMT_CREDIT_LIMIT_ACTUAL": limit_row.astype(np.int64),
        "AMT_DRAWINGS_ATM_CURRENT": mg.blank(np.where(atm_share, draw_amount, 0.0), detail_missing),
        "AMT_DRAWINGS_CURRENT": draw_amount,
        "AMT_DRAWINGS_OTHER_CURRENT": mg.blank(np.zeros(k), detail_missing),
        "AMT_DRAWINGS_POS_CURRENT": mg.blank(np.where(atm_share, 0.0, draw_amount), detail_missing),
        "AMT_INST_MIN_REGULARITY": mg.blank(min_regular, regularity_missing),
        "AMT_PAYMENT_CURRENT": mg.blank(payment_current, detail_missing | (rng.random(k) < 0.007)),
        "AMT_PAYMENT_TOTAL_CURRENT": payment,
        "AMT_RECEIVABLE_PRINCIPAL": np.round(balance * 0.96, 3), "AMT_RECIVABLE": balance,
        "AMT_TOTAL_RECEIVABLE": balance,
        "CNT_DRAWINGS_ATM_CURRENT": mg.blank(np.where(atm_share, cnt_draw, 0.0), detail_missing),
        "CNT_DRAWINGS_CURRENT": cnt_draw.astype(np.int64),
        "CNT_DRAWINGS_OTHER_CURRENT": mg.blank(np.zeros(k), detail_missing),
        "CNT_DRAWINGS_POS_CURRENT": mg.blank(np.where(atm_share, 0.0, cnt_draw), detail_missing),
        "CNT_INSTALMENT_MATURE_CUM": mg.blank(mature, regularity_missing), "NAME_CONTRACT_STATUS": status,
        "SK_DPD": dpd, "SK_DPD_DEF": np.where(dpd > 0, np.minimum(dpd, rng.integers(0, 3, size=k)), 0).astype(
            np.int64),
    }
