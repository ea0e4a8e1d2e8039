"""civicmod.dev.localpg: a real throwaway PostgreSQL cluster, started, used through SQLAlchemy, stopped.

Skips without PostgreSQL's server binaries, unless CIVICMOD_REQUIRE_PG is set (then fails).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from civicmod.dev.localpg import LocalPostgres, PgNotInstalled, find_bin_dir, local_postgres

from pg_harness import PgServer, pg_bin_or_skip, unique_db_name


@pytest.fixture(scope="module")
def pg() -> Iterator[LocalPostgres]:
    cluster = LocalPostgres(bin_dir=pg_bin_or_skip())
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


def _rows(url: str, query: str) -> list[tuple]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(query))]
    finally:
        engine.dispose()


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_two_databases_through_sqlalchemy(pg: LocalPostgres) -> None:
    assert pg.url() == f"postgresql+psycopg://postgres@127.0.0.1:{pg.port}/civicmod"
    urls = [pg.create_database("first_db"), pg.create_database("second_db")]
    assert urls[0].endswith(f"127.0.0.1:{pg.port}/first_db")
    for i, url in enumerate(urls):
        engine = sa.create_engine(url)
        try:
            with engine.begin() as conn:
                conn.execute(sa.text("CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL)"))
                conn.execute(sa.text("INSERT INTO notes (body) VALUES (:b)"),
                             [{"b": f"db{i} ünïcødé"}, {"b": "second"}])
            with engine.connect() as conn:
                rows = conn.execute(sa.text("SELECT id, body FROM notes ORDER BY id")).all()
        finally:
            engine.dispose()
        assert [tuple(r) for r in rows] == [(1, f"db{i} ünïcødé"), (2, "second")]
    # the databases are separate, UTF8, and the cluster's own database is untouched
    assert _rows(pg.url(), "SELECT to_regclass('notes') IS NULL") == [(True,)]
    assert _rows(urls[1], "SELECT current_database(), pg_encoding_to_char(encoding) FROM pg_database "
                          "WHERE datname = current_database()") == [("second_db", "UTF8")]


def test_listens_on_localhost_only_with_its_socket_in_its_dir(pg: LocalPostgres) -> None:
    assert pg.dir is not None
    assert _rows(pg.url(), "SHOW listen_addresses") == [("127.0.0.1",)]
    assert _rows(pg.url(), "SHOW unix_socket_directories") == [(str(pg.dir),)]
    assert (pg.dir / f".s.PGSQL.{pg.port}").exists()
    if os.geteuid() == 0:  # initdb refuses root: the cluster belongs to the postgres user
        assert (pg.dir / "data").stat().st_uid != 0


def test_create_database_rejects_unsafe_names(pg: LocalPostgres) -> None:
    for name in ['x"; DROP DATABASE civicmod; --', "UPPER", "9starts_with_digit", "a" * 64, ""]:
        with pytest.raises(ValueError, match="database name"):
            pg.create_database(name)


def test_harness_creates_and_drops_a_database_per_test(pg: LocalPostgres) -> None:
    server = PgServer(pg.server_url(), external=False)
    name = unique_db_name("test_something[postgresql]" + "x" * 80)
    assert len(name) == 63 and name.startswith("t_") and "_test_something_postgresql_" in name
    url = server.create_database(name)
    engine = sa.create_engine(url)
    conn = engine.connect()  # a session the test left open: the drop ends it
    conn.execute(sa.text("SELECT 1"))
    server.drop_database(name)
    with pytest.raises(sa.exc.OperationalError, match="terminating connection"):
        conn.execute(sa.text("SELECT 1"))
    conn.close()
    engine.dispose()
    assert _rows(pg.url(), f"SELECT count(*) FROM pg_database WHERE datname = '{name}'") == [(0,)]


def test_stop_removes_the_dir_and_closes_the_port() -> None:
    bin_dir = pg_bin_or_skip()
    with local_postgres(dbname="short_lived", bin_dir=bin_dir) as pg:
        directory, port = pg.dir, pg.port
        assert directory is not None and port is not None
        assert directory.is_dir() and _port_open(port)
        assert _rows(pg.url(), "SELECT current_database()") == [("short_lived",)]
    assert not directory.exists()
    assert not _port_open(port)
    pg.stop()  # a second stop does nothing


def test_missing_binaries_say_how_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CIVICMOD_PG_BIN", str(tmp_path))
    with pytest.raises(PgNotInstalled, match="lacks initdb"):
        find_bin_dir()
    with pytest.raises(PgNotInstalled, match="PostgreSQL server not installed: apt-get install postgresql"):
        LocalPostgres(bin_dir=tmp_path).start()
    assert list(tmp_path.iterdir()) == []
