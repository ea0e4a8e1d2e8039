"""End-to-end throughput and latency of the moderation pipeline, through a real Kafka broker.

For each scenario and repeat: fresh topics (own prefix, 6 partitions) and a fresh consumer group,
ONE real worker subprocess (``python -m civicmod.cli worker``), warmed up with one comment per
partition; then N valid demo comments are produced at once (or paced, ``--rate``) while the
outcome + dead-letter topics are read back, both on aiokafka on one event loop
(``bench/aio_io.py``). Per comment: latency = verdict received − sent (wall clock, one process),
and "written" = the verdict record's Kafka timestamp − sent (the worker's part, without this
process's reader). Per pass: throughput = N / (last verdict − first send).

Scenarios, interleaved A B A B …: rules only (classifier backend ``none``) and rules + classifier
(``profanity-check``, or ``--classifier detoxify``); the ratio compares the two measured in the same
run, and worker CPU ms/comment (from /proc) is the steadier cost figure on a noisy box. Unthrottled,
every comment is queued at once, so its latency is mostly queueing; the default run adds "paced"
passes of the classifier scenario, open loop at ``--paced-fraction`` (0.5) of its measured
throughput, whose p50/p99 is the latency an operator sees below saturation. ``--rate R`` paces
both scenarios at R comments/s instead (and skips that extra pass).

Run (starts its own broker unless ``--bootstrap`` or KAFKA_BOOTSTRAP_SERVERS is given)::

    .venv/bin/python bench/pipeline_throughput.py [--n 5000] [--repeat 3] [--rate 0]

Table on stdout, one line per pass on stderr. Broker, worker and this process share the machine's
CPUs: figures are for the whole box.
Your CIVICMOD__* variables / CIVICMOD_CONFIG reach the workers (e.g. a detoxify checkpoint), except
the ones the bench sets itself (topic prefix, app id, web port, session timeout, backend).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from aio_io import VerdictIO
from benchkit import cpu_s as _cpu_s  # bench/ is on sys.path when run as a script
from benchkit import log as _log

from civicmod.contract.settings import home_dir
from civicmod.contract.topics import DEADLETTER, INCOMING, OUTCOME_TOPICS, physical
from civicmod.dev.demo import demo_messages
from civicmod.dev.localkafka import LocalBroker, free_port
from streams.kafka.admin import ensure_topics

PARTITIONS = 6
T = TypeVar("T")


def _uninterrupted(fn: Callable[[], T]) -> T:
    """Run a cleanup step to its end: Ctrl-C / SIGTERM arriving meanwhile are acted on after it,
    so a second Ctrl-C cannot orphan a worker or the broker."""
    pending: list[int] = []
    old = {sig: signal.signal(sig, lambda signum, _frame: pending.append(signum))
           for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        return fn()
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)
        if pending:
            signal.raise_signal(pending[0])


@dataclass
class Worker:
    proc: subprocess.Popen[bytes]
    log: Path

    def tail(self, chars: int = 3000) -> str:
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def stop(self, timeout_s: float = 30.0) -> None:
        """SIGTERM, then SIGKILL after ``timeout_s``."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def start_worker(bootstrap: str, workdir: Path, name: str, settings: dict[str, str],
                 src: Path | None = None) -> Worker:
    """One ``civicmod worker`` process; ``settings`` are CIVICMOD__ env vars without the prefix
    (they override the caller's own CIVICMOD__* variables, which otherwise reach the worker);
    ``src``: run the civicmod code of that checkout instead of this one (same dependencies)."""
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(src), env.get("PYTHONPATH")]))
    env.update({"KAFKA_BOOTSTRAP_SERVERS": bootstrap, "PYTHONUNBUFFERED": "1",
                "CIVICMOD__WORKER__WEB_PORT": str(free_port()),
                "CIVICMOD__WORKER__SESSION_TIMEOUT_S": "6"})
    env.update({f"CIVICMOD__{k.upper()}": v for k, v in settings.items()})
    log = workdir / f"{name}.log"
    with open(log, "wb") as fh:  # cwd is the scratch dir: no ./civicmod.yaml is picked up
        proc = subprocess.Popen([sys.executable, "-m", "civicmod.cli", "worker"], env=env,
                                stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                cwd=workdir, start_new_session=True)
    return Worker(proc, log)


