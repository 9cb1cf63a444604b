"""Family ``previous``: the applicant's previous applications at Home Credit."""

from __future__ import annotations

import polars as pl

from creditrisk.features.application import simple_rate
from creditrisk.features.family import NUM_AGGS, SENTINEL, family, levels, ratio
from creditrisk.features.planner import FeatureSet

_PREV_NUM = {"AMT_ANNUITY": NUM_AGGS, "AMT_APPLICATION": NUM_AGGS, "AMT_CREDIT": NUM_AGGS,
             "AMT_DOWN_PAYMENT": NUM_AGGS, "AMT_GOODS_PRICE": NUM_AGGS, "HOUR_APPR_PROCESS_START": NUM_AGGS,
             "RATE_DOWN_PAYMENT": NUM_AGGS, "DAYS_DECISION": NUM_AGGS, "CNT_PAYMENT": ("mean", "sum")}
_PREV_DATES = ("DAYS_FIRST_DRAWING", "DAYS_FIRST_DUE", "DAYS_LAST_DUE_1ST_VERSION", "DAYS_LAST_DUE",
               "DAYS_TERMINATION")
_PREV_CATEGORIES = ("NAME_CONTRACT_TYPE", "NAME_CONTRACT_STATUS", "CODE_REJECT_REASON", "NAME_CLIENT_TYPE",
                    "NAME_PORTFOLIO", "NAME_PRODUCT_TYPE", "CHANNEL_TYPE", "NAME_YIELD_GROUP", "PRODUCT_COMBINATION",
                    "NAME_PAYMENT_TYPE", "NAME_TYPE_SUITE", "NAME_GOODS_CATEGORY", "NAME_SELLER_INDUSTRY",
                    "NAME_CASH_LOAN_PURPOSE")


_PREVIOUS_SUBSETS = {
    "previous": ("the client's previous applications with us", "les demandes précédentes du client chez nous"),
    "previous_approved": ("the client's approved previous applications", "les demandes précédentes acceptées"),
    "previous_refused": ("the client's refused previous applications", "les demandes précédentes refusées"),
    "previous_12m": ("the client's applications of the last 12 months", "les demandes des 12 derniers mois"),
    "previous_24m": ("the client's applications of the last 24 months", "les demandes des 24 derniers mois"),
}


@family("previous")
def _previous_set() -> FeatureSet:
    fs = FeatureSet("previous_application", _PREVIOUS_SUBSETS)
    status = pl.col("NAME_CONTRACT_STATUS")
    approved, refused = status == "Approved", status == "Refused"
    fs.count("PREV_COUNT", "previous")
    fs.count("PREV_REFUSED_COUNT", "previous_refused", refused)
    fs.count("PREV_12M_COUNT", "previous_12m", pl.col("DAYS_DECISION") >= -365)
    fs.count("PREV_12M_REFUSED_COUNT", "previous_12m", refused & (pl.col("DAYS_DECISION") >= -365))
    fs.count("PREV_24M_REFUSED_COUNT", "previous_24m", refused & (pl.col("DAYS_DECISION") >= -730))
    app_credit = ratio("AMT_APPLICATION", "AMT_CREDIT")
    ratio_label = ("amount asked / amount granted", "montant demandé / montant accordé")
    for prefix, subset, where in (("PREV", "previous", None), ("APPROVED", "previous_approved", approved),
                                  ("REFUSED", "previous_refused", refused)):
        for column, aggs in _PREV_NUM.items():
            fs.numeric(prefix, column, aggs, subset, where=where)
        fs.numeric(prefix, "APP_CREDIT_RATIO", ("min", "max", "mean", "std"), subset, where=where,
                   source=app_credit, label=ratio_label)
    for column in _PREV_DATES:
        real_date = pl.when(pl.col(column) == SENTINEL).then(None).otherwise(pl.col(column))
        fs.numeric("APPROVED", column, ("max", "mean"), "previous_approved", where=approved, source=real_date)
    fs.numeric("APPROVED", "NFLAG_INSURED_ON_APPROVAL", ("mean",), "previous_approved", where=approved)
    remaining = pl.when(pl.col("DAYS_LAST_DUE_1ST_VERSION") == SENTINEL).then(None).otherwise(
        pl.col("DAYS_LAST_DUE_1ST_VERSION"))
    running = fs.prep_column("__running", (approved & (remaining > 0)).cast(pl.Float64))
    fs.add_agg("APPROVED_ACTIVE_COUNT", pl.col(running).sum(), "count",
           "previous_approved", "DAYS_LAST_DUE_1ST_VERSION", en="Number of approved previous loans still running",
           fr="Nombre de prêts précédents acceptés encore en cours", fill_zero=True)
    for column in _PREV_CATEGORIES:
        fs.shares("PREV", column, levels("previous_application", column), "previous")
    for column in ("NAME_CONTRACT_STATUS", "NAME_CONTRACT_TYPE", "CODE_REJECT_REASON", "PRODUCT_COMBINATION"):
        last = pl.col(column).sort_by(["DAYS_DECISION", "SK_ID_PREV"]).last()
        fs.add_agg(f"PREV_LAST_{column}", last, "last", "previous", column, categorical=True)
    with fs.group("interest_rate"):
        rate = simple_rate(pl.col("AMT_CREDIT"), pl.col("AMT_ANNUITY"), pl.col("CNT_PAYMENT").cast(pl.Float64))
        label = ("yearly interest rate (from amount, instalment and term)",
                 "taux d'intérêt annuel (d'après montant, mensualité et durée)")
        fs.numeric("APPROVED", "RATE", ("min", "max", "mean"), "previous_approved", where=approved, source=rate,
                   label=label)
        last_rate = pl.when(approved).then(rate).sort_by(["DAYS_DECISION", "SK_ID_PREV"]).drop_nulls().last()
        fs.add_agg("APPROVED_LAST_RATE", last_rate.cast(pl.Float64), "last", "previous_approved", "CNT_PAYMENT",
                   en="Yearly interest rate of the most recent approved previous loan",
                   fr="Taux d'intérêt annuel du prêt précédent accepté le plus récent")
    return fs
