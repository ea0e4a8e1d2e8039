"""The console's database: engine set-up for SQLite (the embedded default) and PostgreSQL,
Alembic migrations, and one way to run a write transaction.

SQLite: WAL journal, a busy timeout, and ``BEGIN IMMEDIATE`` for every write transaction, so
writers queue for the lock instead of failing half-way (within one process they queue on a lock
of ours first); reads begin deferred and never hold the
write lock (a long export does not stop the moderators). PostgreSQL: READ COMMITTED; the
conditional ``UPDATE ... WHERE`` statements of claims and decisions decide races row by row, the
audit chain's head row is locked ``FOR UPDATE`` while appending, and migrations run under an
advisory lock, so consoles starting together migrate once.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, select, text
from sqlalchemy.orm import Session, sessionmaker

from streams.console.models import AuditHead, Meta

MIGRATIONS = Path(__file__).with_name("migrations")
#: Execution option that marks a write transaction (SQLite: ``BEGIN IMMEDIATE``).
WRITE = "civicmod_write"
#: PostgreSQL advisory lock key held while migrating ("civicmod" in ASCII).
MIGRATION_LOCK = 0x636976696D6F64


def now() -> datetime:
    """Naive UTC now: how every time is stored."""
    return datetime.now(UTC).replace(tzinfo=None)


def aware(value: datetime | None) -> datetime | None:
    """A stored time as timezone-aware UTC (for the API)."""
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def _wal(cur: Any, patience_s: float = 30.0) -> None:
    """Switch a new database to WAL. SQLite answers "database is locked" at once, without its
    busy handler, when another connection is switching it too (consoles starting together):
    try again for a while."""
    import sqlite3

    deadline = time.monotonic() + patience_s
    while True:
        try:
            cur.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def make_engine(url: str) -> Engine:
    """An engine for ``url`` with the settings the console relies on."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30},
                               pool_size=8, max_overflow=16)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA busy_timeout=30000")
            _wal(cur)
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin(conn) -> None:  # type: ignore[no-untyped-def]
            write = conn.get_execution_options().get(WRITE, False)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

        return engine
    return create_engine(url, pool_size=20, max_overflow=20, pool_pre_ping=True)


def migrate(engine: Engine) -> None:
    """Bring the schema up to the newest migration (idempotent; safe when several consoles
    start at once)."""
    with engine.execution_options(**{WRITE: True}).begin() as conn:
        _migrate(conn)


def _migrate(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":  # held until this transaction ends
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = conn
    command.upgrade(cfg, "head")


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


#: Write transactions one PostgreSQL console process runs at once. Every claim and decision
#: appends to the audit chain under its head row's lock, so more at once only lengthens that
#: lock's queue (and the GIL's): with 50 moderators, 4 gave shorter tails than 2 or no limit
#: (docs/benchmarks.md).
POSTGRES_WRITERS = 4


class WriteSlots:
    """At most ``n`` write transactions of this process at once, waiting in a queue here rather
    than in the database: SQLite's busy handler sleeps longer and longer (the slowest decisions
    took seconds), and PostgreSQL's lock queue on the audit head grows with every waiting
    thread. Re-entrant per thread (a transaction opened inside another takes no second slot)."""

    def __init__(self, n: int) -> None:
        self._slots = threading.Semaphore(n)
        self._depth = threading.local()

    def __enter__(self) -> None:
        depth = getattr(self._depth, "n", 0)
        if depth == 0:
            self._slots.acquire()
        self._depth.n = depth + 1

    def __exit__(self, *_exc: object) -> None:
        self._depth.n -= 1
        if self._depth.n == 0:
            self._slots.release()


class Database:
    """An engine, a session factory and this database's identity."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        #: Read sessions (SQLite: a deferred BEGIN); :meth:`tx` is for writing.
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._writes = sessionmaker(self.engine.execution_options(**{WRITE: True}),
                                    expire_on_commit=False)
        self.dialect = self.engine.dialect.name
        self._id: str | None = None
        self._write_lock: AbstractContextManager[Any] = WriteSlots(
            1 if self.dialect == "sqlite" else POSTGRES_WRITERS)

    def setup(self) -> None:
        """Migrate, and give a new database its id and its audit chain's head, in one
        transaction (idempotent; consoles starting together do it once)."""
        with self.engine.execution_options(**{WRITE: True}).begin() as conn:
            _migrate(conn)
            with Session(bind=conn) as s:
                if s.get(Meta, "db_id") is None:
                    s.add(Meta(key="db_id", value=uuid.uuid4().hex))
                if s.get(AuditHead, 1) is None:
                    s.add(AuditHead(id=1, seq=0, hash="0" * 64))
                s.flush()

    @property
    def db_id(self) -> str:
        """A random id made once per database: the outbox tags its records with it."""
        if self._id is None:
            with self.sessions() as s:
                self._id = s.scalar(select(Meta.value).where(Meta.key == "db_id"))
            if self._id is None:
                raise RuntimeError("database not set up: run `civicmod console migrate`")
        return self._id

    @contextmanager
    def tx(self) -> Iterator[Session]:
        """A write transaction: committed when the block ends, rolled back on error. The
        process's writers queue for a slot here first (SQLite: one, PostgreSQL:
        ``POSTGRES_WRITERS``); see :class:`WriteSlots`."""
        with self._write_lock, self._writes() as session, session.begin():
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self.sessions() as session:
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


def redact(url: str) -> str:
    """The URL without its password, for logs."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
