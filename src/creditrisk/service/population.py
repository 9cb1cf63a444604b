"""The dashboard's questions about the production clients: one client's file, browsing with filters, a feature's
distribution by decision and among similar clients, two features side by side, the model page.

Reads the same serving data as the scorer (``ServingData``) and looks clients up through it; it never scores.
"""

from __future__ import annotations

from dataclasses import asdict

import numpy as np
import pandas as pd

from creditrisk.data.schema import KEY
from creditrisk.errors import InvalidRequest
from creditrisk.reasons.catalogue import load_catalogue
from creditrisk.service.scorer import Scorer, ServingData, plain

# Descriptive fields a relationship manager sees (no identity fields: the data has none beyond the id).
DESCRIPTIVE = ("NAME_CONTRACT_TYPE", "AMT_INCOME_TOTAL", "AMT_CREDIT", "AMT_ANNUITY", "AMT_GOODS_PRICE",
               "AGE_YEARS", "YEARS_EMPLOYED", "NAME_INCOME_TYPE", "OCCUPATION_TYPE", "NAME_EDUCATION_TYPE",
               "NAME_FAMILY_STATUS", "CNT_CHILDREN", "CNT_FAM_MEMBERS", "NAME_HOUSING_TYPE", "FLAG_OWN_CAR",
               "FLAG_OWN_REALTY", "CREDIT_INCOME_RATIO", "ANNUITY_INCOME_RATIO", "CREDIT_TERM_MONTHS")
HISTORY_SUMMARY = ("BURO_COUNT", "BURO_ACTIVE_COUNT", "PREV_COUNT", "PREV_REFUSED_COUNT", "INSTAL_LATE_MEAN",
                   "POS_SK_DPD_MAX", "CC_UTILISATION_MEAN")
DECISIONS = ("accept", "review", "refuse")


