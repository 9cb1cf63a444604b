"""The decision store on SQLite and on a throwaway PostgreSQL: migrations, one decision per application, the
review workflow under the four-eyes rule and the decision in force, the keyed chain and its checkpoints under
attack, a store removed, replaced or restored, retention, users, tokens and throttled logins."""

from __future__ import annotations

import itertools
import json
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from creditrisk.decisions import users
from creditrisk.decisions.chain import ChainKeys
from creditrisk.decisions.store import DecisionStore, ModelDecision, migrate
from creditrisk.errors import InvalidRequest, MissingInput, NotAllowed, NotAuthenticated, StoreUnavailable

THRESHOLD = 0.10
_names = itertools.count()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.engine)])
def url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'decisions.db'}"
    from tests.engines import create_database

    return create_database(request.getfixturevalue("postgres_url"), f"decisions_{next(_names)}")


KEYS = ChainKeys.of("the-operators-chain-key-" + "c" * 30)


@pytest.fixture
def store(url, tmp_path):
    migrate(url)
    store = DecisionStore(url, keys=KEYS, checkpoints=tmp_path / "decisions.checkpoints")
    yield store
    store.close()


def model_decision(client: int, pd_: float, decision: str, version: int = 3, channel: str = "id") -> ModelDecision:
    row = [pd_ * 3, float("nan"), "Cash loans"]  # NaN: a missing number, as the model takes it
    return ModelDecision(client_id=client, channel=channel, input=json.dumps({"client_id": client}),
                         features=json.dumps(row), model_version=version, model_hash="ab" * 32,
                         feature_version="f" * 16, threshold=THRESHOLD, review_band=0.02, pd=pd_,
                         auto_decision=decision, reasons=json.dumps(["Revenus faibles"]), requested_by="api key 1f2e")


def ids(recorded: list[dict]) -> list[int]:
    return [r["decision_id"] for r in recorded]


def people(store):
    return {name: users.add_user(store, name, role, "correct horse battery") for name, role in (
        ("rita", "relationship_manager"), ("remy", "relationship_manager"), ("alice", "approver"),
        ("adam", "approver"), ("audrey", "auditor"))}


def test_a_database_must_be_migrated_first(url, tmp_path):
    with pytest.raises(MissingInput, match="creditrisk decisions migrate"):
        DecisionStore(url, checkpoints=tmp_path / "decisions.checkpoints")
    assert migrate(url) == "0002" and migrate(url) == "0002"  # from empty, then idempotent
    DecisionStore(url, keys=KEYS, checkpoints=tmp_path / "decisions.checkpoints").close()


def test_two_databases_without_a_checkpoint_file_named_never_share_one(monkeypatch):
    """Beside a SQLite file; for a server database, a file of its own in .run/ named from its URL (never its
    password): another database's checkpoints would make this one look emptied."""
    from creditrisk.decisions.chain import CHECKPOINTS_ENV, default_checkpoints

    monkeypatch.delenv(CHECKPOINTS_ENV, raising=False)
    assert default_checkpoints("/data/decisions.db") == Path("/data/decisions.checkpoints")
    one = default_checkpoints(None, "postgresql+psycopg://app:secret@db:5432/decisions")
    other = default_checkpoints(None, "postgresql+psycopg://app:secret@db:5432/decisions_test")
    same = default_checkpoints(None, "postgresql+psycopg://app:changed@db:5432/decisions")
    assert one.parent == Path(".run") and one != other and one == same  # the password is not part of the name
    assert "secret" not in str(one)


def test_review_workflow_under_the_four_eyes_rule(store):
    p = people(store)
    review, refused, accepted = ids(store.record_model([model_decision(1, 0.105, "review"), model_decision(
        2, 0.30, "refuse"), model_decision(3, 0.02, "accept")]))
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
    (again,) = store.record_model([model_decision(1, 0.105, "review")])  # the file opened again: same application
    assert (again["decision_id"], again["recorded"]) == (review, False)  # nothing recorded, the decision of record
    assert again["in_force"] == {"decision": "review", "status": "pending_approval", "by": "person",
                                 "actor": "rita", "record": done["decision_id"]}
    assert store.open_cases("pending_review") == []  # not back in the queue
    with pytest.raises(NotAllowed, match="relationship_manager"):
        store.approve(done["decision_id"], p["remy"], True, "Second look at the payslips")
    granted = store.approve(done["decision_id"], p["alice"], True, "Payslips checked again")
    assert granted == {"decision_id": granted["decision_id"], "status": "final", "final_decision": "accept"}
    # the approved override is the decision of the application from now on, whoever opens the file
    (shown,) = store.record_model([model_decision(1, 0.105, "review")])
    assert shown["in_force"] == {"decision": "accept", "status": "final", "by": "person", "actor": "alice",
                                 "record": granted["decision_id"]} and not shown["recorded"]
    assert store.in_force([review])[review]["decision"] == "accept"
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
    assert store.in_force([refused])[refused] == {"decision": "refuse", "status": "rejected", "by": "person",
                                                  "actor": "alice", "record": rejected["decision_id"]}
    assert store.verify()["intact"] and store.verify()["records"] == 10  # no record for a view


