"""The statistical tests of PD-model validation that no maintained library offers in one call.

Each function takes arrays of outcomes (1 = default) and PDs and returns plain numbers; the distributions come
from scipy.stats. The tests follow the supervisors' validation instructions for PD models (ECB 2019, OeNB):

- DeLong's variance of the AUC (fast algorithm of Sun and Xu, 2014) for its 95 % interval and the AUC-decline
  test against the development value;
- Hosmer-Lemeshow over PD groups; Spiegelhalter's test of the Brier score; Murphy's decomposition of the Brier
  score into reliability, resolution and uncertainty;
- the population stability index (PSI) and, beside the 0.10/0.25 conventions, its sample-size-aware critical
  value (Yurdakul, 2018: PSI is approximately chi-square, scaled by 1/n_reference + 1/n_current).
- Cox's calibration slope (the logistic regression of the outcomes on the logit of the PD: 1 when the PDs spread
  as the outcomes do, below 1 when they are too extreme), with which the benchmarks take calibration apart;
- the corrected resampled t interval of a mean paired difference over repeated k-fold cross-validation
  (Nadeau and Bengio, 2003), with which the benchmarks compare two models on the same folds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class AucEstimate:
    auc: float
    se: float  # DeLong standard error

    @property
    def ci95(self) -> list[float]:
        return [max(0.0, self.auc - 1.959964 * self.se), min(1.0, self.auc + 1.959964 * self.se)]

    @property
    def gini(self) -> float:
        return 2 * self.auc - 1


def delong(y: np.ndarray, score: np.ndarray) -> AucEstimate:
    """The AUC and its DeLong standard error (ties count one half), from mid-ranks in O(n log n)."""
    from scipy.stats import rankdata

    y, score = np.asarray(y), np.asarray(score, dtype=float)
    pos, neg = score[y == 1], score[y == 0]
    m, n = len(pos), len(neg)
    if m < 2 or n < 2:
        raise ValueError(f"DeLong needs at least 2 defaults and 2 non-defaults; got {m} and {n}")
    ranks = rankdata(np.concatenate([pos, neg]))
    v10 = (ranks[:m] - rankdata(pos)) / n  # per default: share of non-defaults scored below it
    v01 = 1 - (ranks[m:] - rankdata(neg)) / m  # per non-default: share of defaults scored above it
    auc = float(v10.mean())
    return AucEstimate(auc, float(np.sqrt(v10.var(ddof=1) / m + v01.var(ddof=1) / n)))


def auc_decline_p(current: AucEstimate, development_auc: float) -> tuple[float, float]:
    """(z, p) of the one-sided test that the AUC has not fallen below its development value (ECB): z = (AUC_dev
    - AUC_now) / se_now; a small p says it has."""
    from scipy.stats import norm

    z = (development_auc - current.auc) / current.se
    return float(z), float(norm.sf(z))


def ks_test(y: np.ndarray, pd_: np.ndarray) -> tuple[float, float]:
    """(KS statistic, p-value): the largest gap between the PD distributions of defaults and non-defaults."""
    from scipy.stats import ks_2samp

    y, pd_ = np.asarray(y), np.asarray(pd_, dtype=float)
    result = ks_2samp(pd_[y == 1], pd_[y == 0])
    return float(result.statistic), float(result.pvalue)


def binomial_p(defaults: int, clients: int, pd_: float) -> float:
    """One-sided exact binomial test that the PD is not underestimated (more defaults than the PD predicts)."""
    from scipy.stats import binomtest

    return float(binomtest(defaults, clients, pd_, alternative="greater").pvalue)


def pd_groups(pd_: np.ndarray, groups: int) -> list[np.ndarray]:
    """Indices of ``groups`` groups of (almost) equal size, by increasing PD."""
    return [idx for idx in np.array_split(np.argsort(pd_, kind="stable"), groups) if len(idx)]


def hosmer_lemeshow(y: np.ndarray, pd_: np.ndarray, groups: int = 10) -> tuple[float, int, float]:
    """(statistic, degrees of freedom, p-value): sum over PD groups of (observed - expected defaults)^2 /
    (expected * (1 - mean PD)); chi-square with groups - 2 degrees of freedom."""
    from scipy.stats import chi2

    y, pd_ = np.asarray(y, dtype=float), np.asarray(pd_, dtype=float)
    parts = pd_groups(pd_, groups)
    stat = 0.0
    for idx in parts:
        expected, mean_pd = pd_[idx].sum(), pd_[idx].mean()
        stat += (y[idx].sum() - expected) ** 2 / (expected * (1 - mean_pd))
    df = len(parts) - 2
    return float(stat), df, float(chi2.sf(stat, df))


def spiegelhalter(y: np.ndarray, pd_: np.ndarray) -> tuple[float, float]:
    """(z, two-sided p) of Spiegelhalter's test that the Brier score is what calibrated PDs would give."""
    from scipy.stats import norm

    y, pd_ = np.asarray(y, dtype=float), np.asarray(pd_, dtype=float)
    z = np.sum((y - pd_) * (1 - 2 * pd_)) / np.sqrt(np.sum((1 - 2 * pd_) ** 2 * pd_ * (1 - pd_)))
    return float(z), float(2 * norm.sf(abs(z)))


