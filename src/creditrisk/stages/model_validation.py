"""Stage model_validation: the candidate registered, validated test by test, promoted by the gate or not."""

from __future__ import annotations

import json
import logging

from creditrisk.artefacts.catalogue import (
    EVALUATION_PLOT,
    LIGHTS,
    MODEL_CARD,
    MODEL_COMPARISON,
    MODEL_SELECTION,
    REPORT_JSON,
    REPORT_MD,
    SCORECARD_FILE,
    SCORECARD_META,
    TUNING,
    Paths,
)
from creditrisk.config import Params
from creditrisk.io import write_json, write_text
from creditrisk.stages.common import read_optional, split

log = logging.getLogger(__name__)



def run_model_validation(params: Params, paths: Paths) -> dict:
    """Register the candidate; test it on the holdout, out-of-fold and production clients; let the gate decide;
    write reports/validation_model/, reports/registry.json and the model card."""
    import polars as pl

    from creditrisk.artefacts import tracking
    from creditrisk.artefacts.catalogue import OOF_FILE
    from creditrisk.artefacts.predictor import Predictor
    from creditrisk.governance.battery import Sample, validation_report
    from creditrisk.governance.gate import promotion_gate
    from creditrisk.governance.master_scale import MasterScale
    from creditrisk.reporting.model_card import render_model_card
    from creditrisk.reporting.plots import write_reliability_plot
    from creditrisk.reporting.validation_report import render_report

    predictor = Predictor.from_dir(paths.model)
    _, holdout = split(params, paths)
    metrics = json.loads((paths.metrics).read_text())
    details = json.loads((paths.evaluation_details).read_text())
    tracking.configure(paths.root)
    record = tracking.champion_record()
    champion, not_compared = _champion(record, holdout, params)  # not_compared: (code, English sentence)
    registry = tracking.register_candidate(predictor.model, predictor.bundle, metrics, holdout.x, [
        paths.metrics, paths.reports / MODEL_SELECTION,
        paths.reports / MODEL_COMPARISON, paths.reports / "plots" / EVALUATION_PLOT,
        paths.evaluation_details, paths.challenger / SCORECARD_FILE,
        paths.challenger / SCORECARD_META])
    oof = pl.read_parquet(paths.model / OOF_FILE)
    holdout_sample = Sample("holdout", holdout.y, predictor.predict_proba(holdout.x)[1])
    oof_sample = Sample("out-of-fold", oof["TARGET"].to_numpy(), oof["pd"].to_numpy(), oof["fold"].to_numpy())
    development, production = _stability_inputs(params, paths, predictor, details)
    report = validation_report(
        holdout_sample, oof_sample, MasterScale(tuple(params.scale.bounds)), details["master_scale"]["checks"],
        params.model_validation, params.evaluate.min_group_clients, params.evaluate.min_defaults, holdout_sample.pd,
        production.pop("pd"),
        development, production, champion)
    report["challenger"] = _challenger(params, paths, holdout, (holdout_sample, oof_sample), predictor)
    gate = promotion_gate(report["tests"], registry["holdout_cost_per_client"], champion, registry["version"],
                          params.model_validation.gate, params.model_validation.shift_signoff)
    tracking.record_gate(registry["version"], gate)
    promoted = registry["version"] if gate["promote"] else None
    if gate["promote"] and params.train.refit:
        refit, report["refit"] = _refit(params, paths, predictor)
        promoted = tracking.register_refit(refit.model, refit.bundle, registry["version"], holdout.x)
    if promoted is not None:
        tracking.set_champion(promoted)
    # blocked: the champion in place stays served when it was trained on this kind of data (publish serves it)
    served = promoted if promoted is not None else (record["version"] if champion is not None else None)
    registry |= {"promoted": gate["promote"], "gate": gate, "served_version": served,
                 "previous_champion": {"version": record["version"] if record else None,
                                       "holdout_cost_per_client": champion.cost if champion else None,
                                       "compared": champion is not None,
                                       "not_compared_code": not_compared and not_compared[0],
                                       "not_compared_because": not_compared and not_compared[1]},
                 "history": tracking.version_history()}
    out = paths.model_validation
    write_json(out / REPORT_JSON, report | {"gate": gate})
    write_json(out / LIGHTS, report["lights"] | {"promoted": gate["promote"]})
    write_text(out / REPORT_MD, render_report(report, gate, metrics["enough_data"]))
    write_reliability_plot(out, [holdout_sample, oof_sample])  # RELIABILITY_PLOT and its French twin
    write_json(paths.registry, registry)
    write_json(paths.registered, {k: registry.get(k) for k in ("registered_model", "version", "served_version",
                                                                 "promoted")})
    write_text(paths.reports / MODEL_CARD, render_model_card(
        metrics, json.loads((paths.reports / MODEL_SELECTION).read_text()),
        read_optional(paths.reports / TUNING), predictor.bundle, details["fairness"],
        details["shap_importance"], _english_labels(paths), registry, details["reason_concepts"],
        details["master_scale"], report, read_optional(paths.reports / MODEL_COMPARISON)))
    log.info("validation: %s; %s", report["lights"], "promoted" if gate["promote"] else
             "not promoted: " + "; ".join(gate["reasons"]))
    return {"lights": report["lights"], "promoted": gate["promote"], "version": registry["version"],
            "red": gate["red_tests"]}


