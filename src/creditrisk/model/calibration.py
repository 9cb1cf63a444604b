"""How the calibration map is chosen: each method cross-fitted on the out-of-fold scores, the lowest log loss wins.

The map itself (``Calibrator``: what a model bundle stores and applies) lives in
``creditrisk.artefacts.calibration``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from creditrisk.artefacts.calibration import METHODS, Calibrator


@dataclass(frozen=True)
class CalibrationChoice:
    calibrator: Calibrator  # the chosen method fitted on every out-of-fold score (what is served)
    cross_fitted: np.ndarray  # each row's PD from a map fitted on the other folds
    comparison: list[dict]  # per method: cross-fitted log loss and Brier


def cross_fit(score: np.ndarray, target: np.ndarray, folds: list[tuple[np.ndarray, np.ndarray]],
              method: str) -> np.ndarray:
    """Each fold's rows calibrated by a map fitted on the other folds' rows."""
    out = np.empty(len(score))
    for fit_idx, apply_idx in folds:
        out[apply_idx] = Calibrator.fit(score[fit_idx], target[fit_idx], method).transform(score[apply_idx])
    return out


def choose_calibration(score: np.ndarray, target: np.ndarray, folds: list[tuple[np.ndarray, np.ndarray]],
                       methods: tuple[str, ...] = METHODS) -> CalibrationChoice:
    """The method with the lowest cross-fitted log loss, then fitted on every out-of-fold score."""
    from sklearn.metrics import brier_score_loss, log_loss

    fitted = {m: cross_fit(score, target, folds, m) for m in methods}
    comparison = [{"method": m, "cv_log_loss": float(log_loss(target, p)),
                   "cv_brier": float(brier_score_loss(target, p))} for m, p in fitted.items()]
    best = min(comparison, key=lambda row: row["cv_log_loss"])["method"]
    return CalibrationChoice(Calibrator.fit(score, target, best), fitted[best], comparison)
