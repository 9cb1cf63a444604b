"""The service records one decision per application and answers every view with it, lets people review them
under the four-eyes rule (an approved override is then the decision everywhere), marks every other PD it gives
as a simulation, refuses implausible input, throttles logins, answers 503 when the decision database does not
answer (writing nothing), and each record replays bit for bit."""

from __future__ import annotations

import sqlite3
import time

import pytest

from tests.service_fixtures import API_KEY, PASSWORD, REFUSED_LOGIN_DELAY

KEY = {"X-API-Key": API_KEY}


@pytest.fixture(scope="module")
def store(asgi_client, decisions_db):
    from creditrisk.decisions.store import DecisionStore

    store = DecisionStore(decisions_db)
    yield store
    store.close()


def _records(store) -> int:
    return store.verify()["records"]


def login(client, user: str) -> dict:
    answer = client.post("/login", json={"user": user, "password": PASSWORD}, headers=KEY)
    assert answer.status_code == 200, answer.text
    return KEY | {"X-User-Token": answer.json()["token"]}


REPLAYED = 190  # the first production clients, which the replay test records


def _clients(serving_data, decision: str, n: int) -> list[int]:
    """The first ``n`` clients of a decision, after those the replay test records (each test takes its own)."""
    population = serving_data.population.drop(serving_data.production.index[:REPLAYED], errors="ignore")
    return [int(c) for c in population.index[population["decision"] == decision][:n]]


def test_each_answer_is_recorded_with_what_was_scored(asgi_client, store, scorer, serving_data):
    ids = _clients(serving_data, "refuse", 42)[-2:] + _clients(serving_data, "accept", 52)[-2:]  # files no other
    answer = asgi_client.post("/score", json={"client_ids": ids}, headers=KEY).json()["results"]  # test opens
    expected = scorer.score_ids(ids)
    for result, row, pd_ in zip(answer, expected.rows, expected.pd, strict=True):
        record = store.get(result["decision_id"])
        assert record["kind"] == "model" and record["client_id"] == result["client_id"]
        assert record["pd"] == float(pd_) and record["auto_decision"] == result["model_decision"] == result["decision"]
        assert record["requested_by"] == f"api key {_key_id()}" and result["simulation"] is False
        assert result["recorded_now"]
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
    ids = _clients(serving_data, "accept", 40)[-3:]  # files nobody opened yet
    before = store.verify()["records"]
    lock = sqlite3.connect(decisions_db.removeprefix("sqlite:///").split("?")[0])
    lock.execute("BEGIN EXCLUSIVE")  # another writer holds the database longer than the service waits
    try:
        refused = asgi_client.post("/score", json={"client_ids": ids}, headers=KEY)
    finally:
        lock.rollback()
        lock.close()
    assert refused.status_code == 503 and "nothing was recorded" in refused.json()["error"]
    assert store.verify() | {"checkpoints": None} == {"records": before, "intact": True, "broken_at": None,
                                                      "problem": None, "checkpoints": None}
    retried = asgi_client.post("/score", json={"client_ids": ids}, headers=KEY)
    assert retried.status_code == 200 and store.verify()["records"] == before + 3


def test_200_recorded_decisions_replay_bit_for_bit(asgi_client, store, serving_data, champion, interim):
    """Decisions recorded by the service (by id, and from raw rows) re-scored from the records alone."""
    import polars as pl

    from creditrisk.artefacts.predictor import Predictor
    from creditrisk.decisions.replay import replay

    ids = [int(c) for c in serving_data.production.index[:REPLAYED]]
    recorded = []
    for start in range(0, REPLAYED, 50):
        answer = asgi_client.post("/score", json={"client_ids": ids[start:start + 50]}, headers=KEY)
        recorded += [r["decision_id"] for r in answer.json()["results"]]
    from creditrisk.artefacts.bundle import ServingInfo
    from creditrisk.service import sanity

    served = ServingInfo("creditrisk-pd", 7, "test", 0.02, 50)
    apps = pl.read_parquet(interim / "application_test.parquet").head(40).to_dicts()
    rows = [{k: (None if v != v else v) if isinstance(v, float) else v for k, v in r.items()}
            for r in apps if not sanity.problems(r, served, "")][:10]  # plausible applications (serve bounds)
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


def _key_id() -> str:
    import hashlib

    return hashlib.sha256(API_KEY.encode()).hexdigest()[:8]


