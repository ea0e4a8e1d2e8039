"""PostgreSQL for the tests: one throwaway cluster per session, a fresh database per test.

tests/conftest.py exposes the fixtures (``from pg_harness import pg_cluster, db_url  # noqa: F401``):

- ``db_url``: parametrized over ``sqlite`` and ``postgresql``, so a test that takes it runs once
  against each (``-k "not postgresql"`` leaves PostgreSQL out). Each test gets an empty
  database of its own: ``sqlite:///<tmp_path>/console.db``, or a database created for it on the
  session's PostgreSQL server.
- ``pg_cluster``: that server, started only when a test first needs it (:class:`LocalPostgres`
  from civicmod.dev.localpg, about 2 s), or the server of ``$CIVICMOD_TEST_PG_URL`` (a URL whose
  user may create databases). Each test's database is dropped after it, ending any sessions
  the test left open.

Without PostgreSQL's server binaries the PostgreSQL tests skip, saying so, unless
``$CIVICMOD_REQUIRE_PG`` is set (CI sets it): then they fail.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from civicmod.dev.localpg import LocalPostgres, PgNotInstalled, create_database, drop_database, find_bin_dir

EXTERNAL_ENV = "CIVICMOD_TEST_PG_URL"
REQUIRE_ENV = "CIVICMOD_REQUIRE_PG"


def pg_required() -> bool:
    return os.environ.get(REQUIRE_ENV, "") not in ("", "0", "false", "no")


def pg_bin_or_skip() -> Path:
    """PostgreSQL's server bin dir; else skip the test (fail it when $CIVICMOD_REQUIRE_PG is set)."""
    try:
        return find_bin_dir()
    except PgNotInstalled as exc:
        if pg_required():
            pytest.fail(f"{exc} ({REQUIRE_ENV} is set, so this fails instead of skipping)", pytrace=False)
        pytest.skip(f"{exc} (set {REQUIRE_ENV}=1 to fail instead of skipping)")


@dataclass
class PgServer:
    """The session's PostgreSQL server: where to create the tests' databases."""

    admin_url: str  # a database on it, as a user who may create databases
    external: bool  # True: $CIVICMOD_TEST_PG_URL's server; False: this session's own cluster

    def create_database(self, name: str) -> str:
        return create_database(self.admin_url, name)

    def drop_database(self, name: str) -> None:
        drop_database(self.admin_url, name)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgServer]:
    """The PostgreSQL server for this session, started on first use (see the module docstring)."""
    external = os.environ.get(EXTERNAL_ENV)
    if external:
        yield PgServer(external, external=True)
        return
    cluster = LocalPostgres(dbname="civicmod_tests", bin_dir=pg_bin_or_skip())
    cluster.start()
    try:
        yield PgServer(cluster.server_url(), external=False)
    finally:
        cluster.stop()


def unique_db_name(test_name: str) -> str:
    """``t_<8 hex>_<the test's name>``, cut to PostgreSQL's 63 characters."""
    slug = re.sub(r"[^a-z0-9_]+", "_", test_name.lower()).strip("_")
    return f"t_{uuid.uuid4().hex[:8]}_{slug}"[:63]


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of this test's own, on SQLite and then on PostgreSQL: its SQLAlchemy URL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/console.db"
        return
    server: PgServer = request.getfixturevalue("pg_cluster")
    name = unique_db_name(request.node.name)
    url = server.create_database(name)
    try:
        yield url
    finally:
        server.drop_database(name)