def test_one_decision_per_application(store):
    """The same application scored again records nothing; another model version, another model row or records a
    caller submitted are other applications; two copies in one request are one decision."""
    first = store.record_model([model_decision(1, 0.05, "accept"), model_decision(1, 0.05, "accept")])
    assert ids(first) == [1, 1] and [r["recorded"] for r in first] == [True, True]
    views = [store.record_model([model_decision(1, 0.05, "accept")])[0] for _ in range(10)]  # ten views
    assert {r["decision_id"] for r in views} == {1} and not any(r["recorded"] for r in views)
    assert ids(store.record_model([model_decision(1, 0.05, "accept", version=4)])) == [2]  # a new model
    assert ids(store.record_model([model_decision(1, 0.06, "accept")])) == [3]  # another model row
    submitted = store.record_model([model_decision(1, 0.05, "accept", channel="records")])[0]
    assert submitted["decision_id"] == 4 and submitted["application"] != first[0]["application"]
    assert [r["channel"] for r in store.history(1)] == ["id", "id", "id", "records"]
    assert {r["requested_by"] for r in store.history(1)} == {"api key 1f2e"}
    assert store.verify()["records"] == 4


def _tamper(store, sql: str) -> None:
    from sqlalchemy import text

    with store.engine.begin() as connection:
        connection.execute(text(sql))


def _rows(store) -> list[dict]:
    return list(store.records())


def _rewrite(store, rows: list[dict]) -> None:
    """Someone with write access to the database replaces the records and the chain head."""
    from sqlalchemy import text

    with store.engine.begin() as connection:
        connection.execute(text("DELETE FROM decisions"))
        for row in rows:
            names = ", ".join(row)
            connection.execute(text(f"INSERT INTO decisions ({names}) VALUES ({', '.join(':' + n for n in row)})"),
                               row)
        last = rows[-1]
        connection.execute(text("UPDATE chain_head SET last_seq = :s, last_hash = :h WHERE id = 1"),
                           {"s": last["seq"], "h": last["hash"]})


def _rechain(rows: list[dict], mac, start: int) -> list[dict]:
    """The records with every hash from ``start`` on recomputed, as an attacker would with ``mac``."""
    previous = rows[start]["prev_hash"]
    for row in rows[start:]:
        row["prev_hash"] = previous
        row["hash"] = mac({k: v for k, v in row.items() if k != "hash"})
        previous = row["hash"]
    return rows


def _six_records(store) -> None:
    for client in range(1, 7):  # one request each: a checkpoint after each (params checkpoint_records: 1)
        store.record_model([model_decision(client, 0.01 * client, "accept")])


def test_an_edited_or_deleted_row_breaks_the_chain(store):
    store.record_model([model_decision(c, 0.01 * c, "accept") for c in range(1, 6)])
    assert store.verify() == {"records": 5, "intact": True, "broken_at": None, "problem": None, "checkpoints": 1}
    _tamper(store, "UPDATE decisions SET pd = 0.5 WHERE seq = 3")
    found = store.verify()
    assert not found["intact"] and found["broken_at"] == 3 and "edited" in found["problem"]
    _tamper(store, "UPDATE decisions SET pd = 0.03 WHERE seq = 3")  # the exact value back: intact again
    assert store.verify()["intact"]
    _tamper(store, "DELETE FROM decisions WHERE seq = 4")
    assert store.verify()["broken_at"] == 5
    _tamper(store, "DELETE FROM decisions WHERE seq = 5")
    assert "missing" in store.verify()["problem"] or "end" in store.verify()["problem"]


