"""What does leaving a sensitive attribute out cost? The champion's recipe is cross-validated with it, on the
same folds, and the two are compared on the business cost and on fairness.

The attribute stays out of the model by policy (params ``train.exclude``); this measures the price. The cost
difference is paired: each training row's cost (fn_cost if a defaulter is accepted, fp_cost if a good client is
refused, at each model's own out-of-fold threshold) with and without the attribute, and a 95 % bootstrap interval
of the mean difference. When the interval holds zero (or lies below it), leaving it out costs nothing
measurable; otherwise the cost is said, for the lender to weigh.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from creditrisk.config import CostParams
from creditrisk.model.training import CVResult


@dataclass(frozen=True)
class SensitiveComparison:
    attribute: str
    report: dict  # reports/model_comparison.json["sensitive"]
    without: CVResult  # the out-of-fold result without the attribute

    @property
    def free(self) -> bool:
        return self.report["free"]


def row_costs(y: np.ndarray, refuse: np.ndarray, costs: CostParams) -> np.ndarray:
    """Each client's cost of a decision: fn_cost for an accepted defaulter, fp_cost for a refused good client."""
    y, refuse = np.asarray(y, dtype=bool), np.asarray(refuse, dtype=bool)
    return np.where(y & ~refuse, costs.fn_cost, 0.0) + np.where(~y & refuse, costs.fp_cost, 0.0)


def paired_difference(with_costs: np.ndarray, without_costs: np.ndarray, n_boot: int, seed: int) -> dict:
    """Mean cost per client without minus with, and its 95 % percentile bootstrap interval (rows resampled)."""
    diff = np.asarray(without_costs, dtype=float) - np.asarray(with_costs, dtype=float)
    rng = np.random.default_rng(seed)
    means = [diff[rng.integers(0, len(diff), len(diff))].mean() for _ in range(n_boot)]
    return {"difference": float(diff.mean()),
            "ci95": [float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))]}


def compare_without(attribute: str, groups: np.ndarray, y: np.ndarray, with_attr: CVResult,
                    without_attr: CVResult, costs: CostParams, seed: int, n_boot: int = 1000) -> SensitiveComparison:
    """The verdict on one attribute: paired cost difference and approval rates by the attribute's groups (the
    four-fifths ratio over groups of at least 30 clients) for both models."""
    from creditrisk.governance.fairness import four_fifths, group_outcomes

    refuse_with, refuse_without = with_attr.oof >= with_attr.threshold, without_attr.oof >= without_attr.threshold
    cost = paired_difference(row_costs(y, refuse_with, costs), row_costs(y, refuse_without, costs), n_boot, seed)
    free = cost["ci95"][0] <= 0  # no cost increase beyond sampling noise
    fairness = {}
    for name, refuse in (("with", refuse_with), ("without", refuse_without)):
        rows = group_outcomes(groups, y, refuse, min_clients=30, min_defaults=0)
        judged = [r["group"] for r in rows if r["enough_data"]]
        fairness[name] = {"approval_rate": {r["group"]: r["approval_rate"] for r in rows},
                          "four_fifths": four_fifths(groups, refuse, judged, n_boot=0, seed=seed)["ratio"]}
    report = {"attribute": attribute, "free": free, "cost_per_client_with": with_attr.cost / len(y),
              "cost_per_client_without": without_attr.cost / len(y), "auc_with": with_attr.auc,
              "auc_without": without_attr.auc, "cost_difference": cost["difference"],
              "cost_difference_ci95": cost["ci95"], "fairness": fairness,
              "verdict": _verdict(attribute, free, cost)}
    return SensitiveComparison(attribute, report, without_attr)


def _verdict(attribute: str, free: bool, cost: dict) -> str:
    low, high = cost["ci95"]
    interval = f"{cost['difference']:+.4f} per client, 95 % interval [{low:+.4f}, {high:+.4f}]"
    if free:
        return (f"{attribute} is left out of the model; without it the cost changes by {interval}, within what "
                "sampling alone moves")
    return (f"{attribute} is left out of the model; without it the cost rises by {interval}, beyond sampling "
            "noise: the price of the policy")
