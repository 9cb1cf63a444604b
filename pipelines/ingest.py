"""DVC stage: raw CSV files (data/<source>) -> typed parquet tables (data/interim)."""

from creditrisk.stages.ingest import run_ingest
from pipelines._common import run_stage

if __name__ == "__main__":
    run_stage("ingest", run_ingest)
