"""Performance in production, before and after the outcomes are known.

Before outcomes: confidence-based performance estimation (CBPE). If the PDs are calibrated, a client of PD p
defaults with probability p, so the expected AUC and the expected business cost at the served threshold follow
from the PDs alone. The traffic log holds the PDs as counts on a fine grid (``PD_FINE_EDGES``: each bin stands
for the PD at its centre on the logit scale); the 95 % interval comes from drawing the outcomes (a binomial per
bin) many times. It estimates what the model should achieve on this population; it cannot see a calibration that
has drifted: only outcomes can, hence the back-test.

After outcomes: a labels file (SK_ID_CURR, TARGET, OUTCOME_DATE) joined with the PDs of record, judged by the
validation tests of the model (creditrisk.governance.battery): AUC with its DeLong interval and the AUC-decline
test against the development AUC, Jeffreys per grade and for the portfolio, the exact binomial, Hosmer-Lemeshow,
Spiegelhalter, each with its light.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from creditrisk.config import CostParams, ModelValidationParams
from creditrisk.data.schema import KEY
from creditrisk.errors import DataContractError, MissingInput
from creditrisk.governance.stats import auc_from_counts

LABEL_COLUMNS = (KEY, "TARGET", "OUTCOME_DATE")


def bin_centres(edges: list[float] | tuple[float, ...]) -> np.ndarray:
    """The PD each bin of a logit-even grid stands for (the outer bins: half a step beyond their edge); the
    missing-value slot of a count vector is not a bin."""
    logits = np.log(np.asarray(edges) / (1 - np.asarray(edges)))
    step = float(np.mean(np.diff(logits)))
    centres = np.concatenate([[logits[0] - step / 2], (logits[:-1] + logits[1:]) / 2, [logits[-1] + step / 2]])
    return 1 / (1 + np.exp(-centres))


def expected_performance(counts: np.ndarray, edges: list[float], threshold: float, costs: CostParams,
                         draws: int = 500, seed: int = 0) -> dict:
    """Expected AUC and business cost per client (at ``threshold``) of the clients counted on the fine PD grid
    (``counts`` = [missing, bin 1, ..., bin n]), each with a 95 % interval from drawn outcomes."""
    n = np.asarray(counts[1:], dtype=float)
    p = bin_centres(edges)
    refused = p >= threshold

    def cost(defaults: np.ndarray) -> float:
        return float((costs.fn_cost * defaults[~refused].sum() + costs.fp_cost * (n - defaults)[refused].sum())
                     / n.sum())

    rng = np.random.default_rng(seed)
    simulated = [rng.binomial(n.astype(np.int64), p) for _ in range(draws)]
    aucs = [auc_from_counts(k, n - k) for k in simulated if 0 < k.sum() < n.sum()]
    costs_drawn = [cost(k) for k in simulated]
    return {"clients": int(n.sum()), "expected_default_rate": float(np.sum(n * p) / n.sum()),
            "expected_auc": auc_from_counts(n * p, n * (1 - p)),
            "expected_auc_ci95": [float(np.percentile(aucs, 2.5)), float(np.percentile(aucs, 97.5))],
            "expected_cost_per_client": cost(n * p),
            "expected_cost_per_client_ci95": [float(np.percentile(costs_drawn, 2.5)),
                                              float(np.percentile(costs_drawn, 97.5))],
            "threshold": threshold, "draws": draws,
            "method": "confidence-based performance estimation: outcomes drawn from the calibrated PDs"}


def read_labels(path: Path):
    """The outcomes file (CSV or Parquet): one row per client, TARGET 0/1, OUTCOME_DATE a date."""
    import pandas as pd

    path = Path(path)
    if not path.exists():
        raise MissingInput(f"{path}: labels file not found")
    frame = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
    missing = [c for c in LABEL_COLUMNS if c not in frame.columns]
    if missing:
        raise DataContractError(f"{path}: column(s) {missing} missing; expected {list(LABEL_COLUMNS)}")
    bad = frame.loc[~frame["TARGET"].isin([0, 1]), "TARGET"]
    if len(bad):
        raise DataContractError(f"{path}: column TARGET expects 0 or 1; {len(bad)} row(s) hold other values, e.g. "
                           f"{bad.iloc[0]!r} (row {bad.index[0] + 2} of the file)")
    dates = pd.to_datetime(frame["OUTCOME_DATE"], errors="coerce", format="ISO8601")
    if dates.isna().any():
        row = int(np.flatnonzero(dates.isna().to_numpy())[0])
        raise DataContractError(f"{path}: column OUTCOME_DATE expects dates (YYYY-MM-DD); row {row + 2} holds "
                           f"{frame['OUTCOME_DATE'].iloc[row]!r}")
    if frame[KEY].duplicated().any():
        raise DataContractError(f"{path}: column {KEY} holds {int(frame[KEY].duplicated().sum())} duplicate client(s); "
                           "one outcome per client is expected")
    return frame.assign(OUTCOME_DATE=dates, TARGET=frame["TARGET"].astype(int))


def backtest(labels, population, grade_bounds: tuple[float, ...], settings: ModelValidationParams,
             min_clients: int, min_defaults: int, development_auc: float | None, source: Path) -> dict:
    """The validation tests on the clients whose outcome is known (``population``: the PDs of record, indexed by
    SK_ID_CURR)."""
    from creditrisk.governance.battery import Sample, calibration, discrimination, judged, lights_count
    from creditrisk.governance.master_scale import MasterScale

    known = labels[labels[KEY].isin(population.index)]
    if known.empty:
        raise DataContractError(f"{source}: none of the {len(labels)} clients is among the {len(population)} clients "
                           "of record (models/serving population)")
    sample = Sample("production outcomes", known["TARGET"].to_numpy(),
                    population.loc[known[KEY], "pd"].to_numpy(dtype=float))
    if sample.defaults < 2 or sample.defaults > len(sample.y) - 2:
        raise DataContractError(f"{source}: {sample.defaults} defaults among {len(sample.y)} known clients; the tests "
                           "need at least 2 defaults and 2 repaid loans")
    tests = discrimination(sample, settings, development_auc)
    rows, details = calibration(sample, MasterScale(grade_bounds), settings, min_clients)
    tests = judged(tests + rows, sample, min_defaults)
    return {"labels": str(source), "clients": len(labels), "matched": len(known),
            "unknown_clients": len(labels) - len(known), "defaults": sample.defaults,
            "outcome_dates": [str(known["OUTCOME_DATE"].min().date()), str(known["OUTCOME_DATE"].max().date())],
            "development_auc": development_auc, "tests": tests, "lights": lights_count(tests),
            "jeffreys": details["jeffreys"]}
