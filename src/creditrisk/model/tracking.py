"""MLflow tracking and registry: sqlite backend in the project (mlflow.db), artefacts beside it (mlartifacts/).

The registered model ``creditrisk-pd`` carries the alias ``champion``; a new version takes it only if its holdout
business cost is lower than the current champion's. The bundle (threshold, feature list, categorical columns,
calibration, costs) is stored with the model, so the service can never disagree with training.
"""

from __future__ import annotations

import logging
from pathlib import Path

from creditrisk.errors import MissingInput
from creditrisk.model.bundle import Bundle
from creditrisk.model.route import CHAMPION_ALIAS, CHAMPION_URI, REGISTERED_MODEL

log = logging.getLogger(__name__)

EXPERIMENT = "credit-scoring"
COST_TAG = "holdout_cost_per_client"


def configure(root: Path) -> None:
    """Point MLflow at the project's sqlite store (never the deprecated file store) and its experiment."""
    import mlflow

    root = Path(root).resolve()
    mlflow.set_tracking_uri(f"sqlite:///{root / 'mlflow.db'}")
    if mlflow.get_experiment_by_name(EXPERIMENT) is None:
        mlflow.create_experiment(EXPERIMENT, artifact_location=(root / "mlartifacts").as_uri())
    mlflow.set_experiment(EXPERIMENT)


def log_tuning(study_report: dict) -> str:
    """One parent run for the study, one child run per trial (parameters, CV cost and AUC, state)."""
    import mlflow

    with mlflow.start_run(run_name="tune") as parent:
        mlflow.log_params({f"best_{k}": v for k, v in study_report["best_params"].items()})
        mlflow.log_metric("best_cv_cost_per_client", study_report["best_cost_per_client"])
        mlflow.set_tag("study", study_report["study"])
        for trial in study_report["trials"]:
            with mlflow.start_run(run_name=f"trial-{trial['number']}", nested=True):
                mlflow.log_params(trial["params"])
                mlflow.set_tag("state", trial["state"])
                if trial["state"] == "COMPLETE":
                    mlflow.log_metrics({"cv_cost_per_client": trial["cost_per_client"], "cv_auc": trial["cv_auc"]})
        return parent.info.run_id


def should_promote(new_cost: float, champion_cost: float | None) -> bool:
    """Lower holdout business cost wins; without a champion the first model is promoted; ties keep the champion."""
    return champion_cost is None or new_cost < champion_cost


def champion_cost() -> tuple[int | None, float | None]:
    """(version, holdout cost) of the current champion, or (None, None)."""
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    client = MlflowClient()
    try:
        version = client.get_model_version_by_alias(REGISTERED_MODEL, CHAMPION_ALIAS)
    except MlflowException:
        return None, None
    cost = version.tags.get(COST_TAG)
    return int(version.version), (float(cost) if cost is not None else None)


def log_champion_run(model, bundle: Bundle, metrics: dict, x_example, artifacts: list[Path]) -> dict:
    """Final run: parameters, CV and holdout metrics, plots, the model; registered and promoted if better."""
    import catboost
    import mlflow
    import numpy as np
    import pandas as pd
    from mlflow import MlflowClient
    from mlflow.models import infer_signature

    params = {f"catboost_{k}": v for k, v in bundle.catboost.items()}
    params |= {"imbalance_strategy": bundle.imbalance_strategy, "threshold": bundle.threshold,
               "fn_cost": bundle.costs.fn_cost, "fp_cost": bundle.costs.fp_cost,
               "n_features": len(bundle.features), "train_rows": bundle.train_rows}
    example = x_example[bundle.features].head(5)
    signature = infer_signature(example, model.predict_proba(example)[:, 1])
    requirements = [f"catboost=={catboost.__version__}", f"pandas=={pd.__version__}", f"numpy=={np.__version__}",
                    f"mlflow=={mlflow.__version__}"]
    with mlflow.start_run(run_name="champion-candidate") as run:
        mlflow.log_params(params)
        mlflow.log_metrics({f"cv_{k}": v for k, v in vars(bundle.cv).items() if isinstance(v, int | float)})
        mlflow.log_metrics({f"holdout_{k}": float(v) for k, v in metrics.items() if isinstance(v, int | float)})
        for path in artifacts:
            if Path(path).exists():
                mlflow.log_artifact(str(path))
        info = mlflow.catboost.log_model(model, name="model", signature=signature, input_example=example,
                                         pip_requirements=requirements, metadata={"bundle": bundle.to_dict()})
        mlflow.log_dict(bundle.to_dict(), "model_bundle/bundle.json")
    version = mlflow.register_model(info.model_uri, REGISTERED_MODEL)
    client = MlflowClient()
    cost = float(metrics["business_cost_per_client"])
    client.set_model_version_tag(REGISTERED_MODEL, version.version, COST_TAG, str(cost))
    current_version, current_cost = champion_cost()
    promoted = should_promote(cost, current_cost)
    if promoted:
        client.set_registered_model_alias(REGISTERED_MODEL, CHAMPION_ALIAS, version.version)
    log.info("registered %s version %s (holdout cost %.4f); champion %s", REGISTERED_MODEL, version.version, cost,
             f"is now version {version.version}" if promoted else f"stays version {current_version} ({current_cost})")
    return {"run_id": run.info.run_id, "registered_model": REGISTERED_MODEL, "version": int(version.version),
            "holdout_cost_per_client": cost, "promoted": promoted,
            "previous_champion": {"version": current_version, "holdout_cost_per_client": current_cost}}


def load_champion() -> tuple[object, Bundle, dict]:
    """(CatBoost model, bundle, registry facts) of the registered model's ``champion`` alias."""
    import mlflow
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    try:
        version = MlflowClient().get_model_version_by_alias(REGISTERED_MODEL, CHAMPION_ALIAS)
    except MlflowException as error:
        raise MissingInput(f"no {CHAMPION_URI} in the MLflow registry at {mlflow.get_tracking_uri()} ({error}); "
                           "run the train and evaluate stages first") from None
    model = mlflow.catboost.load_model(CHAMPION_URI)
    bundle = Bundle.from_dict(mlflow.models.get_model_info(CHAMPION_URI).metadata["bundle"])
    return model, bundle, {"registered_model": REGISTERED_MODEL, "model_version": int(version.version),
                           "run_id": version.run_id}
