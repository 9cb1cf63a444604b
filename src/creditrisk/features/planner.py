"""The feature planner: a table's features as polars expressions, and the query that computes the ones asked for.

A ``FeatureSet`` holds three steps (row-wise columns, group aggregations, final expressions) and the catalogue
entry of each feature. ``plan`` keeps only what the wanted features depend on; ``evaluate`` runs it either over
whole tables (each subset of rows grouped on its own) or over one request's rows (one masked group-by). Sums of
fractional values are exact decimals, so every path gives the same bits.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import polars as pl

from creditrisk.features import labels
from creditrisk.features.catalogue import Feature, french_of

Subsets = dict[str, tuple[str, str]]  # subset -> (English, French), phrased to follow "over"/"sur"


@dataclass
class FeatureSet:
    """The features of one table and their catalogue entries, computed in three steps:

    ``prep``: row-wise columns (flags, decimal casts, squares) added before grouping;
    ``aggs``: plain aggregations of those columns (``col(x).sum()``... : polars' fast group-by kernels);
    ``exprs``: the final features, computed from the aggregates (means from exact sums, stds, casts).
    For the application table (no grouping) only ``exprs`` is used.

    Statistics over a subset of the rows (active credits, refused applications, the last 12 months...) name
    their rows in ``scopes`` (subset -> row filter). A client with rows in the table but none in a subset gets
    what a masked aggregation gives: sums and counts 0, the rest missing.
    """

    table: str
    subsets: Subsets  # the readable names of the subsets of rows its features are computed over
    prep: dict[str, pl.Expr] = field(default_factory=dict)
    aggs: dict[str, pl.Expr] = field(default_factory=dict)
    exprs: list[pl.Expr] = field(default_factory=list)
    features: list[Feature] = field(default_factory=list)
    scopes: dict[str, pl.Expr] = field(default_factory=dict)  # subset -> its rows' filter
    _scope: dict[str, str | None] = field(default_factory=dict, repr=False)  # prep/agg name -> subset (None: all)
    _empty: set[str] = field(default_factory=set, repr=False)  # subset aggregations that are 0 over no rows
    _plans: dict = field(default_factory=dict, repr=False)  # wanted features -> plan
    _group: str = field(default="base", repr=False)  # the group of the features being added

    @contextmanager
    def group(self, name: str) -> Iterator[None]:
        """Features added inside belong to the candidate group ``name`` (params ``features.groups``)."""
        self._group = name
        try:
            yield
        finally:
            self._group = "base"

    def add(self, name: str, expr: pl.Expr, aggregation: str, subset: str, column: str | None,
            en: str | None = None, fr: str | None = None, categorical: bool = False, fill_zero: bool = False,
            label: tuple[str, str] | None = None) -> None:
        """Register one feature whose value is ``expr`` (over the aggregated frame, or the application row)."""
        if en is None or fr is None:
            col_en, col_fr = label or (labels.label_en(column or "", self.table), labels.label_fr(column or ""))
            agg_en, agg_fr = labels.AGGREGATIONS[aggregation]
            sub_en, sub_fr = self.subsets[subset]
            en = en or f"{agg_en} of {col_en} over {sub_en}"
            fr = fr or f"{agg_fr} de « {col_fr} » sur {sub_fr}"
        if not categorical:
            expr = as_stored_float(expr)
        self.exprs.append(expr.alias(name))
        self.features.append(Feature(name, self.table, aggregation, subset, column, en, fr, categorical, fill_zero,
                                     self._group))

    def add_agg(self, name: str, agg: pl.Expr, aggregation: str, subset: str, column: str | None, **kwargs) -> None:
        """A feature that is itself a group aggregation (e.g. a "last" value or a count of distinct loans)."""
        self._agg(name, agg)
        self.add(name, pl.col(name), aggregation, subset, column, **kwargs)

    def prep_column(self, name: str, expr: pl.Expr, scope: str | None = None) -> str:
        self.prep.setdefault(name, expr.alias(name))
        self._scope.setdefault(name, scope)
        return name

    def _agg(self, name: str, expr: pl.Expr, scope: str | None = None, empty_is_zero: bool = False) -> pl.Expr:
        self.aggs.setdefault(name, expr.alias(name))
        self._scope.setdefault(name, scope)
        if scope is not None and empty_is_zero:
            self._empty.add(name)
        return pl.col(name)

    def _scoped(self, subset: str, where: pl.Expr) -> str:
        """Register ``subset`` as the rows where ``where`` holds (one filter per subset name)."""
        known = self.scopes.setdefault(subset, where)
        if not known.meta.eq(where):
            raise ValueError(f"{self.table}: subset {subset!r} is given two different row filters")
        return subset

    def sum_of(self, key: str, values: pl.Expr, exact: bool, scope: str | None = None) -> tuple[pl.Expr, pl.Expr]:
        """(sum, count of non-null) of ``values`` per group: exact decimal for fractional values (see below)."""
        col = self.prep_column(f"__{key}", values.cast(pl.Float64), scope)
        if exact:  # from the source expression: columns added in one with_columns cannot see each other
            dec = self.prep_column(f"__{key}__dec", values.cast(pl.Float64).cast(_EXACT, strict=False), scope)
            total = self._agg(f"__{key}__sum", pl.col(dec).sum(), scope, empty_is_zero=True).cast(pl.Float64)
        else:
            total = self._agg(f"__{key}__sum", pl.col(col).sum(), scope, empty_is_zero=True)
        return total, self._agg(f"__{key}__n", pl.col(col).count(), scope, empty_is_zero=True)

    def numeric(self, prefix: str, column: str, aggs: tuple[str, ...], subset: str, where: pl.Expr | None = None,
                source: pl.Expr | None = None, label: tuple[str, str] | None = None) -> None:
        """``prefix_COLUMN_AGG`` for each aggregation, optionally over the rows where ``where`` holds (then
        ``subset`` names those rows, and they are grouped on their own)."""
        base = source if source is not None else pl.col(column)
        scope = None if where is None else self._scoped(subset, where)
        key = f"{prefix}_{column}"
        col = self.prep_column(f"__{key}", base.cast(pl.Float64), scope)
        exact = not is_whole_number(column)
        for agg in aggs:
            name = f"{key}_{agg.upper()}"
            if agg in ("min", "max"):
                value = self._agg(f"__{name}", getattr(pl.col(col), agg)(), scope)
            elif agg == "nunique":
                value = self._agg(f"__{name}", pl.col(col).drop_nulls().n_unique(), scope,
                                  empty_is_zero=True).cast(pl.Float64)
            else:
                total, n = self.sum_of(key, base, exact, scope)
                if agg == "sum":
                    value = total
                elif agg == "mean":
                    value = pl.when(n > _COUNT[0]).then(total / n)
                else:  # sample std from exact sums of x and x^2
                    squares, _ = self.sum_of(f"{key}__sq", base.cast(pl.Float64) ** 2, exact, scope)
                    variance = ((squares - total * total / n) / (n - 1)).clip(lower_bound=0.0)
                    value = pl.when(n > _COUNT[1]).then(variance.sqrt())
            self.add(name, value.cast(pl.Float64), agg, subset, column, label=label)

    def shares(self, prefix: str, column: str, levels: tuple[str, ...], subset: str) -> None:
        """Share of the client's rows in each known level of a categorical column (kernel-style one-hot mean)."""
        col_en, col_fr = labels.label_en(column, self.table), labels.label_fr(column)
        known = self._agg(f"__{prefix}_{column}__n", pl.col(column).count())  # rows with a level (the denominator)
        for level in levels:
            name = f"{prefix}_{column}_{_slug(level)}_SHARE"
            # integer flags summed: whole-number sums are exact, so the share is the same on every path
            flag = self.prep_column(f"__{name}", (pl.col(column) == level).cast(pl.UInt32))
            count = self._agg(f"__{name}__sum", pl.col(flag).sum())
            share = pl.when(known > _COUNT[0]).then(count.cast(pl.Float64) / known)
            self.add(name, share, "share", subset, column,
                     en=f"Share of {self.subsets[subset][0]} with {col_en} = {level!r}",
                     fr=f"Part des éléments {french_of(self.subsets[subset][1])} avec « {col_fr} » = {level!r}")

    def count(self, name: str, subset: str, where: pl.Expr | None = None) -> None:
        if where is None:
            value = self._agg(f"__{name}", pl.len()).cast(pl.Float64)
        else:
            flag = self.prep_column(f"__{name}", where.cast(pl.Float64))
            value = self._agg(f"__{name}__sum", pl.col(flag).sum())
        en, fr = self.subsets[subset]
        self.add(name, value, "count", subset, None, en=f"Number of {en}", fr=f"Nombre {french_of(fr)}",
                 fill_zero=True)

    def evaluate(self, rows: pl.LazyFrame, key: str, wanted: frozenset[str] | None = None,
                 split: bool = True) -> pl.LazyFrame:
        """Per-``key`` features of ``rows``: prepare, aggregate, finish.

        ``split``: each subset's rows are grouped on their own and joined to the table's (whole tables: see
        docs/benchmarks.md); otherwise one group-by over all rows, the rows outside a subset masked (a request's
        handful of rows). Both give the same values.
        ``wanted`` (feature names; None = all) restricts the three steps to what those features depend on, so
        a caller that needs a few features (the service: the ones the model reads) does not pay for the others.
        The kept expressions are the same objects, so the values are the same as in a full evaluation.
        """
        steps, exprs = self.plan(wanted, split)
        out = None
        for scope, (prep, aggs) in steps.items():  # all rows first: every client with rows in the table
            scoped = rows if scope is None else rows.filter(self.scopes[scope])
            grouped = scoped.with_columns(prep).group_by(key).agg(aggs)
            if out is None:
                out = grouped
                continue
            empty = [a.meta.output_name() for a in aggs if a.meta.output_name() in self._empty]
            out = out.join(grouped, on=key, how="left").with_columns(pl.col(empty).fill_null(0))
        return out.select([pl.col(key), *exprs])

    def plan(self, wanted: frozenset[str] | None = None,
             split: bool = True) -> tuple[dict[str | None, tuple[list, list]], list]:
        """({subset or None: (prep, aggs)}, exprs) needed for the ``wanted`` features (None = all), found from
        the expressions' input columns. The entry for all rows (None) is always there and first; without
        ``split`` it is the only one, the subsets' row-wise columns masked outside their rows."""
        if (wanted, split) not in self._plans:
            exprs = [e for e, f in zip(self.exprs, self.features, strict=True) if wanted is None or f.name in wanted]
            agg_names = _inputs(exprs) & self.aggs.keys()
            aggs = [(name, e) for name, e in self.aggs.items() if name in agg_names]
            prep_names = _inputs([e for _, e in aggs]) & self.prep.keys()
            steps: dict[str | None, tuple[list, list]] = {None: ([], [])}
            for name, e in aggs:
                steps.setdefault(self._scope[name] if split else None, ([], []))[1].append(e)
            for name, e in self.prep.items():
                if name in prep_names:
                    scope = self._scope[name]
                    if split or scope is None:
                        steps[scope][0].append(e)
                    else:  # null outside the subset: every aggregation ignores nulls
                        steps[None][0].append(pl.when(self.scopes[scope]).then(e).alias(name))
            self._plans[(wanted, split)] = (steps, exprs)
        return self._plans[(wanted, split)]


# Floating-point addition is not associative and polars adds a group's values in an order that depends on its
# algorithm choice (sampled) and on threads. Sums of whole numbers are exact in float64 whatever the order; sums
# of fractional values (amounts, ratios, rates) are taken in 128-bit decimal, which is exact too. So every run
# and every path (a whole table or one client's rows) gives the same bits.
_EXACT = pl.Decimal(38, 9)
_ZERO32 = pl.lit(0.0, dtype=pl.Float32)
_COUNT = (pl.lit(0, dtype=pl.UInt32), pl.lit(1, dtype=pl.UInt32))  # typed like count() (docs/benchmarks.md)
_WHOLE_PREFIXES = ("DAYS_", "CNT_", "SK_DPD", "MONTHS_", "HOUR_", "NUM_", "NFLAG_", "CREDIT_DAY_OVERDUE")
_WHOLE_DERIVED = {"DPD", "DBD", "LATE", "SHORT", "PAYMENT_ROWS", "STATUS_MAX", "12M_STATUS_MAX", "STATUS_MONTHS",
                  "12M_STATUS_MONTHS"}


def as_stored_float(expr: pl.Expr) -> pl.Expr:
    """A numeric feature as stored: float32 (CatBoost's precision), -0.0 made +0.0 so every path writes the same
    bytes; part of the feature's own expression, which spares the service a pass over the columns."""
    return expr.cast(pl.Float32).add(_ZERO32)


def _inputs(exprs: list[pl.Expr]) -> set[str]:
    """Names of the columns the expressions read."""
    return {name for e in exprs for name in e.meta.root_names()}


def is_whole_number(column: str) -> bool:
    """Columns that hold whole numbers in the contract (day offsets, counts, days past due, flags)."""
    return column in _WHOLE_DERIVED or column.startswith(_WHOLE_PREFIXES)


def to_exact(expr: pl.Expr) -> pl.Expr:
    """Row-wise cast to the exact decimal type, to be summed by a plain ``sum()`` aggregation."""
    return expr.cast(_EXACT, strict=False)


def _slug(level: str) -> str:
    out = "".join(ch if ch.isalnum() else "_" for ch in level.upper())
    return "_".join(part for part in out.split("_") if part)
