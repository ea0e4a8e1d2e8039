"""A thread pool whose threads never hold the process open.

``concurrent.futures.ThreadPoolExecutor`` joins its threads when the interpreter exits, so a
classifier call that hangs (a deadlocked native library, a model on a dead GPU) keeps a worker
alive after SIGTERM until it is SIGKILLed. The model runs here instead: daemon threads, so a
stopping worker exits at once; the batch in flight was not committed and is redelivered.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any


class DaemonExecutor(Executor):
    def __init__(self, max_workers: int = 1, thread_name_prefix: str = "civicmod-pool") -> None:
        self._work: queue.SimpleQueue[tuple[Future[Any], Callable[..., Any], tuple, dict] | None] = \
            queue.SimpleQueue()
        self._shutdown = False
        self._threads = [threading.Thread(target=self._run, name=f"{thread_name_prefix}-{i}",
                                          daemon=True) for i in range(max_workers)]
        for t in self._threads:
            t.start()

    def _run(self) -> None:
        while True:
            item = self._work.get()
            if item is None:
                return
            fut, fn, args, kwargs = item
            if not fut.set_running_or_notify_cancel():
                continue
            try:
                fut.set_result(fn(*args, **kwargs))
            except BaseException as exc:
                fut.set_exception(exc)

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        if self._shutdown:
            raise RuntimeError("executor is shut down")
        fut: Future[Any] = Future()
        self._work.put((fut, fn, args, kwargs))
        return fut

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._shutdown = True
        for _ in self._threads:
            self._work.put(None)
        if wait:
            for t in self._threads:
                t.join()
