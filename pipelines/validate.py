"""DVC stage: great-expectations validation of the typed tables (reports/validation)."""

from creditrisk.stages.validate import run_validate
from pipelines._common import run_stage

if __name__ == "__main__":
    run_stage("validate", run_validate)
