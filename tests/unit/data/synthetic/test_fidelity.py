import polars as pl

from creditrisk.data.synthetic.fidelity import GOAL_PASS_SHARE, compare_column, measure_fidelity, render_markdown


def test_generated_data_meets_the_fidelity_goal(generated):
    report = measure_fidelity(generated["data"])
    assert report["columns_compared"] >= 240
    assert report["pass_share"] >= GOAL_PASS_SHARE
    assert report["per_table"]["application_train"]["passed"] >= 0.95 * report["per_table"]["application_train"][
        "columns"]
    assert "| application_train |" in render_markdown(report)


def test_compare_numeric_column_checks_missing_rate_and_median():
    ref = {"kind": "num", "na": 0.5, "q": {"0.5": 10.0}}
    ok = compare_column("t", "x", pl.Series([9.5, 10.0, 10.5, None, None, None]), ref)
    assert ok.passed and ok.median_syn == 10.0 and abs(ok.na_syn - 0.5) < 1e-12
    off = compare_column("t", "x", pl.Series([12.0, 12.0, None, None]), ref)  # median 20 % too high
    assert not off.passed and "median" in off.reasons
    too_full = compare_column("t", "x", pl.Series([10.0, 10.0, 10.0, None]), ref)  # 25 % missing vs 50 %
    assert not too_full.passed and "missing" in too_full.reasons


def test_compare_zero_median_needs_exact_zero():
    ref = {"kind": "num", "na": 0.0, "q": {"0.5": 0.0}}
    assert compare_column("t", "x", pl.Series([0.0, 0.0, 1.0]), ref).passed
    assert not compare_column("t", "x", pl.Series([0.0, 0.001, 1.0]), ref).passed


def test_compare_categorical_shares_within_three_points():
    ref = {"kind": "cat", "na": 0.0, "shares": {"a": 0.6, "b": 0.4}, "complete": True}
    values = pl.Series(["a"] * 62 + ["b"] * 38)
    assert compare_column("t", "c", values, ref).passed
    shifted = compare_column("t", "c", pl.Series(["a"] * 70 + ["b"] * 30), ref)
    assert not shifted.passed and shifted.worst_category in {"a", "b"}
    assert abs(shifted.max_share_diff - 0.10) < 1e-9


def test_flag_columns_compare_their_mean():
    ref = {"kind": "num", "na": 0.0, "mean": 0.2, "q": {"0.5": 0.0}, "binary": True}
    assert compare_column("t", "f", pl.Series([1] * 21 + [0] * 79), ref).passed
    assert not compare_column("t", "f", pl.Series([1] * 30 + [0] * 70), ref).passed
