"""The challenger: an interpretable logistic scorecard with monotone optimal binning (optbinning).

Within each training fold (the champion's folds): the ``candidates`` features whose univariate AUC is furthest
from 0.5 are binned by optbinning (monotone default rate over the bins, for numbers), those with an information
value of at least ``min_iv`` are kept, and a logistic regression on their weights of evidence gives the PD. The
points follow the usual scaling: 600 points at odds of 50:1 (good:bad), 20 more points for each doubling of the
odds. The threshold is searched on the out-of-fold PDs with the same business cost as the champion's.

It never decides: the service scores it in shadow, beside the champion, and the traffic log counts how often
the two agree.
"""

from __future__ import annotations

import json
import logging
import pickle
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from creditrisk.artefacts.catalogue import SCORECARD_FILE, SCORECARD_META
from creditrisk.config import CostParams
from creditrisk.io import atomic_path, write_json
from creditrisk.model.cost import cost_curve, normalized_cost
from creditrisk.model.data import ModelData

log = logging.getLogger(__name__)

SCALING = {"pdo": 20, "odds": 50, "scorecard_points": 600}


def _zero_fit_timings(obj, seen: set[int]) -> None:
    """optbinning keeps how long each fit took (``_time_*`` attributes): set to 0 before the object is saved."""
    if id(obj) in seen:
        return
    seen.add(id(obj))
    if isinstance(obj, dict):
        obj = list(obj.values())
    if isinstance(obj, list | tuple):
        for item in obj:
            _zero_fit_timings(item, seen)
    elif type(obj).__module__.startswith("optbinning") and hasattr(obj, "__dict__"):
        for name, value in vars(obj).items():
            if name.startswith("_time"):
                setattr(obj, name, 0.0)
            else:
                _zero_fit_timings(value, seen)


@dataclass(frozen=True)
class Challenger:
    scorecard: object  # a fitted optbinning.Scorecard
    variables: list[str]  # the features it uses (information value of at least min_iv)
    inputs: list[str]  # the features it reads (the preselected ones; optbinning asks for all of them)
    categorical: list[str]  # the inputs that are categories
    threshold: float  # refuse from this PD (out-of-fold business cost)
    summary: dict  # reports/model_selection.json["challenger"]

    def predict_pd(self, x: pd.DataFrame) -> np.ndarray:
        return self.scorecard.predict_proba(_as_text(x[self.inputs], self.categorical))[:, 1]

    def save(self, directory: Path) -> None:
        """scorecard.pkl (the fitted object: optbinning has no other format) and scorecard.json (what it reads).
        The same fit gives the same bytes: the fit timings optbinning records are zeroed, and the pickle does not
        depend on which objects happened to be shared in memory (no memo)."""
        _zero_fit_timings(self.scorecard, set())
        with atomic_path(Path(directory) / SCORECARD_FILE) as tmp, open(tmp, "wb") as handle:
            pickler = pickle.Pickler(handle, protocol=5)
            pickler.fast = True  # no memo: each object written in full, whatever shared it in this process
            pickler.dump(self.scorecard)
        write_json(Path(directory) / SCORECARD_META, {"variables": self.variables, "inputs": self.inputs,
                                                     "categorical": self.categorical, "threshold": self.threshold,
                                                     "summary": self.summary})

    @classmethod
    def read(cls, directory: Path) -> Challenger:
        """The challenger saved by ``save`` (a pickle written by this project's own train stage)."""
        meta = json.loads((Path(directory) / SCORECARD_META).read_text())
        with open(Path(directory) / SCORECARD_FILE, "rb") as handle:
            scorecard = pickle.load(handle)  # noqa: S301 - our own artefact, never a user's file
        return cls(scorecard, meta["variables"], meta["inputs"], meta["categorical"], meta["threshold"],
                   meta["summary"])


