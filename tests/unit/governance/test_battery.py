"""The validation report's lights and the promotion gate."""

import numpy as np
import pytest

from creditrisk.config import ModelValidationParams
from creditrisk.governance import battery
from creditrisk.governance.battery import Champion, Sample
from creditrisk.governance.gate import promotion_gate as gate_of
from creditrisk.governance.master_scale import MasterScale
from creditrisk.reporting.validation_report import render_report

SETTINGS = ModelValidationParams()
SCALE = MasterScale((0.01, 0.02, 0.04, 0.08, 0.16, 0.32))


def _calibrated(n: int, seed: int) -> Sample:
    """Outcomes drawn from the PDs themselves: a perfectly calibrated, discriminating model."""
    rng = np.random.default_rng(seed)
    pd_ = np.clip(rng.lognormal(np.log(0.05), 1.0, n), 0.001, 0.9)
    return Sample("holdout", (rng.random(n) < pd_).astype(int), pd_)


def test_lights_follow_the_thresholds():
    assert [battery.floor_light(v, 0.7, 0.6) for v in (0.75, 0.7, 0.65, 0.6, 0.55)] == [
        "green", "green", "amber", "amber", "red"]
    assert [battery.ceiling_light(v, 0.1, 0.25) for v in (0.05, 0.1, 0.2, 0.25, 0.4)] == [
        "green", "amber", "amber", "red", "red"]


def test_a_calibrated_model_passes_and_an_underestimating_one_turns_red():
    good = _calibrated(20_000, 1)
    rows, details = battery.calibration(good, SCALE, SETTINGS, 30)
    assert {r["light"] for r in rows} <= {"green", "amber"}
    assert details["brier"]["reliability"] < 0.001
    halved = Sample("holdout", good.y, good.pd / 2)  # every PD underestimated by half
    rows, _ = battery.calibration(halved, SCALE, SETTINGS, 30)
    lights = {r["test"].split(" (")[0].split(",")[0]: r["light"] for r in rows}
    assert lights["Jeffreys"] == "red" and lights["Binomial"] == "red" and lights["Hosmer-Lemeshow"] == "red"


def test_discrimination_rows_and_the_auc_decline_test():
    sample = _calibrated(5_000, 2)
    rows = battery.discrimination(sample, SETTINGS, None)
    assert [r["test"].split(" (")[0] for r in rows] == ["AUC", "Gini", "Kolmogorov-Smirnov"]
    auc = rows[0]["statistic"]
    declined = battery.discrimination(sample, SETTINGS, auc + 0.05)[-1]  # development was 0.05 better
    assert declined["test"].startswith("AUC decline") and declined["light"] == "red"
    assert battery.discrimination(sample, SETTINGS, auc - 0.05)[-1]["light"] == "green"
    random = Sample("holdout", sample.y, np.random.default_rng(0).random(len(sample.y)))
    assert battery.discrimination(random, SETTINGS, None)[0]["light"] == "red"  # AUC about 0.5


def test_a_shifted_production_turns_the_score_psi_amber_then_red():
    rng = np.random.default_rng(4)
    development = rng.beta(2, 20, 20_000)
    same, _ = battery.stability(development, rng.beta(2, 20, 5_000), {}, {}, SETTINGS)
    moderate, _ = battery.stability(development, rng.beta(2, 20, 5_000) * 1.3, {}, {}, SETTINGS)
    major, details = battery.stability(development, rng.beta(2, 20, 5_000) * 3, {}, {}, SETTINGS)
    assert [same[0]["light"], moderate[0]["light"], major[0]["light"]] == ["green", "amber", "red"]
    assert details["score"]["above_sampling"] and details["score"]["critical_95"] < 0.01


def test_csi_of_a_category_against_a_hand_table():
    # development: 75 % cash, 25 % revolving; production: 50 % / 25 % / 25 % of a level never seen (other bin)
    development = np.array(["Cash"] * 75 + ["Revolving"] * 25, dtype=object)
    production = np.array(["Cash"] * 2 + ["Revolving"] + ["New"], dtype=object)
    rows, details = battery.stability(np.linspace(0, 1, 100), np.linspace(0, 1, 4),
                                         {"NAME_CONTRACT_TYPE": development}, {"NAME_CONTRACT_TYPE": production},
                                         SETTINGS)
    feature = details["features"][0]
    expected = (0.5 - 0.75) * np.log(0.5 / 0.75) + 0 + (0.25 - 1e-4) * np.log(0.25 / 1e-4)
    assert feature["psi"] == pytest.approx(expected) and feature["light"] == "red"
    assert rows[1]["note"].startswith("NAME_CONTRACT_TYPE")


