"""The application part fitted on real rows: real dependencies, exact rules, no real row shipped or reproduced."""

import json
from importlib import resources

import numpy as np
import pandas as pd
import pytest

from creditrisk.data import schema
from creditrisk.data.synthetic.copula import PARAMS_FILE, _nearest_correlation, _ordinal_scores
from creditrisk.data.synthetic.fit import LOAN_TERMS, fit_application_pd, non_decreasing
from creditrisk.data.synthetic.risk import application_logit_from, pd_inputs
from tests.conftest import ROOT

REAL_APPLICATIONS = ROOT.parent / "shared" / "home-credit" / "real-applications" / "application_train_sample.csv"


@pytest.fixture(scope="module")
def real_rows() -> pd.DataFrame:
    if not REAL_APPLICATIONS.exists():
        pytest.skip(f"real application rows not found at {REAL_APPLICATIONS} (shipped beside the repository in CI)")
    return pd.read_csv(REAL_APPLICATIONS)


def _rows(frame: pd.DataFrame) -> set:
    columns = [c for c in schema.table("application_train").column_names if c not in (schema.KEY, "TARGET")]
    return set(frame[columns].astype(str).itertuples(index=False, name=None))


def test_no_generated_row_equals_a_real_one(frames, real_rows, real_sample):
    generated = _rows(frames["application_train"]) | _rows(frames["application_test"].assign(TARGET=0))
    real = _rows(real_rows) | _rows(pd.read_csv(real_sample / "application_train.csv"))
    assert len(generated) == len(frames["application_train"]) + len(frames["application_test"])
    assert not generated & real


def test_the_shipped_fit_holds_parameters_not_rows():
    fit = json.loads(resources.files("creditrisk.resources").joinpath(PARAMS_FILE).read_text())
    assert set(fit) == {"fitted_on", "copula", "out_of_work_income", "goods_step_share", "income_step_shares",
                        "application_pd"}
    assert fit["fitted_on"]["rows"] == 24_230
    for dim in fit["copula"]["dimensions"]:  # quantile tables and shares: at most 257 values per column
        assert len(dim["values"]) <= 257, dim["name"]
    corr = np.array(fit["copula"]["correlation"])
    assert corr.shape == (len(fit["copula"]["dimensions"]),) * 2 and np.allclose(np.diag(corr), 1.0)


def test_generated_columns_keep_the_real_dependencies(frames, real_rows):
    """Spearman correlations between every pair of numeric columns (not flags, not mostly missing; DAYS_EMPLOYED's
    sentinel as missing), real vs generated: close on average, and no pair far off."""
    def numeric(frame: pd.DataFrame) -> pd.DataFrame:
        out = frame.drop(columns=[schema.KEY, "TARGET"]).select_dtypes("number")
        return out.assign(DAYS_EMPLOYED=out["DAYS_EMPLOYED"].where(out["DAYS_EMPLOYED"] != 365243))

    real, synthetic = numeric(real_rows), numeric(frames["application_train"])
    columns = [c for c in real.columns if real[c].nunique() > 2 and real[c].isna().mean() < 0.6]
    assert len(columns) >= 40
    upper = np.triu_indices(len(columns), k=1)
    gap = np.abs(real[columns].corr("spearman").to_numpy() - synthetic[columns].corr("spearman").to_numpy())[upper]
    assert np.nanmean(gap) <= 0.03 and np.nanmax(gap) <= 0.15
    app = frames["application_train"]
    ratio = (app["AMT_ANNUITY"] / app["AMT_INCOME_TOTAL"]).quantile(0.99)
    assert ratio == pytest.approx((real_rows["AMT_ANNUITY"] / real_rows["AMT_INCOME_TOTAL"]).quantile(0.99), rel=0.1)


def test_the_default_rate_follows_the_real_risk_ordering(frames):
    """The application part of the true PD was fitted on real rows: the real ordering of risks holds."""
    app = frames["application_train"]
    by_education = app.groupby("NAME_EDUCATION_TYPE")["TARGET"].mean()
    assert by_education["Lower secondary"] > by_education["Secondary / secondary special"] > by_education[
        "Higher education"]
    assert app.loc[app["CODE_GENDER"] == "M", "TARGET"].mean() > app.loc[app["CODE_GENDER"] == "F", "TARGET"].mean()
    young = -app["DAYS_BIRTH"] / 365.25 < 30
    assert app.loc[young, "TARGET"].mean() > 1.3 * app.loc[~young, "TARGET"].mean()


