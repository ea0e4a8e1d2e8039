"""The audit-chain tamper test, and what the audit trail holds, on SQLite and PostgreSQL.

A chain of real events (logins, a failed login, claims, decisions, a user and a permission
change, an export) verifies; then a DBA changes it behind the console's back (the append-only
triggers dropped first, as only a DBA could): an edited row, a removed middle row, a removed tail
and an edited row with its hash recomputed are each found, by ``audit.verify``, by
``GET /api/audit/verify`` and by ``civicmod audit verify`` (exit 1).
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql as psql
from sqlalchemy import select, text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from civicmod.cli import app as cli_app
from civicmod.contract import topics as T
from civicmod.contract.records import AuditEvent
from streams.console import audit
from streams.console.auth import token_hash
from streams.console.db import Database, now
from streams.console.models import ApiToken, AuditRow, OutboxRow, User
from streams.console.runtime import Console

from console_kit import PASSWORD, add_item, client, login, make_user, settings
from pg_harness import PgServer, unique_db_name


@dataclass
class Chain:
    db: Database
    console: Console
    rows: int


def _build_chain(url: str) -> Chain:
    """Real events through the API: the rows the tamper tests then change."""
    db = Database(url)
    db.setup()
    cs = settings()
    console = Console(db, cs)
    make_user(db, "root", (("admin", None, None),))
    mod = make_user(db, "mod", (("moderator", None, None),))
    with client(console) as http:
        root = login(http, "root")  # login
        r = http.post("/api/login", json={"username": "root", "password": "wrong password!"})
        assert r.status_code == 401  # login.failed
        r = root.post("/api/users", json={"username": "newbie", "password": PASSWORD})  # user.created
        assert r.status_code == 200, r.text
        r = root.post(f"/api/users/{r.json()['id']}/grants",
                      json={"role": "moderator", "organisation": "org-a"})
        assert r.status_code == 200, r.text  # permission.granted
        for action, reason in (("hide", "spam"), ("publish", "no_violation"), ("hold", "threat")):
            item_id = add_item(db, cs)
            console.review.claim(mod, item_id)  # claim
            console.review.decide(mod, item_id, action, reason)  # decision
        r = root.get("/api/audit/export", params={"format": "csv"})  # export
        assert r.status_code == 200
    with db.read() as s:
        types = [r.type for r in s.scalars(select(AuditRow).order_by(AuditRow.seq))]
        v = audit.verify(s)
    assert {"login", "login.failed", "user.created", "permission.granted", "claim", "decision",
            "export"} <= set(types)
    assert v.ok and v.rows == len(types) == 11, (types, v.problems)
    return Chain(db, console, len(types))


def _as_a_dba(db: Database, *statements: str, **params: Any) -> None:
    """What only a DBA can do: drop the append-only triggers, then change the table."""
    drop = (["DROP TRIGGER IF EXISTS audit_log_no_update", "DROP TRIGGER IF EXISTS audit_log_no_delete"]
            if db.dialect == "sqlite" else ["DROP TRIGGER IF EXISTS audit_log_no_change ON audit_log"])
    with db.engine.begin() as conn:
        for sql in [*drop, *statements]:
            conn.execute(text(sql), params)


def _verify(db: Database) -> audit.Verification:
    with db.read() as s:
        return audit.verify(s)


def _cli_verify(db_url: str, tmp_path: Path) -> Any:
    config = tmp_path / "civicmod.yaml"
    config.write_text(f"console:\n  database_url: '{db_url}'\n")
    return CliRunner().invoke(cli_app, ["audit", "verify", "--config", str(config)])


def _api_verify(chain: Chain) -> dict[str, Any]:
    """``GET /api/audit/verify`` as a records officer whose API token was put in place without
    an audit event (a login would append to the chain being checked)."""
    officer = make_user(chain.db, "records", (("auditor", None, None),))
    with chain.db.tx() as s:
        s.add(ApiToken(user_id=officer.user_id, name="verify", token_hash=token_hash("cm_verify"),
                       created_at=now()))
    with client(chain.console) as http:
        r = http.get("/api/audit/verify", headers={"Authorization": "Bearer cm_verify"})
        assert r.status_code == 200, r.text
        return r.json()


@pytest.fixture(scope="module")
def trail(module_db_url: str) -> Any:
    """One chain per database; the tamper tests change copies of it."""
    chain = _build_chain(module_db_url)
    yield chain
    chain.db.dispose()


@pytest.fixture
def copy_of_trail(trail: Chain, module_db_url: str, request: pytest.FixtureRequest,
                  tmp_path: Path) -> Any:
    """A copy of the trail's database (SQLite: the file; PostgreSQL: CREATE DATABASE ... TEMPLATE)."""
    trail.db.dispose()  # no open connection: SQLite checkpoints its WAL, PostgreSQL may copy
    if trail.db.dialect == "sqlite":
        source = Path(make_url(module_db_url).database or "")
        shutil.copyfile(source, tmp_path / "copy.db")
        url = f"sqlite:///{tmp_path}/copy.db"
        yield url
        return
    server: PgServer = request.getfixturevalue("pg_cluster")
    name = unique_db_name(request.node.name)
    admin = make_url(server.admin_url)
    conninfo = {"host": admin.host, "port": admin.port, "user": admin.username, "dbname": admin.database,
                "password": admin.password, "autocommit": True}
    with psycopg.connect(**{k: v for k, v in conninfo.items() if v is not None}) as conn:
        conn.execute(psql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
            psql.Identifier(name), psql.Identifier(make_url(module_db_url).database or "")))
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        server.drop_database(name)


