"""The same builder on every path: pipeline (lazy, all clients) vs service (one client's raw rows in memory)."""

import polars as pl
import pytest

from creditrisk.data import schema
from creditrisk.data.ingest import ingest
from creditrisk.features import build_features, catalogue
from creditrisk.features.builder import client_rows
from creditrisk.features.selection import find_useless_columns
from creditrisk.stages.common import load_tables


@pytest.fixture(scope="module")
def offline(interim) -> pl.DataFrame:
    tables = load_tables(interim)
    apps = pl.concat([tables.pop("application_train").drop("TARGET"), tables.pop("application_test")])
    return build_features({"application": apps, **tables})


def _client_rows(interim, client: int | list[int]) -> dict[str, pl.DataFrame]:
    """What a request carries: the clients' application rows and their own history rows."""
    tables = {name: pl.read_parquet(interim / f"{name}.parquet") for name in schema.ALL_TABLES}
    return client_rows(tables, client)


def test_online_features_equal_the_pipeline_features(interim, offline):
    cards = pl.read_parquet(interim / "credit_card_balance.parquet")["SK_ID_CURR"].unique().sort()
    test_ids = pl.read_parquet(interim / "application_test.parquet")["SK_ID_CURR"]
    clients = [int(cards[0]), int(cards[-1]), int(test_ids[0]), int(test_ids[-1]), int(offline["SK_ID_CURR"][7])]
    for client in clients:
        online = build_features(_client_rows(interim, client))
        expected = offline.filter(pl.col("SK_ID_CURR") == client)
        assert online.height == 1 and online.columns == expected.columns
        assert online.row(0) == expected.row(0), client
    assert offline.filter(pl.col("SK_ID_CURR") == clients[0])["CC_COUNT"][0] > 0


def test_row_order_of_a_request_does_not_matter(interim, offline):
    client = int(pl.read_parquet(interim / "installments_payments.parquet")["SK_ID_CURR"][0])
    rows = _client_rows(interim, client)
    shuffled = {name: frame.sample(fraction=1.0, shuffle=True, seed=3) for name, frame in rows.items()}
    assert build_features(shuffled).row(0) == offline.filter(pl.col("SK_ID_CURR") == client).row(0)


def test_build_is_deterministic(interim, offline, tmp_path):
    tables = load_tables(interim)
    apps = pl.concat([tables.pop("application_train").drop("TARGET"), tables.pop("application_test")])
    again = build_features({"application": apps, **tables})
    assert again.equals(offline)
    # bytes, not just values: -0.0 == +0.0 would hide a sign flip that changes the files DVC hashes
    first, second = tmp_path / "a.parquet", tmp_path / "b.parquet"
    offline.rechunk().write_parquet(first)
    again.rechunk().write_parquet(second)
    assert first.read_bytes() == second.read_bytes()


def test_selected_columns_are_returned_in_the_given_order(interim, offline):
    rows = _client_rows(interim, int(offline["SK_ID_CURR"][0]))
    picked = build_features(rows, columns=["PAYMENT_RATE", "EXT_SOURCE_MEAN"])
    assert picked.columns == ["SK_ID_CURR", "PAYMENT_RATE", "EXT_SOURCE_MEAN"]
    same_client = offline.filter(pl.col("SK_ID_CURR") == picked["SK_ID_CURR"][0])
    assert picked.row(0) == same_client.select(picked.columns).row(0)
    with pytest.raises(KeyError, match="NOT_A_FEATURE"):
        build_features(rows, columns=["NOT_A_FEATURE"])


def test_a_subset_of_columns_is_computed_alone_with_the_same_values(interim, offline):
    """The service asks for the features its model reads: only their inputs are computed, to the same bits."""
    from creditrisk.features.bureau import _bureau_set

    def names(exprs):
        return sorted(e.meta.output_name() for e in exprs)

    steps, _ = _bureau_set().plan(frozenset({"BURO_AMT_CREDIT_SUM_MEAN"}))
    assert list(steps) == [None]  # over all rows: two row-wise columns (float, decimal), two aggregations
    assert names(steps[None][0]) == ["__BURO_AMT_CREDIT_SUM", "__BURO_AMT_CREDIT_SUM__dec"]
    assert names(steps[None][1]) == ["__BURO_AMT_CREDIT_SUM__n", "__BURO_AMT_CREDIT_SUM__sum"]
    # a subset's statistic: grouped over the subset's rows alone, or over all rows with the others masked
    active = frozenset({"ACTIVE_AMT_CREDIT_SUM_MEAN"})
    split, _ = _bureau_set().plan(active, split=True)
    masked, _ = _bureau_set().plan(active, split=False)
    assert list(split) == [None, "bureau_active"] and split[None] == ([], [])
    assert names(split["bureau_active"][0]) == names(masked[None][0]) == ["__ACTIVE_AMT_CREDIT_SUM",
                                                                         "__ACTIVE_AMT_CREDIT_SUM__dec"]
    assert names(split["bureau_active"][1]) == names(masked[None][1]) == ["__ACTIVE_AMT_CREDIT_SUM__n",
                                                                         "__ACTIVE_AMT_CREDIT_SUM__sum"]
    assert list(masked) == [None] and "when" in str(masked[None][0][0])
    wanted = [f.name for f in catalogue()][::7]  # every family, with and without a subset mask
    clients = offline["SK_ID_CURR"][:40].to_list()
    rows = _client_rows(interim, clients)
    subset = build_features(rows, columns=wanted)
    assert subset.equals(offline.filter(pl.col("SK_ID_CURR").is_in(clients)).select(["SK_ID_CURR", *wanted]))


def test_real_sample_rows_are_accepted(real_sample, tmp_path):
    ingest(real_sample, tmp_path)
    tables = load_tables(tmp_path)
    features = build_features({"application": tables.pop("application_train"), **tables})
    assert features.height == 3000 and features.columns[1:] == [f.name for f in catalogue()]
    assert features["SK_ID_CURR"][0] == 100002
    assert features["PAYMENT_RATE"][0] == pytest.approx(24700.5 / 406597.5)  # first real row


def test_constant_and_duplicate_columns_are_found():
    train = pl.DataFrame({"a": [1.0, 2.0, 3.0], "const": [5.0, 5.0, 5.0], "empty": [None, None, None],
                          "twin": [1.0, 2.0, 3.0], "other": [3.0, 2.0, 1.0]})
    dropped = find_useless_columns(train, train.columns)
    assert dropped == {"const": "constant on the training rows", "empty": "constant on the training rows",
                       "twin": "duplicate of a"}
