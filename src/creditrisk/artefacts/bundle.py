"""The model bundle: everything a consumer needs beside the CatBoost trees, as one typed, versioned object.

Training writes it (``bundle.json`` beside ``model.cbm``), MLflow stores it as the registered model's metadata,
publishing adds the serving facts, and evaluation, the service and batch scoring read it through ``Bundle`` only:
the feature order, the categorical columns, the calibration, the threshold and the costs can never disagree
with training.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path

from creditrisk.artefacts.calibration import Calibrator
from creditrisk.artefacts.catalogue import BUNDLE_FILE, MODEL_FILE
from creditrisk.config import PLAUSIBLE, CostParams, MonitorParams, Params, ScaleParams, ServeParams
from creditrisk.errors import IncompatibleModel, MissingInput

BUNDLE_VERSION = 2  # 2: trees chosen by CV, a bag of models, refits on every labelled row


@dataclass(frozen=True)
class CVSummary:
    """The champion's cross-validated figures on the training part (out-of-fold, calibrated PD)."""

    folds: int
    auc: float
    cost_per_client: float
    normalized_cost: float
    brier_raw: float
    brier_calibrated: float
    trees: int  # the number of trees the folds agreed on (the final model's)


@dataclass(frozen=True)
class ServingInfo:
    """What publishing adds: which registry version is served, and the service's decision band and batch limit."""

    registered_model: str
    model_version: int  # (its MLflow run id stays in MLflow: the published files repeat byte for byte)
    review_band: float  # PDs within this distance of the threshold go to a person ("review")
    max_batch: int
    # the defaults below are the params' own (bundles published before a field existed read them)
    max_body_bytes: int = ServeParams.max_body_bytes  # request limits (params serve): enforced before parsing
    max_header_bytes: int = ServeParams.max_header_bytes
    max_history_rows: int = ServeParams.max_history_rows
    max_history_rows_per_client: int = ServeParams.max_history_rows_per_client
    grade_bounds: tuple[float, ...] = ScaleParams.bounds  # the master scale (params scale)
    traffic_flush_clients: int = MonitorParams.flush_clients  # the traffic log (params monitor)
    traffic_retention_days: int = MonitorParams.retention_days
    min_amount_share: float = ServeParams.min_amount_share  # "what would change the decision" (params serve)
    max_down_payment_share: float = ServeParams.max_down_payment_share
    max_term_quantile: float = ServeParams.max_term_quantile
    proposal_margin: float = ServeParams.proposal_margin
    bounds: dict = field(default_factory=lambda: dict(PLAUSIBLE))  # plausible applications (params serve)
    min_working_age: float = ServeParams.min_working_age
    payment_rate: tuple[float, float] = ServeParams.payment_rate
    goods_credit: tuple[float, float] = ServeParams.goods_credit
    max_annuity_income: float = ServeParams.max_annuity_income

    def __post_init__(self) -> None:  # JSON gives lists
        object.__setattr__(self, "grade_bounds", tuple(self.grade_bounds))
        object.__setattr__(self, "bounds", {k: tuple(v) for k, v in self.bounds.items()})
        object.__setattr__(self, "payment_rate", tuple(self.payment_rate))
        object.__setattr__(self, "goods_credit", tuple(self.goods_credit))

    @classmethod
    def from_params(cls, params: Params, registry: dict) -> ServingInfo:
        """The serving facts of params (serve, scale, monitor) for the registry's champion (``registry``: its
        registered_model and model_version, as ``tracking.load_champion`` gives them with its run_id)."""
        return cls(registry["registered_model"], registry["model_version"], **vars(params.serve),
                   grade_bounds=tuple(params.scale.bounds), traffic_flush_clients=params.monitor.flush_clients,
                   traffic_retention_days=params.monitor.retention_days)


@dataclass(frozen=True)
class Bundle:
    features: list[str]  # the model's input columns, in order
    categorical: list[str]
    threshold: float  # refuse above this calibrated PD
    costs: CostParams
    calibration: dict  # ``Calibrator.to_dict()``
    imbalance_strategy: str
    catboost: dict  # the fitted model's CatBoost settings (``iterations``: the trees of each model of the bag)
    cv: CVSummary
    seed: int
    train_rows: int  # the rows the final model was fitted on
    holdout_rows: int  # the holdout kept out of it (0 for a refit on every labelled row)
    data_source: str
    bag: int = 1  # models averaged in the final model
    excluded: list[str] = field(default_factory=list)  # sensitive attributes never given to the model
    fitted_on: str = "training part"  # or "every labelled row": the validated recipe refitted after the holdout
    model_file: str = MODEL_FILE
    threshold_on: str = "calibrated PD"
    feature_version: str | None = None  # creditrisk.features.feature_version() at training (None: not recorded)
    serving: ServingInfo | None = None
    bundle_version: int = BUNDLE_VERSION

    @property
    def calibrator(self) -> Calibrator:
        return Calibrator.from_dict(self.calibration)

    @property
    def served(self) -> ServingInfo:
        """The serving facts; a bundle that was never published has none."""
        if self.serving is None:
            raise MissingInput("this model bundle was not published (no serving facts): run the publish stage")
        return self.serving

    def with_serving(self, serving: ServingInfo) -> Bundle:
        return replace(self, serving=serving)

    def to_dict(self) -> dict:
        out = asdict(self)
        if self.serving is None:
            del out["serving"]
        return out

    @classmethod
    def from_dict(cls, stored: dict) -> Bundle:
        """A bundle as stored by ``to_dict`` (bundles written before versioning count as version 1)."""
        stored = dict(stored)
        version = stored.setdefault("bundle_version", 1)
        if version != BUNDLE_VERSION:
            raise IncompatibleModel(f"model bundle version {version}; this code reads version {BUNDLE_VERSION}: "
                                    "re-run the pipeline from the train stage (`dvc repro`)")
        unknown = set(stored) - {f.name for f in fields(cls)}
        if unknown:
            raise IncompatibleModel(f"model bundle: unknown field(s) {sorted(unknown)}: re-run the train stage")
        serving = stored.get("serving")
        return cls(**stored | {"costs": CostParams(**stored["costs"]), "cv": CVSummary(**stored["cv"]),
                               "serving": None if serving is None else ServingInfo(**_without_run_id(serving))})

    def write(self, directory: Path) -> None:
        (Path(directory) / BUNDLE_FILE).write_text(json.dumps(self.to_dict(), indent=2) + "\n")

    @classmethod
    def read(cls, directory: Path) -> Bundle:
        path = Path(directory) / BUNDLE_FILE
        if not path.exists():
            raise MissingInput(f"{path} not found: run the train stage (or publish, for a serving directory)")
        return cls.from_dict(json.loads(path.read_text()))


def _without_run_id(serving: dict) -> dict:
    """Serving facts as stored; bundles published before the run id left them carried it (it stays in MLflow)."""
    return {k: v for k, v in serving.items() if k != "run_id"}
