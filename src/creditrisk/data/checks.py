"""Validation of the typed tables with great-expectations 1.x, suites derived from the schema module.

Per table (great-expectations, in-process ephemeral context): exact column list, dtypes, non-null columns, unique
keys, value ranges (sentinels such as 365243 excluded), TARGET in {0, 1}, known categories. Across tables (polars
anti-joins, same report format): every child key exists in its parent table. Unknown categories are warnings;
everything else fails the stage with a message naming file, column, expectation and share of bad rows.
"""

from __future__ import annotations

import logging
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from creditrisk.data import schema

log = logging.getLogger(__name__)

_TYPE_LISTS = {"int64": ["int64", "Int64", "int32", "Int32"], "float64": ["float64", "Float64", "float32"],
               "object": ["object", "str", "string"]}
_EXAMPLES = 5


@dataclass
class CheckResult:
    table: str
    file: str
    column: str | None
    expectation: str
    success: bool
    fatal: bool
    bad_rows: int = 0
    rows: int = 0
    examples: list = field(default_factory=list)
    detail: str = ""

    @property
    def bad_share(self) -> float:
        return self.bad_rows / self.rows if self.rows else 0.0

    def message(self) -> str:
        where = f"column {self.column}" if self.column else "table"
        return (f"{self.file}: {where} fails {self.expectation} on {self.bad_rows} of {self.rows} rows "
                f"({self.bad_share:.2%})" + (f", e.g. {self.examples}" if self.examples else "")
                + (f" — {self.detail}" if self.detail else ""))


@dataclass
class ValidationReport:
    checks: list[CheckResult]

    @property
    def failures(self) -> list[CheckResult]:
        return [c for c in self.checks if not c.success and c.fatal]

    @property
    def warnings(self) -> list[CheckResult]:
        return [c for c in self.checks if not c.success and not c.fatal]

    @property
    def success(self) -> bool:
        return not self.failures

    @property
    def orphan_rows(self) -> dict[str, int]:
        """History rows whose key is not in the table it refers to, per table and key column."""
        return {f"{c.table}.{c.column}": c.bad_rows for c in self.checks
                if c.expectation.startswith("values_exist_in_") and c.bad_rows}

    def to_dict(self) -> dict:
        return {"success": self.success, "checks": len(self.checks), "failures": len(self.failures),
                "warnings": len(self.warnings), "orphan_rows": self.orphan_rows,
                "results": [asdict(c) | {"bad_share": c.bad_share} for c in self.checks]}

    def to_markdown(self) -> str:
        lines = ["# Data validation", "",
                 f"**{'PASSED' if self.success else 'FAILED'}**: {len(self.checks)} checks, "
                 f"{len(self.failures)} failures, {len(self.warnings)} warnings.", ""]
        for title, rows in (("Failures", self.failures), ("Warnings", self.warnings)):
            if rows:
                lines += [f"## {title}", ""] + [f"- {c.message()}" for c in rows] + [""]
        tables = sorted({c.table for c in self.checks})
        lines += ["## Checks per table", "", "| table | checks | passed |", "|---|---:|---:|"]
        for name in tables:
            rows = [c for c in self.checks if c.table == name]
            lines.append(f"| {name} | {len(rows)} | {sum(c.success for c in rows)} |")
        return "\n".join(lines) + "\n"


def _quiet_gx() -> None:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    logging.getLogger("great_expectations").setLevel(logging.WARNING)


def build_suite(table: schema.Table, columns_present: list[str]):
    """The great-expectations suite of one table, derived from the schema (fatality kept in ``meta``). The
    expectations are unique by construction, so they are given to the suite at once rather than through
    ``add_expectation``, whose duplicate check compares each with every one before it (docs/benchmarks.md)."""
    import great_expectations as gx
    from great_expectations.expectations.row_conditions import Column

    gxe = gx.expectations
    fatal = {"fatal": True}
    expectations = [gxe.ExpectTableColumnsToMatchOrderedList(column_list=table.column_names, meta=fatal),
                    gxe.ExpectTableRowCountToBeBetween(min_value=1, meta=fatal)]
    for col in table.columns:
        if col.name not in columns_present:
            continue
        expectations.append(gxe.ExpectColumnValuesToBeInTypeList(column=col.name, type_list=_TYPE_LISTS[col.dtype],
                                                                 meta=fatal))
        if not col.nullable:
            expectations.append(gxe.ExpectColumnValuesToNotBeNull(column=col.name, meta=fatal))
        if col.low is not None or col.high is not None:
            # Sentinels (365243) are legitimate values outside the ordinary range: excluded by a row condition.
            condition = {} if col.sentinel is None else {"row_condition": Column(col.name) != col.sentinel}
            expectations.append(gxe.ExpectColumnValuesToBeBetween(column=col.name, min_value=col.low,
                                                                  max_value=col.high, meta=fatal, **condition))
        if col.categories:
            expectations.append(gxe.ExpectColumnValuesToBeInSet(column=col.name, value_set=list(col.categories),
                                                                meta={"fatal": False}))
    if col_present(table.primary_key, columns_present):
        if len(table.primary_key) == 1:
            expectations.append(gxe.ExpectColumnValuesToBeUnique(column=table.primary_key[0], meta=fatal))
        else:
            expectations.append(gxe.ExpectCompoundColumnsToBeUnique(column_list=list(table.primary_key), meta=fatal))
    return gx.ExpectationSuite(name=f"{table.name}_contract", expectations=expectations)


