"""Structured (JSON lines) logs for the gateway: one line per webhook, with its webhook id.

The formatting is the shared one (:mod:`streams.kafka.logs`): fields passed with ``extra={...}``
become keys of the JSON object and a traceback is one ``exc`` field, so even aiohttp's own
"Error handling request" report is a single line. Bodies, signatures and secrets are never
logged: callers pass ids, counts and reasons only.
"""

from __future__ import annotations

import logging

from streams.kafka.logs import JsonFormatter
from streams.kafka.logs import setup_logging as _setup_process_logging

__all__ = ["JsonFormatter", "lean_records", "log", "setup_logging"]

log = logging.getLogger("civicmod.gateway")


def setup_logging(level: str = "info") -> logging.Handler:
    """JSON lines on stderr for the whole gateway process (idempotent): civicmod's loggers at
    ``level``; aiohttp and the Kafka clients at warning, with repeated lines collapsed."""
    handler = _setup_process_logging("gateway", level)
    # aiokafka logs every reconnect attempt and leader election; the gateway reports broker
    # trouble itself (readiness, 503s, warnings), so only its errors are kept, unless debugging.
    for name in ("aiokafka", "kafka"):
        logging.getLogger(name).setLevel(logging.DEBUG if level == "debug" else logging.ERROR)
    return handler


def lean_records() -> None:
    """For the gateway's own process: stop computing the caller, thread and process of every
    log record (the logging HOWTO's "Optimization"); the JSON lines never show them, and the
    caller lookup was a fifth of the cost of each webhook's line."""
    logging._srcfile = None  # type: ignore[attr-defined]
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
