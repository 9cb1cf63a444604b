"""The scoring core: parity with the pipeline's batch prediction, explanations, what-if."""

import numpy as np
import polars as pl
import pytest

from creditrisk.data import schema
from creditrisk.errors import UnknownClient
from creditrisk.features.builder import client_rows
from tests.service_fixtures import REVIEW_BAND, THRESHOLD


@pytest.fixture(scope="module")
def tables(interim) -> dict[str, pl.DataFrame]:
    return {name: pl.read_parquet(interim / f"{name}.parquet") for name in schema.ALL_TABLES}


def _read(scorer, scores) -> list:
    """The first scored client's values of the features the model reads."""
    return [scores.rows[0][scorer.layout.position[f]] for f in scorer.read]


def _same(a: list, b: list) -> bool:
    """Row equality where a missing value (NaN) equals a missing value, everything else exactly."""
    return len(a) == len(b) and all(x == y or (x != x and y != y) for x, y in zip(a, b, strict=True))


def _with_history(tables, kind: str) -> int:
    test_ids = set(tables["application_test"]["SK_ID_CURR"].to_list())
    return next(c for c in tables[kind]["SK_ID_CURR"].to_list() if c in test_ids)


def test_score_by_id_equals_the_pipeline_batch_prediction(scorer, batch):
    ids = list(batch)[:25]
    scores = scorer.score_ids(ids)
    assert scores.client_ids == ids
    assert scores.pd.tolist() == [batch[c] for c in ids]


def test_score_from_raw_records_equals_score_by_id(scorer, tables, batch):
    clients = [_with_history(tables, "credit_card_balance"), _with_history(tables, "bureau"),
               int(tables["application_test"]["SK_ID_CURR"][0])]
    for client in clients:
        rows = client_rows({k: v for k, v in tables.items() if k != "application_train"}, client)
        from_records = scorer.score_records(rows)
        assert from_records.pd[0] == batch[client], client
        # the features the model reads (and those its reasons quote) are built; the others are left missing
        assert _same(_read(scorer, from_records), _read(scorer, scorer.score_ids([client])))
        row, built = from_records.rows[0], set(scorer.built)
        assert set(scorer.read) <= built
        unread = [row[i] for i, f in enumerate(scorer.features) if f not in built]
        assert unread and all(v == schema.MISSING_CATEGORY or v != v for v in unread)


def test_features_outside_the_read_set_cannot_change_a_prediction(scorer, champion, features):
    """Blank every feature the model does not read: the raw scores and SHAP values stay exactly the same."""
    from catboost import Pool

    from creditrisk.artefacts.predictor import features_read

    model, bundle = champion
    read = features_read(model)
    important = {f for f, v in zip(bundle.features, model.get_feature_importance(), strict=True) if v > 0}
    assert important <= read < set(bundle.features)
    x = features["test"].head(300).to_pandas()[bundle.features]
    blanked = x.copy()
    for column in set(bundle.features) - read:
        blanked[column] = schema.MISSING_CATEGORY if column in bundle.categorical else np.nan
    pools = [Pool(frame, cat_features=bundle.categorical) for frame in (x, blanked)]
    assert np.array_equal(model.predict(pools[0], prediction_type="RawFormulaVal"),
                          model.predict(pools[1], prediction_type="RawFormulaVal"))
    shap = [model.get_feature_importance(pool, type="ShapValues") for pool in pools]
    assert np.array_equal(shap[0], shap[1])


def test_decisions_follow_threshold_and_review_band(scorer, batch):
    ids = list(batch)
    scores = scorer.score_ids(ids)
    for pd_, decision in zip(scores.pd, scores.decision, strict=True):
        expected = ("review" if abs(pd_ - THRESHOLD) <= REVIEW_BAND else "refuse" if pd_ >= THRESHOLD
                    else "accept")
        assert decision == expected
    assert set(scores.decision) == {"accept", "review", "refuse"}


def test_unknown_client_is_refused(scorer):
    with pytest.raises(UnknownClient, match="unknown client id"):
        scorer.score_ids([-1])


def test_explanation_adds_up_to_the_model_logit(scorer, champion, features, batch):
    model, _ = champion
    client = list(batch)[3]
    scores = scorer.score_ids([client])
    (explained,) = scorer.explain(scores, top=5, language="en")
    raw = scores.raw[0]
    assert explained["logit"] == pytest.approx(np.log(raw / (1 - raw)), abs=1e-9)
    listed = explained["raises_risk"] + explained["lowers_risk"]
    assert len(listed) == 5
    total = explained["base_value"] + sum(f["contribution"] for f in listed) + explained["others"]
    assert total == pytest.approx(explained["logit"], abs=1e-9)
    assert all(f["contribution"] > 0 for f in explained["raises_risk"])
    from catboost import Pool

    x = features["test"].filter(pl.col("SK_ID_CURR") == client).to_pandas()[scorer.features]
    shap = model.get_feature_importance(Pool(x, cat_features=scorer.categorical), type="ShapValues")[0, :-1]
    top = {scorer.features[i] for i in np.argsort(-np.abs(shap))[:5]}
    assert {f["feature"] for f in listed} == top
    row = dict(zip(scorer.features, scores.rows[0], strict=True))
    for factor in listed:
        assert factor["label"] and factor["value"] == (None if row[factor["feature"]] != row[factor["feature"]]
                                                       else row[factor["feature"]])


