"""Typed parameters (params.yaml: a ``base`` section plus one section per stage); file locations live in
``creditrisk.artefacts.catalogue``."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from functools import cache
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import Field, TypeAdapter, ValidationError

from creditrisk.artefacts.catalogue import DATA_SOURCES
from creditrisk.errors import ConfigError

GATE_MODES = ("enforce", "report")
IMBALANCE_STRATEGIES = ("none", "Balanced", "SqrtBalanced", "undersample")

# The ranges pydantic checks when params.yaml is loaded (a value outside is refused, naming its key)
Count = Annotated[int, Field(ge=1)]  # a whole number, at least 1
TwoOrMore = Annotated[int, Field(ge=2)]  # cross-validation folds, PD groups
Positive = Annotated[float, Field(gt=0)]
Share = Annotated[float, Field(gt=0, lt=1)]  # strictly between 0 and 1 (a p-value threshold, a holdout share)
Fraction = Annotated[float, Field(gt=0, le=1)]  # above 0, at most 1 (a share that may be all)
Size = Annotated[int, Field(ge=0)]  # a whole number, 0 allowed where it means "all" or "none"
NonNegative = Annotated[float, Field(ge=0)]


@dataclass(frozen=True)
class BaseParams:
    seed: int = 42
    log_level: str = "INFO"


@dataclass(frozen=True)
class DataParams:
    source: str = "synthetic"


@dataclass(frozen=True)
class GenerateParams:
    n_train: Count = 30_000
    n_test: Count = 5_000
    chunk_size: Count = 20_000


@dataclass(frozen=True)
class FeaturesParams:
    groups: tuple[str, ...] = ()  # candidate feature groups kept besides the base set (docs/benchmarks.md)


@dataclass(frozen=True)
class ValidateParams:
    orphans: str = "warn"  # history rows whose parent is absent: "warn" (counted, named, left out) or "fail"
    max_orphan_share: float = 0.0  # with orphans: fail, the share tolerated before the stage fails


@dataclass(frozen=True)
class CostParams:
    """The business cost of a wrong decision (params.yaml ``cost``; stored in the model bundle)."""

    fn_cost: Positive = 10.0  # an accepted client who defaults
    fp_cost: Positive = 1.0  # a refused client who would have repaid

    @property
    def bayes_threshold(self) -> float:
        """Cost-optimal cut-off for a calibrated PD (see ``creditrisk.model.cost``)."""
        return self.fp_cost / (self.fn_cost + self.fp_cost)


# Loan-term features with no sign as a function of the credit at equal term: a cheaper purchase brings credit − price
# towards zero from above or from below. A constrained model is trained without them (or they would raise the PD of
# some clients), and a constraint on one is refused.
UNSIGNED_LOAN_TERMS = ("CREDIT_GOODS_DIFF",)


@dataclass(frozen=True)
class CatBoostParams:
    """CatBoost's settings: the ``train`` section's defaults, overridden by the tuned ones where tuning ran."""

    iterations: Count = 3000  # upper bound; each fold stops when its validation log loss stops improving
    learning_rate: Positive = 0.05
    depth: Annotated[int, Field(ge=1, le=16)] = 6  # CatBoost's range
    l2_leaf_reg: NonNegative = 3.0
    rsm: float = 0.5  # share of the features a split considers (CPU): faster on wide data, no loss measured
    early_stopping_rounds: Count = 150  # trees a fold grows past its lowest validation log loss
    task_type: str = "CPU"  # GPU for users who have one
    thread_count: Count = 2
    # feature -> +1 (the PD never falls as it rises) or -1 (never rises): the loan-term features, in the sign each
    # has as a function of the credit at equal term, so that borrowing less never raises the PD (docs/methodology.md)
    monotone: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not 0 < self.rsm <= 1:
            raise ConfigError(f"params.yaml train.rsm = {self.rsm}: expected a share in (0, 1]")
        wrong = {k: v for k, v in self.monotone.items() if v not in (-1, 1) or isinstance(v, bool)}
        if wrong:
            raise ConfigError(f"params.yaml train.monotone: {wrong}: expected 1 (the PD never falls as the feature "
                              "rises) or -1 (never rises) for each feature")
        unsigned = sorted(set(self.monotone) & set(UNSIGNED_LOAN_TERMS))
        if unsigned:
            raise ConfigError(f"params.yaml train.monotone: {unsigned} has no sign as a function of the credit at "
                              "equal term (a cheaper purchase brings credit − price towards zero from above or from "
                              "below): remove it; a constrained model is trained without it")


COMPANION_SETTINGS = {"depth", "l2_leaf_reg", "rsm", "learning_rate"}


@dataclass(frozen=True)
class TrainParams(CatBoostParams):
    """The ``train`` section: CatBoost's settings plus how the champion is built."""

    holdout_size: Share = 0.2
    cv_folds: int = 5
    imbalance: str = "none"  # none, Balanced, SqrtBalanced or undersample (the compare stage measures the others)
    undersample_ratio: Positive = 3.0  # with imbalance: undersample, negatives kept per positive (training folds only)
    exclude: tuple[str, ...] = ()  # sensitive attributes never given to the model (the compare stage says what
    # leaving each out costs)
    bag: int = 1  # models averaged in the final model (seeds seed, seed + 1, ...)
    refit: bool = True  # after the holdout's verdict, the promoted recipe is fitted again on every labelled row
    # a second CatBoost shape averaged with the tuned one on the log-odds (its own trees by CV): the settings it
    # changes (depth, l2_leaf_reg, rsm, learning_rate); empty: none
    companion: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__post_init__()
        unknown = set(self.companion) - COMPANION_SETTINGS
        if unknown:
            raise ConfigError(f"params.yaml train.companion: {sorted(unknown)}: expected some of "
                              f"{sorted(COMPANION_SETTINGS)}")
        if self.imbalance not in IMBALANCE_STRATEGIES:
            raise ConfigError(f"params.yaml train.imbalance = {self.imbalance!r}; expected one of "
                              f"{IMBALANCE_STRATEGIES}")
        if self.cv_folds < 2 or self.bag < 1:
            raise ConfigError(f"params.yaml train: cv_folds = {self.cv_folds}, bag = {self.bag}: expected at least "
                              "2 folds and 1 model")

    @property
    def catboost(self) -> CatBoostParams:
        return CatBoostParams(**{f.name: getattr(self, f.name) for f in fields(CatBoostParams)})


