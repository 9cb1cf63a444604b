"""Feature builder: hand-computed aggregates on a tiny fixture, missing tables, no leak, parity, determinism."""

import math

import numpy as np
import polars as pl
import pytest

from creditrisk.data import schema
from creditrisk.features import build_features, catalogue

A, B = 1, 2  # applicant A has a history in every table, B only a credit card


def f32(value: float) -> float:
    """Features are emitted in float32 (CatBoost's precision): the expected decimal, rounded the same way."""
    return float(np.float32(value))


def _frame(table: str, rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=schema.polars_schema(schema.table(table)), strict=False)


@pytest.fixture(scope="module")
def tiny(real_sample) -> dict[str, pl.DataFrame]:
    """Two real application rows, edited, and a handful of history rows whose aggregates are worked out below."""
    app = pl.read_csv(real_sample / "application_train.csv", n_rows=2,
                      schema=schema.polars_schema(schema.table("application_train")))
    app = app.with_columns(
        SK_ID_CURR=pl.Series([A, B]), DAYS_EMPLOYED=pl.Series([365243, -1000]),
        AMT_INCOME_TOTAL=pl.Series([100_000.0, 50_000.0]), AMT_CREDIT=pl.Series([200_000.0, 100_000.0]),
        AMT_ANNUITY=pl.Series([10_000.0, None]), AMT_GOODS_PRICE=pl.Series([180_000.0, 100_000.0]),
        CNT_FAM_MEMBERS=pl.Series([2.0, 1.0]), EXT_SOURCE_1=pl.Series([0.2, None]),
        EXT_SOURCE_2=pl.Series([0.4, 0.5]), EXT_SOURCE_3=pl.Series([None, 0.6]),
        OCCUPATION_TYPE=pl.Series([None, "Drivers"]))
    bureau = _frame("bureau", [
        {"SK_ID_CURR": A, "SK_ID_BUREAU": 10, "CREDIT_ACTIVE": "Active", "DAYS_CREDIT": -100, "CREDIT_DAY_OVERDUE": 0,
         "AMT_CREDIT_SUM": 1000.0, "AMT_CREDIT_SUM_DEBT": 400.0, "AMT_CREDIT_SUM_OVERDUE": 0.0,
         "CREDIT_TYPE": "Consumer credit"},
        {"SK_ID_CURR": A, "SK_ID_BUREAU": 11, "CREDIT_ACTIVE": "Closed", "DAYS_CREDIT": -800, "CREDIT_DAY_OVERDUE": 0,
         "AMT_CREDIT_SUM": 3000.0, "AMT_CREDIT_SUM_DEBT": 0.0, "AMT_CREDIT_SUM_OVERDUE": 0.0,
         "DAYS_ENDDATE_FACT": -200.0, "CREDIT_TYPE": "Credit card"}])
    bureau_balance = _frame("bureau_balance", [
        {"SK_ID_BUREAU": 10, "MONTHS_BALANCE": 0, "STATUS": "1"},
        {"SK_ID_BUREAU": 10, "MONTHS_BALANCE": -1, "STATUS": "0"},
        {"SK_ID_BUREAU": 10, "MONTHS_BALANCE": -13, "STATUS": "2"}])
    previous = _frame("previous_application", [
        {"SK_ID_PREV": 100, "SK_ID_CURR": A, "NAME_CONTRACT_STATUS": "Approved", "DAYS_DECISION": -100,
         "AMT_APPLICATION": 1000.0, "AMT_CREDIT": 1250.0, "AMT_ANNUITY": 125.0, "CNT_PAYMENT": 12.0,
         "DAYS_FIRST_DUE": 365243.0,
         "DAYS_LAST_DUE_1ST_VERSION": 200.0, "NAME_CONTRACT_TYPE": "Cash loans"},
        {"SK_ID_PREV": 101, "SK_ID_CURR": A, "NAME_CONTRACT_STATUS": "Refused", "DAYS_DECISION": -500,
         "AMT_APPLICATION": 2000.0, "AMT_CREDIT": 2000.0, "NAME_CONTRACT_TYPE": "Cash loans"},
        {"SK_ID_PREV": 102, "SK_ID_CURR": A, "NAME_CONTRACT_STATUS": "Refused", "DAYS_DECISION": -50,
         "AMT_APPLICATION": 0.0, "AMT_CREDIT": 0.0, "NAME_CONTRACT_TYPE": "Consumer loans"}])
    inst = [  # instalment 1 paid in two parts (last one 5 days late), 2 paid half early, 3 on time a year ago
        (1, -60.0, 100.0, 30.0, -70.0), (1, -60.0, 100.0, 70.0, -55.0), (2, -30.0, 100.0, 50.0, -35.0),
        (3, -400.0, 100.0, 100.0, -400.0)]
    installments = _frame("installments_payments", [
        {"SK_ID_PREV": 100, "SK_ID_CURR": A, "NUM_INSTALMENT_VERSION": 1.0, "NUM_INSTALMENT_NUMBER": n,
         "DAYS_INSTALMENT": due, "AMT_INSTALMENT": amount, "AMT_PAYMENT": paid, "DAYS_ENTRY_PAYMENT": entry}
        for n, due, amount, paid, entry in inst])
    pos = _frame("POS_CASH_balance", [
        {"SK_ID_PREV": 100, "SK_ID_CURR": A, "MONTHS_BALANCE": m, "SK_DPD": dpd, "SK_DPD_DEF": 0,
         "NAME_CONTRACT_STATUS": "Active"} for m, dpd in ((-1, 0), (-2, 10), (-20, 0))])
    cards = _frame("credit_card_balance", [
        {"SK_ID_PREV": 200, "SK_ID_CURR": B, "MONTHS_BALANCE": m, "AMT_BALANCE": bal, "AMT_CREDIT_LIMIT_ACTUAL": 1000,
         "SK_DPD": 0, "SK_DPD_DEF": 0, "NAME_CONTRACT_STATUS": "Active"} for m, bal in ((-2, 500.0), (-15, 900.0))])
    return {"application": app, "bureau": bureau, "bureau_balance": bureau_balance,
            "previous_application": previous, "installments_payments": installments, "POS_CASH_balance": pos,
            "credit_card_balance": cards}