def test_explanation_from_raw_records_equals_the_one_by_id(scorer, tables):
    """Only the features the model reads are built from raw records: the reasons and their values are the same."""
    client = _with_history(tables, "bureau")
    rows = client_rows({k: v for k, v in tables.items() if k != "application_train"}, client)
    (from_records,) = scorer.explain(scorer.score_records(rows), top=50, language="fr")
    (by_id,) = scorer.explain(scorer.score_ids([client]), top=50, language="fr")
    assert from_records == by_id
    listed = by_id["raises_risk"] + by_id["lowers_risk"]
    assert listed and all(f["contribution"] != 0 and f["feature"] in scorer.read for f in listed)


def test_what_if_without_change_keeps_the_score(scorer, tables):
    client = _with_history(tables, "installments_payments")
    credit = tables["application_test"].filter(pl.col("SK_ID_CURR") == client)["AMT_CREDIT"][0]
    current, simulated = scorer.simulate(client, {"AMT_CREDIT": credit})
    assert _same(simulated.rows[0], current.rows[0]) and simulated.pd[0] == current.pd[0]


def test_what_if_equals_rebuilding_the_changed_raw_rows(scorer, tables):
    client = _with_history(tables, "previous_application")
    changes = {"AMT_CREDIT": 1_234_567.0, "AMT_INCOME_TOTAL": 55_000.0, "NAME_CONTRACT_TYPE": "Revolving loans"}
    _, simulated = scorer.simulate(client, changes)
    rows = client_rows({k: v for k, v in tables.items() if k != "application_train"}, client)
    rows["application"] = rows["application"].with_columns(
        [pl.lit(v, dtype=rows["application"].schema[k]).alias(k) for k, v in changes.items()])
    rebuilt = scorer.score_records(rows)
    assert _same(_read(scorer, simulated), _read(scorer, rebuilt))
    assert simulated.pd[0] == rebuilt.pd[0]
    index = scorer.features.index("CREDIT_INCOME_RATIO")
    assert simulated.rows[0][index] == pytest.approx(1_234_567.0 / 55_000.0, rel=1e-6)


def test_principal_reasons_are_faithful_for_refused_clients(scorer, serving_data):
    """For >= 95 % of refused clients, setting the features of the first reason to the clients' typical value
    (median, or the most frequent category) lowers the PD: the reason really weighs against the client."""
    production, population = serving_data.production, serving_data.population
    refused = [int(c) for c in population.index[population["decision"] == "refuse"]]
    typical = {f: (production[f].mode().iloc[0] if f in scorer.categorical else production[f].median())
               for f in scorer.features}
    scores = scorer.score_ids(refused)
    explained = scorer.explain(scores, language="fr")
    moved_rows = []
    for row, answer in zip(scores.rows, explained, strict=True):
        reasons = answer["reasons"]
        assert 1 <= len(reasons) <= 4 and all(r["direction"] == "raises_risk" and not r["sensitive"] for r in reasons)
        changed = list(row)
        for feature in reasons[0]["features"]:
            changed[scorer.features.index(feature)] = typical[feature]
        moved_rows.append(changed)
    _, after = scorer.predictor.predict_rows(moved_rows)
    lowered = float(np.mean(after < scores.pd))
    assert len(refused) >= 50 and lowered >= 0.95, (len(refused), lowered)


def test_reasons_are_sentences_about_the_client_in_the_requested_language(scorer, serving_data):
    population = serving_data.population
    for decision in ("accept", "review", "refuse"):
        client = int(population.index[population["decision"] == decision][0])
        for language, word in (("fr", "vos"), ("en", "your")):
            (answer,) = scorer.explain(scorer.score_ids([client]), language=language)
            direction = "lowers_risk" if decision == "accept" else "raises_risk"
            assert answer["reasons"] and all(r["direction"] == direction for r in answer["reasons"])
            text = " ".join(r["sentence"] for r in answer["reasons"]).lower()
            assert word in text or "vous" in text
            concepts = answer["concepts"]
            assert sum(c["contribution"] for c in concepts) == pytest.approx(answer["logit"] - answer["base_value"])


def test_the_shadow_challenger_scores_like_the_pipeline_by_id_and_from_raw_records(scorer, challenger, features,
                                                                                   tables):
    x = features["test"].to_pandas().set_index("SK_ID_CURR")
    ids = x.index[:40].tolist()
    batch = challenger.predict_pd(x.loc[ids])
    pd_, decision = scorer.shadow(scorer.challenger_inputs(scorer.score_ids(ids)))
    assert pd_ == pytest.approx(batch, abs=1e-12)
    assert decision.tolist() == np.where(batch >= 0.12, "refuse", "accept").tolist()
    client = _with_history(tables, "bureau")
    rows = client_rows({k: v for k, v in tables.items() if k != "application_train"}, client)
    assert set(challenger.inputs) <= set(scorer.built)  # raw records get the challenger's inputs built
    from_records = scorer.shadow(scorer.challenger_inputs(scorer.score_records(rows)))[0]
    assert from_records == pytest.approx(scorer.shadow(scorer.challenger_inputs(scorer.score_ids([client])))[0],
                                         abs=1e-12)
