"""The challenger scorecard: the informative features found, monotone bins, points, save and read."""

import numpy as np
import pandas as pd
import pytest

from creditrisk.config import CostParams
from creditrisk.model.data import ModelData
from creditrisk.model.scorecard import Challenger, points_table, preselect, train_challenger
from creditrisk.model.training import stratified_folds


def _data(n: int = 3000, seed: int = 0) -> ModelData:
    """Default odds rise with ``risk`` and with contract type "Revolving"; ``noise`` carries nothing."""
    rng = np.random.default_rng(seed)
    risk = rng.normal(size=n)
    kind = rng.choice(["Cash", "Revolving"], n)
    logit = -2.5 + 1.2 * risk + 0.8 * (kind == "Revolving")
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    risk_with_gaps = np.where(rng.random(n) < 0.05, np.nan, risk)
    x = pd.DataFrame({"risk": risk_with_gaps, "noise": rng.normal(size=n), "kind": kind, "flat": np.ones(n)})
    return ModelData(np.arange(n), x, y, ["kind"])


def test_preselect_ranks_by_univariate_auc_and_skips_constants():
    data = _data()
    assert preselect(data.x, data.y, data.categorical, 2) == ["risk", "kind"]
    assert "flat" not in preselect(data.x, data.y, data.categorical, 10)


def test_challenger_keeps_the_informative_features_with_monotone_points(tmp_path):
    data = _data()
    challenger, oof = train_challenger(data, stratified_folds(data.y, 3, 0), CostParams(), candidates=4, min_iv=0.02)
    assert set(challenger.variables) == {"risk", "kind"}
    assert challenger.summary["cv_auc"] > 0.75 and oof.shape == data.y.shape and 0 < challenger.threshold < 1
    points = [p for p in points_table(challenger.scorecard) if p["variable"] == "risk" and "inf" in p["bin"]
              or p["variable"] == "risk" and p["bin"].startswith("[")]
    ordered = [p["points"] for p in points]
    assert ordered == sorted(ordered, reverse=True)  # more risk, fewer points: monotone
    kinds = {p["bin"]: p["points"] for p in points_table(challenger.scorecard) if p["variable"] == "kind"}
    assert kinds["['Revolving']"] < kinds["['Cash']"]
    challenger.save(tmp_path)
    again = Challenger.read(tmp_path)
    assert again.predict_pd(data.x.head(50)) == pytest.approx(challenger.predict_pd(data.x.head(50)))
    assert again.variables == challenger.variables and again.categorical == ["kind"]
