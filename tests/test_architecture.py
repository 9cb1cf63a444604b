"""The import rules of docs/architecture.md: each room imports only the rooms below it."""

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


def _lint_imports(python_path: Path | None = None) -> subprocess.CompletedProcess:
    """import-linter on the contracts of pyproject.toml, in its own process (it reconfigures logging)."""
    env = os.environ | ({"PYTHONPATH": str(python_path)} if python_path else {})
    command = [str(Path(sys.executable).parent / "lint-imports"), "--no-cache", str(ROOT / "pyproject.toml")]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_the_package_keeps_its_import_contracts():
    result = _lint_imports()
    assert result.returncode == 0 and "2 kept, 0 broken" in result.stdout, result.stdout + result.stderr


def test_a_reversed_import_breaks_the_layers(tmp_path):
    """The contract can fail: a copy of the package where the schema imports the model is refused."""
    shutil.copytree(ROOT / "src" / "creditrisk", tmp_path / "creditrisk", ignore=shutil.ignore_patterns("__pycache__"))
    schema = tmp_path / "creditrisk" / "data" / "schema.py"
    schema.write_text(schema.read_text() + "\nfrom creditrisk.artefacts import bundle  # noqa\n")
    result = _lint_imports(tmp_path)
    broken = "creditrisk.data.schema -> creditrisk.artefacts.bundle"
    assert result.returncode == 1 and broken in result.stdout, result.stdout


def test_the_dashboard_talks_only_to_the_api():
    for path in (ROOT / "dashboard").glob("*.py"):
        assert not {m for m in _imports(path) if m.split(".")[0] == "creditrisk"}, path.name


def test_stage_entry_points_only_call_a_stage_runner():
    allowed = {"creditrisk.config", "creditrisk.artefacts.catalogue", "creditrisk.errors", "creditrisk.logs",
               "pipelines._common"}
    for path in (ROOT / "pipelines").glob("*.py"):
        ours = {m for m in _imports(path) if m.split(".")[0] in ("creditrisk", "pipelines")}
        runners = {m for m in ours if m == f"creditrisk.stages.{path.stem}"}
        assert ours - runners <= allowed, (path.name, ours - runners - allowed)