def test_shape_tables_read_by_interpolation_and_missing_terms():
    params = {"intercept": -2.0, "numbers": {"AMT_CREDIT": {"grid": [0.0, 10.0], "effect": [0.0, 1.0],
                                                             "missing": 0.5}},
              "categories": {"CODE_GENDER": {"levels": {"M": 0.3}, "other": -0.1}}}
    numbers = {"AMT_CREDIT": np.array([5.0, 20.0, np.nan])}
    categories = {"CODE_GENDER": np.array(["M", "F", "M"], dtype=object)}
    # 5 -> halfway (0.5); 20 -> held at the last point (1.0); missing -> 0.5; M +0.3, unseen F reads as "other"
    assert application_logit_from(params, numbers, categories) == pytest.approx([-1.2, -1.1, -1.2])


def test_a_loan_term_shape_becomes_its_weighted_isotonic_fit():
    grid = np.array([1.0, 2.0, 3.0, 4.0])
    # 2 -> 3 falls: the two points pool to their weighted mean. Values read from each point (at or just below
    # it): 1 once, 2 three times (1.5, 2, 2), 3 once, 4 once -> (2 x 3 + 1 x 1) / 4 = 1.75
    values = np.array([1.0, 1.5, 2.0, 2.0, 3.0, 4.0])
    shape = non_decreasing(grid, np.array([0.0, 2.0, 1.0, 3.0]), values)
    assert shape == pytest.approx([0.0, 1.75, 1.75, 3.0], abs=1e-3)
    assert non_decreasing(grid, np.array([0.0, 1.0, 2.0, 5.0]), values) == pytest.approx([0.0, 1.0, 2.0, 5.0])


def test_a_rising_world_keeps_the_lenders_rule_and_nothing_else_changes(real_rows, monkeypatch):
    """``--rising-loan-terms``: only the loan terms' shapes are made non-decreasing, and then a cheaper purchase
    (credit, instalment and price scaled) or a down payment (credit and instalment scaled) never raises an
    applicant's application logit, where the shipped (free) world raises some."""
    from creditrisk.data.synthetic import fit as fit_module

    made_rising = []
    monkeypatch.setattr(fit_module, "non_decreasing", lambda grid, effect, values: made_rising.append(1) or
                        non_decreasing(grid, effect, values))
    rows = real_rows.sample(1_000, random_state=0).reset_index(drop=True)
    rising = fit_application_pd(rows, rising=True, penalties=(0.01,))  # one penalty: the shapes, not the search
    assert len(made_rising) == len(LOAN_TERMS)  # every loan term, nothing else
    for name in LOAN_TERMS:
        assert np.all(np.diff(rising["numbers"][name]["effect"]) >= 0), name
    shipped = json.loads(resources.files("creditrisk.resources").joinpath(PARAMS_FILE).read_text())["application_pd"]
    cols = rows.to_dict("series")
    for scaled in (("AMT_CREDIT", "AMT_ANNUITY", "AMT_GOODS_PRICE"), ("AMT_CREDIT", "AMT_ANNUITY")):
        rises = {}
        for label, params in (("shipped", shipped), ("rising", rising)):
            steps = np.array([application_logit_from(params, *pd_inputs({**cols, **{c: cols[c] * share
                                                                                 for c in scaled}}))
                              for share in np.linspace(1.0, 0.3, 8)])
            rises[label] = np.mean(np.any(np.diff(steps, axis=0) > 1e-9, axis=0))
        assert rises["rising"] == 0 and rises["shipped"] > 0.01, (scaled, rises)


def test_pd_inputs_read_the_sentinel_as_missing_and_add_the_ratios(frames):
    numbers, categories = pd_inputs(frames["application_train"].head(50).to_dict("series"))
    app = frames["application_train"].head(50)
    employed = app["DAYS_EMPLOYED"].where(app["DAYS_EMPLOYED"] != 365243)
    assert np.allclose(numbers["DAYS_EMPLOYED"], employed, equal_nan=True)
    assert np.allclose(numbers["PAYMENT_RATE"], app["AMT_ANNUITY"] / app["AMT_CREDIT"], equal_nan=True)
    assert set(categories) == {c.name for c in schema.table("application_train").columns if c.dtype == "object"}


def test_ordinal_scores_are_the_conditional_means_of_a_normal():
    # two halves: E[Z | Z < 0] = -sqrt(2/pi), and the score's standard deviation is the same figure
    scores, sd = _ordinal_scores(np.array([0, 1]), np.array([0.5, 0.5]))
    assert scores == pytest.approx([-np.sqrt(2 / np.pi), np.sqrt(2 / np.pi)])
    assert sd == pytest.approx(np.sqrt(2 / np.pi))


def test_an_indefinite_correlation_becomes_the_nearest_valid_one():
    bad = np.array([[1.0, 0.9, -0.9], [0.9, 1.0, 0.9], [-0.9, 0.9, 1.0]])  # not positive definite
    fixed = _nearest_correlation(bad)
    assert np.allclose(np.diag(fixed), 1.0) and np.linalg.eigvalsh(fixed).min() > 0
    assert np.sign(fixed[0, 1]) == 1 and np.sign(fixed[0, 2]) == -1
