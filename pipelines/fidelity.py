"""DVC stage: compare the synthetic files with the reference statistics of the real data."""

from creditrisk.stages.fidelity import run_fidelity
from pipelines._common import run_stage

if __name__ == "__main__":
    run_stage("fidelity", run_fidelity)
