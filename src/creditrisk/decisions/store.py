"""The decision store: append-only records chained by hash, and the review workflow on top of them.

A client's case starts with a ``model`` record (what the service answered). A person acts by adding a record
that points to the one it acts on (``parent``): a ``flag`` (an RM sends an automatic decision to review), a
``review`` (accept or refuse, with a reason code and a justification), an ``approval`` (a second person, an
approver, grants or refuses a favourable override). A correction is a new review of a reviewed case. Nothing is
ever updated or deleted, except by ``purge`` (records past the retention period), which moves the chain's start.

Four eyes: accepting a client whose PD is at or above the threshold (the model's side is "refuse") is a
favourable override; it stays ``pending_approval`` until an approver other than its author grants it.

Each record's hash covers every field and the previous record's hash; ``verify`` recomputes the chain, so an
edited, inserted or deleted row is found. Writers extend the chain one at a time: the chain head row is locked
(PostgreSQL ``SELECT ... FOR UPDATE``; SQLite ``BEGIN IMMEDIATE``), and one process's writers take turns on a
lock first. Readers never wait for writers: SQLite's readers see the last committed state (WAL).
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from creditrisk.decisions.tables import ChainHead, Decision, Purge
from creditrisk.errors import CreditRiskError, InvalidRequest, MissingInput

log = logging.getLogger(__name__)

GENESIS = "0" * 64
REASON_CODES = {  # code -> (English, French): the fixed list a person chooses from
    "income_verified": ("Income verified with documents", "Revenus vérifiés sur pièces"),
    "guarantor_or_collateral": ("Guarantor or collateral provided", "Garant ou garantie apportés"),
    "employment_documented": ("Stable employment documented", "Emploi stable justifié"),
    "incident_explained": ("Past incident explained and settled", "Incident passé expliqué et régularisé"),
    "data_corrected": ("Data error corrected", "Erreur de données corrigée"),
    "affordability": ("Repayments not affordable", "Mensualités trop lourdes pour les revenus"),
    "recent_incidents": ("Recent payment incidents", "Incidents de paiement récents"),
    "incomplete_file": ("File incomplete", "Dossier incomplet"),
    "fraud_suspicion": ("Suspicion of fraud", "Suspicion de fraude"),
    "other": ("Other (see justification)", "Autre (voir la justification)"),
}
DECISIONS = ("accept", "refuse")
MIN_JUSTIFICATION = 10  # characters: a justification says something


class StoreUnavailable(CreditRiskError):
    """The decision database does not answer: nothing was recorded; retry."""

    http_status = 503
    exit_code = 75  # sysexits' EX_TEMPFAIL


class NotConfigured(CreditRiskError):
    """The service lacks a setting its operators must give (e.g. the token secret): people cannot log in."""

    http_status = 503


class NotAllowed(CreditRiskError):
    """The acting user's role or the four-eyes rule does not allow this action."""

    http_status = 403


class NotAuthenticated(CreditRiskError):
    """Wrong name or password, or a missing, expired or forged token."""

    http_status = 401


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def record_hash(fields: dict) -> str:
    """SHA-256 of a record's fields (every column but ``hash``, ``prev_hash`` included) as canonical JSON."""
    text = json.dumps(fields, sort_keys=True, separators=(",", ":"), allow_nan=True)
    return hashlib.sha256(text.encode()).hexdigest()


_HASHED = tuple(c.name for c in Decision.__table__.columns if c.name != "hash")


def fields_of(record: Decision) -> dict:
    return {name: getattr(record, name) for name in _HASHED}


@dataclass(frozen=True)
class ModelDecision:
    """What the service answered for one client, as it is recorded."""

    client_id: int
    channel: str  # "id" (a production client) or "records" (raw rows sent)
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


READ_ONLY = "creditrisk_read_only"  # an execution option: the transaction only reads


def lock_timeout(url) -> float:
    """Seconds a writer waits for the lock before the store is unavailable: 30, or a SQLite URL's ?timeout=."""
    return float(url.query.get("timeout", 30))


