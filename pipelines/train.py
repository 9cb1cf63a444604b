"""DVC stage: the champion's recipe cross-validated (trees by CV), calibrated, thresholded and fitted."""

from creditrisk.stages.train import run_train
from pipelines._common import run_stage

if __name__ == "__main__":
    run_stage("train", run_train)