def _champion(record: dict | None, holdout, params: Params):
    """The current champion with its PDs and its business cost on this holdout (at its own threshold: both models
    judged on the same clients, never a figure measured on other data), or (None, why) when it cannot be
    compared: trained on other data, by another version of the feature builder, or reading features this data
    lacks (the candidate is then judged as a first model). ``why`` is a code (``data_source``, ``feature_builder``,
    ``missing_features``: the documents word it in their language) and the English sentence of the registry."""
    from creditrisk.artefacts import tracking
    from creditrisk.artefacts.predictor import Predictor
    from creditrisk.features import feature_version
    from creditrisk.governance.battery import Champion
    from creditrisk.model.cost import confusion, cost_per_client

    if record is None:
        return None, None
    model, bundle, _ = tracking.load_champion()
    if bundle.data_source != params.data.source or bundle.feature_version != feature_version():
        why = (("data_source", f"version {record['version']} was trained on {bundle.data_source} data")
               if bundle.data_source != params.data.source else
               ("feature_builder", f"version {record['version']} was trained by another feature builder"))
        log.warning("champion %s: not compared, the candidate is judged as a first model", why[1])
        return None, why
    missing = set(bundle.features) - set(holdout.x.columns)
    if missing:
        why = ("missing_features", f"version {record['version']} reads {len(missing)} features this data lacks "
               f"(e.g. {sorted(missing)[0]})")
        log.warning("champion %s: not compared, the candidate is judged as a first model", why[1])
        return None, why
    refit_of = tracking.refit_of(record["version"])
    if bundle.holdout_rows == 0 and refit_of is not None:
        # fitted on every labelled row: on the same data it has seen this holdout. The version it refits (same
        # recipe, validated on a holdout it never saw) is judged in its place.
        model, bundle = tracking.load_version(refit_of)
    holdout_pd = Predictor(model, bundle).predict_proba(holdout.x)[1]
    cost = cost_per_client(confusion(holdout.y, holdout_pd >= bundle.threshold), params.cost)
    return Champion(record["version"], record["auc"], cost, holdout_pd), None


def _refit(params: Params, paths: Paths, predictor) -> tuple:
    """The validated recipe fitted on every labelled row, and how far it moves the production clients' PDs and
    decisions from the validated model's (the refit has seen the holdout: nothing else can judge it)."""
    import numpy as np
    import pandas as pd
    from scipy.stats import spearmanr

    from creditrisk.model.candidate import refit_on_all
    from creditrisk.model.cost import decide
    from creditrisk.model.data import load_training_data

    labelled = load_training_data(paths.train_features, paths.feature_catalogue)
    refit = refit_on_all(predictor, labelled, params.train.undersample_ratio)
    production = pd.read_parquet(paths.test_features, columns=predictor.bundle.features)
    before, after = predictor.predict_proba(production)[1], refit.predict_proba(production)[1]
    band, threshold = params.serve.review_band, predictor.bundle.threshold
    same = decide(before, threshold, band) == decide(after, threshold, band)
    return refit, {"rows": len(labelled.y), "trees": refit.bundle.catboost["iterations"], "bag": refit.bundle.bag,
                   "production_clients": len(before), "same_decision": float(np.mean(same)),
                   "pd_rank_correlation": float(spearmanr(before, after).statistic),
                   "mean_pd_validated": float(np.mean(before)), "mean_pd_refit": float(np.mean(after)),
                   "largest_pd_change": float(np.max(np.abs(after - before)))}


def _challenger(params: Params, paths: Paths, holdout, champion_samples: tuple, predictor) -> dict | None:
    """The scorecard judged like the champion, beside it, and its points table; None when the compare stage did
    not run."""
    import polars as pl

    from creditrisk.artefacts.catalogue import CHALLENGER_OOF_FILE
    from creditrisk.governance.battery import Sample, challenger_comparison
    from creditrisk.governance.master_scale import MasterScale
    from creditrisk.model.scorecard import Challenger, points_table

    if not (paths.challenger / SCORECARD_META).exists():
        return None
    challenger = Challenger.read(paths.challenger)
    oof = pl.read_parquet(paths.challenger / CHALLENGER_OOF_FILE)
    samples = [Sample("holdout", holdout.y, challenger.predict_pd(holdout.x)),
               Sample("out-of-fold", oof["TARGET"].to_numpy(), oof["challenger_pd"].to_numpy())]
    comparison = challenger_comparison(
        {"champion (CatBoost)": (list(champion_samples), predictor.bundle.threshold, len(predictor.features_read())),
         "challenger (logistic scorecard)": (samples, challenger.threshold, len(challenger.variables))},
        params.cost, MasterScale(tuple(params.scale.bounds)), params.model_validation,
        params.evaluate.min_group_clients, params.evaluate.min_defaults)
    return {"summary": challenger.summary, "comparison": comparison, "points": points_table(challenger.scorecard)}


def _stability_inputs(params: Params, paths: Paths, predictor, details: dict) -> tuple[dict, dict]:
    """The development clients' top features (every labelled row) and the production clients' top features and
    PDs (application_test scored by the candidate)."""
    import pandas as pd

    features = predictor.bundle.features
    top = [r["feature"] for r in details["shap_importance"] if r["feature"] in features]
    top = top[: params.model_validation.csi_features]
    train = pd.read_parquet(paths.train_features, columns=top)
    test = pd.read_parquet(paths.test_features, columns=features)
    production = {name: test[name].to_numpy() for name in top}
    production["pd"] = predictor.predict_proba(test)[1]
    return {name: train[name].to_numpy() for name in top}, production


def _english_labels(paths: Paths) -> dict[str, str]:
    catalogue = json.loads((paths.feature_catalogue).read_text())
    return {f["name"]: f["description_en"] for f in catalogue["features"]}
