"""The pipeline lane's shared project: one `dvc repro` on a small generated data set, run once per session; the
smoke test reads it. That run starts with the test session, in the background (`smoke_run`, tests/conftest.py),
and goes on beside the tests that come before the smoke test. Two more runs start from it, side by side on the
machine's two cores as soon as the smoke test begins, each in its own copy: the real files' run (a checkout that
ran the synthetic pipeline before) and the rerun in another checkout that must reproduce every output byte for
byte."""

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.integration.test_pipeline_smoke import _environment, copy_project, new_project, without_registry


@pytest.fixture(scope="session")
def synthetic_project(smoke_run) -> Path:
    """The project on 2,500 + 500 generated applicants, after `dvc repro` (waits for the smoke run)."""
    project, result = smoke_run.result("smoke")
    if result.returncode != 0:
        raise AssertionError(f"dvc repro of the smoke project failed ({result.returncode}):\n{result.stdout}")
    return project


class SideRuns:
    """Pipeline runs started in the background on copies of the synthetic project; ``result`` waits for one."""

    def __init__(self) -> None:
        self.runs: dict[str, tuple[Path, subprocess.Popen, Path]] = {}

    def start(self, name: str, project: Path, args: list[str]) -> None:
        log = project.parent / f"{name}.log"
        with open(log, "w") as handle:
            process = subprocess.Popen(args, cwd=project, env=_environment(), stdout=handle,
                                       stderr=subprocess.STDOUT, text=True)
        self.runs[name] = (project, process, log)

    def result(self, name: str) -> tuple[Path, subprocess.CompletedProcess]:
        project, process, log = self.runs[name]
        process.wait(timeout=900)
        return project, subprocess.CompletedProcess(process.args, process.returncode, log.read_text(), "")

    def stop(self) -> None:
        for _, process, _ in self.runs.values():
            if process.poll() is None:
                process.kill()


def start_smoke_run(work: Path) -> SideRuns:
    """`dvc repro` of the smoke project, started in the background. Its toy model (60 trees on 2 folds) fails the
    battery's calibration tests on so few applicants (the default run, 30,000, passes them): the gate records them
    in report mode, so that the smoke run still publishes what the later stages need."""
    project = new_project(work, generate={"n_train": 2500, "n_test": 500, "chunk_size": 2000},
                          drift={"adversarial_rows": 1000, "top_features": 5}, model_validation={"gate": "report"})
    runs = SideRuns()
    runs.start("smoke", project, ["dvc", "repro"])
    return runs


def set_params(project: Path, **sections: dict) -> None:
    params = yaml.safe_load((project / "params.yaml").read_text())
    for name, values in sections.items():
        params[name].update(values)
    (project / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))


@pytest.fixture(scope="session")
def side_runs(synthetic_project, real_sample, tmp_path_factory):
    """Starts, once the synthetic run is done: ``real`` (the real sample's eight files in data/raw,
    ``data.source: raw``, plain `dvc repro` in the default enforce mode; the comparisons are the smoke test's, so
    ``compare.run: false``) and ``clone`` (the same code, params and data in a copy without the MLflow registry, as
    a fresh clone would be: every stage from tune to docs forced)."""
    runs = SideRuns()
    real = copy_project(synthetic_project, tmp_path_factory.mktemp("real") / "project")
    shutil.copytree(real_sample, real / "data" / "raw")
    set_params(real, data={"source": "raw"}, compare={"run": False}, model_validation={"gate": "enforce"})
    runs.start("real", real, ["dvc", "repro"])
    clone = without_registry(copy_project(synthetic_project, tmp_path_factory.mktemp("clone") / "project"))
    runs.start("clone", clone, ["dvc", "repro", "--force", "--downstream", "tune"])
    yield runs
    runs.stop()
