"""DVC stage: Optuna search of CatBoost parameters on the CV business cost (study resumed from its journal)."""

from creditrisk.stages.tune import run_tune
from pipelines._common import run_stage

if __name__ == "__main__":
    run_stage("tune", run_tune)
