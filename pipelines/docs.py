"""DVC stage: the methodology note and the presentation, generated from reports/ (docs/)."""

from creditrisk.stages.docs import run_docs
from pipelines._common import run_stage

if __name__ == "__main__":
    run_stage("docs", run_docs)
