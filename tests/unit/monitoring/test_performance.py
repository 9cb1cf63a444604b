"""Performance before outcomes (CBPE from the PD counts) and the back-test once outcomes arrive."""

import math

import numpy as np
import pandas as pd
import pytest

from creditrisk.config import CostParams, ModelValidationParams
from creditrisk.errors import DataContractError, MissingInput
from creditrisk.monitoring.performance import (
    auc_from_counts,
    backtest,
    bin_centres,
    expected_performance,
    read_labels,
)
from creditrisk.monitoring.traffic import PD_FINE_EDGES, count_numbers


def test_bin_centres_by_hand():
    # logit grid -2, 0, 2: centres -3, -1, 1, 3 (outer bins half a step beyond their edge)
    edges = [1 / (1 + math.exp(2)), 0.5, 1 / (1 + math.exp(-2))]
    assert bin_centres(edges) == pytest.approx([1 / (1 + math.exp(-z)) for z in (-3, -1, 1, 3)])


def test_auc_from_counts_by_hand():
    # bins low, high: positives 1 and 3, negatives 3 and 1. The low positive ties the 3 low negatives (1.5); the
    # high positives beat the 3 low negatives (9) and tie the high one (1.5): 12 of 16 pairs
    assert auc_from_counts(np.array([1, 3]), np.array([3, 1])) == pytest.approx(12 / 16)


def test_expected_performance_matches_outcomes_drawn_from_calibrated_pds():
    rng = np.random.default_rng(5)
    pd_ = np.clip(rng.lognormal(np.log(0.05), 1.0, 40_000), 0.001, 0.85)
    y = rng.random(len(pd_)) < pd_
    counts = count_numbers(list(pd_), PD_FINE_EDGES)
    estimate = expected_performance(counts, list(PD_FINE_EDGES), 0.09, CostParams(), draws=200, seed=1)
    from sklearn.metrics import roc_auc_score

    observed_cost = (10 * np.sum(y & (pd_ < 0.09)) + np.sum(~y & (pd_ >= 0.09))) / len(y)
    assert estimate["expected_auc_ci95"][0] - 0.01 <= roc_auc_score(y, pd_) <= estimate["expected_auc_ci95"][1] + 0.01
    assert estimate["expected_cost_per_client"] == pytest.approx(observed_cost, abs=0.02)
    assert estimate["expected_default_rate"] == pytest.approx(pd_.mean(), rel=0.02)
    assert estimate["clients"] == 40_000


def _labels(tmp_path, frame: pd.DataFrame, name: str = "labels.csv"):
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return path


def test_labels_file_errors_name_the_file_and_column(tmp_path):
    with pytest.raises(MissingInput, match="labels file not found"):
        read_labels(tmp_path / "none.csv")
    base = pd.DataFrame({"SK_ID_CURR": [1, 2], "TARGET": [0, 1], "OUTCOME_DATE": ["2026-11-01", "2026-11-02"]})
    with pytest.raises(DataContractError, match=r"labels.csv: column\(s\) \['OUTCOME_DATE'\] missing"):
        read_labels(_labels(tmp_path, base.drop(columns="OUTCOME_DATE")))
    with pytest.raises(DataContractError, match="column TARGET expects 0 or 1; 1 row.*row 3 of the file"):
        read_labels(_labels(tmp_path, base.assign(TARGET=[0, 2])))
    with pytest.raises(DataContractError, match="column OUTCOME_DATE expects dates.*row 2 holds 'soon'"):
        read_labels(_labels(tmp_path, base.assign(OUTCOME_DATE=["soon", "2026-11-02"])))
    with pytest.raises(DataContractError, match="1 duplicate client"):
        read_labels(_labels(tmp_path, base.assign(SK_ID_CURR=[1, 1])))


def test_backtest_judges_the_pds_of_record(tmp_path):
    rng = np.random.default_rng(6)
    n = 8000
    pd_ = np.clip(rng.lognormal(np.log(0.06), 0.9, n), 0.002, 0.9)
    population = pd.DataFrame({"SK_ID_CURR": np.arange(n), "pd": pd_}).set_index("SK_ID_CURR")
    y = (rng.random(n) < pd_).astype(int)
    labels = pd.DataFrame({"SK_ID_CURR": np.r_[np.arange(n), [10**7]], "TARGET": np.r_[y, [0]],
                           "OUTCOME_DATE": ["2026-10-01"] * n + ["2026-11-15"]})
    result = backtest(labels.assign(OUTCOME_DATE=pd.to_datetime(labels["OUTCOME_DATE"])), population,
                      (0.01, 0.02, 0.04, 0.08, 0.16, 0.32), ModelValidationParams(), 30, 100, 0.80,
                      tmp_path / "labels.csv")
    assert (result["matched"], result["unknown_clients"]) == (n, 1)
    tests = {t["key"]: t for t in result["tests"]}
    assert {"auc", "auc_decline", "jeffreys_portfolio", "binomial", "hosmer_lemeshow"} <= set(tests)
    assert tests["binomial"]["light"] in ("green", "amber")
    worse = backtest(labels.assign(OUTCOME_DATE=pd.to_datetime(labels["OUTCOME_DATE"])),
                     population.assign(pd=pd_ / 2), (0.01, 0.02, 0.04, 0.08, 0.16, 0.32), ModelValidationParams(),
                     30, 100, 0.80, tmp_path / "labels.csv")
    assert {t["key"]: t["light"] for t in worse["tests"]}["binomial"] == "red"  # PDs halved: underestimated
    with pytest.raises(DataContractError, match="none of the 1 clients"):
        backtest(labels.tail(1), population, (0.01, 0.02, 0.04, 0.08, 0.16, 0.32), ModelValidationParams(), 30,
                 100, 0.8, tmp_path / "labels.csv")
