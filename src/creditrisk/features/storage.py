"""How feature files are written: the pipeline's intermediate outputs, re-read by tuning, training and drift."""

from __future__ import annotations

from pathlib import Path


def write_feature_file(frame, target: Path) -> None:
    """A polars DataFrame as parquet, zstd level 1: faster to write than the default level for a few per cent
    more bytes (docs/benchmarks.md); rechunked, so the same values always give the same bytes."""
    frame.rechunk().write_parquet(target, compression="zstd", compression_level=1)
