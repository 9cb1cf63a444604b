"""DVC stage: great-expectations validation of the typed tables (reports/validation)."""

from creditrisk.stages import run_validate
from pipelines._common import run_stage

if __name__ == "__main__":
    run_stage("validate", lambda p, paths: run_validate(paths, p.validate.max_orphan_share))
