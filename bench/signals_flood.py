"""Stateful signals under a flood: the cost per comment of the worker's signal step when one
author floods, or many authors post one text, against quiet traffic in the same run.

What runs per comment is what ``streams.moderate.signal_log.StreamSignals.values`` does: the
default policy's signals read from ``rules.signals.SignalState`` (author comments in 10 min,
hidden in 24 h, same text in 1 h by this author and by distinct authors), then the comment's
event recorded. Scenarios, each over ``--n`` comments one second apart after a warm-up of
``--n`` comments of the same kind:

- quiet (the baseline): every comment from an author of 5,000, each text different;
- flood: every comment from one author (spam), each text different;
- copy-paste: one author posting the same text;
- campaign: one text from 5,000 authors in turn.

Prints the median µs per comment of ``--repeat`` passes and the ratio to quiet. Run:
``.venv/bin/python bench/signals_flood.py [--n 4000] [--repeat 5]``; with
``PYTHONPATH=<another checkout>`` it measures that checkout's ``rules.signals``.
"""

from __future__ import annotations

import argparse
import statistics
import time

from civicmod.contract.records import Author, Comment
from rules.compiler import load_policy_set
from rules.signals import SignalState, comment_event, text_key

SCENARIOS = ("quiet", "flood", "copy-paste", "campaign")


def comments(kind: str, n: int, offset: int) -> list[Comment]:
    out = []
    for i in range(offset, offset + n):
        author = {"quiet": f"u{i % 5000}", "campaign": f"u{i % 5000}"}.get(kind, "spammer")
        text = "Sign the petition at example.org now" if kind in ("copy-paste", "campaign") \
            else f"comment number {i} about the bins"
        out.append(Comment(id=f"x:{kind}{i}", platform="x", account_id="page:bench",
                           author=Author(id=author), text=text))
    return out


def one_pass(kind: str, n: int, specs) -> float:
    """µs per comment over ``n`` comments after ``n`` of warm-up (the logs filled)."""
    state = SignalState()
    start = 1_700_000_000.0
    warm, timed = comments(kind, n, 0), comments(kind, n, n)
    keys = {c.text: text_key(c.text) for c in warm + timed}

    def step(c: Comment, now: float) -> None:
        key = keys[c.text]
        state.values(specs, c, now, key)
        event = comment_event(c, now, False)
        event["t"] = key
        state.apply(event)

    for i, c in enumerate(warm):
        step(c, start + i)
    t0 = time.perf_counter()
    for i, c in enumerate(timed, n):
        step(c, start + i)
    return (time.perf_counter() - t0) * 1e6 / n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=4000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    specs = load_policy_set(["builtin:default"]).policy_for("page:bench").signal_specs
    results: dict[str, list[float]] = {k: [] for k in SCENARIOS}
    for _ in range(args.repeat):
        for kind in SCENARIOS:  # interleaved: every pass sees the same machine
            results[kind].append(one_pass(kind, args.n, specs))
    quiet = statistics.median(results["quiet"])
    print(f"signals: {', '.join(s.name for s in specs)}; {args.n:,} comments after {args.n:,} of "
          f"warm-up, median of {args.repeat}")
    print("| scenario | µs per comment (median) | spread | vs quiet |")
    print("|---|---:|---:|---:|")
    for kind in SCENARIOS:
        med = statistics.median(results[kind])
        print(f"| {kind} | {med:.1f} | {min(results[kind]):.1f}–{max(results[kind]):.1f} | "
              f"{med / quiet:.1f}× |")


if __name__ == "__main__":
    main()
