"""MLflow tracking and registry: sqlite backend in the project (mlflow.db), artefacts beside it (mlartifacts/), or a
tracking server named by $MLFLOW_TRACKING_URI (artefacts proxied by the server).

Every candidate is registered as a version of ``creditrisk-pd``; the alias ``champion`` moves to it only through
the validation gate (no red test, holdout business cost lower than the current champion's), whose verdict the
version's tags record. The bundle (threshold, feature list, categorical columns,
calibration, costs) is stored with the model, so the service can never disagree with training.
"""

from __future__ import annotations

import logging
from pathlib import Path

from creditrisk.artefacts.bundle import Bundle
from creditrisk.artefacts.catalogue import CHAMPION_ALIAS, CHAMPION_URI, REGISTERED_MODEL
from creditrisk.errors import MissingInput

log = logging.getLogger(__name__)

EXPERIMENT = "credit-scoring"
COST_TAG = "holdout_cost_per_client"
AUC_TAG = "holdout_auc"


def configure(root: Path) -> None:
    """Point MLflow at $MLFLOW_TRACKING_URI (a team's tracking server) or, by default, the project's sqlite store
    (never the deprecated file store), and at the experiment. With the default store the artefacts go to
    mlartifacts/ beside it; with a server the experiment gets no client-side location, so the server stores
    them (``--serve-artifacts``), not each client's disk."""
    import os

    import mlflow

    root = Path(root).resolve()
    server = os.environ.get("MLFLOW_TRACKING_URI")
    mlflow.set_tracking_uri(server or f"sqlite:///{root / 'mlflow.db'}")
    if mlflow.get_experiment_by_name(EXPERIMENT) is None:
        location = None if server else (root / "mlartifacts").as_uri()
        mlflow.create_experiment(EXPERIMENT, artifact_location=location)
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


def champion_record() -> dict | None:
    """The current champion's version, run, holdout cost and holdout AUC (from its tags), or None."""
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    try:
        version = MlflowClient().get_model_version_by_alias(REGISTERED_MODEL, CHAMPION_ALIAS)
    except MlflowException:
        return None
    tags = version.tags
    return {"version": int(version.version), "run_id": version.run_id,
            "cost": float(tags[COST_TAG]) if COST_TAG in tags else None,
            "auc": float(tags[AUC_TAG]) if AUC_TAG in tags else None}


def register_candidate(model, bundle: Bundle, metrics: dict, x_example, artifacts: list[Path]) -> dict:
    """The candidate's run (parameters, CV and holdout metrics, plots, the model) and its registered version,
    tagged with its holdout cost and AUC. Registering does not promote: the validation gate does."""
    import mlflow
    from mlflow import MlflowClient

    params = {f"catboost_{k}": v for k, v in bundle.catboost.items()}
    params |= {"imbalance_strategy": bundle.imbalance_strategy, "threshold": bundle.threshold,
               "fn_cost": bundle.costs.fn_cost, "fp_cost": bundle.costs.fp_cost,
               "n_features": len(bundle.features), "train_rows": bundle.train_rows, "bag": bundle.bag}
    with mlflow.start_run(run_name="champion-candidate"):
        mlflow.log_params(params)
        mlflow.log_metrics({f"cv_{k}": v for k, v in vars(bundle.cv).items() if isinstance(v, int | float)})
        mlflow.log_metrics({f"holdout_{k}": float(v) for k, v in metrics.items() if isinstance(v, int | float)})
        for path in artifacts:
            if Path(path).exists():
                mlflow.log_artifact(str(path))
        info = _log_model(model, bundle, x_example)
    version = mlflow.register_model(info.model_uri, REGISTERED_MODEL)
    client = MlflowClient()
    cost, auc = float(metrics["business_cost_per_client"]), float(metrics["auc"])
    client.set_model_version_tag(REGISTERED_MODEL, version.version, COST_TAG, str(cost))
    client.set_model_version_tag(REGISTERED_MODEL, version.version, AUC_TAG, str(auc))
    return {"registered_model": REGISTERED_MODEL, "version": int(version.version),
            "holdout_cost_per_client": cost, "holdout_auc": auc}


