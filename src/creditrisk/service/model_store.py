"""Publish the registered champion for serving: the serving directory and its import into the BentoML store.

The serving directory (``models/serving``, a DVC output; its files are listed in ``creditrisk.artefacts.catalogue``)
holds everything the service needs and nothing it would have to recompute: the champion model and its bundle
exactly as registered in MLflow plus the serving facts, the production clients' features, raw application rows
and PDs, readable feature names, and the report figures of the model page. It is imported into the local BentoML
model store (a new version only when its content changed), which is what ``bentoml serve`` loads and
``bentoml build`` packs. The publish stage (``creditrisk.stages.publish``) wires these steps.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
from pathlib import Path

import pandas as pd

from creditrisk.artefacts import catalogue as files
from creditrisk.artefacts.bundle import Bundle
from creditrisk.artefacts.predictor import Predictor
from creditrisk.data.schema import KEY
from creditrisk.errors import MissingInput
from creditrisk.io import atomic_path
from creditrisk.model.scorecard import Challenger
from creditrisk.monitoring.traffic import Bins

log = logging.getLogger(__name__)

BROWSE = ("NAME_CONTRACT_TYPE", "AMT_INCOME_TOTAL", "AMT_CREDIT", "AGE_YEARS", "CODE_GENDER")  # portfolio filters
_CATALOGUE_FIELDS = ("table", "aggregation", "description_en", "description_fr", "categorical")


def serving_catalogue(entries: list[dict], features: list[str]) -> dict[str, dict]:
    """The feature catalogue's readable names of the model's features."""
    by_name = {f["name"]: f for f in entries}
    missing = [f for f in features if f not in by_name]
    if missing:
        raise MissingInput(f"reports/feature_catalogue.json lacks the model features {missing[:5]}: re-run the "
                           "features stage")
    return {f: {k: by_name[f][k] for k in _CATALOGUE_FIELDS} for f in features}


def production_features(frame: pd.DataFrame, features: list[str], path: Path) -> pd.DataFrame:
    """The production clients' id and model features, in the model's order."""
    missing = [f for f in features if f not in frame.columns]
    if missing:
        raise MissingInput(f"{path}: the champion needs features {missing[:5]} that the features stage did not "
                           "write (re-run it)")
    return frame[[KEY, *features]]


def write_serving_dir(target: Path, predictor: Predictor, production: pd.DataFrame, applications: Path,
                      catalogue: dict[str, dict], reports: dict, bins: Bins | None = None,
                      challenger: Challenger | None = None) -> pd.DataFrame:
    """Write the serving directory atomically (the production PDs are computed here); returns the population.
    The challenger scorecard, when given, is scored in shadow by the service."""
    from creditrisk.model.cost import decide

    bundle = predictor.bundle
    _, pd_ = predictor.predict_proba(production)
    decisions = decide(pd_, bundle.threshold, bundle.served.review_band).astype(str)
    browse = [c for c in BROWSE if c in bundle.features]
    population = production[[KEY, *browse]].assign(pd=pd_, decision=decisions)
    with atomic_path(target) as tmp:
        tmp.mkdir()
        predictor.save(tmp)
        production.to_parquet(tmp / files.PRODUCTION, index=False)
        shutil.copyfile(applications, tmp / files.APPLICATIONS)
        population.to_parquet(tmp / files.POPULATION, index=False)
        (tmp / files.SERVING_CATALOGUE).write_text(json.dumps(catalogue, ensure_ascii=False, indent=1))
        (tmp / files.REPORTS).write_text(json.dumps(reports, ensure_ascii=False, indent=1))
        (bins or Bins({})).write(tmp / files.MONITORING_BINS)
        if challenger is not None:
            challenger.save(tmp)
    return population


NOT_PUBLISHED = "NOT_PUBLISHED.txt"  # models/serving when no model can serve this run's data


def write_not_published(target: Path, reason: str) -> None:
    """models/serving holding only why nothing is served (the service refuses to start on it)."""
    with atomic_path(target) as tmp:
        tmp.mkdir()
        (tmp / NOT_PUBLISHED).write_text(f"Nothing is published: {reason}.\n")


def not_published(directory: Path) -> str | None:
    """The reason written by ``write_not_published``, or None for a published serving directory."""
    note = Path(directory) / NOT_PUBLISHED
    return note.read_text().strip() if note.exists() else None


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
        latest = bentoml.models.get(files.BENTO_TAG)
        if latest.info.labels.get("content_hash") == digest:
            log.info("BentoML model %s already holds this serving directory", latest.tag)
            return str(latest.tag)
    except NotFound:
        pass
    bundle = Bundle.read(directory)
    labels = {"content_hash": digest, "registered_version": str(bundle.served.model_version),
              "data_source": bundle.data_source}
    with bentoml.models.create(files.BENTO_MODEL, labels=labels, metadata={"threshold": bundle.threshold}) as model:
        for path in Path(directory).iterdir():
            shutil.copyfile(path, Path(model.path) / path.name)
    log.info("imported %s into the BentoML model store", model.tag)
    return str(model.tag)
