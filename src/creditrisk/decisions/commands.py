"""The commands of the decision store: `creditrisk decisions ...`, `creditrisk users ...`, `creditrisk replay`."""

from __future__ import annotations

import os
from pathlib import Path

from creditrisk.artefacts.catalogue import Paths
from creditrisk.config import Params
from creditrisk.decisions.chain import CHECKPOINTS_ENV, KEY_ENV, KEY_FILE_ENV
from creditrisk.decisions.store import DecisionStore, migrate, redacted
from creditrisk.errors import InvalidRequest

DECISIONS_URL_ENV = "CREDITRISK_DECISIONS_URL"


def database_url(params: Params, paths: Paths) -> str:
    """$CREDITRISK_DECISIONS_URL, else params decisions.database; a relative SQLite path is under the root."""
    from sqlalchemy.engine import make_url

    url = make_url(os.environ.get(DECISIONS_URL_ENV) or params.decisions.database)
    if url.get_backend_name() == "sqlite" and url.database and not Path(url.database).is_absolute():
        url = url.set(database=str((paths.root / url.database).resolve()))
    return url.render_as_string(hide_password=False)


def settings(params: Params, paths: Paths) -> str:
    """Shell exports of what the service reads from the environment (it has no params.yaml in a container)."""
    import shlex

    d = params.decisions
    exports = {DECISIONS_URL_ENV: database_url(params, paths), "CREDITRISK_TOKEN_MINUTES": d.token_minutes,
               KEY_FILE_ENV: str(paths.root.resolve() / d.key_file),
               CHECKPOINTS_ENV: str(paths.root.resolve() / d.checkpoints),
               "CREDITRISK_CHECKPOINT_EVERY": f"{d.checkpoint_records},{d.checkpoint_minutes}",
               "CREDITRISK_LOGIN_POLICY": f"{d.login_max_failures},{d.login_window_minutes},{d.login_lockout_minutes}"}
    return "\n".join(f"export {name}={shlex.quote(str(value))}" for name, value in exports.items() if
                      name not in os.environ or name in (DECISIONS_URL_ENV,))


def open_store(params: Params, paths: Paths, url: str) -> DecisionStore:
    """The store with the chain key and checkpoints of params (the environment's, when it gives them)."""
    from creditrisk.decisions.store import CheckpointPolicy

    if KEY_ENV not in os.environ and KEY_FILE_ENV not in os.environ:
        os.environ[KEY_FILE_ENV] = str(paths.root.resolve() / params.decisions.key_file)
    checkpoints = Path(os.environ.get(CHECKPOINTS_ENV) or paths.root.resolve() / params.decisions.checkpoints)
    return DecisionStore(url, checkpoints=checkpoints, policy=CheckpointPolicy(
        params.decisions.checkpoint_records, params.decisions.checkpoint_minutes))


def run(action: str, params: Params, paths: Paths, **options) -> dict:
    url = database_url(params, paths)
    if action == "migrate":
        return {"database": redacted(url), "schema_revision": migrate(url)}
    store = open_store(params, paths, url)
    try:
        if action == "verify":
            return {"database": redacted(url)} | store.verify()
        if action == "checkpoint":
            return store.checkpoint()
        if action == "purge":
            return store.purge(params.decisions.retention_years, actor=options.get("actor"))
        if action == "export":
            return export(store, options["out"], options.get("since"))
        if action == "oversight":
            from creditrisk.decisions.oversight import oversight

            return oversight(store, options.get("weeks") or 12)
        if action == "replay":
            return replay(store, paths, options["decision_id"])
        return users(store, action, **options)
    finally:
        store.close()


def export(store: DecisionStore, out: Path, since: str | None) -> dict:
    """Every record (CSV or Parquet by the file's suffix) for an auditor: decisions only, never a password hash
    (users are not exported) nor a token (none is stored)."""
    import polars as pl

    from creditrisk.io import atomic_path

    if out.suffix not in (".csv", ".parquet"):
        raise InvalidRequest(f"{out}: the export is written as .csv or .parquet (by the file's suffix)")
    frame = pl.DataFrame(list(store.records(since=since)), infer_schema_length=None)
    with atomic_path(out) as tmp:
        frame.write_csv(tmp) if out.suffix == ".csv" else frame.write_parquet(tmp)
    return {"records": frame.height, "out": str(out)}


def replay(store: DecisionStore, paths: Paths, decision_id: int) -> dict:
    from creditrisk.artefacts import tracking
    from creditrisk.decisions.replay import replay as replay_one

    tracking.configure(paths.root)
    return replay_one(store, decision_id)


def users(store: DecisionStore, action: str, **options) -> dict:
    from creditrisk.decisions import users as accounts

    if action == "users-add":
        actor = accounts.add_user(store, options["name"], options["role"], options["password"])
        return {"user": actor.name, "role": actor.role, "created": True}
    if action == "users-demo":
        return demo_accounts(store, options["out"])
    if action == "users-disable":
        accounts.disable_user(store, options["name"])
        return {"user": options["name"], "active": False}
    return {"users": accounts.list_users(store)}


def demo_accounts(store: DecisionStore, out: Path) -> dict:
    """One account per role with a random password, on a database that has none (`make run`); the passwords
    go to ``out`` (mode 600), never to the terminal or a log."""
    import secrets

    from creditrisk.decisions import users as accounts
    from creditrisk.decisions.tables import ROLES
    from creditrisk.io import atomic_path

    if accounts.list_users(store):
        return {"created": []}
    names = {"relationship_manager": "rm.demo", "approver": "approver.demo", "auditor": "auditor.demo"}
    lines = []
    for role in ROLES:
        password = secrets.token_urlsafe(12)
        accounts.add_user(store, names[role], role, password)
        lines.append(f"{names[role]}\t{role}\t{password}")
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(out) as tmp:
        tmp.touch(mode=0o600)
        tmp.write_text("# user\trole\tpassword (demo accounts of make run; disable them with "
                       "`creditrisk users disable NAME`)\n" + "\n".join(lines) + "\n")
    return {"created": list(names.values()), "passwords_in": str(out)}