def test_views_record_nothing_and_an_approved_override_is_the_decision_everywhere(asgi_client, store,
                                                                                  serving_data):
    client = _clients(serving_data, "refuse", 30)[-1]
    rita, alice = login(asgi_client, "rita"), login(asgi_client, "alice")
    first = asgi_client.post("/client", json={"client_id": client}, headers=rita).json()
    assert first["recorded_now"] and first["decision"] == first["model_decision"] == "refuse"
    assert store.get(first["decision_id"])["requested_by"] == "user rita"
    before = _records(store)
    for _ in range(10):  # ten views of the file: by the page, the scoring, the explanation
        for path, body in (("/client", {"client_id": client}), ("/score", {"client_ids": [client]}),
                           ("/explain", {"client_id": client})):
            answer = asgi_client.post(path, json=body, headers=KEY).json()
            answer = answer["results"][0] if "results" in answer else answer
            assert answer["decision_id"] == first["decision_id"] and not answer["recorded_now"]
    assert _records(store) == before  # views are not decisions
    flagged = asgi_client.post("/review/flag", json={"decision_id": first["decision_id"],
                                                     "justification": "Garant présenté en agence"}, headers=rita)
    decided = asgi_client.post("/review/decide", json={
        "decision_id": flagged.json()["decision_id"], "decision": "accept", "reason_code": "guarantor_or_collateral",
        "justification": "Acte de caution signé par le garant"}, headers=rita).json()
    assert decided["needs_approval"]
    waiting = asgi_client.post("/client", json={"client_id": client}, headers=KEY).json()
    assert (waiting["decision"], waiting["status"]) == ("review", "pending_approval")  # a person will decide
    asgi_client.post("/review/approve", json={"decision_id": decided["decision_id"], "grant": True,
                                              "justification": "Revenus du garant vérifiés"}, headers=alice)
    opened = asgi_client.post("/client", json={"client_id": client}, headers=KEY).json()
    scored = asgi_client.post("/score", json={"client_ids": [client]}, headers=KEY).json()["results"][0]
    for answer in (opened, scored):
        assert (answer["decision"], answer["decided_by"], answer["model_decision"]) == ("accept", "person", "refuse")
        assert answer["decision_id"] == first["decision_id"] and answer["decision_in_force_id"] > answer["decision_id"]
    page = asgi_client.post("/clients", json={"decision": "refuse", "limit": 500}, headers=KEY).json()["clients"]
    (row,) = [c for c in page if c["client_id"] == client]
    assert row["decision"] == "accept" and row["decision_id"] == first["decision_id"]
    assert _records(store) == before + 3  # the flag, the review, the approval: and nothing for the views


def test_records_a_caller_submits_are_their_own_application_and_say_who_sent_them(asgi_client, store,
                                                                                   serving_data, interim):
    import polars as pl

    client = _clients(serving_data, "refuse", 31)[-1]
    stored = asgi_client.post("/score", json={"client_ids": [client]}, headers=KEY).json()["results"][0]
    row = pl.read_parquet(interim / "application_test.parquet").filter(pl.col("SK_ID_CURR") == client).to_dicts()[0]
    row = {k: (None if isinstance(v, float) and v != v else v) for k, v in row.items()}
    row["EXT_SOURCE_2"] = 0.99  # a better score than the stored file's
    rita = login(asgi_client, "rita")
    sent = asgi_client.post("/score", json={"records": {"application": [row]}}, headers=rita).json()["results"][0]
    assert sent["decision_id"] != stored["decision_id"] and sent["application"] != stored["application"]
    record = store.get(sent["decision_id"])
    assert (record["channel"], record["requested_by"]) == ("records", "user rita")
    again = asgi_client.post("/score", json={"client_ids": [client]}, headers=KEY).json()["results"][0]
    assert again["decision_id"] == stored["decision_id"] and again["decision"] == stored["decision"]
    history = asgi_client.post("/decisions/history", json={"client_id": client}, headers=rita).json()["records"]
    assert [(r["channel"], r["requested_by"]) for r in history] == [("id", f"api key {_key_id()}"),
                                                                     ("records", "user rita")]


def test_every_pd_given_is_of_record_or_marked_a_simulation(asgi_client, serving_data):
    page = asgi_client.post("/clients", json={"limit": 200}, headers=KEY).json()["clients"]
    assert all((c["decision_id"] is not None) != c["simulation"] for c in page)
    assert any(c["simulation"] for c in page)  # browsing records nothing: most files were never opened
    client = _clients(serving_data, "review", 3)[-1]
    credit = float(serving_data.production.loc[client, "AMT_CREDIT"])  # 5 % more credit: a plausible what-if
    what_if = asgi_client.post("/simulate", json={"client_id": client, "changes": {"AMT_CREDIT": 1.05 * credit}},
                               headers=KEY).json()
    assert what_if["simulation"] and what_if["simulated"]["simulation"] and "decision_id" not in what_if["simulated"]
    proposals = asgi_client.post("/counterfactual", json={"client_id": client}, headers=KEY).json()
    assert proposals["simulation"] and all(p["simulation"] for p in proposals["proposals"])


