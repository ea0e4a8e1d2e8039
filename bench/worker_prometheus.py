"""What the worker's Prometheus instrumentation costs on its hot path.

The moderate stage's batch step (``streams.moderate.moderator.Moderator.process``: parse, rules,
engagement tags, decision, verdict JSON, counting) over the same batches of raw
``civicmod.comment/1`` messages, built with ``metrics=None`` and with ``metrics=WorkerMetrics()``
(what ``streams.moderate.service`` passes: a comment counter by outcome, platform and deciding
reason, the produce-to-verdict latency and batch size histograms, dead letters by reason).
The judge is the service's (``build_judge``: the default policy, its hide guardrail, the
engagement classifier) with classifier backend ``none``, so that the rules and tags, the cheapest
judging there is, are what the instrumentation is compared with; no Kafka, no stream state
(``progress`` and stateful signals off: both variants alike).

Comments: the demo feed and up to ``--limit`` Davidson et al. tweets
(``../shared/datasets/davidson_labeled_data.csv``, when present) on four platforms, 0.5% of the
messages unreadable (dead-lettered), in batches of 128 (``worker.batch_size``). One core; the two
variants alternate within each round (the order flips every round); comments per CPU-second.
What exists before timing is frozen (``gc.freeze``) and every pass starts after a full
collection, so that a full collection landing in one pass and not the other does not decide the
ratio (the collections a pass causes still count).

Also timed alone: the instrumentation calls a batch makes (``WorkerMetrics.verdict`` per
verdict, the latency and batch size observations) on the verdicts of one pass, and one scrape
(``WorkerMetrics.exposition``) of the counters this left.

Run: ``.venv/bin/python bench/worker_prometheus.py [--repeat 9] [--limit 8000]``. Prints the
medians, the ratio with / without, and µs per comment of instrumentation.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import gc
import os
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from benchkit import log  # bench/ is on sys.path when run as a script

from civicmod.contract.records import Author, Comment, Verdict
from civicmod.contract.settings import load_settings
from civicmod.contract.topics import DEADLETTER
from civicmod.dev.demo import DEMO_COMMENTS
from civicmod.verdict.configured import build_guardrail, build_judge
from classifiers.loader import LoadedClassifier
from streams.moderate.executor import DaemonExecutor
from streams.moderate.moderator import Moderator, RawMessage
from streams.moderate.prometheus import WorkerMetrics, WorkerState

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "datasets"
BATCH = 128
PLATFORMS = [("facebook", "page:city"), ("instagram", "ig:city"), ("x", "x:city"),
             ("youtube", "yt:council")]


def texts(limit: int) -> list[str]:
    out = [t for _, _, t, _ in DEMO_COMMENTS]
    path = DATA / "davidson_labeled_data.csv"
    if path.is_file():
        with path.open(newline="", encoding="utf-8") as fh:
            for n, row in enumerate(csv.DictReader(fh)):
                if n >= limit:
                    break
                out.append(row["tweet"])
    return out


def batches(limit: int) -> list[list[RawMessage]]:
    """The raw messages, in batches; every 200th is not JSON (dead-lettered)."""
    now = datetime.now(UTC)
    msgs = []
    for i, text in enumerate(texts(limit)):
        platform, account = PLATFORMS[i % len(PLATFORMS)]
        value = b"{not json" if i % 200 == 199 else Comment(
            id=f"{platform}:{i}", platform=platform, account_id=account,  # type: ignore[arg-type]
            author=Author(id=f"u{i % 997}", display_name=f"user {i % 997}"), text=text,
            created_at=now, received_at=now).to_json()
        msgs.append(RawMessage(f"{platform}:{i}".encode(), value, "comments.incoming", i % 6, i,
                               None))
    return [msgs[i:i + BATCH] for i in range(0, len(msgs), BATCH)]


def stamped(batch: list[RawMessage]) -> list[RawMessage]:
    """The batch as the stage gets it: Kafka timestamps a little before now."""
    produced = time.time() - 0.05
    return [RawMessage(m.key, m.value, m.topic, m.partition, m.offset, produced) for m in batch]


async def one_pass(mod: Moderator, work: list[list[RawMessage]]) -> float:
    """CPU seconds for every batch through ``mod``."""
    fresh = [stamped(b) for b in work]
    t0 = time.process_time()
    for batch in fresh:
        await mod.process(batch)
    return time.process_time() - t0


def instrumentation_alone(metrics: WorkerMetrics, verdicts: list[Verdict], sizes: list[int],
                          dead: int) -> float:
    """CPU seconds of exactly the calls ``Moderator.process`` makes on ``metrics`` for these
    verdicts, batches and dead letters."""
    t0 = time.process_time()
    for size in sizes:
        metrics.batch_size.observe(size)
    for _ in range(dead):
        metrics.deadletters.labels("invalid_json").inc()
    for v in verdicts:
        metrics.verdict_latency.observe(0.05)
        metrics.verdict(v)
    return time.process_time() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=9)
    ap.add_argument("--limit", type=int, default=8000, help="Davidson tweets to use")
    ap.add_argument("--aa", action="store_true",
                    help="A/A check: the 'with' moderator gets no metrics either")
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

    with tempfile.TemporaryDirectory() as tmp:
        cfg = Path(tmp) / "civicmod.yaml"
        cfg.write_text("classifier: {backend: none}\n")
        settings = load_settings(cfg, env={})
    loaded = LoadedClassifier(None, "backend none (bench)")
    work = batches(args.limit)
    n = sum(len(b) for b in work)
    w, k = settings.worker, settings.kafka
    metrics = WorkerMetrics(state=lambda: WorkerState("none", "bench"))

    def moderator(with_metrics: bool) -> Moderator:
        judge = build_judge(settings, loaded, guardrail=build_guardrail(settings))
        return Moderator(judge, DaemonExecutor(thread_name_prefix="bench-model"), w.max_text_chars,
                         settings.classifier.timeout_s, max_comment_bytes=k.max_comment_bytes,
                         max_record_bytes=k.max_record_bytes,
                         deadletter_raw_bytes=k.deadletter_raw_bytes,
                         metrics=metrics if with_metrics else None)

    mods = {"without": moderator(False), "with": moderator(not args.aa)}
    loop = asyncio.new_event_loop()
    for mod in mods.values():  # warm up: the engagement classifier trains on first use
        loop.run_until_complete(mod.process(stamped(work[0])))
    gc.collect()
    gc.freeze()  # the policy, the classifier, the messages: not scanned by every full collection
    log(f"{n:,} messages in {len(work)} batches of {BATCH}; {args.repeat} rounds")
    cpu: dict[str, list[float]] = {name: [] for name in mods}
    for rnd in range(args.repeat):
        order = list(mods) if rnd % 2 == 0 else list(reversed(mods))
        for name in order:
            gc.collect()  # each pass starts from the same heap (collections within it count)
            cpu[name].append(loop.run_until_complete(one_pass(mods[name], work)))
        log(f"round {rnd + 1}: " + ", ".join(f"{k} {n / v[-1]:,.0f}/s" for k, v in cpu.items()))

    # the instrumentation alone, on the verdicts one pass produces
    sample = loop.run_until_complete(_verdicts(mods["without"], work))
    fresh = WorkerMetrics()
    sizes = [len(b) for b in work]
    alone = statistics.median(instrumentation_alone(fresh, sample, sizes, n - len(sample))
                              for _ in range(args.repeat))
    t0 = time.process_time()
    scrapes = 50
    for _ in range(scrapes):
        size = len(metrics.exposition())
    scrape_ms = (time.process_time() - t0) * 1000 / scrapes
    loop.close()

    med = {name: statistics.median(v) for name, v in cpu.items()}
    rate = {name: n / s for name, s in med.items()}
    ratios = [b / a for a, b in zip(cpu["with"], cpu["without"], strict=True)]
    if args.aa:
        print("A/A CHECK: both moderators without metrics")
    print(f"{n:,} messages ({len(sample):,} verdicts a pass), batches of {BATCH}, "
          f"{args.repeat} rounds, one core, comments per CPU-second (median)")
    print("| measure | comments/s | µs/comment |")
    print("|---|---:|---:|")
    print(f"| Moderator.process, metrics=None | {rate['without']:,.0f} | "
          f"{1e6 / rate['without']:.1f} |")
    second = "a second Moderator, metrics=None (A/A)" if args.aa else "metrics=WorkerMetrics()"
    print(f"| Moderator.process, {second} | {rate['with']:,.0f} | "
          f"{1e6 / rate['with']:.1f} |")
    print(f"| ratio with / without (of medians) | {rate['with'] / rate['without']:.3f} | |")
    print(f"| ratio with / without (median of per-round ratios, min–max) | "
          f"{statistics.median(ratios):.3f} ({min(ratios):.3f}–{max(ratios):.3f}) | |")
    print(f"| instrumentation: difference of the medians | | "
          f"{1e6 / rate['with'] - 1e6 / rate['without']:.2f} |")
    print(f"| instrumentation: its calls timed alone | | {alone * 1e6 / n:.2f} |")
    print(f"one scrape (/metrics exposition, {size:,} bytes): {scrape_ms:.2f} ms")


async def _verdicts(mod: Moderator, work: list[list[RawMessage]]) -> list[Verdict]:
    out = []
    for batch in work:
        for o in await mod.process(stamped(batch)):
            if o.topic != DEADLETTER:
                out.append(Verdict.model_validate_json(o.value))
    return out


if __name__ == "__main__":
    main()
