"""Console load: escalations ingested per second into SQLite and PostgreSQL, and claim + decide
latency with concurrent simulated moderators over real HTTP, the outbox relay publishing to a
real broker.

Per database (SQLite: a file in a scratch dir; PostgreSQL: ``--pg-url``, a server URL whose user
may create databases, else a throwaway cluster from civicmod.dev.localpg), each pass on a fresh
database:

(a) ingest, DB-bound: ``Ingest.apply`` on batches of ``console.ingest_batch`` (500) escalation
    records (decode, validate, dedupe look-up, bulk insert, one transaction per batch).
    Baseline in the same run: a plain bulk INSERT of the same rows (precomputed column values,
    one executemany per batch): what the database itself does.
    The same for ``--n`` published verdicts, which the console keeps as thread context.
(b) ingest through the broker: a backlog of ``--n`` verdicts on moderation.escalations read and
    stored by the console's consumer (``Ingest.run``, in this process; it joined its group
    before the verdicts were produced, and is timed from its restart until all are stored).
(c) decisions: a real ``civicmod console serve`` process (uvicorn; its relay publishing to the
    broker) on a store of ``--items`` open items; ``--moderators`` simulated moderators
    (aiohttp, one session each, logged in once) loop POST /api/queues/{queue}/next then POST
    /api/items/{id}/decide for ``--duration`` s, in two load models: closed loop (no pause:
    the saturation throughput, where latency is mostly queueing: moderators / throughput) and
    paced (each moderator pauses ``--think`` s on average between rounds, as one reading the
    comment would; 1 s and 5 s by default). Reported: decide p50/p99/max, claim (next)
    p50/p99, the whole round, and decisions/s. Baseline, interleaved with it under the same
    load model: the same clients doing a bare authenticated GET /api/me round trip.
    Afterwards: how long the relay took to empty the outbox, and that
    ``moderation.decisions`` holds each decision once.

Medians over ``--repeat`` passes; ratios against the baseline measured in the same run.
Run (starts its own broker unless ``--bootstrap`` or KAFKA_BOOTSTRAP_SERVERS is given)::

    .venv/bin/python bench/console_load.py [--db sqlite,postgresql] [--n 5000] [--moderators 50]
        [--duration 15] [--repeat 3]

Goals (the console issue): ingest >= 2,000 escalations/s, decide p99 <= 100 ms. Broker, console,
database and load generator share the machine's CPUs: figures are for the whole box.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import yaml
from benchkit import cpu_s as _cpu_s  # bench/ is on sys.path when run as a script
from benchkit import local_broker, pct
from benchkit import log as _log

from civicmod.contract import topics as T
from civicmod.contract.console_settings import ConsoleSettings
from civicmod.contract.records import Author, ClassifierInfo, Comment, Escalation, Reason, Verdict
from civicmod.dev.localkafka import free_port
from streams.kafka.admin import ensure_topics

PASSWORD = "bench-password-long-enough"
QUEUES = ("default", "safety", "spam", "hate")
TEXTS = ["You lot at the council are a bunch of crooks and I know where you park",
         "Typical useless response, someone should sort you out properly",
         "This is a scam, send your bank details to claim the rebate",
         "Go back to where you came from, nobody wants you here"]


def verdict(run: str, i: int, queues: int = 1) -> Verdict:
    at = datetime.now(UTC) - timedelta(seconds=10)
    comment = Comment(id=f"facebook:{run}_{i}", platform="facebook", account_id="page:bench",
                      author=Author(id=f"{10_000 + i % 997}", handle=f"resident{i % 997}"),
                      text=f"{TEXTS[i % len(TEXTS)]} ({i})", received_at=at,
                      thread_id=f"facebook:{run}_t{i % 50}", url=f"https://facebook.com/{run}_{i}")
    return Verdict(comment=comment, outcome="escalate", policy_version="bench-1",
                   reasons=[Reason(source="rule", id="abuse.threat", label="Possible threat",
                                   action="escalate", spans=[(0, 12)], policy="abuse.threat"),
                            Reason(source="model", id="toxicity", label="Toxicity", score=0.71)],
                   classifier=ClassifierInfo(name="detoxify", version="bench"),
                   scores={"toxicity": 0.71, "threat": 0.4}, timings_ms={"rules": 0.3, "model": 4.1},
                   decided_at=at, escalation=Escalation(queue=QUEUES[i % queues], priority=5))


def raw_records(run: str, n: int, queues: int = 1, published: bool = False
                ) -> list[tuple[str, int, int, bytes | None, bytes | None]]:
    """``n`` escalation records (``published``: the same comments as published verdicts)."""
    out = []
    for i in range(n):
        v = verdict(run, i, queues)
        topic = T.ESCALATIONS
        if published:
            v, topic = v.model_copy(update={"outcome": "publish", "escalation": None}), T.PUBLISHED
        out.append((topic, i % 6, i, v.comment.id.encode(), v.to_json()))
    return out


# -- databases ----------------------------------------------------------------------------------------
class Databases:
    """Fresh, empty databases: SQLite files in the scratch dir, PostgreSQL databases on one server."""

    def __init__(self, work: Path, stack: ExitStack, pg_url: str | None, want_pg: bool) -> None:
        self.work = work
        self.n = 0
        self.pg_server: str | None = None
        if want_pg:
            if pg_url:
                self.pg_server = pg_url
            else:
                from civicmod.dev.localpg import LocalPostgres

                pg = LocalPostgres(dbname="bench")  # in /tmp: its server runs as the postgres user
                _log("starting a local PostgreSQL...")
                pg.start()
                stack.callback(pg.stop)
                self.pg_server = pg.server_url()

    def fresh(self, kind: str) -> str:
        self.n += 1
        if kind == "sqlite":
            return f"sqlite:///{self.work}/console-{self.n}.db"
        from civicmod.dev.localpg import create_database

        assert self.pg_server is not None
        return create_database(self.pg_server, f"bench_{uuid.uuid4().hex[:8]}_{self.n}")


def _database(url: str):  # type: ignore[no-untyped-def]
    from streams.console.db import Database

    db = Database(url)
    db.setup()
    return db


# -- (a) Ingest.apply against a plain bulk insert --------------------------------------------------
def ingest_apply(url: str, records: list, batch: int) -> float:
    from streams.console.ingest import Ingest

    db = _database(url)
    try:
        ingest = Ingest(db, ConsoleSettings(), "unused:9092")
        t0 = time.perf_counter()
        for i in range(0, len(records), batch):
            dead, _ = ingest.apply(records[i:i + batch])
            assert not dead, dead[:1]
        took = time.perf_counter() - t0
        assert ingest.stats.new + ingest.stats.context == len(records), ingest.stats
        return len(records) / took
    finally:
        db.dispose()


def bulk_insert(url: str, records: list, batch: int) -> float:
    """The baseline: the same rows, values computed beforehand, one executemany per batch."""
    from streams.console.db import now
    from streams.console.ingest import item_values
    from streams.console.models import Item

    db = _database(url)
    try:
        cs = ConsoleSettings()
        rows = [item_values(Verdict.model_validate_json(r[4]), cs, now()) for r in records]
        table = Item.__table__
        t0 = time.perf_counter()
        for i in range(0, len(rows), batch):
            with db.tx() as s:
                s.connection().execute(table.insert(), rows[i:i + batch])
        return len(rows) / (time.perf_counter() - t0)
    finally:
        db.dispose()


# -- (b) through the broker -----------------------------------------------------------------------
def ingest_through_broker(url: str, bootstrap: str, n: int, batch: int) -> tuple[float, float]:
    """(escalations/s the console's consumer reads and stores a backlog of ``n`` at, producer
    records/s). The consumer joins its group first (one record), stops, ``n`` verdicts are
    produced, and it starts again (static membership: it takes its partitions back at once);
    timed from that start until all are stored."""
    from sqlalchemy import func, select

    from streams.console.ingest import Ingest, instance_id
    from streams.console.models import Item
    from streams.kafka.client import producer

    prefix = f"cbench{uuid.uuid4().hex[:6]}."
    ensure_topics(bootstrap, 6, 1, prefix)
    db = _database(url)
    cs = ConsoleSettings(group_id=f"bench-{prefix}", ingest_batch=batch)

    def stored() -> int:
        with db.read() as s:
            return int(s.scalar(select(func.count()).select_from(Item)) or 0)

    def consume() -> Callable[[], None]:
        ingest = Ingest(db, cs, bootstrap, prefix, instance_id=instance_id(cs.group_id, 0))
        loop = asyncio.new_event_loop()
        stopping = asyncio.Event()
        thread = threading.Thread(target=loop.run_until_complete, args=(ingest.run(stopping),), daemon=True)
        thread.start()

        def stop() -> None:
            loop.call_soon_threadsafe(stopping.set)
            thread.join(timeout=30)
        return stop

    try:
        run = uuid.uuid4().hex[:6]
        prod = producer(bootstrap, retries=2**31 - 1, batch_size=256 * 1024)
        warm = verdict(run, -1)
        prod.send(prefix + T.ESCALATIONS, key=warm.comment.id.encode(), value=warm.to_json())
        prod.flush()
        stop = consume()
        try:
            _wait(lambda: stored() == 1, 120, "the consumer to join and catch up")
        finally:
            stop()
        values = [(v.comment.id.encode(), v.to_json()) for v in (verdict(run, i) for i in range(n))]
        t0 = time.perf_counter()
        for key, value in values:
            prod.send(prefix + T.ESCALATIONS, key=key, value=value)
        prod.flush()
        produced = n / (time.perf_counter() - t0)
        prod.close()
        t0 = time.perf_counter()
        stop = consume()
        try:
            _wait(lambda: stored() == n + 1, 300, lambda: f"{stored() - 1}/{n} stored")
            return n / (time.perf_counter() - t0), produced
        finally:
            stop()
    finally:
        db.dispose()


def _wait(predicate: Callable[[], bool], timeout_s: float, what: object) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out: {what() if callable(what) else what}")
        time.sleep(0.05)


# -- (c) decisions over HTTP --------------------------------------------------------------------------
def prepare_store(url: str, items: int, moderators: int, queues: int) -> list[str]:
    """Fill a fresh store with open items and moderators (one password hash, copied)."""
    from streams.console.auth import HASHER
    from streams.console.db import now
    from streams.console.ingest import Ingest
    from streams.console.models import Grant, User

    db = _database(url)
    try:
        ingest = Ingest(db, ConsoleSettings(), "unused:9092")
        records = raw_records(uuid.uuid4().hex[:6], items, queues)
        for i in range(0, len(records), 1000):
            ingest.apply(records[i:i + 1000])
        hashed = HASHER.hash(PASSWORD)
        names = [f"mod{i:03d}" for i in range(moderators)]
        with db.tx() as s:
            for name in names:
                user = User(username=name, display_name=name, password_hash=hashed, disabled=False,
                            created_at=now(), auth_epoch=0)
                s.add(user)
                s.flush()
                s.add(Grant(user_id=user.id, role="moderator", created_at=now()))
        return names
    finally:
        db.dispose()


@dataclass
class Pass:
    kind: str  # "get" (the baseline) | "decide"
    #: Mean pause of each moderator between rounds (exponential), s; 0: closed loop (saturation).
    think: float = 0.0
    #: How long to run (None: the pass's default); warm-up passes are short.
    planned: float | None = None
    seconds: float = 0.0
    rounds: list[float] = field(default_factory=list)
    claims: list[float] = field(default_factory=list)
    decides: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    empty: int = 0
    cpu_s: float | None = None

    @property
    def rate(self) -> float:
        n = len(self.decides) if self.kind == "decide" else len(self.rounds)
        return n / self.seconds if self.seconds else 0.0

    @property
    def latencies(self) -> list[float]:
        return self.decides if self.kind == "decide" else self.rounds


class Mod:
    def __init__(self, name: str) -> None:
        self.name = name
        self.headers: dict[str, str] = {}


async def _login(session: aiohttp.ClientSession, base: str, mod: Mod) -> None:
    async with session.post(base + "/api/login", json={"username": mod.name, "password": PASSWORD}) as r:
        assert r.status == 200, (r.status, await r.text())
        body = await r.json()
        cookie = r.cookies["civicmod_session"].value
    mod.headers = {"Cookie": f"civicmod_session={cookie}", "X-CSRF-Token": body["csrf"]}


async def _round(session: aiohttp.ClientSession, base: str, mod: Mod, queue: str, res: Pass) -> None:
    t0 = time.perf_counter()
    if res.kind == "get":
        async with session.get(base + "/api/me", headers=mod.headers) as r:
            await r.read()
            status = r.status
        if status == 200:
            res.rounds.append(time.perf_counter() - t0)
        else:
            res.errors[f"GET {status}"] += 1
        return
    async with session.post(f"{base}/api/queues/{queue}/next", headers=mod.headers) as r:
        body = await r.json() if r.status == 200 else None
        status = r.status
    t1 = time.perf_counter()
    if body is None:
        res.errors[f"next {status}"] += 1
        return
    if body["next"] is None:
        res.empty += 1
        await asyncio.sleep(0.05)
        return
    res.claims.append(t1 - t0)
    async with session.post(f"{base}/api/items/{body['next']}/decide", headers=mod.headers,
                            json={"action": "hide", "reason_code": "spam"}) as r:
        await r.read()
        status = r.status
    t2 = time.perf_counter()
    if status == 200:
        res.decides.append(t2 - t1)
        res.rounds.append(t2 - t0)
    else:
        res.errors[f"decide {status}"] += 1


async def _moderator(session: aiohttp.ClientSession, base: str, mod: Mod, queue: str, stop_at: float,
                     res: Pass, rng: random.Random) -> None:
    if res.think:  # moderators do not start in step
        await asyncio.sleep(rng.uniform(0, res.think))
    while time.perf_counter() < stop_at:
        await _round(session, base, mod, queue, res)
        if res.think:
            await asyncio.sleep(min(rng.expovariate(1 / res.think), max(0.0, stop_at - time.perf_counter())))


async def _passes(base: str, names: list[str], plan: list[Pass], duration: float, queues: int,
                  pid: int) -> None:
    mods = [Mod(n) for n in names]
    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=60)
    rng = random.Random(7)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        for i in range(0, len(mods), 4):  # argon2 takes 64 MiB a login: a few at a time
            await asyncio.gather(*(_login(session, base, m) for m in mods[i:i + 4]))
        for res in plan:
            seconds = res.planned or (duration if res.kind == "decide" else max(3.0, duration / 3))
            cpu0 = _cpu_s(pid)
            t0 = time.perf_counter()
            await asyncio.gather(*(_moderator(session, base, m, QUEUES[i % queues], t0 + seconds, res, rng)
                                   for i, m in enumerate(mods)))
            res.seconds = time.perf_counter() - t0
            cpu1 = _cpu_s(pid)
            res.cpu_s = None if cpu0 is None or cpu1 is None else cpu1 - cpu0
            lat = res.latencies
            mode = f"think {res.think:g} s" if res.think else "closed"
            _log(f"    {res.kind:>6} {mode:>12}: {res.rate:6.0f}/s  p50 {pct(lat, .5) * 1000:7.1f} ms  "
                 f"p99 {pct(lat, .99) * 1000:7.1f} ms  max {max(lat, default=0) * 1000:6.0f} ms"
                 f"  errors {dict(res.errors) or '-'}  empty {res.empty}")


def decisions(url: str, bootstrap: str, work: Path, args: argparse.Namespace) -> tuple[list[Pass], dict]:
    from sqlalchemy import func, select

    from streams.console.db import Database
    from streams.console.models import DecisionRow, OutboxRow

    names = prepare_store(url, args.items, args.moderators, args.queues)
    prefix = f"cbench{uuid.uuid4().hex[:6]}."
    ensure_topics(bootstrap, 6, 1, prefix)
    port = free_port()
    config = work / f"console-{port}.yaml"
    config.write_text(yaml.safe_dump({
        "kafka": {"bootstrap_servers": bootstrap, "topic_prefix": prefix},
        "console": {"database_url": url, "port": port, "group_id": f"bench-{prefix}"}}))
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("CIVICMOD") and k != "KAFKA_BOOTSTRAP_SERVERS"}
    env["PYTHONUNBUFFERED"] = "1"
    log = work / f"console-{port}.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "civicmod.cli", "console", "serve", "--config",
                                 str(config)], env=env, stdout=out, stderr=subprocess.STDOUT, cwd=work,
                                start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    db = Database(url)
    try:
        _wait(lambda: _ready(base), 120, lambda: log.read_text(errors="replace")[-2000:])
        plan: list[Pass] = []
        for _ in range(args.repeat):
            for think in (0.0, *args.think):
                plan += [Pass("get", think), Pass("decide", think)]
        warm = [Pass("get", 0.0, 2.0), Pass("decide", 0.0, 3.0)] if args.warmup else []
        asyncio.run(_passes(base, names, warm + plan, args.duration, args.queues, proc.pid))

        def backlog() -> int:
            with db.read() as s:
                return int(s.scalar(select(func.count()).select_from(OutboxRow)
                                    .where(OutboxRow.published_at.is_(None))) or 0)

        t0 = time.perf_counter()
        left = backlog()
        _wait(lambda: backlog() == 0, 300, "the outbox to drain")
        drain = time.perf_counter() - t0
        with db.read() as s:
            made = set(s.scalars(select(DecisionRow.id)))
        on_topic = Counter(_decision_ids(bootstrap, prefix + T.DECISIONS))
        extra = {"backlog_at_end": left, "drain_s": drain, "decisions": len(made),
                 "on_topic": sum(on_topic.values()),
                 "exactly_once": set(on_topic) == made and set(on_topic.values()) <= {1}}
        return plan, extra
    finally:
        db.dispose()
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()


def _ready(base: str) -> bool:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(base + "/readyz", timeout=2) as resp:
            return resp.status == 200
    except (urllib.error.HTTPError, OSError):
        return False


def _decision_ids(bootstrap: str, topic: str) -> list[str]:
    import json

    from kafka import KafkaConsumer, TopicPartition

    cons = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False,
                         isolation_level="read_committed", fetch_max_wait_ms=100)
    try:
        tps = [TopicPartition(topic, p) for p in sorted(cons.partitions_for_topic(topic) or ())]
        cons.assign(tps)
        cons.seek_to_beginning(*tps)
        ends = cons.end_offsets(tps)
        out = []
        while any(cons.position(tp) < ends[tp] for tp in tps):
            for batch in cons.poll(timeout_ms=200).values():
                out += [json.loads(r.value)["decision_id"] for r in batch]
        return out
    finally:
        cons.close()


# -- main ---------------------------------------------------------------------------------------------
def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bootstrap", default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS"))
    ap.add_argument("--pg-url", default=os.environ.get("CIVICMOD_TEST_PG_URL"),
                    help="a PostgreSQL server URL whose user may create databases (default: a local cluster)")
    ap.add_argument("--db", default="sqlite,postgresql", help="which stores: sqlite, postgresql or both")
    ap.add_argument("--n", type=int, default=5000, help="escalations per ingest pass")
    ap.add_argument("--batch", type=int, default=500, help="records per ingest batch (console.ingest_batch)")
    ap.add_argument("--moderators", type=int, default=50)
    ap.add_argument("--queues", type=int, default=4, help="queues the moderators are spread over (1-4)")
    ap.add_argument("--items", type=int, default=20_000, help="open items in the store for (c)")
    ap.add_argument("--duration", type=float, default=15.0, help="seconds per decision pass")
    ap.add_argument("--think", type=lambda v: [float(x) for x in v.split(",") if x], default=[1.0, 5.0],
                    help="mean pauses of a moderator between decisions in the paced passes (s), "
                         "comma-separated: one paced pass per value")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--skip", default="", help="parts to skip: apply,broker,decide")
    ap.add_argument("--no-warmup", dest="warmup", action="store_false")
    args = ap.parse_args()
    kinds = [k.strip() for k in args.db.split(",") if k.strip()]
    skip = set(args.skip.split(","))
    work = Path(tempfile.mkdtemp(prefix="civicmod-consolebench-"))
    report: dict[str, dict[str, Any]] = {}
    load_before = os.getloadavg()[0]
    with ExitStack() as stack:
        stack.callback(shutil.rmtree, work, True)
        bootstrap = args.bootstrap
        if not bootstrap and not {"broker", "decide"} <= skip:
            bootstrap = local_broker(stack, work)
        dbs = Databases(work, stack, args.pg_url, "postgresql" in kinds)
        for kind in kinds:
            r: dict[str, Any] = report.setdefault(kind, {})
            if "apply" not in skip:
                records = raw_records(uuid.uuid4().hex[:6], args.n)
                ingest_apply(dbs.fresh(kind), records[:1000], args.batch)  # warm-up
                applied, baseline, context = [], [], []
                for i in range(args.repeat):
                    records = raw_records(uuid.uuid4().hex[:6], args.n)
                    baseline.append(bulk_insert(dbs.fresh(kind), records, args.batch))
                    applied.append(ingest_apply(dbs.fresh(kind), records, args.batch))
                    published = raw_records(uuid.uuid4().hex[:6], args.n, published=True)
                    context.append(ingest_apply(dbs.fresh(kind), published, args.batch))
                    _log(f"{kind} (a) pass {i + 1}: Ingest.apply {applied[-1]:,.0f}/s, "
                         f"bulk INSERT {baseline[-1]:,.0f}/s, published as context {context[-1]:,.0f}/s")
                r["apply"], r["insert"] = statistics.median(applied), statistics.median(baseline)
                r["context"] = statistics.median(context)
            if "broker" not in skip:
                e2e, prod = [], []
                for i in range(args.repeat):
                    rate, produced = ingest_through_broker(dbs.fresh(kind), bootstrap, args.n, args.batch)
                    e2e.append(rate)
                    prod.append(produced)
                    _log(f"{kind} (b) pass {i + 1}: {rate:,.0f}/s end to end (producer alone "
                         f"{produced:,.0f}/s)")
                r["e2e"], r["produce"] = statistics.median(e2e), statistics.median(prod)
            if "decide" not in skip:
                _log(f"{kind} (c): {args.moderators} moderators, {args.items:,} items, "
                     f"{args.queues} queue(s)")
                r["passes"], r["relay"] = decisions(dbs.fresh(kind), bootstrap, work, args)
    _print(report, args, (load_before, os.getloadavg()[0]))
    return 0 if all(r.get("relay", {}).get("exactly_once", True) for r in report.values()) else 1


def _print(report: dict[str, dict[str, Any]], args: argparse.Namespace, load: tuple[float, float]) -> None:
    print(f"\nConsole load, {platform.node()} ({os.cpu_count()} CPUs, Python {platform.python_version()}), "
          f"medians of {args.repeat} passes; 1-min load average {load[0]:.1f} before, {load[1]:.1f} after\n")
    if any("apply" in r or "e2e" in r for r in report.values()):
        print(f"Ingest ({args.n:,} escalations per pass, batches of {args.batch}; goal >= 2,000/s)\n")
        print("| store | Ingest.apply /s | bulk INSERT /s (baseline) | vs baseline "
              "| backlog through the broker /s | producer alone /s | published kept as context /s |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for kind, r in report.items():
            a, b = r.get("apply"), r.get("insert")
            print(f"| {kind} | {_n(a)} | {_n(b)} | {f'{a / b:.2f}×' if a and b else '-'} "
                  f"| {_n(r.get('e2e'))} | {_n(r.get('produce'))} | {_n(r.get('context'))} |")
    if any("passes" in r for r in report.values()):
        print(f"\nDecisions ({args.moderators} moderators over HTTP, {args.queues} queue(s), "
              f"{args.duration:.0f} s passes; closed loop = no pause between rounds (saturation), "
              f"paced (t) = each moderator pauses t s on average (exponential) between "
              f"rounds; goal: decide p99 <= 100 ms)\n")
        print("| store | load | decisions/s | decide p50 ms | decide p99 ms | decide max ms "
              "| claim p50 / p99 ms | claim+decide p50 / p99 ms | GET /api/me p50 / p99 ms (baseline) "
              "| decide p50 vs baseline | console CPU ms/decision | errors |")
        print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
        for kind, r in report.items():
            if "passes" not in r:
                continue
            for think in sorted({p.think for p in r["passes"]}):
                dec = [p for p in r["passes"] if p.kind == "decide" and p.think == think]
                get = [p for p in r["passes"] if p.kind == "get" and p.think == think]

                def med(ps: list[Pass], attr: str, q: float) -> float:
                    return statistics.median(pct(getattr(p, attr), q) for p in ps) * 1000

                errors = sum((p.errors for p in dec + get), Counter())
                cpu = [p.cpu_s * 1000 / len(p.decides) for p in dec if p.cpu_s is not None and p.decides]
                load = f"paced ({think:g} s)" if think else "closed loop"
                print(f"| {kind} | {load} | {statistics.median(p.rate for p in dec):,.0f} "
                      f"| {med(dec, 'decides', .5):.1f} | {med(dec, 'decides', .99):.1f} "
                      f"| {max(max(p.decides, default=0) for p in dec) * 1000:.0f} "
                      f"| {med(dec, 'claims', .5):.1f} / {med(dec, 'claims', .99):.1f} "
                      f"| {med(dec, 'rounds', .5):.1f} / {med(dec, 'rounds', .99):.1f} "
                      f"| {med(get, 'rounds', .5):.1f} / {med(get, 'rounds', .99):.1f} "
                      f"| {med(dec, 'decides', .5) / med(get, 'rounds', .5):.1f}× "
                      f"| {statistics.median(cpu) if cpu else float('nan'):.1f} | {dict(errors) or '-'} |")
        for kind, r in report.items():
            if "relay" in r:
                x = r["relay"]
                print(f"\n{kind}: outbox backlog when the load stopped {x['backlog_at_end']:,} records, "
                      f"drained in {x['drain_s']:.1f} s; {x['decisions']:,} decisions, "
                      f"{x['on_topic']:,} on moderation.decisions "
                      f"({'each exactly once' if x['exactly_once'] else 'NOT exactly once'})")


def _n(v: float | None) -> str:
    return f"{v:,.0f}" if v else "-"


if __name__ == "__main__":
    sys.exit(main())