def _log_model(model, bundle: Bundle, x_example):
    """The CatBoost model in the active run, with its signature, an input example, explicit requirements (no
    inference: it costs seconds) and the bundle as metadata."""
    import catboost
    import mlflow
    import numpy as np
    import pandas as pd
    from mlflow.models import infer_signature

    example = x_example[bundle.features].head(5)
    requirements = [f"catboost=={catboost.__version__}", f"pandas=={pd.__version__}", f"numpy=={np.__version__}",
                    f"mlflow=={mlflow.__version__}"]
    info = mlflow.catboost.log_model(model, name="model", signature=infer_signature(
        example, model.predict_proba(example)[:, 1]), input_example=example, pip_requirements=requirements,
        metadata={"bundle": bundle.to_dict()})
    mlflow.log_dict(bundle.to_dict(), "model_bundle/bundle.json")
    return info


def record_gate(version: int, gate: dict) -> None:
    """The gate's verdict on the version's tags (which tests passed, which were red)."""
    from mlflow import MlflowClient

    client = MlflowClient()
    tags = {"validation_verdict": "promoted" if gate["promote"] else "blocked", "validation_mode": gate["mode"],
            "validation_red_tests": "; ".join(gate["red_tests"]) or "none",
            "validation_passed_tests": f"{len(gate['passed_tests'])}: " + "; ".join(gate["passed_tests"]),
            "validation_blocked_by": "; ".join(gate["reasons"]) or "nothing"}
    for key, value in tags.items():
        client.set_model_version_tag(REGISTERED_MODEL, str(version), key, value)
    log.info("%s version %s: %s", REGISTERED_MODEL, version, "promoted" if gate["promote"] else
             f"not promoted ({'; '.join(gate['reasons'])})")


def register_refit(model, bundle: Bundle, validated: int, x_example) -> int:
    """The validated version's recipe refitted on every labelled row, registered as the next version: it carries
    the validated version's holdout figures and verdict (tags), and ``refit_of`` names that version."""
    import tempfile

    import mlflow
    from mlflow import MlflowClient

    from creditrisk.artefacts.catalogue import SCORECARD_FILE, SCORECARD_META

    client = MlflowClient()
    source = client.get_model_version(REGISTERED_MODEL, str(validated))
    with mlflow.start_run(run_name="champion-refit"), tempfile.TemporaryDirectory() as tmp:
        mlflow.log_params({"refit_of_version": validated, "train_rows": bundle.train_rows,
                           "trees": bundle.catboost["iterations"], "bag": bundle.bag})
        info = _log_model(model, bundle, x_example)
        challenger = download_run_files(source.run_id, [SCORECARD_FILE, SCORECARD_META], Path(tmp))
        for name in (SCORECARD_FILE, SCORECARD_META) if challenger else ():  # the shadow stays beside its model
            mlflow.log_artifact(str(challenger / name))
    version = mlflow.register_model(info.model_uri, REGISTERED_MODEL)
    for key, value in source.tags.items():
        client.set_model_version_tag(REGISTERED_MODEL, version.version, key, value)
    client.set_model_version_tag(REGISTERED_MODEL, version.version, "refit_of", str(validated))
    log.info("%s version %s: version %s's recipe refitted on %d labelled rows", REGISTERED_MODEL, version.version,
             validated, bundle.train_rows)
    return int(version.version)


def set_champion(version: int) -> None:
    """Move the ``champion`` alias (what publish serves) to ``version``."""
    from mlflow import MlflowClient

    MlflowClient().set_registered_model_alias(REGISTERED_MODEL, CHAMPION_ALIAS, str(version))


