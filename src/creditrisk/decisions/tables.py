"""The decision store's tables (SQLAlchemy 2). Alembic migrations (``migrations/``) create and change them."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import BigInteger, Boolean, Float, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

ROLES = ("relationship_manager", "approver", "auditor")
KINDS = ("model", "flag", "review", "approval")
# what a record leaves the client's case in (repeat: records of schema 0001 only, a view of a case in review)
STATUSES = ("final", "pending_review", "pending_approval", "rejected", "repeat")
CHANNELS = ("id", "records")  # scored from the stored production file, or from records a caller submitted


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    role: Mapped[str] = mapped_column(String(32))
    password_hash: Mapped[str] = mapped_column(String(256))  # argon2id, never the password
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[str] = mapped_column(String(32))
    disabled_at: Mapped[str | None] = mapped_column(String(32), nullable=True)


class Decision(Base):
    """One record: append-only; ``hash`` chains it to the record before it (``prev_hash``)."""

    __tablename__ = "decisions"

    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                     autoincrement=False)
    recorded_at: Mapped[str] = mapped_column(String(32), index=True)  # ISO 8601, UTC
    kind: Mapped[str] = mapped_column(String(16))
    client_id: Mapped[int] = mapped_column(BigInteger, index=True)
    # the record this one acts on (no foreign key: a purge deletes old records whose later children stay)
    parent: Mapped[int | None] = mapped_column(BigInteger, nullable=True, index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    # what the model saw and said (model records; copied on the records people add, for reading)
    channel: Mapped[str | None] = mapped_column(String(16), nullable=True)  # "id" or "records"
    input: Mapped[str | None] = mapped_column(Text, nullable=True)  # the request's input for this client (JSON)
    features: Mapped[str | None] = mapped_column(Text, nullable=True)  # the model row as scored (JSON)
    model_version: Mapped[int] = mapped_column(Integer)
    model_hash: Mapped[str] = mapped_column(String(64))
    feature_version: Mapped[str | None] = mapped_column(String(32), nullable=True)
    threshold: Mapped[float] = mapped_column(Float)
    review_band: Mapped[float] = mapped_column(Float)
    pd: Mapped[float] = mapped_column(Float)
    auto_decision: Mapped[str] = mapped_column(String(8))
    reasons: Mapped[str | None] = mapped_column(Text, nullable=True)  # the principal reasons shown (JSON)
    # the application: one decision per (channel, client, model row, model version); None in schema 0001 records
    application: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    requested_by: Mapped[str | None] = mapped_column(String(80), nullable=True)  # "api key ..." or "user ..."
    key_id: Mapped[str | None] = mapped_column(String(16), nullable=True)  # the chain key (None: unkeyed SHA-256)
    # what a person did (flag, review, approval)
    actor: Mapped[str | None] = mapped_column(String(64), nullable=True)
    actor_role: Mapped[str | None] = mapped_column(String(32), nullable=True)
    final_decision: Mapped[str | None] = mapped_column(String(8), nullable=True)
    reason_code: Mapped[str | None] = mapped_column(String(40), nullable=True)
    justification: Mapped[str | None] = mapped_column(Text, nullable=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class ChainHead(Base):
    """One row: the last record's number and hash. Writers lock it (one record at a time extends the chain);
    a purge moves the chain's start (``anchor_*``) past the records it deleted."""

    __tablename__ = "chain_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger)
    last_hash: Mapped[str] = mapped_column(String(64))
    anchor_seq: Mapped[int] = mapped_column(BigInteger)  # the first record kept (0: nothing purged)
    anchor_hash: Mapped[str] = mapped_column(String(64))  # the prev_hash that record must carry


class Purge(Base):
    """What each purge deleted: records recorded before ``before``, their count and the seq range."""

    __tablename__ = "purges"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[str] = mapped_column(String(32))
    before: Mapped[str] = mapped_column(String(32))
    deleted: Mapped[int] = mapped_column(BigInteger)
    first_seq: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    last_seq: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    actor: Mapped[str | None] = mapped_column(String(64), nullable=True)


class StoreMeta(Base):
    """One row: the store's identity, fixed at creation. The service checks it on every write, so a database
    replaced under it is never written to as if it were the one it opened."""

    __tablename__ = "store_meta"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    store_id: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[str] = mapped_column(String(32))


class LoginFailure(Base):
    """A failed login (who was tried, from where, when): throttling and lockout read the recent ones; kept as
    long as the lockout window needs them (deleted after a successful login of that account)."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[str] = mapped_column(String(32), index=True)
    user: Mapped[str] = mapped_column(String(64), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)


# ------------------------------------------------------------------------------------------ records
def now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


HASHED = tuple(c.name for c in Decision.__table__.columns if c.name != "hash")


def fields_of(record: Decision) -> dict:
    return {name: getattr(record, name) for name in HASHED}


def as_dict(record: Decision) -> dict:
    out = fields_of(record) | {"hash": record.hash, "decision_id": record.seq}
    for name in ("input", "features", "reasons"):
        out[name] = json.loads(out[name]) if out[name] else None
    return out
