"""Family ``installments``: the instalments of previous credits, paid or late."""

from __future__ import annotations

import math
from functools import cache

import polars as pl

from creditrisk.data.schema import KEY
from creditrisk.features.family import Tables, family, ratio, table_or_empty
from creditrisk.features.planner import FeatureSet, to_exact

_INSTALMENT_LABELS = {
    "DPD": ("days paid after the due date", "jours de paiement après l'échéance"),
    "DBD": ("days paid before the due date", "jours de paiement avant l'échéance"),
    "PAYMENT_RATIO": ("amount paid / amount due", "montant payé / montant dû"),
    "PAYMENT_DIFF": ("amount due minus amount paid", "montant dû moins montant payé"),
    "LATE": ("instalment paid late", "échéance payée en retard"),
    "SHORT": ("instalment paid short", "échéance payée partiellement"),
    "PAYMENT_ROWS": ("payments made for one instalment", "paiements pour une échéance"),
}


def _installment_rows(tables: Tables, split: bool) -> pl.LazyFrame:
    """One row per instalment (payment rows of one instalment summed); whole tables group on the packed key."""
    inst = table_or_empty(tables, "installments_payments")
    return _instalments_paid(inst, _packed_instalment_key(inst) if split else None)


_INSTALLMENTS_SUBSETS = {
    "installments": ("the client's past instalments", "les échéances passées du client"),
    "installments_12m": ("the client's instalments of the last 12 months", "les échéances des 12 derniers mois"),
    "installments_24m": ("the client's instalments of the last 24 months", "les échéances des 24 derniers mois"),
    "installments_60d": ("the client's instalments of the last 60 days", "les échéances des 60 derniers jours"),
    "installments_90d": ("the client's instalments of the last 90 days", "les échéances des 90 derniers jours"),
    "installments_180d": ("the client's instalments of the last 180 days", "les échéances des 180 derniers jours"),
}


@family("installments", rows=_installment_rows)
def _installments_set() -> FeatureSet:
    fs = FeatureSet("installments_payments", _INSTALLMENTS_SUBSETS)
    fs.count("INSTAL_COUNT", "installments")
    windows = (("INSTAL", "installments", None), ("INSTAL_12M", "installments_12m", pl.col("DAYS_INSTALMENT") >= -365),
               ("INSTAL_24M", "installments_24m", pl.col("DAYS_INSTALMENT") >= -730))
    for prefix, subset, where in windows:
        aggs = ("max", "mean", "sum", "std") if where is None else ("max", "mean")
        for column in ("DPD", "DBD", "PAYMENT_RATIO", "PAYMENT_DIFF"):
            fs.numeric(prefix, column, aggs, subset, where=where, label=_INSTALMENT_LABELS[column])
        for column in ("LATE", "SHORT"):
            fs.numeric(prefix, column, ("mean", "sum"), subset, where=where, label=_INSTALMENT_LABELS[column])
    fs.numeric("INSTAL", "PAYMENT_ROWS", ("mean", "max"), "installments", label=_INSTALMENT_LABELS["PAYMENT_ROWS"])
    fs.numeric("INSTAL", "NUM_INSTALMENT_VERSION", ("nunique", "max"), "installments")
    fs.numeric("INSTAL", "AMT_INSTALMENT", ("max", "mean", "sum"), "installments")
    fs.numeric("INSTAL", "AMT_PAYMENT", ("min", "max", "mean", "sum"), "installments")
    fs.numeric("INSTAL", "DAYS_ENTRY_PAYMENT", ("max", "mean"), "installments")
    with fs.group("day_windows"):
        for days in (60, 90, 180):
            where = pl.col("DAYS_INSTALMENT") >= -days
            for column, aggs in (("DPD", ("max", "mean")), ("LATE", ("mean",)), ("PAYMENT_RATIO", ("mean", "min"))):
                fs.numeric(f"INSTAL_{days}D", column, aggs, f"installments_{days}d", where=where,
                           label=_INSTALMENT_LABELS[column])
    with fs.group("recent_instalments"):
        _add_last_instalments(fs)
    return fs


_LAST_ORDER = ["DAYS_INSTALMENT", "SK_ID_PREV", "NUM_INSTALMENT_NUMBER", "NUM_INSTALMENT_VERSION"]  # ties broken


