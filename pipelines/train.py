"""DVC stage: imbalance strategies compared on CV business cost; champion fitted, calibrated, thresholded."""

from creditrisk.stages.train import run_train
from pipelines._common import run_stage

if __name__ == "__main__":
    run_stage("train", run_train)
