"""great-expectations validation derived from the schema: each kind of defect is caught and named."""

import json

import numpy as np
import pandas as pd
import polars as pl
import pytest

from creditrisk.artefacts.catalogue import MANIFEST
from creditrisk.data import schema
from creditrisk.data.checks import ValidationReport, check_foreign_keys, validate_frame

TRAIN = schema.table("application_train")


@pytest.fixture(scope="module")
def real_train(real_sample) -> pd.DataFrame:
    return pl.read_csv(real_sample / "application_train.csv",
                       schema={c.name: {"int64": pl.Int64, "float64": pl.Float64, "object": pl.Utf8}[c.dtype]
                               for c in TRAIN.columns}).to_pandas()


def _failed(checks, expectation, column):
    return [c for c in checks if not c.success and c.expectation == expectation and c.column == column]


def test_real_rows_pass_every_table_check(real_train):
    checks = validate_frame(real_train, TRAIN)
    assert len(checks) > 250
    assert [c.message() for c in checks if not c.success] == []


@pytest.fixture(scope="module")
def defects(real_train):
    frame = real_train.copy()
    frame.loc[0:2, "EXT_SOURCE_1"] = 1.5                      # 3 rows out of [0, 1]
    frame.loc[10:11, "NAME_CONTRACT_TYPE"] = "Mortgage"       # 2 unknown categories (warning only)
    frame.loc[21, "SK_ID_CURR"] = frame.loc[20, "SK_ID_CURR"]  # duplicate key: 2 rows involved
    frame.loc[30, "TARGET"] = 2                               # TARGET outside {0, 1}
    frame.loc[40, "CODE_GENDER"] = None                       # a required field left empty
    frame.loc[50, "DAYS_BIRTH"] = 1200                        # born in the future
    assert (frame["DAYS_EMPLOYED"] == 365243).sum() > 0       # sentinels stay legitimate
    return validate_frame(frame, TRAIN)


def test_out_of_range_names_column_share_and_examples(defects):
    [check] = _failed(defects, "expect_column_values_to_be_between", "EXT_SOURCE_1")
    assert check.fatal and check.bad_rows == 3 and check.rows == 3000
    assert check.examples == [1.5, 1.5, 1.5]
    assert check.message().startswith("application_train.csv: column EXT_SOURCE_1 fails "
                                      "expect_column_values_to_be_between on 3 of 3000 rows (0.10%)")
    [birth] = _failed(defects, "expect_column_values_to_be_between", "DAYS_BIRTH")
    assert birth.bad_rows == 1


def test_unknown_category_is_a_warning_not_a_failure(defects):
    [check] = _failed(defects, "expect_column_values_to_be_in_set", "NAME_CONTRACT_TYPE")
    assert not check.fatal and check.bad_rows == 2 and "Mortgage" in check.examples
    report = ValidationReport(defects)
    assert check in report.warnings and check not in report.failures


def test_duplicate_key_target_domain_and_nulls_fail(defects):
    assert _failed(defects, "expect_column_values_to_be_unique", "SK_ID_CURR")[0].bad_rows == 2
    assert _failed(defects, "expect_column_values_to_be_between", "TARGET")[0].examples == [2]
    assert _failed(defects, "expect_column_values_to_not_be_null", "CODE_GENDER")[0].bad_rows == 1
    assert not _failed(defects, "expect_column_values_to_be_between", "DAYS_EMPLOYED")  # 365243 excluded
    report = ValidationReport(defects)
    assert not report.success and len(report.failures) == 5
    assert "FAILED" in report.to_markdown() and json.dumps(report.to_dict())


def test_wrong_type_and_missing_column(real_train):
    frame = real_train.drop(columns=["FLAG_MOBIL"]).astype({"AMT_CREDIT": str})
    checks = validate_frame(frame, TRAIN)
    [order] = [c for c in checks if c.expectation == "expect_table_columns_to_match_ordered_list"]
    assert not order.success and "missing ['FLAG_MOBIL']" in order.message()
    [dtype] = _failed(checks, "expect_column_values_to_be_in_type_list", "AMT_CREDIT")
    assert "expected dtype in ['float64'" in dtype.message()


def test_empty_table_fails(real_train):
    checks = validate_frame(real_train.iloc[:0], TRAIN)
    [rows] = [c for c in checks if c.expectation == "expect_table_row_count_to_be_between"]
    assert not rows.success and "no rows" in rows.message()


def test_every_table_gets_each_expectation_its_schema_asks_for_once():
    """The suite is handed its expectations at once (no de-duplication by great-expectations): one per rule."""
    from creditrisk.data.checks import build_suite

    for table in schema.tables().values():
        expected = 2 + sum(1 + (not c.nullable) + (c.low is not None or c.high is not None) + bool(c.categories)
                           for c in table.columns) + bool(table.primary_key)
        suite = build_suite(table, table.column_names)
        keys = [(e.expectation_type, json.dumps(e.configuration.kwargs, sort_keys=True, default=str))
                for e in suite.expectations]
        assert len(keys) == len(set(keys)) == expected, table.name


def _write(folder, name, frame: dict):
    pl.DataFrame(frame).write_parquet(folder / f"{name}.parquet")


def test_orphan_child_keys_are_counted(tmp_path):
    _write(tmp_path, "application_train", {"SK_ID_CURR": [1, 2, 3]})
    _write(tmp_path, "application_test", {"SK_ID_CURR": [4]})
    _write(tmp_path, "bureau", {"SK_ID_CURR": [1, 4, 9, 9], "SK_ID_BUREAU": [10, 11, 12, 13]})
    _write(tmp_path, "bureau_balance", {"SK_ID_BUREAU": np.array([10, 10, 11, 99])})
    (tmp_path / MANIFEST).write_text("{}")
    checks = check_foreign_keys(tmp_path, ["application_train", "application_test", "bureau", "bureau_balance"],
                                max_orphan_share=0.0)
    by_table = {c.table: c for c in checks}
    assert (by_table["bureau"].bad_rows, by_table["bureau"].rows) == (2, 4)  # 9 twice: in neither train nor test
    assert by_table["bureau"].examples == [9, 9] and not by_table["bureau"].success
    assert (by_table["bureau_balance"].bad_rows, by_table["bureau_balance"].examples) == (1, [99])
    message = by_table["bureau_balance"].message()
    assert "bureau_balance.csv: column SK_ID_BUREAU fails values_exist_in_bureau" in message
    tolerant = check_foreign_keys(tmp_path, ["bureau", "bureau_balance"], max_orphan_share=0.5)
    assert all(c.success for c in tolerant)
    warned = {c.table: c for c in check_foreign_keys(tmp_path, ["bureau", "bureau_balance"], max_orphan_share=0.0,
                                                     orphans_fatal=False)}
    assert not any(c.fatal for c in warned.values()) and not warned["bureau"].success  # a warning, counted
    assert warned["bureau"].bad_rows == 2 and "left out of the features" in warned["bureau"].message()