def load_champion() -> tuple[object, Bundle, dict]:
    """(CatBoost model, bundle, registry facts) of the registered model's ``champion`` alias."""
    import mlflow
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    try:
        version = MlflowClient().get_model_version_by_alias(REGISTERED_MODEL, CHAMPION_ALIAS)
    except MlflowException as error:
        raise MissingInput(f"no {CHAMPION_URI} in the MLflow registry at {mlflow.get_tracking_uri()} ({error}); "
                           "run the pipeline up to the model_validation stage; a candidate blocked by the validation "
                           "gate does not become champion (reports/registry.json says why)") from None
    model, bundle = _load(CHAMPION_URI)
    return model, bundle, {"registered_model": REGISTERED_MODEL, "model_version": int(version.version),
                           "run_id": version.run_id}


def load_version(version: int) -> tuple[object, Bundle]:
    """(CatBoost model, bundle) of registered version ``version``; MissingInput when the registry lacks it."""
    import mlflow
    from mlflow.exceptions import MlflowException

    uri = f"models:/{REGISTERED_MODEL}/{version}"
    try:
        return _load(uri)
    except MlflowException as error:
        raise MissingInput(f"model version {version} is not in the registry at {mlflow.get_tracking_uri()} "
                           f"({error.message[:200]})") from None


def refit_of(version: int) -> int | None:
    """The version a registered version refits (its ``refit_of`` tag), or None."""
    from mlflow import MlflowClient

    tags = MlflowClient().get_model_version(REGISTERED_MODEL, str(version)).tags
    return int(tags["refit_of"]) if "refit_of" in tags else None


def _load(uri: str) -> tuple[object, Bundle]:
    import mlflow

    return mlflow.catboost.load_model(uri), Bundle.from_dict(mlflow.models.get_model_info(uri).metadata["bundle"])


def version_history() -> list[dict]:
    """Every registered version, oldest first: holdout cost and AUC, the gate's verdict and red tests, the
    version it refits (if any), and whether it holds the champion alias now (the change log of the technical
    documentation). Dates and run ids stay in MLflow: this list is written to a file under version control."""
    from mlflow import MlflowClient

    client = MlflowClient()
    champion = champion_record()
    versions = client.search_model_versions(f"name = '{REGISTERED_MODEL}'")
    rows = []
    for v in sorted(versions, key=lambda v: int(v.version)):
        tags = v.tags
        rows.append({"version": int(v.version),
                     "holdout_cost_per_client": float(tags[COST_TAG]) if COST_TAG in tags else None,
                     "holdout_auc": float(tags[AUC_TAG]) if AUC_TAG in tags else None,
                     "verdict": tags.get("validation_verdict", "not judged"),
                     "red_tests": tags.get("validation_red_tests", ""),
                     "blocked_by": tags.get("validation_blocked_by", ""),
                     "refit_of": int(tags["refit_of"]) if "refit_of" in tags else None,
                     "champion": champion is not None and champion["version"] == int(v.version)})
    return rows


def download_run_files(run_id: str, names: list[str], target: Path) -> Path | None:
    """Files logged at the root of a run's artefacts, downloaded into ``target``; None when the run did not log
    them all (a run with the comparisons off, ``compare.run: false``, has no challenger scorecard; a version
    registered before they were logged), or when the artefact store fails to give them (a warning)."""
    import os

    import mlflow
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")  # no progress bars in the stage's log
    try:
        logged = {item.path for item in MlflowClient().list_artifacts(run_id)}
        missing = [name for name in names if name not in logged]
        if missing:
            log.info("run %s logged no %s", run_id, ", ".join(missing))
            return None
        target.mkdir(parents=True, exist_ok=True)
        for name in names:
            mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path=name, dst_path=str(target))
    except (MlflowException, OSError) as error:
        log.warning("run %s: %s could not be read from the artefact store (%s)", run_id, names, error)
        return None
    return target
