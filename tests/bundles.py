"""A model bundle for tests whose models are built by hand (not by the train stage)."""

from __future__ import annotations

from dataclasses import replace

from creditrisk.artefacts.bundle import Bundle, CVSummary
from creditrisk.config import CostParams


def make_bundle(features: list[str], **changes) -> Bundle:
    """A bundle with plain values (identity calibration, threshold 0.09); ``changes`` override any field."""
    bundle = Bundle(features=features, categorical=[], threshold=0.09, costs=CostParams(10, 1),
                    calibration={"method": "isotonic", "x": [0.0, 1.0], "y": [0.0, 1.0]},
                    imbalance_strategy="none", catboost={"iterations": 10}, seed=0,
                    cv=CVSummary(folds=3, auc=0.8, cost_per_client=0.4, normalized_cost=0.8, brier_raw=0.07,
                                 brier_calibrated=0.07, trees=10),
                    train_rows=200, holdout_rows=50, data_source="synthetic")
    return replace(bundle, **changes)
