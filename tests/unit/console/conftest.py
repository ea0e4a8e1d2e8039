"""Fixtures of the console tests. ``db_url`` (tests/pg_harness.py) gives each test an empty
database on SQLite and on PostgreSQL; ``module_db_url`` does the same once per test module, for
modules that share users across many tests. Passwords are hashed with cheap argon2id parameters
except in the tests that take ``real_argon2``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from streams.console import auth

from pg_harness import PgServer, unique_db_name

REAL_HASHER, REAL_DUMMY = auth.HASHER, auth._DUMMY


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def module_db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An empty database shared by the tests of one module, on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        folder: Path = tmp_path_factory.mktemp("console")
        yield f"sqlite:///{folder}/console.db"
        return
    server: PgServer = request.getfixturevalue("pg_cluster")
    name = unique_db_name(request.module.__name__.rsplit(".", 1)[-1])
    url = server.create_database(name)
    try:
        yield url
    finally:
        server.drop_database(name)


#: Still argon2id, at 1 MiB and one pass: logging in costs a millisecond instead of ~0.15 s.
#: Only the tests that take ``real_argon2`` check the real parameters (64 MiB, t=3).
FAST_ARGON2 = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture(scope="module", autouse=True)
def fast_argon2() -> Iterator[None]:
    patch = pytest.MonkeyPatch()
    patch.setattr(auth, "HASHER", FAST_ARGON2)
    patch.setattr(auth, "_DUMMY", FAST_ARGON2.hash("no such user: constant work"))
    yield
    patch.undo()


@pytest.fixture
def real_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    """The hasher the console really uses, for this test."""
    monkeypatch.setattr(auth, "HASHER", REAL_HASHER)
    monkeypatch.setattr(auth, "_DUMMY", REAL_DUMMY)
