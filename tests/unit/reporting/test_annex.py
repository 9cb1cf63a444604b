"""The technical documentation (Annex IV): every heading, figures read from the reports, honest about gaps."""

import json

from creditrisk.artefacts.catalogue import Paths
from creditrisk.reporting.annex import render_annex
from creditrisk.reporting.documents import Figures
from tests.conftest import ROOT


def test_the_annex_has_every_heading_and_reads_its_figures_from_the_reports():
    figures = Figures.load(Paths(ROOT), ROOT / "params.yaml")
    text = render_annex(figures.sources, figures.sources["params"])
    for number in range(1, 10):
        assert f"\n## {number}. " in text
    metrics = json.loads((ROOT / "reports" / "metrics.json").read_text())
    assert f"holdout AUC {metrics['auc']:.4f}" in text
    report = json.loads((ROOT / "reports" / "validation_model" / "report.json").read_text())
    assert text.count("\n| ") >= len(report["tests"]) and f"{report['lights']['green']} green" in text
    history = json.loads((ROOT / "reports" / "registry.json").read_text())["history"]
    for v in history:  # a refit saw the holdout: it is given no holdout figure
        cost = "n/a (fitted on the holdout too)" if v["refit_of"] else f"{v['holdout_cost_per_client']:.4f}"
        assert f"| {v['version']} | {cost} | " in text, v
    assert "Not issued" in text  # what is not done is said
    assert text == (ROOT / "reports" / "technical_documentation.md").read_text(), "run `dvc repro docs`"
