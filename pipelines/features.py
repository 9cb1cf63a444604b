"""DVC stage: typed tables (data/interim) -> one row per applicant (data/features) + feature catalogue."""

from creditrisk.stages.features import run_features
from pipelines._common import run_stage

if __name__ == "__main__":
    run_stage("features", run_features)
