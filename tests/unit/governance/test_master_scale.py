"""The master scale on hand-computed cases."""

import numpy as np
import pytest

from creditrisk.errors import ConfigError
from creditrisk.governance.master_scale import MasterScale, herfindahl, scale_checks

SCALE = MasterScale((0.01, 0.02, 0.04, 0.08, 0.16, 0.32))


def test_grades_and_their_pd_ranges():
    # a bound belongs to the grade above it: 0.01 is grade 2
    assert SCALE.grade([0.0, 0.0099, 0.01, 0.05, 0.31, 0.32, 0.99]).tolist() == [1, 1, 2, 4, 6, 7, 7]
    assert SCALE.grades == [1, 2, 3, 4, 5, 6, 7]
    assert SCALE.pd_range(1) == (0.0, 0.01) and SCALE.pd_range(7) == (0.32, 1.0)


def test_too_few_or_unordered_bounds_are_refused():
    too_few, repeated, with_zero = ((0.01, 0.02, 0.04, 0.08, 0.16), (0.01, 0.02, 0.02, 0.08, 0.16, 0.32),
                                    (0.0, 0.1, 0.2, 0.3, 0.4, 0.5))
    for bounds in (too_few, repeated, with_zero):
        with pytest.raises(ConfigError, match="scale.bounds"):
            MasterScale(bounds)


def test_table_checks_and_herfindahl_by_hand():
    # grade 2: 4 clients, 1 default; grade 4: 4 clients, 2 defaults; grade 7: 2 clients, 2 defaults
    pd_ = np.array([0.015] * 4 + [0.05] * 4 + [0.5] * 2)
    y = np.array([1, 0, 0, 0, 1, 1, 0, 0, 1, 1])
    rows = SCALE.table(y, pd_)
    used = [(r["grade"], r["clients"], r["defaults"], r["default_rate"]) for r in rows if r["clients"]]
    assert used == [(2, 4, 1, 0.25), (4, 4, 2, 0.5), (7, 2, 2, 1.0)]
    assert rows[0]["default_rate"] is None and rows[1]["share"] == 0.4
    assert herfindahl(rows) == pytest.approx(0.4 ** 2 + 0.4 ** 2 + 0.2 ** 2)  # 0.36
    checks = scale_checks(rows, max_share=0.5)
    assert checks["monotone"] and checks["spread"] and checks["ok"] and checks["largest_share"] == 0.4
    assert not scale_checks(rows, max_share=0.3)["ok"]  # a grade holds 40 % of the clients
    y_flat = np.array([1, 1, 0, 0, 1, 0, 0, 0, 1, 1])  # grade 2 at 50 %, grade 4 at 25 %: not ordered
    assert not scale_checks(SCALE.table(y_flat, pd_), max_share=0.5)["monotone"]


def test_jeffreys_p_value_against_the_beta_integral_by_hand():
    """p = P(rate <= PD) under Beta(d + 1/2, n - d + 1/2), integrated here with the trapezoid rule from the
    density's formula (math.gamma), independently of scipy.stats."""
    import math

    from creditrisk.governance.master_scale import jeffreys_p, traffic_light

    def by_hand(d: int, n: int, pd_: float, steps: int = 200_000) -> float:
        a, b = d + 0.5, n - d + 0.5
        norm = math.gamma(a + b) / (math.gamma(a) * math.gamma(b))
        xs = np.linspace(1e-12, pd_, steps)
        return float(np.trapezoid(norm * xs ** (a - 1) * (1 - xs) ** (b - 1), xs))

    assert jeffreys_p(5, 100, 0.03) == pytest.approx(by_hand(5, 100, 0.03), abs=2e-4)  # 5 defaults where 3 expected
    assert jeffreys_p(5, 100, 0.03) < 0.2 < jeffreys_p(1, 100, 0.03)
    assert [traffic_light(p, 0.05, 0.01) for p in (0.5, 0.05, 0.02, 0.01, 0.005)] == [
        "green", "green", "amber", "amber", "red"]


def test_calibration_tests_per_grade_and_for_the_portfolio():
    from creditrisk.governance.master_scale import calibration_tests, jeffreys_p

    rows = [{"grade": 1, "clients": 200, "defaults": 1, "mean_pd": 0.005},
            {"grade": 2, "clients": 100, "defaults": 12, "mean_pd": 0.03},  # four times the PD: red
            {"grade": 3, "clients": 0, "defaults": 0, "mean_pd": None}]
    tests = calibration_tests(rows, amber=0.05, red=0.01)
    assert [(g["grade"], g["light"]) for g in tests["grades"]] == [(1, "green"), (2, "red")]
    small = calibration_tests(rows, amber=0.05, red=0.01, min_clients=150)  # grade 2 has 100 clients
    assert [g["light"] for g in small["grades"]] == ["green", "not enough data"]
    portfolio = tests["portfolio"]
    assert (portfolio["clients"], portfolio["defaults"]) == (300, 13)
    assert portfolio["mean_pd"] == pytest.approx((200 * 0.005 + 100 * 0.03) / 300)
    assert portfolio["p_value"] == jeffreys_p(13, 300, portfolio["mean_pd"])


def test_a_reversal_of_grades_carries_fishers_exact_p_value():
    from math import comb

    from creditrisk.governance.master_scale import reversals

    rows = [{"grade": 1, "clients": 10, "defaults": 2, "default_rate": 0.2},
            {"grade": 2, "clients": 10, "defaults": 1, "default_rate": 0.1},
            {"grade": 3, "clients": 10, "defaults": 5, "default_rate": 0.5}]
    (reversal,) = reversals(rows)
    # hypergeometric tail: 3 defaults among 20 clients, at least 2 of them in grade 1's 10
    by_hand = sum(comb(10, k) * comb(10, 3 - k) for k in (2, 3)) / comb(20, 3)
    assert reversal["grades"] == [1, 2] and reversal["p_value"] == pytest.approx(by_hand)
    assert by_hand == pytest.approx(0.5)
