"""Training helpers: trees chosen by the folds, out-of-fold scores, the bag, resampling only inside folds,
calibration, reliability."""

import numpy as np
import pandas as pd
import pytest

from creditrisk.artefacts.calibration import Calibrator
from creditrisk.config import CatBoostParams, CostParams
from creditrisk.model.training import (
    agreed_trees,
    brier,
    catboost_model,
    cross_validate,
    fit_final,
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


def test_the_folds_agree_on_the_lowest_mean_log_loss_and_each_fold_is_cut_by_the_others():
    curves = [np.array([3, 2, 1, 2, 3]), np.array([3, 1, 2, 3, 4]), np.array([3, 2, 2, 1, 2, 9])]
    # over the common length 5: mean [3, 5/3, 5/3, 2, 3] -> lowest at tree 2 (the first of a tie)
    # without fold 0: [3, 1.5, 2, 2, 3] -> 2; without fold 1: [3, 2, 1.5, 1.5, 2.5] -> 3; without 2: [3, 1.5, 1.5, ...]
    assert agreed_trees(curves) == (2, [2, 3, 2])
    assert agreed_trees([np.array([2.0, 1.0, 3.0])]) == (2, [2])  # one fold: its own curve


def _frame(n: int = 600, seed: int = 2):
    rng = np.random.default_rng(seed)
    x = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n), "c": rng.choice(["u", "v"], n)})
    y = (x["a"] + 0.5 * rng.normal(size=n) > 1).astype(int).to_numpy()
    return x, y


def test_a_fold_model_never_trains_on_its_validation_rows():
    """Flipping the labels of fold 0's validation rows changes when fold 0 stops, never its trees: the scores of
    those rows at any number of trees both runs grew are identical."""
    from catboost import Pool

    x, y = _frame()
    params = CatBoostParams(iterations=60, learning_rate=0.2, depth=3, early_stopping_rounds=10)
    folds = stratified_folds(y, 3, seed=0)
    valid0 = folds[0][1]
    flipped = y.copy()
    flipped[valid0[:20]] = 1 - flipped[valid0[:20]]
    models = {}
    for name, labels in (("base", y), ("flipped", flipped)):
        cross_validate(x, labels, ["c"], params, "undersample", folds, 0, CostParams(),
                       on_fold=lambda k, model, name=name: models.setdefault((name, k), model))
    first, second = models[("base", 0)], models[("flipped", 0)]
    grown = min(first.tree_count_, second.tree_count_)
    pool = Pool(x.iloc[valid0], cat_features=["c"])
    assert np.array_equal(first.predict_proba(pool, ntree_end=grown), second.predict_proba(pool, ntree_end=grown))


def test_out_of_fold_scores_use_the_trees_the_other_folds_chose():
    from catboost import Pool

    x, y = _frame()
    params = CatBoostParams(iterations=80, learning_rate=0.2, depth=3, early_stopping_rounds=15)
    folds = stratified_folds(y, 3, seed=0)
    models = []
    result = cross_validate(x, y, ["c"], params, "none", folds, 0, CostParams(),
                            on_fold=lambda k, model: models.append(model))
    curves = [np.asarray(m.get_evals_result()["validation"]["Logloss"]) for m in models]
    assert (result.trees, result.fold_trees) == agreed_trees(curves)
    for (_, valid), model, trees in zip(folds, models, result.fold_trees, strict=True):
        expected = model.predict_proba(Pool(x.iloc[valid], cat_features=["c"]), ntree_end=trees)[:, 1]
        assert np.array_equal(result.oof[valid], expected)
    assert 0.5 < result.auc <= 1.0 and len(result.fold_auc) == 3
    assert result.summary()["trees"] == result.trees and result.cost / len(y) == result.summary()["cv_cost_per_client"]


