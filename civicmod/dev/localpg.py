"""A private, throwaway PostgreSQL cluster for tests and development, without Docker.

:class:`LocalPostgres` runs the PostgreSQL server binaries already on the machine (Debian:
``apt-get install postgresql``): ``initdb`` into a fresh temporary directory (UTF8, trust
authentication for localhost only), then ``postgres`` listening on a free TCP port of 127.0.0.1
only, with its unix socket inside that directory, so it never touches a system cluster. The
cluster is tuned for speed, not durability (``fsync=off``): it is deleted on :meth:`stop`
(``pg_ctl stop -m fast``, then the directory is removed).

Run as root, initdb and postgres refuse to start, so they run as the ``postgres`` OS user (which
the Debian package creates) and the directory is owned by that user.

The binaries are found in ``$CIVICMOD_PG_BIN``, else ``pg_config --bindir``, else the newest
``/usr/lib/postgresql/<version>/bin``, else ``initdb`` on PATH.

    with local_postgres() as pg:               # or: python -m civicmod.dev.localpg
        url = pg.url()                         # postgresql+psycopg://postgres@127.0.0.1:PORT/civicmod
        other = pg.create_database("test_1")   # a second, empty database: its URL

Needs nothing of the project (psycopg 3 and SQLAlchemy only).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pwd
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from sqlalchemy.engine import URL, make_url

from civicmod.dev.ports import free_port

PG_BIN_ENV = "CIVICMOD_PG_BIN"
_INSTALL_HINT = "PostgreSQL server not installed: apt-get install postgresql"
_DB_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class LocalPgError(RuntimeError):
    """The local cluster could not be created, started or stopped; the message says why."""


class PgNotInstalled(LocalPgError):
    """No PostgreSQL server binaries (initdb, pg_ctl, postgres) were found."""


def _has_server(bindir: Path) -> bool:
    return all((bindir / exe).is_file() for exe in ("initdb", "pg_ctl", "postgres"))


def find_bin_dir() -> Path:
    """The directory holding ``initdb``, ``pg_ctl`` and ``postgres``; raise :class:`PgNotInstalled`."""
    explicit = os.environ.get(PG_BIN_ENV)
    if explicit:
        if _has_server(Path(explicit)):
            return Path(explicit)
        raise PgNotInstalled(f"{PG_BIN_ENV}={explicit} lacks initdb, pg_ctl or postgres")
    candidates: list[Path] = []
    pg_config = shutil.which("pg_config")
    if pg_config:  # libpq-dev ships pg_config alone: its bindir may hold no server
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
        if out.returncode == 0 and out.stdout.strip():
            candidates.append(Path(out.stdout.strip()))
    versions = [p for p in Path("/usr/lib/postgresql").glob("*/bin") if p.parent.name.isdigit()]
    candidates += sorted(versions, key=lambda p: int(p.parent.name), reverse=True)
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(Path(initdb).resolve().parent)
    for bindir in candidates:
        if _has_server(bindir):
            return bindir
    raise PgNotInstalled(f"{_INSTALL_HINT} (or set {PG_BIN_ENV} to the directory holding initdb)")


def _conninfo(url: URL) -> dict[str, Any]:
    info: dict[str, Any] = {"host": url.host or "127.0.0.1", "port": url.port or 5432,
                            "user": url.username, "dbname": url.database or "postgres",
                            "connect_timeout": 5, **url.query}
    if url.password is not None:
        info["password"] = url.password
    return info


def create_database(server_url: str, name: str) -> str:
    """Create the empty database ``name`` on the server of ``server_url`` (a SQLAlchemy URL whose
    user may create databases); return ``server_url`` pointing at it."""
    if not _DB_NAME.match(name):
        raise ValueError(f"database name {name!r}: use 1-63 of a-z, 0-9 and _, not starting with a digit")
    url = make_url(server_url)
    with psycopg.connect(**_conninfo(url), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return url.set(database=name).render_as_string(hide_password=False)


def drop_database(server_url: str, name: str) -> None:
    """Drop ``name`` (if it exists) on the server of ``server_url``, ending its sessions."""
    url = make_url(server_url).set(database="postgres")
    with psycopg.connect(**_conninfo(url), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


class LocalPostgres:
    """One throwaway cluster: :meth:`start`, :meth:`url`, :meth:`create_database`, :meth:`stop`."""

    def __init__(self, dbname: str = "civicmod", user: str = "postgres",
                 base_dir: str | Path | None = None, bin_dir: str | Path | None = None) -> None:
        self.dbname = dbname
        self.user = user  # the database superuser's name (trust auth: no password)
        self.base_dir = Path(base_dir or tempfile.gettempdir()).resolve()
        self.bin_dir = Path(bin_dir) if bin_dir else None
        self.dir: Path | None = None
        self.port: int | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._url: str | None = None
        self._os_user: pwd.struct_passwd | None = None

    # -- running the binaries, as the postgres OS user when we are root -------------------

    def _run_as(self) -> dict[str, Any]:
        if self._os_user is None:
            return {}
        return {"user": self._os_user.pw_uid, "group": self._os_user.pw_gid, "extra_groups": []}

    def _env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env.update(LC_ALL="C", LANG="C")
        if self._os_user is not None:
            env.update(HOME=self._os_user.pw_dir, USER=self._os_user.pw_name)
        return env

    def _tool(self, name: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        assert self.bin_dir is not None and self.dir is not None
        return subprocess.run([str(self.bin_dir / name), *args], capture_output=True, text=True,
                              check=False, timeout=timeout, cwd=self.dir, env=self._env(),
                              **self._run_as())

    def _prepare_dir(self) -> Path:
        if os.geteuid() == 0:
            try:
                self._os_user = pwd.getpwnam("postgres")
            except KeyError:
                raise LocalPgError("running as root, and there is no 'postgres' OS user to run "
                                   "initdb/postgres as (apt-get install postgresql creates it)") from None
            for parent in [self.base_dir, *self.base_dir.parents]:  # the user must reach the dir
                if not os.stat(parent).st_mode & 0o001:
                    raise LocalPgError(f"the 'postgres' OS user cannot enter {parent}; pass a base_dir "
                                       "it can reach (e.g. /tmp)")
        path = Path(tempfile.mkdtemp(prefix="civicmod-pg-", dir=self.base_dir))
        if self._os_user is not None:
            os.chown(path, self._os_user.pw_uid, self._os_user.pw_gid)
        return path

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self, timeout_s: float = 60) -> str:
        """initdb, start postgres, create :attr:`dbname`; return its SQLAlchemy URL."""
        if self._proc is not None:
            raise LocalPgError("already started")
        self.bin_dir = self.bin_dir or find_bin_dir()
        if not _has_server(self.bin_dir):
            raise PgNotInstalled(f"{_INSTALL_HINT} ({self.bin_dir} lacks initdb, pg_ctl or postgres)")
        self.dir = self._prepare_dir()
        atexit.register(self.stop)
        try:
            out = self._tool("initdb", "-D", "data", "-U", self.user, "--auth=trust", "--encoding=UTF8",
                             "--no-locale", "--no-sync", "--no-instructions")
            if out.returncode != 0:
                raise LocalPgError(f"initdb failed ({out.returncode}): {(out.stderr or out.stdout)[-2000:]}")
            for _attempt in range(3):  # the free port may be taken before postgres binds it
                if self._launch(timeout_s):
                    break
            else:
                raise LocalPgError(f"postgres could not bind a free port: {self._log_tail()}")
            self._url = create_database(self.server_url(), self.dbname)
        except BaseException:
            self.stop()
            raise
        return self._url

    def _launch(self, timeout_s: float) -> bool:
        """Start postgres on a fresh port and wait for it; False if the port was taken meanwhile."""
        assert self.dir is not None and self.bin_dir is not None
        self.port = free_port()
        log = open(self.dir / "postgres.log", "wb")  # noqa: SIM115  (the child keeps it)
        try:
            self._proc = subprocess.Popen(
                [str(self.bin_dir / "postgres"), "-D", "data", "-p", str(self.port),
                 "-c", "listen_addresses=127.0.0.1", "-c", f"unix_socket_directories={self.dir}",
                 "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, cwd=self.dir,
                env=self._env(), start_new_session=True, **self._run_as())
        finally:
            log.close()
        deadline = time.monotonic() + timeout_s
        while True:
            code = self._proc.poll()
            if code is not None:
                self._proc = None
                if "could not bind" in self._log_tail():
                    return False
                raise LocalPgError(f"postgres exited with {code}: {self._log_tail()}")
            try:
                with psycopg.connect(host="127.0.0.1", port=self.port, user=self.user, dbname="postgres",
                                     connect_timeout=2):
                    return True
            except psycopg.OperationalError as exc:
                if time.monotonic() > deadline:
                    raise LocalPgError(f"postgres did not accept connections within {timeout_s}s: "
                                       f"{exc}; {self._log_tail()}") from None
            time.sleep(0.05)

    def _log_tail(self) -> str:
        log = self.dir / "postgres.log" if self.dir else None
        return log.read_text(errors="replace")[-2000:] if log and log.is_file() else "(no log)"

    def server_url(self) -> str:
        """The URL of the maintenance database ``postgres`` (for administration)."""
        if self.port is None:
            raise LocalPgError("not started")
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/postgres"

    def url(self) -> str:
        """The SQLAlchemy URL of :attr:`dbname`, created by :meth:`start`."""
        if self._url is None:
            raise LocalPgError("not started")
        return self._url

    def create_database(self, name: str) -> str:
        """Create the empty database ``name``; return its SQLAlchemy URL."""
        return create_database(self.server_url(), name)

    def stop(self) -> None:
        """``pg_ctl stop -m fast``, then remove the directory. Safe to call twice."""
        atexit.unregister(self.stop)
        proc, self._proc, self._url = self._proc, None, None
        if proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._tool("pg_ctl", "stop", "-D", "data", "-m", "fast", "-w", "-t", "30", timeout=40)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None


@contextlib.contextmanager
def local_postgres(dbname: str = "civicmod", **kwargs: Any) -> Iterator[LocalPostgres]:
    """A started :class:`LocalPostgres` (``.url()`` is ``dbname``'s URL), stopped on exit."""
    pg = LocalPostgres(dbname, **kwargs)
    pg.start()
    try:
        yield pg
    finally:
        pg.stop()


if __name__ == "__main__":  # a cluster for a development session: python -m civicmod.dev.localpg
    with local_postgres() as _pg:
        print(_pg.url(), flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            while True:
                time.sleep(3600)
