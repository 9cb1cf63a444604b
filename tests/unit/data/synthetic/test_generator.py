"""Invariants of the synthetic Home Credit files (fixture: 20,000 train + 3,000 test applicants, two chunks)."""

import hashlib

import numpy as np
import pandas as pd
import pytest

from creditrisk.data import schema
from creditrisk.data.synthetic.generator import TRUE_PD_FILE, generate
from tests.conftest import N_TEST, N_TRAIN

REAL_DEFAULT_RATE = 24_825 / 307_511  # 8.07 %


def test_files_have_exactly_the_real_columns_in_order(generated):
    for name, table in schema.tables().items():
        header = (generated["data"] / table.file_name).open().readline().strip().split(",")
        assert header == table.column_names, name


def test_pandas_infers_the_real_dtypes(frames):
    for name, table in schema.tables().items():
        inferred = {col: str(dtype) for col, dtype in frames[name].dtypes.items()}
        assert inferred == {c.name: c.dtype for c in table.columns}, name


def test_row_counts(generated, frames):
    assert len(frames["application_train"]) == N_TRAIN
    assert len(frames["application_test"]) == N_TEST
    assert generated["summary"].rows["application_train"] == N_TRAIN


def test_integer_valued_floats_are_written_like_the_real_file(generated):
    first_row = (generated["data"] / "application_train.csv").open().readlines()[1].split(",")
    registration = first_row[schema.table("application_train").column_names.index("DAYS_REGISTRATION")]
    assert registration.endswith(".0")  # "-3648.0" in the real file


def test_ids_are_unique_and_interleaved(frames):
    train, test = frames["application_train"]["SK_ID_CURR"], frames["application_test"]["SK_ID_CURR"]
    ids = pd.concat([train, test])
    assert ids.is_unique and ids.min() == 100_001 and ids.max() == 100_000 + N_TRAIN + N_TEST
    assert train.is_monotonic_increasing and test.is_monotonic_increasing
    assert test.median() == pytest.approx(ids.median(), rel=0.05)  # test ids spread over the whole range
    assert frames["bureau"]["SK_ID_BUREAU"].is_unique
    assert frames["previous_application"]["SK_ID_PREV"].is_unique


def test_child_keys_are_linked(frames):
    applicants = set(frames["application_train"]["SK_ID_CURR"]) | set(frames["application_test"]["SK_ID_CURR"])
    for name in ("bureau", "previous_application", "POS_CASH_balance", "installments_payments",
                 "credit_card_balance"):
        assert set(frames[name]["SK_ID_CURR"]) <= applicants, name
    assert set(frames["bureau_balance"]["SK_ID_BUREAU"]) <= set(frames["bureau"]["SK_ID_BUREAU"])
    prev_owner = frames["previous_application"].set_index("SK_ID_PREV")["SK_ID_CURR"]
    for name in ("POS_CASH_balance", "installments_payments", "credit_card_balance"):
        child = frames[name]
        assert (child["SK_ID_CURR"].to_numpy() == prev_owner.loc[child["SK_ID_PREV"]].to_numpy()).all(), name
    assert not frames["bureau_balance"].duplicated(["SK_ID_BUREAU", "MONTHS_BALANCE"]).any()


def test_child_rows_per_applicant_are_realistic(frames):
    n = N_TRAIN + N_TEST
    # Real: bureau 1,716,428 / 356,255 = 4.8; previous 1,670,214 / 356,255 = 4.7 rows per applicant.
    assert 3.8 < len(frames["bureau"]) / n < 5.8
    assert 3.7 < len(frames["previous_application"]) / n < 5.7
    has_bureau = frames["bureau"]["SK_ID_CURR"].nunique() / n
    assert 0.80 < has_bureau < 0.92  # real 305,811 / 356,255 = 86 %


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path):
    def digest(seed, name):
        out = tmp_path / f"{name}"
        generate(600, 150, seed=seed, out_dir=out / "data", oracle_dir=out / "oracle", chunk_size=400)
        return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted((out / "data").iterdir())}

    first, again, other = digest(5, "a"), digest(5, "b"), digest(6, "c")
    assert first == again
    assert len(first) == 8
    assert all(first[f] != other[f] for f in first)


def test_employment_sentinel_marks_pensioners_and_unemployed(frames):
    for name in schema.APPLICATION_TABLES:
        app = frames[name]
        sentinel = app["DAYS_EMPLOYED"] == 365243
        assert sentinel.mean() == pytest.approx(55_374 / 307_511, abs=0.02)
        assert (sentinel == app["NAME_INCOME_TYPE"].isin(["Pensioner", "Unemployed"])).all()
        assert (sentinel == (app["ORGANIZATION_TYPE"] == "XNA")).all()
        assert (app.loc[~sentinel, "DAYS_EMPLOYED"] <= 0).all()
        assert (app.loc[~sentinel, "DAYS_EMPLOYED"] > app.loc[~sentinel, "DAYS_BIRTH"]).all()