def preselect(x: pd.DataFrame, y: np.ndarray, categorical: list[str], count: int) -> list[str]:
    """The ``count`` features whose univariate AUC is furthest from 0.5; a category scores by its default rate on
    these rows, a missing number by the median."""
    from sklearn.metrics import roc_auc_score

    strength = {}
    for name in x.columns:
        if name in categorical:
            levels = x[name].astype(str).to_numpy()
            values = pd.Series(y).groupby(levels).mean().reindex(levels).to_numpy()
        else:
            values = x[name].to_numpy(dtype=float)
            if np.isnan(values).all():
                continue
            values = np.where(np.isnan(values), np.nanmedian(values), values)
        if np.ptp(values) > 0:
            strength[name] = abs(roc_auc_score(y, values) - 0.5)
    return sorted(strength, key=strength.get, reverse=True)[:count]


def fit_scorecard(x: pd.DataFrame, y: np.ndarray, categorical: list[str], candidates: int, min_iv: float):
    """Preselect, bin (monotone for numbers), keep by information value, fit the logistic regression."""
    from optbinning import BinningProcess, Scorecard
    from sklearn.linear_model import LogisticRegression

    names = preselect(x, y, categorical, candidates)
    cats = [n for n in names if n in categorical]
    binning = BinningProcess(names, categorical_variables=cats, selection_criteria={"iv": {"min": min_iv}},
                             binning_fit_params={n: {"monotonic_trend": "auto_asc_desc"} for n in names
                                                 if n not in cats})
    frame = x[names].copy()
    frame[cats] = frame[cats].astype(str)
    return Scorecard(binning_process=binning, estimator=LogisticRegression(max_iter=2000),
                     scaling_method="pdo_odds", scaling_method_params=SCALING).fit(frame, y)


def variables(scorecard) -> list[str]:
    """The features the scorecard uses (kept by information value)."""
    return [str(v) for v in scorecard.binning_process_.get_support(names=True)]


def inputs(scorecard) -> list[str]:
    """The features the scorecard reads: every binned one."""
    return [str(v) for v in scorecard.binning_process.variable_names]


def train_challenger(train: ModelData, folds: list, costs: CostParams, candidates: int,
                     min_iv: float) -> tuple[Challenger, np.ndarray]:
    """The scorecard refitted on every training row, and its out-of-fold PDs on the champion's folds (where its
    threshold and cost are measured)."""
    from sklearn.metrics import roc_auc_score

    x = _as_text(train.x, train.categorical)
    oof = np.zeros(len(train.y))
    fold_variables = []
    for fit_idx, valid_idx in folds:
        card = fit_scorecard(x.iloc[fit_idx], train.y[fit_idx], train.categorical, candidates, min_iv)
        oof[valid_idx] = card.predict_proba(x.iloc[valid_idx][inputs(card)])[:, 1]
        fold_variables.append(len(variables(card)))
    search = cost_curve(train.y, oof, costs)
    final = fit_scorecard(x, train.y, train.categorical, candidates, min_iv)
    kept = variables(final)
    summary = {"model": "logistic scorecard (optbinning, monotone bins)", "variables": kept,
               "n_variables": len(kept), "fold_variables": fold_variables, "cv_auc": float(roc_auc_score(train.y, oof)),
               "cv_cost_per_client": search.cost / len(train.y),
               "cv_normalized_cost": normalized_cost(search.cost, train.y, costs), "cv_threshold": search.threshold,
               "candidates": candidates, "min_iv": min_iv, "scaling": SCALING}
    log.info("challenger scorecard: %d variables, CV AUC %.4f, CV cost per client %.4f", len(kept),
             summary["cv_auc"], summary["cv_cost_per_client"])
    read = inputs(final)
    return Challenger(final, kept, read, [v for v in read if v in train.categorical], search.threshold, summary), oof


def _as_text(x: pd.DataFrame, categorical: list[str]) -> pd.DataFrame:
    """Categories as text (optbinning bins strings), every other column as numbers (the service's rows hold
    Python objects)."""
    x = x.copy()
    x[categorical] = x[categorical].astype(str)
    numbers = [c for c in x.columns if c not in categorical]
    x[numbers] = x[numbers].astype(float)
    return x


def points_table(scorecard) -> list[dict]:
    """Per variable and bin: the points a client gets (higher = safer)."""
    table = scorecard.table(style="summary")
    return [{"variable": str(r.Variable), "bin": str(r.Bin), "points": round(float(r.Points), 1)}
            for r in table.itertuples()]
