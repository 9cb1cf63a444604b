"""Training helpers: resampling only inside folds, calibration, reliability."""

import numpy as np
import pandas as pd
import pytest

from creditrisk.config import CatBoostParams, CostParams
from creditrisk.model.calibration import Calibrator
from creditrisk.model.training import (
    brier,
    cross_validate,
    reliability_curve,
    stratified_folds,
    undersample,
)


def test_undersample_keeps_every_positive_and_the_requested_ratio():
    y = np.array([1] * 10 + [0] * 100)
    idx = undersample(y, 3.0, np.random.default_rng(0))
    assert (y[idx] == 1).sum() == 10 and (y[idx] == 0).sum() == 30
    assert np.array_equal(idx, np.sort(idx)) and len(set(idx)) == 40


def test_calibration_improves_brier_of_inflated_scores():
    rng = np.random.default_rng(1)
    pd_true = rng.beta(1, 11, size=40_000)
    y = (rng.random(pd_true.size) < pd_true).astype(int)
    inflated = np.sqrt(pd_true)  # same ranking, probabilities far too high (as class weights produce)
    fit, test = slice(0, 20_000), slice(20_000, None)
    calibrator = Calibrator.fit(inflated[fit], y[fit], "beta")
    calibrated = calibrator.transform(inflated[test])
    # Beta(1, 11) PDs: a calibrated Brier is E[p(1-p)] ~ 0.0705; sqrt-inflated scores give 2E[p] - 2E[p^1.5] ~ 0.104
    assert brier(y[test], inflated[test]) == pytest.approx(0.104, abs=0.003)
    assert brier(y[test], calibrated) == pytest.approx(brier(y[test], pd_true[test]), abs=0.001)
    assert abs(calibrated.mean() - y[test].mean()) < 0.005
    restored = Calibrator.from_dict(calibrator.to_dict())
    assert np.array_equal(restored.transform(inflated[test]), calibrated)


def test_reliability_curve_bins_by_predicted_pd():
    rows = reliability_curve(np.array([0, 0, 1, 1]), np.array([0.1, 0.2, 0.8, 0.9]), bins=2)
    assert rows == [{"predicted": pytest.approx(0.15), "observed": 0.0, "clients": 2},
                    {"predicted": pytest.approx(0.85), "observed": 1.0, "clients": 2}]


def test_out_of_fold_scores_never_come_from_a_model_that_saw_the_row():
    """Each fold's model is trained without its validation rows: a row's score is the same whatever its label."""
    rng = np.random.default_rng(2)
    x = pd.DataFrame({"a": rng.normal(size=600), "b": rng.normal(size=600), "c": rng.choice(["u", "v"], 600)})
    y = (x["a"] + 0.5 * rng.normal(size=600) > 1).astype(int).to_numpy()
    params = CatBoostParams(iterations=30, learning_rate=0.2, depth=3, early_stopping_rounds=10)
    folds = stratified_folds(y, 3, seed=0)
    base = cross_validate(x, y, ["c"], params, "undersample", folds, 0, CostParams())
    # flip the labels of the first fold's validation rows: their out-of-fold scores must not change
    valid0 = folds[0][1]
    y_flipped = y.copy()
    y_flipped[valid0[:20]] = 1 - y_flipped[valid0[:20]]
    other = cross_validate(x, y_flipped, ["c"], params, "undersample", [folds[0]], 0, CostParams())
    # the fold-0 model is trained on folds 1-2 only, which are unchanged: identical scores for the flipped rows
    assert np.array_equal(other.oof[valid0], base.oof[valid0])
    assert 0.5 < base.auc <= 1.0 and len(base.fold_auc) == 3