@pytest.mark.parametrize(("field", "value", "expected"), [
    ("AMT_CREDIT", 1e9, "records.application[0].AMT_CREDIT: 1e+09 is above the largest plausible value 4,500,000"),
    ("AMT_INCOME_TOTAL", 1e308, "AMT_INCOME_TOTAL: 1e+308 is above the largest plausible value 120,000,000"),
    ("AMT_ANNUITY", 500_000.0, "AMT_ANNUITY: 500000 is above the largest plausible value 300,000"),
    ("DAYS_EMPLOYED", -20_000, "DAYS_EMPLOYED: employed for 20000 days at"),
    ("SK_ID_CURR", -5, "greater than or equal to 1"),
])
def test_implausible_applications_are_refused_naming_the_field_and_the_bound(asgi_client, interim, field, value,
                                                                              expected):
    import polars as pl

    row = pl.read_parquet(interim / "application_test.parquet").head(1).to_dicts()[0]
    row = {k: (None if isinstance(v, float) and v != v else v) for k, v in row.items()}
    row[field] = value
    answer = asgi_client.post("/score", json={"records": {"application": [row]}}, headers=KEY)
    assert answer.status_code == 400 and expected in answer.json()["error"], answer.text


def test_what_ifs_repeated_keys_and_hidden_characters_are_refused(asgi_client, serving_data):
    client = _clients(serving_data, "refuse", 2)[-1]
    answer = asgi_client.post("/simulate", json={"client_id": client, "changes": {"AMT_CREDIT": 1e12}},
                              headers=KEY)
    assert answer.status_code == 400 and "changes.AMT_CREDIT: 1e+12 is above" in answer.json()["error"]
    twice = [("X-API-Key", API_KEY), ("X-API-Key", "another-key")]
    answer = asgi_client.post("/score", json={"client_ids": [client]}, headers=twice)
    assert answer.status_code == 400 and "given 2 times" in answer.json()["error"]
    rita = login(asgi_client, "rita")
    for hidden in ("\u202e", "\x00", "\u2066"):
        answer = asgi_client.post("/review/flag", json={"decision_id": 1, "justification": f"Pièces{hidden} vérifiées"},
                                  headers=rita)
        assert answer.status_code == 400 and f"U+{ord(hidden):04X}" in answer.json()["error"], hidden


def test_failed_logins_lock_the_account_and_say_how_long_to_wait(asgi_client, store, caplog):
    import logging

    from sqlalchemy import delete

    from creditrisk.decisions import users
    from creditrisk.decisions.tables import LoginFailure

    users.add_user(store, "lucas", "relationship_manager", PASSWORD)
    with caplog.at_level(logging.INFO, logger="creditrisk.audit"):
        start = time.perf_counter()
        codes = [asgi_client.post("/login", json={"user": "lucas", "password": "wrong password"},
                                  headers=KEY).status_code for _ in range(5)]
        locked = asgi_client.post("/login", json={"user": "lucas", "password": PASSWORD}, headers=KEY)
        waited = time.perf_counter() - start
    try:
        assert codes == [401] * 5 and locked.status_code == 429
        assert waited >= 6 * REFUSED_LOGIN_DELAY  # each refusal answered after the delay (a flood is slowed)
        wait = locked.json()["retry_after_seconds"]
        assert 800 < wait <= 900 and locked.headers["Retry-After"] == str(wait)
        lines = [r.getMessage() for r in caplog.records if r.name == "creditrisk.audit"]
        assert sum("login failed user=lucas address=testclient" in line for line in lines) == 5
        assert any("login lockout user=lucas" in line for line in lines)
        assert any("login refused: locked user=lucas" in line for line in lines)
        assert not any("wrong password" in line or PASSWORD in line for line in lines)
    finally:  # the tests share one client address: unlock it for the others
        with store.transaction() as session:
            session.execute(delete(LoginFailure))