def test_a_rewrite_without_the_key_is_found_at_the_first_record_it_changed(store):
    """Record 2 rewritten as an acceptance at PD 0.01, every later hash and the head recomputed: with plain
    SHA-256 (as the chain had before), with the records' key ids removed, or with a key of the attacker's own."""
    import hashlib
    import hmac

    from creditrisk.decisions.chain import canonical, key_id

    _six_records(store)
    original = _rows(store)
    evil = "an-attackers-own-key-of-enough-length-000"
    attacks = {
        "SHA-256, key ids kept": lambda f: hashlib.sha256(canonical(f)).hexdigest(),
        "SHA-256, key ids removed": None,
        "the attacker's own key": lambda f: hmac.new(evil.encode(), canonical(f), hashlib.sha256).hexdigest()}
    for name, mac in attacks.items():
        rows = [dict(r) for r in original]
        rows[1] |= {"auto_decision": "accept", "pd": 0.01}
        if name == "SHA-256, key ids removed":
            from creditrisk.decisions.chain import LEGACY_FIELDS

            for row in rows[1:]:
                row["key_id"] = None
            mac = lambda f: hashlib.sha256(canonical({k: v for k, v in f.items()  # noqa: E731
                                                      if k not in LEGACY_FIELDS})).hexdigest()
        if name == "the attacker's own key":
            for row in rows[1:]:
                row["key_id"] = key_id(evil)
        _rewrite(store, _rechain(rows, mac, start=1))
        found = store.verify()
        assert not found["intact"] and found["broken_at"] == 2, (name, found)
    _rewrite(store, original)
    assert store.verify()["intact"]


def test_truncating_or_reordering_the_chain_is_found(store):
    _six_records(store)
    original = _rows(store)
    _rewrite(store, [dict(r) for r in original[:3]])  # the last three deleted, the head moved back
    found = store.verify()
    assert not found["intact"] and found["broken_at"] == 4 and "missing" in found["problem"]
    swapped = [dict(r) for r in original]
    for field in ("client_id", "pd", "features", "input", "application"):  # records 3 and 4 exchange contents
        swapped[2][field], swapped[3][field] = swapped[3][field], swapped[2][field]
    _rewrite(store, swapped)
    assert store.verify()["broken_at"] == 3
    _rewrite(store, original)
    assert store.verify()["intact"]
    with open(store.checkpoints.path, "a") as handle:  # a checkpoint forged without the key
        handle.write(json.dumps({"seq": 9, "hash": "0" * 64, "at": "2026-12-05T00:00:00+00:00",
                                 "key_id": KEYS.current_id, "mac": "f" * 64}) + "\n")
    assert "does not carry its own key's signature" in store.verify()["problem"]


def test_a_rotated_key_still_verifies_the_older_records(url, tmp_path):
    migrate(url)
    checkpoints = tmp_path / "rotation.checkpoints"
    old = DecisionStore(url, keys=KEYS, checkpoints=checkpoints)
    old.record_model([model_decision(1, 0.02, "accept")])
    old.close()
    rotated = ChainKeys.of("the-next-chain-key-of-the-operators-" + "n" * 20, [KEYS.current])
    store = DecisionStore(url, keys=rotated, checkpoints=checkpoints)
    store.record_model([model_decision(2, 0.02, "accept")])
    assert [r["key_id"] for r in store.history(1) + store.history(2)] == [KEYS.current_id, rotated.current_id]
    assert store.verify()["intact"] and store.verify()["records"] == 2
    store.close()
    forgotten = DecisionStore(url, keys=ChainKeys.of(rotated.current), checkpoints=checkpoints)
    found = forgotten.verify()
    assert found["broken_at"] == 1 and "names no key we hold" in found["problem"]
    forgotten.close()


def test_a_database_behind_its_checkpoints_never_gives_a_number_twice(tmp_path):
    """A SQLite file restored from an older copy, or removed and created anew, is refused: its next number was
    already given."""
    import shutil

    url = f"sqlite:///{tmp_path / 'db' / 'decisions.db'}"
    checkpoints = tmp_path / "elsewhere" / "decisions.checkpoints"
    migrate(url)
    store = DecisionStore(url, keys=KEYS, checkpoints=checkpoints)
    store.record_model([model_decision(c, 0.02, "accept") for c in (1, 2)])
    store.close()
    shutil.copy(tmp_path / "db" / "decisions.db", tmp_path / "copy.db")  # a backup
    store = DecisionStore(url, keys=KEYS, checkpoints=checkpoints)
    assert ids(store.record_model([model_decision(3, 0.02, "accept")])) == [3]
    store.close()
    for path in (tmp_path / "db").iterdir():
        path.unlink()
    shutil.copy(tmp_path / "copy.db", tmp_path / "db" / "decisions.db")  # restored from the backup
    with pytest.raises(StoreUnavailable, match="ends at record 2 but its checkpoints .* go to record 3"):
        DecisionStore(url, keys=KEYS, checkpoints=checkpoints)
    (tmp_path / "db" / "decisions.db").unlink()
    migrate(url)  # removed, and created anew (as the service does at start)
    with pytest.raises(StoreUnavailable, match="ends at record 0"):
        DecisionStore(url, keys=KEYS, checkpoints=checkpoints)


