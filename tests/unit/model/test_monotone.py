"""Monotone loan terms: with the loan-term constraints (MONOTONE_LOAN_TERMS, switched on by params train.monotone),
borrowing less (a cheaper purchase, or a down payment) never raises the PD, for any client; a wrong sign in the
params is refused."""

from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl
import pytest

from creditrisk.config import CatBoostParams, ConfigError
from creditrisk.data.schema import KEY
from creditrisk.features import build_features, catalogue
from creditrisk.model.candidate import model_inputs
from creditrisk.model.data import ModelData
from creditrisk.model.training import MONOTONE_LOAN_TERMS, catboost_model, fit_final
from creditrisk.stages.common import load_tables

SCALES = np.linspace(1.0, 0.3, 15)


def _grid(app: pl.DataFrame, scaled: tuple[str, ...]) -> pl.DataFrame:
    """Each applicant at each step (step-major; one key per applicant and step)."""
    return pl.concat([app.with_columns([pl.col(c) * s for c in scaled] + [pl.col(KEY) + step * 10_000_000])
                      for step, s in enumerate(SCALES)])


def test_borrowing_less_never_raises_the_pd_with_the_published_constraints(features, interim):
    """Labels drawn from a PD that is highest for a middle band of credit / income (2 to 4 times the income), so a
    model learns that borrowing less can raise the PD; the loan terms, every categorical application feature and a
    few others, trees of depth 6. Two ways out of the constraints, each shown to raise some clients' PD when left open:
    credit − price constrained to rise (a cheaper purchase brings it towards zero from below when the credit is
    under the price), and CatBoost's combined categorical statistics (one built on a constrained column's split
    escapes the constraint). The project's constrained model (no credit − price, no combination) raises none."""
    from catboost import CatBoostClassifier, Pool

    others = ("CREDIT_GOODS_DIFF", "PAYMENT_RATE", "EXT_SOURCE_1", "EXT_SOURCE_2", "EXT_SOURCE_3", "DAYS_BIRTH",
              "AMT_INCOME_TOTAL")
    names = [f.name for f in catalogue() if f.table == "application" and f.name in features["train"].columns
             and (f.categorical or f.name in MONOTONE_LOAN_TERMS or f.name in others)]
    categorical = [f.name for f in catalogue() if f.categorical and f.name in names]
    train = features["train"].head(2500).to_pandas()
    ratio = train["CREDIT_INCOME_RATIO"].to_numpy()
    target = (np.random.default_rng(0).random(len(train)) < np.where((ratio > 2) & (ratio < 4), 0.4, 0.05)).astype(int)
    app = load_tables(interim)["application_test"].collect().sort(KEY).head(200)
    under_price = (app["AMT_CREDIT"] < app["AMT_GOODS_PRICE"]).to_numpy()
    params = CatBoostParams(iterations=200, learning_rate=0.05, depth=6, rsm=1.0, monotone=MONOTONE_LOAN_TERMS)
    data = model_inputs(ModelData(train[KEY].to_numpy(), train[names], target, categorical), (), params)
    assert "CREDIT_GOODS_DIFF" in names and "CREDIT_GOODS_DIFF" not in data.features
    project = fit_final(data.x, target, categorical, params, "none", 200, 0, 3.0)
    settings = {k: v for k, v in project.get_params().items() if k != "monotone_constraints"}
    with_difference = CatBoostClassifier(**settings, monotone_constraints=MONOTONE_LOAN_TERMS | {
        "CREDIT_GOODS_DIFF": 1}).fit(Pool(train[names], target, cat_features=categorical))
    combined = CatBoostClassifier(**{k: v for k, v in project.get_params().items() if k != "max_ctr_complexity"})
    combined.fit(Pool(data.x, target, cat_features=categorical))
    rises = {}
    for scaled in (("AMT_CREDIT", "AMT_ANNUITY", "AMT_GOODS_PRICE"), ("AMT_CREDIT", "AMT_ANNUITY")):
        grid = build_features({"application": _grid(app, scaled)}, columns=names).sort(KEY).select(names).to_pandas()
        for name, model in (("project", project), ("with_difference", with_difference), ("combined", combined)):
            pd_ = model.predict_proba(grid[model.feature_names_])[:, 1].reshape(len(SCALES), len(app))
            rises[name, scaled[-1]] = np.any(np.diff(pd_, axis=0) > 1e-12, axis=0)  # per client
    purchase, down_payment = "AMT_GOODS_PRICE", "AMT_ANNUITY"
    assert rises["with_difference", purchase].sum() > 0 and not (rises["with_difference", purchase]
                                                                 & ~under_price).any()
    assert rises["combined", purchase].sum() + rises["combined", down_payment].sum() > 0
    assert rises["project", purchase].sum() == rises["project", down_payment].sum() == 0


