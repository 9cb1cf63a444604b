"""From CatBoost's raw score to a PD: a smooth map, strictly increasing, chosen and judged out of fold.

Two maps, both logistic regressions on a transform of the raw score s (scikit-learn, no penalty):
- ``platt``: PD = sigmoid(a·logit(s) + c), strictly increasing when a > 0;
- ``beta`` (Kull et al., 2017): PD = sigmoid(a·ln s − b·ln(1 − s) + c) with a, b ≥ 0 (a feature whose
  coefficient comes out negative is dropped and the map refitted, as the ``betacal`` package does), strictly
  increasing when a + b > 0.
A strictly increasing map keeps the order of the clients, so the AUC of the PD is the AUC of the raw score, and
any change of the raw score shows in the PD (an isotonic step function is flat over wide ranges: a what-if then
changes nothing). The map is **cross-fitted**: each fold's out-of-fold scores are calibrated by a map fitted on
the other folds, so the calibrated figures (log loss, Brier, the cost at the threshold, the threshold itself)
are measured on rows the map never saw; the method with the lowest cross-fitted log loss is then fitted on every
out-of-fold score for serving.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

METHODS = ("platt", "beta")
_EPS = 1e-7  # raw scores are clipped into [eps, 1 - eps] before the log transforms


@dataclass(frozen=True)
class Calibrator:
    """A fitted map from raw scores to PDs, stored in the model bundle as ``to_dict()``."""

    method: str
    coef: tuple[float, ...]  # platt: (a,); beta: (a, b); isotonic (bundles of earlier versions): the knots' x
    intercept: float = 0.0
    knots: tuple[float, ...] = ()  # isotonic only: the knots' y

    @classmethod
    def fit(cls, score: np.ndarray, target: np.ndarray, method: str = "platt") -> Calibrator:
        from sklearn.linear_model import LogisticRegression

        if method not in METHODS:
            raise ValueError(f"unknown calibration method {method!r}; expected one of {METHODS}")
        x = _design(np.asarray(score, dtype=float), method)
        keep = list(range(x.shape[1]))
        while True:
            model = LogisticRegression(C=np.inf, max_iter=1000).fit(x[:, keep], target)  # no penalty
            negative = [k for k, c in zip(keep, model.coef_[0], strict=True) if c < 0]
            if not negative or len(keep) == 1:
                break
            keep = [k for k in keep if k not in negative]
        coef = np.zeros(x.shape[1])
        coef[keep] = model.coef_[0]
        if not coef.sum() > 0:
            raise ValueError(f"{method} calibration is not increasing (coefficients {coef.tolist()}): the raw "
                             "score does not rank defaulters above good clients")
        return cls(method, tuple(float(c) for c in coef), float(model.intercept_[0]))

    def transform(self, score: np.ndarray) -> np.ndarray:
        score = np.asarray(score, dtype=float)
        if self.method == "isotonic":
            return np.interp(score, self.coef, self.knots)
        z = _design(score, self.method) @ np.asarray(self.coef) + self.intercept
        return 1.0 / (1.0 + np.exp(-z))

    def to_dict(self) -> dict:
        if self.method == "isotonic":
            return {"method": "isotonic", "x": list(self.coef), "y": list(self.knots)}
        return {"method": self.method, "coef": list(self.coef), "intercept": self.intercept}

    @classmethod
    def from_dict(cls, stored: dict) -> Calibrator:
        """The calibrator stored in a model bundle (``to_dict``; isotonic knots from bundles before the change)."""
        method = stored.get("method", "isotonic")
        if method == "isotonic":
            return cls("isotonic", tuple(stored["x"]), 0.0, tuple(stored["y"]))
        if method not in METHODS:
            raise ValueError(f"unknown calibration method {method!r}; expected one of {METHODS} or 'isotonic'")
        return cls(method, tuple(stored["coef"]), float(stored["intercept"]))


def _design(score: np.ndarray, method: str) -> np.ndarray:
    s = np.clip(score, _EPS, 1 - _EPS)
    if method == "platt":
        return np.log(s / (1 - s))[:, None]
    return np.column_stack([np.log(s), -np.log(1 - s)])
