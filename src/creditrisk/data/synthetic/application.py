"""Synthetic application_train / application_test rows: the real joint structure, the real quirks, the real shift.

The columns come from the copula fitted on real rows (``copula``); the test side takes the shares the real
application_test publishes where they differ from train (revolving loans, e-mail flag, EXT_SOURCE_1 missing...).
Each applicant also gets a latent history quality that the history tables are drawn from: partly the risk the
application columns already show (as a bureau record echoes the external scores), partly its own.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from creditrisk.data import schema
from creditrisk.data.synthetic import copula, risk
from creditrisk.data.synthetic import marginals as mg

_TEST_W_CITY_MINUS_ONE = 1 / 48_744
_TRAIN_GENDER_XNA = 4 / 307_511
# What the application already says of the history: the correlation between the applicant's history quality and
# the application part of the true PD (the rest of the history's signal is its own).
HISTORY_ECHO = 0.5
# Columns a rule sets for the out-of-work: their fitted shares are the employed ones, not the published totals
# (and DAYS_EMPLOYED's "missing" is the sentinel, which the published missing rate does not count).
_RULED = (*copula.OUT_OF_WORK_VALUES, "NAME_INCOME_TYPE", "DAYS_EMPLOYED", "OWN_CAR_AGE")
_SHIFT_TOLERANCE = 0.03


@dataclass
class Applicants:
    """Generated application rows (column -> array) and the latent factors the history generator needs."""

    columns: dict[str, np.ndarray]
    quality: np.ndarray  # latent history quality, N(0, 1), higher = safer
    is_test: np.ndarray


class _Side:
    """The published shares of one side where they differ from the fit: application_test's, for the test side."""

    def __init__(self, test: bool) -> None:
        self.test = schema.reference_stats()["application_test"] if test else {}

    def missing_rate(self, column: str, fitted: float) -> float:
        entry = self.test.get(column)
        return float(entry["na"]) if entry is not None and column not in _RULED else fitted

    def quantiles(self, column: str, fitted_median: float):
        """The test side's published quantile function where its median moved (credit amounts are smaller in
        application_test), else None (the fitted one holds)."""
        entry = self.test.get(column)
        if entry is None or column in _RULED or entry["kind"] != "num" or "0.5" not in entry.get("q", {}):
            return None
        median = float(entry["q"]["0.5"])
        moved = abs(median - fitted_median) > _SHIFT_TOLERANCE * max(abs(fitted_median), 1e-12)
        return (lambda u: mg.from_quantiles(u, entry)) if moved else None

    def income_factor(self) -> float:
        """Incomes are drawn from the annuity-to-income ratio: the test side's higher published median income."""
        if not self.test:
            return 1.0
        train = schema.reference_stats()["application_train"]["AMT_INCOME_TOTAL"]["q"]["0.5"]
        return float(self.test["AMT_INCOME_TOTAL"]["q"]["0.5"]) / float(train)

    def shares(self, column: str, values: list, fitted: list) -> list:
        entry = self.test.get(column)
        if entry is None or column in _RULED:
            return fitted
        if entry["kind"] == "cat" and entry.get("complete"):
            published = {**{k: v * (1 - entry["na"]) for k, v in entry["shares"].items()}, None: entry["na"]}
            return [published.get(v, 0.0) for v in values]
        if entry.get("binary"):
            return [{0.0: 1 - entry["mean"], 1.0: entry["mean"]}.get(v, 0.0) for v in values]
        return fitted


def generate_applicants(rng: np.random.Generator, n: int, test: bool, force_quirks: bool = False) -> Applicants:
    """Generate ``n`` applicants of one side (all application columns except SK_ID_CURR and TARGET).

    ``force_quirks`` plants one instance of each rare real quirk (an XNA gender in train, a -1 city rating in
    test) so they exist at any data size; the generator sets it for the first chunk only.
    """
    cols = copula.sample(rng, n, _Side(test))
    gender = cols["CODE_GENDER"]
    if test:
        gender[gender == "XNA"] = np.where(rng.random(int((gender == "XNA").sum())) < 0.66, "F", "M")
    else:
        gender[rng.random(n) < _TRAIN_GENDER_XNA] = "XNA"
        if force_quirks and n and not (gender == "XNA").any():
            gender[rng.integers(n)] = "XNA"
    w_city = cols["REGION_RATING_CLIENT_W_CITY"]
    if test:
        w_city[rng.random(n) < _TEST_W_CITY_MINUS_ONE] = -1
        if force_quirks and n and not (w_city == -1).any():
            w_city[rng.integers(n)] = -1
    if test:  # shorter terms in application_test: its annuities fell less than its credits
        cols["AMT_ANNUITY"] = np.round(cols["AMT_ANNUITY"] * _test_payment_rate_factor(), 1)
    risk_z = risk.application_risk_z(cols)
    quality = -HISTORY_ECHO * risk_z + np.sqrt(1 - HISTORY_ECHO**2) * rng.standard_normal(n)
    return Applicants(columns=cols, quality=quality, is_test=np.full(n, test))


def _test_payment_rate_factor() -> float:
    """How much higher the payment rate is in application_test: its median annuity over train's, divided by the
    same ratio of the median credits (the published medians of the real files)."""
    stats = schema.reference_stats()
    median = {side: {c: float(stats[side][c]["q"]["0.5"]) for c in ("AMT_ANNUITY", "AMT_CREDIT")}
              for side in ("application_train", "application_test")}
    train, test = median["application_train"], median["application_test"]
    return (test["AMT_ANNUITY"] / train["AMT_ANNUITY"]) / (test["AMT_CREDIT"] / train["AMT_CREDIT"])