def col_present(columns: tuple[str, ...], present: list[str]) -> bool:
    return bool(columns) and all(c in present for c in columns)


def validate_frame(frame, table: schema.Table) -> list[CheckResult]:
    """Run the table's suite on a pandas DataFrame."""
    import great_expectations as gx

    _quiet_gx()
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_pandas(name=f"{table.name}_source")
    asset = source.add_dataframe_asset(name=table.name)
    batch_def = asset.add_batch_definition_whole_dataframe(name=f"{table.name}_batch")
    batch = batch_def.get_batch(batch_parameters={"dataframe": frame})
    suite = build_suite(table, list(frame.columns))
    outcome = batch.validate(suite, result_format={"result_format": "SUMMARY",
                                                   "partial_unexpected_count": _EXAMPLES})
    return [_to_check(table, r, len(frame)) for r in outcome.results]


def _to_check(table: schema.Table, result, rows: int) -> CheckResult:
    config = result.expectation_config
    kwargs = config.kwargs
    details = result.result or {}
    bad = details.get("unexpected_count")
    if bad is None:
        bad = 0 if result.success else rows
    detail = ""
    if config.type == "expect_table_columns_to_match_ordered_list" and not result.success:
        observed = details.get("observed_value") or []
        missing = [c for c in table.column_names if c not in observed]
        extra = [c for c in observed if c not in table.column_names]
        detail = f"missing {missing}, unexpected {extra}" if missing or extra else "columns out of order"
    elif config.type == "expect_column_values_to_be_between":
        detail = f"expected between {kwargs.get('min_value')} and {kwargs.get('max_value')}"
    elif config.type == "expect_column_values_to_be_in_type_list" and not result.success:
        detail = f"expected dtype in {kwargs.get('type_list')}, found {details.get('observed_value')}"
    elif config.type == "expect_table_row_count_to_be_between" and not result.success:
        detail = "the file has no rows"
    examples = [_plain(v) for v in details.get("partial_unexpected_list") or []][:_EXAMPLES]
    return CheckResult(table=table.name, file=table.file_name, column=kwargs.get("column"),
                       expectation=config.type, success=bool(result.success),
                       fatal=bool((config.meta or {}).get("fatal", True)), bad_rows=int(bad), rows=rows,
                       examples=examples, detail=detail)


def _plain(value):
    return value.item() if hasattr(value, "item") else value


def check_foreign_keys(interim_dir: Path, present: list[str], max_orphan_share: float,
                       orphans_fatal: bool = True) -> list[CheckResult]:
    """Every child key must exist in its parent table (applications = train + test). Orphan rows are a failure
    above ``max_orphan_share`` when ``orphans_fatal``, else a warning: the features leave them out (a history row
    counts only for an applicant of the application files, a monthly balance only for a bureau credit)."""
    import polars as pl

    def keys(name: str, column: str) -> pl.LazyFrame:
        if name == "application":
            return pl.concat([pl.scan_parquet(Path(interim_dir) / f"{t}.parquet").select(column)
                              for t in schema.APPLICATION_TABLES])
        return pl.scan_parquet(Path(interim_dir) / f"{name}.parquet").select(column)

    checks = []
    for child in present:
        for column, parent, parent_column in schema.foreign_keys(child):
            table = schema.table(child)
            if parent != "application" and parent not in present:
                continue
            child_keys = pl.scan_parquet(Path(interim_dir) / f"{child}.parquet").select(column)
            orphans = child_keys.join(keys(parent, parent_column).unique(), left_on=column, right_on=parent_column,
                                      how="anti")
            bad = orphans.select(pl.len()).collect().item()
            rows = child_keys.select(pl.len()).collect().item()
            examples = orphans.head(_EXAMPLES).collect()[column].to_list()
            share = bad / rows if rows else 0.0
            parent_file = "application_train/test.csv" if parent == "application" else f"{parent}.csv"
            checks.append(CheckResult(
                table=child, file=table.file_name, column=column,
                expectation=f"values_exist_in_{parent}.{parent_column}",
                success=share <= max_orphan_share if orphans_fatal else bad == 0,
                fatal=orphans_fatal, bad_rows=int(bad), rows=int(rows), examples=examples,
                detail=(f"orphan keys not found in {parent_file} (tolerated share {max_orphan_share:.2%})"
                        if orphans_fatal else f"rows whose key is not in {parent_file}: left out of the features")))
    return checks


def load_pandas(path: Path):
    """Read a typed parquet table into pandas with the dtypes pandas infers on the real CSV (text = object)."""
    import polars as pl

    return pl.read_parquet(path).to_pandas()


def validate_dir(interim_dir: Path, max_orphan_share: float = 0.0, orphans_fatal: bool = True) -> ValidationReport:
    """Validate every ingested table of ``interim_dir`` (see ``ingest``)."""
    from creditrisk.data.ingest import read_manifest

    present = list(read_manifest(interim_dir)["tables"])
    checks: list[CheckResult] = []
    for name in present:
        frame = load_pandas(Path(interim_dir) / f"{name}.parquet")
        checks += validate_frame(frame, schema.table(name))
        log.info("%s: %d rows validated", name, len(frame))
        del frame
    checks += check_foreign_keys(interim_dir, present, max_orphan_share, orphans_fatal)
    return ValidationReport(checks)
