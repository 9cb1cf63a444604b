"""Family ``bureau``: credits at other lenders (bureau) with their monthly statuses (bureau_balance)."""

from __future__ import annotations

from functools import cache

import polars as pl

from creditrisk.features.family import NUM_AGGS, Tables, family, levels, ratio, table_or_empty
from creditrisk.features.planner import FeatureSet

_BUREAU_NUM = {"DAYS_CREDIT": ("min", "max", "mean", "std"), "CREDIT_DAY_OVERDUE": ("max", "mean"),
               "DAYS_CREDIT_ENDDATE": NUM_AGGS, "DAYS_ENDDATE_FACT": NUM_AGGS,
               "AMT_CREDIT_MAX_OVERDUE": ("max", "mean"), "CNT_CREDIT_PROLONG": ("sum",),
               "AMT_CREDIT_SUM": ("max", "mean", "sum"), "AMT_CREDIT_SUM_DEBT": ("max", "mean", "sum"),
               "AMT_CREDIT_SUM_LIMIT": ("mean", "sum"), "AMT_CREDIT_SUM_OVERDUE": ("max", "mean", "sum"),
               "DAYS_CREDIT_UPDATE": ("mean",), "AMT_ANNUITY": ("max", "mean")}


def _bureau_rows(tables: Tables, split: bool) -> pl.LazyFrame:
    """Bureau credits, each with its monthly history summarised (bureau_balance, per credit)."""
    per_loan = _bureau_balance_per_loan(table_or_empty(tables, "bureau_balance"))
    return table_or_empty(tables, "bureau").join(per_loan, on="SK_ID_BUREAU", how="left")


_BUREAU_SUBSETS = {
    "bureau": ("the client's credits reported by other lenders", "les crédits du client déclarés par d'autres "
               "prêteurs"),
    "bureau_active": ("the client's active credits at other lenders", "les crédits en cours du client chez "
                      "d'autres prêteurs"),
    "bureau_closed": ("the client's closed credits at other lenders", "les crédits clos du client chez d'autres "
                      "prêteurs"),
    "bureau_12m": ("credits at other lenders opened in the last 12 months", "les crédits chez d'autres prêteurs "
                   "ouverts depuis 12 mois"),
    "bureau_balance": ("the monthly history of the client's credits at other lenders", "l'historique mensuel des "
                       "crédits du client chez d'autres prêteurs"),
    "bureau_balance_12m": ("the last 12 months of the client's credits at other lenders", "les 12 derniers mois "
                           "des crédits du client chez d'autres prêteurs"),
}


@family("bureau", rows=_bureau_rows)
def _bureau_set() -> FeatureSet:
    fs = FeatureSet("bureau", _BUREAU_SUBSETS)
    active, closed = pl.col("CREDIT_ACTIVE") == "Active", pl.col("CREDIT_ACTIVE") == "Closed"
    fs.count("BURO_COUNT", "bureau")
    fs.count("BURO_ACTIVE_COUNT", "bureau_active", active)
    fs.count("BURO_OPENED_12M_COUNT", "bureau_12m", pl.col("DAYS_CREDIT") >= -365)
    for column, aggs in _BUREAU_NUM.items():
        fs.numeric("BURO", column, aggs, "bureau")
        if column != "DAYS_ENDDATE_FACT":  # only closed credits have an actual end date
            fs.numeric("ACTIVE", column, aggs, "bureau_active", where=active)
        fs.numeric("CLOSED", column, aggs, "bureau_closed", where=closed)
    debt_ratio = ratio("AMT_CREDIT_SUM_DEBT", "AMT_CREDIT_SUM")
    debt, _ = fs.sum_of("ACTIVE_DEBT_TOTAL", pl.when(active).then(pl.col("AMT_CREDIT_SUM_DEBT")), exact=True)
    amount, _ = fs.sum_of("ACTIVE_AMOUNT_TOTAL", pl.when(active).then(pl.col("AMT_CREDIT_SUM")), exact=True)
    fs.numeric("ACTIVE", "DEBT_CREDIT_RATIO", ("mean", "max"), "bureau_active", where=active, source=debt_ratio,
               label=("remaining debt / credit amount", "dette restante / montant du crédit"))
    fs.add("ACTIVE_DEBT_TOTAL_RATIO", ratio(debt, amount), "sum", "bureau_active", "AMT_CREDIT_SUM_DEBT",
           en="Total remaining debt / total amount of the active credits at other lenders",
           fr="Dette restante totale / montant total des crédits en cours chez d'autres prêteurs")
    overdue = fs.prep_column("__overdue", ((pl.col("AMT_CREDIT_SUM_OVERDUE") > 0) | (pl.col("CREDIT_DAY_OVERDUE") > 0))
                             .cast(pl.Float64))
    fs.add_agg("BURO_OVERDUE_ANY", pl.col(overdue).max(), "max", "bureau", "AMT_CREDIT_SUM_OVERDUE",
           en="1 if a credit at another lender is currently overdue", fr="1 si un crédit chez un autre prêteur est "
           "actuellement en retard", fill_zero=True)
    fs.shares("BURO", "CREDIT_ACTIVE", levels("bureau", "CREDIT_ACTIVE"), "bureau")
    fs.shares("BURO", "CREDIT_TYPE", levels("bureau", "CREDIT_TYPE"), "bureau")
    status_labels = {"MAX": ("worst monthly delinquency level (0-5)", "pire niveau de retard mensuel (0-5)"),
                     "LATE_SHARE": ("share of months with a payment delay", "part des mois avec un retard"),
                     "X_SHARE": ("share of months with unknown status", "part des mois au statut inconnu"),
                     "C_SHARE": ("share of months closed", "part des mois clos"),
                     "MONTHS": ("number of months of history", "nombre de mois d'historique")}
    for stat, aggs in (("MAX", ("max", "mean")), ("LATE_SHARE", ("max", "mean")), ("X_SHARE", ("mean",)),
                       ("C_SHARE", ("mean",)), ("MONTHS", ("mean", "sum"))):
        for window, subset in (("", "bureau_balance"), ("12M_", "bureau_balance_12m")):
            if window and stat in ("X_SHARE", "C_SHARE"):
                continue
            fs.numeric("BB", f"{window}STATUS_{stat}", aggs, subset, label=status_labels[stat])
    return fs


