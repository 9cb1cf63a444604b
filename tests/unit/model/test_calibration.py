"""Calibration: strictly increasing maps, chosen and judged out of fold, the order of clients kept."""

import numpy as np
import pytest

from creditrisk.artefacts.calibration import Calibrator
from creditrisk.model.calibration import choose_calibration, cross_fit
from creditrisk.model.training import stratified_folds


def _scores(n: int = 4000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Raw scores inflated as class weights do (true PD = s^2), and labels drawn from the true PD."""
    rng = np.random.default_rng(seed)
    score = rng.beta(1.2, 6.0, n) ** 0.5
    return score, (rng.random(n) < score**2).astype(int)


@pytest.mark.parametrize("method", ["platt", "beta"])
def test_the_map_is_strictly_increasing_and_keeps_the_auc(method):
    from sklearn.metrics import roc_auc_score

    score, y = _scores()
    calibrator = Calibrator.fit(score, y, method)
    grid = np.linspace(score.min(), score.max(), 5000)
    assert np.all(np.diff(calibrator.transform(grid)) > 0)  # no plateau anywhere on the scores' range
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
    assert set(losses) == {"platt", "beta"} and choice.calibrator.method == min(losses, key=losses.get)
    assert losses[choice.calibrator.method] == pytest.approx(log_loss(y, choice.cross_fitted))
    assert choice.calibrator == Calibrator.fit(score, y, choice.calibrator.method)


def test_bundles_of_earlier_versions_keep_their_isotonic_map():
    stored = {"method": "isotonic", "x": [0.1, 0.5], "y": [0.02, 0.3]}
    legacy = Calibrator.from_dict(stored)
    assert legacy.transform(np.array([0.0, 0.3, 0.9])).tolist() == pytest.approx([0.02, 0.16, 0.3])
    assert legacy.to_dict() == stored
    with pytest.raises(ValueError, match="unknown calibration method 'spline'"):
        Calibrator.from_dict({"method": "spline"})
