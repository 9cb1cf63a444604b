"""Stage model_validation: the candidate registered, validated test by test, promoted by the gate or not."""

from __future__ import annotations

import json
import logging

from creditrisk.config import Params, Paths
from creditrisk.io import write_json, write_text
from creditrisk.model.scorecard import SCORECARD_FILE, SCORECARD_META
from creditrisk.stages.common import CATALOGUE, TEST_FEATURES, TRAIN_FEATURES, read_optional, split

log = logging.getLogger(__name__)

REPORT_DIR = "validation_model"


def run_model_validation(params: Params, paths: Paths) -> dict:
    """Register the candidate; test it on the holdout, out-of-fold and production clients; let the gate decide;
    write reports/validation_model/, reports/registry.json and the model card."""
    import polars as pl

    from creditrisk.model import tracking
    from creditrisk.model.card import render_model_card
    from creditrisk.model.plots import write_reliability_plot
    from creditrisk.model.predictor import Predictor
    from creditrisk.model.route import OOF_FILE
    from creditrisk.model.scale import MasterScale
    from creditrisk.model.validation import Sample, promotion_gate, render_report, validation_report

    predictor = Predictor.from_dir(paths.model)
    _, holdout = split(params, paths)
    metrics = json.loads((paths.reports / "metrics.json").read_text())
    details = json.loads((paths.reports / "evaluation_details.json").read_text())
    tracking.configure(paths.root)
    champion = _champion(tracking.champion_record(), holdout.x)
    registry = tracking.register_candidate(predictor.model, predictor.bundle, metrics, holdout.x, [
        paths.reports / "metrics.json", paths.reports / "model_selection.json",
        paths.reports / "plots" / "evaluation.png", paths.reports / "evaluation_details.json",
        paths.model / SCORECARD_FILE, paths.model / SCORECARD_META])
    oof = pl.read_parquet(paths.model / OOF_FILE)
    holdout_sample = Sample("holdout", holdout.y, predictor.predict_proba(holdout.x)[1])
    oof_sample = Sample("out-of-fold", oof["TARGET"].to_numpy(), oof["pd"].to_numpy())
    development, production = _stability_inputs(params, paths, predictor, details)
    report = validation_report(
        holdout_sample, oof_sample, MasterScale(tuple(params.scale.bounds)), details["master_scale"]["checks"],
        params.model_validation, params.evaluate.min_group_clients, params.evaluate.min_defaults, holdout_sample.pd,
        production.pop("pd"),
        development, production, champion)
    report["challenger"] = _challenger(params, paths, holdout, (holdout_sample, oof_sample), oof, predictor)
    gate = promotion_gate(report["tests"], registry["holdout_cost_per_client"], champion, registry["version"],
                          params.model_validation.gate)
    tracking.record_gate(registry["version"], gate)
    registry |= {"promoted": gate["promote"], "gate": gate,
                 "previous_champion": {"version": champion.version if champion else None,
                                       "holdout_cost_per_client": champion.cost if champion else None},
                 "history": tracking.version_history()}
    out = paths.reports / REPORT_DIR
    write_json(out / "report.json", report | {"gate": gate})
    write_json(out / "lights.json", report["lights"] | {"promoted": gate["promote"]})
    write_text(out / "report.md", render_report(report, gate, metrics["enough_data"]))
    write_reliability_plot(out / "reliability.png", [holdout_sample, oof_sample])
    write_json(paths.reports / "registry.json", registry)
    write_text(paths.reports / "model_card.md", render_model_card(
        metrics, json.loads((paths.reports / "model_selection.json").read_text()),
        read_optional(paths.reports / "tuning.json"), predictor.bundle, details["fairness"],
        details["shap_importance"], _english_labels(paths), registry, details["reason_concepts"],
        details["master_scale"], report))
    log.info("validation: %s; %s", report["lights"], "promoted" if gate["promote"] else
             "not promoted: " + "; ".join(gate["reasons"]))
    return {"lights": report["lights"], "promoted": gate["promote"], "version": registry["version"],
            "red": gate["red_tests"]}


def _champion(record: dict | None, holdout_x):
    """The current champion with its PDs on this holdout (none when it reads features the holdout lacks)."""
    from creditrisk.model import tracking
    from creditrisk.model.predictor import Predictor
    from creditrisk.model.validation import Champion

    if record is None:
        return None
    model, bundle, _ = tracking.load_champion()
    missing = set(bundle.features) - set(holdout_x.columns)
    holdout_pd = None if missing else Predictor(model, bundle).predict_proba(holdout_x)[1]
    if missing:
        log.warning("champion version %s reads %d features this data lacks (e.g. %s): no grade migration",
                    record["version"], len(missing), sorted(missing)[0])
    return Champion(record["version"], record["auc"], record["cost"], holdout_pd)


def _challenger(params: Params, paths: Paths, holdout, champion_samples: tuple, oof, predictor) -> dict:
    """The scorecard judged like the champion, beside it; and its points table."""
    from creditrisk.model.scale import MasterScale
    from creditrisk.model.scorecard import Challenger, points_table
    from creditrisk.model.validation import Sample, challenger_comparison

    challenger = Challenger.read(paths.model)
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
    train = pd.read_parquet(paths.features / TRAIN_FEATURES, columns=top)
    test = pd.read_parquet(paths.features / TEST_FEATURES, columns=features)
    production = {name: test[name].to_numpy() for name in top}
    production["pd"] = predictor.predict_proba(test)[1]
    return {name: train[name].to_numpy() for name in top}, production


def _english_labels(paths: Paths) -> dict[str, str]:
    catalogue = json.loads((paths.reports / CATALOGUE).read_text())
    return {f["name"]: f["description_en"] for f in catalogue["features"]}
