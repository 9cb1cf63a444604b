"""The champion: the configured recipe cross-validated (trees by CV, honest out-of-fold scores), calibrated and
thresholded on its out-of-fold scores, then fitted on every training row. The alternatives it is compared with
(imbalance treatments, baselines, the challenger, sensitive attributes) are the compare stage's
(``creditrisk.governance.comparison``), which does not change what is trained here."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, replace

import numpy as np

from creditrisk.artefacts.bundle import Bundle, CVSummary
from creditrisk.artefacts.predictor import Predictor
from creditrisk.config import UNSIGNED_LOAN_TERMS, CatBoostParams, Params
from creditrisk.data.schema import KEY
from creditrisk.features import feature_version
from creditrisk.model.calibration import choose_calibration
from creditrisk.model.data import ModelData
from creditrisk.model.training import (
    CVResult,
    average_cv,
    average_models,
    brier,
    cross_validate,
    fit_final,
    fold_numbers,
    score_oof,
    stratified_folds,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrainedChampion:
    predictor: Predictor
    oof: dict[str, np.ndarray]  # per training row: SK_ID_CURR, TARGET, raw score, calibrated PD, CV fold (1..k)
    selection: dict  # reports/model_selection.json


def without_excluded(data: ModelData, exclude: tuple[str, ...]) -> ModelData:
    """The data without the attributes params ``train.exclude`` never gives to the model."""
    for attribute in exclude:
        if attribute in data.x.columns:
            data = data.without(attribute)
    return data


def model_inputs(data: ModelData, exclude: tuple[str, ...], catboost: CatBoostParams) -> ModelData:
    """What the model is given: the data without the excluded attributes and, when the loan terms are
    constrained, without the loan-term features that have no sign (``UNSIGNED_LOAN_TERMS``)."""
    return without_excluded(data, exclude + (UNSIGNED_LOAN_TERMS if catboost.monotone else ()))


def companion_settings(base: CatBoostParams, companion: dict) -> CatBoostParams:
    """The second shape's settings (params ``train.companion``, or as a bundle records it with its trees): the
    base's, with the shape the companion changes."""
    return replace(base, **{k: v for k, v in companion.items() if k != "iterations"})


def train_champion(train: ModelData, holdout_rows: int, params: Params, catboost: CatBoostParams) -> TrainedChampion:
    """Cross-validate the recipe, calibrate and threshold on its out-of-fold scores, fit the final model."""
    costs, seed, settings = params.cost, params.base.seed, params.train
    train = model_inputs(train, settings.exclude, catboost)
    folds = stratified_folds(train.y, settings.cv_folds, seed)
    cv = cross_validate(train.x, train.y, train.categorical, catboost, settings.imbalance, folds, seed, costs,
                        settings.undersample_ratio)
    model = fit_final(train.x, train.y, train.categorical, catboost, settings.imbalance, cv.trees, seed,
                      settings.undersample_ratio, settings.bag)
    recorded = asdict(catboost) | {"iterations": cv.trees, "monotone": {  # the constraints that applied
        f: sign for f, sign in catboost.monotone.items() if f in train.features}}
    if settings.companion:  # a second shape, its own trees by CV, averaged with the first on the log-odds
        partner = companion_settings(catboost, settings.companion)
        partner_cv = cross_validate(train.x, train.y, train.categorical, partner, settings.imbalance, folds, seed,
                                    costs, settings.undersample_ratio)
        cv = average_cv([cv, partner_cv], train.y, folds, costs)
        model = average_models([model, fit_final(train.x, train.y, train.categorical, partner, settings.imbalance,
                                                 partner_cv.trees, seed, settings.undersample_ratio, settings.bag)])
        recorded["companion"] = dict(settings.companion) | {"iterations": partner_cv.trees}
    calibration = choose_calibration(cv.oof, train.y, folds)  # cross-fitted: threshold and costs out of fold
    calibrated = score_oof(CVResult(cv.strategy, calibration.cross_fitted, cv.fold_auc, cv.fold_trees, cv.trees),
                           train.y, costs)
    bundle = Bundle(
        features=train.features, categorical=train.categorical, threshold=calibrated.threshold, costs=costs,
        calibration=calibration.calibrator.to_dict(), imbalance_strategy=settings.imbalance,
        catboost=recorded, bag=settings.bag,
        cv=_cv_summary(calibrated, cv, train.y, settings.cv_folds), seed=seed, train_rows=len(train.y),
        holdout_rows=holdout_rows, data_source=params.data.source, feature_version=feature_version(),
        excluded=[a for a in settings.exclude if a not in train.features])
    selection = {"strategy": settings.imbalance, "excluded": bundle.excluded, "trees": cv.trees,
                 "fold_trees": cv.fold_trees, "bag": settings.bag, "cv": cv.summary(),
                 "calibrated_cv": calibrated.summary(),
                 "calibration": {"chosen": calibration.calibrator.method,
                                 "criterion": "cross-fitted out-of-fold log loss",
                                 "methods": calibration.comparison},
                 "catboost": bundle.catboost}
    oof = {KEY: train.ids, "TARGET": train.y, "score": cv.oof, "pd": calibrated.oof,
           "fold": fold_numbers(folds, len(train.y))}  # whose model scored each row: the validation report's folds
    log.info("champion: %s, %d trees x %d, CV AUC %.4f, %s calibration, CV normalised cost %.4f, threshold %.4f "
             "(calibrated PD)", settings.imbalance, cv.trees, settings.bag, cv.auc, calibration.calibrator.method,
             calibrated.normalized_cost, calibrated.threshold)
    return TrainedChampion(Predictor(model, bundle), oof, selection)