def _as(path: str, tables: dict[str, pl.DataFrame]) -> dict:
    """Request rows (in memory: one group-by per table, subsets masked) or scanned tables (lazy: each subset
    grouped on its own rows): the builder's two ways of evaluating the same features."""
    return tables if path == "request rows" else {name: frame.lazy() for name, frame in tables.items()}


@pytest.fixture(scope="module", params=["request rows", "scanned tables"])
def built(request, tiny) -> dict[int, dict]:
    frame = build_features(_as(request.param, tiny))
    return {row["SK_ID_CURR"]: row for row in frame.iter_rows(named=True)}


def test_application_ratios_and_sentinel(built):
    a, b = built[A], built[B]
    assert a["DAYS_EMPLOYED"] is None and a["DAYS_EMPLOYED_ANOM"] == 1.0 and a["YEARS_EMPLOYED"] is None
    assert b["DAYS_EMPLOYED"] == -1000.0 and b["YEARS_EMPLOYED"] == pytest.approx(1000 / 365.25)
    assert a["CREDIT_INCOME_RATIO"] == 2.0 and a["PAYMENT_RATE"] == f32(0.05) and a["ANNUITY_INCOME_RATIO"] == f32(0.1)
    assert a["GOODS_CREDIT_RATIO"] == f32(0.9) and a["CREDIT_GOODS_DIFF"] == 20_000.0
    assert a["INCOME_PER_PERSON"] == 50_000.0 and b["PAYMENT_RATE"] is None  # missing annuity stays missing
    assert a["EXT_SOURCE_MEAN"] == pytest.approx(0.3) and a["EXT_SOURCE_MISSING"] == 1.0
    assert a["EXT_SOURCE_STD"] == pytest.approx(math.sqrt(0.02))  # sample std of 0.2 and 0.4
    assert b["EXT_SOURCE_MIN"] == 0.5 and b["EXT_2_3_PROD"] == pytest.approx(0.3)
    assert a["OCCUPATION_TYPE"] == schema.MISSING_CATEGORY and b["OCCUPATION_TYPE"] == "Drivers"


