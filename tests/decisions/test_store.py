"""The decision store on SQLite and on a throwaway PostgreSQL: migrations, the review workflow under the four-eyes
rule, the hash chain, retention, users and tokens."""

from __future__ import annotations

import itertools
import json
import threading
from datetime import UTC, datetime, timedelta

import pytest

from creditrisk.decisions import users
from creditrisk.decisions.store import (
    DecisionStore,
    ModelDecision,
    NotAllowed,
    NotAuthenticated,
    StoreUnavailable,
    migrate,
)
from creditrisk.errors import InvalidRequest, MissingInput

THRESHOLD = 0.10
_names = itertools.count()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.engine)])
def url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'decisions.db'}"
    from tests.engines import create_database

    return create_database(request.getfixturevalue("postgres_url"), f"decisions_{next(_names)}")


@pytest.fixture
def store(url):
    migrate(url)
    store = DecisionStore(url)
    yield store
    store.close()


def model_decision(client: int, pd_: float, decision: str) -> ModelDecision:
    row = [pd_ * 3, float("nan"), "Cash loans"]  # NaN: a missing number, as the model takes it
    return ModelDecision(client_id=client, channel="id", input=json.dumps({"client_id": client}),
                         features=json.dumps(row), model_version=3, model_hash="ab" * 32, feature_version="f" * 16,
                         threshold=THRESHOLD, review_band=0.02, pd=pd_, auto_decision=decision,
                         reasons=json.dumps(["Revenus faibles"]))


def people(store):
    return {name: users.add_user(store, name, role, "correct horse battery") for name, role in (
        ("rita", "relationship_manager"), ("remy", "relationship_manager"), ("alice", "approver"),
        ("adam", "approver"), ("audrey", "auditor"))}


def test_a_database_must_be_migrated_first(url):
    with pytest.raises(MissingInput, match="creditrisk decisions migrate"):
        DecisionStore(url)
    assert migrate(url) == "0001" and migrate(url) == "0001"  # from empty, then idempotent
    DecisionStore(url).close()


def test_review_workflow_under_the_four_eyes_rule(store):
    p = people(store)
    review, refused, accepted = store.record_model([model_decision(1, 0.105, "review"), model_decision(2, 0.30,
                                                    "refuse"), model_decision(3, 0.02, "accept")])
    assert [c["decision_id"] for c in store.open_cases("pending_review")] == [review]
    # an auditor reads and changes nothing; the machine key cannot decide
    with pytest.raises(NotAllowed, match="auditor"):
        store.review(review, p["audrey"], "accept", "income_verified", "Payslips of the last three months")
    with pytest.raises(NotAuthenticated):
        store.review(review, None, "accept", "income_verified", "Payslips of the last three months")
    with pytest.raises(InvalidRequest, match="justification"):
        store.review(review, p["rita"], "accept", "income_verified", "ok")
    with pytest.raises(InvalidRequest, match="reason_code"):
        store.review(review, p["rita"], "accept", "because", "Payslips of the last three months")
    # PD 0.105 >= threshold: accepting is a favourable override, it waits for an approver
    done = store.review(review, p["rita"], "accept", "income_verified", "Payslips of the last three months")
    assert done["needs_approval"] and done["status"] == "pending_approval"
    assert store.open_cases("pending_review") == []
    (again,) = store.record_model([model_decision(1, 0.105, "review")])  # the file opened again: same score
    assert store.get(again)["status"] == "repeat" and store.get(again)["parent"] == done["decision_id"]
    assert store.open_cases("pending_review") == []  # not back in the queue
    with pytest.raises(NotAllowed, match="relationship_manager"):
        store.approve(done["decision_id"], p["remy"], True, "Second look at the payslips")
    granted = store.approve(done["decision_id"], p["alice"], True, "Payslips checked again")
    assert granted == {"decision_id": granted["decision_id"], "status": "final", "final_decision": "accept"}
    with pytest.raises(InvalidRequest, match="already acted on"):
        store.approve(done["decision_id"], p["adam"], False, "Too late, already decided")
    # an approver who overrides needs another approver: nobody approves their own
    flagged = store.flag(refused, p["remy"], "Client brought a guarantor")
    own = store.review(flagged, p["adam"], "accept", "guarantor_or_collateral", "Guarantor signed the deed")
    with pytest.raises(NotAllowed, match="four eyes"):
        store.approve(own["decision_id"], p["adam"], True, "I approve my own decision")
    rejected = store.approve(own["decision_id"], p["alice"], False, "The guarantor's income is too low")
    assert rejected["final_decision"] == "refuse" and rejected["status"] == "rejected"
    # refusing a client the model accepted needs no approval
    flagged = store.flag(accepted, p["rita"], "Suspicious documents at the branch")
    assert not store.review(flagged, p["rita"], "refuse", "fraud_suspicion", "Forged pay slip")["needs_approval"]
    history = store.history(2)
    assert [r["kind"] for r in history] == ["model", "flag", "review", "approval"]
    assert [r["actor"] for r in history] == [None, "remy", "adam", "alice"]
    assert history[0]["features"][2] == "Cash loans" and history[0]["reasons"] == ["Revenus faibles"]
    assert store.verify()["intact"] and store.verify()["records"] == 11


