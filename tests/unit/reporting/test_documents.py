"""The generated documents: every number in them equals the report value it names; no number is typed by hand."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from creditrisk.artefacts.catalogue import Paths
from creditrisk.reporting.documents import SOURCES, Figures, french, lookup, render
from tests.conftest import ROOT

MARKED = re.compile(r"(?P<text>[-\d\u202f\u00a0,]+(?:\u00a0%)?)<!--(?P<source>\w+):(?P<key>[\w.]+):(?P<kind>\w+)-->")
# Numbers that are part of the wording, not results: section numbers, "95 %" intervals, the 0/1 ends of the
# normalised cost, 0.5 = chance for an AUC, table ranks, "2 cœurs", WCAG 2.1, "30 clients" (a display rule),
# the expected-cost formula, and age-band names (labels read from the fairness report).
STRUCTURAL = [r"^#+ \d+\.", r"95\s%", r"\b[01] = ", r"0,5 = ", r"^\| \d+ \|", r"2 cœurs", r"2\.1 AA",
              r"IC 95", r"\(1 − \*p\*\)", r"^\| âge ", r"moins de 30 clients", r"\(sections? \d+\)"]


def _value(text: str) -> float:
    clean = text.replace("\u202f", "").replace("\u00a0", "").replace(",", ".")
    return float(clean[:-1]) / 100 if clean.endswith("%") else float(clean)


def _precision(kind: str) -> float:
    if kind == "int":
        return 0.5
    if kind.startswith("pct"):
        return 0.5 * 10 ** -(int(kind[3:] or 1) + 2)
    return 0.5 * 10 ** -int(kind[1:])


def _sources(root: Path) -> dict:
    sources = {name: json.loads((root / "reports" / file).read_text()) for name, file in SOURCES.items()
               if (root / "reports" / file).exists()}
    sources["params"] = yaml.safe_load((root / "params.yaml").read_text())
    return sources


@pytest.mark.parametrize("document", ["methodology.md", "presentation.md"])
def test_every_number_equals_its_report_value(document):
    text = (ROOT / "docs" / document).read_text()
    sources = _sources(ROOT)
    marks = list(MARKED.finditer(text))
    assert len(marks) >= (50 if document == "methodology.md" else 15)
    for mark in marks:
        expected = float(lookup(sources[mark["source"]], mark["key"]))
        shown = _value(mark["text"].strip())
        assert abs(shown - expected) <= _precision(mark["kind"]) + 1e-12, (mark.group(0), expected)
    metrics = json.loads((ROOT / "reports" / "metrics.json").read_text())
    for key in ("auc", "business_cost_per_client", "threshold", "auc_to_oracle", "cost_to_oracle"):
        if document == "methodology.md":
            assert f"<!--metrics:{key}:" in text and key in metrics


@pytest.mark.parametrize("document", ["methodology.md", "presentation.md"])
def test_no_number_is_typed_by_hand(document):
    text = (ROOT / "docs" / document).read_text()
    text = MARKED.sub("", text)
    text = re.sub(r"`[^`]*`|```.*?```|!\[[^\]]*\]\([^)]*\)|<!--.*?-->|\(w:\d+\)", "", text, flags=re.S)
    lines = [line for line in text.splitlines()
             if not any(re.search(p, line) for p in STRUCTURAL)]
    stray = [line for line in lines if re.search(r"(?<![A-Za-z_])\d", line)]
    assert stray == []


def test_documents_are_up_to_date_with_the_reports():
    figures = Figures.load(Paths(ROOT), ROOT / "params.yaml")
    for document in ("methodology.md", "presentation.md"):
        assert render(document, figures) == (ROOT / "docs" / document).read_text(), "run `dvc repro docs`"


def test_french_number_formats():
    assert french(0.80013, "d3") == "0,800"
    assert french(1136, "int") == "1\u202f136"
    assert french(0.0790, "pct1") == "7,9\u00a0%"
    assert french(0.2, "pct0") == "20\u00a0%"
    assert french(12.0571, "d2") == "12,06"


def test_the_presentation_says_why_a_candidate_without_red_was_promoted():
    """No champion in place: the candidate needs only the tests; with one, it must also cost less; with one that
    cannot be compared (trained on other data), the candidate is judged as a first model, and the slide says so."""
    import copy

    figures = Figures.load(Paths(ROOT), ROOT / "params.yaml")
    gate = figures.sources["model_validation"]["gate"]
    assert gate["promote"] and not gate["red_tests"]  # the committed run: promoted, no red test
    alone, beside, foreign = copy.deepcopy(figures), copy.deepcopy(figures), copy.deepcopy(figures)
    alone.sources["model_validation"]["gate"]["champion_version"] = None
    alone.sources["registry"]["previous_champion"] = {"version": None, "compared": False}
    beside.sources["model_validation"]["gate"]["champion_version"] = 7
    foreign.sources["model_validation"]["gate"]["champion_version"] = None
    foreign.sources["registry"]["previous_champion"] = {"version": 3, "compared": False,
                                                         "not_compared_code": "data_source"}
    assert "Aucun rouge, aucun champion en place : la version" in render("presentation.md", alone)
    assert "Aucun rouge, coût plus bas que le champion en place : la version" in render("presentation.md", beside)
    slide = re.sub(r"<!--.*?-->", "", render("presentation.md", foreign))  # the figures' source marks
    assert "Aucun rouge, le champion du registre (version 3) n'est pas comparable à ces données : la version" in slide


@pytest.mark.parametrize(("strategy", "words"), [("none", "aucune pondération"),
                                                 ("SqrtBalanced", "classes pondérées en racine carrée"),
                                                 ("undersample", "sous-échantillonnage des bons clients")])
def test_the_imbalance_treatment_is_named_in_french_with_its_setting(strategy, words):
    import copy

    figures = copy.deepcopy(Figures.load(Paths(ROOT), ROOT / "params.yaml"))
    figures.sources["selection"]["strategy"] = strategy
    methodology, slides = render("methodology.md", figures), render("presentation.md", figures)
    assert f"Traitement du déséquilibre retenu : **{words}** (`train.imbalance: {strategy}`," in methodology
    assert f"- Déséquilibre des classes : **{words}** (`{strategy}`, choisi sur les lignes réelles)" in slides
    assert f"**{strategy}**" not in methodology + slides


def test_a_feature_named_within_a_sentence_starts_in_lower_case_unless_an_acronym_or_a_name():
    figures = Figures({}, {"DAYS_EMPLOYED": "Ancienneté dans l'emploi", "PD_X": "PD du dernier crédit",
                           "AGE": "Âge du client"})
    assert figures.label("DAYS_EMPLOYED") == "Ancienneté dans l'emploi (`DAYS_EMPLOYED`)"
    assert figures.label("DAYS_EMPLOYED", within=True) == "ancienneté dans l'emploi (`DAYS_EMPLOYED`)"
    assert figures.label("AGE", within=True) == "âge du client (`AGE`)"
    assert figures.label("PD_X", within=True) == "PD du dernier crédit (`PD_X`)"
    assert figures.label("Unknown", within=True) == "Unknown (`Unknown`)"  # no description: the name as it is


def test_a_candidate_kept_out_is_told_why_in_french():
    """The gate's fields, not its English reasons, make the French sentence: the red test by its French name and
    sample, the cost against the champion's with both figures (the note) or in words (the slide)."""
    import copy

    figures = copy.deepcopy(Figures.load(Paths(ROOT), ROOT / "params.yaml"))
    figures.sources["model_validation"]["gate"] |= {
        "promote": False, "candidate_version": 8, "candidate_cost": 0.4912, "champion_version": 7,
        "champion_cost": 0.4805, "costlier": True, "signed_off_tests": [],
        "blocking_tests": [{"key": "csi_features", "sample": "development vs production"}],
        "reasons": ["red test: CSI of the top 10 features: the largest (development vs production)", "holdout cost"]}
    figures.sources["registry"]["previous_champion"] = {"version": 7, "compared": True}
    note = re.sub(r"<!--.*?-->", "", render("methodology.md", figures))
    slides = re.sub(r"<!--.*?-->", "", render("presentation.md", figures))
    assert ("La version 8 n'a **pas** été promue,\nà cause du test rouge « CSI des variables principales : le plus "
            "élevé » (développement / production) et de son coût, pas plus bas que celui du champion (version 7) sur "
            "les mêmes clients : 0,4912 contre 0,4805 par client (motifs consignés dans `reports/registry.json`).") \
        in note
    assert ("La version 8 n'est **pas** promue, à cause du test rouge « CSI des variables principales : le plus élevé »"
            " (développement / production) et de son coût, pas plus bas que celui du champion ;\nle champion en place, "
            "la version 7, reste servi.") in slides
    assert "red test" not in note + slides and "holdout cost" not in note + slides
    figures.sources["model_validation"]["gate"] |= {"costlier": False, "blocking_tests": [
        {"key": "csi_features", "sample": "development vs production"},
        {"key": "hosmer_lemeshow", "sample": "holdout"}]}
    slides = re.sub(r"<!--.*?-->", "", render("presentation.md", figures))
    assert ("promue, à cause des tests rouges « CSI des variables principales : le plus élevé » (développement / "
            "production) ; « Hosmer-Lemeshow » (test) ;") in slides
