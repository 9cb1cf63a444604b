"""DVC stage: the champion's recipe compared with the other imbalance treatments, the baselines, the challenger
scorecard and the sensitive attributes it leaves out."""

from creditrisk.stages.compare import run_compare
from pipelines._common import run_stage

if __name__ == "__main__":
    run_stage("compare", run_compare)