def test_constraints_apply_only_to_the_columns_trained_on():
    params = CatBoostParams(monotone={"AMT_CREDIT": 1, "GOODS_CREDIT_RATIO": -1})
    model = catboost_model(params, 0, "none", features=["AMT_CREDIT", "EXT_SOURCE_MEAN"])
    assert model.get_params()["monotone_constraints"] == {"AMT_CREDIT": 1}
    assert model.get_params()["max_ctr_complexity"] == 1
    free = catboost_model(CatBoostParams(), 0, "none").get_params()
    assert "monotone_constraints" not in free and "max_ctr_complexity" not in free


def test_the_search_ranks_shapes_without_constraints_and_keeps_the_train_settings():
    """A trial's out-of-fold scores are cuts of longer models, which the constraints make wrong: the search runs
    free at its own learning rate; everything else is the train section's."""
    from creditrisk.model.tuning import search_settings

    train = CatBoostParams(learning_rate=0.05, depth=5, rsm=0.7, monotone=dict(MONOTONE_LOAN_TERMS))
    search = search_settings(train, 0.2)
    assert search.monotone == {} and search.learning_rate == 0.2
    assert (search.depth, search.rsm, search.iterations) == (5, 0.7, train.iterations)
    assert "monotone_constraints" not in catboost_model(search, 0, "none", features=list(MONOTONE_LOAN_TERMS)
                                                        ).get_params()


def test_a_constraint_on_credit_minus_price_is_refused_by_name():
    data = ModelData(np.arange(3), pd.DataFrame({"AMT_CREDIT": [1.0, 2.0, 3.0], "CREDIT_GOODS_DIFF": [0.0, 1.0, -1.0]}),
                     np.array([0, 1, 0]), [])
    with pytest.raises(ConfigError, match=r"train.monotone: \['CREDIT_GOODS_DIFF'\] has no sign .* remove it"):
        model_inputs(data, (), CatBoostParams(monotone={"AMT_CREDIT": 1, "CREDIT_GOODS_DIFF": 1}))
    assert model_inputs(data, (), CatBoostParams()).features == ["AMT_CREDIT", "CREDIT_GOODS_DIFF"]  # free: kept


@pytest.mark.parametrize("sign", [0, 2, True, "up"])
def test_a_constraint_is_plus_or_minus_one(sign):
    with pytest.raises(ConfigError, match=r"train.monotone: \{'AMT_CREDIT': .*expected 1 .* or -1"):
        CatBoostParams(monotone={"AMT_CREDIT": sign})


def test_with_constraints_the_out_of_fold_scores_are_those_of_models_grown_to_their_trees():
    """CatBoost switches model shrinkage on with constraints (every earlier tree scaled down at each iteration: a
    model cut at n trees gave PDs about 30 % higher than one grown to n on the real rows); the project switches it
    off, so the out-of-fold scores (each fold's model cut at its trees) are those of models grown as the final one."""
    from catboost import Pool

    from creditrisk.config import CostParams
    from creditrisk.model.training import cross_validate, stratified_folds

    rng = np.random.default_rng(4)
    x = pd.DataFrame({"AMT_CREDIT": rng.lognormal(12, 0.5, 900), "b": rng.normal(size=900)})
    y = ((np.log(x["AMT_CREDIT"]) - 12) + x["b"] + rng.normal(size=900) > 1.2).astype(int).to_numpy()
    params = CatBoostParams(iterations=80, learning_rate=0.2, depth=3, early_stopping_rounds=15, rsm=1.0,
                            monotone={"AMT_CREDIT": 1})
    folds = stratified_folds(y, 3, seed=0)
    lengths = {}
    result = cross_validate(x, y, [], params, "none", folds, 0, CostParams(),
                            on_fold=lambda k, model: lengths.update({k: model.tree_count_}))
    assert any(lengths[k] > trees for k, trees in enumerate(result.fold_trees))  # some scores are cuts
    for (train, valid), trees in zip(folds, result.fold_trees, strict=True):
        grown = catboost_model(params, 0, "none", iterations=trees, features=list(x.columns))
        grown.fit(Pool(x.iloc[train], y[train]))
        assert grown.get_all_params()["model_shrink_rate"] == 0
        assert np.array_equal(result.oof[valid], grown.predict_proba(Pool(x.iloc[valid]))[:, 1])



def test_the_default_params_constrain_exactly_the_published_loan_terms():
    """params.yaml spells the set out (a person reads and edits it there); it must stay MONOTONE_LOAN_TERMS, which
    the benchmarks and the tests use."""
    from creditrisk.config import load_params
    from tests.conftest import ROOT

    assert load_params(ROOT / "params.yaml").train.catboost.monotone == MONOTONE_LOAN_TERMS