def test_the_refused_login_delay_is_one_second_unless_the_operator_says(monkeypatch):
    from creditrisk.errors import ConfigError
    from creditrisk.service.records import REFUSED_LOGIN_DELAY_ENV, refused_login_delay

    monkeypatch.delenv(REFUSED_LOGIN_DELAY_ENV, raising=False)
    assert refused_login_delay() == 1.0
    monkeypatch.setenv(REFUSED_LOGIN_DELAY_ENV, "2.5")
    assert refused_login_delay() == 2.5
    monkeypatch.setenv(REFUSED_LOGIN_DELAY_ENV, "90")
    with pytest.raises(ConfigError, match="CREDITRISK_REFUSED_LOGIN_DELAY = 90: expected seconds from 0 to 30"):
        refused_login_delay()


def test_terms_agreed_with_the_client_are_recorded_as_their_own_application(asgi_client, store, serving_data):
    """A relationship manager records the loan agreed with the client: scored as /negotiate scores it, recorded
    with who sent it and what was agreed; the same terms again record nothing; the application as first filed
    keeps its decision; only a relationship manager may record terms."""
    client = _clients(serving_data, "refuse", 33)[-1]
    row = serving_data.production.loc[client]
    amount, months = float(row["AMT_CREDIT"]), round(float(row["AMT_CREDIT"]) / float(row["AMT_ANNUITY"]))
    terms = {"client_id": client, "amount": amount, "months": months, "down_payment": round(0.2 * amount)}
    rita, alice = login(asgi_client, "rita"), login(asgi_client, "alice")
    filed = asgi_client.post("/client", json={"client_id": client}, headers=rita).json()
    simulated = asgi_client.post("/negotiate", json=terms, headers=KEY).json()["simulated"]
    agreed = asgi_client.post("/negotiate/record", json=terms, headers=rita).json()
    assert agreed["recorded_now"] and agreed["simulation"] is False
    assert agreed["probability_of_default"] == simulated["probability_of_default"]
    assert agreed["model_decision"] == simulated["decision"]
    assert agreed["terms"]["credit"] == amount - round(0.2 * amount)  # the credit is the amount less the payment
    assert agreed["decision_id"] != filed["decision_id"] and agreed["application"] != filed["application"]
    record = store.get(agreed["decision_id"])
    assert record["kind"] == "model" and record["channel"] == "records" and record["requested_by"] == "user rita"
    assert record["input"]["records"]["terms"] == agreed["terms"] and record["pd"] == agreed["probability_of_default"]
    again = asgi_client.post("/negotiate/record", json=terms, headers=rita).json()
    assert not again["recorded_now"] and again["decision_id"] == agreed["decision_id"]
    reopened = asgi_client.post("/client", json={"client_id": client}, headers=rita).json()
    assert reopened["decision_id"] == filed["decision_id"] and reopened["decision"] == filed["decision"]
    history = asgi_client.post("/decisions/history", json={"client_id": client}, headers=alice).json()["records"]
    assert {r["decision_id"] for r in history} >= {filed["decision_id"], agreed["decision_id"]}
    terms_of = {r["decision_id"]: r["terms"] for r in history}
    assert terms_of[agreed["decision_id"]] == agreed["terms"] and terms_of[filed["decision_id"]] is None
    in_force = {r["decision_id"]: r["in_force"] for r in history}  # each application with its decision in force
    assert in_force[agreed["decision_id"]]["decision"] == agreed["decision"]
    assert in_force[filed["decision_id"]]["decision"] == filed["decision"]
    told = next(r for r in history if r["decision_id"] == agreed["decision_id"])["reasons"]
    assert (told is None) == (agreed["model_decision"] == "accept")  # accepted clients are told no reasons
    filed_told = next(r for r in history if r["decision_id"] == filed["decision_id"])["reasons"]
    assert filed_told and all(r["language"] == "fr" for r in filed_told + (told or []))  # the letter's language
    refused = asgi_client.post("/negotiate/record", json=terms, headers=alice)
    assert refused.status_code == 403 and "relationship_manager" in refused.json()["error"]
    assert asgi_client.post("/negotiate/record", json=terms, headers=KEY).status_code == 401


def test_the_reasons_recorded_say_the_language_they_are_written_in(asgi_client, store, serving_data):
    """A file explained in English records its reasons in English, each marked so: a letter on that record is
    written in the reasons' language."""
    client = _clients(serving_data, "refuse", 35)[-1]
    answer = asgi_client.post("/explain", json={"client_id": client, "language": "en"}, headers=KEY).json()
    assert answer["recorded_now"] and answer["reasons"]
    assert store.get(answer["decision_id"])["reasons"] == [r | {"language": "en"} for r in answer["reasons"]]