def test_migration_matrix_by_hand():
    move = battery.migration(SCALE, np.array([0.005, 0.015, 0.03, 0.5]), np.array([0.005, 0.03, 0.03, 0.05]))
    assert move["matrix"][0][0] == 1 and move["matrix"][1][2] == 1 and move["matrix"][2][2] == 1
    assert move["matrix"][6][3] == 1  # grade 7 -> grade 4: moved by three
    assert move["same_grade"] == 0.5 and move["moved_more_than_one"] == 0.25


def test_the_gate_blocks_a_red_test_and_names_it():
    tests = [battery.row("hosmer_lemeshow", "calibration", "Hosmer-Lemeshow", "holdout", 30.0, 0.001, "p", "red"),
             battery.row("auc", "discrimination", "AUC", "holdout", 0.8, None, "auc", "green")]
    gate = gate_of(tests, 0.40, None, 1)
    assert not gate["promote"] and gate["reasons"] == ["red test: Hosmer-Lemeshow (holdout)"]
    assert gate["passed_tests"] == ["AUC (holdout)"]


def test_a_red_population_shift_blocks_until_signed_off_but_never_a_red_expected_auc():
    """A red stability test (PSI/CSI: the population moved) blocks; with a recorded sign-off it does not, and it
    stays listed as red and as signed off. The sign-off never covers a red calibration test, nor a shift whose
    expected AUC on the production clients is red too (the model itself would then be judged wrong)."""
    shift = battery.row("csi_features", "stability", "CSI", "development vs production", 0.3, None, "psi", "red")
    auc = battery.row("auc", "discrimination", "AUC", "holdout", 0.8, None, "auc", "green")
    signoff = "2026-12-04, A. Martin (model risk): fewer revolving loans, accepted"
    blocked = gate_of([shift, auc], 0.40, None, 1)
    assert not blocked["promote"] and blocked["reasons"] == ["red test: CSI (development vs production)"]
    assert blocked["blocking_tests"] == [{"key": "csi_features", "sample": "development vs production"}]
    assert not blocked["costlier"]
    signed = gate_of([shift, auc], 0.40, None, 1, signoff=signoff)
    assert signed["promote"] and signed["reasons"] == [] and signed["signoff"] == signoff
    assert signed["blocking_tests"] == [] and signed["signed_off_tests"] == blocked["blocking_tests"]
    assert signed["red_tests"] == signed["signed_off"] == ["CSI (development vs production)"]
    calibration = battery.row("hosmer_lemeshow", "calibration", "Hosmer-Lemeshow", "holdout", 30.0, 0.001, "p", "red")
    still = gate_of([shift, calibration], 0.40, None, 1, signoff=signoff)
    assert not still["promote"] and still["reasons"] == ["red test: Hosmer-Lemeshow (holdout)"]
    expected = battery.row("expected_auc", "stability", "Expected AUC", "production (PDs)", 0.6, None, "auc", "red")
    judged = gate_of([shift, expected], 0.40, None, 1, signoff=signoff)
    assert not judged["promote"] and judged["signed_off"] == [] and judged["signoff"] == ""
    assert len(judged["reasons"]) == 2


def test_the_gate_needs_a_lower_cost_than_the_champion():
    tests = [battery.row("auc", "discrimination", "AUC", "holdout", 0.8, None, "auc", "amber")]
    champion = Champion(version=3, development_auc=0.8, cost=0.45, holdout_pd=None)
    assert gate_of(tests, 0.40, champion, 4)["promote"]
    tie = gate_of(tests, 0.45, champion, 4)
    assert not tie["promote"] and "not lower than champion version 3's 0.4500" in tie["reasons"][0]
    assert tie["costlier"] and tie["blocking_tests"] == []
    assert gate_of(tests, 0.50, None, 1)["promote"]  # the first model: only the tests


