"""Business cost and threshold search against hand-computed confusion matrices."""

import numpy as np
import pytest

from creditrisk.model.cost import (
    CostParams,
    baseline_cost,
    business_cost,
    confusion,
    cost_curve,
    cost_per_client,
    find_best_threshold,
    normalized_cost,
    ratio_sensitivity,
)

COSTS = CostParams(fn_cost=10, fp_cost=1)
#            clients:  a    b    c    d    e    f    g    h
Y = np.array([1, 0, 1, 0, 0, 0, 1, 0])
SCORE = np.array([0.9, 0.8, 0.7, 0.4, 0.4, 0.2, 0.1, 0.05])


def test_confusion_and_cost_by_hand():
    refuse = SCORE >= 0.5  # refuses a, b, c
    m = confusion(Y, refuse)
    assert (m.tn, m.fp, m.fn, m.tp) == (4, 1, 1, 2)
    assert business_cost(m, COSTS) == 10 * 1 + 1 * 1
    assert cost_per_client(m, COSTS) == 11 / 8
    assert baseline_cost(Y, COSTS) == 30  # accept everyone: 3 defaults x 10
    assert normalized_cost(11, Y, COSTS) == pytest.approx(11 / 30)


def test_every_cut_off_is_costed_exactly():
    curve = cost_curve(Y, SCORE, COSTS)
    # refuse nobody: 30; >=0.9: FN2 -> 20; >=0.8: FN2 FP1 -> 21; >=0.7: FN1 FP1 -> 11; >=0.4 (d, e tied): FN1 FP3
    # -> 13; >=0.2: FN1 FP4 -> 14; >=0.1: FN0 FP4 -> 4; >=0.05: FN0 FP5 -> 5
    expected = {np.inf: 30, 0.9: 20, 0.8: 21, 0.7: 11, 0.4: 13, 0.2: 14, 0.1: 4, 0.05: 5}
    assert dict(zip(curve.thresholds.tolist(), curve.costs.tolist(), strict=True)) == expected
    assert find_best_threshold(Y, SCORE, COSTS) == (0.1, 4.0)


def test_ties_prefer_fewer_refusals_and_cheap_false_negatives_move_the_threshold_up():
    y, s = np.array([1, 0, 0]), np.array([0.9, 0.5, 0.1])
    # fn = fp = 1: refusing >=0.9 costs 0; nothing else is cheaper
    assert find_best_threshold(y, s, CostParams(1, 1)) == (0.9, 0.0)
    # if false negatives cost nothing, refusing no one (threshold +inf) is optimal
    assert find_best_threshold(y, s, CostParams(0, 1)) == (np.inf, 0.0)


def test_calibrated_scores_put_the_optimum_near_one_eleventh():
    rng = np.random.default_rng(0)
    pd_true = rng.beta(0.8, 9, size=200_000)
    y = rng.random(pd_true.size) < pd_true
    threshold, _ = find_best_threshold(y, pd_true, COSTS)
    assert COSTS.bayes_threshold == pytest.approx(1 / 11)
    assert threshold == pytest.approx(1 / 11, abs=0.01)


def test_ratio_sensitivity_moves_the_threshold_down_as_defaults_get_dearer():
    rows = ratio_sensitivity(Y, SCORE, [1, 10, 20])
    # ratio 1: cut-offs 0.9 (FN2 FP0) and 0.7 (FN1 FP1) both cost 2; the tie goes to fewer refusals (0.9)
    assert [r["threshold"] for r in rows] == [0.9, 0.1, 0.1]
    assert rows[0]["cost_per_client"] == pytest.approx(2 / 8)
    assert [r["bayes_threshold"] for r in rows] == pytest.approx([0.5, 1 / 11, 1 / 21])


def test_decide_with_and_without_review_band():
    from creditrisk.model.cost import decide

    pds = [0.05, 0.079, 0.085, 0.10, 0.115, 0.125, 0.6]
    assert decide(pds, 0.10).tolist() == ["accept", "accept", "accept", "refuse", "refuse", "refuse", "refuse"]
    assert decide(pds, 0.10, 0.02).tolist() == ["accept", "accept", "review", "review", "review", "refuse",
                                                "refuse"]
