"""Reproducible bytes: the same code, params and data give the same DVC hashes in another checkout (issue 31)."""

import json


def test_another_checkout_reproduces_every_output_byte_for_byte(synthetic_project, side_runs):
    """In a copy of the synthetic project without the MLflow registry (a new one, as in a fresh clone), every stage
    from tune to docs was run again (tuning, training with its bag of seeds, the comparisons and the scorecard,
    the evaluation, the validation battery and the gate, the Evidently report, publishing, the documents):
    dvc.lock must be the same, line for line. The stages before tune are covered by their own tests (the
    generator's seed, byte-identical ingestion; the features are functions of the rows alone)."""
    clone, result = side_runs.result("clone")
    assert result.returncode == 0, result.stdout[-3000:]
    assert (clone / "dvc.lock").read_text() == (synthetic_project / "dvc.lock").read_text()
    registry = json.loads((clone / "reports" / "registry.json").read_text())
    assert registry["version"] == 1 and registry["served_version"] == 2  # a new registry: the same versions