def test_report_and_markdown_hold_every_test():
    holdout, oof = _calibrated(3_000, 5), _calibrated(9_000, 6)
    oof = Sample("out-of-fold", oof.y, oof.pd)
    checks = {"monotone": True, "min_clients": 30, "largest_grade": 3, "largest_share": 0.3, "max_share": 0.5,
              "spread": True, "herfindahl": 0.2}
    report = battery.validation_report(holdout, oof, SCALE, checks, SETTINGS, 30, 100, holdout.pd,
                                          oof.pd[:2000], {}, {}, Champion(1, 0.75, 0.5, holdout.pd))
    assert sum(report["lights"].values()) == len(report["tests"]) and report["lights"]["not_enough_data"] == 0
    assert report["details"]["migration"]["same_grade"] == 1.0
    gate = gate_of(report["tests"], 0.4, None, 2)
    text = render_report(report, gate, enough_data=False)
    assert text.count("\n| ") >= len(report["tests"]) and "too few defaults" in text
    assert "Grade migration from champion version 1" in text


def test_a_sample_with_too_few_defaults_gets_no_light():
    holdout, oof = _calibrated(600, 7), _calibrated(9_000, 8)
    oof = Sample("out-of-fold", oof.y, oof.pd)
    halved = Sample("holdout", holdout.y, holdout.pd / 3)  # would be red, but 600 clients hold about 40 defaults
    checks = {"monotone": True, "min_clients": 30, "largest_grade": 3, "largest_share": 0.3, "max_share": 0.5,
              "spread": True, "herfindahl": 0.2}
    report = battery.validation_report(halved, oof, SCALE, checks, SETTINGS, 30, 100, halved.pd, oof.pd, {}, {},
                                          None)
    on_holdout = [t for t in report["tests"] if t["sample"] == "holdout"]
    assert halved.defaults < 100 and {t["light"] for t in on_holdout} == {"not enough data"}
    assert "red" in {t["indicative"] for t in on_holdout} and "fewer than 100: indicative" in on_holdout[0]["note"]
    assert {t["light"] for t in report["tests"] if t["sample"] == "out-of-fold"} <= {"green", "amber"}


def test_a_reversal_within_noise_is_amber_and_a_real_one_red():
    base = {"min_clients": 30, "largest_grade": 3, "largest_share": 0.3, "max_share": 0.5, "spread": True,
            "herfindahl": 0.2}
    noise = battery.concentration(base | {"monotone": False, "reversals": [
        {"grades": [2, 3], "rates": [0.037, 0.025], "p_value": 0.27}]}, SETTINGS)
    real = battery.concentration(base | {"monotone": False, "reversals": [
        {"grades": [2, 3], "rates": [0.10, 0.02], "p_value": 0.001}]}, SETTINGS)
    ordered = battery.concentration(base | {"monotone": True, "reversals": []}, SETTINGS)
    assert [noise[0]["light"], real[0]["light"], ordered[0]["light"]] == ["amber", "red", "green"]
    assert noise[0]["note"] == "grade 2 3.70% vs grade 3 2.50% (Fisher exact, one-sided)"


def test_report_mode_records_red_tests_without_blocking():
    tests = [battery.row("hosmer_lemeshow", "calibration", "Hosmer-Lemeshow", "out-of-fold", 30.0, 0.001, "p",
                            "red")]
    gate = gate_of(tests, 0.40, None, 1, mode="report")
    assert gate["promote"] and gate["red_tests"] == ["Hosmer-Lemeshow (out-of-fold)"] and gate["mode"] == "report"
    assert gate["blocking_tests"] == []  # recorded, not blocking
    report = {"tests": tests, "lights": battery.lights_count(tests), "samples": {}, "details": {
        "holdout": _details(), "out-of-fold": _details(), "stability": {"score": _psi(), "features": []}}}
    assert "The gate ran in report mode" in render_report(report, gate, True)
    assert not gate_of(tests, 0.40, None, 1)["promote"]  # enforce, the default


def _details() -> dict:
    return {"jeffreys": {"grades": []}, "brier": {"brier": 0.06, "reliability": 0.0, "resolution": 0.01,
                                                  "uncertainty": 0.07, "within_group": 0.0, "skill": 0.1}}


def _psi() -> dict:
    return {"feature": "score", "psi": 0.01, "critical_95": 0.02, "above_sampling": False, "light": "green"}


