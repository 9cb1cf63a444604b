"""Decision outcomes by group (gender, age band): approval rate and error rates at the chosen threshold."""

from __future__ import annotations

import numpy as np

AGE_BANDS = ((0, 30, "< 30"), (30, 45, "30-44"), (45, 60, "45-59"), (60, 200, "60+"))


def group_outcomes(groups: np.ndarray, y: np.ndarray, refuse: np.ndarray) -> list[dict]:
    """Per group: clients, observed default rate, approval rate, false-negative rate (defaulters accepted) and
    false-positive rate (good clients refused)."""
    rows = []
    for group in sorted(set(groups.tolist())):
        mask = groups == group
        bad, good = mask & (y == 1), mask & (y == 0)
        rows.append({"group": str(group), "clients": int(mask.sum()), "default_rate": float(y[mask].mean()),
                     "approval_rate": float(1 - refuse[mask].mean()),
                     "false_negative_rate": float((~refuse[bad]).mean()) if bad.any() else None,
                     "false_positive_rate": float(refuse[good].mean()) if good.any() else None})
    return rows


def age_band(age_years: np.ndarray) -> np.ndarray:
    out = np.full(age_years.shape, "unknown", dtype=object)
    for low, high, label in AGE_BANDS:
        out[(age_years >= low) & (age_years < high)] = label
    return out


def fairness_report(x, y: np.ndarray, refuse: np.ndarray) -> dict:
    """Outcomes by gender (CODE_GENDER) and by age band (AGE_YEARS) on the holdout."""
    return {"by_gender": group_outcomes(x["CODE_GENDER"].astype(str).to_numpy(), y, refuse),
            "by_age_band": group_outcomes(age_band(x["AGE_YEARS"].to_numpy(dtype=float)), y, refuse)}
