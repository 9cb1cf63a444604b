"""The decision database itself: its engine (SQLite by default, PostgreSQL by URL), its migrations (Alembic), its
identity and, for SQLite, the file's permissions.

SQLite writers are serialised with ``BEGIN IMMEDIATE`` and WAL lets readers read the last committed state
without waiting. The database and its folder are created readable by their owner only (0600 / 0700): they hold
personal data (docs/decisions.md). A SQLite file removed or replaced while the service runs keeps answering on
the connection that opened it; ``Identity`` notices (the file's device and inode, the store's id) so that
nothing is answered as recorded in a file nobody will read again.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from creditrisk.errors import StoreUnavailable

READ_ONLY = "creditrisk_read_only"  # an execution option: the transaction only reads
_SQLITE_FILES = ("", "-wal", "-shm", "-journal")


def lock_timeout(url) -> float:
    """Seconds a writer waits for the lock before the store is unavailable: 30, or a SQLite URL's ?timeout=."""
    return float(url.query.get("timeout", 30))


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (None for a server database or an in-memory one)."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def private_folder(path: Path) -> None:
    """The database's folder, created (or narrowed) to its owner only."""
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, 0o700)


def private_files(database: Path) -> None:
    """The SQLite file and its journal files readable and writable by their owner only."""
    for suffix in _SQLITE_FILES:
        path = Path(f"{database}{suffix}")
        if path.exists() and stat.S_IMODE(path.stat().st_mode) != 0o600:
            os.chmod(path, 0o600)


def engine_for(url: str):
    """A SQLAlchemy engine: SQLite (the file's folder created private; writers serialised with BEGIN IMMEDIATE,
    WAL so that readers never wait) or any server URL (PostgreSQL: connections checked before use)."""
    from sqlalchemy import create_engine, event
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
    database = sqlite_path(url)
    if database is not None:
        private_folder(database.parent)
    engine = create_engine(url, connect_args={"timeout": lock_timeout(parsed)})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):
        previous = os.umask(0o077)  # the file and its WAL are created private
        try:
            dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself (below)
            dbapi_connection.execute("PRAGMA journal_mode=WAL")
            dbapi_connection.execute("PRAGMA synchronous=NORMAL")
        finally:
            os.umask(previous)
        if database is not None:
            private_files(database)

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
    database = sqlite_path(url)
    if database is not None:
        private_files(database)
    return head_revision()


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config("sqlite://")).get_current_head()


def current_revision(engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def redacted(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@dataclass(frozen=True)
class Identity:
    """What the service opened: the store's id and, for SQLite, the file (device, inode)."""

    store_id: str
    file: Path | None
    device_inode: tuple[int, int] | None

    @classmethod
    def of(cls, session, url: str) -> Identity:
        from creditrisk.decisions.tables import StoreMeta

        meta = session.get(StoreMeta, 1)
        database = sqlite_path(url)
        return cls(meta.store_id, database, _device_inode(database) if database else None)

    def check_file(self) -> None:
        """The SQLite file is still the one opened (not removed, not replaced)."""
        if self.file is None:
            return
        now = _device_inode(self.file)
        if now is None:
            raise StoreUnavailable(f"the decision database {self.file} was removed while the service ran: nothing "
                                   "was recorded; restore it and restart the service")
        if now != self.device_inode:
            raise StoreUnavailable(f"the decision database {self.file} was replaced by another file while the "
                                   "service ran: nothing was recorded; restart the service on the right file")

    def check_store(self, session) -> None:
        """The database answering is the store the service opened (a server database replaced, a file swapped)."""
        from creditrisk.decisions.tables import StoreMeta

        meta = session.get(StoreMeta, 1)
        if meta is None or meta.store_id != self.store_id:
            raise StoreUnavailable("the decision database is not the one the service opened (its store id "
                                   "changed): nothing was recorded; restart the service")


def _device_inode(path: Path) -> tuple[int, int] | None:
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return None
    return info.st_dev, info.st_ino
