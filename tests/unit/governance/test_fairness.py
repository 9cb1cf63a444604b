import numpy as np
import pandas as pd
import pytest

from creditrisk.governance.fairness import age_band, fairness_report, group_outcomes


def test_group_outcomes_by_hand():
    groups = np.array(["F", "F", "F", "M", "M"])
    y = np.array([1, 0, 0, 1, 0])
    refuse = np.array([True, True, False, False, False])
    f, m = group_outcomes(groups, y, refuse, min_clients=3, min_defaults=1)
    assert (f["group"], f["clients"], f["defaults"], f["enough_data"]) == ("F", 3, 1, True)
    rates = {k: f[k] for k in ("default_rate", "approval_rate", "false_negative_rate", "false_positive_rate")}
    assert rates == pytest.approx({"default_rate": 1 / 3, "approval_rate": 1 / 3, "false_negative_rate": 0.0,
                                   "false_positive_rate": 0.5})
    assert (m["approval_rate"], m["false_negative_rate"], m["false_positive_rate"]) == (1.0, 1.0, 0.0)
    assert m["enough_data"] is False  # 2 clients, fewer than 3


def wilson(k: int, n: int, z: float = 1.959963984540054) -> list[float]:
    """The Wilson score interval, from its textbook formula."""
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * (p * (1 - p) / n + z * z / (4 * n * n)) ** 0.5
    return [centre - half, centre + half]


def test_rates_carry_wilson_intervals():
    groups = np.array(["A"] * 3)
    f, = group_outcomes(groups, np.array([1, 0, 0]), np.array([True, True, False]), min_clients=30)
    assert f["approval_rate_ci95"] == pytest.approx(wilson(1, 3))  # 1 of 3 approved
    assert f["approval_rate_ci95"] == pytest.approx([0.0615, 0.7923], abs=1e-4)  # worked out by hand
    assert f["false_negative_rate_ci95"] == pytest.approx(wilson(0, 1))
    assert f["enough_data"] is False  # 3 clients, fewer than 30


def test_a_group_without_defaulters_has_no_false_negative_rate():
    f, = group_outcomes(np.array(["A", "A"]), np.array([0, 0]), np.array([False, True]))
    assert f["false_negative_rate"] is None and f["false_negative_rate_ci95"] is None
    assert f["false_positive_rate_ci95"] == pytest.approx(wilson(1, 2))


def test_age_bands_and_report():
    assert age_band(np.array([25.0, 30.0, 59.9, 61.0])).tolist() == ["< 30", "30-44", "45-59", "60+"]
    x = pd.DataFrame({"CODE_GENDER": ["F", "M"], "AGE_YEARS": [25.0, 50.0]})
    report = fairness_report(x, np.array([0, 1]), np.array([False, True]))
    assert [r["group"] for r in report["by_age_band"]] == ["45-59", "< 30"]
    assert report["by_gender"][1]["false_negative_rate"] == 0.0
    assert report["rule"] == {"min_clients": 30, "min_defaults": 10}


def test_calibration_within_group_and_its_bootstrap_interval():
    from creditrisk.governance.fairness import calibration_by_group

    groups = np.array(["F"] * 4 + ["M"] * 4)
    y = np.array([1, 0, 0, 0, 1, 1, 0, 0])
    pd_ = np.array([0.25] * 4 + [0.25] * 4)
    result = calibration_by_group(groups, y, pd_, n_boot=50, seed=1)
    assert result["F"]["calibration_gap"] == pytest.approx(0.0)  # 1 default in 4 for a PD of 25 %
    assert result["M"]["calibration_gap"] == pytest.approx(0.25) and result["M"]["mean_pd"] == pytest.approx(0.25)
    low, high = result["M"]["calibration_gap_ci95"]
    assert low <= 0.25 <= high and low >= -0.25 and high <= 0.75


def test_four_fifths_ratio_and_its_light():
    from creditrisk.governance.fairness import four_fifths

    groups = np.array(["A"] * 1000 + ["B"] * 1000 + ["tiny"] * 3)
    # approval: A 90 %, B 63 % -> 0.70, red; A 90 %, B 81 % -> 0.90, green (interval well above 0.8 at 1,000 each)
    refuse_red = np.r_[np.arange(1000) < 100, np.arange(1000) < 370, [True] * 3]
    red = four_fifths(groups, refuse_red, ["A", "B"], n_boot=100, seed=0)
    assert red["ratio"] == pytest.approx(0.63 / 0.90) and red["light"] == "red"
    assert (red["lowest"], red["highest"]) == ("B", "A")
    green = four_fifths(groups, np.r_[np.arange(1000) < 100, np.arange(1000) < 190, [True] * 3], ["A", "B"], 100, 0)
    assert green["ratio"] == pytest.approx(0.81 / 0.90) and green["light"] == "green"
    assert green["ci95"][0] <= green["ratio"] <= green["ci95"][1]
    assert four_fifths(groups, refuse_red, ["A"], 100, 0)["light"] == "not enough data"