def _add_last_instalments(fs: FeatureSet) -> None:
    """Candidate group "recent_instalments": the client's last 1, 3 and 5 instalments (by due date)."""
    words = {1: ("the client's last instalment", "la dernière échéance du client"),
             3: ("the client's last 3 instalments", "les 3 dernières échéances du client"),
             5: ("the client's last 5 instalments", "les 5 dernières échéances du client")}
    for n, (en, fr) in words.items():
        for column in ("DPD", "LATE", "PAYMENT_RATIO"):
            col_en, col_fr = _INSTALMENT_LABELS[column]
            value = pl.col(column).sort_by(_LAST_ORDER).tail(n).mean()
            fs.add_agg(f"INSTAL_LAST{n}_{column}_MEAN", value.cast(pl.Float64), "mean", "installments", column,
                       en=f"Mean of {col_en} over {en}", fr=f"Moyenne de « {col_fr} » sur {fr}")


def _instalments_paid(inst: pl.LazyFrame, packed: pl.Expr | None = None) -> pl.LazyFrame:
    """One row per instalment: several payment rows of one instalment are summed; lateness uses the last one.

    ``packed``: one integer column equal for two rows exactly when their four instalment keys are equal
    (``_packed_instalment_key``), grouped on instead of the four columns: the same groups.
    """
    paid, keys, aggs, steps = _instalment_expressions()
    if packed is None:
        per = inst.with_columns(paid).group_by(keys).agg(aggs)
    else:
        carried = [pl.col(k).first() for k in keys]  # constant within a group, by construction of the key
        per = inst.with_columns(paid, packed.alias("__instalment")).group_by("__instalment").agg(carried + aggs)
        per = per.drop("__instalment")
    for step in steps:
        per = per.with_columns(step)
    return per


def _packed_instalment_key(inst: pl.LazyFrame) -> pl.Expr | None:
    """The four instalment keys packed into one Int64 (each key's offset from its minimum in its own bits), so
    that whole tables group on one column, faster than polars' four-column group-by (docs/benchmarks.md); None
    when the data do not allow it exactly: missing, fractional or non-finite keys, ranges wider than 62 bits."""
    keys = _instalment_expressions()[1]
    stats = inst.select(
        *[pl.col(k).min().alias(f"{k} min") for k in keys], *[pl.col(k).max().alias(f"{k} max") for k in keys],
        pl.sum_horizontal(pl.col(k).null_count() for k in keys).alias("missing"),
        pl.sum_horizontal((pl.col(k).cast(pl.Float64) != pl.col(k).cast(pl.Float64).floor()).sum() for k in keys)
        .alias("fractional"),  # NaN counts as fractional
    ).collect(engine="streaming").row(0, named=True)
    lows, highs = [stats[f"{k} min"] for k in keys], [stats[f"{k} max"] for k in keys]
    if stats["missing"] or stats["fractional"] or not all(v is not None and math.isfinite(v) for v in lows + highs):
        return None
    widths = [(int(high) - int(low)).bit_length() for low, high in zip(lows, highs, strict=True)]
    if sum(widths) > 62:
        return None
    packed, shift = pl.lit(0, dtype=pl.Int64), 0
    for key, low, width in zip(keys, lows, widths, strict=True):
        packed = packed + (pl.col(key).cast(pl.Int64) - int(low)) * (1 << shift)
        shift += width
    return packed


@cache
def _instalment_expressions() -> tuple[pl.Expr, list[str], list[pl.Expr], list[list[pl.Expr]]]:
    """(exact payment column, instalment keys, per-instalment aggregations, row-wise steps), built once."""
    keys = [KEY, "SK_ID_PREV", "NUM_INSTALMENT_VERSION", "NUM_INSTALMENT_NUMBER"]
    aggs = [pl.col("DAYS_INSTALMENT").min(), pl.col("AMT_INSTALMENT").max(),
            pl.col("__paid").sum().alias("AMT_PAYMENT"), pl.col("DAYS_ENTRY_PAYMENT").max(),
            pl.len().cast(pl.Float64).alias("PAYMENT_ROWS")]
    delay = pl.col("DAYS_ENTRY_PAYMENT") - pl.col("DAYS_INSTALMENT")
    steps = [[pl.col("AMT_PAYMENT").cast(pl.Float64)],
             [delay.clip(lower_bound=0).cast(pl.Float64).alias("DPD"),
              (pl.col("DAYS_INSTALMENT") - pl.col("DAYS_ENTRY_PAYMENT")).clip(lower_bound=0).cast(pl.Float64)
              .alias("DBD"),
              ratio("AMT_PAYMENT", "AMT_INSTALMENT").alias("PAYMENT_RATIO"),
              (pl.col("AMT_INSTALMENT") - pl.col("AMT_PAYMENT")).cast(pl.Float64).alias("PAYMENT_DIFF"),
              (delay > 0).cast(pl.Float64).alias("LATE"),
              (pl.col("AMT_PAYMENT") < pl.col("AMT_INSTALMENT") - 1.0).cast(pl.Float64).alias("SHORT")]]
    return to_exact(pl.col("AMT_PAYMENT")).alias("__paid"), keys, aggs, steps
