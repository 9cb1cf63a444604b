"""The validation statistics against cases worked out by hand (the arithmetic is in the comments)."""

import math

import numpy as np
import pytest

from creditrisk.governance import stats

# Two defaults scored 0.9 and 0.4, three non-defaults 0.5, 0.1 and 0.4 (a tie with a default).
Y = np.array([1, 1, 0, 0, 0])
S = np.array([0.9, 0.4, 0.5, 0.1, 0.4])


def _upper_normal(z: float) -> float:
    return 0.5 * math.erfc(z / math.sqrt(2))


def test_delong_auc_and_standard_error_by_hand():
    # pairs won by the defaults: 0.9 beats all three (3); 0.4 beats 0.1 and ties 0.4 (1.5) -> AUC 4.5 / 6 = 0.75.
    # per default: [1, 0.5] (variance 0.125, / 2 defaults); per non-default, defaults above it: 0.5 -> 0.5,
    # 0.1 -> 1, 0.4 -> 0.75 (variance 0.0625, / 3) -> se = sqrt(0.0625 + 0.0208333) = 0.288675
    estimate = stats.delong(Y, S)
    assert estimate.auc == pytest.approx(0.75)
    assert estimate.se == pytest.approx(math.sqrt(0.0625 + 0.0625 / 3))
    assert estimate.gini == pytest.approx(0.5)
    assert estimate.ci95 == pytest.approx([0.75 - 1.959964 * 0.288675, 1.0], abs=1e-5)


def test_delong_equals_the_pairwise_definition_on_random_scores():
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 60)
    s = rng.integers(0, 10, 60) / 10  # many ties
    pos, neg = s[y == 1], s[y == 0]
    psi = (pos[:, None] > neg[None, :]) + 0.5 * (pos[:, None] == neg[None, :])
    v10, v01 = psi.mean(axis=1), psi.mean(axis=0)
    se = math.sqrt(v10.var(ddof=1) / len(pos) + v01.var(ddof=1) / len(neg))
    estimate = stats.delong(y, s)
    assert estimate.auc == pytest.approx(psi.mean()) and estimate.se == pytest.approx(se)


def test_delong_refuses_a_sample_without_two_of_each_class():
    with pytest.raises(ValueError, match="at least 2 defaults"):
        stats.delong(np.array([1, 0, 0]), np.array([0.5, 0.2, 0.1]))


def test_auc_decline_is_one_sided_normal():
    z, p = stats.auc_decline_p(stats.delong(Y, S), 0.80)
    assert z == pytest.approx(0.05 / 0.288675, rel=1e-5)
    assert p == pytest.approx(_upper_normal(0.05 / 0.288675), rel=1e-5)
    assert stats.auc_decline_p(stats.delong(Y, S), 0.70)[1] > 0.5  # better than development: no decline


def test_ks_is_the_largest_gap_between_the_two_distributions():
    # at 0.5 the defaults' ECDF is 1/2 and the non-defaults' is 1 -> 0.5, the largest gap
    statistic, p_value = stats.ks_test(Y, S)
    assert statistic == pytest.approx(0.5) and 0 < p_value <= 1


def test_binomial_one_sided_by_hand():
    # P(X >= 3) for X ~ Bin(10, 0.1) = 1 - 0.9^10 - 10 * 0.1 * 0.9^9 - 45 * 0.01 * 0.9^8
    expected = 1 - 0.9**10 - 10 * 0.1 * 0.9**9 - 45 * 0.01 * 0.9**8
    assert stats.binomial_p(3, 10, 0.1) == pytest.approx(expected)
    assert expected == pytest.approx(0.070191, abs=1e-6)


def test_hosmer_lemeshow_by_hand():
    pd_ = np.array([0.1, 0.1, 0.2, 0.2, 0.3, 0.3, 0.4, 0.4])
    y = np.array([0, 0, 1, 0, 0, 0, 1, 1])
    # groups of two: 0.04/0.18 + 0.36/0.32 + 0.36/0.42 + 1.44/0.48 = 5.204365; chi-square 2 df: p = exp(-x / 2)
    statistic, df, p_value = stats.hosmer_lemeshow(y, pd_, groups=4)
    assert statistic == pytest.approx(0.04 / 0.18 + 0.36 / 0.32 + 0.36 / 0.42 + 1.44 / 0.48)
    assert df == 2 and p_value == pytest.approx(math.exp(-statistic / 2))


