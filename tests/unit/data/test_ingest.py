"""Ingestion of raw CSV files: the real format is accepted, structural faults are refused with clear messages."""

import shutil
from pathlib import Path

import polars as pl
import pytest

from creditrisk.data import schema
from creditrisk.data.ingest import ingest, read_manifest
from creditrisk.errors import DataContractError

# Data rows of the real sample files (wc -l minus the header), counted independently of the code.
REAL_SAMPLE_ROWS = {"application_train": 3000, "application_test": 1000, "previous_application": 3000,
                    "bureau": 20000, "bureau_balance": 20000, "POS_CASH_balance": 20000,
                    "installments_payments": 20000, "credit_card_balance": 20000}


def test_real_sample_rows_are_accepted_unchanged(real_sample, tmp_path):
    result = ingest(real_sample, tmp_path / "interim")
    assert result.tables == REAL_SAMPLE_ROWS
    assert result.absent == []
    app = pl.read_parquet(tmp_path / "interim" / "application_train.parquet")
    assert app.columns == schema.table("application_train").column_names
    assert app.schema["DAYS_REGISTRATION"] == pl.Float64 and app.schema["DAYS_BIRTH"] == pl.Int64
    first = app.row(0, named=True)  # first real row: 100002, TARGET 1, income 202500.0, "-3648.0"
    assert (first["SK_ID_CURR"], first["TARGET"], first["AMT_INCOME_TOTAL"], first["DAYS_REGISTRATION"]) == (
        100002, 1, 202500.0, -3648.0)
    assert read_manifest(tmp_path / "interim")["tables"]["bureau"] == 20000


def test_history_rows_are_stored_together_per_applicant_in_file_order(real_sample, tmp_path):
    """The real sample lists bureau rows in no particular order: the typed table holds them sorted by applicant
    (bureau_balance: by bureau credit), one applicant's rows in the file's order; application rows keep theirs."""
    import csv

    ingest(real_sample, tmp_path / "interim")
    for name, key, row_id in (("bureau", "SK_ID_CURR", "SK_ID_BUREAU"),
                              ("bureau_balance", "SK_ID_BUREAU", "MONTHS_BALANCE"),
                              ("installments_payments", "SK_ID_CURR", "SK_ID_PREV")):
        with (real_sample / f"{name}.csv").open(newline="") as handle:
            rows = [(int(r[key]), int(float(r[row_id]))) for r in csv.DictReader(handle)]
        assert rows != sorted(rows, key=lambda r: r[0])  # the file is not in key order
        stored = pl.read_parquet(tmp_path / "interim" / f"{name}.parquet", columns=[key, row_id])
        stored_rows = list(zip(stored[key].to_list(), stored[row_id].cast(pl.Int64).to_list(), strict=True))
        assert stored_rows == sorted(rows, key=lambda r: r[0])  # Python's sort is stable: file order per key
    with (real_sample / "application_train.csv").open(newline="") as handle:
        file_ids = [int(r["SK_ID_CURR"]) for r in csv.DictReader(handle)]
    stored_ids = pl.read_parquet(tmp_path / "interim" / "application_train.parquet")["SK_ID_CURR"].to_list()
    assert stored_ids == file_ids


@pytest.fixture
def raw(real_sample, tmp_path) -> Path:
    """A writable copy of the two application files (children optional) to break in each test."""
    folder = tmp_path / "raw"
    folder.mkdir()
    for name in schema.APPLICATION_TABLES:
        shutil.copy(real_sample / f"{name}.csv", folder)
    return folder


def _rewrite(path: Path, edit) -> None:
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(edit(lines)))


def test_history_tables_are_optional(raw, tmp_path, caplog):
    result = ingest(raw, tmp_path / "out")
    assert set(result.tables) == set(schema.APPLICATION_TABLES)
    assert set(result.absent) == set(schema.HISTORY_TABLES)
    assert "bureau.csv not found" in caplog.text


def test_missing_application_file_is_refused(raw, tmp_path):
    (raw / "application_test.csv").unlink()
    with pytest.raises(DataContractError, match=r"application_test\.csv not found .* required"):
        ingest(raw, tmp_path / "out")


