"""Stage ingest: raw CSV files (data/<source>) -> typed parquet tables (data/interim)."""

from __future__ import annotations

from creditrisk.artefacts.catalogue import Paths
from creditrisk.config import Params
from creditrisk.errors import MissingInput


def run_ingest(params: Params, paths: Paths) -> dict:
    """The raw CSV files of ``data.source`` -> typed parquet tables in data/interim."""
    from creditrisk.data.ingest import ingest

    source_dir = paths.source_dir(params.data.source)
    if not source_dir.exists():
        raise MissingInput(f"{source_dir} does not exist: put the Kaggle CSV files there or set "
                           "data.source: synthetic in params.yaml")
    result = ingest(source_dir, paths.interim)
    return {"tables": result.tables, "absent": result.absent}
