"""DVC stage: the candidate registered and validated -> reports/validation_model/, the gate's verdict."""

from creditrisk.stages.model_validation import run_model_validation
from pipelines._common import run_stage

if __name__ == "__main__":
    run_stage("model_validation", run_model_validation)
