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


def test_the_annex_gives_the_out_of_fold_folds_as_information_and_says_when_they_are_indicative():
    import copy

    figures = Figures.load(Paths(ROOT), ROOT / "params.yaml")
    split = figures.sources["model_validation"]["details"]["out-of-fold"]["by_fold"]
    slopes = [f["slope"] for f in split["folds"]]
    text = render_annex(figures.sources, figures.sources["params"])
    assert (f"the {len(slopes)} fold models' PDs have calibration slopes {min(slopes):.2f} to {max(slopes):.2f}, "
            f"and their Hosmer-Lemeshow statistics summed give p {split['p_value']:.2g}. The out-of-fold") in text
    sources = copy.deepcopy(figures.sources)
    folds = sources["model_validation"]["details"]["out-of-fold"]["by_fold"]["folds"]
    folds[0] |= {"enough_data": False, "slope": None}  # a small fold, one without a slope
    text = render_annex(sources, sources["params"])
    ranked = sorted(slopes[1:])
    assert (f"slopes {ranked[0]:.2f} to {ranked[-1]:.2f}, and their Hosmer-Lemeshow statistics summed give p "
            f"{split['p_value']:.2g} (too few defaults per fold for a verdict: indicative).") in text
    del sources["model_validation"]["details"]["out-of-fold"]["by_fold"]  # an out-of-fold sample without folds
    assert "fold by fold" not in render_annex(sources, sources["params"])


def test_the_costs_read_as_numbers_and_their_ratio_is_the_ratio():
    """Costs are decimals in params.yaml's types (10 reads as 10.0): the sentences print them as a person writes
    them, and "weighs a missed default N times" is fn / fp, not fn alone."""
    import copy

    figures = Figures.load(Paths(ROOT), ROOT / "params.yaml")
    sources = copy.deepcopy(figures.sources)
    sources["metrics"] |= {"fn_cost": 10.0, "fp_cost": 2.0}
    text = render_annex(sources, sources["params"])
    assert "with a missed default costing 10 and a wrongly refused good client 2;" in text
    assert "The business cost weighs a missed default 5 times a refused good client" in text