def test_application_quirks(frames):
    app = frames["application_train"]
    car = app["FLAG_OWN_CAR"] == "Y"
    assert app.loc[~car, "OWN_CAR_AGE"].isna().all()
    assert app.loc[car, "OWN_CAR_AGE"].notna().mean() > 0.999
    goods = app["AMT_GOODS_PRICE"].dropna()
    assert (goods % 4500 == 0).mean() > 0.85
    adults = (app["CNT_FAM_MEMBERS"] - app["CNT_CHILDREN"]).dropna()
    assert set(adults.unique()) <= {1.0, 2.0}
    for measure in ("APARTMENTS", "FLOORSMAX", "COMMONAREA"):
        missing = app[[f"{measure}_AVG", f"{measure}_MODE", f"{measure}_MEDI"]].isna()
        assert (missing.nunique(axis=1) == 1).all(), measure  # the three statistics are missing together
    assert app["APARTMENTS_AVG"].isna().mean() == pytest.approx(156_061 / 307_511, abs=0.03)
    assert app.loc[app["EMERGENCYSTATE_MODE"].isna(), "APARTMENTS_AVG"].isna().all()  # nested co-missingness
    income = app["AMT_INCOME_TOTAL"]
    assert income.max() > 4 * income.median()  # outliers in the right tail
    assert (app["CODE_GENDER"] == "XNA").sum() >= 1


def test_previous_application_sentinels(frames):
    prev = frames["previous_application"]
    drawing = prev["DAYS_FIRST_DRAWING"].dropna()
    assert (drawing == 365243).mean() > 0.8  # real: ~94 % of the non-null values
    for column in ("DAYS_FIRST_DUE", "DAYS_LAST_DUE", "DAYS_TERMINATION"):
        values = prev[column].dropna()
        assert (values == 365243).any() and (values < 0).any(), column
    refused = prev["NAME_CONTRACT_STATUS"] == "Refused"
    assert prev.loc[refused, "DAYS_FIRST_DUE"].isna().all()


def test_train_test_shift_of_the_real_data(frames):
    train, test = frames["application_train"], frames["application_test"]
    revolving = {n: (f["NAME_CONTRACT_TYPE"] == "Revolving loans").mean() for n, f in (("train", train),
                                                                                       ("test", test))}
    assert revolving["train"] == pytest.approx(0.095, abs=0.015) and revolving["test"] < 0.025
    assert train["FLAG_EMAIL"].mean() == pytest.approx(0.057, abs=0.015)
    assert test["FLAG_EMAIL"].mean() == pytest.approx(0.163, abs=0.025)
    assert train["EXT_SOURCE_1"].isna().mean() == pytest.approx(0.564, abs=0.02)
    assert test["EXT_SOURCE_1"].isna().mean() == pytest.approx(0.421, abs=0.03)
    assert (test["REGION_RATING_CLIENT_W_CITY"] == -1).any()
    assert (train["REGION_RATING_CLIENT_W_CITY"] >= 1).all()
    assert "XNA" not in set(test["CODE_GENDER"])


def test_default_rate_and_bayes_auc(generated, frames):
    assert frames["application_train"]["TARGET"].mean() == pytest.approx(REAL_DEFAULT_RATE, abs=0.005)
    assert 0.77 <= generated["summary"].bayes_auc <= 0.83  # 0.806 at 100,000 applicants (docs/benchmarks.md)


def test_ext_sources_are_the_strongest_single_predictors(frames):
    app = frames["application_train"]
    numeric = app.drop(columns=["SK_ID_CURR", "TARGET"]).select_dtypes("number")
    numeric = numeric.assign(DAYS_EMPLOYED=numeric["DAYS_EMPLOYED"].where(numeric["DAYS_EMPLOYED"] != 365243))
    numeric = numeric.loc[:, numeric.nunique() > 1]  # a constant column (FLAG_MOBIL, as in Kaggle) has no correlation
    corr = numeric.corrwith(app["TARGET"]).abs().sort_values(ascending=False)
    assert set(corr.index[:3]) == {"EXT_SOURCE_1", "EXT_SOURCE_2", "EXT_SOURCE_3"}
    for k, real in ((1, -0.155), (2, -0.160), (3, -0.179)):
        assert app[f"EXT_SOURCE_{k}"].corr(app["TARGET"]) == pytest.approx(real, abs=0.05)
    assert app["DAYS_BIRTH"].corr(app["TARGET"]) == pytest.approx(0.078, abs=0.03)


def test_history_behaviour_drives_default(frames):
    """Late instalments and refused applications are visible only in the child tables, yet raise the default rate."""
    inst = frames["installments_payments"]
    late = (inst["DAYS_ENTRY_PAYMENT"] > inst["DAYS_INSTALMENT"]).groupby(inst["SK_ID_CURR"]).mean()
    app = frames["application_train"].set_index("SK_ID_CURR")
    late = late.reindex(app.index)
    rate_late = app.loc[late > 0.3, "TARGET"].mean()
    rate_punctual = app.loc[late == 0, "TARGET"].mean()
    assert rate_late > 2 * rate_punctual
    prev = frames["previous_application"]
    refused = (prev["NAME_CONTRACT_STATUS"] == "Refused").groupby(prev["SK_ID_CURR"]).sum().reindex(app.index)
    assert app.loc[refused >= 2, "TARGET"].mean() > 1.3 * app.loc[refused == 0, "TARGET"].mean()


def test_true_pd_is_a_separate_file_covering_every_applicant(generated, frames):
    assert not (generated["data"] / TRUE_PD_FILE).exists()
    oracle = pd.read_csv(generated["oracle"] / TRUE_PD_FILE)
    assert list(oracle.columns) == ["SK_ID_CURR", "TRUE_PD", "SPLIT"]
    assert len(oracle) == N_TRAIN + N_TEST and oracle["SK_ID_CURR"].is_unique
    assert oracle["TRUE_PD"].between(0, 1, inclusive="neither").all()
    train = frames["application_train"].merge(oracle, on="SK_ID_CURR")
    assert (train["SPLIT"] == "train").all()
    assert train["TRUE_PD"].mean() == pytest.approx(train["TARGET"].mean(), abs=0.006)  # calibrated truth
    assert np.isfinite(oracle["TRUE_PD"]).all()
