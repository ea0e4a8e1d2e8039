"""The console as an operator runs it, for the Kafka tests: a real ``civicmod console serve``
process (configured by a YAML file of the test's own: topic prefix, database, port, consumer
group), verdicts and platform state records to feed it, moderators that work its HTTP API from
threads, a reader of whole topics, and a look into the store.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import yaml
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.pool import NullPool

from civicmod.contract.records import (
    Author,
    ClassifierInfo,
    Comment,
    CommentState,
    Escalation,
    Reason,
    Verdict,
)
from civicmod.dev.localkafka import free_port

PASSWORD = "correct-horse-battery-staple"
#: The queues of the test consoles: moderators work all but ``takedown`` (its comments are removed
#: on the platform before anyone decides them).
QUEUES = {"default": 240, "safety": 15, "spam": 240, "auto_hidden": 1440, "takedown": 60}
WORKED = ("safety", "default", "spam", "auto_hidden")


# -- records ----------------------------------------------------------------------------------------
def escalation(run: str, i: int, queue: str = "default", *, text: str | None = None, hold: bool = False,
               priority: int = 5, at: datetime | None = None) -> Verdict:
    """An escalation verdict of comment ``generic:<run>-<i>``."""
    at = at or datetime.now(UTC)
    comment = Comment(id=f"generic:{run}-{i}", platform="generic", account_id="web:city",
                      author=Author(id=f"resident-{i % 97}", handle=f"resident{i % 97}"),
                      text=text if text is not None else f"Comment {i}: the council should resign over this",
                      received_at=at - timedelta(seconds=1), thread_id=f"generic:{run}-thread-{i % 13}")
    return Verdict(comment=comment, outcome="escalate", policy_version="test-1",
                   reasons=[Reason(source="rule", id="abuse.threat", label="Possible threat",
                                   action="escalate", spans=[(0, 7)])],
                   classifier=ClassifierInfo(name="test", version="1"), scores={"toxicity": 0.61},
                   decided_at=at, escalation=Escalation(queue=queue, priority=priority, hold=hold))


def hidden(run: str, i: int) -> Verdict:
    """An auto-hide verdict of comment ``generic:<run>-h<i>``."""
    v = escalation(run, i)
    comment = v.comment.model_copy(update={"id": f"generic:{run}-h{i}"})
    return v.model_copy(update={"comment": comment, "outcome": "hide", "escalation": None})


def removal(comment_id: str, verb: str = "remove") -> CommentState:
    return CommentState(comment_id=comment_id, platform="generic", account_id="web:city", verb=verb,  # type: ignore[arg-type]
                        received_at=datetime.now(UTC))


# -- the process --------------------------------------------------------------------------------------
def write_config(path: Path, *, bootstrap: str, prefix: str, database_url: str, port: int, group_id: str,
                 **console: Any) -> Path:
    data = {"kafka": {"bootstrap_servers": bootstrap, "topic_prefix": prefix},
            "console": {"database_url": database_url, "port": port, "group_id": group_id,
                        "queues": {q: {"sla_minutes": m} for q, m in QUEUES.items()}, **console}}
    path.write_text(yaml.safe_dump(data))
    return path


@dataclass
class ConsoleProcess:
    """``civicmod console serve --config <config>``, started, killed and restarted by the test."""

    config: Path
    port: int
    log_dir: Path
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @classmethod
    def configure(cls, tmp: Path, *, bootstrap: str, prefix: str, database_url: str,
                  **console: Any) -> ConsoleProcess:
        port = free_port()
        config = write_config(tmp / "civicmod.yaml", bootstrap=bootstrap, prefix=prefix,
                              database_url=database_url, port=port, group_id=f"console-{prefix}",
                              **console)
        return cls(config, port, tmp)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def proc(self) -> subprocess.Popen[bytes] | None:
        return self.procs[-1] if self.procs else None

    def start(self, wait_s: float = 90, ingest: bool = True) -> ConsoleProcess:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("CIVICMOD") and k != "KAFKA_BOOTSTRAP_SERVERS"}
        env["PYTHONUNBUFFERED"] = "1"
        log = open(self.log_dir / f"console-{len(self.procs)}.log", "wb")  # noqa: SIM115
        proc = subprocess.Popen([sys.executable, "-m", "civicmod.cli", "console", "serve", "--config",
                                 str(self.config)], env=env, stdout=log, stderr=subprocess.STDOUT,
                                cwd=self.log_dir)
        log.close()
        self.procs.append(proc)
        self.wait_ready(wait_s, ingest=ingest)
        return self

    def health(self) -> dict[str, Any] | None:
        try:
            r = httpx.get(self.url + "/healthz", timeout=5)
            return r.json() if r.status_code == 200 else None
        except httpx.HTTPError:
            return None

    def wait_ready(self, wait_s: float = 90, ingest: bool = True) -> dict[str, Any]:
        deadline = time.monotonic() + wait_s
        while True:
            proc = self.proc
            assert proc is not None and proc.poll() is None, f"the console exited\n{self.logs()}"
            h = self.health()
            if h is not None and h["ready"] and (not ingest or h.get("ingest", {}).get("connected")):
                return h
            assert time.monotonic() < deadline, f"the console was not ready in {wait_s}s\n{self.logs()}"
            time.sleep(0.2)

    def kill(self) -> None:
        proc = self.proc
        assert proc is not None and proc.poll() is None, self.logs()
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)

    def terminate(self, timeout_s: float = 60) -> int:
        """SIGTERM; the exit status (the process is killed if it outlives ``timeout_s``)."""
        proc = self.proc
        if proc is None or proc.poll() is not None:
            return proc.returncode if proc is not None else 0
        proc.send_signal(signal.SIGTERM)
        try:
            return proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise AssertionError(f"the console did not stop on SIGTERM in {timeout_s}s\n"
                                 f"{self.logs()}") from None

    def logs(self, tail: int = 4000) -> str:
        return "\n".join(f"--- {p.name}\n" + p.read_text(errors="replace")[-tail:]
                         for p in sorted(self.log_dir.glob("console-*.log")))

    def log_lines(self) -> list[dict[str, Any]]:
        out = []
        for p in sorted(self.log_dir.glob("console-*.log")):
            for line in p.read_text(errors="replace").splitlines():
                if line.startswith("{"):
                    out.append(json.loads(line))
        return out


# -- users and moderators -----------------------------------------------------------------------------
def add_users(database_url: str, names: Iterable[str], role: str = "moderator") -> None:
    """Create users (global ``role``, password :data:`PASSWORD`) in the console's database, as
    ``civicmod console add-user`` does (and the schema, if it is not there yet)."""
    from civicmod.contract.console_settings import ConsoleSettings
    from streams.console.auth import Auth
    from streams.console.db import Database

    db = Database(database_url)
    try:
        db.setup()
        auth = Auth(db, ConsoleSettings())
        for name in names:
            auth.create_user(None, name, name, PASSWORD, [(role, None, None)])
    finally:
        db.dispose()


class Moderator:
    """One moderator working the console's HTTP API: log in once, then claim the next item of a
    queue and decide it, again and again. Requests the console could not answer (it was killed)
    are counted, never retried blindly: what was done is read back from the store."""

    def __init__(self, base_url: str, username: str) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=30)
        self.username = username
        self.csrf = ""
        #: decision id → item id, for every decision the console acknowledged (200).
        self.decided: dict[str, int] = {}
        self.statuses: Counter[int] = Counter()
        self.unanswered = 0
        self.latencies: list[float] = []

    def login(self, wait_s: float = 60) -> None:
        deadline = time.monotonic() + wait_s
        while True:
            try:
                r = self.http.post("/api/login", json={"username": self.username, "password": PASSWORD})
                r.raise_for_status()
                self.csrf = r.json()["csrf"]
                return
            except httpx.TransportError:
                assert time.monotonic() < deadline, f"{self.username} could not log in"
                time.sleep(0.3)

    def _post(self, path: str, body: dict[str, Any] | None = None) -> httpx.Response | None:
        try:
            t0 = time.perf_counter()
            r = self.http.post(path, json=body or {}, headers={"X-CSRF-Token": self.csrf})
        except httpx.TransportError:  # killed mid-request, or not listening yet
            self.unanswered += 1
            return None
        self.latencies.append(time.perf_counter() - t0)
        self.statuses[r.status_code] += 1
        return r

    def next(self, queue: str) -> int | None:
        r = self._post(f"/api/queues/{queue}/next")
        return r.json()["next"] if r is not None and r.status_code == 200 else None

    def decide(self, item_id: int, action: str = "hide", reason: str = "spam") -> str | None:
        r = self._post(f"/api/items/{item_id}/decide", {"action": action, "reason_code": reason})
        if r is not None and r.status_code == 200:
            decision_id = r.json()["decision_id"]
            self.decided[decision_id] = item_id
            return decision_id
        return None

    def work(self, stop: threading.Event, queues: Iterable[str] = WORKED, first: int = 0) -> None:
        """Claim and decide until ``stop`` (alternately publish and hide), trying the queues in
        turn from the ``first`` (moderators starting at different queues collide less)."""
        queues = list(queues)
        queues = queues[first % len(queues):] + queues[:first % len(queues)]
        n = 0
        while not stop.is_set():
            took = False
            for queue in queues:
                item = self.next(queue)
                if item is None:
                    continue
                took = True
                n += 1
                if n % 2:
                    self.decide(item, "publish", "no_violation")
                else:
                    self.decide(item, "hide", "spam")
                break
            if not took:
                time.sleep(0.2 if self.unanswered == 0 else 0.3)

    def close(self) -> None:
        self.http.close()


# -- Kafka --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Record:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...]
    timestamp: int = 0

    def json(self) -> Any:
        return json.loads(self.value) if self.value is not None else None


def read_topic(bootstrap: str, topic: str, timeout_s: float = 60) -> list[Record]:
    """Every committed record of ``topic``, read to the end offsets as of now (isolation
    ``read_committed``, as the console's readers use)."""
    from kafka import KafkaConsumer, TopicPartition

    cons = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False,
                         isolation_level="read_committed", fetch_max_wait_ms=100)
    try:
        tps = [TopicPartition(topic, p) for p in sorted(cons.partitions_for_topic(topic) or ())]
        assert tps, f"topic {topic} not found"
        cons.assign(tps)
        cons.seek_to_beginning(*tps)
        ends = cons.end_offsets(tps)
        out: dict[tuple[int, int], Record] = {}  # by position: a record the client hands out twice is one
        deadline = time.monotonic() + timeout_s
        while any(cons.position(tp) < ends[tp] for tp in tps):
            assert time.monotonic() < deadline, f"could not read {topic} to its end"
            for batch in cons.poll(timeout_ms=200).values():
                for r in batch:
                    out[(r.partition, r.offset)] = Record(r.topic, r.partition, r.offset, r.key, r.value,
                                                          tuple((k, v) for k, v in (r.headers or ())),
                                                          r.timestamp)
        return sorted(out.values(), key=lambda r: (r.partition, r.offset))
    finally:
        cons.close()


