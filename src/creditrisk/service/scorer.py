"""The scoring core behind the API, with no web framework in it: the service wraps it, benchmarks call it directly.

It loads a serving directory (written by ``creditrisk.service.publish``) once: the champion model with its bundle
(features, categorical columns, calibration, threshold, costs, review band), the production clients' features
and raw application rows, and the population of production clients with their PD and decision. Raw records go
through ``build_features``, the same function as training, so the service can never disagree with the pipeline.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import polars as pl

from creditrisk import schema
from creditrisk.model.cost import decide

log = logging.getLogger(__name__)

KEY = "SK_ID_CURR"
PRODUCTION = "production.parquet"      # model features of every production client (application_test)
APPLICATIONS = "applications.parquet"  # their raw application rows (what-if simulations start from them)
POPULATION = "population.parquet"      # their PD and decision (comparisons, browsing)
CATALOGUE = "catalogue.json"           # readable names of the model's features (EN/FR)
REPORTS = "reports.json"               # holdout metrics, global importance, drift summary (model page)

# Descriptive fields a relationship manager sees (no identity fields: the data has none beyond the id).
DESCRIPTIVE = ("NAME_CONTRACT_TYPE", "AMT_INCOME_TOTAL", "AMT_CREDIT", "AMT_ANNUITY", "AMT_GOODS_PRICE",
               "AGE_YEARS", "YEARS_EMPLOYED", "NAME_INCOME_TYPE", "OCCUPATION_TYPE", "NAME_EDUCATION_TYPE",
               "NAME_FAMILY_STATUS", "CNT_CHILDREN", "CNT_FAM_MEMBERS", "NAME_HOUSING_TYPE", "FLAG_OWN_CAR",
               "FLAG_OWN_REALTY", "CREDIT_INCOME_RATIO", "ANNUITY_INCOME_RATIO", "CREDIT_TERM_YEARS")
HISTORY_SUMMARY = ("BURO_COUNT", "BURO_ACTIVE_COUNT", "PREV_COUNT", "PREV_REFUSED_COUNT", "INSTAL_LATE_MEAN",
                   "POS_SK_DPD_MAX", "CC_UTILISATION_MEAN")
# Fields the browsing filters use (kept beside the PD in the population table).
BROWSE = ("NAME_CONTRACT_TYPE", "AMT_INCOME_TOTAL", "AMT_CREDIT", "AGE_YEARS", "CODE_GENDER")


class UnknownClient(KeyError):
    """A client id that is not among the production clients."""


@dataclass(frozen=True)
class Scores:
    client_ids: list[int]
    rows: list[list]  # model features in bundle order (plain Python values: the fastest input CatBoost takes)
    raw: np.ndarray
    pd: np.ndarray
    decision: np.ndarray


class Scorer:
    """Loads a serving directory once; every method is a pure function of it and the request."""

    def __init__(self, directory: Path):
        from creditrisk.model.pipeline import features_read, load_bundle

        directory = Path(directory)
        self.model, self.bundle, self.calibrator = load_bundle(directory)  # the same loader as evaluation
        self.features: list[str] = self.bundle["features"]
        self.categorical: list[str] = self.bundle["categorical"]
        # The features the model's trees read (224 of 610 for the default champion). Raw records only get
        # these built; the others cannot change a PD or a SHAP value and are passed to CatBoost as missing.
        read = features_read(self.model)
        self.read: list[str] = [f for f in self.features if f in read]
        self._position_of = {f: i for i, f in enumerate(self.features)}
        self._read_index = [self._position_of[f] for f in self.read]
        categorical = set(self.categorical)
        self._numeric = {i for i, f in enumerate(self.features) if f not in categorical}
        self._blank = [schema.MISSING_CATEGORY if f in categorical else float("nan") for f in self.features]
        self.threshold = float(self.bundle["threshold"])
        self.review_band = float(self.bundle["serving"]["review_band"])
        self.production = pd.read_parquet(directory / PRODUCTION).set_index(KEY)
        self.applications = pl.read_parquet(directory / APPLICATIONS)
        self.population = pd.read_parquet(directory / POPULATION).set_index(KEY)
        self.catalogue: dict[str, dict] = json.loads((directory / CATALOGUE).read_text())
        self.reports: dict = json.loads((directory / REPORTS).read_text())
        self._cat_index = [self._position_of[c] for c in self.categorical]
        self._matrix = self.production[self.features].to_numpy(dtype=object)  # one row lookup: microseconds
        self._position = {int(c): i for i, c in enumerate(self.production.index)}
        self._application = [i for i, f in enumerate(self.features) if self.catalogue[f]["table"] == "application"]
        self._neighbours = _NeighbourIndex(self.production, self._similarity_features())

    # ------------------------------------------------------------------------------------------ scoring
    def _rows(self, client_ids: list[int]) -> list[list]:
        missing = [c for c in client_ids if c not in self._position]
        if missing:
            raise UnknownClient(f"unknown client id(s) {missing[:10]}: not among the {len(self._position)} "
                                "production clients")
        return [self._matrix[self._position[c]].tolist() for c in client_ids]

    def _pool(self, rows: list[list]):
        from catboost import Pool

        return Pool(rows, cat_features=self._cat_index, feature_names=self.features)

    def _score(self, client_ids: list[int], rows: list[list]) -> Scores:
        raw = self.model.predict_proba(self._pool(rows))[:, 1]
        pd_ = self.calibrator.transform(raw)
        return Scores(client_ids, rows, raw, pd_, decide(pd_, self.threshold, self.review_band))

    def score_ids(self, client_ids: list[int]) -> Scores:
        return self._score(list(client_ids), self._rows(list(client_ids)))

    def _built_rows(self, tables: dict[str, pl.DataFrame], columns: list[str]) -> tuple[list[int], list[list]]:
        """Model rows of the applicants in ``tables``, built by the training builder.

        Only ``columns`` are built; the other positions of a row keep the blank values (missing for numbers, the
        missing-category code for categories).
        """
        from creditrisk.features.builder import build_features

        built = build_features(tables, columns=columns)
        positions = [self._position_of[c] for c in columns]
        rows = []
        for r in range(built.height):  # DataFrame.row is ~100x faster than .rows() or a cast on one row
            row = list(self._blank)
            for p, value in zip(positions, built.row(r)[1:], strict=True):  # SK_ID_CURR comes first
                row[p] = float("nan") if value is None and p in self._numeric else value  # CatBoost's missing
            rows.append(row)
        return built[KEY].to_list(), rows

    def score_records(self, tables: dict[str, pl.DataFrame]) -> Scores:
        """Score applicants from their raw rows (application + optional history), through the training builder."""
        return self._score(*self._built_rows(tables, self.read))

    def read_values(self, scores: Scores) -> list[list]:
        """Per scored client, the values of the features the model reads (``self.read``): what traffic logs keep."""
        return [[row[i] for i in self._read_index] for row in scores.rows]

    def simulate(self, client_id: int, changes: dict[str, Any]) -> tuple[Scores, Scores]:
        """(current, simulated) scores of a production client whose application fields are changed.

        Application features depend only on the application row, history features only on history rows, so the
        simulated row is the stored row with its application features rebuilt from the changed raw row.
        """
        current = self.score_ids([client_id])
        row = self.applications.filter(pl.col(KEY) == client_id)
        changed = row.with_columns([pl.lit(v, dtype=row.schema[k]).alias(k) for k, v in changes.items()])
        names = [self.features[i] for i in self._application]
        _, (rebuilt,) = self._built_rows({"application": changed}, names)
        simulated = list(current.rows[0])
        for i in self._application:
            simulated[i] = rebuilt[i]
        return current, self._score([client_id], [simulated])

    def as_results(self, scores: Scores) -> list[dict]:
        return [{"client_id": int(c), "probability_of_default": float(p), "decision": str(d),
                 "threshold": self.threshold, "review_band": self.review_band, "model_version": self.version}
                for c, p, d in zip(scores.client_ids, scores.pd, scores.decision, strict=True)]

    # ------------------------------------------------------------------------------------------ explanation
    def explain(self, scores: Scores, top: int = 10, language: str = "fr") -> list[dict]:
        """Native CatBoost SHAP values (logit scale): top factors raising and lowering the risk of each client.

        ``base_value + sum(all contributions) == logit`` exactly; ``others`` carries the contributions not listed.
        """
        shap = self.model.get_feature_importance(self._pool(scores.rows), type="ShapValues")
        out = []
        for i, client in enumerate(scores.client_ids):
            values, base = shap[i, :-1], float(shap[i, -1])
            # a feature with no contribution is no reason (features the model does not read are all 0)
            order = [j for j in np.argsort(-np.abs(values), kind="mergesort")[:top] if values[j] != 0]
            row = scores.rows[i]
            factors = [self._factor(self.features[j], row[j], float(values[j]), language) for j in order]
            out.append({"client_id": int(client), "base_value": base, "logit": float(base + values.sum()),
                        "raw_score": float(scores.raw[i]), "probability_of_default": float(scores.pd[i]),
                        "decision": str(scores.decision[i]), "threshold": self.threshold,
                        "raises_risk": [f for f in factors if f["contribution"] > 0],
                        "lowers_risk": [f for f in factors if f["contribution"] < 0],
                        "others": float(values.sum() - sum(f["contribution"] for f in factors))})
        return out

    def _factor(self, feature: str, value: Any, contribution: float, language: str) -> dict:
        entry = self.catalogue[feature]
        return {"feature": feature, "label": entry[f"description_{language}"], "value": _plain(value),
                "contribution": contribution}

    # ------------------------------------------------------------------------------------------ dashboard data
    @property
    def version(self) -> str:
        return str(self.bundle["serving"]["model_version"])

    def client_info(self, client_id: int, language: str = "fr") -> dict:
        x = dict(zip(self.features, self._rows([client_id])[0], strict=True))
        pop = self.population.loc[client_id]
        def describe(names: tuple[str, ...]) -> list[dict]:
            return [{"field": n, "label": self.catalogue[n][f"description_{language}"], "value": _plain(x[n])}
                    for n in names if n in self.catalogue]
        return {"client_id": client_id, "probability_of_default": float(pop["pd"]), "decision": str(pop["decision"]),
                "descriptive": describe(DESCRIPTIVE), "history": describe(HISTORY_SUMMARY)}

    def browse(self, decision: str | None = None, contract_type: str | None = None,
               income: tuple[float | None, float | None] = (None, None), age: tuple[float | None, float | None]
               = (None, None), pd_range: tuple[float | None, float | None] = (None, None), limit: int = 50,
               offset: int = 0) -> dict:
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
        hits = pop[mask]
        page = hits.iloc[offset:offset + limit].reset_index()
        rows = [{"client_id": int(r[KEY]), "probability_of_default": float(r["pd"]), "decision": r["decision"],
                 "contract_type": r["NAME_CONTRACT_TYPE"], "income": _plain(r["AMT_INCOME_TOTAL"]),
                 "credit": _plain(r["AMT_CREDIT"]), "age_years": _plain(r["AGE_YEARS"])}
                for r in page.to_dict("records")]
        return {"total": int(mask.sum()), "offset": offset, "clients": rows}

    def distribution(self, feature: str, client_id: int | None, bins: int = 20, neighbours: int = 50) -> dict:
        """A feature's histogram over all production clients, by decision, and among the client's nearest peers."""
        if feature not in self.catalogue:
            raise KeyError(f"unknown feature {feature!r}")
        values = self.production[feature]
        categorical = feature in self.categorical
        groups = {"all": values, **{d: values[(self.population["decision"] == d).to_numpy()]
                                    for d in ("accept", "review", "refuse")}}
        client_value, percentile = None, None
        if client_id is not None:
            client_value = _plain(self._rows([client_id])[0][self.features.index(feature)])
            groups["similar"] = values.loc[self._neighbours.query(client_id, neighbours)]
            if not categorical and client_value is not None:
                present = values.dropna().to_numpy(dtype=float)
                percentile = float(100 * np.mean(present < client_value)) if present.size else None
        summary = _categorical_counts(groups) if categorical else _histograms(groups, values, bins)
        return {"feature": feature, "label_fr": self.catalogue[feature]["description_fr"],
                "label_en": self.catalogue[feature]["description_en"], "categorical": categorical,
                "client_value": client_value, "client_percentile": percentile, **summary}

    def scatter(self, x: str, y: str, client_ids: list[int], sample: int = 1000, seed: int = 0) -> dict:
        for name in (x, y):
            if name not in self.catalogue or name in self.categorical:
                raise KeyError(f"{name!r} is not a numeric model feature")
        rows = self.production.sample(n=min(sample, len(self.production)), random_state=seed)
        decisions = self.population.loc[rows.index, "decision"]
        points = [{"x": _plain(a), "y": _plain(b), "decision": d}
                  for a, b, d in zip(rows[x], rows[y], decisions, strict=True)]
        ix, iy = self.features.index(x), self.features.index(y)
        clients = [{"client_id": int(c), "x": _plain(r[ix]), "y": _plain(r[iy])}
                   for c, r in zip(client_ids, self._rows(client_ids), strict=True)]
        return {"x": x, "y": y, "points": points, "clients": clients}

    def model_info(self) -> dict:
        b = self.bundle
        importance = [{**r, "label_fr": self.catalogue.get(r["feature"], {}).get("description_fr", r["feature"]),
                       "label_en": self.catalogue.get(r["feature"], {}).get("description_en", r["feature"])}
                      for r in self.reports.get("global_importance", [])]
        return {"model_version": self.version, "registered_model": b["serving"]["registered_model"],
                "trained_at": b["trained_at"], "threshold": self.threshold, "review_band": self.review_band,
                "costs": b["costs"], "features": len(self.features), "train_rows": b["train_rows"],
                "data_source": b["data_source"], "cv": b["cv"], **self.reports, "global_importance": importance}

    def _similarity_features(self) -> list[str]:
        ranked = [r["feature"] for r in self.reports.get("global_importance", [])]
        numeric = [f for f in ranked if f not in self.categorical]
        return numeric[:8] or [f for f in self.features if f not in self.categorical][:8]


class _NeighbourIndex:
    """Nearest production clients on the model's most important numeric features (standardised, NaN -> median)."""

    def __init__(self, production: pd.DataFrame, features: list[str]):
        x = production[features].to_numpy(dtype=float, na_value=np.nan)
        median = np.nanmedian(x, axis=0)
        x = np.where(np.isnan(x), median, x)
        scale = x.std(axis=0)
        self._x = ((x - x.mean(axis=0)) / np.where(scale > 0, scale, 1.0)).astype(np.float32)
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


def _plain(value: Any) -> Any:
    """JSON-friendly scalar: numpy types unwrapped, NaN and the missing-category marker as None."""
    if value is None or (isinstance(value, float | np.floating) and np.isnan(value)):
        return None
    if isinstance(value, np.generic):
        value = value.item()
    return None if value == schema.MISSING_CATEGORY else value
