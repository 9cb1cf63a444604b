"""Decision outcomes by group (gender, age band): approval rate and error rates at the chosen threshold, each
rate with its 95 % Wilson interval, and a mark on the groups too small to judge."""

from __future__ import annotations

import numpy as np

AGE_BANDS = ((0, 30, "< 30"), (30, 45, "30-44"), (45, 60, "45-59"), (60, 200, "60+"))


def rate_interval(successes: int, trials: int) -> list[float] | None:
    """95 % Wilson score interval of a proportion (scipy), None without trials."""
    from scipy.stats import binomtest

    if trials == 0:
        return None
    ci = binomtest(successes, trials).proportion_ci(confidence_level=0.95, method="wilson")
    return [float(ci.low), float(ci.high)]


def group_outcomes(groups: np.ndarray, y: np.ndarray, refuse: np.ndarray, min_clients: int = 30,
                   min_defaults: int = 10) -> list[dict]:
    """Per group: clients, observed defaults and default rate, approval rate, false-negative rate (defaulters
    accepted) and false-positive rate (good clients refused), with 95 % intervals; ``enough_data`` is False for a
    group of fewer than ``min_clients`` clients or ``min_defaults`` defaulters (its rates are not a verdict)."""
    rows = []
    y, refuse = np.asarray(y, dtype=int), np.asarray(refuse, dtype=bool)
    for group in sorted(set(groups.tolist())):
        mask = groups == group
        bad, good = mask & (y == 1), mask & (y == 0)
        clients, defaults = int(mask.sum()), int(bad.sum())
        approved, bad_accepted, good_refused = int((mask & ~refuse).sum()), int((bad & ~refuse).sum()), int(
            (good & refuse).sum())
        rows.append({"group": str(group), "clients": clients, "defaults": defaults,
                     "default_rate": defaults / clients, "default_rate_ci95": rate_interval(defaults, clients),
                     "approval_rate": approved / clients, "approval_rate_ci95": rate_interval(approved, clients),
                     "false_negative_rate": bad_accepted / defaults if defaults else None,
                     "false_negative_rate_ci95": rate_interval(bad_accepted, defaults),
                     "false_positive_rate": good_refused / int(good.sum()) if good.any() else None,
                     "false_positive_rate_ci95": rate_interval(good_refused, int(good.sum())),
                     "enough_data": clients >= min_clients and defaults >= min_defaults})
    return rows


def age_band(age_years: np.ndarray) -> np.ndarray:
    out = np.full(age_years.shape, "unknown", dtype=object)
    for low, high, label in AGE_BANDS:
        out[(age_years >= low) & (age_years < high)] = label
    return out


def fairness_report(x, y: np.ndarray, refuse: np.ndarray, min_clients: int = 30, min_defaults: int = 10) -> dict:
    """Outcomes by gender (CODE_GENDER) and by age band (AGE_YEARS) on the holdout, and the rule that marks a
    group too small to judge."""
    rule = {"min_clients": min_clients, "min_defaults": min_defaults}
    return {"by_gender": group_outcomes(x["CODE_GENDER"].astype(str).to_numpy(), y, refuse, **rule),
            "by_age_band": group_outcomes(age_band(x["AGE_YEARS"].to_numpy(dtype=float)), y, refuse, **rule),
            "rule": rule}
