"""Keyed tamper evidence of the decisions of record: a chain of HMACs and checkpoints kept outside the database.

**The chain.** Each record carries ``hash`` = HMAC-SHA256(key, its fields as canonical JSON, the previous
record's hash included) and the id of the key (``key_id``, the first 12 hex digits of the key's SHA-256: it names
the key without revealing it). The key is kept outside the database: ``$CREDITRISK_CHAIN_KEY``, or the file
``$CREDITRISK_CHAIN_KEY_FILE`` (scripts/serve.sh creates ``.run/chain-key``, mode 0600). Someone who can write
to the database but does not hold the key cannot rewrite a record and recompute the hashes after it.

**Rotation.** Put the current key in ``$CREDITRISK_CHAIN_OLD_KEYS`` (comma-separated; the file given by
``$CREDITRISK_CHAIN_OLD_KEYS_FILE``, one key a line, works too) and a new key in ``$CREDITRISK_CHAIN_KEY``, then
restart the service: new records carry the new key's id, older ones are verified with the old key found by its
id. Records of schema 0001 carry no key id and are checked with plain SHA-256 over their fields of that schema.

**Checkpoints.** After every ``decisions.checkpoint_records`` records or ``decisions.checkpoint_minutes``
minutes, the writer appends the chain's head (last record number and hash), with the time and its own HMAC, to
an append-only file outside the database (``$CREDITRISK_CHAIN_CHECKPOINTS``; default beside the SQLite file).
Someone who deletes the last records and moves the head back, or rewrites the chain from an earlier record with
a key of their own, no longer matches the checkpoints: `decisions verify` names the first record that differs.
Records written after the last checkpoint are covered by the next one: the window is at most
``checkpoint_records`` records or ``checkpoint_minutes`` minutes (docs/decisions.md).
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from creditrisk.errors import NotConfigured

KEY_ENV, KEY_FILE_ENV = "CREDITRISK_CHAIN_KEY", "CREDITRISK_CHAIN_KEY_FILE"
OLD_KEYS_ENV, OLD_KEYS_FILE_ENV = "CREDITRISK_CHAIN_OLD_KEYS", "CREDITRISK_CHAIN_OLD_KEYS_FILE"
CHECKPOINTS_ENV = "CREDITRISK_CHAIN_CHECKPOINTS"
MIN_KEY = 32  # characters
LEGACY_FIELDS = frozenset({"application", "requested_by", "key_id"})  # absent from schema 0001's hashes


def key_id(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:12]


@dataclass(frozen=True)
class ChainKeys:
    """The current key (new records) and every key by id (verification, after rotations)."""

    current: str
    ring: dict[str, str]

    @property
    def current_id(self) -> str:
        return key_id(self.current)

    @classmethod
    def of(cls, current: str, old: list[str] | tuple[str, ...] = ()) -> ChainKeys:
        for key in (current, *old):
            if len(key) < MIN_KEY:
                raise NotConfigured(f"a chain key of {len(key)} characters: at least {MIN_KEY} random characters "
                                    f"(${KEY_ENV} or ${KEY_FILE_ENV})")
        return cls(current, {key_id(k): k for k in (*old, current)})

    @classmethod
    def from_environment(cls) -> ChainKeys:
        """The keys the operators gave: the current one is required to record or verify anything."""
        current = os.environ.get(KEY_ENV) or _read(os.environ.get(KEY_FILE_ENV))
        if not current:
            raise NotConfigured(f"no chain key: set ${KEY_ENV}, or ${KEY_FILE_ENV} to a file holding it "
                                "(scripts/serve.sh creates .run/chain-key); it is kept outside the database")
        old = [k for k in (os.environ.get(OLD_KEYS_ENV, "").split(",")
                           + _read(os.environ.get(OLD_KEYS_FILE_ENV)).splitlines()) if k.strip()]
        return cls.of(current.strip(), [k.strip() for k in old])


def _read(path: str | None) -> str:
    return Path(path).read_text().strip() if path and Path(path).exists() else ""


def canonical(fields: dict) -> bytes:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), allow_nan=True).encode()


def record_mac(fields: dict, keys: ChainKeys) -> str:
    """A record's hash: HMAC-SHA256 with the key its ``key_id`` names; plain SHA-256 of its schema-0001 fields for
    a record without a key id. A key id no key of the ring has gives an empty string (never a match)."""
    kid = fields.get("key_id")
    if kid is None:
        legacy = {k: v for k, v in fields.items() if k not in LEGACY_FIELDS}
        return hashlib.sha256(canonical(legacy)).hexdigest()
    key = keys.ring.get(kid)
    return hmac.new(key.encode(), canonical(fields), hashlib.sha256).hexdigest() if key else ""


# ---------------------------------------------------------------------------------------------- checkpoints
@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    at: str
    key_id: str
    mac: str

    def expected_mac(self, keys: ChainKeys) -> str:
        key = keys.ring.get(self.key_id)
        return hmac.new(key.encode(), f"{self.seq}|{self.hash}|{self.at}".encode(), hashlib.sha256).hexdigest() \
            if key else ""


class Checkpoints:
    """The append-only file of chain heads (one JSON line each), outside the database."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def append(self, seq: int, record_hash: str, keys: ChainKeys) -> Checkpoint:
        """Append the head (under an exclusive lock: several processes write to one file)."""
        at = datetime.now(UTC).isoformat(timespec="microseconds")
        point = Checkpoint(seq, record_hash, at, keys.current_id, "")
        point = Checkpoint(seq, record_hash, at, keys.current_id, point.expected_mac(keys))
        self.path.parent.mkdir(parents=True, exist_ok=True)
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT
        descriptor = os.open(self.path, flags, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            os.write(descriptor, (json.dumps(vars(point), separators=(",", ":")) + "\n").encode())
        finally:
            os.close(descriptor)  # closing releases the lock
        return point

    def read(self) -> list[Checkpoint | str]:
        """Every line: a checkpoint, or the text of a line that is not one (a damaged file)."""
        if not self.path.exists():
            return []
        out: list[Checkpoint | str] = []
        for line in self.path.read_text().splitlines():
            try:
                out.append(Checkpoint(**json.loads(line)))
            except (ValueError, TypeError):
                out.append(line)
        return out

    def last(self) -> Checkpoint | None:
        points = [p for p in self.read() if isinstance(p, Checkpoint)]
        return max(points, key=lambda p: p.seq) if points else None


def default_checkpoints(database: str | None, url: str | None = None) -> Path:
    """$CREDITRISK_CHAIN_CHECKPOINTS, else beside a SQLite file (``<name>.checkpoints``), else in .run/ under a name
    of the database's own (from its URL without the password): two databases never share one file, whose
    checkpoints would make the other look emptied."""
    if os.environ.get(CHECKPOINTS_ENV):
        return Path(os.environ[CHECKPOINTS_ENV])
    if database:
        return Path(database).with_suffix(".checkpoints")
    if url:
        import hashlib

        from sqlalchemy.engine import make_url

        shown = make_url(url).render_as_string(hide_password=True)
        return Path(".run") / f"decisions-{hashlib.sha256(shown.encode()).hexdigest()[:12]}.checkpoints"
    return Path(".run") / "decisions.checkpoints"


def check_checkpoints(points: list[Checkpoint | str], keys: ChainKeys, hashes: dict[int, str], anchor: int,
                      last_seq: int) -> str | None:
    """The first disagreement between the checkpoints and the chain read from the database (``hashes``: record
    number -> hash of the records kept), or None. Checkpoints before the purge anchor are past history."""
    for number, point in enumerate(points, 1):
        if isinstance(point, str):
            return f"checkpoint line {number} is not a checkpoint (the file was damaged or edited)"
        if not hmac.compare_digest(point.mac, point.expected_mac(keys)):
            return f"checkpoint line {number} (record {point.seq}) does not carry its own key's signature"
        if point.seq < anchor:
            continue
        if point.seq > last_seq:
            return (f"record {last_seq + 1}: missing; the checkpoints go to record {point.seq} (records deleted at "
                    "the end, or a database restored from an older copy)")
        if hashes.get(point.seq) != point.hash:
            return f"record {point.seq}: differs from its checkpoint of {point.at} (the chain was rewritten)"
    return None