def test_bureau_aggregates(built):
    a = built[A]
    assert (a["BURO_COUNT"], a["BURO_ACTIVE_COUNT"], a["BURO_OPENED_12M_COUNT"]) == (2.0, 1.0, 1.0)
    assert a["BURO_DAYS_CREDIT_MEAN"] == -450.0 and a["ACTIVE_DAYS_CREDIT_MEAN"] == -100.0
    assert a["CLOSED_AMT_CREDIT_SUM_SUM"] == 3000.0 and a["CLOSED_DAYS_ENDDATE_FACT_MAX"] == -200.0
    assert a["ACTIVE_DEBT_CREDIT_RATIO_MEAN"] == f32(0.4) and a["ACTIVE_DEBT_TOTAL_RATIO"] == f32(0.4)
    assert a["BURO_CREDIT_ACTIVE_ACTIVE_SHARE"] == 0.5 and a["BURO_CREDIT_TYPE_CREDIT_CARD_SHARE"] == 0.5
    assert a["BURO_OVERDUE_ANY"] == 0.0
    # bureau_balance of credit 10: statuses 1, 0, 2 (the "2" is 13 months old); credit 11 has no monthly rows
    assert a["BB_STATUS_MAX_MAX"] == 2.0 and a["BB_12M_STATUS_MAX_MAX"] == 1.0
    assert a["BB_STATUS_LATE_SHARE_MEAN"] == pytest.approx(2 / 3) and a["BB_12M_STATUS_LATE_SHARE_MEAN"] == 0.5
    assert a["BB_STATUS_MONTHS_SUM"] == 3.0


def test_previous_application_aggregates(built):
    a = built[A]
    assert (a["PREV_COUNT"], a["PREV_REFUSED_COUNT"], a["PREV_12M_COUNT"]) == (3.0, 2.0, 2.0)
    assert (a["PREV_12M_REFUSED_COUNT"], a["PREV_24M_REFUSED_COUNT"]) == (1.0, 2.0)
    assert a["PREV_APP_CREDIT_RATIO_MEAN"] == f32(0.9)  # 0.8 and 1.0; 0/0 is missing, not 0
    assert a["APPROVED_DAYS_FIRST_DUE_MAX"] is None  # the 365243 sentinel is not a date
    assert a["APPROVED_ACTIVE_COUNT"] == 1.0
    assert a["PREV_LAST_NAME_CONTRACT_STATUS"] == "Refused" and a["PREV_LAST_NAME_CONTRACT_TYPE"] == "Consumer loans"
    assert a["PREV_NAME_CONTRACT_STATUS_REFUSED_SHARE"] == pytest.approx(2 / 3)
    assert a["REFUSED_AMT_APPLICATION_MAX"] == 2000.0 and a["APPROVED_AMT_CREDIT_MEAN"] == 1250.0


def test_installment_aggregates_per_instalment(built):
    a = built[A]
    assert a["INSTAL_COUNT"] == 3.0  # four payment rows, three instalments
    assert a["INSTAL_DPD_MAX"] == 5.0 and a["INSTAL_DPD_MEAN"] == pytest.approx(5 / 3)
    assert a["INSTAL_DBD_SUM"] == 5.0 and a["INSTAL_LATE_MEAN"] == pytest.approx(1 / 3)
    assert a["INSTAL_SHORT_SUM"] == 1.0 and a["INSTAL_PAYMENT_DIFF_MAX"] == 50.0
    assert a["INSTAL_PAYMENT_RATIO_MEAN"] == pytest.approx(2.5 / 3)
    assert a["INSTAL_12M_DPD_MEAN"] == 2.5 and a["INSTAL_12M_LATE_MEAN"] == 0.5
    assert a["INSTAL_PAYMENT_ROWS_MAX"] == 2.0 and a["INSTAL_AMT_PAYMENT_SUM"] == 250.0


