"""One feature builder for every path: the pipeline, batch scoring of a file and the live service.

``build_features(tables)`` takes the typed tables (polars Lazy/DataFrames with the contract dtypes; history tables
optional) and returns one row per application with the application's own columns (categoricals as strings),
ratios, EXT_SOURCE combinations and per-applicant aggregates of the five history families, in the style of the
public "LightGBM with simple features" kernel, plus recency windows. Every feature is a function of one
applicant's own rows: nothing is fitted on the data, so no statistic of other applicants, of the test set or of
TARGET can leak into a feature (the drop of constant/duplicate columns is decided on training data only, in
``selection.py``).

The application's features are in ``application``; a history family is one module (``bureau``, ``previous``,
``pos_cash``, ``instalments``, ``credit_card``) whose function decorated with ``@family(name)`` (the name
``schema.REGISTRY`` gives its tables) returns its ``FeatureSet``; the builder, the catalogue and the service's
request rows find it in the registry of ``family``.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache, lru_cache
from pathlib import Path

import polars as pl

from creditrisk.data import schema
from creditrisk.data.schema import KEY
from creditrisk.features import bureau, credit_card, instalments, pos_cash, previous  # noqa: F401 (they register)
from creditrisk.features.application import application_features, application_set
from creditrisk.features.catalogue import Feature
from creditrisk.features.family import REGISTERED, TableLike, Tables, families, lazy


# ------------------------------------------------------------------------------------------------ entry point
def build_features(tables: Tables, columns: list[str] | None = None) -> pl.DataFrame:
    """Features of every application in ``tables['application']`` (train, test or request rows), one row each.

    ``tables`` maps table names to typed frames: ``application`` (required; TARGET, if present, is ignored) and
    any of the six history tables (missing or None = no history of that kind). ``columns`` selects and orders
    the output columns (the catalogue's selected features); SK_ID_CURR always comes first. Only what the
    selected columns depend on is computed.
    """
    names, wanted, zero, categorical = _output_plan(None if columns is None else tuple(columns))
    app = lazy(tables["application"]).drop("TARGET", strict=False)
    scanned = isinstance(tables["application"], pl.LazyFrame)
    parts: list[pl.LazyFrame | pl.DataFrame] = [application_features(app, wanted)]
    for fam in families():
        if not scanned and _no_rows(tables.get(fam.table)):
            parts.append(_empty_part(fam.name, wanted))
        else:
            parts.append(fam.evaluate(tables, wanted, split=scanned))
    parts = _collect_scanned(parts) if scanned else _collect_request(parts)
    out = parts[0].lazy()
    for history in parts[1:]:
        out = out.join(history.lazy(), on=KEY, how="left", maintain_order="left")  # keeps the input's row order
    out = out.select(pl.col(KEY, *names)).with_columns(pl.col(zero).fill_null(0.0),
                                                        pl.col(categorical).fill_null(schema.MISSING_CATEGORY))
    return out.collect(optimizations=pl.QueryOptFlags.none(), engine="in-memory")


def _collect_scanned(parts: list[pl.LazyFrame]) -> list[pl.DataFrame]:
    """Parts of tables scanned from disk, one at a time with the streaming engine, the instalments first: the
    peak memory at full size is set by their group-bys alone (docs/benchmarks.md)."""
    first = 1 + [fam.name for fam in families()].index("installments")
    order = [first, *(i for i in range(len(parts)) if i != first)]
    collected = {i: parts[i].collect(engine="streaming") for i in order}
    return [collected[i] for i in range(len(parts))]


def _collect_request(parts: list[pl.LazyFrame | pl.DataFrame]) -> list[pl.DataFrame]:
    """Parts of a request's rows, together, in memory, without the query optimiser: on a handful of rows the
    streaming engine's and the optimiser's set-up cost more than the work (docs/benchmarks.md)."""
    lazy = [i for i, part in enumerate(parts) if isinstance(part, pl.LazyFrame)]
    done = pl.collect_all([parts[i] for i in lazy], optimizations=pl.QueryOptFlags.none(), engine="in-memory")
    parts = list(parts)
    for i, part in zip(lazy, done, strict=True):
        parts[i] = part
    return parts


def _no_rows(frame: TableLike | None) -> bool:
    return frame is None or (isinstance(frame, pl.DataFrame) and frame.is_empty())


@lru_cache(maxsize=64)
def _empty_part(name: str, wanted: frozenset[str] | None) -> pl.DataFrame:
    """What a family gives for a request without rows of its table (most clients have no credit card): its
    columns, no rows, computed once (docs/benchmarks.md)."""
    return pl.DataFrame(schema=REGISTERED[name].evaluate({}, wanted, split=False).collect_schema())


@lru_cache(maxsize=16)
def _output_plan(columns: tuple[str, ...] | None) -> tuple[list[str], frozenset[str] | None, list[str], list[str]]:
    """(output names, features to compute or None for all, columns filled with 0, categorical columns)."""
    features = catalogue()
    if columns is None:
        names, wanted = [f.name for f in features], None
    else:
        names = [c for c in columns if c != KEY]
        wanted = frozenset(names)  # only what the requested columns depend on is computed
        unknown = wanted - {f.name for f in features}
        if unknown:
            raise KeyError(f"features not produced by the builder: {sorted(unknown)[:5]}")
    kept = set(names)
    zero = [f.name for f in features if f.fill_zero and f.name in kept]
    categorical = [f.name for f in features if f.categorical and f.name in kept]
    return names, wanted, zero, categorical


@cache
def feature_version() -> str:
    """The version of what computes the features: a digest of the feature modules' code and of the contract they read
    (the schema and the reference statistics that fix the category levels). A model records the version it was
    trained with; batch scoring refuses a model whose version differs, since the same feature name could then
    hold a different value."""
    import hashlib

    import creditrisk.features.planner as planner
    import creditrisk.resources as resources

    digest = hashlib.sha256()
    for path in (*sorted(Path(planner.__file__).parent.glob("*.py")), Path(resources.__file__).parent / "schema.json",
                 Path(resources.__file__).parent / "reference_stats.json"):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def candidate_groups() -> list[str]:
    """The candidate feature groups (params ``features.groups`` chooses which are kept), in catalogue order."""
    return list(dict.fromkeys(f.group for f in _catalogue() if f.group != "base"))


def catalogue() -> list[Feature]:
    """Every feature the builder produces, in output order (independent of any data)."""
    return list(_catalogue())


@cache
def _catalogue() -> tuple[Feature, ...]:
    features = list(application_set().features)
    for fam in families():
        features += fam.feature_set().features
    return tuple(features)


def client_rows(tables: Mapping[str, pl.DataFrame], client: int | list[int]) -> dict[str, pl.DataFrame]:
    """Applicants' own rows of every table (what a scoring request carries), from in-memory tables.

    ``tables`` holds ``application`` (or application_train/application_test) and any history tables; ``client``
    is one applicant id or a list of them.
    """
    ids = [client] if isinstance(client, int) else list(client)
    apps = [tables[n] for n in ("application", *schema.APPLICATION_TABLES) if n in tables]
    application = pl.concat([a.drop("TARGET", strict=False) for a in apps], how="vertical")
    rows = {"application": application.filter(pl.col(KEY).is_in(ids))}
    for name in schema.HISTORY_TABLES:  # parents before children
        entry = schema.ENTRIES[name]
        if name in tables and entry.parent in rows:
            rows[name] = tables[name].filter(pl.col(entry.link).is_in(rows[entry.parent][entry.link].implode()))
    return rows
