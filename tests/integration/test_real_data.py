"""End to end on the real Kaggle rows: `dvc repro` in real-data mode on the sample of the eight real files.

Every output must be true for the data it ran on: no synthetic data generated or described, no oracle figure,
the orphan history rows of a sample counted as warnings (not a failure), documents about the real files.
"""

import json
import re
import shutil

import pytest
import yaml

from tests.integration.test_pipeline_smoke import _run, new_project



@pytest.fixture(scope="module")
def real_project(tmp_path_factory, real_sample):
    """The project on the real sample rows (data.source: raw), after `dvc repro --keep-going`: with the small
    model settings of the tests the validation gate may block the first model, and then publish has nothing to
    serve; every other stage runs. The gate's outcome is checked below either way."""
    work = tmp_path_factory.mktemp("real-project")
    shutil.copytree(real_sample, work / "data" / "raw")
    new_project(work, data={"source": "raw"}, drift={"adversarial_rows": 500, "top_features": 5})
    result = _run(["dvc", "repro", "--keep-going"], work, check=False)
    return work, result


def _json(project, name: str) -> dict:
    return json.loads((project / "reports" / name).read_text())


def test_real_files_run_end_to_end_and_every_output_tells_the_truth(real_project):
    real_project, _ = real_project
    for folder in ("synthetic", "oracle"):  # nothing generated, and a note that says so
        assert [f.name for f in (real_project / "data" / folder).iterdir()] == ["NOT_GENERATED.txt"]
    assert _json(real_project, "synthetic_metrics.json") == {}
    assert _json(real_project, "synthetic_fidelity.json")["applicable"] is False
    data = _json(real_project, "data_summary.json")
    assert (data["source"], data["synthetic"], data["train_applicants"], data["production_applicants"]) == (
        "raw", False, 3000, 1000)
    assert data["absent_tables"] == [] and data["tables"]["bureau"] == 20000
    validation = _json(real_project, "validation/summary.json")
    assert validation["success"] and validation["failures"] == 0
    assert validation["orphan_rows"]  # the sample's history rows mostly belong to other applicants: warned
    assert validation["warnings"] >= len(validation["orphan_rows"])
    metrics = _json(real_project, "metrics.json")
    assert not [k for k in metrics if "oracle" in k] and metrics["holdout_rows"] == 600
    assert 0.5 < metrics["auc"] <= 1 and metrics["auc_ci95_low"] < metrics["auc"] < metrics["auc_ci95_high"]
    card = (real_project / "reports" / "model_card.md").read_text()
    assert "(raw data)" in card and "of the real files" in card
    for document in ("model_card.md", "../docs/methodology.md", "../docs/presentation.md",
                     "technical_documentation.md", "validation_model/report.md"):
        text = (real_project / "reports" / document).read_text()
        assert not re.search(r"synth[ée]ti|oracle|PD vraie|true PD", text, re.IGNORECASE), document
    methodology = (real_project / "docs" / "methodology.md").read_text()
    assert "**fichiers réels** déposés dans `data/raw`" in methodology
    assert "Demandeurs d'apprentissage : 3\u202f000" in methodology

    # validation: the holdout's 47 defaults give no light (fewer than evaluate.min_defaults); out-of-fold they do
    report = _json(real_project, "validation_model/report.json")
    holdout = [t for t in report["tests"] if t["sample"] == "holdout"]
    assert report["samples"]["holdout"]["defaults"] < 100 and {t["light"] for t in holdout} == {"not enough data"}
    assert {t["light"] for t in report["tests"] if t["sample"] == "out-of-fold"} <= {"green", "amber", "red"}



def test_the_gate_decides_what_is_served_and_every_document_says_so(real_project):
    project, result = real_project
    registry, report = _json(project, "registry.json"), _json(project, "validation_model/report.json")
    card = (project / "reports" / "model_card.md").read_text()
    methodology = (project / "docs" / "methodology.md").read_text()
    assert registry["version"] == 1 and registry["promoted"] == (report["gate"]["red_tests"] == [])
    if registry["promoted"]:
        assert result.returncode == 0 and (project / "models" / "serving" / "bundle.json").exists()
        assert "promoted to alias `champion` by the validation gate" in card
        return
    # blocked: nothing is served, and the reason is named everywhere
    assert result.returncode != 0 and "a candidate blocked by the validation gate" in result.stdout + result.stderr
    assert not (project / "models" / "serving").exists()
    red = report["gate"]["red_tests"]
    assert f"**not promoted** to alias `champion`: red test: {red[0]}" in card
    assert "n'a **pas** été promue" in methodology and red[0] in methodology
    # report mode (exploration): the same red tests are recorded, the model is served, the documents warn
    params = yaml.safe_load((project / "params.yaml").read_text())
    params["model_validation"]["gate"] = "report"
    (project / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    _run(["dvc", "repro"], project)
    registry = _json(project, "registry.json")
    assert registry["promoted"] and registry["version"] == 2 and registry["gate"]["red_tests"] == red
    assert (project / "models" / "serving" / "bundle.json").exists()
    assert "the gate ran in report mode: red tests did not block" in (project / "reports" / "model_card.md").read_text()
    assert "mode « rapport »" in (project / "docs" / "methodology.md").read_text()
