"""Every folder and file name of the project in one place, and typed readers for the two files many rooms read.

The served model's route, written down once: which file or registry entry each step reads and writes.

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

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from creditrisk.errors import ConfigError

DATA_SOURCES = ("synthetic", "raw")

# MLflow registry and BentoML model store
REGISTERED_MODEL = "creditrisk-pd"  # MLflow registered model
CHAMPION_ALIAS = "champion"  # the alias publish serves
CHAMPION_URI = f"models:/{REGISTERED_MODEL}@{CHAMPION_ALIAS}"
BENTO_MODEL = "creditrisk-pd"  # BentoML model store entry imported by publish
BENTO_TAG = f"{BENTO_MODEL}:latest"  # what the service loads

# data/interim (ingest)
MANIFEST = "manifest.json"  # which tables were ingested, their rows and hashes

# data/features (features)
TRAIN_FEATURES, TEST_FEATURES = "train.parquet", "test.parquet"

# models/tuning (tune)
BEST_PARAMS, STUDY = "best_params.json", "study.journal"

# a model directory (models/champion, models/serving, an MLflow run's artefacts)
MODEL_FILE = "model.cbm"  # the CatBoost model (a bag of seeds)
BUNDLE_FILE = "bundle.json"  # its companions (creditrisk.artefacts.bundle.Bundle)
OOF_FILE = "oof.parquet"  # models/champion: out-of-fold scores of the training rows (evaluation's OOF figures)
SCORECARD_FILE, SCORECARD_META = "scorecard.pkl", "scorecard.json"  # the challenger (models/challenger, serving)
CHALLENGER_OOF_FILE = "oof.parquet"  # models/challenger: the challenger scorecard's out-of-fold PDs

# models/serving (publish), besides the model, its bundle and the scorecard
PRODUCTION = "production.parquet"  # model features of every production client (application_test)
APPLICATIONS = "applications.parquet"  # their raw application rows (what-if simulations start from them)
POPULATION = "population.parquet"  # their PD and decision (comparisons, browsing)
SERVING_CATALOGUE = "catalogue.json"  # readable names of the model's features (EN/FR)
REPORTS = "reports.json"  # holdout metrics, global importance, drift summary (model page)
MONITORING_BINS = "monitoring_bins.json"  # how the traffic log counts the monitored features (training quantiles)
MONITORING_REFERENCE = "monitoring_reference.json"  # the holdout's PD counts the production monitor compares with

# reports/
FEATURE_CATALOGUE = "feature_catalogue.json"
DATA_SUMMARY = "data_summary.json"
SYNTHETIC_METRICS = "synthetic_metrics.json"  # fidelity's figures of the synthetic data
SYNTHETIC_FIDELITY = "synthetic_fidelity"  # + .json / .md
TUNING = "tuning.json"
MODEL_SELECTION = "model_selection.json"  # train
MODEL_COMPARISON = "model_comparison.json"  # compare
METRICS = "metrics.json"  # evaluate: the holdout's figures
EVALUATION_DETAILS = "evaluation_details.json"  # evaluate
EVALUATION_PLOT, RELIABILITY_PLOT = "evaluation.png", "reliability.png"  # and their French twins for docs/:
EVALUATION_PLOT_FR, RELIABILITY_PLOT_FR = "evaluation_fr.png", "reliability_fr.png"  # reporting/plots.py
REGISTRY = "registry.json"  # model_validation: the gate's verdict
REGISTERED = "registered.json"  # models/: what model_validation put in this checkout's MLflow registry
MODEL_CARD = "model_card.md"
TECHNICAL_DOCUMENTATION = "technical_documentation.md"
# reports/validation (validate), reports/validation_model (model_validation), reports/drift (drift)
SUMMARY_JSON, SUMMARY_MD = "summary.json", "summary.md"
RESULTS = "results.json"
REPORT_JSON, REPORT_MD, LIGHTS = "report.json", "report.md", "lights.json"
DRIFT_METRICS = "metrics.json"  # reports/drift: the drift figures DVC tracks as metrics
DRIFT_HTML = "data_drift.html"

# docs/ (docs)
METHODOLOGY, PRESENTATION = "methodology.md", "presentation.md"


@dataclass(frozen=True)
class HoldoutMetrics:
    """``reports/metrics.json``: the holdout scored once by evaluate. The headline figures are typed; every other
    figure (intervals, baselines, oracle) stays in ``values`` under its name."""

    auc: float
    business_cost_per_client: float
    threshold: float
    approval_rate: float
    holdout_rows: int
    holdout_defaults: int
    enough_data: bool
    values: Mapping[str, float | int | bool] = field(repr=False)

    @classmethod
    def read(cls, path: Path) -> HoldoutMetrics:
        values = json.loads(Path(path).read_text())
        return cls(float(values["auc"]), float(values["business_cost_per_client"]), float(values["threshold"]),
                   float(values["approval_rate"]), int(values["holdout_rows"]), int(values["holdout_defaults"]),
                   bool(values.get("enough_data", True)), values)


@dataclass(frozen=True)
class RegistryEntry:
    """``reports/registry.json``: the version this run registered and what the gate decided."""

    registered_model: str
    version: int
    promoted: bool
    holdout_auc: float
    holdout_cost_per_client: float
    gate: Mapping = field(repr=False)  # mode, reasons, red tests, sign-off
    served_version: int | None = None  # the version served for it: its refit on every labelled row, if promoted

    @classmethod
    def read(cls, path: Path) -> RegistryEntry | None:
        """The entry, or None when no run has judged a candidate yet."""
        if not Path(path).exists():
            return None
        values = json.loads(Path(path).read_text())
        return cls(values["registered_model"], int(values["version"]), bool(values["promoted"]),
                   float(values["holdout_auc"]), float(values["holdout_cost_per_client"]), values["gate"],
                   values.get("served_version"))


@dataclass(frozen=True)
class Paths:
    """Every file location of the pipeline, relative to the project root (dvc.yaml declares the same ones)."""

    root: Path = Path(".")

    @property
    def raw(self) -> Path:  # where a user drops the real Kaggle CSVs; never written by the project
        return self.root / "data" / "raw"

    @property
    def synthetic(self) -> Path:
        return self.root / "data" / "synthetic"

    @property
    def oracle(self) -> Path:  # the true PD of synthetic applicants: read by evaluation only, never by training
        return self.root / "data" / "oracle"

    @property
    def interim(self) -> Path:  # typed parquet tables written by the ingest stage
        return self.root / "data" / "interim"

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    @property
    def validation_reports(self) -> Path:
        return self.reports / "validation"

    @property
    def features(self) -> Path:
        return self.root / "data" / "features"

    @property
    def tuning(self) -> Path:  # the Optuna journal (persisted, resumable) and the best parameters
        return self.root / "models" / "tuning"

    @property
    def model(self) -> Path:  # the trained model bundle (DVC output; MLflow registry copy comes later)
        return self.root / "models" / "champion"

    @property
    def challenger(self) -> Path:  # the compare stage's challenger scorecard (DVC output)
        return self.root / "models" / "challenger"

    @property
    def serving(self) -> Path:  # the published champion + production clients, imported into the BentoML store
        return self.root / "models" / "serving"

    @property
    def traffic(self) -> Path:  # what the service scored (production drift); CREDITRISK_TRAFFIC_DIR overrides
        return self.root / "data" / "traffic"

    @property
    def portfolio(self) -> Path:  # `creditrisk bucket` and `creditrisk score-portfolio` (buckets/, scores/)
        return self.root / "data" / "portfolio"

    # files that several rooms read (the rest: the names below, joined to these folders)
    @property
    def train_features(self) -> Path:
        return self.features / TRAIN_FEATURES

    @property
    def test_features(self) -> Path:
        return self.features / TEST_FEATURES

    @property
    def feature_catalogue(self) -> Path:  # every feature of the builder with its description (features stage)
        return self.reports / FEATURE_CATALOGUE

    @property
    def data_summary(self) -> Path:  # files present, rows, default rate (features stage; every document reads it)
        return self.reports / DATA_SUMMARY

    @property
    def metrics(self) -> Path:  # the holdout's figures (evaluate): read with ``HoldoutMetrics.read``
        return self.reports / METRICS

    @property
    def evaluation_details(self) -> Path:  # the holdout's curves, importance, fairness (evaluate)
        return self.reports / EVALUATION_DETAILS

    @property
    def registry(self) -> Path:  # what the gate decided for this run (model_validation): ``RegistryEntry.read``
        return self.reports / REGISTRY

    @property
    def registered(self) -> Path:
        """The version model_validation registered in this checkout's MLflow registry (mlflow.db is not in git):
        a DVC output outside git, so that a fresh clone, whose registry is empty, registers again instead of
        skipping the stage on inputs that repeat byte for byte."""
        return self.root / "models" / REGISTERED

    @property
    def model_validation(self) -> Path:  # the validation battery's report folder (model_validation)
        return self.reports / "validation_model"

    @property
    def drift(self) -> Path:  # the drift report folder (drift)
        return self.reports / "drift"

    def source_dir(self, source: str) -> Path:
        if source not in DATA_SOURCES:
            raise ConfigError(f"params.yaml data.source = {source!r}; expected one of {', '.join(DATA_SOURCES)}")
        return self.root / "data" / source
