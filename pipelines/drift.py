"""DVC stage: Evidently drift report, modelling data vs production clients (reports/drift/)."""

from creditrisk.stages.drift import run_drift
from pipelines._common import run_stage

if __name__ == "__main__":
    run_stage("drift", run_drift)