def refit_on_all(predictor: Predictor, labelled: ModelData, undersample_ratio: float) -> Predictor:
    """The validated recipe fitted again on every labelled row (training part and holdout), once the holdout has
    given its verdict: same features, trees, bag, companion, calibration and threshold; only the rows grow."""
    bundle = predictor.bundle
    data = ModelData(labelled.ids, labelled.x[bundle.features], labelled.y, bundle.categorical)
    recorded = dict(bundle.catboost)
    companion = recorded.pop("companion", None)
    settings = CatBoostParams(**recorded)
    model = fit_final(data.x, data.y, data.categorical, settings, bundle.imbalance_strategy, settings.iterations,
                      bundle.seed, undersample_ratio, bundle.bag)
    if companion:
        partner = companion_settings(settings, companion)
        model = average_models([model, fit_final(data.x, data.y, data.categorical, partner,
                                                 bundle.imbalance_strategy, companion["iterations"], bundle.seed,
                                                 undersample_ratio, bundle.bag)])
    return Predictor(model, replace(bundle, train_rows=len(data.y), holdout_rows=0, fitted_on="every labelled row"))


def _cv_summary(calibrated: CVResult, raw: CVResult, y: np.ndarray, folds: int) -> CVSummary:
    """One CV AUC everywhere: the raw out-of-fold scores' (a strictly increasing calibration keeps it)."""
    return CVSummary(folds=folds, auc=raw.auc, cost_per_client=calibrated.cost / len(y),
                     normalized_cost=calibrated.normalized_cost, brier_raw=brier(y, raw.oof),
                     brier_calibrated=brier(y, calibrated.oof), trees=raw.trees)


def tuning_setup_key(train: ModelData, feature_file_digest: str, params: Params) -> str:
    """What makes tuning trials comparable: the data (feature file bytes), training rows, folds, costs and fixed
    CatBoost settings. Another setup starts another study in the same journal."""
    import hashlib
    import json

    ids = hashlib.sha256(np.ascontiguousarray(train.ids).tobytes()).hexdigest()
    setup = {"ids": ids, "data": feature_file_digest, "features": train.features, "folds": params.tune.folds,
             "seed": params.base.seed, "costs": asdict(params.cost), "iterations": params.train.iterations,
             "learning_rate": params.tune.learning_rate, "early_stopping": params.train.early_stopping_rounds,
             "exclude": list(params.train.exclude), "imbalance": params.train.imbalance,
             "monotone": params.train.monotone}
    return hashlib.sha256(json.dumps(setup, sort_keys=True).encode()).hexdigest()[:12]


def study_report(study) -> dict:
    """reports/tuning.json: every trial of the study and the best one. A pruned trial has no cost (its value is
    the pruner's intermediate Logloss, not a business cost): it is reported as pruned, with its last step."""
    trials = [_trial_row(t) for t in study.trials]
    return {"study": study.study_name, "best_params": study.best_params, "best_cost_per_client": study.best_value,
            "best_trial": study.best_trial.number, "trials": trials, "n_trials": len(trials),
            "objective": "CV business cost per client at the best out-of-fold threshold"}


def _trial_row(trial) -> dict:
    complete = trial.state.name == "COMPLETE"
    row = {"number": trial.number, "state": trial.state.name, "cost_per_client": trial.value if complete else None,
           "params": trial.params, "worker": trial.user_attrs.get("worker", 0),
           "cv_auc": trial.user_attrs.get("cv_auc"), "trees": trial.user_attrs.get("trees")}
    if trial.state.name == "PRUNED" and trial.intermediate_values:
        step = max(trial.intermediate_values)
        row |= {"pruned_at_step": step, "last_logloss": trial.intermediate_values[step]}
    return row