@dataclass(frozen=True)
class TuneParams:
    n_trials: Count = 6  # finished trials wanted in the study, across all workers
    timeout: Positive = 900.0  # seconds per run of the stage (and per tuning worker)
    storage: str = "journal"  # journal: models/tuning/study.journal; or a database URL shared by many workers
    learning_rate: Positive = 0.1  # the search's learning rate (fewer trees per trial); training uses train's
    folds: TwoOrMore = 3  # cross-validation folds of a trial


@dataclass(frozen=True)
class CompareParams:
    """The model-selection comparisons (stage compare): what the champion's recipe is compared with."""

    run: bool = True  # false: the stage writes that nothing was compared, and every document says so
    folds: TwoOrMore = 3  # cross-validation folds of the comparisons (the champion's own figures use train.cv_folds)
    learning_rate: Positive = 0.1  # the comparisons' learning rate (fewer trees): they rank treatments, nothing served
    strategies: tuple[str, ...] = IMBALANCE_STRATEGIES  # imbalance treatments compared on the same folds
    scorecard_candidates: Count = 30  # the challenger (logistic scorecard, optbinning): features binned per fold,
    scorecard_min_iv: NonNegative = 0.02  # by univariate AUC, kept from this information value up


@dataclass(frozen=True)
class DriftParams:
    max_rows: Size = 0  # 0 = every row; otherwise a seeded random sample of each set
    adversarial_rows: Count = 20_000
    top_features: Size = 20  # the model's most important engineered features, checked beside the raw columns
    min_rows: Count = 500  # fewer production clients than this: the report is written, but no verdict is drawn


