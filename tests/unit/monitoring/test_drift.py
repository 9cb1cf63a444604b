"""Drift summary on a hand-made fixture, and on the generated data's real train/test shift."""

import numpy as np
import pandas as pd
import pytest

from creditrisk.monitoring.drift import adversarial_validation, prepare, run_report, summarize


@pytest.fixture(scope="module")
def fixture_summary():
    rng = np.random.default_rng(0)
    n_ref, n_cur = 3000, 2000
    reference = pd.DataFrame({"SK_ID_CURR": np.arange(n_ref), "TARGET": rng.integers(0, 2, n_ref),
                              "shifted": rng.normal(0, 1, n_ref), "stable": rng.normal(0, 1, n_ref),
                              "kind": rng.choice(["a", "b"], n_ref, p=[0.9, 0.1])})
    current = pd.DataFrame({"SK_ID_CURR": np.arange(n_cur), "shifted": rng.normal(1.0, 1, n_cur),
                            "stable": rng.normal(0, 1, n_cur), "kind": rng.choice(["a", "b"], n_cur, p=[0.9, 0.1])})
    current.loc[: n_cur // 2, "stable"] = np.nan  # half missing now: a missingness shift, values unchanged
    inputs = prepare(reference, current)
    return inputs, summarize(run_report(inputs).dict())


def test_types_ids_and_missing_indicators(fixture_summary):
    inputs, _ = fixture_summary
    assert inputs.numerical == ["shifted", "stable"]
    assert sorted(inputs.categorical) == ["kind", "stable__missing"]  # TARGET and ids never drift-tested


def test_shifted_column_and_missingness_are_found_stable_ones_are_not(fixture_summary):
    _, summary = fixture_summary
    verdicts = {r["column"]: r["drifted"] for r in summary["columns"]}
    assert verdicts == {"shifted": True, "stable__missing": True, "stable": False, "kind": False}
    assert summary["drifted_columns"][0] in {"shifted", "stable__missing"}
    assert summary["share_drifted"] == 0.5 and summary["n_columns"] == 4
    assert set(summary["methods"]) == {"Wasserstein distance (normed)", "Jensen-Shannon distance"}


def test_adversarial_validation_finds_the_separating_column():
    rng = np.random.default_rng(1)
    reference = pd.DataFrame({"x": rng.normal(0, 1, 1500), "noise": rng.normal(0, 1, 1500)})
    current = pd.DataFrame({"x": rng.normal(1.5, 1, 1000), "noise": rng.normal(0, 1, 1000)})
    result = adversarial_validation(reference, current, seed=0, iterations=50)
    assert result["auc"] > 0.8 and result["top_features"][0]["feature"] == "x"


def test_generated_data_shows_the_real_shift_and_little_else(interim):
    """The generator shifts what the real test set shifts; columns it does not shift are rarely flagged."""
    import polars as pl

    from creditrisk.data import schema

    train = pl.read_parquet(interim / "application_train.parquet").to_pandas()  # the session's data, ingested
    test = pl.read_parquet(interim / "application_test.parquet").to_pandas()
    summary = summarize(run_report(prepare(train, test)).dict())
    assert {"NAME_CONTRACT_TYPE", "FLAG_EMAIL", "EXT_SOURCE_1__missing"} <= set(summary["drifted_columns"])
    shifted_by_generator = set(schema.reference_stats()["application_test"])
    building = ("_AVG", "_MODE", "_MEDI")  # the generator lowers their missing rate in test by 2 points
    unshifted = [r for r in summary["columns"] if r["column"].removesuffix("__missing") not in shifted_by_generator
                 and not r["column"].removesuffix("__missing").endswith(building)]
    assert len(unshifted) > 40
    assert sum(r["drifted"] for r in unshifted) / len(unshifted) <= 0.05


def test_evidently_ids_are_numbered_in_order_of_appearance():
    from creditrisk.monitoring.drift import stable_ids

    first, second = "01a2455d-ffbd-708a-a477-bc1f79aa9c0b", "01a2455d-cedf-7d1c-8746-a7e61bb3ef50"
    html = ('<div id="root_metric_' + "a" * 32 + f'"></div><script>var x = {{"id": "{first}",'
            f' "other": "{second}", "again": "{first}"}};'
            ' graphs_metric_' + "a" * 32 + ";</script>")
    assert stable_ids(html) == (
        '<div id="root_metric_' + "0" * 31 + '1"></div><script>var x = {"id": "00000000-0000-4000-8000-000000000002",'
        ' "other": "00000000-0000-4000-8000-000000000003", "again": "00000000-0000-4000-8000-000000000002"};'
        ' graphs_metric_' + "0" * 31 + "1;</script>")
