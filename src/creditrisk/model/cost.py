"""The business cost of credit decisions: the single place where FN/FP costs turn into numbers.

A refused good client (false positive) costs ``fp_cost``; an accepted client who defaults (false negative) costs
``fn_cost`` (about ten times more). Models are compared, tuned and thresholded on this cost, not on accuracy.

Why the optimal threshold on a calibrated PD is fp / (fn + fp): refusing a client of PD p costs fp·(1 - p) in
expectation, accepting costs fn·p; refusing is cheaper exactly when p > fp / (fn + fp) = 1/11 for a 10:1 cost.
Class weights (CatBoost ``auto_class_weights``) or undersampling inflate the scores of defaulters: they do not
change what is cheapest, they move the threshold at which the inflated score must be cut, which is why the
threshold is always searched on out-of-fold predictions of the model as trained.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from creditrisk.config import CostParams


@dataclass(frozen=True)
class Confusion:
    tn: int
    fp: int
    fn: int
    tp: int

    @property
    def n(self) -> int:
        return self.tn + self.fp + self.fn + self.tp


def confusion(y_true: np.ndarray, refuse: np.ndarray) -> Confusion:
    """Confusion matrix of a decision (refuse = predicted default) against the observed defaults."""
    y, r = np.asarray(y_true, dtype=bool), np.asarray(refuse, dtype=bool)
    return Confusion(tn=int((~y & ~r).sum()), fp=int((~y & r).sum()), fn=int((y & ~r).sum()), tp=int((y & r).sum()))


def business_cost(matrix: Confusion, costs: CostParams) -> float:
    """Total cost: fn_cost · FN + fp_cost · FP."""
    return costs.fn_cost * matrix.fn + costs.fp_cost * matrix.fp


def cost_per_client(matrix: Confusion, costs: CostParams) -> float:
    return business_cost(matrix, costs) / matrix.n if matrix.n else float("nan")


def baseline_cost(y_true: np.ndarray, costs: CostParams) -> float:
    """Cost of refusing no one (every default is a false negative): the reference of the normalised cost."""
    return costs.fn_cost * float(np.sum(y_true))


def normalized_cost(cost: float, y_true: np.ndarray, costs: CostParams) -> float:
    """0 = perfect decisions, 1 = the cost of refusing no one (lower is better; above 1 is worse than that)."""
    base = baseline_cost(y_true, costs)
    return cost / base if base else float("nan")


@dataclass(frozen=True)
class ThresholdSearch:
    threshold: float
    cost: float
    thresholds: np.ndarray  # candidate cut-offs, increasing
    costs: np.ndarray  # total cost when refusing every score >= the cut-off


def cost_curve(y_true: np.ndarray, score: np.ndarray, costs: CostParams) -> ThresholdSearch:
    """Exact cost for every distinct cut-off (refuse when score >= t), in O(n log n); the best is the lowest cost.

    Candidates are the distinct scores plus +inf (refuse no one). Ties in the best cost go to the highest cut-off
    (fewest refusals).
    """
    y = np.asarray(y_true, dtype=float)
    s = np.asarray(score, dtype=float)
    order = np.argsort(-s, kind="mergesort")
    s_sorted, y_sorted = s[order], y[order]
    # refusing the k highest scores: TP = defaults among them, FP = the rest
    tp = np.concatenate([[0.0], np.cumsum(y_sorted)])
    fp = np.concatenate([[0.0], np.cumsum(1.0 - y_sorted)])
    last_of_tie = np.concatenate([np.flatnonzero(np.diff(s_sorted) != 0), [s.size - 1]]) + 1 if s.size else []
    refused = np.concatenate([[0], last_of_tie]).astype(int)
    total = costs.fn_cost * (y.sum() - tp[refused]) + costs.fp_cost * fp[refused]
    cut = np.concatenate([[np.inf], s_sorted[refused[1:] - 1]]) if s.size else np.array([np.inf])
    increasing = np.argsort(cut, kind="mergesort")
    thresholds, totals = cut[increasing], total[increasing]
    best = len(totals) - 1 - int(np.argmin(totals[::-1]))  # highest cut-off among the cheapest
    return ThresholdSearch(threshold=float(thresholds[best]), cost=float(totals[best]), thresholds=thresholds,
                           costs=totals)


def find_best_threshold(y_true: np.ndarray, score: np.ndarray, costs: CostParams) -> tuple[float, float]:
    """(cut-off, total cost) minimising the business cost; refuse when score >= cut-off."""
    search = cost_curve(y_true, score, costs)
    return search.threshold, search.cost


def ratio_sensitivity(y_true: np.ndarray, score: np.ndarray, ratios: list[float], fp_cost: float = 1.0) -> list[dict]:
    """Best cut-off and normalised cost when the FN:FP cost ratio varies (how fragile is the decision rule?)."""
    rows = []
    for ratio in ratios:
        costs = CostParams(fn_cost=ratio * fp_cost, fp_cost=fp_cost)
        threshold, cost = find_best_threshold(y_true, score, costs)
        rows.append({"fn_fp_ratio": ratio, "threshold": threshold, "cost_per_client": cost / len(y_true),
                     "normalized_cost": normalized_cost(cost, y_true, costs),
                     "bayes_threshold": costs.bayes_threshold})
    return rows


DECISIONS = ("accept", "review", "refuse")


def decide(pd_: np.ndarray, threshold: float, review_band: float = 0.0) -> np.ndarray:
    """The decision for each PD: refuse when PD >= threshold (as the threshold was searched), accept below it;
    PDs within ``review_band`` of the threshold go to a human ("review") instead. Returns an array of strings."""
    p = np.asarray(pd_, dtype=float)
    out = np.where(p >= threshold, "refuse", "accept").astype(object)
    if review_band > 0:
        out[np.abs(p - threshold) <= review_band] = "review"
    return out
