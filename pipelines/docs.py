"""DVC stage: the methodology note and the presentation, generated from reports/ (docs/)."""

from creditrisk.reporting.documents import run_docs
from pipelines._common import run_stage

if __name__ == "__main__":
    run_stage("docs", lambda p, paths: run_docs(paths) and None)
