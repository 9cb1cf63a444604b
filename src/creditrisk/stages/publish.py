"""Stage publish: the MLflow champion + production clients -> models/serving -> the BentoML model store."""

from __future__ import annotations

import json
import logging

from creditrisk.config import Params, Paths
from creditrisk.io import write_json
from creditrisk.stages.common import CATALOGUE, TEST_FEATURES, read_optional, split

MONITORING_REFERENCE = "monitoring_reference.json"  # in reports/: read by `creditrisk monitor`

log = logging.getLogger(__name__)


def run_publish(params: Params, paths: Paths) -> dict:
    """The registered champion and this pipeline's production clients -> models/serving -> BentoML model store."""
    import numpy as np
    import pandas as pd

    from creditrisk.model import tracking
    from creditrisk.model.bundle import ServingInfo
    from creditrisk.model.predictor import Predictor
    from creditrisk.service import publish

    tracking.configure(paths.root)
    model, bundle, registry = tracking.load_champion()
    bundle = bundle.with_serving(ServingInfo.from_params(params, registry))
    production = publish.production_features(pd.read_parquet(paths.features / TEST_FEATURES), bundle.features,
                                              paths.features / TEST_FEATURES)
    catalogue = json.loads((paths.reports / CATALOGUE).read_text())["features"]
    population = publish.write_serving_dir(
        paths.serving, Predictor(model, bundle), production, paths.interim / "application_test.parquet",
        publish.serving_catalogue(catalogue, bundle.features), _report_figures(paths),
        _monitoring_bins(params, paths, bundle.features), _challenger(registry["run_id"]))
    write_json(paths.reports / MONITORING_REFERENCE, _monitoring_reference(params, paths, Predictor(model, bundle)))
    shares = {d: round(float(np.mean(population["decision"] == d)), 3) for d in ("accept", "review", "refuse")}
    log.info("serving directory %s: model version %s, %d production clients, decisions %s", paths.serving,
             registry["model_version"], len(production), shares)
    return {"bento_model": publish.import_to_bentoml(paths.serving), "model_version": registry["model_version"]}


def _challenger(run_id: str):
    """The champion run's challenger scorecard (shadow scoring), or None for a run that has none."""
    import tempfile
    from pathlib import Path

    from creditrisk.model import tracking
    from creditrisk.model.scorecard import SCORECARD_FILE, SCORECARD_META, Challenger

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
    metrics = json.loads((paths.reports / "metrics.json").read_text())
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

    top = top_model_features(paths.reports / "evaluation_details.json", params.drift.top_features)
    columns = [c for c in top if c in features]
    return Bins.from_training(pd.read_parquet(paths.features / "train.parquet", columns=columns), columns)


def _report_figures(paths: Paths) -> dict:
    """What the service's model page shows: holdout metrics, the top of the global importance, the drift summary."""
    details = json.loads((paths.reports / "evaluation_details.json").read_text())
    return {"holdout": json.loads((paths.reports / "metrics.json").read_text()),
            "global_importance": details["shap_importance"][:30],
            "drift": read_optional(paths.reports / "drift" / "summary.json")}