@dataclass(frozen=True)
class PassResult:
    throughput: float
    p50_ms: float
    p99_ms: float
    deadletters: int
    duplicates: int
    classifier: str
    send_s: float  # first send → producer flushed
    worker_cpu_ms: float  # worker CPU per comment (nan where /proc is unavailable)
    bench_cpu_ms: float  # this process's CPU per comment (producer + verdict reader)
    schedule_lag_ms: float  # paced passes: how far the producer fell behind its schedule
    #: produce → verdict record created by the worker's producer (its Kafka timestamp): the part
    #: of the latency that is the worker's, without this process's reader
    written_p50_ms: float = float("nan")
    written_p99_ms: float = float("nan")


def _percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    rank = max(1, min(len(sorted_values), round(q * len(sorted_values) + 0.5)))
    return sorted_values[rank - 1]


def _wait(reader: VerdictIO, worker: Worker, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not reader.done.wait(0.2):
        if reader.error is not None:
            raise RuntimeError(f"verdict reader failed: {reader.error!r}")
        if worker.proc.poll() is not None:
            raise RuntimeError(f"worker exited with code {worker.proc.returncode} during {what}:\n"
                               + worker.tail())
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: {reader.missing()} verdicts still missing after "
                               f"{timeout_s:.0f}s; worker log tail:\n{worker.tail()}")


def _drop_topics(bootstrap: str, prefix: str, app_id: str) -> None:
    """Best effort: remove a pass's topics (``prefix``*, and the worker's state logs
    ``app_id``-*) and its consumer group from a shared broker, so a long run does not pile
    partitions onto it."""
    from kafka import KafkaAdminClient

    try:
        admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10_000)
    except Exception as exc:
        _log(f"  (could not clean up {prefix}*: {exc!r})")
        return
    try:
        mine = [t for t in admin.list_topics() if t.startswith((prefix, app_id + "-"))]
        if mine:
            admin.delete_topics(mine)
        admin.delete_groups([app_id])
    except Exception as exc:
        _log(f"  (could not fully clean up {prefix}* / {app_id}: {exc!r})")
    finally:
        admin.close()


#: Real comment texts (``--texts CSV``) that replace the demo texts, cycled; empty: demo texts.
TEXTS: list[str] = []


