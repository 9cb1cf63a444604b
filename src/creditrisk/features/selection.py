"""Drop constant and duplicate feature columns, decided on the training rows only (never on the test set)."""

from __future__ import annotations

import polars as pl


def find_useless_columns(train: pl.DataFrame, candidates: list[str]) -> dict[str, str]:
    """Columns to drop -> reason: constant (one value, nulls included) or identical to an earlier column."""
    dropped: dict[str, str] = {}
    uniques = train.select(pl.col(candidates).n_unique())
    for name in candidates:
        if uniques[name][0] <= 1:
            dropped[name] = "constant on the training rows"
    seen: dict[tuple, str] = {}
    for name in candidates:
        if name in dropped:
            continue
        column = train[name]
        signature = (column.dtype, int(column.hash(seed=0).sum()), column.null_count())
        twin = seen.get(signature)
        if twin is not None and column.equals(train[twin], check_names=False):
            dropped[name] = f"duplicate of {twin}"
        else:
            seen.setdefault(signature, name)
    return dropped
