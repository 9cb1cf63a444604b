"""What a feature is, for people: its catalogue entry (source table, aggregation, subset of rows, source column,
a plain-language description in English and French).

The expression that computes a feature is registered beside its entry (``planner.FeatureSet.add``); the
features stage writes every entry to ``reports/feature_catalogue.json``, which the model card, the API and the
dashboard read.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Feature:
    """What a feature is, for people: the expression that computes it lives beside it in ``FeatureSet``."""

    name: str
    table: str
    aggregation: str
    subset: str
    column: str | None
    description_en: str
    description_fr: str
    categorical: bool = False
    fill_zero: bool = False  # counts: an applicant without records has 0, not "unknown"
    group: str = "base"  # "base", or the candidate group it belongs to (built only when params enable it)

    def to_dict(self) -> dict:
        return asdict(self)


def french_of(phrase: str) -> str:
    """« de » + phrase with French contractions: de les -> des, de le -> du."""
    for article, contracted in (("les ", "des "), ("le ", "du ")):
        if phrase.startswith(article):
            return contracted + phrase[len(article):]
    return f"de {phrase}"
