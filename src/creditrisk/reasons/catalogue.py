"""The reason catalogue (catalogue.yaml): concepts, their sentences, category names and number formats.

Every feature belongs to one concept (late payments, external credit scores, time in the current job...). A
client's principal reasons are the concepts whose SHAP contributions, summed over their features, weigh most in
the direction of the decision; each is told as a full sentence about the client, with the value in human
units and, where it helps, the clients' median for comparison. Sensitive concepts (gender, family situation,
age, people close to the client) are never given to the client; the relationship manager sees them, marked.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from creditrisk.reasons.units import missing, months, months_ago, number, typeset, years

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
                                 unit=v["unit"], sentences={s: typeset(v[s]) for s in SENTENCE_KINDS if s in v},
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
        if missing(value):
            return "non renseigné" if language == "fr" else "not given"
        if unit == "category":
            return self.category(column, str(value), language)
        value = float(value)
        if unit == "share":
            return number(100 * value, 0, language) + ("\u00a0%" if language == "fr" else "%")
        if unit == "amount":
            return number(value, 0, language) + "\u00a0" + self.currency[language]
        if unit == "count":
            return number(value, 0, language)
        if unit == "score":
            return f"{number(100 * value, 0, language)} {'sur' if language == 'fr' else 'out of'} 100"
        if unit == "years":
            return years(value, language)
        if unit == "months":
            return months(value, language)
        if unit == "days_ago":
            return months_ago(-value, language)
        if unit == "times":
            return number(value, 1, language) + ("\u00a0fois" if language == "fr" else " times")
        if unit == "days":  # French: 0 and 1 take the singular (« 0 jour »); English: 1 only
            days = round(value)
            word = ("jour" if abs(days) < 2 else "jours") if language == "fr" else ("day" if days == 1 else "days")
            return f"{number(value, 0, language)} {word}"
        if unit == "hour":
            return f"{value:.0f}\u00a0h" if language == "fr" else f"{value:.0f}:00"
        return number(value, 2, language)

    def sentence(self, concept: Concept, value: Any, median: float | None, language: str) -> str:
        """The concept told about one client: its written sentence for the value's case (above or at most the
        median, zero, above a zero median, missing); else a sentence derived by rule from its label."""
        shown = self.format(value, concept.unit, language, concept.value)
        typical = None if median is None else self.format(median, concept.unit, language, concept.value)
        if concept.unit == "months" and shown == typical and float(value) != float(median):
            # « 17 mois ; pour la moitié de nos clients, c'est 17 mois au plus » compares nothing: one decimal
            shown, typical = months(float(value), language, 1), months(float(median), language, 1)
        if missing(value):
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