@dataclass(frozen=True)
class EvaluateParams:
    bootstrap: Count = 300
    shap_rows: Count = 2000
    min_defaults: Count = 100  # fewer observed defaults in the holdout: its figures are marked "not enough data"
    min_group_clients: Count = 30  # fairness: a group smaller than this, or with fewer defaulters than
    min_group_defaults: Count = 10  # this, is marked "not enough data" (its rates are not a verdict)


@dataclass(frozen=True)
class ScaleParams:
    bounds: tuple[float, ...] = (0.01, 0.02, 0.04, 0.08, 0.16, 0.32)  # master scale: 7 performing grades
    max_share: Fraction = 0.5  # no grade may hold more than this share of the out-of-fold clients


@dataclass(frozen=True)
class ModelValidationParams:
    """The validation report's traffic lights (reports/validation_model/) and the promotion gate."""

    amber: Share = 0.05  # p-value tests (null hypothesis: the model is right): amber below this p-value,
    red: Share = 0.01  # red below this one
    auc_amber: float = 0.70  # discrimination: AUC amber below this,
    auc_red: float = 0.60  # red below this
    ks_amber: float = 0.30  # Kolmogorov-Smirnov statistic: amber below this,
    ks_red: float = 0.20  # red below this
    psi_amber: float = 0.10  # stability (PSI of the score, CSI of the features): amber from this,
    psi_red: float = 0.25  # red from this
    csi_features: Count = 10  # the model's most important features whose CSI is reported
    hl_groups: TwoOrMore = 10  # PD groups of the Hosmer-Lemeshow test and the Brier decomposition
    min_production: Count = 500  # fewer production clients than this: the stability tests give no light
    expected_auc_amber: float = 0.03  # the AUC expected on the production clients from their PDs: amber when it
    expected_auc_red: float = 0.05  # is this much below the one expected on the development clients, red beyond
    shift_signoff: str = ""  # who accepted a red stability test (a population shift), when and why; with it, red
    # PSI/CSI do not block while the expected AUC on production is not red (the documents quote it)
    gate: str = "enforce"  # enforce: a red test blocks the promotion; report: recorded, never blocking (exploration)

    def __post_init__(self) -> None:
        if self.gate not in GATE_MODES:
            raise ConfigError(f"params.yaml model_validation.gate = {self.gate!r}; expected one of {GATE_MODES}")
        below = (("red", "amber"), ("auc_red", "auc_amber"), ("ks_red", "ks_amber"), ("psi_amber", "psi_red"),
                 ("expected_auc_amber", "expected_auc_red"))  # each pair: the first must be the lower
        inverted = [f"{low} = {getattr(self, low)} is not below {high} = {getattr(self, high)}"
                    for low, high in below if not getattr(self, low) < getattr(self, high)]
        if inverted:
            raise ConfigError(f"params.yaml model_validation: {'; '.join(inverted)} (a test turns amber before it "
                              "turns red)")


