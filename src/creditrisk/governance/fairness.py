"""Decision outcomes by group (gender, age band), computed by fairlearn's MetricFrame.

Per group: approval rate, false-negative rate (defaulters accepted), false-positive rate (good clients refused)
and observed default rate, each with its 95 % Wilson interval (exact enough for a proportion of a small group);
calibration within the group (observed default rate minus mean PD) with a 95 % bootstrap interval; a mark on the
groups too small to judge. Across groups: the four-fifths ratio of approval rates (lowest / highest among the
groups with enough data) with its bootstrap interval and a traffic light: red below 0.8, amber when the point is
at least 0.8 but the interval reaches below it, green otherwise.
"""

from __future__ import annotations

import numpy as np

AGE_BANDS = ((0, 30, "< 30"), (30, 45, "30-44"), (45, 60, "45-59"), (60, 200, "60+"))
FOUR_FIFTHS = 0.8


def rate_interval(successes: int, trials: int) -> list[float] | None:
    """95 % Wilson score interval of a proportion (scipy), None without trials."""
    from scipy.stats import binomtest

    if trials == 0:
        return None
    ci = binomtest(successes, trials).proportion_ci(confidence_level=0.95, method="wilson")
    return [float(ci.low), float(ci.high)]


def _approval_rate(y_true, refuse) -> float:
    from fairlearn.metrics import selection_rate

    return 1 - selection_rate(y_true, refuse)


def _calibration_gap(y_true, pd_) -> float:
    return float(np.mean(y_true) - np.mean(pd_))


def group_outcomes(groups: np.ndarray, y: np.ndarray, refuse: np.ndarray, min_clients: int = 30,
                   min_defaults: int = 10) -> list[dict]:
    """Per group: clients, observed defaults and default rate, approval rate, false-negative and false-positive
    rates, with 95 % intervals; ``enough_data`` is False for a group of fewer than ``min_clients`` clients or
    ``min_defaults`` defaulters (its rates are not a verdict)."""
    from fairlearn.metrics import MetricFrame, count

    y, refuse = np.asarray(y, dtype=int), np.asarray(refuse, dtype=int)
    frame = MetricFrame(metrics={"clients": count, "defaults": lambda t, _: int(np.sum(t)),
                                 "approved": lambda _, r: int(np.sum(r == 0)),
                                 "bad_accepted": lambda t, r: int(np.sum((t == 1) & (r == 0))),
                                 "good_refused": lambda t, r: int(np.sum((t == 0) & (r == 1)))},
                        y_true=y, y_pred=refuse, sensitive_features=np.asarray(groups).astype(str))
    return [_rates(str(group), **{k: int(v) for k, v in counts.items()}, min_clients=min_clients,
                   min_defaults=min_defaults) for group, counts in frame.by_group.sort_index().iterrows()]


def _rates(group: str, clients: int, defaults: int, approved: int, bad_accepted: int, good_refused: int,
           min_clients: int, min_defaults: int) -> dict:
    good = clients - defaults
    return {"group": group, "clients": clients, "defaults": defaults,
            "default_rate": defaults / clients, "default_rate_ci95": rate_interval(defaults, clients),
            "approval_rate": approved / clients, "approval_rate_ci95": rate_interval(approved, clients),
            "false_negative_rate": bad_accepted / defaults if defaults else None,
            "false_negative_rate_ci95": rate_interval(bad_accepted, defaults),
            "false_positive_rate": good_refused / good if good else None,
            "false_positive_rate_ci95": rate_interval(good_refused, good),
            "enough_data": clients >= min_clients and defaults >= min_defaults}


