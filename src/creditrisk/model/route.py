"""The served model's route, written down once: which file or registry entry each step reads and writes.

    train     -> models/champion/{model.cbm, bundle.json, oof.parquet}          (DVC output)
    evaluate  -> reports/metrics.json, reports/evaluation_details.json (the holdout scored once)
    model_validation -> MLflow registry: model ``creditrisk-pd``, a new version; alias ``champion`` moves to it
                 only if no validation test is red and its holdout business cost is lower than the current
                 champion's (reports/registry.json, reports/validation_model/)
    publish   <- ``models:/creditrisk-pd@champion`` (never models/champion directly)
              -> models/serving/ (SERVING_FILES)                                   (DVC output)
              -> BentoML model store: ``creditrisk-pd``, a new version only when the directory's content changed
    service   <- ``creditrisk-pd:latest`` from the local BentoML store (``bentoml serve``, ``bentoml build``)
"""

from __future__ import annotations

REGISTERED_MODEL = "creditrisk-pd"  # MLflow registered model
CHAMPION_ALIAS = "champion"  # the alias publish serves
CHAMPION_URI = f"models:/{REGISTERED_MODEL}@{CHAMPION_ALIAS}"
BENTO_MODEL = "creditrisk-pd"  # BentoML model store entry imported by publish
BENTO_TAG = f"{BENTO_MODEL}:latest"  # what the service loads

OOF_FILE = "oof.parquet"  # models/champion: out-of-fold scores of the training rows (evaluation's OOF figures)
CHALLENGER_OOF_FILE = "oof.parquet"  # models/challenger: the challenger scorecard's out-of-fold PDs

# models/serving: besides the model and its bundle (creditrisk.model.bundle.MODEL_FILE / BUNDLE_FILE)
PRODUCTION = "production.parquet"  # model features of every production client (application_test)
APPLICATIONS = "applications.parquet"  # their raw application rows (what-if simulations start from them)
POPULATION = "population.parquet"  # their PD and decision (comparisons, browsing)
CATALOGUE = "catalogue.json"  # readable names of the model's features (EN/FR)
REPORTS = "reports.json"  # holdout metrics, global importance, drift summary (model page)
MONITORING_BINS = "monitoring_bins.json"  # how the traffic log counts the monitored features (training quantiles)
