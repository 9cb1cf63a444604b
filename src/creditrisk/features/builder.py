"""One feature builder for every path: the pipeline, batch scoring of a file and the live service.

``build_features(tables)`` takes the typed tables (polars Lazy/DataFrames with the contract dtypes; history tables
optional) and returns one row per application with the application's own columns (categoricals as strings),
ratios, EXT_SOURCE combinations and per-applicant aggregates of the five history families, in the style of the
public "LightGBM with simple features" kernel, plus recency windows. Every feature is a function of one
applicant's own rows: nothing is fitted on the data, so no statistic of other applicants, of the test set or of
TARGET can leak into a feature (the drop of constant/duplicate columns is decided on training data only, in
``selection.py``).

A history family is one function decorated with ``@family(name)`` (the name ``schema.REGISTRY`` gives its
tables) that returns its ``FeatureSet``; the builder, the catalogue and the service's request rows find it there.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import polars as pl

from creditrisk import schema
from creditrisk.features.catalogue import Feature
from creditrisk.features.labels import label_en, label_fr
from creditrisk.features.planner import FeatureSet, to_exact
from creditrisk.schema import KEY

SENTINEL = schema.SENTINEL_DAYS
TableLike = pl.LazyFrame | pl.DataFrame
Tables = Mapping[str, TableLike | None]

_NUM_AGGS = ("min", "max", "mean")
_BUREAU_NUM = {"DAYS_CREDIT": ("min", "max", "mean", "std"), "CREDIT_DAY_OVERDUE": ("max", "mean"),
               "DAYS_CREDIT_ENDDATE": _NUM_AGGS, "DAYS_ENDDATE_FACT": _NUM_AGGS,
               "AMT_CREDIT_MAX_OVERDUE": ("max", "mean"), "CNT_CREDIT_PROLONG": ("sum",),
               "AMT_CREDIT_SUM": ("max", "mean", "sum"), "AMT_CREDIT_SUM_DEBT": ("max", "mean", "sum"),
               "AMT_CREDIT_SUM_LIMIT": ("mean", "sum"), "AMT_CREDIT_SUM_OVERDUE": ("max", "mean", "sum"),
               "DAYS_CREDIT_UPDATE": ("mean",), "AMT_ANNUITY": ("max", "mean")}
_PREV_NUM = {"AMT_ANNUITY": _NUM_AGGS, "AMT_APPLICATION": _NUM_AGGS, "AMT_CREDIT": _NUM_AGGS,
             "AMT_DOWN_PAYMENT": _NUM_AGGS, "AMT_GOODS_PRICE": _NUM_AGGS, "HOUR_APPR_PROCESS_START": _NUM_AGGS,
             "RATE_DOWN_PAYMENT": _NUM_AGGS, "DAYS_DECISION": _NUM_AGGS, "CNT_PAYMENT": ("mean", "sum")}
_PREV_DATES = ("DAYS_FIRST_DRAWING", "DAYS_FIRST_DUE", "DAYS_LAST_DUE_1ST_VERSION", "DAYS_LAST_DUE",
               "DAYS_TERMINATION")
_PREV_CATEGORIES = ("NAME_CONTRACT_TYPE", "NAME_CONTRACT_STATUS", "CODE_REJECT_REASON", "NAME_CLIENT_TYPE",
                    "NAME_PORTFOLIO", "NAME_PRODUCT_TYPE", "CHANNEL_TYPE", "NAME_YIELD_GROUP", "PRODUCT_COMBINATION",
                    "NAME_PAYMENT_TYPE", "NAME_TYPE_SUITE", "NAME_GOODS_CATEGORY", "NAME_SELLER_INDUSTRY",
                    "NAME_CASH_LOAN_PURPOSE")
_MIN_LEVEL_SHARE = 0.005  # levels rarer than this in the reference data get no share column of their own
_CC_AGGS = ("min", "max", "mean", "sum", "std")


# ------------------------------------------------------------------------------------------------ families
@dataclass(frozen=True)
class Family:
    """A history family: the table at its root (rows keyed by applicant), its features, and the rows it groups."""

    name: str
    table: str
    feature_set: Callable[[], FeatureSet]
    rows: Callable[[Tables, bool], pl.LazyFrame]  # (tables, whole tables?) -> rows to group per applicant

    def evaluate(self, tables: Tables, wanted: frozenset[str] | None, split: bool) -> pl.LazyFrame:
        return self.feature_set().evaluate(self.rows(tables, split), KEY, wanted, split)


_REGISTERED: dict[str, Family] = {}


def family(name: str, rows: Callable[[Tables, bool], pl.LazyFrame] | None = None):
    """Register the decorated ``() -> FeatureSet`` function as the feature family ``name`` of schema.REGISTRY;
    ``rows`` gives the rows it groups (default: its root table as it is)."""
    (table,) = [e.name for e in schema.REGISTRY if e.family == name and e.parent == "application"]

    def register(feature_set: Callable[[], FeatureSet]) -> Callable[[], FeatureSet]:
        cached = cache(feature_set)
        _REGISTERED[name] = Family(name, table, cached, rows or (lambda tables, split: _table(tables, table)))
        return cached

    return register


def families() -> list[Family]:
    """The history families in output order (schema.REGISTRY's)."""
    return [_REGISTERED[name] for name in schema.FAMILIES]


# ------------------------------------------------------------------------------------------------ entry point
def build_features(tables: Tables, columns: list[str] | None = None) -> pl.DataFrame:
    """Features of every application in ``tables['application']`` (train, test or request rows), one row each.

    ``tables`` maps table names to typed frames: ``application`` (required; TARGET, if present, is ignored) and
    any of the six history tables (missing or None = no history of that kind). ``columns`` selects and orders
    the output columns (the catalogue's selected features); SK_ID_CURR always comes first. Only what the
    selected columns depend on is computed.
    """
    names, wanted, zero, categorical = _output_plan(None if columns is None else tuple(columns))
    app = _lazy(tables["application"]).drop("TARGET", strict=False)
    scanned = isinstance(tables["application"], pl.LazyFrame)
    parts: list[pl.LazyFrame | pl.DataFrame] = [_application_features(app, wanted)]
    for fam in families():
        if not scanned and _no_rows(tables.get(fam.table)):
            parts.append(_empty_part(fam.name, wanted))
        else:
            parts.append(fam.evaluate(tables, wanted, split=scanned))
    parts = _collect_scanned(parts) if scanned else _collect_request(parts)
    out = parts[0].lazy()
    for history in parts[1:]:
        out = out.join(history.lazy(), on=KEY, how="left", maintain_order="left")  # keeps the input's row order
    out = out.select(pl.col(KEY, *names)).with_columns(pl.col(zero).fill_null(0.0),
                                                        pl.col(categorical).fill_null(schema.MISSING_CATEGORY))
    return out.collect(optimizations=pl.QueryOptFlags.none(), engine="in-memory")


def _collect_scanned(parts: list[pl.LazyFrame]) -> list[pl.DataFrame]:
    """Parts of tables scanned from disk, one at a time with the streaming engine, the instalments first: the
    peak memory at full size is set by their group-bys alone (docs/benchmarks.md)."""
    first = 1 + [fam.name for fam in families()].index("installments")
    order = [first, *(i for i in range(len(parts)) if i != first)]
    collected = {i: parts[i].collect(engine="streaming") for i in order}
    return [collected[i] for i in range(len(parts))]


def _collect_request(parts: list[pl.LazyFrame | pl.DataFrame]) -> list[pl.DataFrame]:
    """Parts of a request's rows, together, in memory, without the query optimiser: on a handful of rows the
    streaming engine's and the optimiser's set-up cost more than the work (docs/benchmarks.md)."""
    lazy = [i for i, part in enumerate(parts) if isinstance(part, pl.LazyFrame)]
    done = pl.collect_all([parts[i] for i in lazy], optimizations=pl.QueryOptFlags.none(), engine="in-memory")
    parts = list(parts)
    for i, part in zip(lazy, done, strict=True):
        parts[i] = part
    return parts


def _no_rows(frame: TableLike | None) -> bool:
    return frame is None or (isinstance(frame, pl.DataFrame) and frame.is_empty())


@lru_cache(maxsize=64)
def _empty_part(name: str, wanted: frozenset[str] | None) -> pl.DataFrame:
    """What a family gives for a request without rows of its table (most clients have no credit card): its
    columns, no rows, computed once (docs/benchmarks.md)."""
    return pl.DataFrame(schema=_REGISTERED[name].evaluate({}, wanted, split=False).collect_schema())


@lru_cache(maxsize=16)
def _output_plan(columns: tuple[str, ...] | None) -> tuple[list[str], frozenset[str] | None, list[str], list[str]]:
    """(output names, features to compute or None for all, columns filled with 0, categorical columns)."""
    features = catalogue()
    if columns is None:
        names, wanted = [f.name for f in features], None
    else:
        names = [c for c in columns if c != KEY]
        wanted = frozenset(names)  # only what the requested columns depend on is computed
        unknown = wanted - {f.name for f in features}
        if unknown:
            raise KeyError(f"features not produced by the builder: {sorted(unknown)[:5]}")
    kept = set(names)
    zero = [f.name for f in features if f.fill_zero and f.name in kept]
    categorical = [f.name for f in features if f.categorical and f.name in kept]
    return names, wanted, zero, categorical


@cache
def feature_version() -> str:
    """The version of what computes the features: a digest of the builder's code and of the contract it reads
    (the schema and the reference statistics that fix the category levels). A model records the version it was
    trained with; batch scoring refuses a model whose version differs, since the same feature name could then
    hold a different value."""
    import hashlib

    import creditrisk.features.planner as planner
    import creditrisk.resources as resources

    digest = hashlib.sha256()
    for path in (Path(__file__), Path(planner.__file__), Path(resources.__file__).parent / "schema.json",
                 Path(resources.__file__).parent / "reference_stats.json"):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def candidate_groups() -> list[str]:
    """The candidate feature groups (params ``features.groups`` chooses which are kept), in catalogue order."""
    return list(dict.fromkeys(f.group for f in _catalogue() if f.group != "base"))


def catalogue() -> list[Feature]:
    """Every feature the builder produces, in output order (independent of any data)."""
    return list(_catalogue())


@cache
def _catalogue() -> tuple[Feature, ...]:
    features = list(_application_set().features)
    for fam in families():
        features += fam.feature_set().features
    return tuple(features)


def _lazy(frame: TableLike) -> pl.LazyFrame:
    return frame.lazy() if isinstance(frame, pl.DataFrame) else frame


def _table(tables: Tables, name: str) -> pl.LazyFrame:
    """The history table, or an empty one with the contract schema when absent (same columns, all null).

    Row order never matters: sums are exact and "last" values are taken after an explicit sort with tie-breaks.
    """
    frame = tables.get(name)
    if frame is None:
        return pl.DataFrame(schema=schema.polars_schema(schema.table(name))).lazy()
    return _lazy(frame)


# ------------------------------------------------------------------------------------------------ application
@cache
def _application_set() -> FeatureSet:
    fs = FeatureSet("application", {"application": ("the application", "la demande")})
    train = schema.table("application_train")
    for col in train.columns:
        if col.name in (KEY, "TARGET"):
            continue
        if col.dtype == "object":
            fs.add(col.name, pl.col(col.name).fill_null(schema.MISSING_CATEGORY), "last", "application", col.name,
                   en=f"Applicant's {label_en(col.name)}", fr=f"{label_fr(col.name).capitalize()} du demandeur",
                   categorical=True)
        elif col.name == "DAYS_EMPLOYED":
            fs.add(col.name, pl.when(pl.col(col.name) == SENTINEL).then(None).otherwise(pl.col(col.name))
                   .cast(pl.Float64), "last", "application", col.name,
                   en="Days employed (negative; empty for pensioners/unemployed, raw value 365243)",
                   fr="Ancienneté dans l'emploi en jours (négatif ; vide pour les retraités et sans-emploi)")
        else:
            fs.add(col.name, pl.col(col.name).cast(pl.Float64), "last", "application", col.name,
                   en=f"Applicant's {label_en(col.name)}", fr=f"{label_fr(col.name).capitalize()} du demandeur")
    _add_application_ratios(fs)
    return fs


def _ratio(numerator: str | pl.Expr, denominator: str | pl.Expr) -> pl.Expr:
    num = pl.col(numerator) if isinstance(numerator, str) else numerator
    den = pl.col(denominator) if isinstance(denominator, str) else denominator
    return pl.when(den != 0).then(num.cast(pl.Float64) / den).otherwise(None)


def _add_application_ratios(fs: FeatureSet) -> None:
    employed = pl.when(pl.col("DAYS_EMPLOYED") == SENTINEL).then(None).otherwise(pl.col("DAYS_EMPLOYED"))
    ext = [pl.col(f"EXT_SOURCE_{k}") for k in (1, 2, 3)]
    rows = [
        ("DAYS_EMPLOYED_ANOM", (pl.col("DAYS_EMPLOYED") == SENTINEL).cast(pl.Float64),
         "DAYS_EMPLOYED is the 365243 code (pensioner or unemployed)", "Code 365243 d'ancienneté (retraité ou sans "
         "emploi)"),
        ("CREDIT_INCOME_RATIO", _ratio("AMT_CREDIT", "AMT_INCOME_TOTAL"), "Credit amount / monthly income",
         "Montant du crédit / revenu mensuel"),
        ("ANNUITY_INCOME_RATIO", _ratio("AMT_ANNUITY", "AMT_INCOME_TOTAL"),
         "Monthly instalment / monthly income (debt burden)",
         "Mensualité / revenu mensuel (taux d'effort)"),
        ("PAYMENT_RATE", _ratio("AMT_ANNUITY", "AMT_CREDIT"), "Monthly instalment / credit amount (repayment speed)",
         "Mensualité / montant du crédit (vitesse de remboursement)"),
        ("CREDIT_TERM_MONTHS", _ratio("AMT_CREDIT", "AMT_ANNUITY"),
         "Credit amount / monthly instalment (months to repay, interest left aside)",
         "Montant du crédit / mensualité (mois de remboursement, intérêts mis à part)"),
        ("GOODS_CREDIT_RATIO", _ratio("AMT_GOODS_PRICE", "AMT_CREDIT"), "Goods price / credit amount",
         "Prix du bien / montant du crédit"),
        ("CREDIT_GOODS_DIFF", (pl.col("AMT_CREDIT") - pl.col("AMT_GOODS_PRICE")).cast(pl.Float64),
         "Credit amount minus goods price (insurance and fees financed)",
         "Montant du crédit moins prix du bien (assurance et frais financés)"),
        ("EMPLOYED_AGE_RATIO", _ratio(employed, "DAYS_BIRTH"), "Share of life spent in the current job",
         "Part de la vie passée dans l'emploi actuel"),
        ("INCOME_PER_PERSON", _ratio("AMT_INCOME_TOTAL", "CNT_FAM_MEMBERS"), "Income per household member",
         "Revenu par membre du foyer"),
        ("AGE_YEARS", (-pl.col("DAYS_BIRTH") / 365.25).cast(pl.Float64), "Age in years", "Âge en années"),
        ("YEARS_EMPLOYED", (-employed / 365.25).cast(pl.Float64), "Years in the current job",
         "Années dans l'emploi actuel"),
        ("CAR_AGE_RATIO", _ratio(pl.col("OWN_CAR_AGE") * 365.25, -pl.col("DAYS_BIRTH")), "Car age / client age",
         "Âge de la voiture / âge du client"),
        ("PHONE_CHANGE_AGE_RATIO", _ratio("DAYS_LAST_PHONE_CHANGE", "DAYS_BIRTH"), "Days since phone change / age",
         "Ancienneté du téléphone / âge"),
        ("ID_PUBLISH_AGE_RATIO", _ratio("DAYS_ID_PUBLISH", "DAYS_BIRTH"), "Days since ID document change / age",
         "Ancienneté de la pièce d'identité / âge"),
        ("REGISTRATION_AGE_RATIO", _ratio("DAYS_REGISTRATION", "DAYS_BIRTH"), "Days since registration / age",
         "Ancienneté de l'enregistrement / âge"),
        ("CHILDREN_RATIO", _ratio("CNT_CHILDREN", "CNT_FAM_MEMBERS"), "Children / household members",
         "Enfants / membres du foyer"),
        ("DOCUMENT_COUNT", pl.sum_horizontal([pl.col(f"FLAG_DOCUMENT_{k}") for k in range(2, 22)]).cast(pl.Float64),
         "Number of documents provided", "Nombre de documents fournis"),
        ("BUREAU_REQUESTS_TOTAL", pl.sum_horizontal([pl.col(f"AMT_REQ_CREDIT_BUREAU_{p}") for p in (
            "HOUR", "DAY", "WEEK", "MON", "QRT", "YEAR")]).cast(pl.Float64),
         "Credit-bureau enquiries in the last year", "Consultations du bureau de crédit sur un an"),
        ("EXT_SOURCE_MEAN", pl.mean_horizontal(ext), "Mean of the external scores", "Moyenne des scores externes"),
        ("EXT_SOURCE_MIN", pl.min_horizontal(ext), "Lowest external score", "Plus bas score externe"),
        ("EXT_SOURCE_MAX", pl.max_horizontal(ext), "Highest external score", "Plus haut score externe"),
        ("EXT_SOURCE_STD", pl.concat_list(ext).list.drop_nulls().list.std(), "Spread of the external scores",
         "Dispersion des scores externes"),
        ("EXT_SOURCE_PROD", ext[0] * ext[1] * ext[2], "Product of the three external scores",
         "Produit des trois scores externes"),
        ("EXT_SOURCE_WEIGHTED", (ext[0] * 2 + ext[1] * 1 + ext[2] * 3) / 6,
         "Weighted external score (2·S1 + S2 + 3·S3) / 6", "Score externe pondéré (2·S1 + S2 + 3·S3) / 6"),
        ("EXT_SOURCE_MISSING", pl.sum_horizontal([e.is_null().cast(pl.Int64) for e in ext]).cast(pl.Float64),
         "Number of missing external scores", "Nombre de scores externes manquants"),
        ("EXT_2_3_PROD", ext[1] * ext[2], "External score 2 × external score 3", "Score externe 2 × score externe 3"),
        ("EXT_2_AGE_RATIO", _ratio(ext[1], -pl.col("DAYS_BIRTH") / 365.25), "External score 2 / age",
         "Score externe 2 / âge"),
    ]
    for name, expr, en, fr in rows:
        fs.add(name, expr.cast(pl.Float64), "last", "application", None, en=en, fr=fr)
    with fs.group("ext_source_3"):
        _add_external_score_interactions(fs)
    with fs.group("interest_rate"):
        _add_application_rate(fs)


def _add_external_score_interactions(fs: FeatureSet) -> None:
    """Candidate group "ext_source_3": the external scores crossed with each other and with the loan, the
    strongest score (EXT_SOURCE_3) in ratios."""
    e1, e2, e3 = (pl.col(f"EXT_SOURCE_{k}") for k in (1, 2, 3))
    age = -pl.col("DAYS_BIRTH") / 365.25
    rows = [
        ("EXT_1_3_PROD", e1 * e3, "External score 1 × external score 3", "Score externe 1 × score externe 3"),
        ("EXT_1_2_PROD", e1 * e2, "External score 1 × external score 2", "Score externe 1 × score externe 2"),
        ("EXT_3_AGE_RATIO", _ratio(e3, age), "External score 3 / age", "Score externe 3 / âge"),
        ("EXT_3_TERM_PROD", e3 * _ratio("AMT_CREDIT", "AMT_ANNUITY"),
         "External score 3 × credit amount / monthly instalment",
         "Score externe 3 × montant du crédit / mensualité"),
        ("EXT_3_CREDIT_INCOME_RATIO", _ratio(e3, _ratio("AMT_CREDIT", "AMT_INCOME_TOTAL")),
         "External score 3 / (credit amount / income)", "Score externe 3 / (montant du crédit / revenu)"),
        ("EXT_3_MINUS_2", e3 - e2, "External score 3 minus external score 2",
         "Score externe 3 moins score externe 2"),
        ("EXT_SOURCE_WEIGHTED_3", (e1 + 2 * e2 + 4 * e3) / 7, "Weighted external score (S1 + 2·S2 + 4·S3) / 7",
         "Score externe pondéré (S1 + 2·S2 + 4·S3) / 7"),
    ]
    for name, expr, en, fr in rows:
        fs.add(name, expr.cast(pl.Float64), "last", "application", None, en=en, fr=fr)


_TERM_STEP = 6  # months: the terms of the lender's previous loans are mostly multiples of 6 (6, 12, 18, 24...)


def simple_rate(credit: pl.Expr, annuity: pl.Expr, months: pl.Expr) -> pl.Expr:
    """Yearly simple interest rate of a loan repaid by ``months`` equal monthly annuities: (total repaid / amount
    - 1) / years. Null when a term, an amount or an annuity is missing or not positive."""
    ok = (months > 0) & (credit > 0) & (annuity > 0)
    return pl.when(ok).then((annuity * months / credit - 1.0) / (months / 12.0))


def _add_application_rate(fs: FeatureSet) -> None:
    """Candidate group "interest_rate" (current loan): the term of the application is not in the data, so it is
    estimated as the amount / annuity rounded up to the next multiple of 6 months, and the rate follows from that
    term. Circular by construction: the rate is what the rounding leaves, and it is wrong whenever the real term
    is longer than the guessed one (docs/methodology.md)."""
    months = _ratio("AMT_CREDIT", "AMT_ANNUITY")
    term = ((months / _TERM_STEP).ceil() * _TERM_STEP).clip(lower_bound=_TERM_STEP)
    fs.add("APP_TERM_ESTIMATE", term.cast(pl.Float64), "last", "application", None,
           en="Estimated term in months (amount / monthly instalment rounded up to a multiple of 6)",
           fr="Durée estimée en mois (montant / mensualité arrondi au multiple de 6 supérieur)")
    fs.add("APP_RATE_ESTIMATE", simple_rate(pl.col("AMT_CREDIT"), pl.col("AMT_ANNUITY"), term).cast(pl.Float64),
           "last", "application", None, en="Estimated yearly interest rate of the loan (from the estimated term)",
           fr="Taux d'intérêt annuel estimé du crédit (d'après la durée estimée)")


def _application_features(app: pl.LazyFrame, wanted: frozenset[str] | None) -> pl.LazyFrame:
    _, exprs = _application_set().plan(wanted)
    return app.select([pl.col(KEY), *exprs])


# ------------------------------------------------------------------------------------------------ bureau
def _levels(table: str, column: str) -> tuple[str, ...]:
    """Levels frequent enough in the real data to deserve a share column (schema vocabulary, reference shares)."""
    stats = schema.reference_stats()[table].get(column, {})
    shares = stats.get("shares", {})
    return tuple(level for level, share in shares.items() if share >= _MIN_LEVEL_SHARE)


def _bureau_rows(tables: Tables, split: bool) -> pl.LazyFrame:
    """Bureau credits, each with its monthly history summarised (bureau_balance, per credit)."""
    per_loan = _bureau_balance_per_loan(_table(tables, "bureau_balance"))
    return _table(tables, "bureau").join(per_loan, on="SK_ID_BUREAU", how="left")


_BUREAU_SUBSETS = {
    "bureau": ("the client's credits reported by other lenders", "les crédits du client déclarés par d'autres "
               "prêteurs"),
    "bureau_active": ("the client's active credits at other lenders", "les crédits en cours du client chez "
                      "d'autres prêteurs"),
    "bureau_closed": ("the client's closed credits at other lenders", "les crédits clos du client chez d'autres "
                      "prêteurs"),
    "bureau_12m": ("credits at other lenders opened in the last 12 months", "les crédits chez d'autres prêteurs "
                   "ouverts depuis 12 mois"),
    "bureau_balance": ("the monthly history of the client's credits at other lenders", "l'historique mensuel des "
                       "crédits du client chez d'autres prêteurs"),
    "bureau_balance_12m": ("the last 12 months of the client's credits at other lenders", "les 12 derniers mois "
                           "des crédits du client chez d'autres prêteurs"),
}


@family("bureau", rows=_bureau_rows)
def _bureau_set() -> FeatureSet:
    fs = FeatureSet("bureau", _BUREAU_SUBSETS)
    active, closed = pl.col("CREDIT_ACTIVE") == "Active", pl.col("CREDIT_ACTIVE") == "Closed"
    fs.count("BURO_COUNT", "bureau")
    fs.count("BURO_ACTIVE_COUNT", "bureau_active", active)
    fs.count("BURO_OPENED_12M_COUNT", "bureau_12m", pl.col("DAYS_CREDIT") >= -365)
    for column, aggs in _BUREAU_NUM.items():
        fs.numeric("BURO", column, aggs, "bureau")
        if column != "DAYS_ENDDATE_FACT":  # only closed credits have an actual end date
            fs.numeric("ACTIVE", column, aggs, "bureau_active", where=active)
        fs.numeric("CLOSED", column, aggs, "bureau_closed", where=closed)
    debt_ratio = _ratio("AMT_CREDIT_SUM_DEBT", "AMT_CREDIT_SUM")
    debt, _ = fs.sum_of("ACTIVE_DEBT_TOTAL", pl.when(active).then(pl.col("AMT_CREDIT_SUM_DEBT")), exact=True)
    amount, _ = fs.sum_of("ACTIVE_AMOUNT_TOTAL", pl.when(active).then(pl.col("AMT_CREDIT_SUM")), exact=True)
    fs.numeric("ACTIVE", "DEBT_CREDIT_RATIO", ("mean", "max"), "bureau_active", where=active, source=debt_ratio,
               label=("remaining debt / credit amount", "dette restante / montant du crédit"))
    fs.add("ACTIVE_DEBT_TOTAL_RATIO", _ratio(debt, amount), "sum", "bureau_active", "AMT_CREDIT_SUM_DEBT",
           en="Total remaining debt / total amount of the active credits at other lenders",
           fr="Dette restante totale / montant total des crédits en cours chez d'autres prêteurs")
    overdue = fs.prep_column("__overdue", ((pl.col("AMT_CREDIT_SUM_OVERDUE") > 0) | (pl.col("CREDIT_DAY_OVERDUE") > 0))
                             .cast(pl.Float64))
    fs.add_agg("BURO_OVERDUE_ANY", pl.col(overdue).max(), "max", "bureau", "AMT_CREDIT_SUM_OVERDUE",
           en="1 if a credit at another lender is currently overdue", fr="1 si un crédit chez un autre prêteur est "
           "actuellement en retard", fill_zero=True)
    fs.shares("BURO", "CREDIT_ACTIVE", _levels("bureau", "CREDIT_ACTIVE"), "bureau")
    fs.shares("BURO", "CREDIT_TYPE", _levels("bureau", "CREDIT_TYPE"), "bureau")
    status_labels = {"MAX": ("worst monthly delinquency level (0-5)", "pire niveau de retard mensuel (0-5)"),
                     "LATE_SHARE": ("share of months with a payment delay", "part des mois avec un retard"),
                     "X_SHARE": ("share of months with unknown status", "part des mois au statut inconnu"),
                     "C_SHARE": ("share of months closed", "part des mois clos"),
                     "MONTHS": ("number of months of history", "nombre de mois d'historique")}
    for stat, aggs in (("MAX", ("max", "mean")), ("LATE_SHARE", ("max", "mean")), ("X_SHARE", ("mean",)),
                       ("C_SHARE", ("mean",)), ("MONTHS", ("mean", "sum"))):
        for window, subset in (("", "bureau_balance"), ("12M_", "bureau_balance_12m")):
            if window and stat in ("X_SHARE", "C_SHARE"):
                continue
            fs.numeric("BB", f"{window}STATUS_{stat}", aggs, subset, label=status_labels[stat])
    return fs


def _bureau_balance_per_loan(bb: pl.LazyFrame) -> pl.LazyFrame:
    """Monthly statuses of one bureau credit -> worst delay level, share of late months, months of history."""
    steps, aggs, finish = _bureau_balance_expressions()
    for step in steps:
        bb = bb.with_columns(step)
    return bb.group_by("SK_ID_BUREAU").agg(aggs).select(finish)


@cache
def _bureau_balance_expressions() -> tuple[list[list[pl.Expr]], list[pl.Expr], list[pl.Expr]]:
    """(row-wise steps, per-loan aggregations, final columns), built once: the service builds per request."""
    # "1".."5" -> delay level 1-5, anything else ("0", "C", "X", unknown) -> 0 (parsed, not replaced by a
    # dictionary: docs/benchmarks.md)
    digit = pl.when(pl.col("STATUS").str.len_bytes() == 1).then(pl.col("STATUS").str.to_integer(strict=False))
    level = pl.when(digit.is_between(1, 5)).then(digit).otherwise(0).cast(pl.Int8)
    recent = pl.col("MONTHS_BALANCE") >= -12
    # integer flags and counts, divided once per loan: exact on every path
    steps = [[level.alias("__level"), (pl.col("STATUS") == "X").cast(pl.UInt32).alias("__x"),
              (pl.col("STATUS") == "C").cast(pl.UInt32).alias("__c")],
             [(pl.col("__level") > 0).cast(pl.UInt32).alias("__late")],
             [pl.when(recent).then(pl.col("__level")).alias("__level12"),
              pl.when(recent).then(pl.col("__late")).alias("__late12")]]
    aggs = [pl.col("__level").max().alias("__max"), pl.col("__late").sum(), pl.len().alias("__months"),
            pl.col("__level12").max().alias("__max12"), pl.col("__late12").sum(),
            pl.col("__level12").count().alias("__months12"), pl.col("__x").sum(), pl.col("__c").sum()]
    months, months12 = pl.col("__months"), pl.col("__months12")
    finish = [pl.col("SK_ID_BUREAU"), pl.col("__max").cast(pl.Float64).alias("STATUS_MAX"),
              (pl.col("__late") / months).alias("STATUS_LATE_SHARE"), months.cast(pl.Float64).alias("STATUS_MONTHS"),
              pl.col("__max12").cast(pl.Float64).alias("12M_STATUS_MAX"),
              pl.when(months12 > 0).then(pl.col("__late12") / months12).alias("12M_STATUS_LATE_SHARE"),
              months12.cast(pl.Float64).alias("12M_STATUS_MONTHS"), (pl.col("__x") / months).alias("STATUS_X_SHARE"),
              (pl.col("__c") / months).alias("STATUS_C_SHARE")]
    return steps, aggs, finish


# ------------------------------------------------------------------------------------------------ previous
_PREVIOUS_SUBSETS = {
    "previous": ("the client's previous applications with us", "les demandes précédentes du client chez nous"),
    "previous_approved": ("the client's approved previous applications", "les demandes précédentes acceptées"),
    "previous_refused": ("the client's refused previous applications", "les demandes précédentes refusées"),
    "previous_12m": ("the client's applications of the last 12 months", "les demandes des 12 derniers mois"),
    "previous_24m": ("the client's applications of the last 24 months", "les demandes des 24 derniers mois"),
}


@family("previous")
def _previous_set() -> FeatureSet:
    fs = FeatureSet("previous_application", _PREVIOUS_SUBSETS)
    status = pl.col("NAME_CONTRACT_STATUS")
    approved, refused = status == "Approved", status == "Refused"
    fs.count("PREV_COUNT", "previous")
    fs.count("PREV_REFUSED_COUNT", "previous_refused", refused)
    fs.count("PREV_12M_COUNT", "previous_12m", pl.col("DAYS_DECISION") >= -365)
    fs.count("PREV_12M_REFUSED_COUNT", "previous_12m", refused & (pl.col("DAYS_DECISION") >= -365))
    fs.count("PREV_24M_REFUSED_COUNT", "previous_24m", refused & (pl.col("DAYS_DECISION") >= -730))
    app_credit = _ratio("AMT_APPLICATION", "AMT_CREDIT")
    ratio_label = ("amount asked / amount granted", "montant demandé / montant accordé")
    for prefix, subset, where in (("PREV", "previous", None), ("APPROVED", "previous_approved", approved),
                                  ("REFUSED", "previous_refused", refused)):
        for column, aggs in _PREV_NUM.items():
            fs.numeric(prefix, column, aggs, subset, where=where)
        fs.numeric(prefix, "APP_CREDIT_RATIO", ("min", "max", "mean", "std"), subset, where=where,
                   source=app_credit, label=ratio_label)
    for column in _PREV_DATES:
        real_date = pl.when(pl.col(column) == SENTINEL).then(None).otherwise(pl.col(column))
        fs.numeric("APPROVED", column, ("max", "mean"), "previous_approved", where=approved, source=real_date)
    fs.numeric("APPROVED", "NFLAG_INSURED_ON_APPROVAL", ("mean",), "previous_approved", where=approved)
    remaining = pl.when(pl.col("DAYS_LAST_DUE_1ST_VERSION") == SENTINEL).then(None).otherwise(
        pl.col("DAYS_LAST_DUE_1ST_VERSION"))
    running = fs.prep_column("__running", (approved & (remaining > 0)).cast(pl.Float64))
    fs.add_agg("APPROVED_ACTIVE_COUNT", pl.col(running).sum(), "count",
           "previous_approved", "DAYS_LAST_DUE_1ST_VERSION", en="Number of approved previous loans still running",
           fr="Nombre de prêts précédents acceptés encore en cours", fill_zero=True)
    for column in _PREV_CATEGORIES:
        fs.shares("PREV", column, _levels("previous_application", column), "previous")
    for column in ("NAME_CONTRACT_STATUS", "NAME_CONTRACT_TYPE", "CODE_REJECT_REASON", "PRODUCT_COMBINATION"):
        last = pl.col(column).sort_by(["DAYS_DECISION", "SK_ID_PREV"]).last()
        fs.add_agg(f"PREV_LAST_{column}", last, "last", "previous", column, categorical=True)
    with fs.group("interest_rate"):
        rate = simple_rate(pl.col("AMT_CREDIT"), pl.col("AMT_ANNUITY"), pl.col("CNT_PAYMENT").cast(pl.Float64))
        label = ("yearly interest rate (from amount, instalment and term)",
                 "taux d'intérêt annuel (d'après montant, mensualité et durée)")
        fs.numeric("APPROVED", "RATE", ("min", "max", "mean"), "previous_approved", where=approved, source=rate,
                   label=label)
        last_rate = pl.when(approved).then(rate).sort_by(["DAYS_DECISION", "SK_ID_PREV"]).drop_nulls().last()
        fs.add_agg("APPROVED_LAST_RATE", last_rate.cast(pl.Float64), "last", "previous_approved", "CNT_PAYMENT",
                   en="Yearly interest rate of the most recent approved previous loan",
                   fr="Taux d'intérêt annuel du prêt précédent accepté le plus récent")
    return fs


# ------------------------------------------------------------------------------------------------ POS_CASH
_POS_SUBSETS = {
    "pos": ("the monthly history of the client's instalment loans", "l'historique mensuel des prêts "
            "échelonnés du client"),
    "pos_12m": ("the last 12 months of the client's instalment loans", "les 12 derniers mois des prêts "
                "échelonnés du client"),
}


@family("pos")
def _pos_set() -> FeatureSet:
    fs = FeatureSet("POS_CASH_balance", _POS_SUBSETS)
    recent = pl.col("MONTHS_BALANCE") >= -12
    fs.count("POS_COUNT", "pos")
    fs.numeric("POS", "MONTHS_BALANCE", ("min", "max", "mean"), "pos")
    fs.numeric("POS", "SK_DPD", ("max", "mean"), "pos")
    fs.numeric("POS", "SK_DPD_DEF", ("max", "mean"), "pos")
    fs.numeric("POS", "CNT_INSTALMENT", ("mean", "max"), "pos")
    fs.numeric("POS", "CNT_INSTALMENT_FUTURE", ("mean", "min"), "pos")
    fs.numeric("POS_12M", "SK_DPD", ("max", "mean"), "pos_12m", where=recent)
    fs.numeric("POS_12M", "SK_DPD_DEF", ("max", "mean"), "pos_12m", where=recent)
    fs.numeric("POS", "LATE", ("mean",), "pos", source=(pl.col("SK_DPD") > 0).cast(pl.Float64),
               label=("month with a payment delay", "mois avec un retard de paiement"))
    fs.add_agg("POS_LOANS_COUNT", pl.col("SK_ID_PREV").n_unique().cast(pl.Float64), "nunique", "pos", "SK_ID_PREV",
           en="Number of instalment loans with a monthly history", fr="Nombre de prêts échelonnés avec historique",
           fill_zero=True)
    fs.shares("POS", "NAME_CONTRACT_STATUS", _levels("POS_CASH_balance", "NAME_CONTRACT_STATUS"), "pos")
    return fs


# ------------------------------------------------------------------------------------------------ installments
_INSTALMENT_LABELS = {
    "DPD": ("days paid after the due date", "jours de paiement après l'échéance"),
    "DBD": ("days paid before the due date", "jours de paiement avant l'échéance"),
    "PAYMENT_RATIO": ("amount paid / amount due", "montant payé / montant dû"),
    "PAYMENT_DIFF": ("amount due minus amount paid", "montant dû moins montant payé"),
    "LATE": ("instalment paid late", "échéance payée en retard"),
    "SHORT": ("instalment paid short", "échéance payée partiellement"),
    "PAYMENT_ROWS": ("payments made for one instalment", "paiements pour une échéance"),
}


def _installment_rows(tables: Tables, split: bool) -> pl.LazyFrame:
    """One row per instalment (payment rows of one instalment summed); whole tables group on the packed key."""
    inst = _table(tables, "installments_payments")
    return _instalments_paid(inst, _packed_instalment_key(inst) if split else None)


_INSTALLMENTS_SUBSETS = {
    "installments": ("the client's past instalments", "les échéances passées du client"),
    "installments_12m": ("the client's instalments of the last 12 months", "les échéances des 12 derniers mois"),
    "installments_24m": ("the client's instalments of the last 24 months", "les échéances des 24 derniers mois"),
    "installments_60d": ("the client's instalments of the last 60 days", "les échéances des 60 derniers jours"),
    "installments_90d": ("the client's instalments of the last 90 days", "les échéances des 90 derniers jours"),
    "installments_180d": ("the client's instalments of the last 180 days", "les échéances des 180 derniers jours"),
}


@family("installments", rows=_installment_rows)
def _installments_set() -> FeatureSet:
    fs = FeatureSet("installments_payments", _INSTALLMENTS_SUBSETS)
    fs.count("INSTAL_COUNT", "installments")
    windows = (("INSTAL", "installments", None), ("INSTAL_12M", "installments_12m", pl.col("DAYS_INSTALMENT") >= -365),
               ("INSTAL_24M", "installments_24m", pl.col("DAYS_INSTALMENT") >= -730))
    for prefix, subset, where in windows:
        aggs = ("max", "mean", "sum", "std") if where is None else ("max", "mean")
        for column in ("DPD", "DBD", "PAYMENT_RATIO", "PAYMENT_DIFF"):
            fs.numeric(prefix, column, aggs, subset, where=where, label=_INSTALMENT_LABELS[column])
        for column in ("LATE", "SHORT"):
            fs.numeric(prefix, column, ("mean", "sum"), subset, where=where, label=_INSTALMENT_LABELS[column])
    fs.numeric("INSTAL", "PAYMENT_ROWS", ("mean", "max"), "installments", label=_INSTALMENT_LABELS["PAYMENT_ROWS"])
    fs.numeric("INSTAL", "NUM_INSTALMENT_VERSION", ("nunique", "max"), "installments")
    fs.numeric("INSTAL", "AMT_INSTALMENT", ("max", "mean", "sum"), "installments")
    fs.numeric("INSTAL", "AMT_PAYMENT", ("min", "max", "mean", "sum"), "installments")
    fs.numeric("INSTAL", "DAYS_ENTRY_PAYMENT", ("max", "mean"), "installments")
    with fs.group("day_windows"):
        for days in (60, 90, 180):
            where = pl.col("DAYS_INSTALMENT") >= -days
            for column, aggs in (("DPD", ("max", "mean")), ("LATE", ("mean",)), ("PAYMENT_RATIO", ("mean", "min"))):
                fs.numeric(f"INSTAL_{days}D", column, aggs, f"installments_{days}d", where=where,
                           label=_INSTALMENT_LABELS[column])
    with fs.group("recent_instalments"):
        _add_last_instalments(fs)
    return fs


_LAST_ORDER = ["DAYS_INSTALMENT", "SK_ID_PREV", "NUM_INSTALMENT_NUMBER", "NUM_INSTALMENT_VERSION"]  # ties broken


def _add_last_instalments(fs: FeatureSet) -> None:
    """Candidate group "recent_instalments": the client's last 1, 3 and 5 instalments (by due date)."""
    words = {1: ("the client's last instalment", "la dernière échéance du client"),
             3: ("the client's last 3 instalments", "les 3 dernières échéances du client"),
             5: ("the client's last 5 instalments", "les 5 dernières échéances du client")}
    for n, (en, fr) in words.items():
        for column in ("DPD", "LATE", "PAYMENT_RATIO"):
            col_en, col_fr = _INSTALMENT_LABELS[column]
            value = pl.col(column).sort_by(_LAST_ORDER).tail(n).mean()
            fs.add_agg(f"INSTAL_LAST{n}_{column}_MEAN", value.cast(pl.Float64), "mean", "installments", column,
                       en=f"Mean of {col_en} over {en}", fr=f"Moyenne de « {col_fr} » sur {fr}")


def _instalments_paid(inst: pl.LazyFrame, packed: pl.Expr | None = None) -> pl.LazyFrame:
    """One row per instalment: several payment rows of one instalment are summed; lateness uses the last one.

    ``packed``: one integer column equal for two rows exactly when their four instalment keys are equal
    (``_packed_instalment_key``), grouped on instead of the four columns: the same groups.
    """
    paid, keys, aggs, steps = _instalment_expressions()
    if packed is None:
        per = inst.with_columns(paid).group_by(keys).agg(aggs)
    else:
        carried = [pl.col(k).first() for k in keys]  # constant within a group, by construction of the key
        per = inst.with_columns(paid, packed.alias("__instalment")).group_by("__instalment").agg(carried + aggs)
        per = per.drop("__instalment")
    for step in steps:
        per = per.with_columns(step)
    return per


def _packed_instalment_key(inst: pl.LazyFrame) -> pl.Expr | None:
    """The four instalment keys packed into one Int64 (each key's offset from its minimum in its own bits), so
    that whole tables group on one column, faster than polars' four-column group-by (docs/benchmarks.md); None
    when the data do not allow it exactly: missing, fractional or non-finite keys, ranges wider than 62 bits."""
    keys = _instalment_expressions()[1]
    stats = inst.select(
        *[pl.col(k).min().alias(f"{k} min") for k in keys], *[pl.col(k).max().alias(f"{k} max") for k in keys],
        pl.sum_horizontal(pl.col(k).null_count() for k in keys).alias("missing"),
        pl.sum_horizontal((pl.col(k).cast(pl.Float64) != pl.col(k).cast(pl.Float64).floor()).sum() for k in keys)
        .alias("fractional"),  # NaN counts as fractional
    ).collect(engine="streaming").row(0, named=True)
    lows, highs = [stats[f"{k} min"] for k in keys], [stats[f"{k} max"] for k in keys]
    if stats["missing"] or stats["fractional"] or not all(v is not None and math.isfinite(v) for v in lows + highs):
        return None
    widths = [(int(high) - int(low)).bit_length() for low, high in zip(lows, highs, strict=True)]
    if sum(widths) > 62:
        return None
    packed, shift = pl.lit(0, dtype=pl.Int64), 0
    for key, low, width in zip(keys, lows, widths, strict=True):
        packed = packed + (pl.col(key).cast(pl.Int64) - int(low)) * (1 << shift)
        shift += width
    return packed


@cache
def _instalment_expressions() -> tuple[pl.Expr, list[str], list[pl.Expr], list[list[pl.Expr]]]:
    """(exact payment column, instalment keys, per-instalment aggregations, row-wise steps), built once."""
    keys = [KEY, "SK_ID_PREV", "NUM_INSTALMENT_VERSION", "NUM_INSTALMENT_NUMBER"]
    aggs = [pl.col("DAYS_INSTALMENT").min(), pl.col("AMT_INSTALMENT").max(),
            pl.col("__paid").sum().alias("AMT_PAYMENT"), pl.col("DAYS_ENTRY_PAYMENT").max(),
            pl.len().cast(pl.Float64).alias("PAYMENT_ROWS")]
    delay = pl.col("DAYS_ENTRY_PAYMENT") - pl.col("DAYS_INSTALMENT")
    steps = [[pl.col("AMT_PAYMENT").cast(pl.Float64)],
             [delay.clip(lower_bound=0).cast(pl.Float64).alias("DPD"),
              (pl.col("DAYS_INSTALMENT") - pl.col("DAYS_ENTRY_PAYMENT")).clip(lower_bound=0).cast(pl.Float64)
              .alias("DBD"),
              _ratio("AMT_PAYMENT", "AMT_INSTALMENT").alias("PAYMENT_RATIO"),
              (pl.col("AMT_INSTALMENT") - pl.col("AMT_PAYMENT")).cast(pl.Float64).alias("PAYMENT_DIFF"),
              (delay > 0).cast(pl.Float64).alias("LATE"),
              (pl.col("AMT_PAYMENT") < pl.col("AMT_INSTALMENT") - 1.0).cast(pl.Float64).alias("SHORT")]]
    return to_exact(pl.col("AMT_PAYMENT")).alias("__paid"), keys, aggs, steps


# ------------------------------------------------------------------------------------------------ credit card
_CREDIT_CARD_SUBSETS = {
    "credit_card": ("the monthly history of the client's credit cards", "l'historique mensuel des cartes de "
                    "crédit du client"),
    "credit_card_12m": ("the last 12 months of the client's credit cards", "les 12 derniers mois des cartes "
                        "de crédit du client"),
}


@family("credit_card")
def _credit_card_set() -> FeatureSet:
    fs = FeatureSet("credit_card_balance", _CREDIT_CARD_SUBSETS)
    fs.count("CC_COUNT", "credit_card")
    skip = {KEY, "SK_ID_PREV", "NAME_CONTRACT_STATUS"}
    for col in schema.table("credit_card_balance").columns:
        if col.name not in skip:
            fs.numeric("CC", col.name, _CC_AGGS, "credit_card")
    utilisation = _ratio("AMT_BALANCE", "AMT_CREDIT_LIMIT_ACTUAL")
    label = ("balance / card limit (utilisation)", "solde / plafond (taux d'utilisation)")
    fs.numeric("CC", "UTILISATION", ("mean", "max"), "credit_card", source=utilisation, label=label)
    recent = pl.col("MONTHS_BALANCE") >= -12
    fs.numeric("CC_12M", "UTILISATION", ("mean", "max"), "credit_card_12m", where=recent, source=utilisation,
               label=label)
    fs.numeric("CC_12M", "SK_DPD", ("max", "mean"), "credit_card_12m", where=recent)
    fs.numeric("CC", "LATE", ("mean",), "credit_card", source=(pl.col("SK_DPD") > 0).cast(pl.Float64),
               label=("month with a payment delay", "mois avec un retard de paiement"))
    fs.shares("CC", "NAME_CONTRACT_STATUS", _levels("credit_card_balance", "NAME_CONTRACT_STATUS"), "credit_card")
    return fs


def client_rows(tables: Mapping[str, pl.DataFrame], client: int | list[int]) -> dict[str, pl.DataFrame]:
    """Applicants' own rows of every table (what a scoring request carries), from in-memory tables.

    ``tables`` holds ``application`` (or application_train/application_test) and any history tables; ``client``
    is one applicant id or a list of them.
    """
    ids = [client] if isinstance(client, int) else list(client)
    apps = [tables[n] for n in ("application", *schema.APPLICATION_TABLES) if n in tables]
    application = pl.concat([a.drop("TARGET", strict=False) for a in apps], how="vertical")
    rows = {"application": application.filter(pl.col(KEY).is_in(ids))}
    for name in schema.HISTORY_TABLES:  # parents before children
        entry = schema.ENTRIES[name]
        if name in tables and entry.parent in rows:
            rows[name] = tables[name].filter(pl.col(entry.link).is_in(rows[entry.parent][entry.link].implode()))
    return rows
