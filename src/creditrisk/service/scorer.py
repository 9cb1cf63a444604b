"""The scoring core behind the API, with no web framework in it: the service wraps it, benchmarks call it directly.

``ServingData.load`` reads a serving directory (written by ``creditrisk.service.model_store``) once: the champion
with its bundle, the production clients' features and raw application rows, their PDs and decisions, readable
feature names and report figures. ``Scorer`` scores and explains clients from it; ``Portfolio`` (portfolio.py)
answers the dashboard's questions about all clients. Raw records go through ``build_features``, the same function
as training, so the service can never disagree with the pipeline.
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

from creditrisk.artefacts import catalogue as files
from creditrisk.artefacts.catalogue import SCORECARD_META
from creditrisk.artefacts.predictor import Predictor
from creditrisk.data import schema
from creditrisk.data.schema import KEY
from creditrisk.errors import UnknownClient
from creditrisk.governance.master_scale import MasterScale
from creditrisk.model.cost import decide
from creditrisk.model.scorecard import Challenger
from creditrisk.monitoring.traffic import Bins
from creditrisk.reasons.catalogue import load_catalogue
from creditrisk.reasons.writer import ReasonWriter

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServingData:
    """Everything in a serving directory, loaded once."""

    predictor: Predictor
    production: pd.DataFrame  # model features of the production clients, indexed by SK_ID_CURR
    applications: pl.DataFrame  # their raw application rows
    population: pd.DataFrame  # their PD, decision and browsing fields, indexed by SK_ID_CURR
    catalogue: dict[str, dict]  # feature -> readable names
    reports: dict  # model page figures
    bins: Bins  # how the traffic log counts the monitored features
    challenger: Challenger | None = None  # the scorecard scored in shadow (never decisive)

    @classmethod
    def load(cls, directory: Path) -> ServingData:
        directory = Path(directory)
        return cls(predictor=Predictor.from_dir(directory),  # the same loader as evaluation
                   production=pd.read_parquet(directory / files.PRODUCTION).set_index(KEY),
                   applications=pl.read_parquet(directory / files.APPLICATIONS),
                   population=pd.read_parquet(directory / files.POPULATION).set_index(KEY),
                   catalogue=json.loads((directory / files.SERVING_CATALOGUE).read_text()),
                   reports=json.loads((directory / files.REPORTS).read_text()),
                   bins=Bins.read(directory / files.MONITORING_BINS),
                   challenger=Challenger.read(directory) if (directory / SCORECARD_META).exists() else None)


@dataclass(frozen=True)
class Scores:
    client_ids: list[int]
    rows: list[list]  # model features in bundle order (plain Python values: the fastest input CatBoost takes)
    raw: np.ndarray
    pd: np.ndarray
    decision: np.ndarray


class FeatureLayout:
    """Where each model feature sits in a row, and the row of a client with nothing built (all missing)."""

    def __init__(self, features: list[str], categorical: list[str], read: set[str]) -> None:
        self.features = features
        self.position = {f: i for i, f in enumerate(features)}
        cats = set(categorical)
        self.numeric = {i for i, f in enumerate(features) if f not in cats}
        self.blank = [schema.MISSING_CATEGORY if f in cats else float("nan") for f in features]
        # The features the model's trees read (224 of 610 for the default champion). Raw records only get these
        # built; the others cannot change a PD or a SHAP value and are passed to CatBoost as missing.
        self.read = [f for f in features if f in read]

    def fill(self, positions: list[int], values: tuple) -> list:
        """A blank row with the values at ``positions`` (a missing number as NaN, CatBoost's missing)."""
        row = list(self.blank)
        for p, value in zip(positions, values, strict=True):
            row[p] = float("nan") if value is None and p in self.numeric else value
        return row


class Scorer:
    """PD, decision and reasons of production clients (by id) or of applicants sent as raw records."""

    def __init__(self, data: ServingData) -> None:
        self.predictor = data.predictor
        bundle = data.predictor.bundle
        self.features, self.categorical = bundle.features, bundle.categorical
        self.threshold, self.review_band = bundle.threshold, bundle.served.review_band
        self.version = str(bundle.served.model_version)
        self.scale = MasterScale(tuple(bundle.served.grade_bounds))
        self.layout = FeatureLayout(self.features, self.categorical, data.predictor.features_read())
        self.read = self.layout.read
        self.catalogue = data.catalogue
        self.applications = data.applications
        self._stored = _StoredRows(data.production[self.features])
        self._application = [f for f in self.features if self.catalogue[f]["table"] == "application"]
        medians = data.production[self.features].select_dtypes("number").median()
        self.reasons = ReasonWriter(load_catalogue(), self.features, medians.dropna().to_dict())
        # raw records get built what the model reads and what the reasons quote: the same answer as by id
        quoted = {c.value for c in self.reasons.catalogue.concepts}
        self.challenger = data.challenger
        shadow = set(self.challenger.inputs) if self.challenger else set()
        self.built = [f for f in self.features if f in set(self.read) | quoted | shadow]

    # ------------------------------------------------------------------------------------------ scoring
    def rows(self, client_ids: list[int]) -> list[list]:
        """The stored feature rows of production clients (UnknownClient for any other id)."""
        return self._stored.rows(client_ids)

    def _score(self, client_ids: list[int], rows: list[list]) -> Scores:
        raw, pd_ = self.predictor.predict_rows(rows)
        return Scores(client_ids, rows, raw, pd_, decide(pd_, self.threshold, self.review_band))

    def score_ids(self, client_ids: list[int]) -> Scores:
        return self._score(list(client_ids), self.rows(list(client_ids)))

    def _built_rows(self, tables: dict[str, pl.DataFrame], columns: list[str]) -> tuple[list[int], list[list]]:
        """Model rows of the applicants in ``tables``, built by the training builder; only ``columns`` are built,
        the rest of each row is blank."""
        from creditrisk.features.builder import build_features

        built = build_features(tables, columns=columns)
        positions = [self.layout.position[c] for c in columns]
        # DataFrame.row: see docs/benchmarks.md (one client's row, the service path)
        rows = [self.layout.fill(positions, built.row(r)[1:]) for r in range(built.height)]  # the key comes first
        return built[KEY].to_list(), rows

    def score_records(self, tables: dict[str, pl.DataFrame]) -> Scores:
        """Score applicants from their raw rows (application + optional history), through the training builder;
        the features the model reads and those its reasons quote are built, the others left missing."""
        return self._score(*self._built_rows(tables, self.built))

    def values(self, scores: Scores, names: list[str]) -> pd.DataFrame:
        """The scored clients' values of some model features (one row per client): what the traffic log counts."""
        positions = [self.layout.position[name] for name in names]
        return pd.DataFrame([[row[p] for p in positions] for row in scores.rows], columns=names)

    def challenger_inputs(self, scores: Scores) -> pd.DataFrame | None:
        """The scored clients' values of the challenger's inputs (None without a challenger)."""
        return None if self.challenger is None else self.values(scores, self.challenger.inputs)

    def shadow(self, inputs: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """The challenger scorecard's PD and accept/refuse decision from its inputs: for the traffic log only,
        never returned, never decisive."""
        pd_ = self.challenger.predict_pd(inputs)
        return pd_, np.where(pd_ >= self.challenger.threshold, "refuse", "accept")

    def simulate(self, client_id: int, changes: dict[str, Any]) -> tuple[Scores, Scores]:
        """(current, simulated) scores of a production client whose application fields are changed."""
        return self.score_ids([client_id]), self.simulate_many(client_id, [changes])

    def simulate_many(self, client_id: int, variants: list[dict[str, Any]]) -> Scores:
        """Scores of a production client under each variant of its application fields (one build for all).

        Application features depend only on the application row, history features only on history rows, so each
        simulated row is the stored row with its application features rebuilt from the changed raw row.
        """
        (stored,) = self.rows([client_id])
        row = self.applications.filter(pl.col(KEY) == client_id)
        changed = pl.concat([row.with_columns([pl.lit(v, dtype=row.schema[k]).alias(k) for k, v in changes.items()])
                             for changes in variants])
        _, rebuilt = self._built_rows({"application": changed}, self._application)
        positions = [self.layout.position[name] for name in self._application]
        simulated = []
        for new in rebuilt:
            candidate = list(stored)
            for p in positions:
                candidate[p] = new[p]
            simulated.append(candidate)
        return self._score([client_id] * len(variants), simulated)

    def application(self, client_id: int) -> dict[str, Any]:
        """The raw application row of a production client."""
        self.rows([client_id])  # UnknownClient for any other id
        return self.applications.filter(pl.col(KEY) == client_id).row(0, named=True)

    def as_results(self, scores: Scores) -> list[dict]:
        """Per client: PD, its grade on the master scale (1 = lowest risk, of ``grades``), decision, threshold."""
        grades = self.scale.grade(scores.pd)
        return [{"client_id": int(c), "probability_of_default": float(p), "grade": int(g),
                 "grades": len(self.scale.grades), "decision": str(d), "threshold": self.threshold,
                 "review_band": self.review_band, "model_version": self.version}
                for c, p, g, d in zip(scores.client_ids, scores.pd, grades, scores.decision, strict=True)]

    # ------------------------------------------------------------------------------------------ explanation
    def explain(self, scores: Scores, top: int = 10, language: str = "fr") -> list[dict]:
        """Why each client gets their decision: the principal reasons in plain sentences (``reasons``: at most
        four, in the direction of the decision, never a sensitive one), every concept for the relationship
        manager (``concepts``, sensitive ones marked), and the model's own terms (native CatBoost SHAP values,
        logit scale: ``base_value + sum(all contributions) == logit`` exactly; ``others`` carries the
        contributions not listed)."""
        shap = self.predictor.shap_values(scores.rows)
        out = []
        for i, client in enumerate(scores.client_ids):
            values, base = shap[i, :-1], float(shap[i, -1])
            # a feature with no contribution is no reason (features the model does not read are all 0)
            order = [j for j in np.argsort(-np.abs(values), kind="mergesort")[:top] if values[j] != 0]
            row = scores.rows[i]
            factors = [self._factor(self.features[j], row[j], float(values[j]), language) for j in order]
            concepts = self.reasons.concepts(values, row, language)
            principal = self.reasons.principal(concepts, str(scores.decision[i]))
            out.append({"client_id": int(client), "base_value": base, "logit": float(base + values.sum()),
                        "raw_score": float(scores.raw[i]), "probability_of_default": float(scores.pd[i]),
                        "grade": int(self.scale.grade([scores.pd[i]])[0]), "grades": len(self.scale.grades),
                        "decision": str(scores.decision[i]), "threshold": self.threshold,
                        "raises_risk": [f for f in factors if f["contribution"] > 0],
                        "lowers_risk": [f for f in factors if f["contribution"] < 0],
                        "others": float(values.sum() - sum(f["contribution"] for f in factors)),
                        "reasons": [r.to_dict() for r in principal], "concepts": [r.to_dict() for r in concepts]})
        return out

    def _factor(self, feature: str, value: Any, contribution: float, language: str) -> dict:
        entry = self.catalogue[feature]
        return {"feature": feature, "label": entry[f"description_{language}"], "value": plain(value),
                "contribution": contribution}


class _StoredRows:
    """The production clients' feature rows, looked up by id."""

    def __init__(self, production: pd.DataFrame) -> None:
        # an object matrix: one row as a list in microseconds (see docs/benchmarks.md, score by id)
        self._matrix = production.to_numpy(dtype=object)
        self._position = {int(c): i for i, c in enumerate(production.index)}

    def rows(self, client_ids: list[int]) -> list[list]:
        missing = [c for c in client_ids if c not in self._position]
        if missing:
            raise UnknownClient(f"unknown client id(s) {missing[:10]}: not among the {len(self._position)} "
                                "production clients")
        return [self._matrix[self._position[c]].tolist() for c in client_ids]


def plain(value: Any) -> Any:
    """JSON-friendly scalar: numpy types unwrapped, NaN and the missing-category marker as None."""
    if value is None or (isinstance(value, float | np.floating) and np.isnan(value)):
        return None
    if isinstance(value, np.generic):
        value = value.item()
    return None if value == schema.MISSING_CATEGORY else value
