"""What the benchmark scripts share: progress lines on stderr, percentiles, a process's CPU time.
(``bench/`` is on ``sys.path`` when a script in it runs.)"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from pathlib import Path


def log(msg: str) -> None:
    """A progress line on stderr (the report goes to stdout)."""
    print(msg, file=sys.stderr, flush=True)


def pct(values: list[float], q: float) -> float:
    """The ``q`` quantile of ``values`` (nearest rank, unsorted input); NaN when empty."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def median_seconds(fn: Callable[[], object], repeat: int, warmups: int = 1) -> float:
    """Median wall time of ``repeat`` timed calls of ``fn``, after ``warmups`` untimed ones."""
    for _ in range(warmups):
        fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def interleaved(paths: Sequence[tuple[str, Callable[[], object], int]], repeat: int,
                sync: Callable[[], None] = lambda: None) -> list[tuple[str, float]]:
    """Median items/s per (name, run, items) path, the paths timed in turn within each pass
    (after one untimed warm-up each), so a load change on a shared machine hits every path
    alike. ``sync`` waits for queued device work (a GPU's) before and after each timing. A path
    failing its warm-up is reported and left out."""
    ok = []
    for name, fn, count in paths:
        print(f"warming up {name} ...", file=sys.stderr, flush=True)
        try:
            fn()
            sync()
            ok.append((name, fn, count))
        except Exception as exc:  # one broken path must not lose the others
            print(f"  {name} failed: {type(exc).__name__}: {exc}", file=sys.stderr)
    times: dict[str, list[float]] = {name: [] for name, _, _ in ok}
    for r in range(repeat):
        print(f"pass {r + 1}/{repeat} ...", file=sys.stderr, flush=True)
        for name, fn, _ in ok:
            sync()
            t0 = time.perf_counter()
            fn()
            sync()
            times[name].append(time.perf_counter() - t0)
    return [(name, count / statistics.median(times[name])) for name, _, count in ok]


def load_tweets(path: Path, n: int, seed: int) -> list[str]:
    """``n`` tweets of a Davidson-format CSV (its ``tweet`` column), a seeded sample (drawn with
    replacement when ``n`` exceeds the file)."""
    import csv
    import random

    with open(path, newline="", encoding="utf-8") as fh:
        tweets = [row["tweet"] for row in csv.DictReader(fh)]
    rng = random.Random(seed)
    return rng.sample(tweets, n) if n <= len(tweets) else [rng.choice(tweets) for _ in range(n)]


def _stat_cpu_s(stat: Path) -> float:
    """User + system CPU seconds from a /proc ``stat`` file (a process's or a thread's)."""
    fields = stat.read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_s(pid: int) -> float | None:
    """User + system CPU seconds of a process (Linux /proc), None where unavailable."""
    try:
        return _stat_cpu_s(Path(f"/proc/{pid}/stat"))
    except (OSError, ValueError, IndexError):
        return None


def jit_cpu_s(pid: int) -> float | None:
    """CPU seconds a JVM's JIT compiler threads (``C1/C2 CompilerThread*``) have used, None
    where unavailable: a broker whose compilers are still busy is not warm yet."""
    total, found = 0.0, False
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return None
    for task in tasks:
        try:
            if not (task / "comm").read_text().startswith(("C1 Compiler", "C2 Compiler")):
                continue
            total += _stat_cpu_s(task / "stat")
        except OSError:  # the thread ended meanwhile
            continue
        found = True
    return total if found else None


def local_broker(stack: ExitStack, work: Path, wait_s: float = 180) -> str:
    """Start a single-node broker in ``work`` (stopped when ``stack`` closes); its bootstrap."""
    from civicmod.contract.settings import home_dir
    from civicmod.dev.localkafka import LocalBroker, free_port

    broker = LocalBroker(home=home_dir(), instance_dir=work / "kafka", port=free_port(),
                         controller_port=free_port())
    log(f"starting a local broker on {broker.bootstrap}...")
    bootstrap = broker.start(wait_s=wait_s)
    stack.callback(broker.stop)
    return bootstrap
