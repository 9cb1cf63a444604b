"""What every feature family shares: the registry of history families (``@family``), the tables they read
(absent tables read as empty ones with the contract schema) and the category levels that deserve a column."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache

import polars as pl

from creditrisk.data import schema
from creditrisk.data.schema import KEY
from creditrisk.features.planner import FeatureSet

SENTINEL = schema.SENTINEL_DAYS
TableLike = pl.LazyFrame | pl.DataFrame
Tables = Mapping[str, TableLike | None]

NUM_AGGS = ("min", "max", "mean")
MIN_LEVEL_SHARE = 0.005  # levels rarer than this in the reference data get no share column of their own


@dataclass(frozen=True)
class Family:
    """A history family: the table at its root (rows keyed by applicant), its features, and the rows it groups."""

    name: str
    table: str
    feature_set: Callable[[], FeatureSet]
    rows: Callable[[Tables, bool], pl.LazyFrame]  # (tables, whole tables?) -> rows to group per applicant

    def evaluate(self, tables: Tables, wanted: frozenset[str] | None, split: bool) -> pl.LazyFrame:
        return self.feature_set().evaluate(self.rows(tables, split), KEY, wanted, split)


REGISTERED: dict[str, Family] = {}


def family(name: str, rows: Callable[[Tables, bool], pl.LazyFrame] | None = None):
    """Register the decorated ``() -> FeatureSet`` function as the feature family ``name`` of schema.REGISTRY;
    ``rows`` gives the rows it groups (default: its root table as it is)."""
    (table,) = [e.name for e in schema.REGISTRY if e.family == name and e.parent == "application"]

    def register(feature_set: Callable[[], FeatureSet]) -> Callable[[], FeatureSet]:
        cached = cache(feature_set)
        REGISTERED[name] = Family(name, table, cached, rows or (lambda tables, split: table_or_empty(tables, table)))
        return cached

    return register


def families() -> list[Family]:
    """The history families in output order (schema.REGISTRY's)."""
    return [REGISTERED[name] for name in schema.FAMILIES]


def lazy(frame: TableLike) -> pl.LazyFrame:
    return frame.lazy() if isinstance(frame, pl.DataFrame) else frame


def table_or_empty(tables: Tables, name: str) -> pl.LazyFrame:
    """The history table, or an empty one with the contract schema when absent (same columns, all null).

    Row order never matters: sums are exact and "last" values are taken after an explicit sort with tie-breaks.
    """
    frame = tables.get(name)
    if frame is None:
        return pl.DataFrame(schema=schema.polars_schema(schema.table(name))).lazy()
    return lazy(frame)


def levels(table: str, column: str) -> tuple[str, ...]:
    """Levels frequent enough in the real data to deserve a share column (schema vocabulary, reference shares)."""
    stats = schema.reference_stats()[table].get(column, {})
    shares = stats.get("shares", {})
    return tuple(level for level, share in shares.items() if share >= MIN_LEVEL_SHARE)


def ratio(numerator: str | pl.Expr, denominator: str | pl.Expr) -> pl.Expr:
    """numerator / denominator, empty where the denominator is 0."""
    num = pl.col(numerator) if isinstance(numerator, str) else numerator
    den = pl.col(denominator) if isinstance(denominator, str) else denominator
    return pl.when(den != 0).then(num.cast(pl.Float64) / den).otherwise(None)