def test_spiegelhalter_by_hand():
    # (1 - 0.2)(1 - 0.4) + (0 - 0.4)(1 - 0.8) = 0.40 over sqrt(0.36 * 0.16 + 0.04 * 0.24) = sqrt(0.0672)
    z, p_value = stats.spiegelhalter(np.array([1, 0]), np.array([0.2, 0.4]))
    assert z == pytest.approx(0.40 / math.sqrt(0.0672))
    assert p_value == pytest.approx(2 * _upper_normal(0.40 / math.sqrt(0.0672)))


def test_brier_decomposition_is_exact_when_the_pd_is_constant_per_group():
    # base rate 0.75; reliability (0.2-0.5)^2/2 + (0.6-1)^2/2 = 0.125; resolution 0.25^2 = 0.0625;
    # uncertainty 0.1875; Brier (0.04 + 0.64 + 0.16 + 0.16) / 4 = 0.25 = 0.125 - 0.0625 + 0.1875
    parts = stats.brier_decomposition(np.array([0, 1, 1, 1]), np.array([0.2, 0.2, 0.6, 0.6]), groups=2)
    assert parts["brier"] == pytest.approx(0.25) and parts["reliability"] == pytest.approx(0.125)
    assert parts["resolution"] == pytest.approx(0.0625) and parts["uncertainty"] == pytest.approx(0.1875)
    assert parts["within_group"] == pytest.approx(0.0) and parts["skill"] == pytest.approx(1 - 0.25 / 0.1875)


def test_psi_and_its_sampling_critical_value_by_hand():
    # (0.25 - 0.5) ln(0.5) + (0.75 - 0.5) ln(1.5) = 0.274653
    assert stats.psi(np.array([50, 50]), np.array([25, 75])) == pytest.approx(0.25 * math.log(2) + 0.25 * math.log(1.5))
    assert stats.psi(np.array([10, 20, 30]), np.array([1, 2, 3])) == pytest.approx(0.0)
    # chi-square 95 % quantile with 9 df = 16.918978, times 1/1000 + 1/1000
    assert stats.psi_critical(1000, 1000, 10) == pytest.approx(16.918978 * 0.002, rel=1e-6)


def test_bins_count_quantiles_and_missing_values():
    edges = stats.quantile_edges(np.arange(10.0), 2)  # the median, 4.5
    assert edges.tolist() == [4.5]
    counts = stats.count_numbers(np.array([0, 4.5, 9, np.nan, 1]), edges)
    assert counts.tolist() == [1, 2, 2]  # missing, below 4.5, from 4.5 up


def test_corrected_t_interval_by_hand():
    """Five paired differences 0.01, 0.02, 0.03, 0.00, 0.04 from 5-fold CV (test share 1/5): mean 0.02, sample
    variance 0.001/4 = 0.00025, corrected variance of the mean (1/5 + 0.2/0.8) * 0.00025 = 0.0001125, Student's
    t(0.975, 4) = 2.7764451; half width 2.7764451 * sqrt(0.0001125) = 0.0294486. The naive s^2/n interval is narrower
    (half width 0.0196324)."""
    low, high = stats.corrected_t_interval([0.01, 0.02, 0.03, 0.00, 0.04], test_share=0.2)
    assert low == pytest.approx(0.02 - 0.0294486, abs=1e-7) and high == pytest.approx(0.02 + 0.0294486, abs=1e-7)
    naive = 2.7764451 * math.sqrt(0.00025 / 5)
    assert naive == pytest.approx(0.0196324, abs=1e-7) and high - 0.02 > naive
    with pytest.raises(ValueError, match="at least 2 differences"):
        stats.corrected_t_interval([0.01], test_share=0.2)


def test_a_pd_half_as_spread_as_the_outcomes_has_calibration_slope_two():
    """Five groups of 20,000 clients whose default rate is expit(x) while their PD is expit(x / 2)."""
    from scipy.special import expit

    pd_, y = [], []
    for x in (-4.0, -3.0, -2.0, -1.0, 0.0):
        defaults = round(20_000 * expit(x))
        pd_ += [expit(x / 2)] * 20_000
        y += [1] * defaults + [0] * (20_000 - defaults)
    assert stats.calibration_slope(np.array(y), np.array(pd_)) == pytest.approx(2.0, abs=0.01)