def producer(bootstrap: str):  # type: ignore[no-untyped-def]
    from streams.kafka.client import producer as make

    return make(bootstrap, retries=2**31 - 1)


# -- the store ----------------------------------------------------------------------------------------
class Store:
    """Reads the console's database from the test (no write lock taken on SQLite)."""

    def __init__(self, url: str) -> None:
        self.engine = create_engine(url, poolclass=NullPool)

    def scalar(self, sql: str, **params: Any) -> Any:
        with self.engine.connect() as conn:
            return conn.execute(text(sql), params).scalar()

    def rows(self, sql: str, **params: Any) -> list[Any]:
        with self.engine.connect() as conn:
            return list(conn.execute(text(sql), params).all())

    def items(self) -> int:
        return self.scalar("SELECT count(*) FROM items")

    def decided(self) -> int:
        return self.scalar("SELECT count(*) FROM items WHERE state = 'decided'")

    def unpublished(self) -> int:
        return self.scalar("SELECT count(*) FROM outbox WHERE published_at IS NULL")

    def decision_ids(self) -> list[str]:
        return [r[0] for r in self.rows("SELECT id FROM decisions")]

    def audit_ok(self) -> bool:
        from sqlalchemy.orm import Session

        from streams.console import audit

        with Session(self.engine) as s:
            v = audit.verify(s)
            assert v.ok, v.problems
            return v.ok

    def count_items_by_comment(self) -> Counter[str]:
        from streams.console.models import Item

        with self.engine.connect() as conn:
            return Counter({cid: n for cid, n in conn.execute(
                select(Item.comment_id, func.count()).group_by(Item.comment_id)).all()})

    def close(self) -> None:
        self.engine.dispose()


def wait_for(predicate, timeout_s: float, what: object, interval_s: float = 0.2) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s}s: {what() if callable(what) else what}")
        time.sleep(interval_s)


def header_row(record: Record) -> str | None:
    for k, v in record.headers:
        if k == "civicmod-outbox":
            return v.decode()
    return None
