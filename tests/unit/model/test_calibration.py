"""Calibration: strictly increasing maps, chosen and judged out of fold, the order of clients kept."""

import numpy as np
import pytest

from creditrisk.artefacts.calibration import METHODS, Calibrator
from creditrisk.model.calibration import choose_calibration, cross_fit
from creditrisk.model.training import stratified_folds


def _scores(n: int = 4000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Raw scores inflated as class weights do (true PD = s^2), and labels drawn from the true PD."""
    rng = np.random.default_rng(seed)
    score = rng.beta(1.2, 6.0, n) ** 0.5
    return score, (rng.random(n) < score**2).astype(int)


@pytest.mark.parametrize("method", METHODS)
def test_the_map_is_strictly_increasing_and_keeps_the_auc(method):
    from sklearn.metrics import roc_auc_score

    score, y = _scores()
    calibrator = Calibrator.fit(score, y, method)
    grid = np.linspace(1e-6, 1 - 1e-6, 20_000)  # the scores' range and beyond, where the spline is straight
    assert np.all(np.diff(calibrator.transform(grid)) > 0)  # no plateau anywhere
    pd_ = calibrator.transform(score)
    assert roc_auc_score(y, pd_) == roc_auc_score(y, score)
    assert abs(pd_.mean() - y.mean()) < 0.01  # calibrated in the large: a logistic fit matches the mean
    assert Calibrator.from_dict(calibrator.to_dict()) == calibrator


def test_platt_recovers_a_known_logistic_map():
    """Labels drawn from PD = sigmoid(2·logit(s) - 1): the fitted coefficients are close to (2, -1)."""
    rng = np.random.default_rng(3)
    score = rng.uniform(0.02, 0.98, 40_000)
    logit = np.log(score / (1 - score))
    y = (rng.random(score.size) < 1 / (1 + np.exp(-(2 * logit - 1)))).astype(int)
    fitted = Calibrator.fit(score, y, "platt")
    assert fitted.coef[0] == pytest.approx(2.0, abs=0.08) and fitted.intercept == pytest.approx(-1.0, abs=0.05)


def test_cross_fitting_never_uses_a_rows_own_label():
    score, y = _scores(1500)
    folds = stratified_folds(y, 3, 0)
    before = cross_fit(score, y, folds, "beta")
    flipped = y.copy()
    held_out = folds[0][1]
    flipped[held_out[:40]] = 1 - flipped[held_out[:40]]  # 40 labels of the first fold changed
    after = cross_fit(score, flipped, folds, "beta")
    assert np.array_equal(before[held_out], after[held_out])  # that fold's map never saw those labels
    assert not np.array_equal(before[folds[1][1]], after[folds[1][1]])  # the other folds' maps did


def test_the_method_with_the_lowest_out_of_fold_log_loss_is_chosen():
    from sklearn.metrics import log_loss

    score, y = _scores()
    folds = stratified_folds(y, 3, 0)
    choice = choose_calibration(score, y, folds)
    losses = {row["method"]: row["cv_log_loss"] for row in choice.comparison}
    assert set(losses) == set(METHODS) and choice.calibrator.method == min(losses, key=losses.get)
    assert losses[choice.calibrator.method] == pytest.approx(log_loss(y, choice.cross_fitted))
    assert choice.calibrator == Calibrator.fit(score, y, choice.calibrator.method)


def test_bundles_of_earlier_versions_keep_their_isotonic_map():
    stored = {"method": "isotonic", "x": [0.1, 0.5], "y": [0.02, 0.3]}
    legacy = Calibrator.from_dict(stored)
    assert legacy.transform(np.array([0.0, 0.3, 0.9])).tolist() == pytest.approx([0.02, 0.16, 0.3])
    assert legacy.to_dict() == stored
    with pytest.raises(ValueError, match="unknown calibration method 'quantile'"):
        Calibrator.from_dict({"method": "quantile"})


def _s_shaped(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Scores whose true PD bends around the straight line in the logit: logit PD = x + tanh(2x + 4) - 3,
    x = logit(score) (increasing, an S centred on PD ≈ 0.05 that neither Platt nor beta can take)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(-0.5, 1.2, n)
    true = 1 / (1 + np.exp(-(x + np.tanh(2 * x + 4) - 3)))
    return 1 / (1 + np.exp(-x)), (rng.random(n) < true).astype(int), true


def test_the_spline_follows_a_relation_the_logistic_maps_cannot_bend_to():
    score, y, _ = _s_shaped(30_000, 1)
    fresh, _, true = _s_shaped(2_000, 2)  # new clients: each fitted map against their true PD
    pd_ = {m: Calibrator.fit(score, y, m).transform(fresh) for m in METHODS}
    relative_error = {m: np.mean(np.abs(p - true) / true) for m, p in pd_.items()}
    expected_log_loss = {m: -np.mean(true * np.log(p) + (1 - true) * np.log(1 - p)) for m, p in pd_.items()}
    assert relative_error["spline"] < 0.1 < min(relative_error["platt"], relative_error["beta"])
    assert expected_log_loss["spline"] < min(expected_log_loss["platt"], expected_log_loss["beta"])


def test_the_spline_is_straight_in_the_logit_beyond_its_outer_knots_and_keeps_its_form():
    score, y, _ = _s_shaped(5_000, 3)
    spline = Calibrator.fit(score, y, "spline")
    assert spline.to_dict()["method"] == "spline" and Calibrator.from_dict(spline.to_dict()) == spline
    low, high = spline.knots[0], spline.knots[-1]  # the outer knots, on the logit of the score
    for edge, side in ((low, -1), (high, 1)):
        x = edge + side * np.array([1.0, 2.0, 3.0])
        log_odds = np.log(spline.transform(1 / (1 + np.exp(-x))) / (1 - spline.transform(1 / (1 + np.exp(-x)))))
        assert np.diff(log_odds) == pytest.approx([log_odds[1] - log_odds[0]] * 2, rel=1e-6)  # a straight line
        assert side * (log_odds[1] - log_odds[0]) > 0  # rising on both sides


def test_the_spline_refuses_scores_that_do_not_vary():
    with pytest.raises(ValueError, match="at least two distinct raw scores"):
        Calibrator.fit(np.full(50, 0.2), np.r_[np.zeros(45), np.ones(5)], "spline")
