"""Garbage collection for a long-running service (the worker, the gateway): what start-up built
is frozen out of the collector's sight, and young collections run less often.

A worker keeps a large heap of long-lived objects (policies, word lists, language and
engagement models, the progress ring, signal state) and makes many short-lived ones per
comment. With CPython's default thresholds (700, 10, 10) a paced worker spent ~12% of its CPU
in the collector, and each full collection (every ~3 s) took 0.2–0.3 s, long enough to show in
the p99 latency (docs/worker-profile.md). ``gc.freeze()`` after the warm-up moves the start-up
heap to the permanent generation, so full collections only walk what came later; a young
generation of 50,000 allocations keeps the collections that remain rare. Reference counting
still frees almost everything at once; the collector is only needed for cycles.

The gateway makes a few hundred short-lived containers per webhook (the parsed body, the
normalized models, the record, futures, the log record): with the default thresholds the
collector took ~11% of its CPU under load (0.248 → 0.220 ms per request settled, docs/benchmarks.md).
"""

from __future__ import annotations

import gc
import logging

log = logging.getLogger("civicmod.heap")

#: (young, middle, old) collection thresholds for a service (CPython's default: 700, 10, 10).
SERVICE_THRESHOLDS = (50_000, 20, 10)


def settle_heap(thresholds: tuple[int, int, int] = SERVICE_THRESHOLDS) -> int:
    """Collect once, freeze what is left (the start-up heap) and set ``thresholds``; returns
    how many objects were frozen."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*thresholds)
    frozen = gc.get_freeze_count()
    log.info("heap settled after warm-up", extra={"frozen_objects": frozen,
                                                  "gc_thresholds": list(thresholds)})
    return frozen
