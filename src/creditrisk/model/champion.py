"""The champion: imbalance strategies compared on the CV business cost, the best one fitted on every training
row, calibrated and thresholded on its out-of-fold scores."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

import numpy as np

from creditrisk.config import CatBoostParams, Params
from creditrisk.features import feature_version
from creditrisk.model.baselines import all_baselines
from creditrisk.model.bundle import Bundle, CVSummary
from creditrisk.model.calibration import choose_calibration
from creditrisk.model.data import ModelData
from creditrisk.model.predictor import Predictor
from creditrisk.model.scorecard import Challenger, train_challenger
from creditrisk.model.training import (
    CVResult,
    brier,
    cross_validate,
    fit_final,
    score_oof,
    stratified_folds,
)
from creditrisk.schema import KEY

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrainedChampion:
    predictor: Predictor
    oof: dict[str, np.ndarray]  # per training row: SK_ID_CURR, TARGET, raw score, calibrated PD, challenger's PD
    comparison: dict  # reports/model_selection.json
    challenger: Challenger  # the scorecard, trained on the same folds


def train_champion(train: ModelData, holdout_rows: int, params: Params, catboost: CatBoostParams) -> TrainedChampion:
    """Compare the imbalance strategies and the baselines on the same folds, then fit, calibrate and threshold."""
    costs, seed = params.cost, params.base.seed
    folds = stratified_folds(train.y, params.train.cv_folds, seed)
    results = [cross_validate(train.x, train.y, train.categorical, catboost, strategy, folds, seed, costs,
                              params.train.undersample_ratio) for strategy in params.train.imbalance_strategies]
    best = min(results, key=lambda r: r.cost)
    train, best, sensitive = _drop_free_attributes(train, best, params, catboost, folds)
    calibration = choose_calibration(best.oof, train.y, folds)  # cross-fitted: threshold and costs out of fold
    calibrated = score_oof(CVResult(best.strategy, calibration.cross_fitted, best.fold_auc, best.best_iterations),
                           train.y, costs)
    iterations = int(np.median(best.best_iterations)) + 1
    model = fit_final(train.x, train.y, train.categorical, catboost, best.strategy, iterations, seed,
                      params.train.undersample_ratio)
    bundle = Bundle(
        features=train.features, categorical=train.categorical, threshold=calibrated.threshold, costs=costs,
        calibration=calibration.calibrator.to_dict(), imbalance_strategy=best.strategy,
        catboost=asdict(catboost) | {"iterations": iterations}, cv=_cv_summary(calibrated, best, train.y, params),
        seed=seed, train_rows=len(train.y), holdout_rows=holdout_rows, data_source=params.data.source,
        trained_at=datetime.now(UTC).isoformat(timespec="seconds"), feature_version=feature_version())
    comparison = {"chosen": best.strategy, "criterion": "CV business cost at the best out-of-fold threshold",
                  "strategies": [r.summary() for r in results],
                  "calibration": {"chosen": calibration.calibrator.method,
                                  "criterion": "cross-fitted out-of-fold log loss",
                                  "methods": calibration.comparison},
                  "baselines": all_baselines(train, folds, costs, seed), "sensitive": sensitive}
    challenger, challenger_oof = train_challenger(train, folds, costs, params.train.scorecard_candidates,
                                                  params.train.scorecard_min_iv)
    comparison["challenger"] = challenger.summary
    oof = {KEY: train.ids, "TARGET": train.y, "score": best.oof, "pd": calibrated.oof, "challenger_pd": challenger_oof}
    log.info("champion: %s, CV AUC %.4f, %s calibration, CV normalised cost %.4f, threshold %.4f (calibrated PD)",
             best.strategy, best.auc, calibration.calibrator.method, calibrated.normalized_cost, calibrated.threshold)
    return TrainedChampion(Predictor(model, bundle), oof, comparison, challenger)


def _drop_free_attributes(train: ModelData, best: CVResult, params: Params, catboost: CatBoostParams,
                          folds: list) -> tuple[ModelData, CVResult, list[dict]]:
    """Each attribute of ``train.drop_if_free``: the chosen strategy cross-validated without it on the same folds;
    dropped when that costs nothing measurable (creditrisk.model.sensitive). Returns the data and CV result the
    champion is fitted from, and one report per attribute."""
    from creditrisk.model.sensitive import compare_without

    reports = []
    for attribute in params.train.drop_if_free:
        if attribute not in train.x.columns:
            log.warning("train.drop_if_free: %s is not a feature of this data; nothing to compare", attribute)
            continue
        without = train.without(attribute)
        result = cross_validate(without.x, without.y, without.categorical, catboost, best.strategy, folds,
                                params.base.seed, params.cost, params.train.undersample_ratio)
        comparison = compare_without(attribute, train.x[attribute].astype(str).to_numpy(), train.y, best, result,
                                     params.cost, params.base.seed)
        log.info("%s", comparison.report["verdict"])
        reports.append(comparison.report)
        if comparison.drop:
            train, best = without, result
    return train, best, reports


def _cv_summary(calibrated: CVResult, raw: CVResult, y: np.ndarray, params: Params) -> CVSummary:
    """One CV AUC everywhere: the raw out-of-fold scores' (a strictly increasing calibration keeps it)."""
    return CVSummary(folds=params.train.cv_folds, auc=raw.auc, cost_per_client=calibrated.cost / len(y),
                     normalized_cost=calibrated.normalized_cost, brier_raw=brier(y, raw.oof),
                     brier_calibrated=brier(y, calibrated.oof))


def tuning_setup_key(train: ModelData, feature_file_digest: str, params: Params) -> str:
    """What makes tuning trials comparable: the data (feature file bytes), training rows, folds, costs and fixed
    CatBoost settings. Another setup starts another study in the same journal."""
    import hashlib
    import json

    ids = hashlib.sha256(np.ascontiguousarray(train.ids).tobytes()).hexdigest()
    setup = {"ids": ids, "data": feature_file_digest, "features": train.features, "folds": params.train.cv_folds,
             "seed": params.base.seed, "costs": asdict(params.cost), "iterations": params.train.iterations,
             "early_stopping": params.train.early_stopping_rounds}
    return hashlib.sha256(json.dumps(setup, sort_keys=True).encode()).hexdigest()[:12]


def study_report(study) -> dict:
    """reports/tuning.json: every trial of the study and the best one. A pruned trial has no cost (its value is
    the pruner's intermediate Logloss, not a business cost): it is reported as pruned, with its last step."""
    trials = [_trial_row(t) for t in study.trials]
    return {"study": study.study_name, "best_params": study.best_params, "best_cost_per_client": study.best_value,
            "best_trial": study.best_trial.number, "trials": trials,
            "objective": "CV business cost per client at the best out-of-fold threshold (no class weights)"}



def _trial_row(trial) -> dict:
    complete = trial.state.name == "COMPLETE"
    row = {"number": trial.number, "state": trial.state.name, "cost_per_client": trial.value if complete else None,
           "params": trial.params, "worker": trial.user_attrs.get("worker", 0),
           "cv_auc": trial.user_attrs.get("cv_auc"), "best_iterations": trial.user_attrs.get("best_iterations")}
    if trial.state.name == "PRUNED" and trial.intermediate_values:
        step = max(trial.intermediate_values)
        row |= {"pruned_at_step": step, "last_logloss": trial.intermediate_values[step]}
    return row