def test_candidate_groups_by_hand(built):
    """The candidate groups (params features.groups), worked out on the fixture."""
    a, b = built[A], built[B]
    # A's instalments by due date: #3 (-400: on time, paid in full), #1 (-60: 5 days late, paid in full),
    # #2 (-30: early, half paid)
    assert (a["INSTAL_LAST1_DPD_MEAN"], a["INSTAL_LAST1_LATE_MEAN"], a["INSTAL_LAST1_PAYMENT_RATIO_MEAN"]) == (
        0.0, 0.0, 0.5)
    assert a["INSTAL_LAST3_DPD_MEAN"] == f32(5 / 3) and a["INSTAL_LAST5_PAYMENT_RATIO_MEAN"] == f32(2.5 / 3)
    for days in (60, 90, 180):  # #1 and #2
        assert (a[f"INSTAL_{days}D_DPD_MAX"], a[f"INSTAL_{days}D_DPD_MEAN"], a[f"INSTAL_{days}D_LATE_MEAN"]) == (
            5.0, 2.5, 0.5)
        assert (a[f"INSTAL_{days}D_PAYMENT_RATIO_MEAN"], a[f"INSTAL_{days}D_PAYMENT_RATIO_MIN"]) == (0.75, 0.5)
    assert b["INSTAL_LAST1_DPD_MEAN"] is None and b["INSTAL_60D_DPD_MEAN"] is None
    # 200,000 at 10,000 a month: 20 months at no interest -> guessed term 24 -> (240,000 / 200,000 - 1) / 2 years
    assert a["APP_TERM_ESTIMATE"] == 24.0 and a["APP_RATE_ESTIMATE"] == f32(0.1)
    assert b["APP_RATE_ESTIMATE"] is None  # no annuity
    # previous loan 100: 12 annuities of 125 for 1,250 -> (1,500 / 1,250 - 1) / 1 year
    assert a["APPROVED_RATE_MEAN"] == f32(0.2) and a["APPROVED_LAST_RATE"] == f32(0.2)
    assert a["EXT_1_2_PROD"] == f32(0.08) and a["EXT_3_MINUS_2"] is None  # A has no EXT_SOURCE_3
    assert b["EXT_3_MINUS_2"] == f32(0.1) and b["EXT_3_CREDIT_INCOME_RATIO"] == f32(0.3)
    assert b["EXT_3_AGE_RATIO"] == pytest.approx(0.6 / b["AGE_YEARS"], rel=1e-6)  # both rounded to float32


def test_pos_and_card_aggregates(built):
    a, b = built[A], built[B]
    assert (a["POS_COUNT"], a["POS_SK_DPD_MAX"], a["POS_12M_SK_DPD_MEAN"]) == (3.0, 10.0, 5.0)
    assert a["POS_LATE_MEAN"] == pytest.approx(1 / 3) and a["POS_LOANS_COUNT"] == 1.0
    assert (b["CC_COUNT"], b["CC_UTILISATION_MEAN"], b["CC_12M_UTILISATION_MEAN"]) == (2.0, f32(0.7), 0.5)
    assert b["CC_AMT_BALANCE_SUM"] == 1400.0 and a["CC_COUNT"] == 0.0 and a["CC_UTILISATION_MEAN"] is None


def test_applicant_without_history_gets_zero_counts_and_missing_aggregates(built):
    b = built[B]
    assert b["BURO_COUNT"] == 0.0 and b["PREV_COUNT"] == 0.0 and b["INSTAL_COUNT"] == 0.0
    assert b["BURO_DAYS_CREDIT_MEAN"] is None and b["INSTAL_DPD_MEAN"] is None
    assert b["PREV_LAST_NAME_CONTRACT_STATUS"] == schema.MISSING_CATEGORY


@pytest.mark.parametrize("path", ["request rows", "scanned tables"])
def test_a_subset_without_rows_sums_to_zero_and_has_no_mean(tiny, path):
    """A has bureau credits but none active: sums over its active credits are 0 and their means missing, as a
    masked aggregation gives; B has no bureau credit at all: every bureau statistic is missing (counts 0)."""
    closed_only = tiny | {"bureau": tiny["bureau"].filter(pl.col("CREDIT_ACTIVE") == "Closed")}
    rows = {row["SK_ID_CURR"]: row for row in build_features(_as(path, closed_only)).iter_rows(named=True)}
    a, b = rows[A], rows[B]
    assert (a["BURO_COUNT"], a["BURO_ACTIVE_COUNT"], a["CLOSED_AMT_CREDIT_SUM_SUM"]) == (1.0, 0.0, 3000.0)
    assert a["ACTIVE_AMT_CREDIT_SUM_SUM"] == 0.0 and a["ACTIVE_AMT_CREDIT_SUM_DEBT_SUM"] == 0.0
    assert a["ACTIVE_AMT_CREDIT_SUM_MEAN"] is None and a["ACTIVE_DAYS_CREDIT_MAX"] is None
    assert a["ACTIVE_DEBT_TOTAL_RATIO"] is None  # 0 / 0
    assert b["BURO_ACTIVE_COUNT"] == 0.0 and b["ACTIVE_AMT_CREDIT_SUM_SUM"] is None
    assert b["CLOSED_AMT_CREDIT_SUM_SUM"] is None