def brier_decomposition(y: np.ndarray, pd_: np.ndarray, groups: int = 10) -> dict:
    """Murphy's decomposition over PD groups: Brier ~ reliability - resolution + uncertainty (exact when the PD
    is constant within each group; the gap is reported as ``within_group``)."""
    y, pd_ = np.asarray(y, dtype=float), np.asarray(pd_, dtype=float)
    base, n = y.mean(), len(y)
    reliability = resolution = 0.0
    for idx in pd_groups(pd_, groups):
        reliability += len(idx) * (pd_[idx].mean() - y[idx].mean()) ** 2 / n
        resolution += len(idx) * (y[idx].mean() - base) ** 2 / n
    brier = float(np.mean((pd_ - y) ** 2))
    uncertainty = float(base * (1 - base))
    return {"brier": brier, "reliability": float(reliability), "resolution": float(resolution),
            "uncertainty": uncertainty, "within_group": brier - (reliability - resolution + uncertainty),
            "skill": 1 - brier / uncertainty if uncertainty else None}


def psi(reference: np.ndarray, current: np.ndarray, floor: float = 1e-4) -> float:
    """Population stability index of two count vectors over the same bins: sum of (current share - reference
    share) * ln(current / reference); empty bins take a small floor share so that the index stays finite."""
    ref = np.maximum(np.asarray(reference, dtype=float) / np.sum(reference), floor)
    cur = np.maximum(np.asarray(current, dtype=float) / np.sum(current), floor)
    return float(np.sum((cur - ref) * np.log(cur / ref)))


def psi_critical(n_reference: int, n_current: int, bins: int, quantile: float = 0.95) -> float:
    """The PSI that sampling alone exceeds with probability 1 - ``quantile`` (Yurdakul 2018):
    chi2_quantile(bins - 1) * (1 / n_reference + 1 / n_current)."""
    from scipy.stats import chi2

    return float(chi2.ppf(quantile, bins - 1) * (1 / n_reference + 1 / n_current))


def quantile_edges(values: np.ndarray, bins: int) -> np.ndarray:
    """Inner edges of ``bins`` quantile bins of the reference values (missing values left out, duplicates
    merged)."""
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    if not len(values):
        return np.array([])
    edges = np.unique(np.quantile(values, np.linspace(0, 1, bins + 1)[1:-1]))
    return edges[np.isfinite(edges)]


def count_numbers(values: Sequence[Any], edges: Sequence[float]) -> np.ndarray:
    """Counts per bin: [missing, below edges[0], [edges[0], edges[1]), ..., from the last edge up]."""
    import pandas as pd

    numbers = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").to_numpy(dtype=float)
    known = ~np.isnan(numbers)
    bins = np.searchsorted(np.asarray(edges, dtype=float), numbers[known], side="right")
    return np.concatenate([[int((~known).sum())], np.bincount(bins, minlength=len(edges) + 1)])


def count_levels(values: Sequence[Any], levels: Sequence[str]) -> np.ndarray:
    """Counts per level: [missing, level 1, ..., level n, any other level]."""
    position = {level: i + 1 for i, level in enumerate(levels)}
    counts = np.zeros(len(levels) + 2, dtype=np.int64)
    for value in values:
        counts[0 if is_missing(value) else position.get(str(value), len(levels) + 1)] += 1
    return counts


def is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


def auc_from_counts(positives: np.ndarray, negatives: np.ndarray) -> float:
    """AUC of binned scores (bins in increasing order): pairs in the same bin count one half."""
    below = np.cumsum(negatives) - negatives
    return float(np.sum(positives * (below + 0.5 * negatives)) / (positives.sum() * negatives.sum()))


def expected_auc(pd_: np.ndarray) -> float:
    """The AUC the clients' outcomes would give if their PDs were right (a client of PD p defaults with
    probability p): each distinct PD weighs p as a defaulter and 1 - p as a good client (confidence-based
    performance estimation)."""
    values, inverse = np.unique(np.asarray(pd_, dtype=float), return_inverse=True)
    p = np.asarray(pd_, dtype=float)
    return auc_from_counts(np.bincount(inverse, weights=p), np.bincount(inverse, weights=1 - p))


def calibration_slope(y: np.ndarray, pd_: np.ndarray) -> float:
    """Cox's calibration slope: the slope of the (unpenalised) logistic regression of the outcomes on logit(PD),
    which is Platt's map fitted to these PDs (a PD that does not rank the defaulters higher is refused there)."""
    from creditrisk.artefacts.calibration import Calibrator

    return Calibrator.fit(np.asarray(pd_, dtype=float), np.asarray(y), "platt").coef[0]


def corrected_t_interval(differences: Sequence[float], test_share: float, level: float = 0.95) -> tuple[float, float]:
    """The interval of the mean of paired per-fold differences (model A - model B on the same folds) over repeated
    k-fold cross-validation. The folds' training sets overlap, so the differences are correlated and s^2 / n
    understates the variance of their mean; Nadeau and Bengio's correction uses (1/n + n_test/n_train) s^2
    (``test_share`` = n_test / (n_test + n_train), 1/k for k folds), with Student's t on n - 1 degrees of freedom."""
    from scipy.stats import t

    d = np.asarray(differences, dtype=float)
    n = len(d)
    if n < 2 or not 0 < test_share < 1:
        raise ValueError(f"need at least 2 differences and a test share in (0, 1), got {n} and {test_share}")
    half = t.ppf(0.5 + level / 2, n - 1) * np.sqrt((1 / n + test_share / (1 - test_share)) * d.var(ddof=1))
    return float(d.mean() - half), float(d.mean() + half)