@dataclass(frozen=True)
class ServeParams:
    # PDs within this distance of the threshold are sent to a human ("review")
    review_band: Annotated[float, Field(ge=0, lt=0.5)] = 0.02
    max_batch: Count = 500  # clients per scoring request; larger batches are refused with this limit in the message
    max_body_bytes: Count = 4_194_304  # request body; larger is refused (413) before it is parsed
    max_header_bytes: Count = 16_384  # all request headers together; more is refused (431), key or not
    max_history_rows: Count = 50_000  # history rows in one request (all tables)
    max_history_rows_per_client: Count = 10_000  # history rows of one applicant in one table
    # "what would change the decision": the plausible range of each lever of the loan terms
    min_amount_share: Fraction = 0.3  # the smallest amount proposed, as a share of the amount requested
    max_down_payment_share: Share = 0.5  # the largest down payment proposed, as a share of the goods price
    max_term_quantile: Fraction = 0.95  # the longest term proposed: this quantile of the production loans' terms
    # a proposal's PD must be this far below the acceptance limit (threshold minus the review band): half the band,
    # so that a proposal does not sit on the limit
    proposal_margin: NonNegative = 0.01
    # plausible applications (the real files' range, rounded out): a value or a combination outside is refused
    bounds: dict[str, tuple[float, float]] = field(default_factory=lambda: dict(PLAUSIBLE))
    min_working_age: Positive = 16.0  # employment may not start before this age (DAYS_EMPLOYED against DAYS_BIRTH)
    payment_rate: tuple[float, float] = (0.015, 0.2)  # annuity / credit amount
    goods_credit: tuple[float, float] = (0.1, 7.0)  # goods price / credit amount
    # AMT_ANNUITY / AMT_INCOME_TOTAL as the files hold them (real rows: median 0.16, 99th percentile 0.48): a request
    # above is refused as implausible
    max_annuity_income: Positive = 1.5

    def __post_init__(self) -> None:
        object.__setattr__(self, "bounds", {k: tuple(v) for k, v in self.bounds.items()})
        for name, (low, high) in self.bounds.items():
            if not low < high:
                raise ConfigError(f"params.yaml serve.bounds.{name} = [{low}, {high}]: expected low < high")


PLAUSIBLE = {"AMT_INCOME_TOTAL": (10_000.0, 120_000_000.0), "AMT_CREDIT": (20_000.0, 4_500_000.0),
             "AMT_ANNUITY": (1_000.0, 300_000.0), "AMT_GOODS_PRICE": (10_000.0, 4_500_000.0),
             "CNT_CHILDREN": (0.0, 20.0), "CNT_FAM_MEMBERS": (1.0, 21.0), "DAYS_BIRTH": (-25_600.0, -6_570.0),
             "OWN_CAR_AGE": (0.0, 91.0)}


@dataclass(frozen=True)
class MonitorParams:
    window_days: Count = 7  # production drift: traffic of the last N days is compared with the training features
    max_share_drifted: Fraction = 0.3  # the monitoring command fails above this share of drifted columns
    min_requests: Count = 100  # fewer logged clients than this: no verdict (too few to test), exit code 3
    flush_clients: Count = 20  # the service writes its counts by at least this many clients (never fewer than 5)
    retention_days: Count = 90  # traffic-log day folders older than this are deleted (the lender's choice)
    min_psi: Positive = 0.1  # a feature drifts when its PSI reaches this and the chi-square test rejects (p < 0.05)


@dataclass(frozen=True)
class PortfolioParams:
    buckets: int = 8  # applicants are split into this many buckets by a hash of SK_ID_CURR: one Spark task each
    master: str = "local[*]"  # Spark master (`--master` overrides): local cores here, a cluster's URL elsewhere
    driver_memory: str = "2g"
    executor_memory: str = "2g"

    def __post_init__(self) -> None:
        if self.buckets < 1:
            raise ConfigError(f"params.yaml portfolio.buckets = {self.buckets}: expected a whole number >= 1")


