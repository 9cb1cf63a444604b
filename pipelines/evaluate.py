"""DVC stage: the holdout scored once -> reports/metrics.json, plots, oracle gap on synthetic data."""

from creditrisk.model.pipeline import run_evaluate
from pipelines._common import run_stage

if __name__ == "__main__":
    run_stage("evaluate", lambda p, paths: run_evaluate(p, paths) and None)
