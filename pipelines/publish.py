"""DVC stage: the MLflow champion + production clients -> models/serving -> the BentoML model store."""

from creditrisk.stages.publish import run_publish
from pipelines._common import run_stage

if __name__ == "__main__":
    run_stage("publish", run_publish)