@dataclass(frozen=True)
class DecisionsParams:
    database: str = "sqlite:///data/decisions/decisions.db"  # SQLAlchemy URL; $CREDITRISK_DECISIONS_URL overrides
    retention_years: int = 5  # decision records older than this are purged (the lender's choice; docs/decisions.md)
    token_minutes: int = 480  # how long a signed user token stays valid (one working day)
    key_file: str = ".run/chain-key"  # the chain's HMAC key, outside the database ($CREDITRISK_CHAIN_KEY overrides)
    checkpoints: str = ".run/decisions.checkpoints"  # the chain's head, appended outside the database
    checkpoint_records: int = 1  # a checkpoint after at most this many records
    checkpoint_minutes: float = 5.0  # or this many minutes
    login_max_failures: int = 5  # failed logins of an account, or from an address, within the window
    login_window_minutes: float = 15.0
    login_lockout_minutes: float = 15.0  # then it waits this long after its last failure

    def __post_init__(self) -> None:
        if self.retention_years < 1 or self.token_minutes < 1:
            raise ConfigError(f"params.yaml decisions: retention_years = {self.retention_years}, token_minutes = "
                              f"{self.token_minutes}: expected whole numbers >= 1")
        if self.checkpoint_records < 1 or self.login_max_failures < 1:
            raise ConfigError(f"params.yaml decisions: checkpoint_records = {self.checkpoint_records}, "
                              f"login_max_failures = {self.login_max_failures}: expected whole numbers >= 1")


@dataclass(frozen=True)
class Params:
    base: BaseParams = field(default_factory=BaseParams)
    data: DataParams = field(default_factory=DataParams)
    generate: GenerateParams = field(default_factory=GenerateParams)
    validate: ValidateParams = field(default_factory=ValidateParams)
    features: FeaturesParams = field(default_factory=FeaturesParams)
    cost: CostParams = field(default_factory=CostParams)
    train: TrainParams = field(default_factory=TrainParams)
    tune: TuneParams = field(default_factory=TuneParams)
    compare: CompareParams = field(default_factory=CompareParams)
    evaluate: EvaluateParams = field(default_factory=EvaluateParams)
    scale: ScaleParams = field(default_factory=ScaleParams)
    model_validation: ModelValidationParams = field(default_factory=ModelValidationParams)
    drift: DriftParams = field(default_factory=DriftParams)
    serve: ServeParams = field(default_factory=ServeParams)
    monitor: MonitorParams = field(default_factory=MonitorParams)
    portfolio: PortfolioParams = field(default_factory=PortfolioParams)
    decisions: DecisionsParams = field(default_factory=DecisionsParams)


@cache
def _adapter(cls) -> TypeAdapter:
    return TypeAdapter(cls)


def _section(cls, values: dict | None, name: str):
    """One section, each value checked against its field's type by pydantic (YAML's lists read as tuples, a whole
    number where a decimal is expected): a value that is not of its field's type is refused, naming its key."""
    values = values or {}
    if not isinstance(values, dict):
        raise ConfigError(f"params.yaml section {name!r}: expected a mapping of keys, got {values!r}")
    known = set(cls.__dataclass_fields__)
    unknown = set(values) - known
    if unknown:
        raise ConfigError(f"params.yaml section {name!r}: unknown key(s) {sorted(unknown)}; expected {sorted(known)}")
    try:
        return _adapter(cls).validate_python(values)
    except ValidationError as error:
        wrong = "; ".join(f"params.yaml {'.'.join(map(str, (name, *e['loc'])))} = {e['input']!r}: {e['msg']}"
                          for e in error.errors(include_url=False))
        raise ConfigError(wrong) from None


def load_params(path: Path = Path("params.yaml")) -> Params:
    """Read params.yaml into typed sections; unknown keys are an error (a typo must not be silently ignored)."""
    raw = yaml.safe_load(Path(path).read_text()) or {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping of sections, got {type(raw).__name__}")
    types = {f.name: f.default_factory for f in fields(Params)}  # section name -> its dataclass
    unknown = sorted(set(raw) - set(types))
    if unknown:
        raise ConfigError(f"{path}: unknown section(s) {unknown}; the sections are {sorted(types)}")
    params = Params(**{name: _section(type_, raw.get(name), name) for name, type_ in types.items()})
    if params.data.source not in DATA_SOURCES:
        raise ConfigError(f"params.yaml data.source = {params.data.source!r}; expected one of {DATA_SOURCES}")
    return params
