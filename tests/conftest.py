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


def pytest_collection_modifyitems(items) -> None:
    """A test that starts an engine (PostgreSQL, an MLflow server, Spark) is marked ``engine`` by the fixtures it
    asks for; the folders of the browser and pipeline tests mark theirs, so no test can slip into the fast lane
    by forgetting a decorator."""
    for item in items:
        folder = Path(item.fspath).relative_to(ROOT / "tests").parts[0]
        if folder in FOLDER_MARKS:
            item.add_marker(FOLDER_MARKS[folder])
        if ENGINE_FIXTURES & set(item.fixturenames):
            item.add_marker("engine")
    # The tests that read the pipeline lane's side runs (started in the background once the smoke run is done) go
    # last: the runs go on beside the other tests instead of being waited for.
    items[:] = ([i for i in items if Path(i.fspath).name not in WAIT_FOR_SIDE_RUNS]
                + [i for i in items if Path(i.fspath).name in WAIT_FOR_SIDE_RUNS])
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
def smoke_run(request, tmp_path_factory):
    """The pipeline lane's smoke run (`dvc repro` on a small generated project), started with the session when a
    selected test needs it: it goes on in the background beside the tests before the smoke test, whose fixture
    waits for it (tests/integration/conftest.py). None when no selected test needs it."""
    if not any("synthetic_project" in item.fixturenames for item in request.session.items):
        yield None
        return
    from tests.integration.conftest import start_smoke_run

    runs = start_smoke_run(tmp_path_factory.mktemp("project"))
    yield runs
    runs.stop()


@pytest.fixture(scope="session")
def real_sample() -> Path:
    if not REAL_SAMPLE.exists():
        pytest.skip(f"real sample rows not found at {REAL_SAMPLE} (shipped beside the repository in CI)")
    return REAL_SAMPLE