@pytest.mark.parametrize("tamper", ["edit", "delete_middle", "delete_tail", "edit_and_rehash"])
def test_the_audit_chain_tamper_test(trail: Chain, copy_of_trail: str, tmp_path: Path, tamper: str) -> None:
    db = Database(copy_of_trail)
    try:
        chain = Chain(db, Console(db, settings()), trail.rows)
        n = _verify(db).rows
        ok = _cli_verify(copy_of_trail, tmp_path)
        assert ok.exit_code == 0, ok.output
        assert f"intact: {n} records" in ok.output
        k = 4  # a row in the middle; n is the last
        if tamper == "edit":
            _as_a_dba(db, "UPDATE audit_log SET details = :d WHERE seq = :k",
                      d=json.dumps({"item": 999}), k=k)
            expected = [f"row {k}: content changed after it was written (hash mismatch)"]
        elif tamper == "delete_middle":
            _as_a_dba(db, "DELETE FROM audit_log WHERE seq = :k", k=k)
            expected = [f"rows {k}..{k} are missing",
                        f"row {k + 1}: does not follow the row before it (link broken)"]
        elif tamper == "delete_tail":
            _as_a_dba(db, "DELETE FROM audit_log WHERE seq >= :k", k=n - 1)
            expected = [f"the chain ends at row {n - 2} but its head says {n}: rows removed from the "
                        "end, or the head was edited"]
        else:  # an attacker who knows the scheme edits a row and recomputes its hash
            with db.read() as s:
                row = s.get(AuditRow, k)
                assert row is not None
                details = {**row.details, "action": "publish"}
                forged = audit.chain_hash(row.prev_hash, audit._canonical(
                    row.seq, row.at, row.type, row.actor, row.organisation, row.account_id,
                    row.comment_id, details))
            _as_a_dba(db, "UPDATE audit_log SET details = :d, hash = :h WHERE seq = :k",
                      d=json.dumps(details), h=forged, k=k)
            expected = [f"row {k + 1}: does not follow the row before it (link broken)"]
        v = _verify(db)
        assert not v.ok
        assert v.problems == expected
        # the command says so and exits 1; the API says so too
        res = _cli_verify(copy_of_trail, tmp_path)
        assert res.exit_code == 1, res.output
        assert "audit chain broken" in res.output
        for problem in expected:
            assert problem in " ".join(res.output.split())
        body = _api_verify(chain)
        assert body["ok"] is False and body["problems"] == expected
    finally:
        db.dispose()


def test_a_removed_head_is_found(trail: Chain, copy_of_trail: str) -> None:
    db = Database(copy_of_trail)
    try:
        assert _verify(db).ok
        with db.engine.begin() as conn:
            conn.execute(text("DELETE FROM audit_head"))
        v = _verify(db)
        assert not v.ok and "head row is missing" in v.problems[0]
    finally:
        db.dispose()


# -- what the trail holds ----------------------------------------------------------------------------
def _events_on_the_topic(db: Database) -> list[AuditEvent]:
    with db.read() as s:
        return [AuditEvent.model_validate_json(r.value) for r in
                s.scalars(select(OutboxRow).where(OutboxRow.topic == T.AUDIT).order_by(OutboxRow.id))]


