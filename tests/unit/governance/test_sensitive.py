"""The attribute comparison: per-client costs, the paired interval, whether leaving it out costs anything."""

import numpy as np
import pytest

from creditrisk.config import CostParams
from creditrisk.governance.sensitive import compare_without, paired_difference, row_costs
from creditrisk.model.training import CVResult

COSTS = CostParams(fn_cost=10, fp_cost=1)


def test_row_costs_by_hand():
    y = np.array([1, 1, 0, 0])
    refuse = np.array([True, False, True, False])
    assert row_costs(y, refuse, COSTS).tolist() == [0, 10, 1, 0]


def test_paired_difference_is_without_minus_with():
    result = paired_difference(np.array([0, 10, 1, 0]), np.array([10, 10, 1, 0]), n_boot=500, seed=0)
    assert result["difference"] == pytest.approx(2.5)  # one more accepted defaulter in four clients
    low, high = result["ci95"]
    assert 0 <= low <= 2.5 <= high <= 10


def _result(oof: np.ndarray, threshold: float, y: np.ndarray) -> CVResult:
    cost = float(row_costs(y, oof >= threshold, COSTS).sum())
    return CVResult("none", oof, [0.8], [100], threshold=threshold, cost=cost, auc=0.8)


def test_leaving_out_an_attribute_that_buys_nothing_is_free_and_one_that_pays_has_a_price():
    rng = np.random.default_rng(0)
    n = 4000
    y = (rng.random(n) < 0.1).astype(int)
    groups = np.where(rng.random(n) < 0.5, "F", "M")
    score = np.clip(0.1 + 0.3 * y + rng.normal(0, 0.15, n), 0, 1)
    noise = np.clip(score + rng.normal(0, 0.01, n), 0, 1)  # the same model up to noise
    same = compare_without("CODE_GENDER", groups, y, _result(score, 0.3, y), _result(noise, 0.3, y), COSTS, 0)
    assert same.free and same.report["verdict"].startswith("CODE_GENDER is left out of the model; without it the "
                                                          "cost changes by")
    assert "within what sampling alone moves" in same.report["verdict"]
    worse = np.clip(0.1 + 0.1 * y + rng.normal(0, 0.15, n), 0, 1)  # much less discriminating without it
    kept = compare_without("CODE_GENDER", groups, y, _result(score, 0.3, y), _result(worse, 0.3, y), COSTS, 0)
    assert not kept.free and kept.report["cost_difference_ci95"][0] > 0
    assert kept.report["verdict"].endswith("beyond sampling noise: the price of the policy")
    assert set(kept.report["fairness"]["with"]["approval_rate"]) == {"F", "M"}
    assert 0.8 < kept.report["fairness"]["with"]["four_fifths"] <= 1
