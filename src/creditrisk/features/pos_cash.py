"""Family ``pos``: monthly balances of previous point-of-sale and cash loans."""

from __future__ import annotations

import polars as pl

from creditrisk.features.family import family, levels
from creditrisk.features.planner import FeatureSet

_POS_SUBSETS = {
    "pos": ("the monthly history of the client's instalment loans", "l'historique mensuel des prêts "
            "échelonnés du client"),
    "pos_12m": ("the last 12 months of the client's instalment loans", "les 12 derniers mois des prêts "
                "échelonnés du client"),
}


@family("pos")
def _pos_set() -> FeatureSet:
    fs = FeatureSet("POS_CASH_balance", _POS_SUBSETS)
    recent = pl.col("MONTHS_BALANCE") >= -12
    fs.count("POS_COUNT", "pos")
    fs.numeric("POS", "MONTHS_BALANCE", ("min", "max", "mean"), "pos")
    fs.numeric("POS", "SK_DPD", ("max", "mean"), "pos")
    fs.numeric("POS", "SK_DPD_DEF", ("max", "mean"), "pos")
    fs.numeric("POS", "CNT_INSTALMENT", ("mean", "max"), "pos")
    fs.numeric("POS", "CNT_INSTALMENT_FUTURE", ("mean", "min"), "pos")
    fs.numeric("POS_12M", "SK_DPD", ("max", "mean"), "pos_12m", where=recent)
    fs.numeric("POS_12M", "SK_DPD_DEF", ("max", "mean"), "pos_12m", where=recent)
    fs.numeric("POS", "LATE", ("mean",), "pos", source=(pl.col("SK_DPD") > 0).cast(pl.Float64),
               label=("month with a payment delay", "mois avec un retard de paiement"))
    fs.add_agg("POS_LOANS_COUNT", pl.col("SK_ID_PREV").n_unique().cast(pl.Float64), "nunique", "pos", "SK_ID_PREV",
           en="Number of instalment loans with a monthly history", fr="Nombre de prêts échelonnés avec historique",
           fill_zero=True)
    fs.shares("POS", "NAME_CONTRACT_STATUS", levels("POS_CASH_balance", "NAME_CONTRACT_STATUS"), "pos")
    return fs