def test_every_event_but_claims_goes_to_the_audit_topic_with_its_hash(trail: Chain) -> None:
    events = _events_on_the_topic(trail.db)
    with trail.db.read() as s:
        rows = {r.seq: r for r in s.scalars(select(AuditRow))}
    on_topic = {e.model_extra["seq"]: e for e in events}  # type: ignore[index]
    for seq, row in rows.items():
        if row.type in ("claim", "logout", "claim.released"):
            assert seq not in on_topic
            continue
        e = on_topic[seq]
        assert (e.type, e.model_extra["actor"], e.model_extra["hash"]) == (row.type, row.actor, row.hash)  # type: ignore[index]


def test_an_export_names_who_exported_not_the_filter(trail: Chain) -> None:
    with client(trail.console) as http:
        root = login(http, "root")
        r = root.get("/api/audit/export", params={"actor": "mod", "account_id": "acct-a1", "format": "json"})
        assert r.status_code == 200
        rows = [json.loads(line) for line in r.text.splitlines()]
        assert rows and {row["actor"] for row in rows} == {"mod"}
    with trail.db.read() as s:
        last = s.scalars(select(AuditRow).where(AuditRow.type == "export")
                         .order_by(AuditRow.seq.desc())).first()
        assert last is not None and last.actor == "root"
        assert last.details["actor"] == "mod" and last.details["account_id"] == "acct-a1"
    exported = [e for e in _events_on_the_topic(trail.db) if e.type == "export"][-1]
    extra = exported.model_extra or {}
    assert extra["actor"] == "root" and extra.get("account_id") is None
    assert extra["details"] == {"actor": "mod", "account_id": "acct-a1"}
    assert extra["format"] == "json"


def test_a_spreadsheet_formula_in_a_cell_is_quoted(trail: Chain) -> None:
    with client(trail.console, host="10.9.9.9") as http:
        r = http.post("/api/login",
                      json={"username": "=HYPERLINK(\"http://x\")", "password": "whatever it is"})
        assert r.status_code == 401
        r = login(http, "root").get("/api/audit/export", params={"format": "csv"})
    cells = [row for row in csv.reader(io.StringIO(r.text))]
    assert cells[0] == list(audit.EXPORT_FIELDS)
    actors = [row[3] for row in cells[1:]]
    assert "'=HYPERLINK(\"http://x\")" in actors
    assert not any(a.startswith(("=", "+", "-", "@")) for a in actors)


def test_no_password_or_hash_in_the_trail_or_the_api(trail: Chain) -> None:
    with trail.db.read() as s:
        hashes = [h for h in s.scalars(select(User.password_hash))]
        audit_text = json.dumps([audit.as_dict(r) for r in s.scalars(select(AuditRow))])
        outbox_text = " ".join(r.value.decode() for r in s.scalars(select(OutboxRow)))
    assert hashes and all(h.startswith("$argon2id$") for h in hashes)
    with client(trail.console) as http:
        root = login(http, "root")
        answers = [root.get("/api/me").text, root.get("/api/users").text,
                   root.get("/api/audit", params={"limit": 1000}).text,
                   root.get("/api/audit/export", params={"format": "json"}).text,
                   root.post("/api/users", json={"username": "another", "password": PASSWORD}).text]
    for blob in (audit_text, outbox_text, *answers):
        assert "$argon2" not in blob and PASSWORD not in blob and "wrong password!" not in blob
        assert "password_hash" not in blob


def test_scoped_queries_return_only_their_rows(trail: Chain) -> None:
    with trail.db.read() as s:
        everything = list(audit.query(s))
        org_a = list(audit.query(s, organisations=["org-a"]))
        acct = list(audit.query(s, accounts=["acct-a1"]))
        other = list(audit.query(s, organisations=["org-b"], accounts=["acct-b1"]))
        newest = list(audit.query(s, newest_first=True, limit=2))
    decisions = [r for r in everything if r.type == "decision"]
    assert decisions and all(r.organisation == "org-a" and r.account_id == "acct-a1" for r in decisions)
    seqs = {r.seq for r in decisions}
    assert seqs <= {r.seq for r in org_a} and seqs <= {r.seq for r in acct}
    assert all(r.account_id == "acct-a1" for r in acct)
    assert all(r.organisation == "org-a" for r in org_a)
    assert other == []
    assert [r.seq for r in newest] == sorted((r.seq for r in everything), reverse=True)[:2]