def _tamper(store, sql: str) -> None:
    from sqlalchemy import text

    with store.engine.begin() as connection:
        connection.execute(text(sql))


def test_an_edited_or_deleted_row_breaks_the_chain(store):
    store.record_model([model_decision(c, 0.01 * c, "accept") for c in range(1, 6)])
    assert store.verify() == {"records": 5, "intact": True, "broken_at": None, "problem": None}
    _tamper(store, "UPDATE decisions SET pd = 0.5 WHERE seq = 3")
    found = store.verify()
    assert not found["intact"] and found["broken_at"] == 3 and "edited" in found["problem"]
    _tamper(store, "UPDATE decisions SET pd = 0.03 WHERE seq = 3")  # the exact value back: intact again
    assert store.verify()["intact"]
    _tamper(store, "DELETE FROM decisions WHERE seq = 4")
    assert store.verify()["broken_at"] == 5
    _tamper(store, "DELETE FROM decisions WHERE seq = 5")
    assert "missing" in store.verify()["problem"] or "end" in store.verify()["problem"]


def test_concurrent_writers_extend_one_chain(store):
    def write(k: int) -> None:
        for i in range(10):
            store.record_model([model_decision(1000 * k + i, 0.05, "accept")] * 2)

    threads = [threading.Thread(target=write, args=(k,)) for k in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert store.verify() == {"records": 160, "intact": True, "broken_at": None, "problem": None}


def test_verify_checks_the_chain_as_it_stood_while_the_service_goes_on_recording(store):
    store.record_model([model_decision(c, 0.05, "accept") for c in range(1, 6)])
    reading = store.records

    def records_while_recording(**kwargs):  # a decision is recorded after verify has read its first batch
        batches = reading(**kwargs)
        first = next(batches)
        store.record_model([model_decision(99, 0.05, "accept")])
        yield first
        yield from batches

    store.records = records_while_recording
    assert store.verify(batch=2) == {"records": 5, "intact": True, "broken_at": None, "problem": None}
    store.records = reading
    assert store.verify()["records"] == 6


def test_sqlite_readers_do_not_wait_for_a_writer(tmp_path):
    """A reader (a token check, the review queue, a client's history, verify) reads the last committed state while
    a writer holds the lock; with a 1 s lock timeout, a reader that waited would be refused."""
    from sqlalchemy import text

    url = f"sqlite:///{tmp_path / 'decisions.db'}?timeout=1"
    migrate(url)
    store = DecisionStore(url)
    users.add_user(store, "rita", "relationship_manager", "correct horse battery")
    store.record_model([model_decision(7, 0.05, "accept")])
    key = "k" * 40
    token = users.issue_token(users.Actor("rita", "relationship_manager"), 60, key)
    with store.transaction() as writing:  # a writer's transaction: the lock held until it ends
        writing.execute(text("UPDATE chain_head SET last_seq = last_seq WHERE id = 1"))
        assert [r["client_id"] for r in store.history(7)] == [7]
        assert users.verify_token(store, token, key).name == "rita"
        assert store.verify()["records"] == 1
        with pytest.raises(StoreUnavailable, match="locked by other writers"):  # a writer waits, then gives up
            store.record_model([model_decision(9, 0.05, "accept")])
    store.record_model([model_decision(9, 0.05, "accept")])  # the lock released: the writer goes through
    assert store.verify()["records"] == 2
    store.close()


def test_purge_deletes_only_what_is_past_retention_and_the_chain_stays_verifiable(store):
    store.record_model([model_decision(c, 0.05, "accept") for c in range(1, 4)])
    _tamper(store, "UPDATE decisions SET recorded_at = '2019-01-01T00:00:00.000000+00:00' WHERE seq <= 2")
    # the edit broke the hashes of 1 and 2 (verify would say so); the purge deletes exactly them
    result = store.purge(5, actor="ops", today=datetime(2026, 12, 2, tzinfo=UTC))
    assert (result["deleted"], result["first_seq"], result["last_seq"]) == (2, 1, 2)
    assert store.verify() == {"records": 1, "intact": True, "broken_at": None, "problem": None}
    store.record_model([model_decision(9, 0.05, "accept")])
    assert store.verify()["records"] == 2 and store.purge(5)["deleted"] == 0


def test_passwords_are_hashed_and_tokens_signed(store):
    users.add_user(store, "rita", "relationship_manager", "correct horse battery")
    stored = users.list_users(store)
    assert stored[0]["name"] == "rita" and "password" not in json.dumps(stored)
    from sqlalchemy import text

    with store.engine.connect() as connection:
        digest = connection.execute(text("SELECT password_hash FROM users")).scalar()
    assert digest.startswith("$argon2id$") and "correct horse" not in digest
    with pytest.raises(NotAuthenticated):
        users.authenticate(store, "rita", "wrong password!!")
    with pytest.raises(NotAuthenticated):
        users.authenticate(store, "nobody", "correct horse battery")
    actor = users.authenticate(store, "rita", "correct horse battery")
    key = "k" * 40
    token = users.issue_token(actor, 60, key)
    assert users.verify_token(store, token, key) == actor
    with pytest.raises(NotAuthenticated):
        users.verify_token(store, token, "another secret of forty characters......")
    import jwt

    expired = jwt.encode({"sub": "rita", "exp": datetime.now(UTC) - timedelta(minutes=1)}, key, algorithm="HS256")
    with pytest.raises(NotAuthenticated, match="expired"):
        users.verify_token(store, expired, key)
    users.disable_user(store, "rita")
    with pytest.raises(NotAuthenticated, match="disabled"):
        users.verify_token(store, token, key)  # a disabled account's tokens stop at once


def test_an_unreachable_database_is_unavailable_not_a_bug(tmp_path):
    url = "postgresql+psycopg://nobody@127.0.0.1:9/none?connect_timeout=2"
    with pytest.raises(StoreUnavailable, match="does not answer"):
        DecisionStore(url)


def test_oversight_figures_counted_by_hand(store):
    from creditrisk.decisions.oversight import oversight

    p = people(store)
    accepted, _, refused, review = store.record_model([model_decision(1, 0.02, "accept"), model_decision(
        2, 0.03, "accept"), model_decision(3, 0.30, "refuse"), model_decision(4, 0.095, "review")])
    flagged = store.flag(refused, p["rita"], "Guarantor brought at the branch")
    favour = store.review(flagged, p["rita"], "accept", "guarantor_or_collateral", "Guarantor signed the deed")
    store.approve(favour["decision_id"], p["alice"], True, "Guarantor's income checked")  # in the client's favour
    store.review(review, p["remy"], "refuse", "affordability", "Rent not in the declared expenses")  # against
    figures = oversight(store)
    (week,) = figures["per_week"]
    assert (week["model_decisions"], week["by_model_alone"], week["share_by_model_alone"]) == (4, 2, 0.5)
    assert (week["people_decisions"], week["overrides_in_favour"], week["overrides_against"]) == (2, 1, 1)
    assert week["override_rate"] == 1.0
    assert figures["override_reasons"] == {"in_favour": {"guarantor_or_collateral": 1},
                                           "against": {"affordability": 1}}
    assert figures["queue"]["size"] == 0 and figures["awaiting_approval"] == 0
    assert accepted == 1
