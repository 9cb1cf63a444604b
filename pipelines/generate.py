"""DVC stage: write the synthetic Home Credit files (data/synthetic) and the true PD (data/oracle)."""

from creditrisk.stages.generate import run_generate
from pipelines._common import run_stage

if __name__ == "__main__":
    run_stage("generate", run_generate)
