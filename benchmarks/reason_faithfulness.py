"""Faithfulness of the principal reasons on the holdout: for each refused client, the features of the first
reason set to the production clients' typical value (median, most frequent category) must lower the PD.

Usage: python benchmarks/reason_faithfulness.py   (after dvc repro; reads models/serving and data/features)
"""

from __future__ import annotations

import numpy as np

from creditrisk.config import load_params
from creditrisk.model.cost import decide
from creditrisk.model.data import split_data
from creditrisk.service.scorer import Scorer, ServingData


def main() -> None:
    params = load_params()
    data = ServingData.load("models/serving")
    scorer = Scorer(data)
    _, holdout = split_data("data/features/train.parquet", "reports/feature_catalogue.json",
                            params.train.holdout_size, params.base.seed)
    rows = holdout.x[scorer.features].astype(object).where(holdout.x[scorer.features].notna(), np.nan)
    rows = rows.values.tolist()
    _, pd_ = scorer.predictor.predict_rows(rows)
    decisions = decide(pd_, scorer.threshold, scorer.review_band)
    production = data.production
    typical = {f: (production[f].mode().iloc[0] if f in scorer.categorical else production[f].median())
               for f in scorer.features}
    print("| decision | clients | first reason moves the PD the stated way | share |\n|---|---:|---:|---:|")
    for decision in ("refuse", "review", "accept"):
        picked = np.flatnonzero(decisions == decision)
        shap = scorer.predictor.shap_values([rows[i] for i in picked])
        moved = []
        for k, i in enumerate(picked):
            reasons = scorer.reasons.principal(scorer.reasons.concepts(shap[k, :-1], rows[i], "fr"), decision)
            changed = list(rows[i])
            for feature in reasons[0].features:
                changed[scorer.layout.position[feature]] = typical[feature]
            moved.append(changed)
        _, after = scorer.predictor.predict_rows(moved)
        right = (after < pd_[picked]) if decision != "accept" else (after > pd_[picked])
        print(f"| {decision} | {len(picked)} | {int(right.sum())} | {right.mean():.1%} |")


if __name__ == "__main__":
    main()
