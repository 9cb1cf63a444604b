"""Users of the review workflow: accounts with argon2 password hashes, and the signed token the API verifies.

Roles: ``relationship_manager`` (scores, flags, decides on reviews), ``approver`` (also grants or refuses a
colleague's favourable override), ``auditor`` (reads everything, changes nothing). A token is a JWT (HS256)
signed with $CREDITRISK_TOKEN_SECRET, valid ``decisions.token_minutes``; the account is checked on every use,
so disabling it ends its tokens at once. Neither a password nor a token is ever logged or stored in clear.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from creditrisk.decisions.store import DecisionStore, NotAuthenticated, NotConfigured, now
from creditrisk.decisions.tables import ROLES, User
from creditrisk.errors import InvalidRequest

TOKEN_SECRET_ENV = "CREDITRISK_TOKEN_SECRET"
MIN_PASSWORD = 12
MIN_SECRET = 32


@dataclass(frozen=True)
class Actor:
    """Who acts: a person's name and role (what the records keep)."""

    name: str
    role: str


def _hasher():
    from argon2 import PasswordHasher

    return PasswordHasher()  # argon2id with the library's current recommended costs


def add_user(store: DecisionStore, name: str, role: str, password: str) -> Actor:
    if role not in ROLES:
        raise InvalidRequest(f"role {role!r}: expected one of {ROLES}")
    if not name or len(name) > 64 or not name.replace(".", "").replace("-", "").replace("_", "").isalnum():
        raise InvalidRequest(f"user name {name!r}: expected 1-64 letters, digits, '.', '-' or '_'")
    if len(password) < MIN_PASSWORD:
        raise InvalidRequest(f"password: at least {MIN_PASSWORD} characters")
    with store.transaction() as session:
        if session.get(User, name) is not None:
            raise InvalidRequest(f"user {name!r} already exists")
        session.add(User(name=name, role=role, password_hash=_hasher().hash(password), active=True,
                         created_at=now()))
    return Actor(name, role)


def disable_user(store: DecisionStore, name: str) -> None:
    with store.transaction() as session:
        user = session.get(User, name)
        if user is None:
            raise InvalidRequest(f"user {name!r} does not exist")
        user.active, user.disabled_at = False, now()


def list_users(store: DecisionStore) -> list[dict]:
    from sqlalchemy import select

    with store.transaction(read_only=True) as session:
        return [{"name": u.name, "role": u.role, "active": u.active, "created_at": u.created_at,
                 "disabled_at": u.disabled_at} for u in session.execute(select(User).order_by(User.name)).scalars()]


def authenticate(store: DecisionStore, name: str, password: str) -> Actor:
    """The active user ``name`` if ``password`` is theirs (the same answer for an unknown name)."""
    from argon2.exceptions import InvalidHashError, VerificationError

    with store.transaction(read_only=True) as session:
        user = session.get(User, name)
        stored = user.password_hash if user is not None and user.active else None
        role = user.role if user is not None else None
    try:
        if stored is None:
            _hasher().hash(password)  # as slow as a real check: the answer's time does not reveal the name
            raise VerificationError
        _hasher().verify(stored, password)
    except (VerificationError, InvalidHashError):
        raise NotAuthenticated("wrong user name or password, or the account is disabled") from None
    return Actor(name, role)


def secret() -> str:
    value = os.environ.get(TOKEN_SECRET_ENV, "")
    if len(value) < MIN_SECRET:
        raise NotConfigured(f"${TOKEN_SECRET_ENV} must hold a random secret of at least {MIN_SECRET} characters "
                          "(scripts/serve.sh creates one in .run/token-secret)")
    return value


def issue_token(actor: Actor, minutes: int, key: str) -> str:
    import jwt

    stamp = datetime.now(UTC)
    claims = {"sub": actor.name, "role": actor.role, "iat": stamp, "exp": stamp + timedelta(minutes=minutes)}
    return jwt.encode(claims, key, algorithm="HS256")


def verify_token(store: DecisionStore, token: str, key: str) -> Actor:
    """The active user a token was issued to (signature, expiry and account checked)."""
    import jwt

    try:
        claims = jwt.decode(token, key, algorithms=["HS256"], options={"require": ["sub", "exp"]})
    except jwt.ExpiredSignatureError:
        raise NotAuthenticated("the session has expired: log in again") from None
    except jwt.InvalidTokenError:
        raise NotAuthenticated("invalid user token: log in again") from None
    with store.transaction(read_only=True) as session:
        user = session.get(User, claims["sub"])
        if user is None or not user.active:
            raise NotAuthenticated(f"user {claims['sub']!r} is disabled or unknown") from None
        return Actor(user.name, user.role)
