"""The evaluation's steps on hand-computed cases."""

import numpy as np
import pytest

from creditrisk.config import CostParams
from creditrisk.governance.evaluation import (
    baseline_costs,
    bootstrap_intervals,
    flatten_intervals,
    holdout_metrics,
    oracle_gap,
    sample_size,
)
from creditrisk.model.cost import find_best_threshold
from tests.bundles import make_bundle

Y = np.array([0, 0, 0, 1, 1])
PD = np.array([0.05, 0.2, 0.6, 0.4, 0.9])


def test_holdout_metrics_at_the_threshold():
    """Refuse at PD >= 0.3: TN 2 (0.05, 0.2), FP 1 (0.6), FN 0, TP 2 (0.4, 0.9): cost 1 over 5 clients."""
    m = holdout_metrics(Y, PD, 0.3, CostParams(10, 1))
    assert (m["tn"], m["fp"], m["fn"], m["tp"]) == (2, 1, 0, 2)
    assert m["business_cost_per_client"] == pytest.approx(1 / 5)
    assert m["normalized_cost"] == pytest.approx(1 / 20)  # refusing no one costs 2 defaults x 10
    assert m["approval_rate"] == pytest.approx(2 / 5) and m["default_rate"] == pytest.approx(2 / 5)
    assert m["auc"] == pytest.approx(5 / 6)  # 5 of the 6 (defaulter, good client) pairs ordered right
    assert m["brier"] == pytest.approx((0.05**2 + 0.2**2 + 0.6**2 + 0.6**2 + 0.1**2) / 5)


def test_oracle_gap_from_the_true_pd():
    # Bayes cut-off 1/11: refuses 0.2 (a good client: 1) and 0.5; accepts the defaulter at 0.05 (10)
    truth = np.array([0.01, 0.02, 0.2, 0.5, 0.05])
    gap = oracle_gap(holdout_metrics(Y, PD, 0.3, CostParams(10, 1)), Y, truth, CostParams(10, 1))
    assert gap["oracle_cost_per_client"] == pytest.approx(11 / 5) and gap["oracle_auc"] == pytest.approx(5 / 6)
    # the model at 0.3: AUC 5/6, cost 1/5 (test above)
    assert gap["auc_to_oracle"] == pytest.approx(1.0) and gap["cost_to_oracle"] == pytest.approx(1 / 11)


def test_no_oracle_interval_without_a_true_pd():
    intervals = bootstrap_intervals(Y, PD, 0.3, CostParams(10, 1), 50, 0, (Y, PD))
    assert "auc_to_oracle_ci95" not in intervals and "cost_to_oracle_ci95" not in intervals


def test_oracle_shares_are_resampled_in_pairs():
    """A model that orders the clients as the true PD does, and refuses at the Bayes cut-off the same clients,
    has the oracle's AUC and cost on every resample: its intervals are the single point 1, which an unpaired
    resampling of the two would not give. A model that orders them worse has an interval below 1."""
    rng = np.random.default_rng(1)
    truth = rng.uniform(0.01, 0.5, 400)
    y = (rng.random(400) < truth).astype(int)
    costs = CostParams(10, 1)
    same_order, cut = truth**2, (1 / 11) ** 2  # monotone: the same ranking; the cut-off moved with it
    gap = bootstrap_intervals(y, same_order, cut, costs, 200, 0, (y, same_order), truth)
    assert gap["auc_to_oracle_ci95"] == pytest.approx([1.0, 1.0])
    assert gap["cost_to_oracle_ci95"] == pytest.approx([1.0, 1.0])
    noisy = truth + rng.normal(0, 0.15, 400)
    point = oracle_gap(holdout_metrics(y, noisy, 1 / 11, costs), y, truth, costs)["auc_to_oracle"]
    low, high = bootstrap_intervals(y, noisy, 1 / 11, costs, 200, 0, (y, noisy), truth)["auc_to_oracle_ci95"]
    assert low < point < high < 1.0


def test_baseline_costs_use_the_baselines_keys_and_intervals_are_flattened():
    baselines = [{"key": "logistic_regression", "strategy": "logistic regression", "cv_cost_per_client": 0.46},
                 {"key": "lightgbm", "strategy": "LightGBM (kernel settings)", "cv_cost_per_client": 0.44}]
    costs = baseline_costs(baselines, make_bundle(["a"]))
    assert costs == {"baseline_logistic_regression_cv_cost_per_client": 0.46,
                     "baseline_lightgbm_cv_cost_per_client": 0.44, "champion_cv_cost_per_client": 0.4}
    flat = flatten_intervals({"auc": 0.8, "auc_ci95": [0.7, 0.9], "business_cost_per_client_ci95": [0.1, 0.2],
                              "threshold_ci95": [0.08, 0.12]})
    assert flat == {"auc": 0.8, "auc_ci95_low": 0.7, "auc_ci95_high": 0.9, "business_cost_per_client_ci95_low": 0.1,
                    "business_cost_per_client_ci95_high": 0.2, "threshold_ci95_low": 0.08, "threshold_ci95_high": 0.12}


def test_concept_importance_sums_each_concepts_features_before_averaging():
    from creditrisk.governance.evaluation import concept_importance

    shap = np.array([[0.2, 0.1, -0.1], [-0.2, 0.0, 0.3]])
    rows = concept_importance(["INSTAL_LATE_MEAN", "INSTAL_DPD_MEAN", "CODE_GENDER"], shap)
    # late payments: |0.2 + 0.1| and |-0.2 + 0.0| -> 0.25; gender: 0.1 and 0.3 -> 0.2; total 0.45
    assert [(r["concept"], r["written"], r["sensitive"]) for r in rows] == [("late_payments", True, False),
                                                                             ("gender", False, True)]
    assert [r["share"] for r in rows] == pytest.approx([0.25 / 0.45, 0.2 / 0.45])


def test_sample_size_marks_a_holdout_with_too_few_defaults():
    assert sample_size(Y, 2) == {"holdout_defaults": 2, "min_defaults": 2, "enough_data": True}
    assert sample_size(Y, 3)["enough_data"] is False


def test_every_headline_figure_gets_a_bootstrap_interval_around_it():
    rng = np.random.default_rng(0)
    y = (rng.random(2000) < 0.2).astype(int)
    pd_ = np.clip(0.2 + 0.3 * (y - 0.2) + rng.normal(0, 0.1, 2000), 0.001, 0.999)
    intervals = bootstrap_intervals(y, pd_, 0.25, CostParams(10, 1), 200, 1, (y, pd_))
    figures = holdout_metrics(y, pd_, 0.25, CostParams(10, 1))
    for name in ("auc", "pr_auc", "business_cost_per_client", "normalized_cost", "brier", "approval_rate"):
        low, high = intervals[f"{name}_ci95"]
        assert low < figures[name] < high, name  # 2,000 rows: the figure sits inside its own 95 % interval
        assert high - low < 0.1, name
    assert intervals["bootstrap_resamples"] == 200
    # the threshold is resampled where it is chosen, on the out-of-fold rows, never the holdout's fixed one
    best = find_best_threshold(y, pd_, CostParams(10, 1))[0]
    off = bootstrap_intervals(y, pd_, 0.9, CostParams(10, 1), 200, 1, (y, pd_))["threshold_ci95"]
    assert off == pytest.approx(intervals["threshold_ci95"]) and off[0] <= best <= off[1] < 0.9
