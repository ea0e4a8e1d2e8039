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
Davidson tweets tagged (tweets not addressed to an agency: mostly false positives). Then the
classifier call alone by batch size (``--batch-sizes``): scikit-learn's ``predict_proba`` on
the fitted pipeline (the baseline) against ``EngagementClassifier.predict`` (the plain-Python
``Scorer``), µs per text, same texts, interleaved; the worker's batches are small when the
stream is quiet, and scikit-learn's per-call cost (~1 ms) was then paid by few comments.
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
from classifiers.engagement import EngagementClassifier, default_classifier, load_seed
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


def per_text_us(fn: object, texts: list[str], size: int, budget_s: float = 0.3) -> float:
    """CPU µs per text of ``fn(batch)`` over consecutive batches of ``size`` texts."""
    batches = [texts[i:i + size] for i in range(0, len(texts) - size + 1, size)] or [texts[:size]]
    done, start = 0, time.process_time()
    while time.process_time() - start < budget_s:
        for b in batches:
            fn(b)  # type: ignore[operator]
            done += len(b)
    return (time.process_time() - start) * 1e6 / done


def by_batch_size(classifier: EngagementClassifier, texts: list[str], sizes: list[int],
                  repeat: int) -> None:
    pipeline = classifier._model()  # the fitted pipeline is the baseline
    lowered = [t.lower() for t in texts]
    print("\nengagement classifier call alone, CPU µs per text (median of "
          f"{repeat}): scikit-learn predict_proba vs civicmod's Scorer")
    print("| batch | scikit-learn | civicmod | ratio |\n|---:|---:|---:|---:|")
    for size in sizes:
        base, ours = [], []
        for _ in range(repeat):
            base.append(per_text_us(pipeline.predict_proba, lowered, size))
            ours.append(per_text_us(classifier.predict, texts, size))
        b, o = statistics.median(base), statistics.median(ours)
        print(f"| {size} | {b:,.1f} | {o:,.1f} | {b / o:.1f}× |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--limit", type=int, default=3000)
    ap.add_argument("--batch-sizes", default="1,8,32,128,512",
                    help="batch sizes of the classifier-alone comparison (empty: skip it)")
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
    if args.batch_sizes:
        by_batch_size(classifier, [c.text for c in comments],
                      [int(x) for x in args.batch_sizes.split(",")], args.repeat)


if __name__ == "__main__":
    main()
