"""Values told to people: numbers the French or English way, years, months ago, and French typesetting (a
narrow no-break space before « : ; ? ! »)."""

from __future__ import annotations

import math
from typing import Any

from creditrisk.data.schema import MISSING_CATEGORY


def typeset(texts: dict[str, str]) -> dict[str, str]:
    return {lang: typeset_fr(text) if lang == "fr" else text for lang, text in texts.items()}


def typeset_fr(text: str) -> str:
    """French typography: a no-break space before ':' and a narrow one before ';' (sources have plain spaces)."""
    return text.replace(" :", "\u00a0:").replace(" ;", "\u202f;")


def missing(value: Any) -> bool:
    return value is None or value == MISSING_CATEGORY or (isinstance(value, float) and math.isnan(value))


def number(value: float, digits: int, language: str) -> str:
    text = f"{value:,.{digits}f}"
    if language == "fr":
        return text.replace(",", "\u202f").replace(".", ",")
    return text


def months(value: float, language: str, digits: int = 0) -> str:
    """A number of months, whole unless ``digits`` (« 16,9 mois », "16.9 months")."""
    shown = round(value, digits) if digits else round(value)
    if language == "fr":
        return f"{number(shown, digits, language)} mois"
    return f"{number(shown, digits, language)} month{'' if shown == 1 else 's'}"


def years(value: float, language: str) -> str:
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


def months_ago(days: float, language: str) -> str:
    months = int(round(days / 30.44))
    if language == "fr":
        return "ce mois-ci" if months == 0 else f"il y a {months} mois"
    return "this month" if months == 0 else f"{months} month{'s' if months != 1 else ''} ago"
