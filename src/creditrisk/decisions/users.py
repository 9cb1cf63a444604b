"""Users of the review workflow: accounts with argon2 password hashes, logins throttled, and the signed token the
API verifies.

Roles: ``relationship_manager`` (scores, flags, decides on reviews), ``approver`` (also grants or refuses a
colleague's favourable override), ``auditor`` (reads everything, changes nothing). A token is a JWT (HS256)
signed with $CREDITRISK_TOKEN_SECRET, valid ``decisions.token_minutes``; the account is checked on every use,
so disabling it ends its tokens at once. Neither a password nor a token is ever logged or stored in clear.

Logins (``login``): after ``max_failures`` failed logins within ``window_minutes``, an account, and separately a
client address, is locked for ``lockout_minutes`` from its last failure: the answer says how long to wait
(429). Failures are kept in the database, so every worker process sees them. Each login, failure and lockout
is one line of the ``creditrisk.audit`` log (user name, address; never the password).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from creditrisk.decisions.store import DecisionStore
from creditrisk.decisions.tables import ROLES, LoginFailure, User, now
from creditrisk.errors import InvalidRequest, NotAuthenticated, NotConfigured, TooManyAttempts

audit = logging.getLogger("creditrisk.audit")

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


@dataclass(frozen=True)
class LoginPolicy:
    """Throttling of logins (params decisions.login_*)."""

    max_failures: int = 5
    window_minutes: float = 15.0
    lockout_minutes: float = 15.0


def login(store: DecisionStore, name: str, password: str, address: str, policy: LoginPolicy,
          check=None) -> Actor:
    """``authenticate`` behind the throttle: a locked account or address is refused before any password is
    checked (429, with the seconds to wait); a failure is counted, a success clears the account's failures.
    ``check``: how the password is checked (the service runs it on its bounded pool)."""
    wait = locked_for(store, name, address, policy)
    if wait:
        audit.warning("login refused: locked user=%s address=%s retry_after=%ds", name, address, wait)
        raise TooManyAttempts(f"too many failed logins for this account or from this address: retry in {wait} s",
                              wait)
    try:
        actor = (check or authenticate)(store, name, password)
    except NotAuthenticated:
        failures = _record_failure(store, name, address, policy)
        audit.warning("login failed user=%s address=%s failures=%d/%d", name, address, failures,
                      policy.max_failures)
        if failures >= policy.max_failures:
            audit.warning("login lockout user=%s address=%s minutes=%g", name, address, policy.lockout_minutes)
        raise
    _clear_failures(store, name)
    audit.info("login ok user=%s role=%s address=%s", actor.name, actor.role, address)
    return actor


def locked_for(store: DecisionStore, name: str, address: str, policy: LoginPolicy) -> int:
    """Seconds until the account or the address may try again (0: now)."""
    from sqlalchemy import or_, select

    stamp = datetime.now(UTC)
    since = (stamp - timedelta(minutes=max(policy.window_minutes, policy.lockout_minutes))).isoformat()
    with store.transaction(read_only=True) as session:
        rows = session.execute(select(LoginFailure.user, LoginFailure.address, LoginFailure.at)
                               .where(LoginFailure.at >= since,
                                      or_(LoginFailure.user == name, LoginFailure.address == address))
                               .order_by(LoginFailure.at)).all()
    wait = 0.0
    for key, index in ((name, 0), (address, 1)):
        times = [datetime.fromisoformat(r[2]) for r in rows if r[index] == key]
        recent = [t for t in times if t >= stamp - timedelta(minutes=policy.window_minutes)]
        if len(recent) >= policy.max_failures:
            until = times[-1] + timedelta(minutes=policy.lockout_minutes)
            wait = max(wait, (until - stamp).total_seconds())
    return int(wait + 0.999) if wait > 0 else 0


def _record_failure(store: DecisionStore, name: str, address: str, policy: LoginPolicy) -> int:
    """Count a failure; the account's failures within the window, this one included."""
    from sqlalchemy import delete, func, select

    stamp = datetime.now(UTC)
    keep = (stamp - timedelta(minutes=2 * max(policy.window_minutes, policy.lockout_minutes))).isoformat()
    window = (stamp - timedelta(minutes=policy.window_minutes)).isoformat()
    with store.transaction() as session:
        session.execute(delete(LoginFailure).where(LoginFailure.at < keep))  # nothing kept longer than needed
        session.add(LoginFailure(at=stamp.isoformat(timespec="microseconds"), user=name[:64], address=address[:64]))
        session.flush()
        return int(session.execute(select(func.count()).select_from(LoginFailure)
                                   .where(LoginFailure.user == name, LoginFailure.at >= window)).scalar())


def _clear_failures(store: DecisionStore, name: str) -> None:
    from sqlalchemy import delete

    with store.transaction() as session:
        session.execute(delete(LoginFailure).where(LoginFailure.user == name))


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