class Portfolio:
    def __init__(self, data: ServingData, scorer: Scorer) -> None:
        self.scorer = scorer
        self.bundle = data.predictor.bundle
        self.production, self.population = data.production, data.population
        self.catalogue, self.reports = data.catalogue, data.reports
        self.features, self.categorical = scorer.features, scorer.categorical
        self._neighbours = NeighbourIndex(self.production, self._similarity_features())

    def client_info(self, client_id: int, language: str = "fr") -> dict:
        """The client's file as people read it: labels, values in human units (``display``), categories named."""
        x = dict(zip(self.features, self.scorer.rows([client_id])[0], strict=True))
        pop = self.population.loc[client_id]
        reasons = load_catalogue()

        def describe(names: tuple[str, ...]) -> list[dict]:
            return [reasons.field(n, plain(x[n]), language) for n in names if n in self.catalogue]

        application = self.scorer.application(client_id)  # the loan as filed, to the cent (the model row rounds)
        loan = {k: application.get(k) for k in ("AMT_CREDIT", "AMT_ANNUITY", "AMT_GOODS_PRICE")}
        return {"client_id": client_id, "probability_of_default": float(pop["pd"]), "decision": str(pop["decision"]),
                "descriptive": describe(DESCRIPTIVE), "history": describe(HISTORY_SUMMARY), "loan": loan}

    def browse(self, decision: str | None = None, contract_type: str | None = None,
               income: tuple[float | None, float | None] = (None, None), age: tuple[float | None, float | None]
               = (None, None), pd_range: tuple[float | None, float | None] = (None, None), limit: int = 50,
               offset: int = 0, language: str = "fr") -> dict:
        pop = self.population
        mask = np.ones(len(pop), dtype=bool)
        if decision:
            mask &= (pop["decision"] == decision).to_numpy()
        if contract_type:
            mask &= (pop["NAME_CONTRACT_TYPE"] == contract_type).to_numpy()
        for column, (low, high) in (("AMT_INCOME_TOTAL", income), ("AGE_YEARS", age), ("pd", pd_range)):
            values = pop[column].to_numpy(dtype=float)
            if low is not None:
                mask &= values >= low
            if high is not None:
                mask &= values <= high
        page = pop[mask].iloc[offset:offset + limit].reset_index()
        reasons = load_catalogue()
        shown = {"contract_type": "NAME_CONTRACT_TYPE", "income": "AMT_INCOME_TOTAL", "credit": "AMT_CREDIT",
                 "age_years": "AGE_YEARS"}
        rows = [{"client_id": int(r[KEY]), "probability_of_default": float(r["pd"]), "decision": r["decision"],
                 **{key: plain(r[field]) for key, field in shown.items()},
                 "display": {key: reasons.field(field, plain(r[field]), language)["display"]
                             for key, field in shown.items()}}
                for r in page.to_dict("records")]
        return {"total": int(mask.sum()), "offset": offset, "clients": rows}

    def distribution(self, feature: str, client_id: int | None, bins: int = 20, neighbours: int = 50) -> dict:
        """A feature's histogram over all production clients, by decision, and among the client's nearest peers."""
        if feature not in self.catalogue:
            raise InvalidRequest(f"feature: unknown feature {feature!r}")
        values = self.production[feature]
        categorical = feature in self.categorical
        groups = {"all": values, **{d: values[(self.population["decision"] == d).to_numpy()] for d in DECISIONS}}
        client_value, percentile = None, None
        if client_id is not None:
            client_value = plain(self.scorer.rows([client_id])[0][self.features.index(feature)])
            groups["similar"] = values.loc[self._neighbours.query(client_id, neighbours)]
            if not categorical and client_value is not None:
                present = values.dropna().to_numpy(dtype=float)
                percentile = float(100 * np.mean(present < client_value)) if present.size else None
        summary = _categorical_counts(groups) if categorical else _histograms(groups, values, bins)
        field = load_catalogue().fields.get(feature, {})
        return {"feature": feature, "label_fr": field.get("fr", self.catalogue[feature]["description_fr"]),
                "label_en": field.get("en", self.catalogue[feature]["description_en"]),
                "unit": field.get("unit", "number"), "similar_on": self._neighbours.features,
                "categorical": categorical,
                "client_value": client_value, "client_percentile": percentile, **summary}

    def scatter(self, x: str, y: str, client_ids: list[int], sample: int = 1000, seed: int = 0) -> dict:
        for name in (x, y):
            if name not in self.catalogue or name in self.categorical:
                raise InvalidRequest(f"x/y: {name!r} is not a numeric model feature")
        rows = self.production.sample(n=min(sample, len(self.production)), random_state=seed)
        decisions = self.population.loc[rows.index, "decision"]
        points = [{"x": plain(a), "y": plain(b), "decision": d}
                  for a, b, d in zip(rows[x], rows[y], decisions, strict=True)]
        ix, iy = self.features.index(x), self.features.index(y)
        clients = [{"client_id": int(c), "x": plain(r[ix]), "y": plain(r[iy])}
                   for c, r in zip(client_ids, self.scorer.rows(client_ids), strict=True)]
        return {"x": x, "y": y, "points": points, "clients": clients}

    def model_info(self) -> dict:
        b = self.bundle
        importance = [{**r, "label_fr": self.catalogue.get(r["feature"], {}).get("description_fr", r["feature"]),
                       "label_en": self.catalogue.get(r["feature"], {}).get("description_en", r["feature"])}
                      for r in self.reports.get("global_importance", [])]
        return {"model_version": self.scorer.version, "registered_model": b.served.registered_model,
                "threshold": b.threshold, "review_band": b.served.review_band,
                "costs": asdict(b.costs), "features": len(b.features), "train_rows": b.train_rows,
                "data_source": b.data_source, "cv": asdict(b.cv), **self.reports, "global_importance": importance,
                "concept_importance": self._concept_importance(), "fields": self._fields(),
                "drift_concepts": self._drift_concepts()}

    def _drift_concepts(self) -> list[dict]:
        """The drifted columns of the drift report, counted by the concept a person reads."""
        reasons, counts = load_catalogue(), {}
        for column in (self.reports.get("drift") or {}).get("drifted_columns", []):
            concept = reasons.concept_of(column.removesuffix("__missing"))
            counts[concept.id] = counts.get(concept.id, 0) + 1
        return [{"concept": c, "label_fr": reasons.by_id[c].topic("fr"), "label_en": reasons.by_id[c].topic("en"),
                 "columns": n} for c, n in sorted(counts.items(), key=lambda item: -item[1])]

    def _concept_importance(self) -> list[dict]:
        """The model's most important features grouped into the concepts a person reads (summed mean |SHAP|)."""
        reasons, weights = load_catalogue(), {}
        for row in self.reports.get("global_importance", []):
            concept = reasons.concept_of(row["feature"])
            weights[concept.id] = weights.get(concept.id, 0.0) + row["mean_abs_shap"]
        return [{"concept": c, "label_fr": reasons.by_id[c].topic("fr"), "label_en": reasons.by_id[c].topic("en"),
                 "sensitive": reasons.by_id[c].sensitive, "weight": w}
                for c, w in sorted(weights.items(), key=lambda item: -item[1])]

    def _fields(self) -> dict[str, dict]:
        """Readable names and units of the fields the dashboard shows and compares (model features only)."""
        return {name: {"label_fr": spec["fr"], "label_en": spec["en"], "unit": spec["unit"]}
                for name, spec in load_catalogue().fields.items() if name in self.features}

    def _similarity_features(self) -> list[str]:
        """"Similar clients" are close on what an RM can name: the model's most important numeric fields that the
        client file shows with a label, never a sensitive one (age, family, gender)."""
        reasons = load_catalogue()

        def usable(feature: str) -> bool:
            if feature in self.categorical or feature not in reasons.fields:
                return False
            try:
                return not reasons.concept_of(feature).sensitive
            except KeyError:
                return False

        ranked = [r["feature"] for r in self.reports.get("global_importance", [])]
        chosen = [f for f in ranked if f in self.features and usable(f)][:6]
        return chosen or [f for f in self.features if usable(f)][:6]


