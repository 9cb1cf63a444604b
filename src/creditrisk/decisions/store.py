"""The decision store: one decision of record per application, append-only records chained by keyed hash, and
the review workflow on top of them.

**An application** is what was scored: the channel (the stored production file, or records a caller
submitted), the client, the model row the model took and the model version (``application_ref``). Its first
scoring adds a ``model`` record; scoring it again (a client file opened again, an auditor's read) records
nothing: the answer points to the decision of record. Records a caller submits are never the stored client's
application, even with the same SK_ID_CURR: they get their own reference, and each record says who asked
(``requested_by``: the API key's id or the person's name).

A person acts by adding a record that points to the one it acts on (``parent``): a ``flag`` (an RM sends an
automatic decision to review), a ``review`` (accept or refuse, with a reason code and a justification), an
``approval`` (a second person, an approver, grants or refuses a favourable override). Nothing is ever updated or
deleted, except by ``purge`` (records past the retention period), which moves the chain's start. The decision
**in force** of an application is its case's latest word (``in_force``): an approved override is the decision
everywhere.

Four eyes: accepting a client whose PD is at or above the threshold (the model's side is "refuse") is a
favourable override; it stays ``pending_approval`` until an approver other than its author grants it.

Integrity: each record's hash is an HMAC of every field and the previous record's hash with a key kept outside
the database, and the chain's head is checkpointed to a file outside it (``creditrisk.decisions.chain``);
``verify`` finds an edit, an insertion, a deletion, a rewrite or a truncation and names the first bad record.
Writers extend the chain one at a time (the chain head row locked; one process's writers take turns on a lock
first); readers never wait for writers. The store checks on every transaction that the database is the one it
opened, and at start that the database is not behind its checkpoints (a restore from an older copy would hand
out decision numbers again).
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from creditrisk.decisions.chain import ChainKeys, Checkpoints, check_checkpoints, default_checkpoints, record_mac
from creditrisk.decisions.database import (
    READ_ONLY,
    Identity,
    current_revision,
    engine_for,
    head_revision,
    lock_timeout,
    migrate,
    redacted,
    sqlite_path,
)
from creditrisk.decisions.tables import HASHED, ChainHead, Decision, Purge, as_dict, now
from creditrisk.decisions.workflow import ReviewWorkflow, _model_in_force
from creditrisk.errors import InvalidRequest, MissingInput, StoreUnavailable

log = logging.getLogger(__name__)

__all__ = ["DecisionStore", "ModelDecision", "migrate", "redacted"]

GENESIS = "0" * 64



def application_ref(channel: str, client_id: int, features: str, model_version: int) -> str:
    """The application's reference: what was scored (channel, client, model row) by which model version."""
    text = json.dumps([channel, int(client_id), features, int(model_version)], separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class ModelDecision:
    """What the service answered for one client, as it is recorded."""

    client_id: int
    channel: str  # "id" (the stored production file) or "records" (rows a caller submitted)
    input: str  # JSON
    features: str  # JSON: the model row as scored
    model_version: int
    model_hash: str
    feature_version: str | None
    threshold: float
    review_band: float
    pd: float
    auto_decision: str
    reasons: str | None  # JSON: the principal reasons given (refusals and reviews)
    requested_by: str | None = None  # "api key <id>" or "user <name>"

    @property
    def application(self) -> str:
        return application_ref(self.channel, self.client_id, self.features, self.model_version)


@dataclass(frozen=True)
class CheckpointPolicy:
    """When the writer appends the chain's head to the checkpoint file (params decisions)."""

    records: int = 1  # after this many records at most (1: after every write)
    minutes: float = 5.0  # or this many minutes, whichever comes first


class DecisionStore(ReviewWorkflow):
    """The decisions of record in the database at ``url`` (migrated to the newest schema first), chained with
    ``keys`` (default: the operators' keys from the environment) and checkpointed to ``checkpoints``."""

    def __init__(self, url: str, keys: ChainKeys | None = None, checkpoints: Path | None = None,
                 policy: CheckpointPolicy = CheckpointPolicy()) -> None:
        from sqlalchemy.orm import sessionmaker

        self.url = url
        self.engine = engine_for(url)
        self.session = sessionmaker(self.engine, expire_on_commit=False)
        self.reading = sessionmaker(self.engine.execution_options(**{READ_ONLY: True}), expire_on_commit=False)
        # this process's writers queue here, in turn, rather than in SQLite's busy handler (growing sleeps) or
        # each on its own PostgreSQL connection: the slowest requests wait less (docs/decisions.md)
        self._writers, self._lock_timeout = threading.Lock(), lock_timeout(self.engine.url)
        self._keys = keys
        self.checkpoints = Checkpoints(checkpoints or default_checkpoints(sqlite_path(url) and str(sqlite_path(url)),
                                                                          url))
        self.policy = policy
        self._check_schema()
        with self.reading.begin() as session:
            self.identity = Identity.of(session, url)
            head = session.get(ChainHead, 1)
        self._checkpointed = (head.last_seq, time.monotonic())
        self._check_not_behind(head.last_seq)

    @property
    def keys(self) -> ChainKeys:
        if self._keys is None:
            self._keys = ChainKeys.from_environment()
        return self._keys

    def _check_schema(self) -> None:
        from sqlalchemy.exc import SQLAlchemyError

        try:
            current = current_revision(self.engine)
        except SQLAlchemyError as error:
            kind = type(error).__name__
            raise StoreUnavailable(f"the decision database {redacted(self.url)} does not answer ({kind}); nothing "
                                   "can be recorded") from None
        if current != head_revision():
            raise MissingInput(f"the decision database {redacted(self.url)} is at schema revision {current or 'none'}"
                               f", this code needs {head_revision()}: run `creditrisk decisions migrate`")

    def _check_not_behind(self, last_seq: int) -> None:
        """A database behind its checkpoints (emptied, removed and recreated, restored from an older copy) would
        hand out decision numbers again: the store refuses to record in it."""
        last = self.checkpoints.last()
        if last is not None and last.seq > last_seq:
            raise StoreUnavailable(
                f"the decision database {redacted(self.url)} ends at record {last_seq} but its checkpoints "
                f"({self.checkpoints.path}) go to record {last.seq}: it was emptied, replaced or restored from an "
                "older copy; nothing is recorded until the missing records are restored (decision numbers are never "
                "given twice)")

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def transaction(self, read_only: bool = False, committed: Callable[[], None] | None = None) -> Iterator:
        """A session whose work is committed whole or not at all, on the database the store opened; a database
        that does not answer, or is not that one, is StoreUnavailable (nothing written), never a half-written
        record. ``read_only``: a reader, which waits neither for the writers' turn nor, on SQLite, for their
        lock. ``committed`` runs after the commit, still in the writer's turn (so writers' checkpoints follow
        their commits' order)."""
        from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

        self.identity.check_file()
        try:
            with self._turn(read_only):
                with (self.reading if read_only else self.session).begin() as session:
                    if not read_only:
                        self.identity.check_store(session)
                    yield session
                if committed is not None:
                    committed()
        except (OperationalError, InterfaceError) as error:
            raise self._unavailable(error) from None
        except DBAPIError as error:
            if error.connection_invalidated:
                raise self._unavailable(error) from None
            raise

    @contextmanager
    def _turn(self, read_only: bool) -> Iterator[None]:
        """A writer waits for this process's other writers here, up to the lock timeout."""
        if read_only:
            yield
            return
        if not self._writers.acquire(timeout=self._lock_timeout):
            raise StoreUnavailable(f"the decision database {redacted(self.url)} stayed locked by other writers: "
                                   "nothing was recorded; retry")
        try:
            yield
        finally:
            self._writers.release()

    def _unavailable(self, error) -> StoreUnavailable:
        return StoreUnavailable(f"the decision database {redacted(self.url)} did not answer "
                                f"({error.orig.__class__.__name__}): nothing was recorded; retry")

    # ------------------------------------------------------------------------------------------ writing
    def _append(self, session, rows: list[dict]) -> list[Decision]:
        """Extend the chain with ``rows`` (the head row locked until the transaction ends)."""
        from sqlalchemy import select

        head = session.execute(select(ChainHead).where(ChainHead.id == 1).with_for_update()).scalar_one()
        records = []
        for row in rows:
            fields = {name: row.get(name) for name in HASHED} | {"seq": head.last_seq + 1,
                                                                  "prev_hash": head.last_hash,
                                                                  "key_id": self.keys.current_id}
            record = Decision(**fields, hash=record_mac(fields, self.keys))
            session.add(record)
            head.last_seq, head.last_hash = record.seq, record.hash
            records.append(record)
        return records

    def _written(self, records: list[Decision]) -> None:
        """After a commit: the chain's head to the checkpoint file when the policy says it is time."""
        if not records:
            return
        last = records[-1]
        seq, at = self._checkpointed
        if last.seq - seq >= self.policy.records or time.monotonic() - at >= 60 * self.policy.minutes:
            self.checkpoints.append(last.seq, last.hash, self.keys)
            self._checkpointed = (last.seq, time.monotonic())

    @contextmanager
    def _writing(self) -> Iterator:
        """A write transaction; the records it appended are checkpointed after the commit, in the writers' turn."""
        appended: list[Decision] = []
        with self.transaction(committed=lambda: self._written(appended)) as session:
            yield session, appended

    def record_model(self, decisions: list[ModelDecision]) -> list[dict]:
        """The decision of record of each application answered: its first scoring is recorded (one transaction
        for the whole request), a scoring again records nothing. For each: ``decision_id`` (the model record),
        ``application``, ``recorded`` (new now) and the decision in force (``in_force``)."""
        stamp = now()
        refs = [d.application for d in decisions]
        with self._writing() as (session, appended):
            known = self._applications(session, set(refs))
            rows, new = [], {}
            for decision, ref in zip(decisions, refs, strict=True):
                if ref in known or ref in new:
                    continue
                new[ref] = len(rows)
                rows.append(vars(decision) | {"application": ref, "recorded_at": stamp, "kind": "model",
                                              "parent": None, "status": "pending_review"
                                              if decision.auto_decision == "review" else "final"})
            records = self._append(session, rows)
            appended.extend(records)
            seqs = known | {ref: records[i].seq for ref, i in new.items()}
            cases = self._cases(session, [seqs[ref] for ref in known])
        out = []
        for decision, ref in zip(decisions, refs, strict=True):
            seq = seqs[ref]
            force = cases.get(seq) or _model_in_force(seq, decision.auto_decision)
            out.append({"decision_id": seq, "application": ref, "recorded": ref in new, "in_force": force})
        return out

    @staticmethod
    def _applications(session, refs: set[str]) -> dict[str, int]:
        """The model record of each application already recorded."""
        from sqlalchemy import func, select

        if not refs:
            return {}
        found = session.execute(select(Decision.application, func.min(Decision.seq))
                                .where(Decision.application.in_(refs), Decision.kind == "model")
                                .group_by(Decision.application))
        return {ref: int(seq) for ref, seq in found}

    # ------------------------------------------------------------------------------------------ reading
    def get(self, seq: int) -> dict:
        with self.transaction(read_only=True) as session:
            record = session.get(Decision, seq)
            if record is None:
                raise InvalidRequest(f"decision {seq} does not exist")
            return as_dict(record)

    def model_record_of(self, seq: int) -> dict:
        """The model's record a case started from (followed up its parents from any record of the case)."""
        with self.transaction(read_only=True) as session:
            record = session.get(Decision, seq)
            while record is not None and record.kind != "model" and record.parent is not None:
                record = session.get(Decision, record.parent)
            if record is None:
                raise InvalidRequest(f"decision {seq} does not exist")
            return as_dict(record)

    def history(self, client_id: int) -> list[dict]:
        """Every record of a client, oldest first."""
        from sqlalchemy import select

        with self.transaction(read_only=True) as session:
            found = session.execute(select(Decision).where(Decision.client_id == client_id)
                                    .order_by(Decision.seq)).scalars()
            return [as_dict(r) for r in found]

    def in_force(self, model_seqs: list[int]) -> dict[int, dict]:
        """The decision in force of each application (by its model record): the latest word of its case."""
        with self.transaction(read_only=True) as session:
            return self._cases(session, model_seqs)

    def applications_of(self, refs: list[str]) -> dict[str, dict]:
        """The decision of record of each application already recorded (reference -> model record and decision
        in force); the others are absent."""
        with self.transaction(read_only=True) as session:
            known = self._applications(session, set(refs))
            cases = self._cases(session, list(known.values()))
        return {ref: {"decision_id": seq, "application": ref, "in_force": cases[seq]} for ref, seq in known.items()}

    def records(self, since: str | None = None, until: int | None = None, batch: int = 10_000) -> Iterator[dict]:
        """Every record's fields and hash in chain order (verify, exports, figures), read in batches; ``until``:
        the last record number to read (the records appended meanwhile are left out)."""
        from sqlalchemy import select

        names = (*HASHED, "hash")
        columns = [getattr(Decision, name) for name in names]
        last = -1
        while True:
            query = select(*columns).where(Decision.seq > last).order_by(Decision.seq).limit(batch)
            if since is not None:
                query = query.where(Decision.recorded_at >= since)
            if until is not None:
                query = query.where(Decision.seq <= until)
            with self.transaction(read_only=True) as session:
                rows = [dict(zip(names, row, strict=True)) for row in session.execute(query)]
            if not rows:
                return
            yield from rows
            last = rows[-1]["seq"]

    # ------------------------------------------------------------------------------------------ integrity
    def checkpoint(self) -> dict:
        """Append the chain's head to the checkpoint file now (`creditrisk decisions checkpoint`, e.g. hourly)."""
        with self.transaction(read_only=True) as session:
            head = session.get(ChainHead, 1)
        point = self.checkpoints.append(head.last_seq, head.last_hash, self.keys)
        self._checkpointed = (head.last_seq, time.monotonic())
        return {"checkpoint": str(self.checkpoints.path), "seq": point.seq, "at": point.at}

    def verify(self, batch: int = 50_000) -> dict:
        """Recompute the chain with the keys: every record's hash from its fields, each pointing to the one
        before it, no unsigned record after a signed one, the head on the last record (as the head stood when it
        started: the service may go on recording meanwhile); then the checkpoints outside the database against
        the records. Returns the count and the first break found (or None)."""
        with self.transaction(read_only=True) as session:
            head = session.get(ChainHead, 1)
            expected_prev, expected_seq = head.anchor_hash, head.anchor_seq or None
            last_seq, last_hash, anchor = head.last_seq, head.last_hash, head.anchor_seq
        points = self.checkpoints.read()
        wanted = {p.seq for p in points if not isinstance(p, str)}
        seen: dict[int, str] = {}
        checked, seq, signed = 0, None, False
        for record in self.records(until=last_seq, batch=batch):
            seq, stored = record["seq"], record.pop("hash")
            if expected_seq is not None and seq != expected_seq:
                return _broken(checked, seq, f"record {expected_seq} is missing (next found: {seq})")
            if record["prev_hash"] != expected_prev:
                return _broken(checked, seq, "its prev_hash is not the hash of the record before it")
            if record["key_id"] is None and signed:
                return _broken(checked, seq, "it carries no key id after signed records (rewritten without the key)")
            if record_mac(record, self.keys) != stored:
                reason = ("its key id names no key we hold" if record["key_id"] not in (None, *self.keys.ring)
                          else "its fields do not match its hash (edited, or rewritten without the key)")
                return _broken(checked, seq, reason)
            signed = signed or record["key_id"] is not None
            if seq in wanted:
                seen[seq] = stored
            expected_prev, expected_seq = stored, seq + 1
            checked += 1
        if checked and (seq != last_seq or expected_prev != last_hash):
            return _broken(checked, seq, "the chain does not end on the recorded head (records deleted at the end)")
        problem = check_checkpoints(points, self.keys, seen, anchor, last_seq if checked else anchor - 1)
        if problem is not None:
            at = int(problem.split(":")[0].split()[-1]) if problem.startswith("record") else None
            return {"records": checked, "intact": False, "broken_at": at, "problem": problem,
                    "checkpoints": len(points)}
        return {"records": checked, "intact": True, "broken_at": None, "problem": None, "checkpoints": len(points)}

    def purge(self, older_than_years: int, actor: str | None = None, today: datetime | None = None) -> dict:
        """Delete the records recorded more than ``older_than_years`` ago (whole leading part of the chain) and
        move the chain's anchor to the first record kept; the purge itself is logged (count, range)."""
        from sqlalchemy import delete, func, select

        stamp = today or datetime.now(UTC)
        before = stamp.replace(year=stamp.year - older_than_years).isoformat(timespec="microseconds")
        with self.transaction() as session:
            head = session.execute(select(ChainHead).where(ChainHead.id == 1).with_for_update()).scalar_one()
            first_kept = session.execute(select(func.min(Decision.seq)).where(Decision.recorded_at >= before)
                                         ).scalar()
            bound = first_kept if first_kept is not None else head.last_seq + 1
            low, high, count = session.execute(select(func.min(Decision.seq), func.max(Decision.seq),
                                                      func.count()).where(Decision.seq < bound)).one()
            if count:
                kept = session.get(Decision, first_kept) if first_kept is not None else None
                session.execute(delete(Decision).where(Decision.seq < bound))
                head.anchor_seq = bound
                head.anchor_hash = kept.prev_hash if kept is not None else head.last_hash
            session.add(Purge(at=now(), before=before, deleted=count, first_seq=low, last_seq=high, actor=actor))
        log.info("purged %d decision records recorded before %s", count, before)
        return {"deleted": int(count), "before": before, "first_seq": low, "last_seq": high}




def _broken(checked: int, seq: int, problem: str) -> dict:
    return {"records": checked, "intact": False, "broken_at": seq, "problem": f"record {seq}: {problem}"}


