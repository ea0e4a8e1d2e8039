"""The moderate stage's CPU per comment without Kafka: this tree against another, interleaved.

What runs is the worker's stage as ``civicmod worker`` builds it (``Stage``, ``Moderator``,
``Progress``, ``StreamSignals``, the configured policy and ``WorkerMetrics``; classifier backend
``none`` unless ``--backend``), fed the demo comments in batches of ``--batch``; its sender
acknowledges every record at once, so what is measured is the stage's own work per comment
(parsing, rules, signals, decision, encoding, state records), not aiokafka's or the broker's
(``bench/drain.py`` measures those). The first 2,000 comments warm it up (models, caches), then
the heap is settled as the worker does.

Each pass is a fresh process pinned to one CPU, alternating this tree and ``--reference-tree``
(e.g. ``git worktree add /tmp/ref HEAD~1``) so both see the same machine; the figure is the main
thread's CPU time per comment (``time.thread_time``), median of ``--repeat`` passes.

Run: ``.venv/bin/python bench/stage_cpu.py [--n 20000] [--repeat 5] [--reference-tree DIR]
[--copy-paste 0.5]`` (``--copy-paste``: that share of the comments from one account pasting one
text, the flood the stateful signals are for).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import asyncio, json, sys, time
import faust
from civicmod.contract.settings import load_settings
from civicmod.dev.demo import demo_messages
from civicmod.verdict.configured import build_guardrail, build_judge
from classifiers.loader import load_from_settings
from rules.compiler import load_configured
from streams.moderate.executor import DaemonExecutor
from streams.kafka.gc_tuning import settle_heap
from streams.moderate.moderator import Moderator, RawMessage, Stats
from streams.moderate.progress import Progress
from streams.moderate.prometheus import WorkerMetrics
from streams.moderate.signal_log import StreamSignals
from streams.moderate.stage import Stage

n, batch, backend, share = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], float(sys.argv[4])


class AckSender:
    records = 0
    size = 0

    async def send(self, rec):
        AckSender.records += 1
        AckSender.size += len(rec.value or b"")
        fut = asyncio.get_running_loop().create_future()
        fut.set_result(None)
        return fut

    async def send_many(self, recs):  # the same work per record as send (the sender is not measured)
        return [await self.send(rec) for rec in recs]

    async def send_now(self):
        pass


settings = load_settings(None, {"CIVICMOD__CLASSIFIER__BACKEND": backend})
loaded = load_from_settings(settings.classifier)
guard = build_guardrail(settings)
judge = build_judge(settings, loaded, load_configured(settings.policy), guard)
app = faust.App("stage-bench", broker="kafka://127.0.0.1:1")
signals = StreamSignals(app, "127.0.0.1:1",
                        lambda c: judge.ruleset.policy_for(c.account_id).signal_specs, guard)
judge.signals, judge.on_verdict = signals.values, signals.on_verdict
progress = Progress("127.0.0.1:1", "stage-bench-progress")
w, k = settings.worker, settings.kafka
moderator = Moderator(judge, DaemonExecutor(thread_name_prefix="model"), w.max_text_chars,
                      settings.classifier.timeout_s, Stats(), max_comment_bytes=k.max_comment_bytes,
                      max_record_bytes=k.max_record_bytes, progress=progress,
                      metrics=WorkerMetrics(state=lambda: None))
stage = Stage(moderator, AckSender(), progress, drains=[signals.drain])
stage.need_sync = False
now = time.time()
items = [(key, value) for key, value, _ in demo_messages(n + 2000, 0, run="stage") if key]
if share:  # that share of the comments, evenly spread: one account pasting one text (a flood)
    from civicmod.contract.records import Author, Comment
    for i in range(len(items)):
        if int((i + 1) * share) > int(i * share):
            c = Comment(id=f"x:paste{i}", platform="x", account_id="page:demo",
                        author=Author(id="spammer", handle="spammer"),
                        text="Sign the petition at example.org now")
            items[i] = (c.id.encode(), c.to_json())
msgs = [RawMessage(key, value, "comments.incoming", i % 6, i // 6, now)
        for i, (key, value) in enumerate(items)]
warm, msgs = msgs[:2000], msgs[2000:]


async def run(messages):
    for i in range(0, len(messages), batch):
        await stage.run(messages[i:i + batch])


loop = asyncio.new_event_loop()
loop.run_until_complete(run(warm))
settle_heap()
records0, size0 = AckSender.records, AckSender.size
c0, p0 = time.thread_time(), time.process_time()
loop.run_until_complete(run(msgs))
c1, p1 = time.thread_time(), time.process_time()
print(json.dumps({"comments": len(msgs), "main_ms": 1000 * (c1 - c0) / len(msgs),
                  "process_ms": 1000 * (p1 - p0) / len(msgs),
                  "records": (AckSender.records - records0) / len(msgs),
                  "bytes": (AckSender.size - size0) / len(msgs),
                  "outcomes": dict(moderator.stats.outcomes)}))
"""


def one_pass(tree: Path, args: argparse.Namespace, cpu: int | None) -> dict:
    env = {**os.environ, "PYTHONPATH": str(tree), "CIVICMOD_CONFIG": str(tree / "civicmod.yaml")}
    cmd = [sys.executable, "-c", CHILD, str(args.n), str(args.batch), args.backend, str(args.copy_paste)]
    if cpu is not None:
        cmd = ["taskset", "-c", str(cpu), *cmd]
    done = subprocess.run(cmd, cwd=tree, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"stage pass in {tree} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=20_000, help="comments per pass (after 2,000 warm-up)")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--batch", type=int, default=128, help="comments per batch (the worker's batch_size)")
    ap.add_argument("--backend", default="none", help="classifier backend (default: none, rules only)")
    ap.add_argument("--reference-tree", type=Path, help="another checkout to run alternately")
    ap.add_argument("--copy-paste", type=float, default=0.0, metavar="SHARE",
                    help="this share of the comments from one account pasting one text (0..1)")
    args = ap.parse_args()
    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    cpu = cpus[-1] if cpus and shutil.which("taskset") else None
    trees = {"this tree": ROOT}
    if args.reference_tree:
        trees["reference"] = args.reference_tree.resolve()
    runs: dict[str, list[dict]] = {name: [] for name in trees}
    for rep in range(args.repeat):
        for name, tree in trees.items():
            r = one_pass(tree, args, cpu)
            runs[name].append(r)
            print(f"pass {rep + 1} {name}: {r['main_ms']:.3f} ms/comment (process {r['process_ms']:.3f}), "
                  f"{r['records']:.2f} records/comment", file=sys.stderr)
    print(f"| tree | CPU ms/comment, main thread (median of {args.repeat}, spread) | process | "
          "records/comment | bytes/comment |")
    print("|---|---:|---:|---:|---:|")
    med = {}
    for name, rs in runs.items():
        main_ms = [r["main_ms"] for r in rs]
        med[name] = statistics.median(main_ms)
        print(f"| {name} | {med[name]:.3f} ({min(main_ms):.3f}–{max(main_ms):.3f}) | "
              f"{statistics.median(r['process_ms'] for r in rs):.3f} | "
              f"{statistics.median(r['records'] for r in rs):.2f} | "
              f"{statistics.median(r['bytes'] for r in rs):,.0f} |")
    if "reference" in med:
        print(f"\nthis tree / reference CPU per comment: {med['this tree'] / med['reference']:.2f} "
              f"({args.n:,} demo comments per pass, batches of {args.batch}, backend {args.backend}"
              + (f", {args.copy_paste:.0%} copy-pasted by one account" if args.copy_paste else "") + ")")


if __name__ == "__main__":
    main()
