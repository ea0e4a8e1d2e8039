"""What engagement tagging costs on the hot path: judging throughput with and without it.

Three judges over the same comments, in the same run, interleaved round by round, on one core,
through the one batch path (``civicmod.verdict.batch.judge_batch``, batches of 128, no toxicity
model so that the rules and the tagging are all that is timed):

- ``base``: the default policy with its ``engagement.*`` rules switched off, no classifier;
- ``rules``: the default policy (its engagement rules tag), no classifier;
- ``rules+classifier``: the default policy and the engagement classifier (trained before timing).

Comments: the engagement seed set, the demo feed and up to ``--limit`` Davidson et al. tweets
(``../shared/datasets/davidson_labeled_data.csv``, when present), built before timing.

Run: ``.venv/bin/python bench/engagement_tagging.py [--repeat 7] [--limit 3000]``. Prints the
median comments per CPU-second of each judge, the ratios to ``base``, and the share of the
Davidson tweets tagged (tweets not addressed to an agency: mostly false positives).
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import tempfile
import time
from pathlib import Path

from civicmod.contract.records import NEEDS_REPLY_TAGS, Author, Comment
from civicmod.dev.demo import DEMO_COMMENTS
from civicmod.verdict.batch import judge_batch
from civicmod.verdict.judge import Judge
from classifiers.engagement import default_classifier, load_seed
from rules.compiler import load_policy_set

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "datasets"
BATCH = 128
NO_ENGAGEMENT = """\
policy: bench-no-engagement
version: "1"
description: the default policy without its engagement rules
disable: [engagement.question, engagement.report]
"""


def texts(limit: int) -> list[str]:
    out = [e.text for e in load_seed()] + [t for _, _, t, _ in DEMO_COMMENTS]
    path = DATA / "davidson_labeled_data.csv"
    if path.is_file():
        with path.open(newline="", encoding="utf-8") as fh:
            for n, row in enumerate(csv.DictReader(fh)):
                if n >= limit:
                    break
                out.append(row["tweet"])
    return out


def rate(judge: Judge, comments: list[Comment]) -> float:
    """Comments per second of this process's CPU time (other processes on a shared machine
    do not count against it)."""
    start = time.process_time()
    for i in range(0, len(comments), BATCH):
        judge_batch(judge, comments[i:i + BATCH])
    return len(comments) / (time.process_time() - start)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--limit", type=int, default=3000)
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    comments = [Comment(id=f"x:{i}", platform="x", account_id="bench", author=Author(id=f"u{i}"),
                        text=t) for i, t in enumerate(texts(args.limit))]
    with tempfile.TemporaryDirectory() as tmp:
        layer = Path(tmp) / "no-engagement.yaml"
        layer.write_text(NO_ENGAGEMENT)
        base = load_policy_set(organisation_files=[layer])
    policy = load_policy_set()
    classifier = default_classifier()
    classifier.predict(["warm up: train before timing"])
    judges = {"base": Judge(base, None, engagement=None),
              "rules": Judge(policy, None, engagement=None),
              "rules+classifier": Judge(policy, None, engagement=classifier)}
    for judge in judges.values():
        rate(judge, comments[:BATCH])  # warm caches
    rates: dict[str, list[float]] = {name: [] for name in judges}
    for _ in range(args.repeat):
        for name, judge in judges.items():
            rates[name].append(rate(judge, comments))
    medians = {name: statistics.median(r) for name, r in rates.items()}
    print(f"{len(comments)} comments, batches of {BATCH}, {args.repeat} rounds, one core, "
          f"comments per CPU-second")
    for name, m in medians.items():
        print(f"{name:>18}: {m:9.0f} comments/s (median)  ratio to base {m / medians['base']:.2f}")
    print(f"engagement step: {1e6 / medians['rules+classifier'] - 1e6 / medians['rules']:.1f} "
          f"µs/comment (classifier), {1e6 / medians['rules'] - 1e6 / medians['base']:.1f} "
          f"µs/comment (rules)")
    tweets = comments[-min(args.limit, len(comments)):] if DATA.joinpath(
        "davidson_labeled_data.csv").is_file() else []
    if tweets:  # tweets not addressed to any agency: what gets tagged is mostly false positives
        tagged = judge_batch(judges["rules+classifier"], tweets)
        share = sum(bool(NEEDS_REPLY_TAGS & set(v.tags)) for v in tagged) / len(tweets)
        by_model = sum(any(r.source == "model" for r in v.reasons) for v in tagged) / len(tweets)
        print(f"Davidson tweets tagged: {share:.1%} (by the classifier: {by_model:.1%})")


if __name__ == "__main__":
    main()
