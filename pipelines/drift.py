"""DVC stage: Evidently drift report, modelling data vs production clients (reports/drift/)."""

from creditrisk.monitoring.stage import run_drift
from pipelines._common import run_stage

if __name__ == "__main__":
    run_stage("drift", lambda p, paths: run_drift(p, paths) and None)
