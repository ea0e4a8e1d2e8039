"""Drain benchmark: how fast ONE process empties a topic of comments, against what Kafka and
Faust themselves allow on the same box, in the same run (issue #15).

Per pass: a fresh prefix (fresh input topic of 6 partitions, fresh output topic(s), fresh
consumer group), N valid demo comments (``civicmod.comment/1`` as the gateway writes them, key =
comment id) produced *before* the consumer starts; then one consumer process drains them:

- **A** bare aiokafka passthrough: ``getmany``, ``send`` each record without awaiting its ack,
  await the batch's futures, commit per batch;
- **B** bare Faust passthrough: an agent with ``stream.take_events(batch, within)`` and
  ``await topic.send`` per message (civicmod's Faust app class: Faust plus its transport fix,
  no civicmod code on the path);
- **C** the civicmod worker, rules only (``civicmod worker``, classifier backend ``none``);
- **D** the civicmod worker with the offline classifier (``profanity-check``);
- **E** (scale-out; ``--consumers ACE``) two worker processes, rules only, in one consumer group:
  both started at once, so the second usually joins after the first took every partition (one
  rebalance near the start); its "last ¾" rate leaves that out;
- **R** (``--reference-tree DIR``) the worker of C run from an earlier checkout (same
  dependencies), so a change's effect is measured in the same run; each paced pass of C is
  then followed by one of R at the same rate.

Passes are interleaved A B C D, A D C B, … (``--repeat``; A first, the others in reverse order
every other round, so neither the row right after A nor the last one is always the same), after
``--warmup-rounds`` rounds that are not counted (a fresh broker's JIT). Per pass, from the output records read
back: comments/s = (N − 1) / (last − first output record's CreateTime, stamped by the consumer's
producer), and the consumer process's CPU (``/proc/<pid>/stat``) per comment between the moment
the first and the last output record were read back (start-up excluded), and the broker's
(the process listening on the bootstrap port, when it runs on this host) over the same window.
Ratios (C/A, D/C, B/A, E/C, R/A, C/R) are of medians from the same run. Then ``--paced-repeat`` passes
of C paced open loop at ``--paced-fraction`` (0.5) of C's median throughput
(``pipeline_throughput.run_pass``): p50/p99 produce → verdict latency, wall clock in this
process, matched by comment id (the record key).

``--profile FILE`` adds one C pass under py-spy (``--py-spy``; ``pip install --target
/tmp/pyspy py-spy``), attached from the first output record to the last (``--gil``: samples of
the thread holding the GIL, unless ``--profile-all``), writing py-spy's raw collapsed stacks to
FILE (open it in speedscope.app) and a summary (buckets, top self/inclusive) on stderr
(``--profile-summary`` writes it to a file too). ``--profile-only`` skips the measured passes.

Run (starts its own broker unless ``--bootstrap`` or KAFKA_BOOTSTRAP_SERVERS is given)::

    .venv/bin/python bench/drain.py [--n 20000] [--repeat 3] [--skip-faust] [--profile /tmp/c.txt]

Markdown table on stdout, progress on stderr. Broker, consumer and this process share the box.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchkit import cpu_s, local_broker, log  # bench/ is on sys.path when a script in it runs
from pipeline_throughput import (
    PARTITIONS,
    PassResult,
    Worker,
    _drop_topics,
    _uninterrupted,
    run_pass,
    start_worker,
)

from civicmod.contract.topics import DEADLETTER, INCOMING, OUTCOME_TOPICS, PUBLISHED, physical

CONSUMERS = {
    "A": "bare aiokafka passthrough",
    "B": "bare Faust passthrough",
    "C": "civicmod worker, rules only",
    "D": "civicmod worker + profanity-check",
    "E": "2 civicmod workers, rules only (one group)",
    "R": "civicmod worker, rules only, --reference-tree's code",
}
BACKENDS = {"C": "none", "D": "profanity-check", "E": "none", "R": "none"}
#: Worker processes per consumer kind (E: the scale-out row).
PROCESSES = {"E": 2}


# -- the passthrough consumers (run in a child process: ``drain.py --child KIND CONFIG``) ----------
async def _aiokafka_passthrough(cfg: dict[str, Any]) -> None:
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

    cons = AIOKafkaConsumer(cfg["src"], bootstrap_servers=cfg["bootstrap"], group_id=cfg["group"],
                            enable_auto_commit=False, auto_offset_reset="earliest")
    prod = AIOKafkaProducer(bootstrap_servers=cfg["bootstrap"], acks="all", linger_ms=5,
                            enable_idempotence=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await cons.start()
    await prod.start()
    try:
        while not stop.is_set():
            batch = await cons.getmany(timeout_ms=200, max_records=cfg["max_records"])
            futures = [await prod.send(cfg["dst"], key=r.key, value=r.value)
                       for records in batch.values() for r in records]
            if futures:
                await asyncio.gather(*futures)
                await cons.commit()
    finally:
        await prod.stop()
        await cons.stop()


def _faust_passthrough(cfg: dict[str, Any]) -> None:
    import faust

    from streams.kafka.transport import App

    brokers = [f"kafka://{h.strip()}" for h in cfg["bootstrap"].split(",") if h.strip()]
    app = App(cfg["group"], broker=brokers, value_serializer="raw",
              key_serializer="raw", store="memory://", topic_partitions=PARTITIONS,
              topic_allow_declare=False, topic_disable_leader=True, producer_acks=-1,
              producer_linger=0.005, consumer_auto_offset_reset="earliest", web_enabled=False)
    src = app.topic(cfg["src"], key_type=bytes, value_type=bytes)
    dst = app.topic(cfg["dst"], key_type=bytes, value_type=bytes)

    @app.agent(src, name="passthrough")
    async def passthrough(stream: Any) -> None:
        async for events in stream.take_events(cfg["batch"], within=cfg["within"]):
            for event in events:
                await dst.send(key=event.message.key, value=event.message.value)

    faust.Worker(app, loglevel="warning", quiet=True).execute_from_commandline()


def child_main(kind: str, config: str) -> int:
    cfg = json.loads(config)
    if kind == "aiokafka":
        asyncio.run(_aiokafka_passthrough(cfg))
        return 0
    if kind == "faust":
        _faust_passthrough(cfg)
        return 0
    raise SystemExit(f"unknown child kind {kind!r}")


def start_child(kind: str, cfg: dict[str, Any], workdir: Path, name: str) -> Worker:
    logfile = workdir / f"{name}.log"
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    with open(logfile, "wb") as fh:
        proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--child", kind,
                                 json.dumps(cfg)], env=env, stdout=fh, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, cwd=workdir, start_new_session=True)
    return Worker(proc, logfile)


# -- one drain pass ----------------------------------------------------------------------------
@dataclass(frozen=True)
class DrainResult:
    throughput: float  # (N-1) / first→last output CreateTime
    wall_throughput: float  # N / first→last output read back here
    cpu_ms: float  # consumer CPU per comment between first and last output read back
    startup_s: float  # consumer start → first output read back
    duplicates: int
    deadletters: int
    #: (N - N/4) / (last − N/4-th output CreateTime): the rate once every process is in (E)
    steady: float = float("nan")
    #: the broker's CPU per comment over the same window (nan when its process is not found)
    broker_cpu_ms: float = float("nan")


def listener_pid(port: int) -> int | None:
    """The pid of the process listening on TCP ``port`` on this host (the broker), via /proc."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            f = line.split()
            if f[3] == "0A" and int(f[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(f"socket:[{f[9]}]")
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if any(os.readlink(fd) in inodes for fd in (proc / "fd").iterdir()):
                return int(proc.name)
        except OSError:
            continue
    return None


def _create_topics(bootstrap: str, names: list[str]) -> None:
    from kafka import KafkaAdminClient
    from kafka.admin import NewTopic

    admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=30_000)
    try:
        admin.create_topics([NewTopic(n, PARTITIONS, 1) for n in names])
        admin.wait_for_topics(names, timeout_ms=30_000)
    finally:
        admin.close()


class Profiler:
    """py-spy attached to a pid: raw collapsed stacks to ``out`` until :meth:`stop`."""

    def __init__(self, py_spy: str, out: Path, rate: int, gil: bool = True) -> None:
        self.py_spy, self.out, self.rate, self.gil = py_spy, out, rate, gil
        self.log = out.with_name(out.name + ".log")
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, pid: int) -> None:
        self.out.unlink(missing_ok=True)
        with open(self.log, "wb") as fh:
            self.proc = subprocess.Popen(
                [self.py_spy, "record", "--pid", str(pid), "--format", "raw", "--threads",
                 "--rate", str(self.rate), "--output", str(self.out)] + (["--gil"] if self.gil else []),
                stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def stop(self, check: bool = True) -> None:
        """SIGINT py-spy and wait for its file; ``check``: raise if it wrote none."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGINT)  # py-spy writes its output on SIGINT
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if check and not self.out.exists():
            raise RuntimeError(f"py-spy wrote no profile; its log ({self.log}):\n"
                               + self.log.read_text(errors="replace")[-1500:])


def drain_pass(kind: str, bootstrap: str, workdir: Path, items: list[tuple[bytes, bytes]],
               args: argparse.Namespace, profiler: Profiler | None = None) -> DrainResult:
    """Fresh topics and group, N comments pre-produced, one consumer of ``kind`` drains them."""
    from kafka import KafkaConsumer, TopicPartition

    from streams.kafka.client import produce

    run = uuid.uuid4().hex[:8]
    prefix, group = f"drain{run}.", f"civicmod-drain-{run}"
    src = physical(INCOMING, prefix)
    if kind in BACKENDS:
        outputs = [physical(t, prefix) for t in (*OUTCOME_TOPICS.values(), DEADLETTER)]
    else:
        outputs = [physical(PUBLISHED, prefix)]
    n = len(items)
    with ExitStack() as cleanup:
        if not args.keep_topics:
            cleanup.callback(_uninterrupted, lambda: _drop_topics(bootstrap, prefix, group))
        _create_topics(bootstrap, [src, *outputs])
        t = time.monotonic()
        produce(bootstrap, items, src)
        log(f"  {kind}: {n} comments produced to {src} in {time.monotonic() - t:.1f}s")
        extra: list[Worker] = []
        if kind in BACKENDS:
            settings = {"kafka__topic_prefix": prefix, "kafka__partitions": str(PARTITIONS),
                        "worker__app_id": group, "classifier__backend": BACKENDS[kind]}
            src = args.reference_tree if kind == "R" else None
            if kind == "R":  # R: other code, other settings, or both
                settings.update(kv.split("=", 1) for kv in args.reference_settings)
            consumer = start_worker(bootstrap, workdir, f"{kind}-{run}", settings, src)
            extra = [start_worker(bootstrap, workdir, f"{kind}-{run}-{i}", settings)
                     for i in range(1, PROCESSES.get(kind, 1))]
        elif kind == "A":
            consumer = start_child("aiokafka", {"bootstrap": bootstrap, "src": src,
                                                "dst": outputs[0], "group": group,
                                                "max_records": args.max_records},
                                   workdir, f"A-{run}")
        else:
            consumer = start_child("faust", {"bootstrap": bootstrap, "src": src, "dst": outputs[0],
                                             "group": group, "batch": args.faust_batch,
                                             "within": args.faust_within}, workdir, f"B-{run}")
        started = time.monotonic()
        cleanup.callback(_uninterrupted, consumer.stop)
        for w in extra:
            cleanup.callback(_uninterrupted, w.stop)
        pids = [consumer.proc.pid, *(w.proc.pid for w in extra)]
        broker = listener_pid(int(bootstrap.split(",")[0].rsplit(":", 1)[1]))

        def cpu() -> float | None:
            times = [cpu_s(p) for p in pids]
            return None if None in times else sum(times)  # type: ignore[arg-type]
        if profiler is not None:
            cleanup.callback(_uninterrupted, lambda: profiler.stop(check=False))

        reader = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False,
                               group_id=None, fetch_max_wait_ms=50, max_poll_records=5000)
        cleanup.callback(reader.close)
        tps = [TopicPartition(t, p) for t in outputs for p in range(PARTITIONS)]
        reader.assign(tps)
        reader.seek_to_beginning(*tps)

        want = {k for k, _ in items}
        stamps: dict[bytes, int] = {}
        dups = dead = 0
        first: tuple[float, float | None, float | None, int] | None = None  # time, cpu, broker, n
        deadline = started + args.startup_timeout
        while len(stamps) < n:
            batch = reader.poll(timeout_ms=100)
            for records in batch.values():
                for r in records:
                    if r.key not in want:
                        continue
                    if r.key in stamps:
                        dups += 1
                        continue
                    stamps[r.key] = r.timestamp
                    dead += r.topic.endswith(DEADLETTER)
            now = time.monotonic()
            if first is None and stamps:
                first = (now, cpu(), cpu_s(broker) if broker else None, len(stamps))
                deadline = now + args.timeout
                if profiler is not None:
                    profiler.start(pids[0])
            if any(w.proc.poll() is not None for w in extra):
                raise RuntimeError(f"{kind}: a second worker exited:\n{extra[0].tail()}")
            if consumer.proc.poll() is not None:
                raise RuntimeError(f"{kind} consumer exited with code {consumer.proc.returncode} "
                                   f"after {len(stamps)}/{n} outputs:\n{consumer.tail()}")
            if now > deadline:
                what = "first output" if first is None else f"{n - len(stamps)} outputs still missing"
                raise TimeoutError(f"{kind}: {what} after {now - started:.0f}s; consumer log "
                                   f"tail:\n{consumer.tail()}")
        last_at, cpu_last = time.monotonic(), cpu()
        broker_last = cpu_s(broker) if broker else None
        if profiler is not None:
            profiler.stop()
        assert first is not None
        first_at, cpu_first, broker_first, seen_first = first
        times = sorted(stamps.values())
        span_ms = times[-1] - times[0]
        late_ms = times[-1] - times[n // 4]
        done = max(1, n - seen_first)
        cpu_ms = ((cpu_last - cpu_first) * 1000 / done
                  if cpu_first is not None and cpu_last is not None else float("nan"))
        broker_ms = ((broker_last - broker_first) * 1000 / done
                     if broker_first is not None and broker_last is not None else float("nan"))
        return DrainResult(
            throughput=(n - 1) * 1000 / span_ms if span_ms > 0 else float("inf"),
            wall_throughput=(n - seen_first) / max(1e-9, last_at - first_at), cpu_ms=cpu_ms,
            startup_s=first_at - started, duplicates=dups, deadletters=dead,
            steady=(n - 1 - n // 4) * 1000 / late_ms if late_ms > 0 else float("inf"),
            broker_cpu_ms=broker_ms)


@dataclass
class Row:
    kind: str
    results: list[DrainResult] = field(default_factory=list)

    def median(self, name: str) -> float:
        return statistics.median(getattr(r, name) for r in self.results)

    def spread(self, name: str) -> str:
        values = [getattr(r, name) for r in self.results]
        return f"{min(values):,.0f}–{max(values):,.0f}"


# -- the py-spy profile summary --------------------------------------------------------------------
_FRAME = re.compile(r"^(?P<func>.+?) \((?P<file>[^():]+)(?::(?P<line>\d+))?\)$")

#: Buckets of the civicmod hot path, in tiers: the first tier whose test matches any frame wins
#: (innermost such frame), so pydantic under ``parse_comment`` counts as parsing, pydantic
#: elsewhere as pydantic, and aiokafka under ``Stage.deliver`` as sending.
_HOT_PATH: list[list[tuple[str, Callable[[str, str], bool]]]] = [
    [("comment parsing (JSON + pydantic: parse_comment)", lambda f, p: f == "parse_comment"),
     ("record encoding (to_json: verdicts, state, dead letters)", lambda f, p: f == "to_json"),
     ("classifier", lambda f, p: "/classifiers/" in p)],
    [("producer sends (Stage.deliver → Faust → aiokafka)",
      lambda f, p: "/streams/moderate/stage.py" in p and f in {"deliver", "send", "send_now",
                                                               "_failure"})],
    [("pydantic model building/validation (other)", lambda f, p: "/pydantic" in p),
     ("rule engine (rules/, Judge.rules)", lambda f, p: "/rules/" in p or f == "run_rules"),
     ("decision + report (civicmod.verdict)", lambda f, p: "/civicmod/verdict/" in p),
     ("stream state (signals, progress marks)",
      lambda f, p: any(m in p for m in ("/streams/moderate/signal_log.py",
                                        "/streams/moderate/progress.py",
                                        "/streams/kafka/state_table.py"))),
     ("Faust stream machinery (faust/, mode/)", lambda f, p: "/faust/" in p or "/mode/" in p),
     ("aiokafka (fetcher, consumer, producer internals)", lambda f, p: "/aiokafka/" in p),
     ("civicmod stage/moderator (other)", lambda f, p: "/streams/moderate/" in p)],
]
_LIBRARIES: list[tuple[str, str]] = [
    ("civicmod Kafka plumbing (streams/kafka/)", "/streams/kafka/"),
    ("Faust stream machinery (faust/, mode/)", "/faust/"),
    ("Faust stream machinery (faust/, mode/)", "/mode/"),
    ("aiokafka (fetcher, consumer, producer internals)", "/aiokafka/"),
    ("kafka-python (admin, state readers)", "/kafka/"),
    ("pydantic (outside parse/encode)", "/pydantic"), ("json (outside parse/encode)", "/json/"),
    ("asyncio event loop", "/asyncio/"), ("asyncio event loop", "selectors.py"),
    ("logging", "/logging/"), ("threading / concurrent.futures", "/threading.py"),
    ("threading / concurrent.futures", "/concurrent/"),
]


def _frames(stack: str) -> list[tuple[str, str]]:
    """(function, file) of each frame root → leaf; process/thread pseudo-frames dropped."""
    out = []
    for part in stack.split(";"):
        m = _FRAME.match(part.strip())
        if m and (m.group("file").endswith(".py") or "/" in m.group("file")):
            out.append((m.group("func"), "/" + m.group("file").lstrip("/")))  # py-spy shortens
    return out


#: Leaf functions that are waits (py-spy can count a waiting thread as active on a busy box).
_WAITS = {"select", "_worker", "_run", "wait", "get", "poll"}


def _bucket(frames: list[tuple[str, str]]) -> str:
    if frames and frames[-1][0].rsplit(".", 1)[-1] in _WAITS and any(
            w in frames[-1][1] for w in ("selectors.py", "/concurrent/", "executor.py",
                                         "threading.py", "queue.py")):
        return "waiting (select, idle pool threads)"
    for tier in _HOT_PATH:
        for func, path in reversed(frames):
            bare = func.rsplit(".", 1)[-1]  # py-spy writes Class.method
            for name, test in tier:
                if test(bare, path):
                    return name
    for _func, path in reversed(frames):
        for name, needle in _LIBRARIES:
            if needle in path:
                return name
    return "other (interpreter, native, unknown)"


def _short(func: str, path: str) -> str:
    for marker in ("site-packages/", "/work/main/", "/lib/python3"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return f"{func} ({path.lstrip('/')})"


def summarize_profile(raw: Path, top: int = 12) -> str:
    """Markdown summary of py-spy raw output: buckets, top self (leaf) and inclusive functions."""
    buckets: Counter[str] = Counter()
    threads: Counter[str] = Counter()
    leaf: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        k = int(count)
        frames = _frames(stack)
        total += k
        head = stack.split(";", 1)[0]
        threads[re.sub(r"^thread \(\d+\):? ?", "", head).strip() if head.startswith("thread") else "?"] += k
        buckets[_bucket(frames)] += k
        if frames:
            leaf[_short(*frames[-1])] += k
        for name in {_short(*f) for f in frames}:
            inclusive[name] += k
    if not total:
        return "(empty profile)"
    lines = [f"py-spy samples (active, all threads): {total:,}", "",
             "| where the time goes (innermost matching frame) | share |", "|---|---:|"]
    lines += [f"| {name} | {k / total:.1%} |" for name, k in buckets.most_common()]
    lines += ["", "| thread | share |", "|---|---:|"]
    lines += [f"| {name} | {k / total:.1%} |" for name, k in threads.most_common(8)]
    lines += ["", f"| top {top} self (leaf) functions | share |", "|---|---:|"]
    lines += [f"| `{name}` | {k / total:.1%} |" for name, k in leaf.most_common(top)]
    lines += ["", f"| top {2 * top} inclusive functions | share |", "|---|---:|"]
    lines += [f"| `{name}` | {k / total:.1%} |" for name, k in inclusive.most_common(2 * top)]
    return "\n".join(lines)


# -- the report -----------------------------------------------------------------------------------------
def print_report(rows: dict[str, Row], paced: list[PassResult], paced_rate: float,
                 args: argparse.Namespace, where: str,
                 paced_ref: list[PassResult] | None = None) -> None:
    paced_ref = paced_ref or []
    print()
    print(f"## Drain: N={args.n} comments pre-produced, {PARTITIONS} partitions, one consumer "
          f"process, repeat={args.repeat} (interleaved, alternating order), "
          f"{args.warmup_rounds} warm-up round(s)")
    print()
    print(f"machine: {os.cpu_count()} CPUs, {platform.platform()}, Python "
          f"{platform.python_version()}; broker: {where}")
    print()
    base = rows["A"].median("throughput") if "A" in rows and rows["A"].results else None
    print("| consumer | passes | comments/s (median) | min–max | vs A | last ¾ comments/s | "
          "CPU ms/comment | broker CPU ms/comment | start-up s |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for kind, row in rows.items():
        if not row.results:
            continue
        tput = row.median("throughput")
        ratio = "baseline" if kind == "A" else (f"{tput / base:.3f}×" if base else "-")
        print(f"| {kind}. {CONSUMERS[kind]} | {len(row.results)} | {tput:,.0f} | "
              f"{row.spread('throughput')} | {ratio} | {row.median('steady'):,.0f} | "
              f"{row.median('cpu_ms'):.3f} | {row.median('broker_cpu_ms'):.3f} | "
              f"{row.median('startup_s'):.1f} |")
    med = {k: r.median("throughput") for k, r in rows.items() if r.results}
    ratios = [f"{a}/{b} = {med[a] / med[b]:.3f}" for a, b in (("C", "A"), ("D", "C"), ("B", "A"),
                                                             ("C", "B"), ("E", "C"), ("R", "A"),
                                                             ("C", "R"))
              if a in med and b in med]
    print()
    print("ratios of medians: " + "; ".join(ratios))
    print()
    print("comments/s = (N−1) / (last − first output record's CreateTime); last ¾ = the same "
          "from the N/4-th output on (E: once both workers are in the group); CPU = consumer "
          "process(es) user+system (/proc) between the first and the last output read back, per "
          "comment (E: both workers); broker CPU = the broker process over the same window; "
          "start-up = consumer start → first output.")
    if paced:
        print()
        also = ", then R at the same rate after each pass" if paced_ref else ""
        print(f"### Paced: C (rules only) open loop at {args.paced_fraction:.0%} of its median = "
              f"{paced_rate:,.0f} comments/s, N={args.paced_n}{also}")
        print()
        print("| worker | pass | achieved/s | p50 ms | p99 ms | written p50 ms | written p99 ms "
              "| producer behind ≤ ms | worker CPU ms/comment | bench CPU ms/comment |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for label, passes in (("C", paced), ("R", paced_ref)):
            if not passes:
                continue
            for i, r in enumerate(passes, 1):
                print(f"| {label} | {i} | {r.throughput:,.0f} | {r.p50_ms:,.1f} | {r.p99_ms:,.1f} | "
                      f"{r.written_p50_ms:,.1f} | {r.written_p99_ms:,.1f} | "
                      f"{r.schedule_lag_ms:,.0f} | {r.worker_cpu_ms:.3f} | {r.bench_cpu_ms:.3f} |")
            print(f"| {label} | median | {statistics.median(r.throughput for r in passes):,.0f} | "
                  f"{statistics.median(r.p50_ms for r in passes):,.1f} | "
                  f"{statistics.median(r.p99_ms for r in passes):,.1f} | "
                  f"{statistics.median(r.written_p50_ms for r in passes):,.1f} | "
                  f"{statistics.median(r.written_p99_ms for r in passes):,.1f} | | "
                  f"{statistics.median(r.worker_cpu_ms for r in passes):.3f} | "
                  f"{statistics.median(r.bench_cpu_ms for r in passes):.3f} |")
        print()
        print("latency = produce → verdict read back (wall clock, this process), matched by "
              "comment id; written = produce → the verdict record's Kafka timestamp (set by the "
              "worker's producer), i.e. without this process's reader; one comment per partition "
              "warms the worker up first.")
    bad = [(k, r) for k, row in rows.items() for r in row.results if r.duplicates or r.deadletters]
    if bad or any(r.deadletters or r.duplicates for r in (*paced, *paced_ref)):
        print()
        print("note: duplicates or dead letters were seen; see the per-pass lines on stderr")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--n", type=int, default=20_000, help="comments per pass (default 20000)")
    p.add_argument("--repeat", type=int, default=3, help="rounds of A B C D (default 3)")
    p.add_argument("--bootstrap", default=None,
                   help="broker to use (default: $KAFKA_BOOTSTRAP_SERVERS, else a local one)")
    p.add_argument("--consumers", default="ABCD",
                   help="which consumers to run (default ABCD; E: two workers)")
    p.add_argument("--skip-faust", action="store_true", help="leave out B (bare Faust)")
    p.add_argument("--skip-classifier", action="store_true", help="leave out D")
    p.add_argument("--warmup-rounds", type=int, default=0,
                   help="rounds run first and not counted (a fresh broker runs its first "
                        "passes slower: its JIT is still compiling)")
    p.add_argument("--max-records", type=int, default=10_000, help="A: getmany max_records")
    p.add_argument("--faust-batch", type=int, default=None,
                   help="B: take_events batch size (default: the worker's batch_size)")
    p.add_argument("--faust-within", type=float, default=None,
                   help="B: take_events within, s (default: the worker's batch_within_s)")
    p.add_argument("--paced-fraction", type=float, default=0.5,
                   help="paced C passes at this fraction of C's median (default 0.5; 0: none)")
    p.add_argument("--paced-repeat", type=int, default=None, help="paced passes (default --repeat)")
    p.add_argument("--paced-n", type=int, default=None, help="comments per paced pass (default --n)")
    p.add_argument("--profile", type=Path, default=None,
                   help="add one C pass under py-spy; its raw collapsed stacks go to this file")
    p.add_argument("--profile-only", action="store_true", help="only the profiled C pass")
    p.add_argument("--profile-summary", type=Path, default=None, help="write the summary here too")
    p.add_argument("--profile-rate", type=int, default=100, help="py-spy samples/s (default 100)")
    p.add_argument("--profile-all", action="store_true",
                   help="sample every thread py-spy thinks active (default: only the thread "
                        "holding the GIL, i.e. where the Python CPU time goes)")
    p.add_argument("--py-spy", default=None,
                   help="py-spy binary (default: on PATH, else /tmp/pyspy/bin/py-spy)")
    p.add_argument("--paced-gap-s", type=float, default=0.0,
                   help="seconds idle before each paced pass (docs/benchmarks.md, Drain: a pass "
                        "started right after the previous one can stall ~1 s at its start)")
    p.add_argument("--keep-topics", action="store_true", help="do not delete each pass's topics")
    p.add_argument("--reference-settings", action="append", default=[], metavar="KEY=VALUE",
                   help="a setting for R's worker only, as the CIVICMOD__ variables name it "
                        "(e.g. worker__batch_size=512); with --reference-tree . R is this code "
                        "with other settings")
    p.add_argument("--reference-tree", type=Path, default=None,
                   help="a checkout of an earlier civicmod (e.g. `git worktree add /tmp/ref "
                        "HEAD~1`): row R runs the worker from it, and each paced pass of C is "
                        "followed by one of R at the same rate (same dependencies)")
    p.add_argument("--startup-timeout", type=float, default=180.0,
                   help="seconds from a consumer's start to its first output (default 180)")
    p.add_argument("--timeout", type=float, default=600.0,
                   help="seconds from the first output to the last (default 600)")
    args = p.parse_args(argv)
    from civicmod.contract.settings import WorkerSettings

    w = WorkerSettings()
    args.faust_batch = args.faust_batch or w.batch_for(model=False)
    args.faust_within = args.faust_within or w.batch_within_s
    args.paced_repeat = args.repeat if args.paced_repeat is None else args.paced_repeat
    args.paced_n = args.paced_n or args.n
    kinds = [k for k in args.consumers.upper() if k in CONSUMERS]
    if args.skip_faust:
        kinds = [k for k in kinds if k != "B"]
    if args.skip_classifier:
        kinds = [k for k in kinds if k != "D"]
    if args.reference_tree is None:
        kinds = [k for k in kinds if k != "R"]
    elif "R" not in kinds:
        kinds.append("R")
    args.kinds = list(dict.fromkeys(kinds))
    if args.n < 2 or args.repeat < 1 or args.paced_n < 1 or not (args.kinds or args.profile_only):
        p.error("--n must be at least 2, --repeat/--paced-n at least 1, and one consumer chosen")
    if args.profile_only and not args.profile:
        p.error("--profile-only needs --profile FILE")
    if args.profile:
        args.py_spy = args.py_spy or shutil.which("py-spy") or "/tmp/pyspy/bin/py-spy"
        if not os.access(args.py_spy, os.X_OK):
            p.error(f"py-spy not found at {args.py_spy}: `.venv/bin/pip install --target "
                    "/tmp/pyspy py-spy` (or pass --py-spy)")
    return args


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        return child_main(argv[1], argv[2])
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the cleanups below
    scratch = Path(tempfile.mkdtemp(prefix="civicmod-drain-"))
    try:
        with ExitStack() as stack:
            stack.callback(shutil.rmtree, scratch, ignore_errors=True)
            bootstrap = args.bootstrap or os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
            if bootstrap:
                where = f"external ({bootstrap})"
            else:
                bootstrap = local_broker(stack, scratch)
                where = f"local single node ({bootstrap})"
            return run(args, bootstrap, where, scratch)
    except KeyboardInterrupt:
        log("interrupted; cleaned up")
        return 130
    except (RuntimeError, TimeoutError, OSError) as exc:  # includes BrokerError
        log(f"error: {exc}")
        return 1


def run(args: argparse.Namespace, bootstrap: str, where: str, scratch: Path) -> int:
    """The measured passes, the paced passes, the profiled pass; the report on stdout."""
    from civicmod.dev.demo import demo_messages

    items = [(k, v) for k, v, _ in demo_messages(args.n, 0, run="drain") if k]
    log(f"{len(items)} demo comments ready; consumers {''.join(args.kinds)}, "
        f"B batch {args.faust_batch} within {args.faust_within}s")
    rows = {k: Row(k) for k in args.kinds}
    paced: list[PassResult] = []
    paced_ref: list[PassResult] = []
    paced_rate = 0.0
    if not args.profile_only:
        for w in range(args.warmup_rounds):  # the broker's JIT and caches: not counted
            for kind in rows:
                r = drain_pass(kind, bootstrap, scratch, items, args)
                log(f"  warm-up {w + 1} {kind}: {r.throughput:,.0f}/s, CPU {r.cpu_ms:.3f} ms/comment")
        for i in range(args.repeat):
            log(f"round {i + 1}/{args.repeat}")
            # A first; the others in reverse order every other round: the row right after A
            # shares the broker with the deletion of A's topics, and the first worker row with
            # a colder machine, so a fixed order favours the later rows
            order = list(rows.items())
            if i % 2:
                order = order[:1] + order[1:][::-1] if order[0][0] == "A" else order[::-1]
            for kind, row in order:
                r = drain_pass(kind, bootstrap, scratch, items, args)
                row.results.append(r)
                log(f"  {kind} #{len(row.results)}: {r.throughput:,.0f}/s (read back "
                    f"{r.wall_throughput:,.0f}/s), CPU {r.cpu_ms:.3f} ms/comment, start-up "
                    f"{r.startup_s:.1f}s, duplicates {r.duplicates}, dead letters {r.deadletters}")
        if "C" in rows and args.paced_fraction > 0:
            paced_rate = args.paced_fraction * rows["C"].median("throughput")
            log(f"paced C at {paced_rate:,.0f}/s: {args.paced_repeat} pass(es) of {args.paced_n}")
            for _ in range(args.paced_repeat):
                time.sleep(args.paced_gap_s)
                r = run_pass(bootstrap, scratch, "none", args.paced_n, paced_rate, None,
                             args.timeout, not args.keep_topics)
                paced.append(r)
                if args.reference_tree is not None:
                    time.sleep(args.paced_gap_s)
                    ref = run_pass(bootstrap, scratch, "none", args.paced_n, paced_rate, None,
                                   args.timeout, not args.keep_topics, args.reference_tree)
                    paced_ref.append(ref)
                    log(f"  paced R: {ref.throughput:,.0f}/s p50 {ref.p50_ms:,.1f} ms p99 "
                        f"{ref.p99_ms:,.1f} ms (written p50 {ref.written_p50_ms:,.1f} p99 "
                        f"{ref.written_p99_ms:,.1f}), worker CPU {ref.worker_cpu_ms:.3f} ms/comment")
                log(f"  paced: {r.throughput:,.0f}/s p50 {r.p50_ms:,.1f} ms p99 "
                    f"{r.p99_ms:,.1f} ms (written p50 {r.written_p50_ms:,.1f} p99 "
                    f"{r.written_p99_ms:,.1f}), producer behind ≤{r.schedule_lag_ms:.0f} ms, worker "
                    f"CPU {r.worker_cpu_ms:.3f} ms/comment (bench {r.bench_cpu_ms:.3f}), dead letters "
                f"{r.deadletters}")
        print_report(rows, paced, paced_rate, args, where, paced_ref)
    if args.profile:
        log(f"profiled C pass (py-spy {args.py_spy}, {args.profile_rate}/s) → {args.profile}")
        r = drain_pass("C", bootstrap, scratch, items, args,
                       Profiler(args.py_spy, args.profile, args.profile_rate,
                                    not args.profile_all))
        log(f"  C under py-spy: {r.throughput:,.0f}/s, CPU {r.cpu_ms:.3f} ms/comment")
        summary = summarize_profile(args.profile)
        log(summary)
        if args.profile_summary:
            args.profile_summary.write_text(summary + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
