"""The console's schema: made by the Alembic migrations, the same as the SQLAlchemy models, set up
idempotently, and the audit log append-only in the database itself (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import DBAPIError

from streams.console import audit
from streams.console.db import Database, current_revision
from streams.console.models import AuditHead, AuditRow, Base, LegalHold, Meta

from console_kit import make_user, settings


def _head_revision() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from streams.console.db import MIGRATIONS

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(cfg).get_current_head()
    assert head is not None
    return head


def test_setup_twice_is_idempotent(db_url: str) -> None:
    db = Database(db_url)
    try:
        db.setup()
        first_id = db.db_id
        with db.tx() as s:
            audit.record(s, "test.event", "tester", details={"n": 1})
        db.setup()  # again: nothing recreated, nothing lost
        Database(db_url).setup()  # and from another process's engine
        assert current_revision(db.engine) == _head_revision()
        fresh = Database(db_url)
        try:
            assert fresh.db_id == first_id
        finally:
            fresh.dispose()
        with db.read() as s:
            assert s.scalars(select(Meta.key)).all() == ["db_id"]
            assert [r.type for r in s.scalars(select(AuditRow))] == ["test.event"]
            assert audit.verify(s).ok
        tables = set(inspect(db.engine).get_table_names())
        assert set(Base.metadata.tables) <= tables
    finally:
        db.dispose()


def test_migrated_schema_matches_the_models(db_url: str) -> None:
    db = Database(db_url)
    try:
        db.setup()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert diff == []
    finally:
        db.dispose()


def test_audit_log_refuses_update_and_delete(db_url: str) -> None:
    db = Database(db_url)
    try:
        db.setup()
        with db.tx() as s:
            for i in range(3):
                audit.record(s, "test.event", "tester", details={"n": i})
        statements = ["UPDATE audit_log SET actor = 'mallory' WHERE seq = 2",
                      "UPDATE audit_log SET details = '{}'",
                      "DELETE FROM audit_log WHERE seq = 3",
                      "DELETE FROM audit_log"]
        if db.dialect == "postgresql":
            statements.append("TRUNCATE audit_log")
        for sql in statements:
            with pytest.raises(DBAPIError, match="append-only"), db.tx() as s:
                s.execute(text(sql))
        with db.read() as s:
            rows = list(s.scalars(select(AuditRow).order_by(AuditRow.seq)))
            assert [(r.seq, r.actor, r.details) for r in rows] == [
                (1, "tester", {"n": 0}), (2, "tester", {"n": 1}), (3, "tester", {"n": 2})]
            assert audit.verify(s).ok
    finally:
        db.dispose()


def test_a_fresh_database_has_its_chain_head(db_url: str) -> None:
    """The head row exists from set-up, so two first events can never race to create it."""
    db = Database(db_url)
    try:
        db.setup()
        with db.read() as s:
            head = s.get(AuditHead, 1)
            assert head is not None and (head.seq, head.hash) == (0, audit.GENESIS)
            assert audit.verify(s).ok
        make_user(db, "first", (("admin", None, None),))
        from streams.console.auth import Auth

        Auth(db, settings()).create_user(None, "second", "Second", "a long enough password")
        with db.read() as s:
            assert [r.seq for r in s.scalars(select(AuditRow).order_by(AuditRow.seq))] == [1]
            assert audit.verify(s).ok
    finally:
        db.dispose()


def test_consoles_starting_together_migrate_once(db_url: str) -> None:
    start = threading.Barrier(4)
    errors: list[BaseException] = []
    dbs = [Database(db_url) for _ in range(4)]

    def set_up(db: Database) -> None:
        try:
            start.wait()
            db.setup()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=set_up, args=(db,)) for db in dbs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert errors == []
        assert len({db.db_id for db in dbs}) == 1
        assert current_revision(dbs[0].engine) == _head_revision()
    finally:
        for db in dbs:
            db.dispose()


def test_upgrade_from_the_first_revision_keeps_the_data(db_url: str) -> None:
    from alembic import command
    from alembic.config import Config

    from streams.console.db import MIGRATIONS

    db = Database(db_url)
    try:
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        with db.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0001")
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO legal_holds (id, scope, value, reason, created_by, created_at) "
                              "VALUES (1, 'account', 'acct-a1', 'FOI-1', 1, CURRENT_TIMESTAMP)"))
        with db.tx() as s:
            audit.record(s, "before.upgrade", "tester")
        db.setup()
        assert current_revision(db.engine) == _head_revision()
        with db.read() as s:
            hold = s.get(LegalHold, 1)
            assert hold is not None and (hold.value, hold.organisation) == ("acct-a1", None)
            assert audit.verify(s).ok
        with db.tx() as s:
            audit.record(s, "after.upgrade", "tester")
        with db.read() as s:
            assert [r.type for r in s.scalars(select(AuditRow).order_by(AuditRow.seq))] == [
                "before.upgrade", "after.upgrade"]
            assert audit.verify(s).ok
    finally:
        db.dispose()
