"""What the champion's recipe is compared with, on the same folds and the same business cost (stage compare).

- the imbalance treatments (no weighting, CatBoost's Balanced and SqrtBalanced class weights, undersampling inside
  each training fold), with the champion's settings and trees chosen by CV;
- the baselines: refuse no one, a logistic regression, LightGBM with the public kernel's settings;
- the challenger, a logistic scorecard (optbinning), kept for shadow scoring and the validation report;
- each sensitive attribute that ``train.exclude`` keeps out of the model: what leaving it out costs (a paired
  interval of the cost difference) and what it changes in approval rates by group.

Nothing here changes the champion: its recipe is params (``train``). A comparison that finds a cheaper treatment
says so in the report, and the documents show it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from creditrisk.config import CatBoostParams, Params
from creditrisk.model.baselines import all_baselines
from creditrisk.model.candidate import model_inputs
from creditrisk.model.data import ModelData
from creditrisk.model.scorecard import Challenger, train_challenger
from creditrisk.model.training import CVResult, cross_validate, stratified_folds

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Comparison:
    report: dict  # reports/model_comparison.json
    challenger: Challenger
    challenger_oof: dict[str, np.ndarray]  # per training row: SK_ID_CURR, TARGET, the challenger's PD


def compare_models(data: ModelData, params: Params, catboost: CatBoostParams) -> Comparison:
    """Every comparison on the same ``compare.folds`` folds (same seed, same rows), at ``compare.learning_rate``:
    the treatments are ranked with each other, not with the champion's own CV figures."""
    from dataclasses import replace

    from creditrisk.data.schema import KEY

    settings, seed, costs = params.train, params.base.seed, params.cost
    catboost = replace(catboost, learning_rate=params.compare.learning_rate)
    train = model_inputs(data, settings.exclude, catboost)
    folds = stratified_folds(train.y, params.compare.folds, seed)
    results = {s: cross_validate(train.x, train.y, train.categorical, catboost, s, folds, seed, costs,
                                 settings.undersample_ratio) for s in params.compare.strategies}
    configured = results.get(settings.imbalance) or cross_validate(
        train.x, train.y, train.categorical, catboost, settings.imbalance, folds, seed, costs,
        settings.undersample_ratio)
    cheapest = min(results.values(), key=lambda r: r.cost) if results else configured
    challenger, challenger_oof = train_challenger(train, folds, costs, params.compare.scorecard_candidates,
                                                  params.compare.scorecard_min_iv)
    report = {"run": True, "configured": settings.imbalance, "cheapest": cheapest.strategy,
              "folds": params.compare.folds, "learning_rate": params.compare.learning_rate,
              "criterion": "CV business cost at the best out-of-fold threshold (trees chosen by CV)",
              "strategies": [r.summary() for r in results.values()],
              "baselines": all_baselines(train, folds, costs, seed), "challenger": challenger.summary,
              "sensitive": _sensitive(data, train, configured, folds, params, catboost)}
    if cheapest.cost < configured.cost:
        log.warning("compare: %s is cheaper than the configured imbalance treatment %s on these folds (%.4f vs %.4f "
                    "per client)", cheapest.strategy, settings.imbalance, cheapest.cost / len(train.y),
                    configured.cost / len(train.y))
    return Comparison(report, challenger, {KEY: train.ids, "TARGET": train.y, "challenger_pd": challenger_oof})


def _sensitive(data: ModelData, train: ModelData, without: CVResult, folds: list, params: Params,
               catboost: CatBoostParams) -> list[dict]:
    """Each excluded attribute present in the data: the recipe cross-validated with it, compared with the
    champion's recipe without it (paired cost difference, approval rates by group)."""
    from creditrisk.governance.sensitive import compare_without

    reports = []
    for attribute in params.train.exclude:
        if attribute not in data.x.columns:
            log.warning("train.exclude: %s is not a feature of this data; nothing to compare", attribute)
            continue
        with_it = ModelData(train.ids, train.x.assign(**{attribute: data.x[attribute].to_numpy()}), train.y,
                            [*train.categorical, *([attribute] if attribute in data.categorical else [])])
        result = cross_validate(with_it.x, with_it.y, with_it.categorical, catboost, params.train.imbalance, folds,
                                params.base.seed, params.cost, params.train.undersample_ratio)
        comparison = compare_without(attribute, data.x[attribute].astype(str).to_numpy(), train.y, result, without,
                                     params.cost, params.base.seed)
        log.info("%s", comparison.report["verdict"])
        reports.append(comparison.report)
    return reports


def not_run(reason: str) -> dict:
    """reports/model_comparison.json when the comparisons are switched off (params compare.run)."""
    return {"run": False, "reason": reason}
