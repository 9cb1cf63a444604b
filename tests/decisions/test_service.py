"""The service records every decision it gives, lets people review them under the four-eyes rule, answers 503
when the decision database does not answer (writing nothing), and each record replays bit for bit."""

from __future__ import annotations

import sqlite3

import pytest

from tests.service_fixtures import API_KEY, PASSWORD

KEY = {"X-API-Key": API_KEY}


@pytest.fixture(scope="module")
def store(asgi_client, decisions_db):
    from creditrisk.decisions.store import DecisionStore

    store = DecisionStore(decisions_db)
    yield store
    store.close()


def login(client, user: str) -> dict:
    answer = client.post("/login", json={"user": user, "password": PASSWORD}, headers=KEY)
    assert answer.status_code == 200, answer.text
    return KEY | {"X-User-Token": answer.json()["token"]}


def _clients(serving_data, decision: str, n: int) -> list[int]:
    population = serving_data.population
    return [int(c) for c in population.index[population["decision"] == decision][:n]]


def test_each_answer_is_recorded_with_what_was_scored(asgi_client, store, scorer, serving_data):
    ids = _clients(serving_data, "refuse", 2) + _clients(serving_data, "accept", 2)
    answer = asgi_client.post("/score", json={"client_ids": ids}, headers=KEY).json()["results"]
    expected = scorer.score_ids(ids)
    for result, row, pd_ in zip(answer, expected.rows, expected.pd, strict=True):
        record = store.get(result["decision_id"])
        assert record["kind"] == "model" and record["client_id"] == result["client_id"]
        assert record["pd"] == float(pd_) and record["auto_decision"] == result["decision"]
        assert record["input"] == {"client_id": result["client_id"]} and record["channel"] == "id"
        assert [v for v in record["features"] if v == v] == [v for v in row if v == v]  # NaN aside, the same row
        assert record["model_version"] == 7 and len(record["model_hash"]) == 64
        assert (record["reasons"] is None) == (result["decision"] == "accept")  # refusals carry their reasons
    assert store.get(answer[0]["decision_id"])["reasons"][0]["sentence"]


def test_people_review_under_the_four_eyes_rule(asgi_client, serving_data):
    review = _clients(serving_data, "review", 1)
    answer = asgi_client.post("/score", json={"client_ids": review}, headers=KEY).json()["results"][0]
    assert asgi_client.post("/review/queue", json={}, headers=KEY).status_code == 401  # the key is no person
    forged = KEY | {"X-User-Token": "not.a.token"}
    assert asgi_client.post("/review/queue", json={}, headers=forged).status_code == 401
    rita, alice, audrey = (login(asgi_client, u) for u in ("rita", "alice", "audrey"))
    assert asgi_client.post("/login", json={"user": "rita", "password": "wrong password"},
                            headers=KEY).status_code == 401
    queue = asgi_client.post("/review/queue", json={}, headers=rita).json()
    assert answer["decision_id"] in [c["decision_id"] for c in queue["review"]]
    assert queue["reason_codes"]["income_verified"] == "Revenus vérifiés sur pièces"
    body = {"decision_id": answer["decision_id"], "decision": "accept", "reason_code": "income_verified",
            "justification": "Bulletins de salaire des trois derniers mois"}
    assert asgi_client.post("/review/decide", json=body, headers=audrey).status_code == 403  # reads only
    decided = asgi_client.post("/review/decide", json=body, headers=rita).json()
    favourable = answer["probability_of_default"] >= answer["threshold"]
    assert decided["needs_approval"] == favourable
    if favourable:
        verdict = {"decision_id": decided["decision_id"], "grant": True, "justification": "Pièces vérifiées"}
        assert asgi_client.post("/review/approve", json=verdict, headers=rita).status_code == 403
        assert asgi_client.post("/review/approve", json=verdict, headers=alice).json()["status"] == "final"
    history = asgi_client.post("/decisions/history", json={"client_id": review[0]}, headers=audrey).json()
    assert [r["kind"] for r in history["records"]][-2:] == (["review", "approval"] if favourable else
                                                              ["model", "review"])
    figures = asgi_client.post("/decisions/oversight", json={}, headers=audrey).json()
    assert figures["per_week"][-1]["people_decisions"] >= 1


def test_a_locked_database_answers_503_writes_nothing_and_a_retry_succeeds(asgi_client, store, decisions_db,
                                                                             serving_data):
    ids = _clients(serving_data, "accept", 3)
    before = store.verify()["records"]
    lock = sqlite3.connect(decisions_db.removeprefix("sqlite:///").split("?")[0])
    lock.execute("BEGIN EXCLUSIVE")  # another writer holds the database longer than the service waits
    try:
        refused = asgi_client.post("/score", json={"client_ids": ids}, headers=KEY)
    finally:
        lock.rollback()
        lock.close()
    assert refused.status_code == 503 and "nothing was recorded" in refused.json()["error"]
    assert store.verify() == {"records": before, "intact": True, "broken_at": None, "problem": None}
    retried = asgi_client.post("/score", json={"client_ids": ids}, headers=KEY)
    assert retried.status_code == 200 and store.verify()["records"] == before + 3


def test_200_recorded_decisions_replay_bit_for_bit(asgi_client, store, serving_data, champion, interim):
    """Decisions recorded by the service (by id, and from raw rows) re-scored from the records alone."""
    import polars as pl

    from creditrisk.decisions.replay import replay
    from creditrisk.model.predictor import Predictor

    ids = [int(c) for c in serving_data.production.index[:190]]
    recorded = []
    for start in range(0, 190, 50):
        answer = asgi_client.post("/score", json={"client_ids": ids[start:start + 50]}, headers=KEY)
        recorded += [r["decision_id"] for r in answer.json()["results"]]
    apps = pl.read_parquet(interim / "application_test.parquet").head(10)
    rows = [{k: (None if v != v else v) if isinstance(v, float) else v for k, v in r.items()}
            for r in apps.to_dicts()]
    answer = asgi_client.post("/score", json={"records": {"application": rows}}, headers=KEY)
    recorded += [r["decision_id"] for r in answer.json()["results"]]
    assert len(recorded) == 200
    model = Predictor(*champion)
    replays = [replay(store, seq, models=lambda version: model) for seq in recorded]
    assert all(r["same"] for r in replays), [r for r in replays if not r["same"]][:2]
    assert store.get(recorded[-1])["channel"] == "records"


def test_without_a_token_secret_nobody_logs_in_and_nothing_is_logged(asgi_client, monkeypatch, caplog):
    import logging

    with caplog.at_level(logging.DEBUG):
        monkeypatch.delenv("CREDITRISK_TOKEN_SECRET")
        answer = asgi_client.post("/login", json={"user": "rita", "password": PASSWORD}, headers=KEY)
        assert answer.status_code == 503 and "CREDITRISK_TOKEN_SECRET" in answer.json()["error"]
        monkeypatch.setenv("CREDITRISK_TOKEN_SECRET", "a-test-secret-that-is-long-enough-0123456789")
        token = asgi_client.post("/login", json={"user": "rita", "password": PASSWORD}, headers=KEY).json()["token"]
        asgi_client.post("/review/queue", json={}, headers=KEY | {"X-User-Token": token})
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "rita" in logged and PASSWORD not in logged and token not in logged  # who, never the secrets
