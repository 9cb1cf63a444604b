"""Is an application plausible? The bounds of a credit application published with the model (params ``serve``:
the real files' range, rounded out), checked on submitted records and on what-if changes before anything is
scored. Each refusal names the field (or the fields) and the bound.

- each bounded field within its [low, high] (an income of 1e9, a credit of 1e12 are refused, not scored);
- employment not started before ``min_working_age`` (nor longer than life);
- the annuity, the goods price and the credit consistent: annuity / credit within ``payment_rate``, goods price /
  credit within ``goods_credit``, annuity / income at most ``max_annuity_income``.
"""

from __future__ import annotations

from typing import Any

from creditrisk.data.schema import SENTINEL_DAYS

DAYS_PER_YEAR = 365.25


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def _shown(bound: float) -> str:
    """A bound as a person reads it: 4,500,000 (not 4.5e+06)."""
    return f"{bound:,.0f}" if float(bound).is_integer() else f"{bound:g}"


def problems(row: dict[str, Any], served: Any, where: str) -> list[str]:
    """What is implausible in one application row (``where``: how the message names it, e.g. ``application[0]``);
    ``served``: the published ServingInfo (its bounds)."""
    found = []
    for name, (low, high) in served.bounds.items():
        value = _number(row.get(name))
        if value is not None and not low <= value <= high:
            side = f"below the smallest plausible value {_shown(low)}" if value < low else \
                f"above the largest plausible value {_shown(high)}"
            found.append(f"{where}.{name}: {value:g} is {side} (params serve.bounds)")
    birth, employed = _number(row.get("DAYS_BIRTH")), _number(row.get("DAYS_EMPLOYED"))
    if birth is not None and employed is not None and employed != SENTINEL_DAYS:
        start_age = (employed - birth) / DAYS_PER_YEAR
        if start_age < served.min_working_age:
            found.append(f"{where}.DAYS_EMPLOYED: employed for {-employed:g} days at {-birth / DAYS_PER_YEAR:.1f} "
                         f"years old, i.e. since the age of {start_age:.1f}; expected employment starting at "
                         f"{served.min_working_age:g} or later (params serve.min_working_age)")
    credit, annuity = _number(row.get("AMT_CREDIT")), _number(row.get("AMT_ANNUITY"))
    goods, income = _number(row.get("AMT_GOODS_PRICE")), _number(row.get("AMT_INCOME_TOTAL"))
    for numerator, denominator, (low, high), label, param in (
            (annuity, credit, served.payment_rate, "AMT_ANNUITY / AMT_CREDIT", "payment_rate"),
            (goods, credit, served.goods_credit, "AMT_GOODS_PRICE / AMT_CREDIT", "goods_credit"),
            (annuity, income, (0.0, served.max_annuity_income), "AMT_ANNUITY / AMT_INCOME_TOTAL",
             "max_annuity_income")):
        if numerator is not None and denominator:
            ratio = numerator / denominator
            if not low <= ratio <= high:
                found.append(f"{where}.{label}: {ratio:.4g} is outside [{low:g}, {high:g}] (params serve.{param})")
    return found
