"""What several stage runners share: the tables scan and the training split (file names: the catalogue)."""

from __future__ import annotations

import json
from pathlib import Path

from creditrisk.artefacts.catalogue import Paths
from creditrisk.config import Params


def load_tables(interim_dir: Path) -> dict:
    """Lazy scans of the ingested tables (history tables absent from the manifest are simply not given)."""
    import polars as pl

    from creditrisk.data.ingest import read_manifest

    present = read_manifest(interim_dir)["tables"]
    return {name: pl.scan_parquet(interim_dir / f"{name}.parquet") for name in present}


def split(params: Params, paths: Paths):
    """(training part, holdout) of the labelled features: the same split in tune, train and evaluate."""
    from creditrisk.model.data import split_data

    return split_data(paths.train_features, paths.feature_catalogue, params.train.holdout_size,
                      params.base.seed)


def read_optional(path: Path) -> dict | None:
    return json.loads(path.read_text()) if path.exists() else None
