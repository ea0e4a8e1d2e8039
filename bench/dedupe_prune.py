"""The gateway's minute prune of its dedupe index: how long it holds the event loop.

The gateway prunes its dedupe index every minute, on the event loop: every webhook waits for
it. The index holds every key of the window (3 days by default). Here it is filled with
``--keys`` keys spread evenly over that window, added in time order (a gateway that has run
for the whole window) or shuffled (read back from the topic at start, its partitions
interleaved: the worst case). The clock then moves forward one prune interval at a time, and
each prune is timed. That is the steady state: each prune removes about a minute's keys.

Baseline, in the same process: the index as it was before, a full scan that tests every key's
time on each prune (same digests, same dict).

Run::

    .venv/bin/python bench/dedupe_prune.py [--keys 3000000] [--prunes 5]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from benchkit import log  # bench/ is on sys.path when run as a script

from streams.gateway.dedupe import DedupeIndex

WINDOW_S = 3 * 86400.0
PRUNE_INTERVAL_S = 60.0


class FullScanIndex(DedupeIndex):
    """The baseline: each prune tests every key (the gateway's index until 2026-12-05)."""

    def prune(self) -> int:
        cutoff = self.clock() * 1000 - self.window_ms
        old = [d for d, ts in self._seen.items() if ts < cutoff]
        for d in old:
            del self._seen[d]
        return len(old)


def run(cls: type[DedupeIndex], n: int, prunes: int, seed: int,
        shuffled: bool) -> tuple[list[float], int]:
    """Prune times (seconds) and keys left, for ``n`` keys over the window."""
    start_ms = 1_700_000_000_000
    step_ms = WINDOW_S * 1000 / n
    now = [start_ms / 1000 + WINDOW_S]
    index = cls(WINDOW_S, clock=lambda: now[0])
    times = [int(start_ms + i * step_ms) + 1 for i in range(n)]
    if shuffled:
        random.Random(seed).shuffle(times)
    for t in times:
        index.add(f"facebook:{t}_{seed}|add|0123456789abcdef", t)
    index.prune()  # the keys before the first interval
    took = []
    for _ in range(prunes):
        now[0] += PRUNE_INTERVAL_S
        t0 = time.perf_counter()
        index.prune()
        took.append(time.perf_counter() - t0)
    return took, len(index)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--keys", type=int, nargs="+", default=[300_000, 3_000_000])
    ap.add_argument("--prunes", type=int, default=5)
    args = ap.parse_args()
    print(f"Median of {args.prunes} prunes, one prune interval ({PRUNE_INTERVAL_S:g} s) apart\n")
    print("| keys in the window | comments/s | added | baseline: full scan, ms per prune "
          "| by minute, ms per prune | baseline / by minute |")
    print("|---:|---:|---|---:|---:|---:|")
    for n, shuffled in [(n, s) for n in args.keys for s in (False, True)]:
        log(f"{n:,} keys{', shuffled' if shuffled else ''}...")
        base, left_base = run(FullScanIndex, n, args.prunes, 1, shuffled)
        new, left_new = run(DedupeIndex, n, args.prunes, 1, shuffled)
        # the same keys go, except those of the minute the window's edge falls in (kept until
        # the next prune; contains() ignores them already)
        per_minute = n / WINDOW_S * 60
        assert left_base <= left_new <= left_base + per_minute + 1, (left_base, left_new)
        b, m = statistics.median(base) * 1000, statistics.median(new) * 1000
        order = "shuffled" if shuffled else "in time order"
        print(f"| {n:,} | {n / WINDOW_S:.1f} | {order} | {b:.1f} | {m:.2f} | {b / m:.0f}× |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
