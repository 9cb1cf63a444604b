import json

import pytest

from creditrisk.data import schema
from tests.conftest import ROOT

# Column counts of the eight real files (Kaggle data page), independent of the resource file.
EXPECTED_COLUMNS = {"application_train": 122, "application_test": 121, "bureau": 17, "bureau_balance": 3,
                    "previous_application": 37, "POS_CASH_balance": 8, "installments_payments": 8,
                    "credit_card_balance": 23}


def test_every_table_has_the_real_column_count():
    assert {name: len(t.columns) for name, t in schema.tables().items()} == EXPECTED_COLUMNS


def test_contract_is_the_published_schema_file():
    shared = ROOT.parent / "shared" / "home-credit" / "reference" / "schema.json"
    if not shared.exists():
        pytest.skip("published schema.json not beside the repository")
    published = json.loads(shared.read_text())
    for name, table in schema.tables().items():
        assert [(c.name, c.dtype) for c in table.columns] == [
            (c["name"], c["dtype"]) for c in published[f"{name}.csv"]["columns"]]


def test_keys_and_sentinels():
    assert schema.table("bureau").primary_key == ("SK_ID_BUREAU",)
    assert schema.table("bureau_balance").primary_key == ("SK_ID_BUREAU", "MONTHS_BALANCE")
    assert ("SK_ID_PREV", "previous_application", "SK_ID_PREV") in schema.table("installments_payments").foreign_keys
    assert schema.table("application_train").column("DAYS_EMPLOYED").sentinel == 365243
    assert schema.table("previous_application").column("DAYS_TERMINATION").sentinel == 365243


def test_categories_and_ranges_come_from_reference_and_domain():
    gender = schema.table("application_test").column("CODE_GENDER")
    assert set(gender.categories) == {"F", "M", "XNA"}
    assert schema.table("application_train").column("EXT_SOURCE_2").low == 0.0
    assert schema.table("application_train").column("EXT_SOURCE_2").high == 1.0
    assert schema.table("application_test").column("REGION_RATING_CLIENT_W_CITY").low == -1
    assert not schema.table("application_train").column("TARGET").nullable
    assert schema.table("application_train").column("AMT_ANNUITY").nullable


def test_unknown_table_is_a_clear_error():
    with pytest.raises(KeyError, match="unknown table 'loans'"):
        schema.table("loans")


def test_the_table_registry_gives_every_link_of_the_kaggle_data_model():
    """The links of the Home Credit data model (Kaggle's diagram), written out here independently."""
    links = {"bureau": {("SK_ID_CURR", "application", "SK_ID_CURR")},
             "bureau_balance": {("SK_ID_BUREAU", "bureau", "SK_ID_BUREAU")},
             "previous_application": {("SK_ID_CURR", "application", "SK_ID_CURR")},
             **{name: {("SK_ID_CURR", "application", "SK_ID_CURR"),
                       ("SK_ID_PREV", "previous_application", "SK_ID_PREV")}
                for name in ("POS_CASH_balance", "installments_payments", "credit_card_balance")}}
    assert {name: set(schema.foreign_keys(name)) for name in schema.HISTORY_TABLES} == links
    assert schema.foreign_keys("application_train") == () and schema.KEY == "SK_ID_CURR"
    assert set(schema.APPLICATION_TABLES) == {"application_train", "application_test"}
    assert schema.ALL_TABLES == schema.APPLICATION_TABLES + schema.HISTORY_TABLES and len(schema.ALL_TABLES) == 8
    for name in schema.HISTORY_TABLES:  # every parent is listed before its children
        parent = schema.ENTRIES[name].parent
        assert parent == "application" or schema.ALL_TABLES.index(parent) < schema.ALL_TABLES.index(name)
    assert [t.required for t in schema.tables().values()] == [True, True] + [False] * 6
    assert schema.FAMILIES == ("bureau", "previous", "pos", "installments", "credit_card")
    import polars as pl

    assert schema.polars_schema(schema.table("bureau_balance")) == {"SK_ID_BUREAU": pl.Int64,
                                                                     "MONTHS_BALANCE": pl.Int64, "STATUS": pl.Utf8}
