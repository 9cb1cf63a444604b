"""The master scale: PD grades for performing clients, plus the default grade.

Grade g (1 = lowest risk) holds the PDs in [bounds[g-2], bounds[g-1]); the last performing grade holds every PD
from the last bound up. The bounds are params (``scale.bounds``): by default geometric, each grade doubling the
PD of the one before (1 %, 2 %, 4 %...), a common choice for consumer credit because default rates span orders of
magnitude. Grade "D" is the default grade: clients observed in default, never given to an applicant.

A usable scale orders risk and spreads clients: on out-of-fold data the observed default rate must increase
strictly from grade to grade (over the grades that hold enough clients to say), and no grade may hold more than
``scale.max_share`` of the clients; the Herfindahl index (sum of squared shares: 1/number of grades when even,
1 when all in one grade) says how concentrated the scale is.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from creditrisk.errors import ConfigError

DEFAULT_GRADE = "D"
MIN_PERFORMING_GRADES = 7


@dataclass(frozen=True)
class MasterScale:
    bounds: tuple[float, ...]  # upper PD bound of each performing grade but the last

    def __post_init__(self) -> None:
        bounds = list(self.bounds)
        if (len(bounds) < MIN_PERFORMING_GRADES - 1 or any(not 0 < b < 1 for b in bounds)
                or any(a >= b for a, b in zip(bounds, bounds[1:], strict=False))):
            raise ConfigError(f"params.yaml scale.bounds = {bounds}: expected at least {MIN_PERFORMING_GRADES - 1} "
                              "strictly increasing PDs between 0 and 1 (they make at least "
                              f"{MIN_PERFORMING_GRADES} grades)")

    @property
    def grades(self) -> list[int]:
        return list(range(1, len(self.bounds) + 2))

    def grade(self, pd_: np.ndarray | list[float]) -> np.ndarray:
        """The grade (1..n) of each PD."""
        return np.searchsorted(np.asarray(self.bounds), np.asarray(pd_, dtype=float), side="right") + 1

    def pd_range(self, grade: int) -> tuple[float, float]:
        edges = [0.0, *self.bounds, 1.0]
        return edges[grade - 1], edges[grade]

    def table(self, y: np.ndarray, pd_: np.ndarray) -> list[dict]:
        """Per grade: PD range, clients, share, observed defaults and default rate, mean PD."""
        grades, y, pd_ = self.grade(pd_), np.asarray(y), np.asarray(pd_, dtype=float)
        rows = []
        for g in self.grades:
            mask = grades == g
            clients = int(mask.sum())
            low, high = self.pd_range(g)
            rows.append({"grade": g, "pd_low": low, "pd_high": high, "clients": clients,
                         "share": clients / len(y) if len(y) else 0.0, "defaults": int(y[mask].sum()),
                         "default_rate": float(y[mask].mean()) if clients else None,
                         "mean_pd": float(pd_[mask].mean()) if clients else None})
        return rows


def jeffreys_p(defaults: int, clients: int, pd_: float) -> float:
    """One-sided Jeffreys test that the PD is not underestimated (ECB instructions for PD back-testing): the
    probability, under the Jeffreys posterior Beta(defaults + 1/2, clients - defaults + 1/2) of the default rate,
    that the rate is at most the PD. A small value says the observed defaults are too many for the PD."""
    from scipy.stats import beta

    return float(beta.cdf(pd_, defaults + 0.5, clients - defaults + 0.5))


def traffic_light(p_value: float, amber: float, red: float) -> str:
    """green when p >= amber, amber when red <= p < amber, red below."""
    return "green" if p_value >= amber else "amber" if p_value >= red else "red"


def calibration_tests(rows: list[dict], amber: float, red: float, min_clients: int = 30) -> dict:
    """The Jeffreys test per grade (on its mean PD) and for the whole portfolio, each with its traffic light; a
    grade of fewer than ``min_clients`` clients gets its p-value but no light ("not enough data")."""
    grades = [{"grade": r["grade"], "clients": r["clients"], "defaults": r["defaults"], "mean_pd": r["mean_pd"],
               "p_value": (p := jeffreys_p(r["defaults"], r["clients"], r["mean_pd"])),
               "light": traffic_light(p, amber, red) if r["clients"] >= min_clients else "not enough data"}
              for r in rows if r["clients"]]
    clients = sum(r["clients"] for r in grades)
    defaults = sum(r["defaults"] for r in grades)
    mean_pd = sum(r["mean_pd"] * r["clients"] for r in grades) / clients
    portfolio = jeffreys_p(defaults, clients, mean_pd)
    return {"test": "Jeffreys, one-sided (PD underestimated)", "amber_below": amber, "red_below": red,
            "min_clients": min_clients,
            "grades": grades,
            "portfolio": {"clients": clients, "defaults": defaults, "mean_pd": mean_pd, "p_value": portfolio,
                          "light": traffic_light(portfolio, amber, red) if clients >= min_clients
                          else "not enough data"}}


def herfindahl(rows: list[dict]) -> float:
    """Sum of the squared shares of the grades."""
    return float(sum(row["share"] ** 2 for row in rows))


def reversals(rows: list[dict]) -> list[dict]:
    """Each pair of consecutive grades whose default rate does not increase, with the p-value of Fisher's exact
    test that the lower grade's rate is really the higher (one-sided): a small p says the order is truly broken,
    a large one that a small sample could give it."""
    from scipy.stats import fisher_exact

    out = []
    for low, high in zip(rows, rows[1:], strict=False):
        if low["default_rate"] >= high["default_rate"]:
            table = [[low["defaults"], low["clients"] - low["defaults"]],
                     [high["defaults"], high["clients"] - high["defaults"]]]
            out.append({"grades": [low["grade"], high["grade"]], "rates": [low["default_rate"], high["default_rate"]],
                        "p_value": float(fisher_exact(table, alternative="greater").pvalue)})
    return out


def scale_checks(rows: list[dict], max_share: float, min_clients: int = 1) -> dict:
    """Does the scale order risk (default rates strictly increasing over the grades of at least ``min_clients``
    clients: a rate of a handful of clients is noise, not an order) and spread clients (no grade above
    ``max_share``)?"""
    judged = [row for row in rows if row["clients"] >= max(min_clients, 1)]
    rates = [row["default_rate"] for row in judged]
    monotone = all(a < b for a, b in zip(rates, rates[1:], strict=False))
    largest = max(rows, key=lambda row: row["share"])
    return {"monotone": monotone, "reversals": reversals(judged), "min_clients": min_clients,
            "largest_grade": largest["grade"],
            "largest_share": largest["share"], "max_share": max_share, "spread": largest["share"] <= max_share,
            "herfindahl": herfindahl(rows), "ok": monotone and largest["share"] <= max_share}
