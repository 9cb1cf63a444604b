"""MLflow registry: a better model takes the champion alias, a worse one does not."""

import numpy as np
import pandas as pd
import pytest

from creditrisk.model import tracking
from tests.bundles import make_bundle


def test_promotion_rule():
    assert tracking.should_promote(0.40, None)
    assert tracking.should_promote(0.40, 0.45)
    assert not tracking.should_promote(0.45, 0.40)
    assert not tracking.should_promote(0.40, 0.40)  # a tie keeps the current champion


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    root = tmp_path_factory.mktemp("mlflow")
    tracking.configure(root)
    return root


def _tiny_model():
    from catboost import CatBoostClassifier

    rng = np.random.default_rng(0)
    x = pd.DataFrame({"a": rng.normal(size=200), "b": rng.normal(size=200)})
    y = (x["a"] > 0.5).astype(int)
    model = CatBoostClassifier(iterations=10, verbose=False, allow_writing_files=False).fit(x, y)
    return model, make_bundle(["a", "b"]), x


def test_better_model_is_promoted_worse_one_is_not(registry):
    model, bundle, x = _tiny_model()
    first = tracking.log_champion_run(model, bundle, {"business_cost_per_client": 0.45}, x, [])
    assert first["promoted"] and first["previous_champion"]["version"] is None
    worse = tracking.log_champion_run(model, bundle, {"business_cost_per_client": 0.50}, x, [])
    assert not worse["promoted"] and tracking.champion_cost() == (first["version"], 0.45)
    better = tracking.log_champion_run(model, bundle, {"business_cost_per_client": 0.40}, x, [])
    assert better["promoted"] and tracking.champion_cost() == (better["version"], 0.40)
    _, stored, facts = tracking.load_champion()
    assert stored == make_bundle(["a", "b"]) and facts["model_version"] == better["version"]
    assert (registry / "mlflow.db").exists() and (registry / "mlartifacts").is_dir()