def test_a_database_removed_or_replaced_under_the_store_records_nothing(tmp_path):
    import os

    url = f"sqlite:///{tmp_path / 'db' / 'decisions.db'}"
    migrate(url)
    assert oct(os.stat(tmp_path / "db").st_mode & 0o777) == "0o700"
    assert oct(os.stat(tmp_path / "db" / "decisions.db").st_mode & 0o777) == "0o600"
    store = DecisionStore(url, keys=KEYS, checkpoints=tmp_path / "c.checkpoints")
    store.record_model([model_decision(1, 0.02, "accept")])
    for path in (tmp_path / "db").iterdir():  # the files removed while the service runs
        path.unlink()
    with pytest.raises(StoreUnavailable, match="was removed while the service ran"):
        store.record_model([model_decision(2, 0.02, "accept")])
    migrate(url)  # another database at the same place
    with pytest.raises(StoreUnavailable, match="replaced by another file"):
        store.record_model([model_decision(2, 0.02, "accept")])
    store.close()


def test_concurrent_writers_extend_one_chain(store):
    def write(k: int) -> None:
        for i in range(10):
            store.record_model([model_decision(1000 * k + i, 0.05, "accept")] * 2)

    threads = [threading.Thread(target=write, args=(k,)) for k in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    found = store.verify()  # two copies of one application in a request: one decision
    assert (found["records"], found["intact"], found["checkpoints"]) == (80, True, 80)


def test_each_write_is_checkpointed_in_the_order_of_the_commits_even_when_writing_the_file_is_slow(store):
    import time

    append = store.checkpoints.append

    def slow_append(*args):  # a slow disk: the next writer commits while this checkpoint is being written
        time.sleep(0.005)
        return append(*args)

    store.checkpoints.append = slow_append
    threads = [threading.Thread(target=lambda k=k: [store.record_model([model_decision(1000 * k + i, 0.05, "accept")])
                                                   for i in range(5)]) for k in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [point.seq for point in store.checkpoints.read()] == list(range(1, 31))


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
    assert store.verify(batch=2) | {"checkpoints": None} == {"records": 5, "intact": True, "broken_at": None,
                                                             "problem": None, "checkpoints": None}
    store.records = reading
    assert store.verify()["records"] == 6


def test_sqlite_readers_do_not_wait_for_a_writer(tmp_path):
    """A reader (a token check, the review queue, a client's history, verify) reads the last committed state while
    a writer holds the lock; with a 1 s lock timeout, a reader that waited would be refused."""
    from sqlalchemy import text

    url = f"sqlite:///{tmp_path / 'decisions.db'}?timeout=1"
    migrate(url)
    store = DecisionStore(url, keys=KEYS)
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
    assert store.verify() | {"checkpoints": None} == {"records": 1, "intact": True, "broken_at": None,
                                                      "problem": None, "checkpoints": None}
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
        DecisionStore(url, keys=KEYS)


def test_oversight_figures_counted_by_hand(store):
    from creditrisk.decisions.oversight import oversight

    p = people(store)
    accepted, _, refused, review = ids(store.record_model([model_decision(1, 0.02, "accept"), model_decision(
        2, 0.03, "accept"), model_decision(3, 0.30, "refuse"), model_decision(4, 0.095, "review")]))
    for _ in range(10):  # ten views of the files: decisions are counted, never views
        store.record_model([model_decision(c, pd_, d) for c, pd_, d in ((1, 0.02, "accept"), (3, 0.30, "refuse"))])
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


def test_logins_are_throttled_per_account_and_per_address(store):
    policy = users.LoginPolicy(max_failures=3, window_minutes=15, lockout_minutes=10)
    users.add_user(store, "rita", "relationship_manager", "correct horse battery")
    users.add_user(store, "remy", "relationship_manager", "staple battery horse")
    for _ in range(3):
        with pytest.raises(NotAuthenticated):
            users.login(store, "rita", "wrong password!!", "10.0.0.1", policy)
    from creditrisk.errors import TooManyAttempts

    with pytest.raises(TooManyAttempts) as locked:  # even the right password waits now, and is not checked
        users.login(store, "rita", "correct horse battery", "10.0.0.2", policy)
    assert 590 <= locked.value.retry_after <= 600 and "retry in" in str(locked.value)
    with pytest.raises(TooManyAttempts):  # the address that failed three times is locked for every account
        users.login(store, "remy", "staple battery horse", "10.0.0.1", policy)
    assert users.login(store, "remy", "staple battery horse", "10.0.0.3", policy).name == "remy"
    assert users.locked_for(store, "rita", "10.0.0.9", policy) > 0
    assert users.locked_for(store, "remy", "10.0.0.9", policy) == 0

