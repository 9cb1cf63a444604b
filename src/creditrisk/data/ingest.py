"""Ingestion: the eight raw CSV files (real Kaggle or synthetic) -> typed parquet tables + a manifest.

History tables are written with each applicant's rows together (``cluster_key``); application tables keep the
file's order.

The schema module is the only source of column names and dtypes. Structural problems that make a file unreadable
(missing file, empty file, truncated last line, missing column, a value that does not parse as the expected type)
raise ``DataContractError`` naming the file, the column and what was expected. Content rules (ranges, categories,
keys) are checked by the validation stage. The six history tables are optional: when absent they are logged and
recorded in the manifest, and later stages skip their features.
"""

from __future__ import annotations

import csv
import io
import logging
from dataclasses import dataclass, field
from pathlib import Path

from creditrisk.artefacts.catalogue import MANIFEST
from creditrisk.data import schema
from creditrisk.errors import DataContractError, MissingInput
from creditrisk.io import atomic_path, write_json

log = logging.getLogger(__name__)

# Fixed row groups: the streaming engine's own split varies from run to run, and so would the files' bytes
# (and their DVC hashes) for the same rows.
ROW_GROUP_ROWS = 100_000

_EXAMPLES = 3


@dataclass
class IngestionResult:
    source_dir: str
    tables: dict[str, int] = field(default_factory=dict)  # table -> rows written
    absent: list[str] = field(default_factory=list)


_UTF16_MARKS = {b"\xff\xfe": "UTF-16 little-endian", b"\xfe\xff": "UTF-16 big-endian"}


def read_header(path: Path) -> list[str]:
    """Column names of a CSV file; errors name the file when it is empty or has no header. A UTF-8 byte-order
    mark (spreadsheet tools write one) is read past, as polars does for the rows; a UTF-16 file is refused by
    name."""
    with open(path, "rb") as handle:
        start = handle.read(2)
    if start in _UTF16_MARKS:
        raise DataContractError(f"{path.name}: the file is {_UTF16_MARKS[start]} text (byte-order mark "
                                f"{start.hex(' ').upper()}); expected UTF-8: save it again as \"CSV UTF-8\"")
    with open(path, newline="", encoding="utf-8-sig") as handle:
        first = handle.readline()
    if not first.strip():
        raise DataContractError(f"{path.name}: the file is empty (expected a header line and data rows)")
    return next(csv.reader([first]))


def check_columns(path: Path, header: list[str], table: schema.Table) -> None:
    expected = table.column_names
    missing = [c for c in expected if c not in header]
    extra = [c for c in header if c not in expected]
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"missing column(s) {', '.join(missing)}")
        if extra:
            parts.append(f"unexpected column(s) {', '.join(extra)}")
        raise DataContractError(f"{path.name}: {'; '.join(parts)} (expected the {len(expected)} columns of the "
                                f"Home Credit {table.file_name} contract)")


def check_not_truncated(path: Path, n_columns: int) -> None:
    """The last line must hold every field: a file cut mid-row is refused instead of silently losing values."""
    size = path.stat().st_size
    with open(path, "rb") as handle:
        handle.seek(max(0, size - 65_536))
        tail = handle.read().decode("utf-8", errors="replace")
    lines = [line for line in tail.splitlines() if line.strip()]
    if len(lines) < 2 and size <= 65_536:
        raise DataContractError(f"{path.name}: the file has a header but no data rows (expected at least one row)")
    last = next(csv.reader(io.StringIO(lines[-1])))
    if len(last) != n_columns:
        raise DataContractError(f"{path.name}: the last line has {len(last)} fields instead of {n_columns}; "
                                "the file looks truncated (re-copy or re-download it)")


def diagnose_types(path: Path, table: schema.Table) -> None:
    """Find which column holds values that do not parse as its contract dtype, and raise a precise error."""
    import polars as pl

    raw = pl.read_csv(path, infer_schema=False)
    for col in table.columns:
        if col.dtype == "object":
            continue
        text = raw[col.name].str.strip_chars()
        parsed = text.cast(pl.Float64, strict=False)
        bad = text.is_not_null() & (text != "") & parsed.is_null()
        if col.dtype == "int64":
            bad = bad | (parsed.is_not_null() & (parsed != parsed.floor()))
            bad = bad | text.is_null() | (text == "")
        if bad.any():
            examples = text.filter(bad).head(_EXAMPLES).to_list()
            raise DataContractError(
                f"{path.name}: column {col.name} expects {_describe(col.dtype)} but {int(bad.sum())} of {raw.height} "
                f"rows ({bad.mean():.2%}) are not, e.g. {examples}")
    raise DataContractError(f"{path.name}: could not be parsed with the contract dtypes")


def _describe(dtype: str) -> str:
    return {"int64": "whole numbers with no empty value", "float64": "numbers (or empty)", "object": "text"}[dtype]


def cluster_key(table: schema.Table) -> str | None:
    """The column a history table is stored sorted by (stable): the applicant, bureau_balance the bureau credit;
    the features stage groups by it, much faster on sorted rows (docs/benchmarks.md)."""
    entry = schema.ENTRIES[table.name]
    return entry.link if entry.optional else None


def ingest_table(path: Path, table: schema.Table, out_path: Path) -> int:
    """Check one raw CSV against the contract and write it as a typed parquet file; returns the row count."""
    import polars as pl

    header = read_header(path)
    check_columns(path, header, table)
    check_not_truncated(path, len(header))
    dtypes = schema.polars_schema(table)
    try:
        lazy = pl.scan_csv(path, schema=dtypes) if header == table.column_names else (
            pl.scan_csv(path, schema_overrides=dtypes).select(table.column_names))
        key = cluster_key(table)
        if key is not None:
            lazy = lazy.sort(key, maintain_order=True)
        lazy.sink_parquet(out_path, row_group_size=ROW_GROUP_ROWS)
    except (pl.exceptions.ComputeError, pl.exceptions.InvalidOperationError) as error:
        log.debug("typed read of %s failed: %s", path, error)
        diagnose_types(path, table)
    rows = pl.scan_parquet(out_path).select(pl.len()).collect().item()
    if rows == 0:
        raise DataContractError(f"{path.name}: the file has a header but no data rows (expected at least one row)")
    return int(rows)


def ingest(source_dir: Path, out_dir: Path) -> IngestionResult:
    """Ingest every table found in ``source_dir`` into ``out_dir`` (replaced atomically on success)."""
    source_dir = Path(source_dir)
    result = IngestionResult(source_dir=str(source_dir))
    with atomic_path(Path(out_dir)) as tmp:
        tmp.mkdir(parents=True)
        for name, table in schema.tables().items():
            path = source_dir / table.file_name
            if not path.exists():
                if table.required:
                    raise DataContractError(f"{table.file_name} not found in {source_dir} (this file is required)")
                log.warning("%s not found in %s: its features will be skipped", table.file_name, source_dir)
                result.absent.append(name)
                continue
            result.tables[name] = ingest_table(path, table, tmp / f"{name}.parquet")
            log.info("%s: %d rows", table.file_name, result.tables[name])
        write_json(tmp / MANIFEST, {"source_dir": result.source_dir, "tables": result.tables,
                                    "absent": result.absent})
    return result


def read_manifest(interim_dir: Path) -> dict:
    import json

    path = Path(interim_dir) / MANIFEST
    if not path.exists():
        raise MissingInput(f"{path} not found: run the ingest stage first")
    return json.loads(path.read_text())