def test_the_bag_is_one_model_whose_log_odds_are_the_mean_of_its_members():
    from catboost import Pool

    x, y = _frame(400, seed=3)
    params = CatBoostParams(learning_rate=0.2, depth=3, rsm=1.0)
    bag = fit_final(x, y, ["c"], params, "none", trees=25, seed=5, undersample_ratio=3.0, bag=3)
    members = []
    for seed in (5, 6, 7):
        member = catboost_model(params, seed, "none", iterations=25)
        member.fit(Pool(x, y, cat_features=["c"]))
        members.append(member.predict(Pool(x, cat_features=["c"]), prediction_type="RawFormulaVal"))
    logit = np.log(bag.predict_proba(Pool(x, cat_features=["c"]))[:, 1])
    logit -= np.log(bag.predict_proba(Pool(x, cat_features=["c"]))[:, 0])
    assert np.allclose(logit, np.mean(members, axis=0), atol=1e-9)
    assert bag.tree_count_ == 75 and type(bag).__name__ == "CatBoostClassifier"
    single = fit_final(x, y, ["c"], params, "none", trees=25, seed=5, undersample_ratio=3.0, bag=1)
    assert single.tree_count_ == 25


def test_a_companion_shape_is_cross_validated_averaged_on_the_log_odds_and_refitted():
    """params train.companion: a second shape gets its own trees by CV; the final model's log-odds are the mean of
    the two final models' (each built here by hand with fit_final), the calibration is fitted on the mean of the
    two out-of-fold scores, and the refit on every row rebuilds both."""
    from catboost import Pool
    from scipy.special import expit, logit

    from creditrisk.config import ConfigError, Params, TrainParams
    from creditrisk.model.candidate import refit_on_all, train_champion
    from creditrisk.model.data import ModelData

    x, y = _frame(600, seed=4)
    data = ModelData(np.arange(len(y)), x, y, ["c"])
    train = TrainParams(iterations=80, learning_rate=0.2, depth=3, rsm=1.0, early_stopping_rounds=10, cv_folds=3,
                        companion={"depth": 5, "learning_rate": 0.1})
    champion = train_champion(data, 0, Params(train=train), train.catboost)
    bundle = champion.predictor.bundle
    companion = bundle.catboost["companion"]
    assert companion["depth"] == 5 and companion["learning_rate"] == 0.1 and companion["iterations"] >= 1
    first = fit_final(x, y, ["c"], train.catboost, "none", bundle.catboost["iterations"], 42, 3.0)
    second = fit_final(x, y, ["c"], CatBoostParams(iterations=80, learning_rate=0.1, depth=5, rsm=1.0,
                                                   early_stopping_rounds=10), "none", companion["iterations"], 42, 3.0)
    pool = Pool(x, cat_features=["c"])
    expected = expit((logit(first.predict_proba(pool)[:, 1]) + logit(second.predict_proba(pool)[:, 1])) / 2)
    assert np.allclose(champion.predictor.model.predict_proba(pool)[:, 1], expected, atol=1e-9)
    assert champion.predictor.model.tree_count_ == bundle.catboost["iterations"] + companion["iterations"]
    folds = stratified_folds(y, 3, 42)
    scores = [cross_validate(x, y, ["c"], settings, "none", folds, 42, CostParams()).oof
              for settings in (train.catboost, CatBoostParams(iterations=80, learning_rate=0.1, depth=5, rsm=1.0,
                                                              early_stopping_rounds=10))]
    assert np.allclose(champion.oof["score"], expit((logit(scores[0]) + logit(scores[1])) / 2))
    for number, (_, valid) in enumerate(folds, 1):  # each row names the fold whose model scored it
        assert set(champion.oof["fold"][valid]) == {number}
    refit = refit_on_all(champion.predictor, data, 3.0)
    assert np.allclose(refit.model.predict_proba(pool)[:, 1], expected, atol=1e-9)  # the same rows: the same model
    with pytest.raises(ConfigError, match=r"train.companion: \['iterations'\]"):
        TrainParams(companion={"iterations": 500})
