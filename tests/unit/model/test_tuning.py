"""A tiny Optuna study: seeded, deterministic and resumable from its journal file."""

import warnings

import numpy as np
import pandas as pd

from creditrisk.config import CatBoostParams
from creditrisk.model.cost import CostParams
from creditrisk.model.training import stratified_folds
from creditrisk.model.tuning import tune


def _data():
    rng = np.random.default_rng(4)
    x = pd.DataFrame({"a": rng.normal(size=500), "b": rng.normal(size=500), "c": rng.choice(["u", "v"], 500)})
    y = (x["a"] - x["b"] + rng.normal(size=500) > 1.2).astype(int).to_numpy()
    return x, y


def test_same_seed_same_study_and_the_journal_resumes(tmp_path):
    warnings.filterwarnings("ignore", message="CatBoostPruningCallback is experimental")
    x, y = _data()
    folds = stratified_folds(y, 2, seed=0)
    base = CatBoostParams(iterations=40, early_stopping_rounds=10)
    kwargs = dict(cat_features=["c"], base=base, folds=folds, seed=7, costs=CostParams(), timeout=None)
    first = tune(x, y, n_trials=3, storage_path=tmp_path / "a.journal", **kwargs).trials
    second = tune(x, y, n_trials=3, storage_path=tmp_path / "b.journal", **kwargs).trials
    assert len(first) == 3
    assert [t.params for t in first] == [t.params for t in second]
    assert [(t.state, t.value) for t in first] == [(t.state, t.value) for t in second]
    resumed = tune(x, y, n_trials=4, storage_path=tmp_path / "a.journal", **kwargs)
    assert len(resumed.trials) == 4  # three loaded from the journal, one new
    assert [t.params for t in resumed.trials[:3]] == [t.params for t in first]
    assert resumed.best_value <= min(t.value for t in first if t.state.name == "COMPLETE")
    assert all(0 < t.user_attrs["cv_auc"] <= 1 for t in resumed.trials if t.state.name == "COMPLETE")
    assert any(t.state.name == "PRUNED" for t in resumed.trials)  # the pruning callback did stop a trial


def test_a_pruned_trial_is_reported_as_pruned_not_with_a_cost():
    """A pruned trial's value is the pruner's intermediate Logloss (0.29 here): not a business cost to list."""
    import optuna
    from optuna.distributions import IntDistribution
    from optuna.trial import TrialState, create_trial

    from creditrisk.model.champion import study_report

    study = optuna.create_study(direction="minimize")
    depth = {"depth": IntDistribution(4, 8)}
    study.add_trial(create_trial(state=TrialState.COMPLETE, value=0.484, params={"depth": 6}, distributions=depth,
                                 user_attrs={"cv_auc": 0.8, "best_iterations": [90, 80]}))
    study.add_trial(create_trial(state=TrialState.PRUNED, params={"depth": 4}, distributions=depth,
                                 intermediate_values={5: 0.35, 9: 0.29}))
    report = study_report(study)
    complete, pruned = report["trials"]
    assert complete["cost_per_client"] == 0.484 and report["best_cost_per_client"] == 0.484
    assert pruned["state"] == "PRUNED" and pruned["cost_per_client"] is None
    assert (pruned["pruned_at_step"], pruned["last_logloss"]) == (9, 0.29)
