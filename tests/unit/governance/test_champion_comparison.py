"""The promotion gate compares the candidate with the champion on the same clients: the champion's cost is
measured on this run's holdout, never taken from its own validation on other data."""

from types import SimpleNamespace

import numpy as np
import pandas as pd
from catboost import CatBoostClassifier

from creditrisk.artefacts import tracking
from creditrisk.config import Params
from creditrisk.features import feature_version
from creditrisk.stages.model_validation import _champion
from tests.bundles import make_bundle


def _model_and_holdout():
    rng = np.random.default_rng(0)
    x = pd.DataFrame({"a": rng.normal(size=400), "b": rng.normal(size=400)})
    y = (rng.random(400) < 1 / (1 + np.exp(-(x["a"] * 2 - 2)))).astype(int).to_numpy()
    model = CatBoostClassifier(iterations=20, depth=2, random_seed=0, verbose=False, allow_writing_files=False)
    model.fit(x, y)
    return model, SimpleNamespace(x=x, y=y)


def test_the_champion_is_judged_on_this_holdout(monkeypatch):
    model, holdout = _model_and_holdout()
    bundle = make_bundle(["a", "b"], threshold=0.2, feature_version=feature_version())
    monkeypatch.setattr(tracking, "load_champion", lambda: (model, bundle, {}))
    monkeypatch.setattr(tracking, "refit_of", lambda version: None)
    record = {"version": 4, "auc": 0.9, "cost": 0.01}  # measured on other data: never compared
    champion, why = _champion(record, holdout, Params())
    pd_ = model.predict_proba(holdout.x)[:, 1]  # identity calibration: the PD is the model's probability
    refuse = pd_ >= 0.2
    expected = (10 * np.sum((holdout.y == 1) & ~refuse) + np.sum((holdout.y == 0) & refuse)) / len(holdout.y)
    assert why is None and champion.version == 4 and champion.cost == expected != 0.01
    assert np.allclose(champion.holdout_pd, pd_)


def test_a_champion_reading_features_this_data_lacks_is_not_compared(monkeypatch):
    model, holdout = _model_and_holdout()
    bundle = make_bundle(["a", "b"], feature_version=feature_version())
    monkeypatch.setattr(tracking, "load_champion", lambda: (model, bundle, {}))
    without_b = SimpleNamespace(x=holdout.x[["a"]], y=holdout.y)
    champion, why = _champion({"version": 4, "auc": 0.9, "cost": 0.4}, without_b, Params())
    assert champion is None and why == ("missing_features", "version 4 reads 1 features this data lacks (e.g. b)")


def test_a_champion_trained_on_other_data_or_by_another_builder_is_not_compared(monkeypatch):
    """The reason comes as a code (the French documents word it) with the registry's English sentence."""
    model, holdout = _model_and_holdout()
    record = {"version": 4, "auc": 0.9, "cost": 0.4}
    raw = make_bundle(["a", "b"], feature_version=feature_version(), data_source="raw")
    monkeypatch.setattr(tracking, "load_champion", lambda: (model, raw, {}))
    assert _champion(record, holdout, Params()) == (None, ("data_source", "version 4 was trained on raw data"))
    older = make_bundle(["a", "b"], feature_version="0-older")
    monkeypatch.setattr(tracking, "load_champion", lambda: (model, older, {}))
    assert _champion(record, holdout, Params()) == (
        None, ("feature_builder", "version 4 was trained by another feature builder"))


def test_a_refit_champion_is_judged_through_the_version_it_refits(monkeypatch):
    """A champion fitted on every labelled row has seen this holdout when the data are the same: the version it
    refits (validated on a holdout it never saw) is judged in its place."""
    model, holdout = _model_and_holdout()
    other, _ = _model_and_holdout()
    other.fit(holdout.x[["b", "a"]].rename(columns={"b": "a", "a": "b"}), holdout.y)  # another model, same inputs
    refit = make_bundle(["a", "b"], threshold=0.2, feature_version=feature_version(), holdout_rows=0)
    validated = make_bundle(["a", "b"], threshold=0.3, feature_version=feature_version())
    monkeypatch.setattr(tracking, "load_champion", lambda: (model, refit, {}))
    monkeypatch.setattr(tracking, "refit_of", lambda version: {7: 6}[version])
    monkeypatch.setattr(tracking, "load_version", lambda version: {6: (other, validated)}[version])
    champion, _ = _champion({"version": 7, "auc": 0.9, "cost": 0.01}, holdout, Params())
    pd_ = other.predict_proba(holdout.x)[:, 1]
    refuse = pd_ >= 0.3
    expected = (10 * np.sum((holdout.y == 1) & ~refuse) + np.sum((holdout.y == 0) & refuse)) / len(holdout.y)
    assert champion.version == 7 and champion.cost == expected and np.allclose(champion.holdout_pd, pd_)
