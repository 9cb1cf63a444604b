"""Real engines for the tests (a pytest plugin, see tests/conftest.py): a throwaway PostgreSQL server from the
Debian packages, and an MLflow tracking server on it.

`make test` installs the server binaries when they are missing and sets CREDITRISK_REQUIRE_ENGINES=1: there a
missing engine fails the test. Run by hand without them, the tests that need one are skipped with the command
that installs it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

POSTGRES_BIN = Path("/usr/lib/postgresql")


def _missing(what: str, install: str) -> None:
    message = f"{what} not found: {install} (`make test` installs it)"
    if os.environ.get("CREDITRISK_REQUIRE_ENGINES") == "1":
        pytest.fail(message)
    pytest.skip(message)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_postgres(args: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run its tools as the postgres user then."""
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


@contextlib.contextmanager
def postgres_server():
    """A PostgreSQL server from the Debian binaries on 127.0.0.1 and a free port (fsync off: a throwaway server);
    its URL for SQLAlchemy with psycopg 3. Also used by benchmarks/decisions_store.py."""
    versions = sorted(POSTGRES_BIN.glob("*/bin/initdb"))
    if not versions:
        raise FileNotFoundError("PostgreSQL server binaries (/usr/lib/postgresql/*/bin)")
    bin_dir = versions[-1].parent
    data = Path(tempfile.mkdtemp(prefix="creditrisk-pg-"))  # not under pytest's 0700 tmp root: postgres owns it
    if os.geteuid() == 0:
        shutil.chown(data, "postgres", "postgres")
    port = free_port()
    subprocess.run(_as_postgres([str(bin_dir / "initdb"), "-D", str(data / "db"), "-A", "trust", "-U", "postgres",
                                 "--no-sync"]), check=True, capture_output=True)
    options = f"-h 127.0.0.1 -p {port} -c fsync=off -c unix_socket_directories={data}"
    subprocess.run(_as_postgres([str(bin_dir / "pg_ctl"), "-D", str(data / "db"), "-o", options, "-l",
                                 str(data / "log"), "-w", "start"]), check=True, capture_output=True)
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(_as_postgres([str(bin_dir / "pg_ctl"), "-D", str(data / "db"), "-m", "immediate", "stop"]),
                       capture_output=True)
        shutil.rmtree(data, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_url():
    """A throwaway PostgreSQL server for the session (``postgres_server``)."""
    if not sorted(POSTGRES_BIN.glob("*/bin/initdb")):
        _missing("PostgreSQL server binaries (/usr/lib/postgresql/*/bin)", "apt-get install postgresql")
    with postgres_server() as url:
        yield url


def create_database(url: str, name: str) -> str:
    """A new database on the server of ``url``; its URL."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return url.rsplit("/", 1)[0] + f"/{name}"


@contextlib.contextmanager
def mlflow_server_process(store: str, artefacts: Path):
    """`mlflow server` on the backend store ``store`` with proxied artefacts in ``artefacts`` (the server writes
    them, clients never do), bound to 127.0.0.1; yields its tracking URI. Also used by benchmarks/mlflow_server.py."""
    import httpx

    port = free_port()
    env = os.environ | {"MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}
    server = subprocess.Popen([sys.executable, "-m", "mlflow", "server", "--backend-store-uri", store,
                               "--artifacts-destination", str(artefacts), "--serve-artifacts", "--host", "127.0.0.1",
                               "--port", str(port), "--workers", "1"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, start_new_session=True)
    uri = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{uri}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                if server.poll() is not None:
                    raise RuntimeError(f"mlflow server exited: {server.stderr.read().decode()[-2000:]}") from None
            time.sleep(0.5)
        else:
            raise RuntimeError("mlflow server not ready after 90 s")
        yield uri
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)


@pytest.fixture(scope="session")
def mlflow_server(postgres_url, tmp_path_factory):
    """An MLflow tracking server on the session's PostgreSQL; yields (tracking URI, the server's artefact folder)."""
    artefacts = tmp_path_factory.mktemp("mlflow-artefacts")
    with mlflow_server_process(create_database(postgres_url, "mlflow"), artefacts) as uri:
        yield uri, artefacts


@pytest.fixture(scope="session")
def spark_ready() -> None:
    """pyspark (the `spark` dependency group) and a Java runtime, or a skip that says how to get them."""
    import importlib.util

    if importlib.util.find_spec("pyspark") is None:
        _missing("pyspark", "uv sync --group spark")
    if shutil.which("java") is None:
        _missing("a Java runtime", "apt-get install openjdk-17-jre-headless")
