"""The feature catalogue: one entry per feature, built together with the feature's expression.

Name, source table, aggregation, subset of rows, source column and a plain-language description in English and
French. The model card, the API and the dashboard read it (``reports/feature_catalogue.json``) to show
readable names.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import polars as pl

from creditrisk.features import labels

SUBSETS = {  # subset -> (English, French), phrased to follow "over"/"sur"
    "application": ("the application", "la demande"),
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
    "previous": ("the client's previous applications with us", "les demandes précédentes du client chez nous"),
    "previous_approved": ("the client's approved previous applications", "les demandes précédentes acceptées"),
    "previous_refused": ("the client's refused previous applications", "les demandes précédentes refusées"),
    "previous_12m": ("the client's applications of the last 12 months", "les demandes des 12 derniers mois"),
    "previous_24m": ("the client's applications of the last 24 months", "les demandes des 24 derniers mois"),
    "pos": ("the monthly history of the client's instalment loans", "l'historique mensuel des prêts "
            "échelonnés du client"),
    "pos_12m": ("the last 12 months of the client's instalment loans", "les 12 derniers mois des prêts "
                "échelonnés du client"),
    "installments": ("the client's past instalments", "les échéances passées du client"),
    "installments_12m": ("the client's instalments of the last 12 months", "les échéances des 12 derniers mois"),
    "installments_24m": ("the client's instalments of the last 24 months", "les échéances des 24 derniers mois"),
    "credit_card": ("the monthly history of the client's credit cards", "l'historique mensuel des cartes de "
                    "crédit du client"),
    "credit_card_12m": ("the last 12 months of the client's credit cards", "les 12 derniers mois des cartes "
                        "de crédit du client"),
}


@dataclass(frozen=True)
class Feature:
    """What a feature is, for people: the expression that computes it lives beside it in ``FeatureSet``."""

    name: str
    table: str
    aggregation: str
    subset: str
    column: str | None
    description_en: str
    description_fr: str
    categorical: bool = False
    fill_zero: bool = False  # counts: an applicant without records has 0, not "unknown"

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class FeatureSet:
    """Expressions evaluated in one ``group_by(SK_ID_CURR)`` (or row-wise for the application) + their catalogue."""

    table: str
    exprs: list[pl.Expr] = field(default_factory=list)
    features: list[Feature] = field(default_factory=list)

    def add(self, name: str, expr: pl.Expr, aggregation: str, subset: str, column: str | None,
            en: str | None = None, fr: str | None = None, categorical: bool = False, fill_zero: bool = False,
            label: tuple[str, str] | None = None) -> None:
        """Register one feature; descriptions are composed from the aggregation, column and subset if not given."""
        if en is None or fr is None:
            col_en, col_fr = label or (labels.label_en(column or "", self.table), labels.label_fr(column or ""))
            agg_en, agg_fr = labels.AGGREGATIONS[aggregation]
            sub_en, sub_fr = SUBSETS[subset]
            en = en or f"{agg_en} of {col_en} over {sub_en}"
            fr = fr or f"{agg_fr} de « {col_fr} » sur {sub_fr}"
        self.exprs.append(expr.alias(name))
        self.features.append(Feature(name, self.table, aggregation, subset, column, en, fr, categorical, fill_zero))

    def numeric(self, prefix: str, column: str, aggs: tuple[str, ...], subset: str, where: pl.Expr | None = None,
                source: pl.Expr | None = None, label: tuple[str, str] | None = None) -> None:
        """``prefix_COLUMN_AGG`` for each aggregation, optionally over the rows where ``where`` holds."""
        base = source if source is not None else pl.col(column)
        if where is not None:
            base = base.filter(where)
        for agg in aggs:
            self.add(f"{prefix}_{column}_{agg.upper()}", _aggregate(base, agg), agg, subset, column, label=label)

    def shares(self, prefix: str, column: str, levels: tuple[str, ...], subset: str) -> None:
        """Share of the client's rows in each known level of a categorical column (kernel-style one-hot mean)."""
        col_en, col_fr = labels.label_en(column, self.table), labels.label_fr(column)
        for level in levels:
            name = f"{prefix}_{column}_{_slug(level)}_SHARE"
            self.add(name, exact_mean((pl.col(column) == level).cast(pl.Float64)), "share", subset, column,
                     en=f"Share of {SUBSETS[subset][0]} with {col_en} = {level!r}",
                     fr=f"Part des éléments de {SUBSETS[subset][1]} avec « {col_fr} » = {level!r}")

    def count(self, name: str, subset: str, where: pl.Expr | None = None) -> None:
        expr = pl.len() if where is None else where.cast(pl.Int64).sum()
        en, fr = SUBSETS[subset]
        self.add(name, expr.cast(pl.Float64), "count", subset, None, en=f"Number of {en}", fr=f"Nombre de {fr}",
                 fill_zero=True)


def _aggregate(expr: pl.Expr, agg: str) -> pl.Expr:
    if agg in ("sum", "mean", "std"):
        return {"sum": exact_sum, "mean": exact_mean, "std": exact_std}[agg](expr)
    return {"min": expr.min(), "max": expr.max(), "nunique": expr.n_unique(), "last": expr.last()}[agg].cast(
        pl.Float64)


# Floating-point addition is not associative and polars adds a group's values in an order that depends on its
# algorithm choice (sampled) and on threads: sums are taken in 128-bit decimal instead, which is exact, so every
# run and every path (whole table or one client's rows) gives the same bits.
_EXACT = pl.Decimal(38, 9)


def exact_sum(expr: pl.Expr) -> pl.Expr:
    return expr.cast(_EXACT, strict=False).sum().cast(pl.Float64)


def exact_mean(expr: pl.Expr) -> pl.Expr:
    n = expr.count()
    return pl.when(n > 0).then(exact_sum(expr) / n).otherwise(None)


def exact_std(expr: pl.Expr) -> pl.Expr:
    """Two-pass sample standard deviation from exact sums (polars' own std varies in the last bits)."""
    x = expr.cast(pl.Float64)
    n = x.count()
    return pl.when(n > 1).then((exact_sum((x - exact_mean(x)) ** 2) / (n - 1)).sqrt()).otherwise(None)


def _slug(level: str) -> str:
    out = "".join(ch if ch.isalnum() else "_" for ch in level.upper())
    return "_".join(part for part in out.split("_") if part)
