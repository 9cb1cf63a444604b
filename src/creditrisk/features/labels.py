"""Readable labels of raw and derived columns, in English and French, for the feature catalogue.

English defaults to the competition's column dictionary; French labels are written here for the columns that
the features aggregate (the dictionary exists only in English). A column missing here keeps its raw name.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

FR: dict[str, str] = {
    # application
    "AMT_INCOME_TOTAL": "revenu mensuel", "AMT_CREDIT": "montant du crédit demandé", "AMT_ANNUITY": "mensualité",
    "AMT_GOODS_PRICE": "prix du bien financé", "DAYS_BIRTH": "âge (jours, négatif)",
    "DAYS_EMPLOYED": "ancienneté dans l'emploi (jours, négatif)", "DAYS_REGISTRATION": "date du dernier "
    "changement d'enregistrement (jours)", "DAYS_ID_PUBLISH": "date du dernier changement de pièce d'identité "
    "(jours)", "DAYS_LAST_PHONE_CHANGE": "date du dernier changement de téléphone (jours)",
    "OWN_CAR_AGE": "âge de la voiture", "CNT_CHILDREN": "nombre d'enfants", "CNT_FAM_MEMBERS": "taille du foyer",
    "EXT_SOURCE_1": "score externe 1", "EXT_SOURCE_2": "score externe 2", "EXT_SOURCE_3": "score externe 3",
    "REGION_POPULATION_RELATIVE": "densité de population de la région",
    "REGION_RATING_CLIENT": "note de la région", "REGION_RATING_CLIENT_W_CITY": "note de la région et de la ville",
    "NAME_CONTRACT_TYPE": "type de contrat", "CODE_GENDER": "genre", "NAME_INCOME_TYPE": "type de revenu",
    "NAME_EDUCATION_TYPE": "niveau d'études", "NAME_FAMILY_STATUS": "situation familiale",
    "NAME_HOUSING_TYPE": "type de logement", "OCCUPATION_TYPE": "profession",
    "ORGANIZATION_TYPE": "type d'employeur", "FLAG_OWN_CAR": "possède une voiture",
    "FLAG_OWN_REALTY": "possède un bien immobilier", "DEF_30_CNT_SOCIAL_CIRCLE": "proches en défaut (30 jours)",
    "DEF_60_CNT_SOCIAL_CIRCLE": "proches en défaut (60 jours)",
    # bureau
    "DAYS_CREDIT": "ancienneté du crédit déclaré au bureau (jours)", "CREDIT_DAY_OVERDUE": "jours de retard actuels",
    "DAYS_CREDIT_ENDDATE": "fin prévue du crédit (jours)", "DAYS_ENDDATE_FACT": "fin effective du crédit (jours)",
    "AMT_CREDIT_MAX_OVERDUE": "plus grand impayé", "CNT_CREDIT_PROLONG": "nombre de prolongations",
    "AMT_CREDIT_SUM": "montant du crédit", "AMT_CREDIT_SUM_DEBT": "dette restante",
    "AMT_CREDIT_SUM_LIMIT": "plafond de la carte", "AMT_CREDIT_SUM_OVERDUE": "montant impayé",
    "DAYS_CREDIT_UPDATE": "dernière mise à jour (jours)", "MONTHS_BALANCE": "mois de l'historique",
    # previous applications
    "AMT_APPLICATION": "montant demandé", "AMT_DOWN_PAYMENT": "apport", "RATE_DOWN_PAYMENT": "taux d'apport",
    "HOUR_APPR_PROCESS_START": "heure de la demande", "DAYS_DECISION": "date de la décision (jours)",
    "CNT_PAYMENT": "durée (mensualités)", "DAYS_FIRST_DRAWING": "premier tirage (jours)",
    "DAYS_FIRST_DUE": "première échéance (jours)", "DAYS_LAST_DUE_1ST_VERSION": "dernière échéance prévue (jours)",
    "DAYS_LAST_DUE": "dernière échéance (jours)", "DAYS_TERMINATION": "fin du contrat (jours)",
    "NFLAG_INSURED_ON_APPROVAL": "assurance souscrite", "SELLERPLACE_AREA": "zone du vendeur",
    # POS / installments / card
    "CNT_INSTALMENT": "nombre de mensualités", "CNT_INSTALMENT_FUTURE": "mensualités restantes",
    "SK_DPD": "jours de retard", "SK_DPD_DEF": "jours de retard (tolérance incluse)",
    "NUM_INSTALMENT_VERSION": "version du calendrier", "AMT_INSTALMENT": "montant de l'échéance",
    "AMT_PAYMENT": "montant payé", "DAYS_ENTRY_PAYMENT": "date du paiement (jours)",
    "DAYS_INSTALMENT": "date de l'échéance (jours)", "AMT_BALANCE": "solde de la carte",
    "AMT_CREDIT_LIMIT_ACTUAL": "plafond de la carte", "AMT_DRAWINGS_ATM_CURRENT": "retraits au distributeur",
    "AMT_DRAWINGS_CURRENT": "montant utilisé", "AMT_DRAWINGS_OTHER_CURRENT": "autres utilisations",
    "AMT_DRAWINGS_POS_CURRENT": "achats", "AMT_INST_MIN_REGULARITY": "mensualité minimale",
    "AMT_PAYMENT_CURRENT": "paiement du mois", "AMT_PAYMENT_TOTAL_CURRENT": "paiement total du mois",
    "AMT_RECEIVABLE_PRINCIPAL": "capital dû", "AMT_RECIVABLE": "montant dû", "AMT_TOTAL_RECEIVABLE": "total dû",
    "CNT_DRAWINGS_ATM_CURRENT": "nombre de retraits", "CNT_DRAWINGS_CURRENT": "nombre d'utilisations",
    "CNT_DRAWINGS_OTHER_CURRENT": "nombre d'autres utilisations", "CNT_DRAWINGS_POS_CURRENT": "nombre d'achats",
    "CNT_INSTALMENT_MATURE_CUM": "mensualités échues payées",
}

AGGREGATIONS = {  # aggregation -> (English, French)
    "min": ("Minimum", "Minimum"), "max": ("Maximum", "Maximum"), "mean": ("Mean", "Moyenne"),
    "sum": ("Total", "Total"), "std": ("Standard deviation", "Écart-type"), "count": ("Number", "Nombre"),
    "share": ("Share", "Part"), "last": ("Most recent value", "Valeur la plus récente"),
    "nunique": ("Number of distinct values", "Nombre de valeurs distinctes"),
}


@cache
def _descriptions() -> dict[str, dict[str, str]]:
    text = resources.files("creditrisk.resources").joinpath("column_descriptions.json").read_text()
    return json.loads(text)


def label_en(column: str, table: str = "application") -> str:
    description = _descriptions().get(table, {}).get(column) or _descriptions().get("application", {}).get(column)
    if not description:
        return column
    first = description.split(". ")[0].rstrip(".")
    return first[0].lower() + first[1:] if first[:2] != first[:2].upper() else first


def label_fr(column: str) -> str:
    return FR.get(column, column)