def _opposite_folds() -> Sample:
    """Ten PD values 0.02 to 0.20, 1,000 clients each in each of two folds: fold 1 has 4g - 22 more defaults than
    expected at value g (from -18 to +18), fold 2 as many fewer, so the pooled counts equal the expected 40g."""
    pd_, y, fold = [], [], []
    for number, sign in ((1, 1), (2, -1)):
        for g in range(1, 11):
            defaults = 20 * g + sign * (4 * g - 22)
            pd_ += [0.02 * g] * 1000
            y += [1] * defaults + [0] * (1000 - defaults)
            fold += [number] * 1000
    return Sample("out-of-fold", np.array(y), np.array(pd_), np.array(fold))


def test_out_of_fold_pds_fold_by_fold_are_information_beside_the_pooled_lights():
    from scipy.special import logit
    from sklearn.linear_model import LogisticRegression

    oof = _opposite_folds()
    split = battery.by_fold(oof, 10, 100)
    # each fold: sum over g of (4g - 22)^2 / (20g (1 - 0.02g)) = 28.3752 on 8 df; both: 56.7505 on 16 df
    assert [f["hosmer_lemeshow"] for f in split["folds"]] == pytest.approx([28.3752, 28.3752], rel=1e-5)
    assert (split["df"], split["p_value"]) == (16, pytest.approx(1.8283e-6, rel=1e-3))
    assert [(f["clients"], f["defaults"], f["expected"]) for f in split["folds"]] == [
        (10_000, 1_100, pytest.approx(1_100.0)), (10_000, 1_100, pytest.approx(1_100.0))]
    for f in split["folds"]:  # Cox's slope: an unpenalised logistic regression of the fold's outcomes on logit(PD),
        part = oof.fold == f["fold"]  # here solved tightly; the product's solver stops at sklearn's tolerance
        fit = LogisticRegression(C=np.inf, tol=1e-10, max_iter=1000).fit(logit(oof.pd[part])[:, None], oof.y[part])
        assert f["slope"] == pytest.approx(fit.coef_[0, 0], rel=1e-3)
    assert split["folds"][0]["slope"] > 1 > split["folds"][1]["slope"]  # fold 1's outcomes spread more than its PDs
    holdout = _calibrated(3_000, 5)
    checks = {"monotone": True, "min_clients": 30, "largest_grade": 3, "largest_share": 0.3, "max_share": 0.5,
              "spread": True, "herfindahl": 0.2}
    pooled = Sample("out-of-fold", oof.y, oof.pd)
    reports = [battery.validation_report(holdout, s, SCALE, checks, SETTINGS, 30, 100, holdout.pd, holdout.pd, {},
                                         {}, None) for s in (pooled, oof)]
    assert reports[0]["tests"] == reports[1]["tests"]  # no light: the gate reads the same rows either way
    hl = next(t for t in reports[1]["tests"] if t["key"] == "hosmer_lemeshow" and t["sample"] == "out-of-fold")
    assert hl["statistic"] == pytest.approx(0.0, abs=1e-9) and hl["light"] == "green"
    text = render_report(reports[1], gate_of(reports[1]["tests"], 0.4, None, 1), True)
    assert "### Out-of-fold PDs fold by fold (information: no light)" in text
    assert "| 1 | 10,000 | 1,100 | 1,100.0 |" in text and "| 28.38 (8 df) |" in text
    assert "summed: 56.75 on 16 degrees of freedom, p = 1.828e-06." in text
    assert "fold by fold" not in render_report(reports[0], gate_of(reports[0]["tests"], 0.4, None, 1), True)
    reversed_second = Sample("out-of-fold", oof.y, np.where(oof.fold == 2, 0.22 - oof.pd, oof.pd), oof.fold)
    split = battery.by_fold(reversed_second, 10, 1_200)  # fold 2's PDs now rank its defaulters lower
    assert [f["slope"] is None for f in split["folds"]] == [False, True]
    assert [f["enough_data"] for f in split["folds"]] == [False, False]  # 1,100 defaults each, fewer than 1,200
    text = render_report(reports[1] | {"details": reports[1]["details"] | {"out-of-fold": reports[1]["details"][
        "out-of-fold"] | {"by_fold": split}}}, gate_of(reports[1]["tests"], 0.4, None, 1), True)
    assert "| 2 | 10,000 | 1,100 | 1,100.0 | - |" in text
    assert "Folds 1 and 2 hold too few defaults for a verdict: indicative. A fold without a slope" in text
