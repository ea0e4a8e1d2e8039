"""Run the Faust worker for the configured app (``civicmod worker``)."""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

from civicmod.contract.settings import Settings
from classifiers.loader import load_from_settings
from streams.kafka.admin import ensure_topics
from streams.kafka.logs import setup_logging
from streams.moderate.health import exit_soon

log = logging.getLogger("civicmod.worker")


def _worker_class(shutdown_timeout_s: float) -> Any:
    import faust

    class Worker(faust.Worker):
        """Faust's worker, whose stop on SIGTERM/SIGINT is bounded: whatever it waits on (a
        hung classifier, a rebalance), the process leaves after ``shutdown_timeout_s``."""

        def _schedule_shutdown(self, signal: Any) -> None:
            if not self._signal_stop_time:
                log.info("stopping", extra={"signal": getattr(signal, "name", str(signal)),
                                            "timeout_s": shutdown_timeout_s})
                exit_soon(0, shutdown_timeout_s,
                          f"shutdown did not finish within {shutdown_timeout_s} s")
            super()._schedule_shutdown(signal)

    return Worker


def run_worker(settings: Settings) -> None:
    """Ensure topics, load the classifier, then run the agents until SIGINT/SIGTERM."""
    w = settings.worker
    setup_logging("worker", "info", library_level=w.loglevel)
    from streams.moderate.wiring import create_app

    k = settings.kafka
    ensure_topics(k.bootstrap_servers, k.partitions, k.replication_factor, k.topic_prefix,
                  max_record_bytes=k.max_record_bytes)
    loaded = load_from_settings(settings.classifier)
    level = logging.WARNING if loaded.fallback or loaded.error else logging.INFO
    log.log(level, f"classifier: {loaded.note}", extra={
        "fallback": loaded.fallback, "classifier_error": loaded.error})
    app = create_app(settings, loaded)
    worker = _worker_class(w.shutdown_timeout_s)(app, loglevel=w.loglevel, quiet=True,
                                                 override_logging=False)
    code: Any = 0
    try:
        worker.execute_from_commandline()
    except SystemExit as exc:
        code = exc.code
    service = getattr(app, "civicmod", None)
    if service is not None and service.health.crashed and not code:
        code = 70
    # Leave now: a hung model thread or a library's thread must not keep the process alive.
    for handler in logging.getLogger().handlers:
        handler.flush()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code if isinstance(code, int) else 1)
