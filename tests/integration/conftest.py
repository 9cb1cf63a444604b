"""The pipeline lane's shared project: one `dvc repro` on a small generated data set, run once per session; the
smoke test reads it. Two more runs start from it, side by side on the machine's two cores, each in its own copy:
the real files' run (a checkout that ran the synthetic pipeline before) and the rerun in another checkout that must
reproduce every output byte for byte. All three run in the background (`PipelineLane`), beside the other tests,
from the first test that is not a browser's (tests/conftest.py)."""

import shutil
import subprocess
import threading
from pathlib import Path

import pytest
import yaml

from tests.integration.test_pipeline_smoke import _environment, copy_project, new_project, without_registry


@pytest.fixture(scope="session")
def synthetic_project(pipeline_lane) -> Path:
    """The project on 2,500 + 500 generated applicants, after `dvc repro` (waits for the smoke run)."""
    return pipeline_lane.smoke()


@pytest.fixture(scope="session")
def side_runs(synthetic_project, real_sample, pipeline_lane):
    """``real`` (the real sample's eight files in data/raw, ``data.source: raw``, plain `dvc repro` in the default
    enforce mode; the comparisons are the smoke test's, so ``compare.run: false``) and ``clone`` (the same code,
    params and data in a copy without the MLflow registry, as a fresh clone would be: every stage from tune to
    docs forced), started as soon as the smoke run ended."""
    return pipeline_lane.side_runs()


class SideRuns:
    """Pipeline runs started in the background on copies of the synthetic project; ``result`` waits for one."""

    def __init__(self, env: dict) -> None:
        self.env = env
        self.runs: dict[str, tuple[Path, subprocess.Popen, Path]] = {}

    def start(self, name: str, project: Path, args: list[str]) -> None:
        log = project.parent / f"{name}.log"
        with open(log, "w") as handle:
            process = subprocess.Popen(args, cwd=project, env=self.env, stdout=handle,
                                       stderr=subprocess.STDOUT, text=True)
        self.runs[name] = (project, process, log)

    def result(self, name: str) -> tuple[Path, subprocess.CompletedProcess]:
        project, process, log = self.runs[name]
        process.wait(timeout=900)
        return project, subprocess.CompletedProcess(process.args, process.returncode, log.read_text(), "")

    def stop(self) -> None:
        for _, process, _ in list(self.runs.values()):  # (a lane's thread may be adding one)
            if process.poll() is None:
                process.kill()


def set_params(project: Path, **sections: dict) -> None:
    params = yaml.safe_load((project / "params.yaml").read_text())
    for name, values in sections.items():
        params[name].update(values)
    (project / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))


class PipelineLane:
    """The lane's runs in the background: ``start`` launches the smoke run, and a thread starts the side runs from
    its project as soon as it ends (when a selected test reads them)."""

    def __init__(self, work: Path, real_sample: Path | None, side: bool) -> None:
        self.work, self.real_sample, self.side = work, real_sample, side
        # The environment as the session began: the runs start while other tests run, and those may point MLflow
        # elsewhere (mlflow.set_tracking_uri sets MLFLOW_TRACKING_URI); each project keeps its own registry.
        env = {name: value for name, value in _environment().items() if not name.startswith("MLFLOW_")}
        self.runs = SideRuns(env)
        self._thread: threading.Thread | None = None
        self._failure: BaseException | None = None  # what stopped the thread from starting the side runs

    def start(self) -> None:
        """`dvc repro` of the smoke project. Its toy model (60 trees on 2 folds) fails the battery's calibration
        tests on so few applicants (the default run, 30,000, passes them): the gate records them in report mode,
        so that the smoke run still publishes what the later stages need."""
        if self._thread is not None:
            return
        (self.work / "smoke").mkdir()
        project = new_project(self.work / "smoke", generate={"n_train": 2500, "n_test": 500, "chunk_size": 2000},
                              drift={"adversarial_rows": 1000, "top_features": 5},
                              model_validation={"gate": "report"})
        self.runs.start("smoke", project, ["dvc", "repro"])
        self._thread = threading.Thread(target=self._start_side_runs, daemon=True)
        self._thread.start()

    def _start_side_runs(self) -> None:
        project, result = self.runs.result("smoke")
        if result.returncode != 0 or not self.side:
            return
        try:
            if self.real_sample is not None:
                real = copy_project(project, self.work / "real" / "project")
                shutil.copytree(self.real_sample, real / "data" / "raw")
                set_params(real, data={"source": "raw"}, compare={"run": False}, model_validation={"gate": "enforce"})
                self.runs.start("real", real, ["dvc", "repro"])
            clone = without_registry(copy_project(project, self.work / "clone" / "project"))
            self.runs.start("clone", clone, ["dvc", "repro", "--force", "--downstream", "tune"])
        except BaseException as failure:  # given to the tests that read the side runs, not lost in the thread
            self._failure = failure

    def smoke(self) -> Path:
        self.start()
        project, result = self.runs.result("smoke")
        if result.returncode != 0:
            raise AssertionError(f"dvc repro of the smoke project failed ({result.returncode}):\n{result.stdout}")
        return project

    def side_runs(self) -> SideRuns:
        self.smoke()
        self._thread.join()
        if self._failure is not None:
            raise AssertionError("the side runs could not start from the smoke project") from self._failure
        return self.runs

    def stop(self) -> None:
        self.runs.stop()  # the smoke run first: the thread waiting for it then ends
        if self._thread is not None:
            self._thread.join(timeout=60)
        self.runs.stop()