def engine_for(url: str):
    """A SQLAlchemy engine: SQLite (the file's folder created; writers serialised with BEGIN IMMEDIATE, WAL so
    that readers never wait) or any server URL (PostgreSQL: connections checked before use)."""
    from sqlalchemy import create_engine, event
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": lock_timeout(parsed)})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself (below)
        dbapi_connection.execute("PRAGMA journal_mode=WAL")
        dbapi_connection.execute("PRAGMA synchronous=NORMAL")

    @event.listens_for(engine, "begin")
    def _begin(connection):  # readers take a snapshot and never wait for writers
        connection.exec_driver_sql("BEGIN" if connection.get_execution_options().get(READ_ONLY) else
                                   "BEGIN IMMEDIATE")

    return engine


def _alembic_config(url: str):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def migrate(url: str) -> str:
    """Bring the database at ``url`` to the newest schema (from empty, or from any older revision)."""
    from alembic import command

    engine = engine_for(url)
    config = _alembic_config(url)
    with engine.connect() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
        connection.commit()
    engine.dispose()
    return head_revision()


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config("sqlite://")).get_current_head()


def redacted(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


class DecisionStore:
    """The decisions of record in the database at ``url`` (migrated to the newest schema first)."""

    def __init__(self, url: str) -> None:
        from sqlalchemy.orm import sessionmaker

        self.url = url
        self.engine = engine_for(url)
        self.session = sessionmaker(self.engine, expire_on_commit=False)
        self.reading = sessionmaker(self.engine.execution_options(**{READ_ONLY: True}), expire_on_commit=False)
        # this process's writers queue here, in turn, rather than in SQLite's busy handler (growing sleeps) or
        # each on its own PostgreSQL connection: the slowest requests wait less (docs/decisions.md)
        self._writers, self._lock_timeout = threading.Lock(), lock_timeout(self.engine.url)
        self._check_schema()

    def _check_schema(self) -> None:
        from alembic.runtime.migration import MigrationContext
        from sqlalchemy.exc import SQLAlchemyError

        try:
            with self.engine.connect() as connection:
                current = MigrationContext.configure(connection).get_current_revision()
        except SQLAlchemyError as error:
            kind = type(error).__name__
            raise StoreUnavailable(f"the decision database {redacted(self.url)} does not answer ({kind}); nothing "
                                   "can be recorded") from None
        if current != head_revision():
            raise MissingInput(f"the decision database {redacted(self.url)} is at schema revision {current or 'none'}"
                               f", this code needs {head_revision()}: run `creditrisk decisions migrate`")

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def transaction(self, read_only: bool = False) -> Iterator:
        """A session whose work is committed whole or not at all; a database that does not answer is
        StoreUnavailable (nothing written), never a half-written record. ``read_only``: a reader, which waits
        neither for the writers' turn nor, on SQLite, for their lock."""
        from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

        try:
            with self._turn(read_only), (self.reading if read_only else self.session).begin() as session:
                yield session
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
            fields = {name: row.get(name) for name in _HASHED} | {"seq": head.last_seq + 1,
                                                                  "prev_hash": head.last_hash}
            record = Decision(**fields, hash=record_hash(fields))
            session.add(record)
            head.last_seq, head.last_hash = record.seq, record.hash
            records.append(record)
        return records

    def record_model(self, decisions: list[ModelDecision]) -> list[int]:
        """One record per client the service answered, in one transaction; their numbers. A review-zone answer
        that repeats a score a person has already acted on (same client, model version and PD: the file opened
        again) does not go back to the queue: it is a ``repeat`` pointing to that person's record."""
        stamp = now()
        rows = [vars(d) | {"recorded_at": stamp, "kind": "model", "parent": None,
                           "status": "pending_review" if d.auto_decision == "review" else "final"}
                for d in decisions]
        with self.transaction() as session:
            for row in rows:
                if row["status"] == "pending_review":
                    acted = self._person_on_same_score(session, row)
                    if acted is not None:
                        row |= {"status": "repeat", "parent": acted}
            return [r.seq for r in self._append(session, rows)]

    @staticmethod
    def _person_on_same_score(session, row: dict) -> int | None:
        from sqlalchemy import select

        return session.execute(
            select(Decision.seq).where(Decision.client_id == row["client_id"], Decision.kind == "review",
                                       Decision.model_version == row["model_version"], Decision.pd == row["pd"])
            .order_by(Decision.seq.desc()).limit(1)).scalar()

    def _acted_on(self, session, seq: int, statuses: tuple[str, ...], action: str) -> Decision:
        """The record ``seq`` a person acts on: it must exist, be the latest of its case, and be in ``statuses``."""
        from sqlalchemy import select

        record = session.get(Decision, seq)
        if record is None:
            raise InvalidRequest(f"decision {seq} does not exist")
        child = session.execute(select(Decision.seq).where(_acts_on(Decision, seq)).limit(1)).first()
        if child is not None:
            raise InvalidRequest(f"decision {seq} was already acted on (by decision {child[0]}): act on the latest "
                                 "record of the case")
        if record.status not in statuses:
            raise InvalidRequest(f"decision {seq} is {record.status}: {action} needs a case that is "
                                 f"{' or '.join(statuses)}")
        return record

    @staticmethod
    def _copied(record: Decision) -> dict:
        """What a person's record repeats from the case it acts on (for reading; the model's part is fixed)."""
        return {k: getattr(record, k) for k in ("client_id", "model_version", "model_hash", "feature_version",
                                                "threshold", "review_band", "pd", "auto_decision")}

    def flag(self, seq: int, user, justification: str) -> int:
        """An RM sends an automatic decision to review."""
        require_role(user, ("relationship_manager", "approver"), "flag a decision for review")
        _justified(justification)
        with self.transaction() as session:
            record = self._acted_on(session, seq, ("final",), "flagging")
            if record.kind != "model":
                raise InvalidRequest(f"decision {seq} is a person's decision ({record.kind}): correct it with a "
                                     "review instead of a flag")
            row = self._copied(record) | {"recorded_at": now(), "kind": "flag", "parent": seq,
                                          "status": "pending_review", "actor": user.name, "actor_role": user.role,
                                          "justification": justification}
            return self._append(session, [row])[0].seq

    def review(self, seq: int, user, decision: str, reason_code: str, justification: str) -> dict:
        """A person's decision on a case in review (or a correction of a person's earlier decision). Accepting a
        client on the model's refusal side waits for an approver."""
        require_role(user, ("relationship_manager", "approver"), "decide on a case")
        if decision not in DECISIONS:
            raise InvalidRequest(f"decision {decision!r}: expected one of {DECISIONS}")
        if reason_code not in REASON_CODES:
            raise InvalidRequest(f"reason_code {reason_code!r}: expected one of {sorted(REASON_CODES)}")
        _justified(justification)
        with self.transaction() as session:
            record = self._acted_on(session, seq, ("pending_review", "final"), "a review")
            if record.status == "final" and record.kind == "model":
                raise InvalidRequest(f"decision {seq} is the model's final decision: flag it for review first")
            favourable = decision == "accept" and record.pd >= record.threshold
            row = self._copied(record) | {
                "recorded_at": now(), "kind": "review", "parent": seq, "actor": user.name, "actor_role": user.role,
                "final_decision": decision, "reason_code": reason_code, "justification": justification,
                "status": "pending_approval" if favourable else "final"}
            new = self._append(session, [row])[0]
            return {"decision_id": new.seq, "status": new.status, "needs_approval": favourable}

    def approve(self, seq: int, user, grant: bool, justification: str) -> dict:
        """An approver's verdict on a favourable override; never on their own decision."""
        require_role(user, ("approver",), "approve an override")
        _justified(justification)
        with self.transaction() as session:
            record = self._acted_on(session, seq, ("pending_approval",), "an approval")
            if record.actor == user.name:
                raise NotAllowed(f"decision {seq} is {user.name}'s own: a second person must approve it "
                                 "(four eyes)")
            row = self._copied(record) | {
                "recorded_at": now(), "kind": "approval", "parent": seq, "actor": user.name,
                "actor_role": user.role, "final_decision": record.final_decision if grant else "refuse",
                "reason_code": record.reason_code, "justification": justification,
                "status": "final" if grant else "rejected"}
            new = self._append(session, [row])[0]
            return {"decision_id": new.seq, "status": new.status, "final_decision": new.final_decision}

    # ------------------------------------------------------------------------------------------ reading
    def get(self, seq: int) -> dict:
        with self.transaction(read_only=True) as session:
            record = session.get(Decision, seq)
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

    def open_cases(self, status: str, limit: int = 200) -> list[dict]:
        """The latest record of each client's case that waits in ``status`` (pending_review: the review queue;
        pending_approval: the approvals), oldest first, with its age in hours."""
        from sqlalchemy import exists, select
        from sqlalchemy.orm import aliased

        child = aliased(Decision)
        query = (select(Decision).where(Decision.status == status)
                 .where(~exists().where(_acts_on(child, Decision.seq))).order_by(Decision.seq))
        with self.transaction(read_only=True) as session:
            latest: dict[int, Decision] = {}
            for record in session.execute(query).scalars():
                latest[record.client_id] = record  # a client scored again: the newest case
        stamp = datetime.now(UTC)
        cases = sorted(latest.values(), key=lambda r: r.seq)[:limit]
        return [as_dict(r) | {"age_hours": (stamp - datetime.fromisoformat(r.recorded_at)).total_seconds() / 3600}
                for r in cases]

    def records(self, since: str | None = None, until: int | None = None, batch: int = 10_000) -> Iterator[dict]:
        """Every record's fields and hash in chain order (verify, exports, figures), read in batches; ``until``:
        the last record number to read (the records appended meanwhile are left out)."""
        from sqlalchemy import select

        names = (*_HASHED, "hash")
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
    def verify(self, batch: int = 50_000) -> dict:
        """Recompute the chain: every record's hash from its fields, each pointing to the one before it, and the
        head on the last one, as the head stood when it started (the service may go on recording meanwhile).
        Returns the count and the first break found (or None)."""
        with self.transaction(read_only=True) as session:
            head = session.get(ChainHead, 1)
            expected_prev, expected_seq = head.anchor_hash, head.anchor_seq or None
            last_seq, last_hash = head.last_seq, head.last_hash
        checked, seq = 0, None
        for record in self.records(until=last_seq, batch=batch):
            seq, stored = record["seq"], record.pop("hash")
            if expected_seq is not None and seq != expected_seq:
                return _broken(checked, seq, f"record {expected_seq} is missing (next found: {seq})")
            if record["prev_hash"] != expected_prev:
                return _broken(checked, seq, "its prev_hash is not the hash of the record before it")
            if record_hash(record) != stored:
                return _broken(checked, seq, "its fields do not match its hash (the row was edited)")
            expected_prev, expected_seq = stored, seq + 1
            checked += 1
        if checked and (seq != last_seq or expected_prev != last_hash):
            return _broken(checked, seq, "the chain does not end on the recorded head (records deleted at the end)")
        return {"records": checked, "intact": True, "broken_at": None, "problem": None}

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


def _acts_on(child, seq):
    """The SQL condition "``child`` is a person's record acting on record ``seq``": a repeat (kind model) points
    to a case without acting on it."""
    from sqlalchemy import and_

    return and_(child.parent == seq, child.kind != "model")


def _broken(checked: int, seq: int, problem: str) -> dict:
    return {"records": checked, "intact": False, "broken_at": seq, "problem": f"record {seq}: {problem}"}


def as_dict(record: Decision) -> dict:
    out = fields_of(record) | {"hash": record.hash, "decision_id": record.seq}
    for name in ("input", "features", "reasons"):
        out[name] = json.loads(out[name]) if out[name] else None
    return out


def require_role(user, roles: tuple[str, ...], action: str):
    """``user`` (an Actor) if their role allows ``action``; a machine client (None) must log in as a person."""
    if user is None:
        raise NotAuthenticated(f"to {action}, log in as a person (header X-User-Token; a machine API key cannot)")
    if user.role not in roles:
        raise NotAllowed(f"{user.name} is {user.role}: to {action} takes the role {' or '.join(roles)}")
    return user


def _justified(text: str) -> None:
    if not text or len(text.strip()) < MIN_JUSTIFICATION:
        raise InvalidRequest(f"justification: a sentence that says why is mandatory (at least {MIN_JUSTIFICATION} "
                             "characters)")
