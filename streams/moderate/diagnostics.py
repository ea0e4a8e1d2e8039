"""``kill -USR1 <worker pid>``: the worker prints its consumer state and asyncio tasks.

For on-call operators facing a worker that is up but not judging: which partitions it holds,
the last offset it handled and committed against the highwater, whether a batch is in flight,
how many rebalances and failed commits it saw, and what every task is waiting on.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from typing import Any


def consumer_state(app: Any) -> list[str]:
    """Lines describing the worker's batch consumer (best effort)."""
    try:
        return list(app.civicmod.consumer.describe())
    except Exception as exc:  # diagnostics never take the worker down
        return [f"(consumer state unavailable: {exc!r})"]


def task_stacks() -> list[str]:
    lines = []
    for task in asyncio.all_tasks():
        frames = task.get_stack(limit=2)
        where = " <- ".join(f"{f.f_code.co_name}:{f.f_lineno}" for f in frames) or "-"
        lines.append(f"  task {task.get_name()}: {where}")
    return sorted(lines)


def install(app: Any) -> None:
    """Print the state on SIGUSR1 (call from a task running in the worker's loop)."""
    def dump() -> None:
        out = ["[civicmod worker] state dump (SIGUSR1)", *consumer_state(app), *task_stacks()]
        print("\n".join(out), file=sys.stdout, flush=True)

    if hasattr(signal, "SIGUSR1"):
        asyncio.get_running_loop().add_signal_handler(signal.SIGUSR1, dump)