def _with_texts(items: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    if not TEXTS:
        return items
    from civicmod.contract.records import Comment

    out = []
    for i, (key, value) in enumerate(items):
        comment = Comment.model_validate_json(value).model_copy(update={"text": TEXTS[i % len(TEXTS)]})
        out.append((key, comment.to_json()))
    return out


def run_pass(bootstrap: str, workdir: Path, backend: str, n: int, rate: float,
             batch_size: int | None, timeout_s: float, drop_after: bool,
             src: Path | None = None) -> PassResult:
    """One measured pass: fresh topics, one fresh worker, N comments, every verdict awaited."""
    run = uuid.uuid4().hex[:8]
    prefix, app_id = f"bench{run}.", f"civicmod-bench-{run}"
    settings = {"kafka__topic_prefix": prefix, "kafka__partitions": str(PARTITIONS),
                "worker__app_id": app_id, "classifier__backend": backend}
    if batch_size:
        settings["worker__batch_size"] = str(batch_size)
    incoming = physical(INCOMING, prefix)
    # Every cleanup is registered as soon as there is something to clean; ExitStack runs them
    # all (last registered first) even when one of them fails.
    with ExitStack() as cleanup:
        if drop_after:
            cleanup.callback(_uninterrupted, lambda: _drop_topics(bootstrap, prefix, app_id))
        ensure_topics(bootstrap, partitions=PARTITIONS, prefix=prefix)
        reader = VerdictIO(bootstrap, [physical(t, prefix) for t in (*OUTCOME_TOPICS.values(),
                                                                      DEADLETTER)],
                           physical(DEADLETTER, prefix))
        reader.start()
        cleanup.callback(reader.stop)
        worker = start_worker(bootstrap, workdir, f"worker-{run}", settings, src)
        cleanup.callback(_uninterrupted, worker.stop)
        if not reader.ready.wait(60) or reader.error is not None:
            raise RuntimeError(f"verdict reader did not start: {reader.error!r}")

        # Warm-up: one comment per partition; its verdicts prove the worker owns them all.
        warm = demo_messages(PARTITIONS, 0, run=f"w{run}")
        reader.expect(k for k, _, _ in warm if k)
        reader.send([(incoming, key, value, part) for part, (key, value, _) in enumerate(warm)])
        _wait(reader, worker, 180, "worker start-up (warm-up comments)")

        items = _with_texts([(k, v) for k, v, _ in demo_messages(n, 0, run=f"b{run}") if k])
        reader.expect(k for k, _ in items)
        cpu0, bench0 = _cpu_s(worker.proc.pid), time.process_time()
        # open loop when paced: the schedule does not wait for the pipeline
        sent_at, lag = reader.send([(incoming, key, value, None) for key, value in items], rate)
        send_s = time.time() - min(sent_at.values())
        _wait(reader, worker, timeout_s, f"{n} comments")
        cpu1, bench1 = _cpu_s(worker.proc.pid), time.process_time()

        worker_cpu = (cpu1 - cpu0) * 1000 / n if cpu0 is not None and cpu1 is not None else float("nan")
        with reader.lock:
            got = {k: reader.received[k] for k in sent_at}
            written = {k: reader.written[k] for k in sent_at}
            dead, dups, sample = reader.deadletters, reader.duplicates, reader.sample
        lat = sorted((got[k] - sent_at[k]) * 1000 for k in sent_at)
        wlat = sorted((written[k] - sent_at[k]) * 1000 for k in sent_at)
        span = max(got.values()) - min(sent_at.values())
        clf = (sample or {}).get("classifier") or {}
        return PassResult(n / span, _percentile(lat, 0.50), _percentile(lat, 0.99), dead, dups,
                          clf.get("name") or "none", send_s, worker_cpu,
                          (bench1 - bench0) * 1000 / n, lag * 1000,
                          _percentile(wlat, 0.50), _percentile(wlat, 0.99))


@dataclass
class Row:
    """One scenario: what its worker runs, how fast it is fed, and its passes."""

    label: str
    backend: str
    rate: float
    src: Path | None = None
    results: list[PassResult] = field(default_factory=list)

    def median(self, name: str) -> float:
        return statistics.median(getattr(r, name) for r in self.results)

    def measure(self, common: dict[str, Any]) -> None:
        r = run_pass(backend=self.backend, rate=self.rate, src=self.src, **common)
        self.results.append(r)
        extra = f", producer behind schedule ≤{r.schedule_lag_ms:.0f} ms" if self.rate > 0 else ""
        _log(f"  {self.label} #{len(self.results)}: {r.throughput:,.0f}/s  p50 {r.p50_ms:,.0f} ms  "
             f"p99 {r.p99_ms:,.0f} ms  | sent in {r.send_s:.2f}s, CPU/comment worker "
             f"{r.worker_cpu_ms:.2f} ms bench {r.bench_cpu_ms:.2f} ms | classifier {r.classifier}, "
             f"dead letters {r.deadletters}, duplicates {r.duplicates}{extra}")


def print_table(rows: list[Row], baseline: Row, args: argparse.Namespace, broker: str) -> None:
    width = max(len(r.label) for r in rows) + 2
    print()
    print(f"civicmod pipeline: N={args.n} comments per pass, repeat={args.repeat}, "
          f"{PARTITIONS} partitions, 1 worker, worker batch size {args.batch_size or 'default'}")
    print(f"machine: {os.cpu_count()} CPUs, {platform.platform()}, Python {platform.python_version()}; "
          f"broker: {broker}")
    passed = sorted(k for k in os.environ if k.startswith("CIVICMOD__") or k == "CIVICMOD_CONFIG")
    if passed:
        print(f"worker settings from this environment: {', '.join(passed)}")
    header = (f"{'scenario':<{width}}{'runs':>4} {'comments/s':>11} {'p50 ms':>9} {'p99 ms':>9} "
              f"{'vs rules-only':>14} {'worker CPU ms/comment':>22}")
    print(header)
    print("-" * len(header))
    base = baseline.median("throughput")
    for row in rows:
        tput = row.median("throughput")
        ratio = "-" if row.rate > 0 else f"{tput / base:.2f}x"  # paced: throughput is the offered rate
        if row is baseline:
            ratio = "baseline"
        print(f"{row.label:<{width}}{len(row.results):>4} {tput:>11,.0f} {row.median('p50_ms'):>9,.1f} "
              f"{row.median('p99_ms'):>9,.1f} {ratio:>14} {row.median('worker_cpu_ms'):>22.3f}")
    print("medians over runs; latency = produce → verdict received (incl. queueing: unthrottled rows "
          "send all N at once); paced rows: open-loop producer at the rate shown")
    if any(r.deadletters or r.duplicates for row in rows for r in row.results):
        print("note: dead letters or duplicate verdicts were seen; see the per-pass lines above")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--n", type=int, default=5000, help="comments per pass (default 5000)")
    p.add_argument("--repeat", type=int, default=3, help="passes per scenario (default 3)")
    p.add_argument("--bootstrap", default=None,
                   help="broker to use (default: $KAFKA_BOOTSTRAP_SERVERS, else a local one)")
    p.add_argument("--batch-size", type=int, default=None,
                   help="worker batch size (CIVICMOD__WORKER__BATCH_SIZE; default: the worker's)")
    p.add_argument("--classifier", default="profanity-check", choices=["profanity-check", "detoxify"],
                   help="classifier backend of the second scenario (default profanity-check)")
    p.add_argument("--rate", type=float, default=0.0,
                   help="pace both scenarios' producer at this many comments/s, open loop "
                        "(default 0: unthrottled, plus an automatic paced pass)")
    p.add_argument("--paced-fraction", type=float, default=0.5,
                   help="with --rate 0: pace extra classifier passes at this fraction of its "
                        "measured throughput (default 0.5; 0 skips them)")
    p.add_argument("--paced-repeat", type=int, default=None,
                   help="passes at the paced rate (default: --repeat)")
    p.add_argument("--texts", type=Path, default=None,
                   help="CSV of real comments whose texts replace the demo texts (e.g. Davidson)")
    p.add_argument("--text-col", default="tweet", help="text column of --texts (default tweet)")
    p.add_argument("--baseline-src", type=Path, default=None,
                   help="a checkout of an earlier civicmod (e.g. `git worktree add /tmp/old "
                        "<commit>`): adds its rules-only worker as a scenario, interleaved with "
                        "this one's, to measure what a change costs in the same run")
    p.add_argument("--timeout", type=float, default=300.0,
                   help="seconds to wait for all verdicts of one pass (default 300)")
    args = p.parse_args(argv)
    args.paced_repeat = args.repeat if args.paced_repeat is None else args.paced_repeat
    if args.texts:
        import csv

        with open(args.texts, newline="", encoding="utf-8") as fh:
            TEXTS.extend(row[args.text_col] for row in csv.DictReader(fh))
    if args.n < 1 or args.repeat < 1 or args.paced_repeat < 1 or args.rate < 0:
        p.error("--n, --repeat and --paced-repeat must be at least 1, --rate at least 0")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the cleanups below
    scratch = Path(tempfile.mkdtemp(prefix="civicmod-bench-"))
    broker: LocalBroker | None = None
    try:
        bootstrap = args.bootstrap or os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
        if bootstrap:
            where = f"external ({bootstrap})"
        else:
            _log("starting a local Kafka broker …")
            broker = LocalBroker(home=home_dir(), instance_dir=scratch / "kafka",
                                 port=free_port(), controller_port=free_port())
            bootstrap = broker.start(wait_s=120)
            where = f"local single node ({bootstrap})"
        common = {"bootstrap": bootstrap, "workdir": scratch, "n": args.n,
                  "batch_size": args.batch_size, "timeout_s": args.timeout,
                  "drop_after": broker is None}
        at = f" @ {args.rate:,.0f}/s" if args.rate > 0 else ""
        rules = Row(f"rules only{at}", "none", args.rate)
        model = Row(f"rules + {args.classifier}{at}", args.classifier, args.rate)
        rows = [rules, model]
        if args.baseline_src:
            rows.append(Row(f"rules only{at}, code of {args.baseline_src}", "none", args.rate,
                            args.baseline_src.resolve()))
        # Interleaved (A B A B …) so drift on the box (JIT, page cache, noise) hits both alike.
        for i in range(args.repeat):
            _log(f"round {i + 1}/{args.repeat}: {args.n} comments per pass{at} …")
            for row in list(rows):
                row.measure(common)
        if args.rate <= 0 and args.paced_fraction > 0:
            rate = args.paced_fraction * model.median("throughput")
            paced = Row(f"paced {args.paced_fraction:.0%}: rules + {args.classifier} @ {rate:,.0f}/s",
                        args.classifier, rate)
            rows.append(paced)
            _log(f"{paced.label}: {args.paced_repeat} pass(es) of {args.n} …")
            for _ in range(args.paced_repeat):
                paced.measure(common)
        print_table(rows, rules, args, where)
        return 0
    except KeyboardInterrupt:
        _log("interrupted; cleaned up")
        return 130
    except (RuntimeError, TimeoutError) as exc:  # includes BrokerError; the message says why
        _log(f"error: {exc}")
        return 1
    finally:
        try:
            if broker is not None:
                _uninterrupted(broker.stop)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
