"""The application's own columns, the lender's ratios, EXT_SOURCE combinations and the interest rate estimate."""

from __future__ import annotations

from functools import cache

import polars as pl

from creditrisk.data import schema
from creditrisk.data.schema import KEY
from creditrisk.features.family import SENTINEL, ratio
from creditrisk.features.labels import label_en, label_fr
from creditrisk.features.planner import FeatureSet


# ------------------------------------------------------------------------------------------------ application
@cache
def application_set() -> FeatureSet:
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


def _add_application_ratios(fs: FeatureSet) -> None:
    employed = pl.when(pl.col("DAYS_EMPLOYED") == SENTINEL).then(None).otherwise(pl.col("DAYS_EMPLOYED"))
    ext = [pl.col(f"EXT_SOURCE_{k}") for k in (1, 2, 3)]
    rows = [
        ("DAYS_EMPLOYED_ANOM", (pl.col("DAYS_EMPLOYED") == SENTINEL).cast(pl.Float64),
         "DAYS_EMPLOYED is the 365243 code (pensioner or unemployed)", "Code 365243 d'ancienneté (retraité ou sans "
         "emploi)"),
        ("CREDIT_INCOME_RATIO", ratio("AMT_CREDIT", "AMT_INCOME_TOTAL"), "Credit amount / monthly income",
         "Montant du crédit / revenu mensuel"),
        ("ANNUITY_INCOME_RATIO", ratio("AMT_ANNUITY", "AMT_INCOME_TOTAL"),
         "Monthly instalment / monthly income (debt burden)",
         "Mensualité / revenu mensuel (taux d'effort)"),
        ("PAYMENT_RATE", ratio("AMT_ANNUITY", "AMT_CREDIT"), "Monthly instalment / credit amount (repayment speed)",
         "Mensualité / montant du crédit (vitesse de remboursement)"),
        ("CREDIT_TERM_MONTHS", ratio("AMT_CREDIT", "AMT_ANNUITY"),
         "Credit amount / monthly instalment (months to repay, interest left aside)",
         "Montant du crédit / mensualité (mois de remboursement, intérêts mis à part)"),
        ("GOODS_CREDIT_RATIO", ratio("AMT_GOODS_PRICE", "AMT_CREDIT"), "Goods price / credit amount",
         "Prix du bien / montant du crédit"),
        ("CREDIT_GOODS_DIFF", (pl.col("AMT_CREDIT") - pl.col("AMT_GOODS_PRICE")).cast(pl.Float64),
         "Credit amount minus goods price (insurance and fees financed)",
         "Montant du crédit moins prix du bien (assurance et frais financés)"),
        ("EMPLOYED_AGE_RATIO", ratio(employed, "DAYS_BIRTH"), "Share of life spent in the current job",
         "Part de la vie passée dans l'emploi actuel"),
        ("INCOME_PER_PERSON", ratio("AMT_INCOME_TOTAL", "CNT_FAM_MEMBERS"), "Income per household member",
         "Revenu par membre du foyer"),
        ("AGE_YEARS", (-pl.col("DAYS_BIRTH") / 365.25).cast(pl.Float64), "Age in years", "Âge en années"),
        ("YEARS_EMPLOYED", (-employed / 365.25).cast(pl.Float64), "Years in the current job",
         "Années dans l'emploi actuel"),
        ("CAR_AGE_RATIO", ratio(pl.col("OWN_CAR_AGE") * 365.25, -pl.col("DAYS_BIRTH")), "Car age / client age",
         "Âge de la voiture / âge du client"),
        ("PHONE_CHANGE_AGE_RATIO", ratio("DAYS_LAST_PHONE_CHANGE", "DAYS_BIRTH"), "Days since phone change / age",
         "Ancienneté du téléphone / âge"),
        ("ID_PUBLISH_AGE_RATIO", ratio("DAYS_ID_PUBLISH", "DAYS_BIRTH"), "Days since ID document change / age",
         "Ancienneté de la pièce d'identité / âge"),
        ("REGISTRATION_AGE_RATIO", ratio("DAYS_REGISTRATION", "DAYS_BIRTH"), "Days since registration / age",
         "Ancienneté de l'enregistrement / âge"),
        ("CHILDREN_RATIO", ratio("CNT_CHILDREN", "CNT_FAM_MEMBERS"), "Children / household members",
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
        ("EXT_2_AGE_RATIO", ratio(ext[1], -pl.col("DAYS_BIRTH") / 365.25), "External score 2 / age",
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
        ("EXT_3_AGE_RATIO", ratio(e3, age), "External score 3 / age", "Score externe 3 / âge"),
        ("EXT_3_TERM_PROD", e3 * ratio("AMT_CREDIT", "AMT_ANNUITY"),
         "External score 3 × credit amount / monthly instalment",
         "Score externe 3 × montant du crédit / mensualité"),
        ("EXT_3_CREDIT_INCOME_RATIO", ratio(e3, ratio("AMT_CREDIT", "AMT_INCOME_TOTAL")),
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
    months = ratio("AMT_CREDIT", "AMT_ANNUITY")
    term = ((months / _TERM_STEP).ceil() * _TERM_STEP).clip(lower_bound=_TERM_STEP)
    fs.add("APP_TERM_ESTIMATE", term.cast(pl.Float64), "last", "application", None,
           en="Estimated term in months (amount / monthly instalment rounded up to a multiple of 6)",
           fr="Durée estimée en mois (montant / mensualité arrondi au multiple de 6 supérieur)")
    fs.add("APP_RATE_ESTIMATE", simple_rate(pl.col("AMT_CREDIT"), pl.col("AMT_ANNUITY"), term).cast(pl.Float64),
           "last", "application", None, en="Estimated yearly interest rate of the loan (from the estimated term)",
           fr="Taux d'intérêt annuel estimé du crédit (d'après la durée estimée)")


def application_features(app: pl.LazyFrame, wanted: frozenset[str] | None) -> pl.LazyFrame:
    _, exprs = application_set().plan(wanted)
    return app.select([pl.col(KEY), *exprs])
