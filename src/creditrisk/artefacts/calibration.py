"""From CatBoost's raw score to a PD: a smooth map, strictly increasing, chosen and judged out of fold.

Three maps:
- ``platt``: PD = sigmoid(a·logit(s) + c), strictly increasing when a > 0;
- ``beta`` (Kull et al., 2017): PD = sigmoid(a·ln s − b·ln(1 − s) + c) with a, b ≥ 0 (a feature whose
  coefficient comes out negative is dropped and the map refitted, as the ``betacal`` package does), strictly
  increasing when a + b > 0;
- ``spline``: PD = sigmoid(f(logit s)), f a cubic B-spline (``SPLINE_KNOTS`` inner knots at the quantiles of the
  fitted scores) whose coefficients rise by at least ``SPLINE_MIN_STEP`` from one to the next, so f is strictly
  increasing; beyond the outer knots (the lowest and highest fitted scores), straight with its mean slope. It
  follows a relation the two logistic maps cannot bend to (an S around the straight line in the logit), with a
  handful of parameters (docs/benchmarks.md, "make run FULL=1 on the synthetic default").
The first two are logistic regressions without penalty (scikit-learn); the spline's coefficients minimise the log
loss under those bounds (scipy's L-BFGS-B).
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

METHODS = ("platt", "beta", "spline")
_EPS = 1e-7  # raw scores are clipped into [eps, 1 - eps] before the log transforms
SPLINE_KNOTS = 4  # inner knots of the spline map
SPLINE_DEGREE = 3
SPLINE_MIN_STEP = 1e-3  # least rise of the spline's log-odds from one coefficient to the next


@dataclass(frozen=True)
class Calibrator:
    """A fitted map from raw scores to PDs, stored in the model bundle as ``to_dict()``."""

    method: str
    coef: tuple[float, ...]  # platt: (a,); beta: (a, b); spline: its B-spline coefficients; isotonic (bundles of
    intercept: float = 0.0  # earlier versions): the knots' x
    knots: tuple[float, ...] = ()  # spline: its knot vector (logit of the score); isotonic: the knots' y

    @classmethod
    def fit(cls, score: np.ndarray, target: np.ndarray, method: str = "platt") -> Calibrator:
        from sklearn.linear_model import LogisticRegression

        if method not in METHODS:
            raise ValueError(f"unknown calibration method {method!r}; expected one of {METHODS}")
        if method == "spline":
            return cls._fit_spline(np.asarray(score, dtype=float), np.asarray(target, dtype=float))
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

    @classmethod
    def _fit_spline(cls, score: np.ndarray, target: np.ndarray) -> Calibrator:
        """The increasing spline of least log loss: coefficients c_0 + cumulative steps, each step ≥ the minimum."""
        from scipy.interpolate import BSpline
        from scipy.optimize import minimize
        from scipy.special import expit, xlogy

        x = _logit(score)
        inner = np.unique(np.quantile(x, np.linspace(0, 1, SPLINE_KNOTS + 2)))
        if len(inner) < 2:
            raise ValueError("spline calibration needs at least two distinct raw scores")
        knots = np.r_[[inner[0]] * SPLINE_DEGREE, inner, [inner[-1]] * SPLINE_DEGREE]
        basis = BSpline.design_matrix(x, knots, SPLINE_DEGREE).toarray()
        rising = np.cumsum(basis[:, ::-1], axis=1)[:, ::-1]  # column j: sum of the basis from j on; column 0 is 1

        def loss(steps: np.ndarray) -> tuple[float, np.ndarray]:
            pd_ = np.clip(expit(rising @ steps), _EPS, 1 - _EPS)
            value = -np.mean(xlogy(target, pd_) + xlogy(1 - target, 1 - pd_))
            return float(value), rising.T @ (pd_ - target) / len(target)

        n = basis.shape[1]
        mean = float(np.clip(target.mean(), _EPS, 1 - _EPS))
        start = np.r_[np.log(mean / (1 - mean)) - 1.0, np.full(n - 1, 2.0 / (n - 1))]
        fitted = minimize(loss, start, jac=True, method="L-BFGS-B",
                          bounds=[(None, None)] + [(SPLINE_MIN_STEP, None)] * (n - 1))
        if not np.all(np.isfinite(fitted.x)):
            raise ValueError(f"spline calibration did not converge: {fitted.message}")
        return cls("spline", tuple(float(c) for c in np.cumsum(fitted.x)), 0.0, tuple(float(k) for k in knots))

    def transform(self, score: np.ndarray) -> np.ndarray:
        score = np.asarray(score, dtype=float)
        if self.method == "isotonic":
            return np.interp(score, self.coef, self.knots)
        if self.method == "spline":
            return _spline(np.asarray(self.knots), np.asarray(self.coef), _logit(score))
        z = _design(score, self.method) @ np.asarray(self.coef) + self.intercept
        return 1.0 / (1.0 + np.exp(-z))

    def to_dict(self) -> dict:
        if self.method == "isotonic":
            return {"method": "isotonic", "x": list(self.coef), "y": list(self.knots)}
        if self.method == "spline":
            return {"method": "spline", "knots": list(self.knots), "coef": list(self.coef)}
        return {"method": self.method, "coef": list(self.coef), "intercept": self.intercept}

    @classmethod
    def from_dict(cls, stored: dict) -> Calibrator:
        """The calibrator stored in a model bundle (``to_dict``; isotonic knots from bundles before the change)."""
        method = stored.get("method", "isotonic")
        if method == "isotonic":
            return cls("isotonic", tuple(stored["x"]), 0.0, tuple(stored["y"]))
        if method == "spline":
            return cls("spline", tuple(stored["coef"]), 0.0, tuple(stored["knots"]))
        if method not in METHODS:
            raise ValueError(f"unknown calibration method {method!r}; expected one of {METHODS} or 'isotonic'")
        return cls(method, tuple(stored["coef"]), float(stored["intercept"]))


def _logit(score: np.ndarray) -> np.ndarray:
    s = np.clip(score, _EPS, 1 - _EPS)
    return np.log(s / (1 - s))


def _spline(knots: np.ndarray, coef: np.ndarray, x: np.ndarray) -> np.ndarray:
    """sigmoid of the spline at x; beyond the outer knots, straight with the spline's mean slope between them (its
    slope at an end follows the few most extreme scores)."""
    from scipy.interpolate import BSpline
    from scipy.special import expit

    curve = BSpline(knots, coef, SPLINE_DEGREE)
    low, high = knots[SPLINE_DEGREE], knots[-SPLINE_DEGREE - 1]
    slope = (curve(high) - curve(low)) / (high - low)
    return expit(curve(np.clip(x, low, high)) + slope * (np.minimum(x - low, 0) + np.maximum(x - high, 0)))


def _design(score: np.ndarray, method: str) -> np.ndarray:
    if method == "platt":
        return _logit(score)[:, None]
    s = np.clip(score, _EPS, 1 - _EPS)
    return np.column_stack([np.log(s), -np.log(1 - s)])
