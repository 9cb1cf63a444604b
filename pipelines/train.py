"""DVC stage: imbalance strategies compared on CV business cost; champion fitted, calibrated, thresholded."""

from creditrisk.model.pipeline import run_train
from pipelines._common import run_stage

if __name__ == "__main__":
    run_stage("train", lambda p, paths: run_train(p, paths) and None)
