"""The Home Credit data contract: tables, columns, dtypes, keys, categories and valid ranges.

Single source of truth imported by the generator, ingestion, validation, features, the service and the dashboard.
Column order and dtypes come from the published file contract (``resources/schema.json``); known categories come
from the reference statistics of the real data (``resources/reference_stats.json``); ranges are domain rules.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

SENTINEL_DAYS = 365243  # "never happened / infinite" in DAYS_EMPLOYED and previous_application DAYS_FIRST_*/LAST_*
MISSING_CATEGORY = "__NA__"

KEY = "SK_ID_CURR"  # the applicant: every table leads to it, directly or through its parent


@dataclass(frozen=True)
class TableEntry:
    """Where a table sits: its parent, the column that links a row to its parent row, whether it may be absent,
    and the feature family built from it (``features/builder.py`` registers one function per family)."""

    name: str
    parent: str | None = None  # None: an application table ("application" = train + test)
    link: str = KEY  # the parent's key column, repeated in this table
    primary_key: tuple[str, ...] = ()
    references: tuple[tuple[str, str], ...] = ()  # other (column, table) links checked by validation
    family: str | None = None

    @property
    def optional(self) -> bool:
        """History tables may be absent: their features are then missing (counts 0)."""
        return self.parent is not None


_PREVIOUS = (("SK_ID_PREV", "previous_application"),)
REGISTRY: tuple[TableEntry, ...] = (
    TableEntry("application_train", primary_key=(KEY,)),
    TableEntry("application_test", primary_key=(KEY,)),
    TableEntry("bureau", "application", primary_key=("SK_ID_BUREAU",), family="bureau"),
    TableEntry("bureau_balance", "bureau", "SK_ID_BUREAU", ("SK_ID_BUREAU", "MONTHS_BALANCE"), family="bureau"),
    TableEntry("previous_application", "application", primary_key=("SK_ID_PREV",), family="previous"),
    TableEntry("POS_CASH_balance", "application", references=_PREVIOUS, family="pos"),
    TableEntry("installments_payments", "application", references=_PREVIOUS, family="installments"),
    TableEntry("credit_card_balance", "application", references=_PREVIOUS, family="credit_card"),
)
ENTRIES = {entry.name: entry for entry in REGISTRY}
APPLICATION_TABLES = tuple(e.name for e in REGISTRY if e.parent is None)
HISTORY_TABLES = tuple(e.name for e in REGISTRY if e.parent is not None)
ALL_TABLES = APPLICATION_TABLES + HISTORY_TABLES
FAMILIES = tuple(dict.fromkeys(e.family for e in REGISTRY if e.family))  # feature families, in output order


def foreign_keys(name: str) -> tuple[tuple[str, str, str], ...]:
    """(column, parent table, parent column) links of a table: its parent first, then its other references."""
    entry = ENTRIES[name]
    if entry.parent is None:
        return ()
    return ((entry.link, entry.parent, entry.link), *((c, t, c) for c, t in entry.references))


# Columns whose sentinel 365243 is a legitimate value outside the ordinary range.
SENTINEL_COLUMNS: dict[str, tuple[str, ...]] = {
    "application_train": ("DAYS_EMPLOYED",), "application_test": ("DAYS_EMPLOYED",),
    "previous_application": ("DAYS_FIRST_DRAWING", "DAYS_FIRST_DUE", "DAYS_LAST_DUE_1ST_VERSION",
                             "DAYS_LAST_DUE", "DAYS_TERMINATION"),
}

_UNIT = (0.0, 1.0)
_DAYS_PAST = (-40_000.0, 0.0)
_NON_NEGATIVE = (0.0, None)
_FLAG = (0.0, 1.0)


def _application_ranges() -> dict[str, tuple[float | None, float | None]]:
    ranges: dict[str, tuple[float | None, float | None]] = {
        "TARGET": _FLAG, "CNT_CHILDREN": (0, 30), "CNT_FAM_MEMBERS": (1, 40),
        "AMT_INCOME_TOTAL": (1.0, None), "AMT_CREDIT": (1.0, None), "AMT_ANNUITY": (1.0, None),
        "AMT_GOODS_PRICE": (1.0, None), "REGION_POPULATION_RELATIVE": _UNIT, "DAYS_BIRTH": (-40_000, -5_000),
        "DAYS_EMPLOYED": _DAYS_PAST, "DAYS_REGISTRATION": _DAYS_PAST, "DAYS_ID_PUBLISH": _DAYS_PAST,
        "DAYS_LAST_PHONE_CHANGE": _DAYS_PAST, "OWN_CAR_AGE": (0, 100), "HOUR_APPR_PROCESS_START": (0, 23),
        "REGION_RATING_CLIENT": (1, 3), "REGION_RATING_CLIENT_W_CITY": (-1, 3),  # -1 occurs in the real test set
        "EXT_SOURCE_1": _UNIT, "EXT_SOURCE_2": _UNIT, "EXT_SOURCE_3": _UNIT, "TOTALAREA_MODE": _UNIT,
    }
    for prefix in ("OBS_30", "DEF_30", "OBS_60", "DEF_60"):
        ranges[f"{prefix}_CNT_SOCIAL_CIRCLE"] = _NON_NEGATIVE
    for period in ("HOUR", "DAY", "WEEK", "MON", "QRT", "YEAR"):
        ranges[f"AMT_REQ_CREDIT_BUREAU_{period}"] = _NON_NEGATIVE
    return ranges


_CHILD_RANGES: dict[str, dict[str, tuple[float | None, float | None]]] = {
    "bureau": {"DAYS_CREDIT": _DAYS_PAST, "CREDIT_DAY_OVERDUE": _NON_NEGATIVE, "DAYS_ENDDATE_FACT": _DAYS_PAST,
               "AMT_CREDIT_MAX_OVERDUE": _NON_NEGATIVE, "CNT_CREDIT_PROLONG": _NON_NEGATIVE,
               "AMT_CREDIT_SUM": _NON_NEGATIVE, "AMT_CREDIT_SUM_OVERDUE": _NON_NEGATIVE,
               "AMT_ANNUITY": _NON_NEGATIVE},
    "bureau_balance": {"MONTHS_BALANCE": (-120, 0)},
    "previous_application": {"AMT_ANNUITY": _NON_NEGATIVE, "AMT_APPLICATION": _NON_NEGATIVE,
                             "AMT_CREDIT": _NON_NEGATIVE, "AMT_GOODS_PRICE": _NON_NEGATIVE,
                             "HOUR_APPR_PROCESS_START": (0, 23), "NFLAG_LAST_APPL_IN_DAY": _FLAG,
                             "RATE_DOWN_PAYMENT": (-0.01, 1.01), "RATE_INTEREST_PRIMARY": (-0.01, 1.01),
                             "RATE_INTEREST_PRIVILEGED": (-0.01, 1.01), "DAYS_DECISION": _DAYS_PAST,
                             "CNT_PAYMENT": _NON_NEGATIVE, "SELLERPLACE_AREA": (-1, None),
                             "DAYS_FIRST_DRAWING": _DAYS_PAST, "DAYS_FIRST_DUE": _DAYS_PAST,
                             "NFLAG_INSURED_ON_APPROVAL": _FLAG},
    "POS_CASH_balance": {"MONTHS_BALANCE": (-120, 0), "CNT_INSTALMENT": _NON_NEGATIVE,
                         "CNT_INSTALMENT_FUTURE": _NON_NEGATIVE, "SK_DPD": _NON_NEGATIVE,
                         "SK_DPD_DEF": _NON_NEGATIVE},
    "installments_payments": {"NUM_INSTALMENT_VERSION": _NON_NEGATIVE, "NUM_INSTALMENT_NUMBER": (1, None),
                              "DAYS_INSTALMENT": _DAYS_PAST, "DAYS_ENTRY_PAYMENT": _DAYS_PAST,
                              "AMT_INSTALMENT": _NON_NEGATIVE, "AMT_PAYMENT": _NON_NEGATIVE},
    "credit_card_balance": {"MONTHS_BALANCE": (-120, 0), "AMT_CREDIT_LIMIT_ACTUAL": _NON_NEGATIVE,
                            "CNT_DRAWINGS_ATM_CURRENT": _NON_NEGATIVE, "CNT_DRAWINGS_CURRENT": _NON_NEGATIVE,
                            "CNT_DRAWINGS_OTHER_CURRENT": _NON_NEGATIVE, "CNT_DRAWINGS_POS_CURRENT": _NON_NEGATIVE,
                            "CNT_INSTALMENT_MATURE_CUM": _NON_NEGATIVE, "SK_DPD": _NON_NEGATIVE,
                            "SK_DPD_DEF": _NON_NEGATIVE},
}

# Categories the real files are known to contain beyond the reference shares (rare levels).
_EXTRA_CATEGORIES: dict[str, dict[str, tuple[str, ...]]] = {
    "bureau": {"CREDIT_ACTIVE": ("Bad debt",), "CREDIT_CURRENCY": ("currency 4",),
               "CREDIT_TYPE": ("Real estate loan", "Loan for the purchase of equipment",
                               "Loan for purchase of shares (margin lending)", "Mobile operator loan",
                               "Interbank credit")},
    "previous_application": {"NAME_CONTRACT_TYPE": ("XNA",), "CODE_REJECT_REASON": ("SYSTEM",),
                             "NAME_PORTFOLIO": ("Cars",), "NAME_GOODS_CATEGORY": (
                                 "Tourism", "Additional Service", "Weapon", "Insurance", "House Construction",
                                 "Animals"),
                             "NAME_CASH_LOAN_PURPOSE": (
                                 "Buying a garage", "Business development", "Gasification / water supply", "Hobby",
                                 "Money for a third person", "Refusal to name the goal", "Wedding / gift / holiday",
                                 "Furniture"),
                             "NAME_SELLER_INDUSTRY": ("Tourism",),
                             "PRODUCT_COMBINATION": ("Cash",)},
    "POS_CASH_balance": {"NAME_CONTRACT_STATUS": ("XNA",)},
    "credit_card_balance": {"NAME_CONTRACT_STATUS": ("Demand", "Refused", "Approved")},
}


@dataclass(frozen=True)
class Column:
    """One column of a raw file: its pandas dtype, whether it may be empty, its known categories and range."""

    name: str
    dtype: str  # "int64", "float64" or "object", as pandas infers it on the real file
    nullable: bool
    categories: tuple[str, ...] | None = None
    low: float | None = None
    high: float | None = None
    sentinel: int | None = None


@dataclass(frozen=True)
class Table:
    """One of the eight Home Credit files."""

    name: str
    file_name: str
    rows_full: int
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...] = ()
    foreign_keys: tuple[tuple[str, str, str], ...] = field(default_factory=tuple)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"{self.file_name} has no column {name!r}")

    @property
    def required(self) -> bool:
        return not ENTRIES[self.name].optional


def _read_resource(name: str) -> dict:
    return json.loads(resources.files("creditrisk.resources").joinpath(name).read_text())


@cache
def reference_stats() -> dict[str, dict[str, dict]]:
    """Reference statistics of the real data, per table and column (see scripts/build_reference_stats.py)."""
    return _read_resource("reference_stats.json")


def _categories(table: str, column: str) -> tuple[str, ...] | None:
    stats = reference_stats()
    source = "application_train" if table == "application_test" else table
    entry = stats.get(source, {}).get(column)
    if entry is None or entry["kind"] != "cat":
        return None
    names = list(entry["shares"])
    if table in APPLICATION_TABLES:  # union with the test levels (e.g. no XNA in test, but same vocabulary)
        test_entry = stats["application_test"].get(column)
        names += [n for n in (test_entry or {}).get("shares", {}) if n not in names]
    names += [n for n in _EXTRA_CATEGORIES.get(table, {}).get(column, ()) if n not in names]
    return tuple(names)


def _is_nullable(table: str, column: str, dtype: str) -> bool:
    if dtype == "int64":
        return False
    source = "application_train" if table == "application_test" else table
    entry = reference_stats().get(source, {}).get(column)
    if dtype == "object":
        return entry is None or entry["na"] > 0
    return True


def _ranges(table: str) -> dict[str, tuple[float | None, float | None]]:
    if table in APPLICATION_TABLES:
        return _application_ranges()
    return _CHILD_RANGES.get(table, {})


def _application_column_range(name: str) -> tuple[float | None, float | None]:
    if name.startswith("FLAG_") and name not in ("FLAG_OWN_CAR", "FLAG_OWN_REALTY"):
        return _FLAG
    if name.startswith(("REG_", "LIVE_")):
        return _FLAG
    if name.endswith(("_AVG", "_MODE", "_MEDI")):
        return _UNIT
    return (None, None)


def _build_table(name: str, spec: dict) -> Table:
    ranges = _ranges(name)
    sentinels = SENTINEL_COLUMNS.get(name, ())
    columns = []
    for col in spec["columns"]:
        col_name, dtype = col["name"], col["dtype"]
        low, high = ranges.get(col_name, (None, None))
        if name in APPLICATION_TABLES and low is None and high is None and dtype != "object":
            low, high = _application_column_range(col_name)
        columns.append(Column(
            name=col_name, dtype=dtype, nullable=_is_nullable(name, col_name, dtype),
            categories=_categories(name, col_name) if dtype == "object" else None,
            low=low, high=high, sentinel=SENTINEL_DAYS if col_name in sentinels else None))
    return Table(name=name, file_name=f"{name}.csv", rows_full=spec["rows_full"], columns=tuple(columns),
                 primary_key=ENTRIES[name].primary_key, foreign_keys=foreign_keys(name))


@cache
def tables() -> dict[str, Table]:
    """All eight tables, keyed by name (file name without ``.csv``)."""
    contract = _read_resource("schema.json")
    return {name: _build_table(name, contract[f"{name}.csv"]) for name in ALL_TABLES}


def table(name: str) -> Table:
    try:
        return tables()[name]
    except KeyError:
        raise KeyError(f"unknown table {name!r}; expected one of {', '.join(ALL_TABLES)}") from None


def polars_schema(table: Table) -> dict:
    """The polars dtypes of a table's columns, in contract order (what ingestion writes, what features read)."""
    import polars as pl

    kinds = {"int64": pl.Int64, "float64": pl.Float64, "object": pl.Utf8}
    return {c.name: kinds[c.dtype] for c in table.columns}
