"""Small webhooks while large ones arrive: the gateway decoding big bodies in a worker thread
(``gateway.thread_decode_bytes``, 64 KiB) against decoding them on its event loop, in one run.

Two real ``civicmod gateway`` processes on one broker, the same settings but for
``thread_decode_bytes``: 64 KiB (the default) and 64 MiB (every body on the event loop). For
each, ``--repeat`` passes of ``--duration`` seconds, alternating the two gateways:

- a closed loop of ``--concurrency`` clients sending signed one-comment Facebook webhooks;
- meanwhile ``--big-senders`` (1) clients, each posting a large signed body every
  ``--big-every`` seconds, either
  - ``batch``: a real Facebook batch of ``--batch-comments`` new comments (~800 KB for 2,500),
    written to Kafka like any other, or
  - ``hostile``: 1 MB of empty arrays under a valid signature (a sender holding the secret),
    refused 400 once decoded.

Printed per gateway and kind: the small webhooks' requests/s and p50 / p99 / worst latency, and
the large bodies' median latency; medians of the passes, the ratio of the p99s in the same run.

    .venv/bin/python bench/gateway_big_bodies.py [--duration 8] [--repeat 3] [--bootstrap HOST:PORT]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

import aiohttp
from benchkit import local_broker, pct  # bench/ is on sys.path when run as a script
from benchkit import log as _log
from gateway_load import (
    Bodies,
    PassResult,
    closed_loop,
    gateway_env,
    signed,
    spawn_gateway,
    wait_ready,
)

from civicmod.dev.localkafka import free_port
from streams.kafka.admin import ensure_topics

Signed = tuple[bytes, dict[str, str]]

#: The two gateways: thread_decode_bytes for each.
MODES = {"thread (64 KiB)": 64 * 1024, "event loop": 64 * 1024 * 1024}


def hostile_body() -> Signed:
    """1 MB of empty arrays where the entries belong: decoded in full, then refused (400)."""
    arrays = b",".join([b"[]"] * 340_000)
    return signed(b'{"object": "page", "entry": [' + arrays + b"]}")


async def big_sender(url: str, bodies: list[Signed], every_s: float, duration: float,
                     latencies: list[float], statuses: dict[int, int]) -> None:
    async with aiohttp.ClientSession() as session:
        stop_at = time.perf_counter() + duration
        i = 0
        while time.perf_counter() < stop_at:
            body, headers = bodies[i % len(bodies)]
            i += 1
            t0 = time.perf_counter()
            async with session.post(url, data=body, headers=headers) as resp:
                await resp.read()
                statuses[resp.status] = statuses.get(resp.status, 0) + 1
            latencies.append(time.perf_counter() - t0)
            await asyncio.sleep(max(0.0, every_s - (time.perf_counter() - t0)))


def run_pass(url: str, small: Bodies, make_big: Callable[[], Signed], args: argparse.Namespace
             ) -> tuple[PassResult, list[float], dict[int, int]]:
    res = PassResult("gateway", "closed", args.duration)
    big_lat: list[float] = []
    big_status: dict[int, int] = {}
    # made (JSON, HMAC) before the pass, not on the load generator's loop during it
    bigs = [[make_big() for _ in range(int(args.duration / args.big_every) + 2)]
            for _ in range(args.big_senders)]

    async def both() -> None:
        await asyncio.gather(
            closed_loop(url, small, args.concurrency, args.duration, res),
            *(big_sender(url, mine, args.big_every, args.duration, big_lat, big_status)
              for mine in bigs))

    asyncio.run(both())
    return res, big_lat, big_status


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bootstrap", default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS"))
    ap.add_argument("--duration", type=float, default=8.0, help="seconds per pass")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--concurrency", type=int, default=8, help="small-webhook clients")
    ap.add_argument("--big-every", type=float, default=0.25,
                    help="seconds between one sender's large bodies")
    ap.add_argument("--big-senders", type=int, default=1, help="clients posting large bodies")
    ap.add_argument("--batch-comments", type=int, default=2500)
    ap.add_argument("--kinds", nargs="+", default=["batch", "hostile"], choices=["batch", "hostile"])
    ap.add_argument("--reference-tree", type=Path,
                    help="also run this (unpacked older) tree's gateway, large bodies in a thread")
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="civicmod-bigbodies-"))
    rows: dict[tuple[str, str], list[tuple[PassResult, list[float], dict[int, int]]]] = {}
    with ExitStack() as stack:
        stack.callback(shutil.rmtree, work, True)
        bootstrap = args.bootstrap or local_broker(stack, work)
        urls: dict[str, str] = {}
        gateways = [(mode, threshold, None) for mode, threshold in MODES.items()]
        if args.reference_tree:
            gateways.append((f"reference ({args.reference_tree.name})", 64 * 1024,
                             args.reference_tree))
        for i, (mode, threshold, tree) in enumerate(gateways):
            prefix = f"bigbody{uuid.uuid4().hex[:6]}."
            ensure_topics(bootstrap, 6, 1, prefix)
            port = free_port()
            log_path = work / f"gateway{i}.log"
            proc = spawn_gateway(stack, work, log_path, gateway_env(
                bootstrap, prefix, port, tree, thread_decode_bytes=threshold))
            urls[mode] = f"http://127.0.0.1:{port}"
            wait_ready(urls[mode], proc, log_path)

        run = uuid.uuid4().hex[:6]
        small = Bodies(1, run)
        batches = Bodies(args.batch_comments, run + "b")
        hostile = hostile_body()
        makers: dict[str, Callable[[], Signed]] = {"batch": batches.next, "hostile": lambda: hostile}
        _log("warm-up")
        for url in urls.values():
            run_pass(url + "/webhooks/facebook", small, makers["batch"],
                     argparse.Namespace(**{**vars(args), "duration": 2.0}))
        for i in range(args.repeat):
            for kind in args.kinds:
                for mode, url in urls.items():
                    got = run_pass(url + "/webhooks/facebook", small, makers[kind], args)
                    rows.setdefault((kind, mode), []).append(got)
                    res, big, status = got
                    _log(f"pass {i + 1} {kind:>7} {mode:>22}: small {res.rate:6.0f}/s "
                         f"p99 {pct(res.latencies, .99) * 1000:6.1f} ms, max "
                         f"{max(res.latencies, default=0) * 1000:6.1f} ms; large "
                         f"{statistics.median(big) * 1000 if big else 0:6.1f} ms {status}")

    print(f"\nSmall webhooks while large bodies arrive, {platform.node()} ({os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}); {args.concurrency} small-webhook clients, "
          f"{args.big_senders} client(s) each posting a large body every {args.big_every:g} s, "
          f"{args.repeat} × {args.duration:g} s passes, medians\n")
    print("| large bodies | decoded | small requests/s | small p50 ms | small p99 ms | small worst ms "
          "| large body ms | large bodies answered | small errors |")
    print("|---|---|---:|---:|---:|---:|---:|---|---:|")
    p99s: dict[tuple[str, str], float] = {}
    for (kind, mode), passes in rows.items():
        rate = statistics.median(r.rate for r, _, _ in passes)
        p50 = statistics.median(pct(r.latencies, .5) for r, _, _ in passes) * 1000
        p99 = p99s[kind, mode] = statistics.median(pct(r.latencies, .99) for r, _, _ in passes) * 1000
        worst = max(max(r.latencies, default=0) for r, _, _ in passes) * 1000
        big = statistics.median(statistics.median(b) for _, b, _ in passes if b) * 1000
        answered: dict[int, int] = {}
        for _, _, status in passes:
            for code, n in status.items():
                answered[code] = answered.get(code, 0) + n
        errors = sum(sum(r.errors.values()) for r, _, _ in passes)
        what = (f"{args.batch_comments:,}-comment batch" if kind == "batch" else "hostile 1 MB")
        print(f"| {what} | {mode} | {rate:,.0f} | {p50:.1f} | {p99:.1f} | {worst:.1f} | {big:.1f} | "
              f"{', '.join(f'{n}× {code}' for code, n in sorted(answered.items()))} | {errors} |")
    print()
    for kind in args.kinds:
        thread, loop = p99s.get((kind, "thread (64 KiB)")), p99s.get((kind, "event loop"))
        if thread and loop:
            print(f"{kind}: small-webhook p99 {thread:.1f} ms in a thread against {loop:.1f} ms on "
                  f"the event loop ({loop / thread:.1f}× lower)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