def test_instalment_keys_are_packed_only_when_every_instalment_keeps_its_own_value(tiny):
    """Scanned tables group the payment rows of an instalment on one packed integer instead of its four keys."""
    from creditrisk.features.instalments import _instalments_paid, _packed_instalment_key

    keys = ["SK_ID_CURR", "SK_ID_PREV", "NUM_INSTALMENT_VERSION", "NUM_INSTALMENT_NUMBER"]
    inst = tiny["installments_payments"]
    rng = np.random.default_rng(7)  # 400 payment rows over few key values: many repeated instalments
    rows = pl.concat([inst] * 100).with_columns(
        SK_ID_CURR=pl.Series(rng.integers(1, 4, 400)), SK_ID_PREV=pl.Series(rng.integers(-3, 3, 400)),
        NUM_INSTALMENT_VERSION=pl.Series(rng.integers(0, 3, 400).astype(float)),
        NUM_INSTALMENT_NUMBER=pl.Series(rng.integers(0, 5, 400)),
        AMT_PAYMENT=pl.Series(rng.integers(0, 10_000, 400) / 100))
    packed = _packed_instalment_key(rows.lazy())
    assert packed is not None
    by_packed = _instalments_paid(rows.lazy(), packed).collect().sort(keys)
    by_columns = _instalments_paid(rows.lazy()).collect().sort(keys)
    assert by_packed.height == rows.unique(keys).height and by_packed.equals(by_columns.select(by_packed.columns))
    unpackable = {
        "fractional version": inst.with_columns(NUM_INSTALMENT_VERSION=pl.lit(1.5)),
        "missing version": inst.with_columns(NUM_INSTALMENT_VERSION=pl.lit(None, dtype=pl.Float64)),
        "infinite version": inst.with_columns(NUM_INSTALMENT_VERSION=pl.lit(float("inf"))),
        "ranges wider than 62 bits together": inst.with_columns(SK_ID_PREV=pl.Series([0, 2**61, 2**61, 5])),
        "no rows": inst.clear(),
    }
    for case, frame in unpackable.items():
        assert _packed_instalment_key(frame.lazy()) is None, case
    wide = tiny | {"installments_payments": unpackable["ranges wider than 62 bits together"]}
    assert build_features(_as("scanned tables", wide)).equals(build_features(wide))


def test_absent_tables_give_the_same_columns(tiny, built):
    only_application = build_features({"application": tiny["application"]})
    assert only_application.columns == ["SK_ID_CURR", *[f.name for f in catalogue()]]
    assert only_application.row(0, named=True)["CREDIT_INCOME_RATIO"] == built[A]["CREDIT_INCOME_RATIO"]
    assert only_application["BURO_COUNT"].to_list() == [0.0, 0.0]
    without_bureau = build_features({k: v for k, v in tiny.items() if k != "bureau"})
    assert without_bureau.row(0, named=True)["PREV_COUNT"] == 3.0


def test_no_target_or_other_applicant_leaks(tiny):
    """A client's features depend only on its own rows: not on TARGET, nor on who else is in the batch."""
    both = build_features(tiny)
    flipped = tiny | {"application": tiny["application"].with_columns(pl.col("TARGET").reverse())}
    assert build_features(flipped).equals(both)
    alone = build_features(tiny | {"application": tiny["application"].filter(pl.col("SK_ID_CURR") == A)})
    assert alone.row(0) == both.row(0)


def test_catalogue_names_are_unique_and_described():
    entries = catalogue()
    names = [f.name for f in entries]
    assert len(names) == len(set(names)) >= 600
    assert all(f.description_en and f.description_fr for f in entries)
    tables = {f.table for f in entries}
    assert tables == {"application", "bureau", "previous_application", "POS_CASH_balance", "installments_payments",
                      "credit_card_balance"}
    categorical = {f.name for f in entries if f.categorical}
    assert {"NAME_CONTRACT_TYPE", "PREV_LAST_NAME_CONTRACT_STATUS"} <= categorical


def test_every_family_of_the_table_registry_has_its_features_and_nothing_else():
    from creditrisk.features.family import families

    built = families()
    assert tuple(f.name for f in built) == schema.FAMILIES
    assert [f.table for f in built] == ["bureau", "previous_application", "POS_CASH_balance",
                                        "installments_payments", "credit_card_balance"]
    names = [f.name for f in catalogue()]
    assert len(names) == len(set(names))
    by_table = {f.table for f in catalogue()} - {"application"}
    assert by_table == {f.feature_set().table for f in built}
