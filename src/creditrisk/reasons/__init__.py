"""Reasons a person can give: the reason catalogue (catalogue.yaml) and the sentences written from it.

Every feature belongs to one concept (late payments, external credit scores, time in the current job...). A
client's principal reasons are the concepts whose SHAP contributions, summed over their features, weigh most in
the direction of the decision; each is told as a full sentence about the client, with the value in human
units and, where it helps, the clients' median for comparison. Sensitive concepts (gender, family situation,
age, people close to the client) are never given to the client; the relationship manager sees them, marked.
"""

from __future__ import annotations

import fnmatch
import math
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from creditrisk.schema import MISSING_CATEGORY

LANGUAGES = ("fr", "en")
SENTENCE_KINDS = ("high", "low", "zero", "one", "rare", "missing")
MAX_REASONS = 4


@dataclass(frozen=True)
class Concept:
    id: str
    label: dict[str, str]
    patterns: tuple[str, ...]
    value: str  # the feature whose value the sentence quotes
    unit: str
    sentences: dict[str, dict[str, str]] = field(default_factory=dict)  # kind (SENTENCE_KINDS) -> language -> text
    sensitive: bool = False
    actionable: bool = False
    about: dict[str, str] = field(default_factory=dict)  # the label in the third person (the model page, drift)

    def topic(self, language: str) -> str:
        """The concept as a topic of the model, not said to a client ("late payments on past loans")."""
        return self.about.get(language) or self.label[language]

    @property
    def written(self) -> bool:
        """Sentences written by a person (else derived by rule from the label)."""
        return bool(self.sentences)


@dataclass(frozen=True)
class Reason:
    concept: str
    label: str
    sentence: str
    contribution: float  # summed SHAP values of the concept's features (logit scale; > 0 raises the risk)
    features: list[str]
    sensitive: bool
    actionable: bool

    def to_dict(self) -> dict:
        return {"concept": self.concept, "label": self.label, "sentence": self.sentence,
                "direction": "raises_risk" if self.contribution > 0 else "lowers_risk",
                "contribution": self.contribution, "features": self.features, "sensitive": self.sensitive,
                "actionable": self.actionable}


class ReasonCatalogue:
    """The catalogue, its concepts, the category names and the number formats for people."""

    def __init__(self, spec: dict) -> None:
        self.version = spec["version"]
        self.currency: dict[str, str] = spec["currency"]
        self.concepts = [Concept(id=k, label=v["label"], patterns=tuple(v["patterns"]), value=v["value"],
                                 unit=v["unit"], sentences={s: _typeset(v[s]) for s in SENTENCE_KINDS if s in v},
                                 sensitive=v.get("sensitive", False), actionable=v.get("actionable", False),
                                 about=v.get("about", {}))
                         for k, v in spec["concepts"].items()]
        self.by_id = {c.id: c for c in self.concepts}
        self.categories: dict[str, dict[str, dict[str, str]]] = spec["categories"]
        self.fields: dict[str, dict[str, str]] = spec["fields"]  # field -> {fr, en, unit}

    def field(self, name: str, value: Any, language: str) -> dict:
        """A field of a client as people read it: its label and its value in human units."""
        spec = self.fields[name]
        return {"field": name, "label": spec[language], "value": value,
                "display": self.format(value, spec["unit"], language, name)}

    def concept_of(self, feature: str) -> Concept:
        """The first concept whose patterns match the feature's name."""
        for concept in self.concepts:
            if any(fnmatch.fnmatchcase(feature, p) for p in concept.patterns):
                return concept
        raise KeyError(f"no concept of the reason catalogue covers the feature {feature!r}")

    def category(self, column: str, value: str, language: str) -> str:
        names = self.categories.get(column, {}).get(value)
        return names[language] if names else value

    def format(self, value: Any, unit: str, language: str, column: str = "") -> str:
        """A value in human units: %, amounts with the currency, whole counts, years, months, months ago, categories."""
        if _missing(value):
            return "non renseigné" if language == "fr" else "not given"
        if unit == "category":
            return self.category(column, str(value), language)
        value = float(value)
        if unit == "share":
            return _number(100 * value, 0, language) + ("\u00a0%" if language == "fr" else "%")
        if unit == "amount":
            return _number(value, 0, language) + "\u00a0" + self.currency[language]
        if unit == "count":
            return _number(value, 0, language)
        if unit == "score":
            return f"{_number(100 * value, 0, language)} {'sur' if language == 'fr' else 'out of'} 100"
        if unit == "years":
            return _years(value, language)
        if unit == "months":
            months = round(value)
            return f"{months} mois" if language == "fr" else f"{months} month{'s' if months != 1 else ''}"
        if unit == "days_ago":
            return _months_ago(-value, language)
        if unit == "times":
            return _number(value, 1, language) + ("\u00a0fois" if language == "fr" else " times")
        if unit == "days":  # French: 0 and 1 take the singular (« 0 jour »); English: 1 only
            days = round(value)
            word = ("jour" if abs(days) < 2 else "jours") if language == "fr" else ("day" if days == 1 else "days")
            return f"{_number(value, 0, language)} {word}"
        if unit == "hour":
            return f"{value:.0f}\u00a0h" if language == "fr" else f"{value:.0f}:00"
        return _number(value, 2, language)

    def sentence(self, concept: Concept, value: Any, median: float | None, language: str) -> str:
        """The concept told about one client: its written sentence for the value's case (above or at most the
        median, zero, above a zero median, missing); else a sentence derived by rule from its label."""
        shown = self.format(value, concept.unit, language, concept.value)
        typical = None if median is None else self.format(median, concept.unit, language, concept.value)
        if _missing(value):
            kind = "missing"
        elif concept.unit == "category":
            kind = "high"
        elif float(value) == 0 and "zero" in concept.sentences:
            kind = "zero"
        elif float(value) == 1 and concept.unit == "count" and "one" in concept.sentences:
            kind = "one"
        elif median is None:
            kind = "high" if float(value) > 0 else "low"
        elif median == 0 and float(value) > 0 and "rare" in concept.sentences:
            kind = "rare"
        else:
            kind = "high" if float(value) > median else "low"
        written = concept.sentences.get(kind, {}).get(language)
        if written and (typical is not None or "{median}" not in written):
            return written.format(value=shown, median=typical)
        return derived_sentence(concept.label[language], shown, typical, language)


