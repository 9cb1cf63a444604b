"""Stage publish: the MLflow champion + production clients -> models/serving -> the BentoML model store."""

from __future__ import annotations

import json
import logging

from creditrisk.artefacts.catalogue import (
    MONITORING_REFERENCE,
    SUMMARY_JSON,
    Paths,
    RegistryEntry,
)
from creditrisk.config import Params
from creditrisk.io import write_json
from creditrisk.stages.common import read_optional, split

log = logging.getLogger(__name__)


def run_publish(params: Params, paths: Paths) -> dict:
    """The registered champion and this pipeline's production clients -> models/serving -> BentoML model store.
    A champion that cannot serve this data (none passed the gate, or it was trained on other data) is a normal
    outcome: models/serving then holds only the reason (``NOT_PUBLISHED.txt``) and nothing is served."""
    import numpy as np
    import pandas as pd

    from creditrisk.artefacts import tracking
    from creditrisk.artefacts.bundle import ServingInfo
    from creditrisk.artefacts.predictor import Predictor
    from creditrisk.service import model_store

    tracking.configure(paths.root)
    champion = tracking.load_champion() if tracking.champion_record() else None
    reason = unservable(champion, params, paths)
    if reason:
        model_store.write_not_published(paths.serving, reason)
        write_json(paths.reports / MONITORING_REFERENCE, {"published": False, "reason": reason})
        log.warning("nothing is published: %s", reason)
        return {"published": False, "reason": reason}
    model, bundle, registry = champion
    bundle = bundle.with_serving(ServingInfo.from_params(params, registry))
    production = model_store.production_features(pd.read_parquet(paths.test_features), bundle.features,
                                              paths.test_features)
    catalogue = json.loads((paths.feature_catalogue).read_text())["features"]
    population = model_store.write_serving_dir(
        paths.serving, Predictor(model, bundle), production, paths.interim / "application_test.parquet",
        model_store.serving_catalogue(catalogue, bundle.features), _report_figures(paths),
        _monitoring_bins(params, paths, bundle.features), _challenger(registry["run_id"]))
    write_json(paths.reports / MONITORING_REFERENCE, _monitoring_reference(params, paths, Predictor(model, bundle)))
    shares = {d: round(float(np.mean(population["decision"] == d)), 3) for d in ("accept", "review", "refuse")}
    log.info("serving directory %s: model version %s, %d production clients, decisions %s", paths.serving,
             registry["model_version"], len(production), shares)
    return {"published": True, "bento_model": model_store.import_to_bentoml(paths.serving),
            "model_version": registry["model_version"]}


def unservable(champion: tuple | None, params: Params, paths: Paths) -> str | None:
    """Why the registry's champion cannot serve this run's production clients, or None when it can."""
    registry = RegistryEntry.read(paths.registry)
    verdict = (f"version {registry.version} of this run was not promoted ({'; '.join(registry.gate['reasons'])})"
               if registry and not registry.promoted else "")
    if champion is None:
        return (f"no model of this project's registry has passed the validation gate: {verdict or 'none was judged'}"
                "; read reports/validation_model/report.md")
    _, bundle, facts = champion
    if bundle.data_source != params.data.source:
        return (f"the champion, version {facts['model_version']}, was trained on {bundle.data_source} data and this "
                f"run is on {params.data.source} data; {verdict or 'no candidate of this data was promoted'}; read "
                "reports/validation_model/report.md")
    from creditrisk.features import feature_version

    if bundle.feature_version != feature_version():
        return (f"the champion, version {facts['model_version']}, was trained on another version of the feature "
                f"builder ({bundle.feature_version}, now {feature_version()}); "
                f"{verdict or 'no candidate of this builder was promoted'}")
    missing = [f for f in bundle.features if f not in production_columns(paths)]
    if missing:
        return (f"the champion, version {facts['model_version']}, reads features this run's data lacks (e.g. "
                f"{missing[0]}); {verdict or 'no candidate of this data was promoted'}")
    return None


def production_columns(paths: Paths) -> set[str]:
    """The columns of this run's production feature file."""
    import pyarrow.parquet as pq

    return set(pq.read_schema(paths.test_features).names)


def _challenger(run_id: str):
    """The champion run's challenger scorecard (shadow scoring), or None for a run that has none."""
    import tempfile
    from pathlib import Path

    from creditrisk.artefacts import tracking
    from creditrisk.artefacts.catalogue import SCORECARD_FILE, SCORECARD_META
    from creditrisk.model.scorecard import Challenger

    with tempfile.TemporaryDirectory() as tmp:
        folder = tracking.download_run_files(run_id, [SCORECARD_FILE, SCORECARD_META], Path(tmp))
        return Challenger.read(folder) if folder else None


def _monitoring_reference(params: Params, paths: Paths, predictor) -> dict:
    """What the monitor compares the served traffic with (reports/monitoring_reference.json, in git so that the
    scheduled job has it): the development clients' PD bands and automatic-acceptance share (the holdout, scored
    by the served model: never trained on), the threshold, costs and grade bounds, the development AUC."""
    import numpy as np

    from creditrisk.model.cost import decide
    from creditrisk.monitoring.traffic import PD_EDGES, count_numbers

    bundle = predictor.bundle
    _, holdout = split(params, paths)
    _, pd_ = predictor.predict_proba(holdout.x)
    decisions = decide(pd_, bundle.threshold, bundle.served.review_band)
    metrics = json.loads((paths.metrics).read_text())
    return {"model_version": bundle.served.model_version, "clients": len(pd_),
            "pd": {"edges": list(PD_EDGES), "counts": count_numbers(list(pd_), PD_EDGES).tolist()},
            "accept_share": float(np.mean(decisions == "accept")), "threshold": bundle.threshold,
            "review_band": bundle.served.review_band, "costs": vars(bundle.costs),
            "grade_bounds": list(bundle.served.grade_bounds), "development_auc": metrics["auc"]}


def _monitoring_bins(params: Params, paths: Paths, features: list[str]):
    """How the traffic log counts the model's most important features: quantiles of the training features."""
    import pandas as pd

    from creditrisk.monitoring.drift import top_model_features
    from creditrisk.monitoring.traffic import Bins

    top = top_model_features(paths.evaluation_details, params.drift.top_features)
    columns = [c for c in top if c in features]
    return Bins.from_training(pd.read_parquet(paths.train_features, columns=columns), columns)


def _report_figures(paths: Paths) -> dict:
    """What the service's model page shows: holdout metrics, the top of the global importance, the drift summary."""
    details = json.loads((paths.evaluation_details).read_text())
    return {"holdout": json.loads((paths.metrics).read_text()),
            "global_importance": details["shap_importance"][:30],
            "drift": read_optional(paths.drift / SUMMARY_JSON)}
