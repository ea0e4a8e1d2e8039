"""The worker's own health: a crash is never silent.

A step that fails for one message is handled where it happens (``civicmod.verdict.batch``,
``streams.moderate.moderator``). What is
left here is what should never happen: the moderate agent or a background task dying. Then
``/health`` answers ``crashed`` with the reason, the log has one ``critical`` line, and the
process exits with status 70 so that its supervisor restarts it (the batch in flight is not
committed: it is redelivered, and ``streams.moderate.progress`` judges alone what stopped a worker).
Periodic timers (metrics, policy reload, expiry) are guarded instead: a failure is logged,
counted in ``/health`` and retried at the next tick.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import sys
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

log = logging.getLogger("civicmod.worker")

#: Exit status of a worker that crashed (EX_SOFTWARE).
CRASH_EXIT = 70


def exit_soon(code: int, delay_s: float, why: str) -> threading.Thread:
    """Leave the process with ``code`` after ``delay_s``, whatever the event loop is doing
    (a hung thread, a blocked shutdown): a daemon thread calls ``os._exit``."""
    def run() -> None:
        time.sleep(delay_s)
        log.critical("exiting", extra={"code": code, "why": why})
        for handler in logging.getLogger().handlers:
            with contextlib.suppress(Exception):  # exiting regardless
                handler.flush()
        sys.stdout.flush()
        os._exit(code)

    thread = threading.Thread(target=run, name="civicmod-exit", daemon=True)
    thread.start()
    return thread


class Health:
    def __init__(self, crash_delay_s: float = 1.0) -> None:
        self.crashed: str | None = None
        self.task_errors: Counter[str] = Counter()
        self.last_task_error: str | None = None
        self.crash_delay_s = crash_delay_s
        self._last_log: dict[str, float] = {}

    def crash(self, what: str, exc: BaseException) -> None:
        """``what`` died with ``exc``: say so everywhere, then exit non-zero."""
        if self.crashed is not None:
            return
        self.crashed = f"{what}: {type(exc).__name__}: {exc}"[:500]
        log.critical("worker crashed; exiting for a restart", exc_info=exc,
                     extra={"what": what, "exit_code": CRASH_EXIT})
        exit_soon(CRASH_EXIT, self.crash_delay_s, self.crashed)

    def guarded(self, name: str) -> Callable[[Callable[..., Awaitable[Any]]],
                                             Callable[..., Awaitable[None]]]:
        """A timer body whose failures are logged (at most once a minute each) and counted."""
        def wrap(fn: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[None]]:
            @functools.wraps(fn)
            async def run(*args: Any, **kwargs: Any) -> None:
                try:
                    await fn(*args, **kwargs)
                except Exception as exc:
                    self.task_errors[name] += 1
                    self.last_task_error = f"{name}: {type(exc).__name__}: {exc}"[:300]
                    now = time.monotonic()
                    if now - self._last_log.get(name, -1e9) > 60:
                        self._last_log[name] = now
                        log.error("periodic task failed; retrying at the next tick", exc_info=exc,
                                  extra={"task": name, "failures": self.task_errors[name]})
            return run
        return wrap

    def watch(self, what: str) -> Callable[[Any], None]:
        """A done-callback for a task that must run as long as the worker: if it ends with an
        exception (not a cancellation), the worker has crashed."""
        def done(task: Any) -> None:
            if task.cancelled():
                return
            exc = task.exception()
            if exc is not None:
                self.crash(what, exc)
        return done
