"""Sampling helpers that reproduce published marginals (quantiles, category shares) from latent variables.

Every numeric column is drawn as ``Q(Phi(z))`` where ``Q`` is a piecewise-linear quantile function through the
published quantiles and ``z`` a standard-normal latent: this keeps the real marginal (including point masses,
e.g. 50 % zeros, when several quantiles coincide) while latent factors shared between columns carry the joint
structure (a Gaussian copula).
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr, ndtri


def quantile_knots(stats: dict) -> tuple[np.ndarray, np.ndarray]:
    """Probability and value knots of a column's quantile function, with tails added when only min/max are known."""
    q = {float(k): float(v) for k, v in stats["q"].items()}
    lo, hi = q.get(0.0), q.get(1.0)
    if 0.25 in q and 0.75 in q and lo is not None and hi is not None:
        iqr = q[0.75] - q[0.25]
        if 0.01 not in q:  # application describe: only min, quartiles, max -> plausible 0.5 % / 95 % / 99.5 % points
            q[0.005] = max(lo, q[0.25] - 1.5 * iqr)
            q[0.95] = min(hi, q[0.75] + 1.5 * iqr)
            q[0.995] = min(hi, q[0.75] + 4.0 * iqr)
            q[0.9995] = min(hi, q[0.75] + 10.0 * iqr)
        else:  # child tables: 1 % and 99 % are known; keep the extreme maximum rare
            q[0.999] = q[0.99] + 0.15 * (hi - q[0.99])
    # A point mass that reaches the median (e.g. >= 50 % zeros) must hold it: widen it a little past 0.5.
    if 0.25 in q and 0.5 in q and q[0.25] == q[0.5]:
        q.setdefault(0.52, q[0.5])
    if 0.75 in q and 0.5 in q and q[0.75] == q[0.5]:
        q.setdefault(0.48, q[0.5])
    probs = np.array(sorted(q))
    values = np.maximum.accumulate(np.array([q[p] for p in probs]))
    return probs, values


def from_quantiles(u: np.ndarray, stats: dict) -> np.ndarray:
    """Map uniforms in [0, 1] through the column's quantile function."""
    probs, values = quantile_knots(stats)
    return np.interp(u, probs, values)


def uniform_from_latent(z: np.ndarray) -> np.ndarray:
    return ndtr(z)


def latent(rng: np.random.Generator, n: int, *loadings: tuple[float, np.ndarray]) -> np.ndarray:
    """A standard-normal latent = sum of loading * factor + independent noise (loadings' squares must sum <= 1)."""
    total = sum(w * w for w, _ in loadings)
    if total > 1.0 + 1e-9:
        raise ValueError(f"latent loadings explain more than all the variance ({total:.3f})")
    z = np.sqrt(1.0 - total) * rng.standard_normal(n)
    for weight, factor in loadings:
        z = z + weight * factor
    return z


def categories_from_latent(z: np.ndarray, shares: dict[str, float]) -> np.ndarray:
    """Ordinal assignment: the lowest latent values get the first category, in the order of ``shares``."""
    names = list(shares)
    cum = np.cumsum([shares[n] for n in names])
    cum = cum / cum[-1]
    thresholds = ndtri(np.clip(cum[:-1], 1e-12, 1 - 1e-12))
    codes = np.searchsorted(thresholds, z, side="right")
    return np.asarray(names, dtype=object)[codes]


def sample_categories(rng: np.random.Generator, n: int, shares: dict[str, float]) -> np.ndarray:
    names = list(shares)
    p = np.array([shares[k] for k in names], dtype=float)
    return np.asarray(names, dtype=object)[rng.choice(len(names), size=n, p=p / p.sum())]


def with_missing(rng: np.random.Generator, values: np.ndarray, rate: float) -> np.ndarray:
    """Blank a random share ``rate`` of the values (NaN for numbers, None for strings)."""
    mask = rng.random(values.shape[0]) < rate
    return blank(values, mask)


def blank(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    out = values.astype(object if values.dtype == object else float, copy=True)
    out[mask] = None if values.dtype == object else np.nan
    return out


def zero_inflated_counts(rng: np.random.Generator, n: int, p_zero: float, mean_positive: float,
                         boost: np.ndarray | None = None) -> np.ndarray:
    """Counts with P(0) = p_zero and a geometric tail of the given mean when positive (boost shifts P(0) per row)."""
    p0 = np.full(n, p_zero) if boost is None else np.clip(p_zero - boost, 0.0, 1.0)
    positive = rng.random(n) >= p0
    extra = rng.geometric(1.0 / max(mean_positive, 1.0), size=n) - 1
    return np.where(positive, 1 + extra, 0)


def round_to(values: np.ndarray, step: float) -> np.ndarray:
    return np.round(values / step) * step


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))
