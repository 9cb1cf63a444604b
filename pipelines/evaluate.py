"""DVC stage: the holdout scored once -> reports/metrics.json, plots, oracle gap on synthetic data."""

from creditrisk.stages.evaluate import run_evaluate
from pipelines._common import run_stage

if __name__ == "__main__":
    run_stage("evaluate", run_evaluate)
