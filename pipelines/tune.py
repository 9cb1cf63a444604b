"""DVC stage: Optuna search of CatBoost parameters on the CV business cost (study resumed from its journal)."""

from creditrisk.model.pipeline import run_tune
from pipelines._common import run_stage

if __name__ == "__main__":
    run_stage("tune", lambda p, paths: run_tune(p, paths) and None)