def derived_sentence(label: str, value: str, median: str | None, language: str) -> str:
    """The rule for concepts without written sentences: "<label>: <value> for you, <median> for half of our
    clients." (the comparison left out for categories)."""
    colon = "\u00a0:" if language == "fr" else ":"
    if median is None:
        return f"{label}{colon} {value}."
    if language == "fr":
        return f"{label}{colon} {value} pour vous, {median} ou moins pour la moitié de nos clients."
    return f"{label}{colon} {value} for you, {median} or less for half of our clients."


@cache
def load_catalogue() -> ReasonCatalogue:
    """The package's reason catalogue (catalogue.yaml)."""
    import yaml

    text = resources.files("creditrisk.reasons").joinpath("catalogue.yaml").read_text(encoding="utf-8")
    return ReasonCatalogue(yaml.safe_load(text))


class ReasonWriter:
    """Principal reasons of a model's decisions: concepts of the model's features, medians of the clients."""

    def __init__(self, catalogue: ReasonCatalogue, features: list[str], medians: dict[str, float]) -> None:
        self.catalogue = catalogue
        self.features = features
        self.position = {f: i for i, f in enumerate(features)}
        self.medians = medians
        self.members: dict[str, list[int]] = {}
        for i, feature in enumerate(features):
            self.members.setdefault(catalogue.concept_of(feature).id, []).append(i)

    def concepts(self, shap_row, row: list, language: str) -> list[Reason]:
        """Every concept the model's features belong to, strongest contribution first."""
        out = []
        for concept_id, members in self.members.items():
            contribution = float(sum(shap_row[i] for i in members))
            if contribution == 0:
                continue
            concept = self.catalogue.by_id[concept_id]
            value, median = self._quoted(concept, row, shap_row, members)
            out.append(Reason(concept.id, concept.label[language],
                              self.catalogue.sentence(concept, value, median, language), contribution,
                              [self.features[i] for i in members], concept.sensitive, concept.actionable))
        return sorted(out, key=lambda r: -abs(r.contribution))

    def principal(self, reasons: list[Reason], decision: str, top: int = MAX_REASONS) -> list[Reason]:
        """At most ``top`` reasons in the direction of the decision (against it for a refusal or a review, in
        its favour for an acceptance), never a sensitive one."""
        against = decision in ("refuse", "review")
        return [r for r in reasons if (r.contribution > 0) == against and not r.sensitive][:top]

    def _quoted(self, concept: Concept, row: list, shap_row, members: list[int]) -> tuple[Any, float | None]:
        """(value, median) the sentence quotes: the concept's value feature, or else its strongest member."""
        index = self.position.get(concept.value)
        if index is None:
            index = max(members, key=lambda i: abs(shap_row[i]))
            return row[index], None
        return row[index], self.medians.get(concept.value)


def _typeset(texts: dict[str, str]) -> dict[str, str]:
    return {lang: typeset_fr(text) if lang == "fr" else text for lang, text in texts.items()}


def typeset_fr(text: str) -> str:
    """French typography: a no-break space before ':' and a narrow one before ';' (sources have plain spaces)."""
    return text.replace(" :", "\u00a0:").replace(" ;", "\u202f;")


def _missing(value: Any) -> bool:
    return value is None or value == MISSING_CATEGORY or (isinstance(value, float) and math.isnan(value))


def _number(value: float, digits: int, language: str) -> str:
    text = f"{value:,.{digits}f}"
    if language == "fr":
        return text.replace(",", "\u202f").replace(".", ",")
    return text


def _years(value: float, language: str) -> str:
    years = int(value)
    months = int(round((value - years) * 12))
    if months == 12:
        years, months = years + 1, 0
    if language == "fr":
        parts = [f"{years} an{'s' if years > 1 else ''}"] if years else []
        parts += [f"{months} mois"] if months and years < 10 else []
        return " et ".join(parts) or "moins d'un mois"
    parts = [f"{years} year{'s' if years != 1 else ''}"] if years else []
    parts += [f"{months} month{'s' if months != 1 else ''}"] if months and years < 10 else []
    return " and ".join(parts) or "less than a month"


def _months_ago(days: float, language: str) -> str:
    months = int(round(days / 30.44))
    if language == "fr":
        return "ce mois-ci" if months == 0 else f"il y a {months} mois"
    return "this month" if months == 0 else f"{months} month{'s' if months != 1 else ''} ago"