class NeighbourIndex:
    """Nearest production clients on the model's most important numeric features (standardised, NaN -> median)."""

    def __init__(self, production: pd.DataFrame, features: list[str]) -> None:
        x = production[features].to_numpy(dtype=float, na_value=np.nan)
        median = np.nanmedian(x, axis=0)
        x = np.where(np.isnan(x), median, x)
        scale = x.std(axis=0)
        self._x = ((x - x.mean(axis=0)) / np.where(scale > 0, scale, 1.0)).astype(np.float32)
        self.features = features
        self._ids = production.index.to_numpy()
        self._position = {int(c): i for i, c in enumerate(self._ids)}

    def query(self, client_id: int, k: int) -> np.ndarray:
        d = ((self._x - self._x[self._position[client_id]]) ** 2).sum(axis=1)
        d[self._position[client_id]] = np.inf  # the client is not their own peer
        k = min(k, len(d) - 1)
        return self._ids[np.argpartition(d, k)[:k]]


def _histograms(groups: dict[str, pd.Series], values: pd.Series, bins: int) -> dict:
    finite = values.dropna().to_numpy(dtype=float)
    edges = np.histogram_bin_edges(finite, bins=bins) if finite.size else np.array([0.0, 1.0])
    out = {"edges": edges.tolist(), "counts": {}, "missing": {}, "median": {}}
    for name, series in groups.items():
        v = series.dropna().to_numpy(dtype=float)
        out["counts"][name] = np.histogram(v, bins=edges)[0].tolist()
        out["missing"][name] = int(series.isna().sum())
        out["median"][name] = float(np.median(v)) if v.size else None
    return out


def _categorical_counts(groups: dict[str, pd.Series]) -> dict:
    return {"categories": sorted(groups["all"].astype(str).unique().tolist()),
            "counts": {name: s.astype(str).value_counts().to_dict() for name, s in groups.items()}}