def test_missing_column_names_file_and_column(raw, tmp_path):
    frame = pl.read_csv(raw / "application_train.csv", infer_schema=False).drop("AMT_CREDIT")
    frame.write_csv(raw / "application_train.csv")
    with pytest.raises(DataContractError, match=r"application_train\.csv: missing column\(s\) AMT_CREDIT"):
        ingest(raw, tmp_path / "out")


def test_wrong_type_names_column_share_and_examples(raw, tmp_path):
    frame = pl.read_csv(raw / "application_test.csv", infer_schema=False)
    frame = frame.with_columns(pl.when(pl.int_range(pl.len()) < 10).then(pl.lit("n/a"))
                               .otherwise(pl.col("AMT_CREDIT")).alias("AMT_CREDIT"))
    frame.write_csv(raw / "application_test.csv")
    with pytest.raises(DataContractError) as error:
        ingest(raw, tmp_path / "out")
    message = str(error.value)
    assert "application_test.csv: column AMT_CREDIT expects numbers" in message
    assert "10 of 1000 rows (1.00%)" in message and "'n/a'" in message


def test_decimal_in_integer_column_is_refused(raw, tmp_path):
    frame = pl.read_csv(raw / "application_test.csv", infer_schema=False)
    frame = frame.with_columns(pl.when(pl.int_range(pl.len()) == 0).then(pl.lit("2.5"))
                               .otherwise(pl.col("CNT_CHILDREN")).alias("CNT_CHILDREN"))
    frame.write_csv(raw / "application_test.csv")
    with pytest.raises(DataContractError, match=r"column CNT_CHILDREN expects whole numbers .* 1 of 1000 rows"):
        ingest(raw, tmp_path / "out")


def test_empty_file_is_refused(raw, tmp_path):
    (raw / "application_test.csv").write_text("")
    with pytest.raises(DataContractError, match=r"application_test\.csv: the file is empty"):
        ingest(raw, tmp_path / "out")


def test_header_only_file_is_refused(raw, tmp_path):
    _rewrite(raw / "application_test.csv", lambda lines: lines[:1])
    with pytest.raises(DataContractError, match=r"application_test\.csv: the file has a header but no data rows"):
        ingest(raw, tmp_path / "out")


def test_truncated_csv_is_refused(raw, tmp_path):
    path = raw / "application_train.csv"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 300])  # cut in the middle of the last row
    with pytest.raises(DataContractError, match=r"application_train\.csv: the last line has \d+ fields instead of "
                                                r"122; the file looks truncated"):
        ingest(raw, tmp_path / "out")


def test_failed_ingestion_keeps_the_previous_output_intact(raw, tmp_path):
    out = tmp_path / "out"
    first = ingest(raw, out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    _rewrite(raw / "application_test.csv", lambda lines: lines[:1])
    with pytest.raises(DataContractError):
        ingest(raw, out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert read_manifest(out)["tables"] == first.tables
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp folder left behind


def test_same_rows_give_the_same_file_bytes(tmp_path):
    """DVC hashes the typed files: two ingestions of one CSV must write the same bytes (the streaming engine's own
    row-group split varied between runs on tables of a few hundred thousand rows; fixed groups of 100,000 rows)."""
    import hashlib

    import numpy as np
    import pyarrow.parquet as pq

    from creditrisk.data.ingest import ingest_table

    rng = np.random.default_rng(7)
    rows = 250_000
    csv_path = tmp_path / "bureau_balance.csv"
    pl.DataFrame({"SK_ID_BUREAU": rng.integers(5_000_000, 5_050_000, rows),
                  "MONTHS_BALANCE": -rng.integers(0, 96, rows),
                  "STATUS": rng.choice(["C", "X", "0", "1"], rows)}).write_csv(csv_path)
    digests = []
    for run in (1, 2, 3):
        out = tmp_path / f"run{run}.parquet"
        assert ingest_table(csv_path, schema.table("bureau_balance"), out) == rows
        digests.append(hashlib.sha256(out.read_bytes()).hexdigest())
    assert digests[0] == digests[1] == digests[2]
    metadata = pq.ParquetFile(tmp_path / "run1.parquet").metadata
    assert [metadata.row_group(k).num_rows for k in range(metadata.num_row_groups)] == [100_000, 100_000, 50_000]
