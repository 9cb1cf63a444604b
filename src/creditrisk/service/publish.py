"""Publish the registered champion for serving: MLflow registry -> serving directory -> BentoML model store.

The serving directory (``models/serving``, a DVC output) holds everything the service needs and nothing it would
have to recompute: the champion model and its bundle (threshold, calibration, costs, features) exactly as
registered in MLflow, the review band and batch limit from params, the production clients' features, raw
application rows and PDs, readable feature names, and the report figures of the model page. It is then imported
into the local BentoML model store as ``creditrisk-pd`` (a new version only when its content changed), which is
what ``bentoml serve`` loads and ``bentoml build`` packs.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
from pathlib import Path

import numpy as np
import pandas as pd

from creditrisk.config import Params, Paths
from creditrisk.io import atomic_path
from creditrisk.model.pipeline import BUNDLE, MODEL  # the model bundle's file names, as training writes them
from creditrisk.service import scorer as files

log = logging.getLogger(__name__)

BENTO_MODEL = "creditrisk-pd"
_IMPORTANCE_TOP = 30


def load_champion(paths: Paths) -> tuple[object, dict, dict]:
    """(CatBoost model, bundle, registry facts) of the MLflow ``champion`` alias."""
    import mlflow
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    from creditrisk.model import tracking

    tracking.configure(paths.root)
    uri = f"models:/{tracking.REGISTERED_MODEL}@{tracking.CHAMPION}"
    try:
        version = MlflowClient().get_model_version_by_alias(tracking.REGISTERED_MODEL, tracking.CHAMPION)
    except MlflowException as error:
        raise FileNotFoundError(f"no champion in the MLflow registry of {paths.root.resolve() / 'mlflow.db'} "
                                f"({error}); run the train and evaluate stages first") from None
    model = mlflow.catboost.load_model(uri)
    bundle = mlflow.models.get_model_info(uri).metadata["bundle"]
    return model, bundle, {"registered_model": tracking.REGISTERED_MODEL, "model_version": int(version.version),
                           "run_id": version.run_id}


def _catalogue(paths: Paths, features: list[str]) -> dict[str, dict]:
    entries = {f["name"]: f for f in json.loads((paths.reports / "feature_catalogue.json").read_text())["features"]}
    missing = [f for f in features if f not in entries]
    if missing:
        raise ValueError(f"reports/feature_catalogue.json lacks the model features {missing[:5]}")
    keep = ("table", "aggregation", "description_en", "description_fr", "categorical")
    return {f: {k: entries[f][k] for k in keep} for f in features}


def _production_features(paths: Paths, features: list[str]) -> pd.DataFrame:
    path = paths.features / "test.parquet"
    frame = pd.read_parquet(path)
    missing = [f for f in features if f not in frame.columns]
    if missing:
        raise ValueError(f"{path}: the champion needs features {missing[:5]} that the feature stage did not write")
    return frame[[files.KEY, *features]]


def _report_figures(paths: Paths) -> dict:
    details = json.loads((paths.reports / "evaluation_details.json").read_text())
    drift_path = paths.reports / "drift" / "summary.json"
    drift = json.loads(drift_path.read_text()) if drift_path.exists() else None
    return {"holdout": json.loads((paths.reports / "metrics.json").read_text()),
            "global_importance": details["shap_importance"][:_IMPORTANCE_TOP],
            "drift": drift}


def write_serving_dir(target: Path, model, bundle: dict, production: pd.DataFrame, applications: Path,
                      catalogue: dict[str, dict], reports: dict) -> pd.DataFrame:
    """Write the serving directory atomically (the production PDs are computed here); returns the population."""
    from creditrisk.model.cost import decide
    from creditrisk.model.pipeline import predict_pd
    from creditrisk.model.training import Calibrator

    features = bundle["features"]
    _, pd_ = predict_pd(model, bundle, Calibrator.from_dict(bundle["calibration"]), production)
    decisions = decide(pd_, bundle["threshold"], bundle["serving"]["review_band"]).astype(str)
    population = production[[files.KEY, *[c for c in files.BROWSE if c in features]]].assign(pd=pd_,
                                                                                            decision=decisions)
    with atomic_path(target) as tmp:
        tmp.mkdir()
        model.save_model(str(tmp / MODEL))
        (tmp / BUNDLE).write_text(json.dumps({**bundle, "model_file": MODEL}, indent=1))
        production.to_parquet(tmp / files.PRODUCTION, index=False)
        shutil.copyfile(applications, tmp / files.APPLICATIONS)
        population.to_parquet(tmp / files.POPULATION, index=False)
        (tmp / files.CATALOGUE).write_text(json.dumps(catalogue, ensure_ascii=False, indent=1))
        (tmp / files.REPORTS).write_text(json.dumps(reports, ensure_ascii=False, indent=1))
    return population


def build_serving_dir(params: Params, paths: Paths, target: Path) -> dict:
    """The registered champion and this pipeline's production clients -> the serving directory."""
    model, bundle, registry = load_champion(paths)
    bundle = {**bundle, "serving": {**registry, "review_band": params.serve.review_band,
                                    "max_batch": params.serve.max_batch}}
    production = _production_features(paths, bundle["features"])
    population = write_serving_dir(target, model, bundle, production, paths.interim / "application_test.parquet",
                                   _catalogue(paths, bundle["features"]), _report_figures(paths))
    shares = {d: round(float(np.mean(population["decision"] == d)), 3) for d in ("accept", "review", "refuse")}
    log.info("serving directory %s: model version %s, %d production clients, decisions %s", target,
             registry["model_version"], len(production), shares)
    return bundle


def content_hash(directory: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(Path(directory).iterdir()):
        digest.update(path.name.encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:16]


def import_to_bentoml(directory: Path) -> str:
    """Import the serving directory into the BentoML model store (idempotent: same content, same model)."""
    import bentoml
    from bentoml.exceptions import NotFound

    digest = content_hash(directory)
    try:
        latest = bentoml.models.get(f"{BENTO_MODEL}:latest")
        if latest.info.labels.get("content_hash") == digest:
            log.info("BentoML model %s already holds this serving directory", latest.tag)
            return str(latest.tag)
    except NotFound:
        pass
    bundle = json.loads((Path(directory) / BUNDLE).read_text())
    labels = {"content_hash": digest, "registered_version": str(bundle["serving"]["model_version"]),
              "data_source": bundle["data_source"]}
    with bentoml.models.create(BENTO_MODEL, labels=labels, metadata={"threshold": bundle["threshold"]}) as model:
        for path in Path(directory).iterdir():
            shutil.copyfile(path, Path(model.path) / path.name)
    log.info("imported %s into the BentoML model store", model.tag)
    return str(model.tag)


def run_publish(params: Params, paths: Paths) -> dict:
    bundle = build_serving_dir(params, paths, paths.serving)
    tag = import_to_bentoml(paths.serving)
    return {"bento_model": tag, "model_version": bundle["serving"]["model_version"]}
