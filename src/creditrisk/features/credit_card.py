"""Family ``credit_card``: monthly balances of previous credit cards."""

from __future__ import annotations

import polars as pl

from creditrisk.data import schema
from creditrisk.data.schema import KEY
from creditrisk.features.family import family, levels, ratio
from creditrisk.features.planner import FeatureSet

_CC_AGGS = ("min", "max", "mean", "sum", "std")


_CREDIT_CARD_SUBSETS = {
    "credit_card": ("the monthly history of the client's credit cards", "l'historique mensuel des cartes de "
                    "crédit du client"),
    "credit_card_12m": ("the last 12 months of the client's credit cards", "les 12 derniers mois des cartes "
                        "de crédit du client"),
}


@family("credit_card")
def _credit_card_set() -> FeatureSet:
    fs = FeatureSet("credit_card_balance", _CREDIT_CARD_SUBSETS)
    fs.count("CC_COUNT", "credit_card")
    skip = {KEY, "SK_ID_PREV", "NAME_CONTRACT_STATUS"}
    for col in schema.table("credit_card_balance").columns:
        if col.name not in skip:
            fs.numeric("CC", col.name, _CC_AGGS, "credit_card")
    utilisation = ratio("AMT_BALANCE", "AMT_CREDIT_LIMIT_ACTUAL")
    label = ("balance / card limit (utilisation)", "solde / plafond (taux d'utilisation)")
    fs.numeric("CC", "UTILISATION", ("mean", "max"), "credit_card", source=utilisation, label=label)
    recent = pl.col("MONTHS_BALANCE") >= -12
    fs.numeric("CC_12M", "UTILISATION", ("mean", "max"), "credit_card_12m", where=recent, source=utilisation,
               label=label)
    fs.numeric("CC_12M", "SK_DPD", ("max", "mean"), "credit_card_12m", where=recent)
    fs.numeric("CC", "LATE", ("mean",), "credit_card", source=(pl.col("SK_DPD") > 0).cast(pl.Float64),
               label=("month with a payment delay", "mois avec un retard de paiement"))
    fs.shares("CC", "NAME_CONTRACT_STATUS", levels("credit_card_balance", "NAME_CONTRACT_STATUS"), "credit_card")
    return fs