def calibration_by_group(groups: np.ndarray, y: np.ndarray, pd_: np.ndarray, n_boot: int,
                         seed: int) -> dict[str, dict]:
    """Per group: mean PD, and observed default rate minus mean PD (positive: PD underestimated for the group)
    with its 95 % bootstrap interval (fairlearn resamples the clients)."""
    from fairlearn.metrics import MetricFrame, mean_prediction

    groups = np.asarray(groups).astype(str)
    with np.errstate(invalid="ignore"):  # a resample without a small group's clients: NaN, reported by _finite
        frame = MetricFrame(metrics={"gap": _calibration_gap, "mean_pd": mean_prediction}, y_true=np.asarray(y),
                            y_pred=np.asarray(pd_, dtype=float), sensitive_features=groups, n_boot=n_boot,
                            ci_quantiles=[0.025, 0.975], random_state=seed)
    low, high = frame.by_group_ci
    return {str(g): {"mean_pd": float(frame.by_group.loc[g, "mean_pd"]),
                     "calibration_gap": float(frame.by_group.loc[g, "gap"]),
                     "calibration_gap_ci95": _finite([float(low.loc[g, "gap"]), float(high.loc[g, "gap"])])}
            for g in frame.by_group.index}


def _finite(interval: list[float]) -> list[float] | None:
    """The interval, or None when a resample lacked the group (a group of a handful of clients)."""
    return interval if all(np.isfinite(interval)) else None


def four_fifths(groups: np.ndarray, refuse: np.ndarray, judged: list[str], n_boot: int, seed: int) -> dict:
    """Lowest over highest approval rate among the ``judged`` groups (those with enough data), its bootstrap
    interval (none when ``n_boot`` is 0) and its light; "not enough data" with fewer than two such groups."""
    from fairlearn.metrics import MetricFrame

    groups = np.asarray(groups).astype(str)
    keep = np.isin(groups, judged)
    if len(judged) < 2:
        return {"ratio": None, "ci95": None, "light": "not enough data", "groups": judged, "rule": FOUR_FIFTHS}
    boot = {"n_boot": n_boot, "ci_quantiles": [0.025, 0.975], "random_state": seed} if n_boot else {}
    frame = MetricFrame(metrics=_approval_rate, y_true=np.zeros(int(keep.sum())),
                        y_pred=np.asarray(refuse, dtype=int)[keep], sensitive_features=groups[keep], **boot)
    ratio = float(frame.ratio(method="between_groups"))
    low, high = (float(v) for v in frame.ratio_ci(method="between_groups")) if n_boot else (ratio, ratio)
    light = "red" if ratio < FOUR_FIFTHS else "amber" if low < FOUR_FIFTHS else "green"
    rates = frame.by_group
    return {"ratio": ratio, "ci95": [low, high], "light": light, "groups": judged, "rule": FOUR_FIFTHS,
            "lowest": str(rates.idxmin()), "highest": str(rates.idxmax())}


def age_band(age_years: np.ndarray) -> np.ndarray:
    out = np.full(age_years.shape, "unknown", dtype=object)
    for low, high, label in AGE_BANDS:
        out[(age_years >= low) & (age_years < high)] = label
    return out


def attribute_groups(x) -> dict[str, np.ndarray]:
    """The groups fairness is judged on: gender (CODE_GENDER) and age band (AGE_YEARS)."""
    return {"gender": x["CODE_GENDER"].astype(str).to_numpy(),
            "age_band": age_band(x["AGE_YEARS"].to_numpy(dtype=float))}


def fairness_report(x, y: np.ndarray, refuse: np.ndarray, pd_: np.ndarray | None = None, min_clients: int = 30,
                    min_defaults: int = 10, n_boot: int = 200, seed: int = 0) -> dict:
    """Outcomes by gender and by age band on the holdout (with calibration within group when PDs are given),
    the four-fifths ratio per attribute, and the rule that marks a group too small to judge."""
    rule = {"min_clients": min_clients, "min_defaults": min_defaults}
    report: dict = {"rule": rule, "four_fifths": {}}
    for name, groups in attribute_groups(x).items():
        rows = group_outcomes(groups, y, refuse, **rule)
        if pd_ is not None:
            calibration = calibration_by_group(groups, y, pd_, n_boot, seed)
            rows = [r | calibration[r["group"]] for r in rows]
        report[f"by_{name}"] = rows
        report["four_fifths"][name] = four_fifths(groups, refuse, [r["group"] for r in rows if r["enough_data"]],
                                                  n_boot, seed)
    return report
