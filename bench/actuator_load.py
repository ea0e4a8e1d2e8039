"""Actuator load: actions per second against the fake platforms with their limits off, and how
long a 1,000-comment spam wave takes to drain under each platform's real limits.

(a) Throughput, through the real system: ``--n`` auto-hide verdicts on a real broker, a real
    ``civicmod actuator`` process (its ledger, Action and audit records on Kafka) acting on a
    fake Graph server with limits off; timed from the actuator's start until the fake holds all
    ``--n`` comments hidden. Baseline in the same run: a bare aiohttp client making the same
    ``--n`` hide calls to the same fake with the same concurrency (the floor any actuator pays
    for the HTTP calls themselves).
(b) Drain under the real limits, simulated time: the actuator's own limiter and executor (the
    code the service runs) and the platform clients over real HTTP to the fakes, which enforce
    the documented limits on the same virtual clock (X 50 hides / 15 min per user; Graph: the
    configured 600 calls / hour per page, the fakes' usage headers; YouTube 50 comments per
    call, 50 units a call, 10,000 units a day). When the limiter says wait, the clock jumps.
    Reported: the simulated time until all 1,000 are hidden, calls made, and calls the platform
    refused (a 429 or a limit error would mean the limiter let through what it should not).

Run (starts its own broker unless ``--bootstrap``/KAFKA_BOOTSTRAP_SERVERS is given)::

    .venv/bin/python bench/actuator_load.py [--n 2000] [--repeat 3] [--wave 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import yaml
from benchkit import local_broker, log  # bench/ is on sys.path when run as a script

from civicmod.contract import topics as T
from civicmod.contract.actuator_settings import ActuatorSettings
from civicmod.contract.records import Author, Comment, Verdict
from civicmod.contract.settings import Settings
from civicmod.dev.localkafka import free_port
from civicmod.dev.platform_fakes import FakeGraph, FakePlatform, FakeX, FakeYouTube
from streams.actuator.executor import Executor
from streams.actuator.intents import Intent
from streams.actuator.ledger import Entry, apply
from streams.actuator.platforms import make_client
from streams.actuator.service import build_limiter
from streams.kafka.admin import ensure_topics
from streams.kafka.client import produce

REPO = Path(__file__).resolve().parents[1]
ACCOUNT = "fb:bench"


def verdicts(n: int, run: str) -> list[tuple[bytes, bytes]]:
    out = []
    for i in range(n):
        c = Comment(id=f"facebook:{run}_{i}", platform="facebook", account_id=ACCOUNT,
                    author=Author(id=f"a{i % 311}"), text=f"cheap followers at example.com {i}")
        v = Verdict(comment=c, outcome="hide", reasons=[], policy_version="bench",
                    decided_at=datetime.now(UTC))
        out.append((c.id.encode(), v.to_json()))
    return out


# -- (a) through the real system ----------------------------------------------------------------------
def actuator_pass(bootstrap: str, work: Path, n: int) -> tuple[float, float]:
    """(actions/s from the first hide call to the last, actions/s including the process's
    start: broker connection, ledger load, group join)."""
    run = uuid.uuid4().hex[:8]
    prefix = f"abench{run}."
    ensure_topics(bootstrap, partitions=6, prefix=prefix)
    with FakeGraph(tokens={"bench-token"}, limits=False, auto_create=True) as fb:
        config = work / f"actuator-{run}.yaml"
        config.write_text(yaml.safe_dump({
            "kafka": {"bootstrap_servers": bootstrap, "topic_prefix": prefix},
            "actuator": {"group_id": f"abench-{run}", "port": free_port(),
                         "base_urls": {"facebook": fb.url},
                         "limits": {"facebook.comments": {"calls": 10**9, "per_s": 3600}},
                         "accounts": {ACCOUNT: {"platform": "facebook", "owner_id": "page",
                                                "token": {"env": "BENCH_FB_TOKEN"}, "live": True}}}}))
        produce(bootstrap, verdicts(n, run), prefix + T.AUTO_HIDDEN)
        env = {k: v for k, v in os.environ.items() if not k.startswith("CIVICMOD__")} | {
            "BENCH_FB_TOKEN": "bench-token"}
        logf = open(work / f"actuator-{run}.log", "wb")  # noqa: SIM115
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "civicmod.cli", "actuator", "--config", str(config)],
                                cwd=REPO, env=env, stdout=logf, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 600
            while sum(c.hidden for c in list(fb.comments.values())) < n:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError(f"actuator did not finish: see {logf.name}")
                time.sleep(0.05)
            took = time.perf_counter() - t0
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
        posts = [r.at for r in fb.requests if r.method == "POST"]
        assert len(posts) == n, f"{len(posts)} hide calls for {n} comments"
    return (n - 1) / (max(posts) - min(posts)), n / took


def baseline_pass(n: int, concurrency: int) -> float:
    async def go(url: str) -> float:
        sem = asyncio.Semaphore(concurrency)
        async with aiohttp.ClientSession() as session:
            async def hide(i: int) -> None:
                async with sem, session.post(f"{url}/b{i}", data={"is_hidden": "true",
                                                                  "access_token": "bench-token"}) as r:
                    await r.read()
            t0 = time.perf_counter()
            await asyncio.gather(*(hide(i) for i in range(n)))
            return n / (time.perf_counter() - t0)

    with FakeGraph(tokens={"bench-token"}, limits=False, auto_create=True) as fb:
        return asyncio.run(go(fb.url))


# -- (b) drain under the real limits, simulated time --------------------------------------------------
class Clock:
    def __init__(self) -> None:
        self.t = datetime(2026, 12, 2, 9, 0, tzinfo=UTC).timestamp()

    def __call__(self) -> float:
        return self.t


def drain(platform_name: str, wave: int) -> dict[str, float]:
    clock = Clock()
    fakes: dict[str, type[FakePlatform]] = {"facebook": FakeGraph, "x": FakeX, "youtube": FakeYouTube}
    kwargs = {"calls_per_hour": 600} if platform_name == "facebook" else {}
    account = f"{platform_name}:wave"
    with fakes[platform_name](tokens={"tok"}, clock=clock, auto_create=True, **kwargs) as fake:  # type: ignore[call-arg]
        settings = Settings().model_copy(update={"actuator": ActuatorSettings.model_validate({
            "accounts": {account: {"platform": platform_name, "owner_id": "owner",
                                   "token": {"env": "BENCH_TOKEN"}, "live": True}},
            "base_urls": {platform_name: fake.url}})})
        os.environ["BENCH_TOKEN"] = "tok"
        limiter = build_limiter(settings, clock)

        async def go() -> tuple[int, int]:
            client = make_client(platform_name, fake.url)
            ex = Executor(settings.actuator, {platform_name: client}, limiter, clock)
            entries: list[Entry] = []
            for i in range(wave):
                e = apply(None, Intent(f"{platform_name}:w{i}", platform_name, account, "hidden",
                                       clock(), "verdict:hide"))
                assert e is not None
                entries.append(e)
            calls = 0
            try:
                while True:
                    todo = [e for e in entries if e.open]
                    if not todo:
                        return calls, 0
                    ready = [e for e in todo if e.not_before <= clock()]
                    if not ready:
                        clock.t = min(e.not_before for e in todo)
                        continue
                    batch = ready[:client.batch_size]
                    units = 50 if platform_name == "youtube" else 0
                    wait = limiter.wait_s(client.endpoint("hide"), account, units)
                    if wait > 0:
                        clock.t += wait
                        continue
                    for e in batch:
                        e.attempts += 1
                    await ex.call("hide", batch)
                    calls += 1
                    clock.t += 0.2  # the call's own time, roughly
            finally:
                await client.close()

        start = clock()
        calls, _ = asyncio.run(go())
        refused = sum(r.status in (429, 400, 403) for r in fake.requests)
        hidden = sum(c.hidden for c in fake.comments.values())
        return {"seconds": clock() - start, "calls": calls, "refused": refused, "hidden": hidden}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bootstrap", default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS"))
    ap.add_argument("--n", type=int, default=2000, help="verdicts per throughput pass")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--wave", type=int, default=1000, help="comments in the spam wave for (b)")
    ap.add_argument("--concurrency", type=int, default=4, help="baseline concurrency (actuator.concurrency)")
    ap.add_argument("--skip", default="", help="parts to skip: throughput,drain")
    args = ap.parse_args()
    skip = set(args.skip.split(","))
    rates, bases, e2e = [], [], []
    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="civicmod-actbench-") as tmp:
        work = Path(tmp)
        if "throughput" not in skip:
            bootstrap = args.bootstrap
            if not bootstrap:
                bootstrap = local_broker(stack, work)
            actuator_pass(bootstrap, work, min(200, args.n))  # warm-up
            for i in range(args.repeat):
                bases.append(baseline_pass(args.n, args.concurrency))
                steady, whole = actuator_pass(bootstrap, work, args.n)
                rates.append(steady)
                e2e.append(whole)
                log(f"(a) pass {i + 1}: actuator {steady:,.0f} actions/s ({whole:,.0f}/s with its "
                    f"start), bare client {bases[-1]:,.0f} calls/s")
        drains = {}
        if "drain" not in skip:
            for name in ("facebook", "x", "youtube"):
                drains[name] = drain(name, args.wave)
                log(f"(b) {name}: {drains[name]}")
    print(f"\nActuator load, {platform.node()} ({os.cpu_count()} CPUs, Python {platform.python_version()}), "
          f"medians of {args.repeat}\n")
    if rates:
        a, b = statistics.median(rates), statistics.median(bases)
        print("| | actions/s | vs baseline |\n|---|---:|---:|")
        print(f"| bare aiohttp client, {args.concurrency} at once (baseline) | {b:,.0f} | 1.00× |")
        print(f"| civicmod actuator (broker, ledger, Action + audit records) | {a:,.0f} | {a / b:.2f}× |")
        w = statistics.median(e2e)
        print(f"| the same, timed from its process start ({args.n:,}) | {w:,.0f} | {w / b:.2f}× |\n")
    if drains:
        print(f"Spam wave of {args.wave:,} comments under the documented limits (simulated time)\n")
        print("| platform | limit | drained in | calls | refused by the platform |\n|---|---|---:|---:|---:|")
        limits = {"facebook": "600 calls / h per page (configured)", "x": "50 hides / 15 min per user",
                  "youtube": "50 comments a call, 10,000 units / day"}
        for name, d in drains.items():
            print(f"| {name} | {limits[name]} | {d['seconds'] / 60:,.1f} min | {d['calls']:,.0f} "
                  f"| {d['refused']:,.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