def _bureau_balance_per_loan(bb: pl.LazyFrame) -> pl.LazyFrame:
    """Monthly statuses of one bureau credit -> worst delay level, share of late months, months of history."""
    steps, aggs, finish = _bureau_balance_expressions()
    for step in steps:
        bb = bb.with_columns(step)
    return bb.group_by("SK_ID_BUREAU").agg(aggs).select(finish)


@cache
def _bureau_balance_expressions() -> tuple[list[list[pl.Expr]], list[pl.Expr], list[pl.Expr]]:
    """(row-wise steps, per-loan aggregations, final columns), built once: the service builds per request."""
    # "1".."5" -> delay level 1-5, anything else ("0", "C", "X", unknown) -> 0 (parsed, not replaced by a
    # dictionary: docs/benchmarks.md)
    digit = pl.when(pl.col("STATUS").str.len_bytes() == 1).then(pl.col("STATUS").str.to_integer(strict=False))
    level = pl.when(digit.is_between(1, 5)).then(digit).otherwise(0).cast(pl.Int8)
    recent = pl.col("MONTHS_BALANCE") >= -12
    # integer flags and counts, divided once per loan: exact on every path
    steps = [[level.alias("__level"), (pl.col("STATUS") == "X").cast(pl.UInt32).alias("__x"),
              (pl.col("STATUS") == "C").cast(pl.UInt32).alias("__c")],
             [(pl.col("__level") > 0).cast(pl.UInt32).alias("__late")],
             [pl.when(recent).then(pl.col("__level")).alias("__level12"),
              pl.when(recent).then(pl.col("__late")).alias("__late12")]]
    aggs = [pl.col("__level").max().alias("__max"), pl.col("__late").sum(), pl.len().alias("__months"),
            pl.col("__level12").max().alias("__max12"), pl.col("__late12").sum(),
            pl.col("__level12").count().alias("__months12"), pl.col("__x").sum(), pl.col("__c").sum()]
    months, months12 = pl.col("__months"), pl.col("__months12")
    finish = [pl.col("SK_ID_BUREAU"), pl.col("__max").cast(pl.Float64).alias("STATUS_MAX"),
              (pl.col("__late") / months).alias("STATUS_LATE_SHARE"), months.cast(pl.Float64).alias("STATUS_MONTHS"),
              pl.col("__max12").cast(pl.Float64).alias("12M_STATUS_MAX"),
              pl.when(months12 > 0).then(pl.col("__late12") / months12).alias("12M_STATUS_LATE_SHARE"),
              months12.cast(pl.Float64).alias("12M_STATUS_MONTHS"), (pl.col("__x") / months).alias("STATUS_X_SHARE"),
              (pl.col("__c") / months).alias("STATUS_C_SHARE")]
    return steps, aggs, finish
