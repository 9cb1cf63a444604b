"""The pipeline lane's shared project: one `dvc repro` on a small generated data set, run once per session; the
smoke test reads it, and the real-data test runs the real files in a copy of it (a checkout that ran the
synthetic pipeline before)."""

from pathlib import Path

import pytest

from tests.integration.test_pipeline_smoke import _run, new_project


@pytest.fixture(scope="session")
def synthetic_project(tmp_path_factory) -> Path:
    """The project on 2,500 + 500 generated applicants, after `dvc repro`. Its toy model (60 trees on 2 folds)
    fails the battery's calibration tests on so few applicants (the default run, 30,000, passes them): the gate
    records them in report mode, so that the smoke run still publishes what the later stages need."""
    project = new_project(tmp_path_factory.mktemp("project"),
                          generate={"n_train": 2500, "n_test": 500, "chunk_size": 2000},
                          drift={"adversarial_rows": 1000, "top_features": 5},
                          model_validation={"gate": "report"})
    _run(["dvc", "repro"], project)
    return project
