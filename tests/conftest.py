"""Shared fixtures: one small generated data set per test session, and the real sample rows."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("BENTOML_DO_NOT_TRACK", "true")
# The decision chain's key, as operators give it (a test key, never a real one)
os.environ.setdefault("CREDITRISK_CHAIN_KEY", "test-chain-key-" + "k" * 40)
# Tests never touch the user's BentoML model store (~/bentoml): a fresh one per test session.
os.environ["BENTOML_HOME"] = tempfile.mkdtemp(prefix="bentoml-home-")

pytest_plugins = ["tests.service_fixtures", "tests.engines"]

ROOT = Path(__file__).resolve().parents[1]

# The lanes (docs/architecture.md): `make test-fast` runs what needs no engine, browser or pipeline run.
ENGINE_FIXTURES = frozenset({"postgres_url", "mlflow_server", "spark_ready"})
FOLDER_MARKS = {"integration": "pipeline", "e2e": "browser", "scaleout": "engine"}
WAIT_FOR_SIDE_RUNS = {"test_real_data.py", "test_reproducible.py"}  # run last: see below
RUN_ALONE = {"e2e", "dashboard"}  # run first, before the pipeline lane's runs: under their load, pages time out


def pytest_collection_modifyitems(items) -> None:
    """A test that starts an engine (PostgreSQL, an MLflow server, Spark) is marked ``engine`` by the fixtures it
    asks for; the folders of the browser and pipeline tests mark theirs, so no test can slip into the fast lane
    by forgetting a decorator."""
    for item in items:
        if (folder := _folder(item)) in FOLDER_MARKS:
            item.add_marker(FOLDER_MARKS[folder])
        if ENGINE_FIXTURES & set(item.fixturenames):
            item.add_marker("engine")
    # The browsers' tests first, on an idle machine; then the pipeline lane's runs start in the background and the
    # other tests run beside them; the pipeline tests go last, instead of waiting for the runs they read.
    items.sort(key=_rank)


def _rank(item) -> int:
    if _folder(item) in RUN_ALONE:
        return 0
    if _folder(item) != "integration":
        return 1
    return 3 if Path(item.fspath).name in WAIT_FOR_SIDE_RUNS else 2


def _folder(item) -> str:
    return Path(item.fspath).relative_to(ROOT / "tests").parts[0]


REAL_SAMPLE = ROOT.parent / "shared" / "home-credit" / "real-sample"

# Large enough for stable rates (default rate SE ~0.2 pt), small enough to generate in ~4 s.
N_TRAIN, N_TEST, CHUNK = 20_000, 3_000, 15_000


@pytest.fixture(scope="session")
def generated(tmp_path_factory) -> dict:
    """A synthetic data set (two chunks) with its summary; read-only for the tests."""
    from creditrisk.data.synthetic.generator import generate

    base = tmp_path_factory.mktemp("synthetic")
    summary = generate(N_TRAIN, N_TEST, seed=123, out_dir=base / "data", oracle_dir=base / "oracle",
                       chunk_size=CHUNK)
    return {"data": base / "data", "oracle": base / "oracle", "summary": summary}


@pytest.fixture(scope="session")
def frames(generated) -> dict:
    """The generated files read with pandas' default inference, as a user of the real files would."""
    import pandas as pd

    from creditrisk.data import schema

    return {name: pd.read_csv(generated["data"] / f"{name}.csv") for name in schema.ALL_TABLES}


@pytest.fixture(scope="session", autouse=True)
def pipeline_lane(request, tmp_path_factory):
    """The pipeline lane's runs (tests/integration/conftest.py) when a selected test needs them, else None."""
    items = request.session.items
    if not any("synthetic_project" in item.fixturenames for item in items):
        yield None
        return
    from tests.integration.conftest import PipelineLane

    lane = PipelineLane(tmp_path_factory.mktemp("lane"), REAL_SAMPLE if REAL_SAMPLE.exists() else None,
                        side=any("side_runs" in item.fixturenames for item in items))
    yield lane
    lane.stop()


@pytest.fixture(autouse=True)
def _lane_runs_beside_all_but_the_browsers(request, pipeline_lane):
    """The lane's runs start with the first test outside RUN_ALONE (those run first, on an idle machine)."""
    if pipeline_lane is not None and _folder(request.node) not in RUN_ALONE:
        pipeline_lane.start()


@pytest.fixture(scope="session")
def real_sample() -> Path:
    if not REAL_SAMPLE.exists():
        pytest.skip(f"real sample rows not found at {REAL_SAMPLE} (shipped beside the repository in CI)")
    return REAL_SAMPLE
