"""Structured (JSON lines) logs for the gateway: one line per webhook, with its webhook id.

Fields passed with ``extra={...}`` become keys of the JSON object. Bodies, signatures and
secrets are never logged: callers pass ids, counts and reasons only.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

log = logging.getLogger("civicmod.gateway")

_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                out[key] = value
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str, ensure_ascii=False)


def setup_logging(level: str = "info") -> None:
    """JSON lines on stderr for the civicmod.gateway loggers (idempotent)."""
    root = logging.getLogger("civicmod.gateway")
    root.setLevel(level.upper())
    if not any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        root.addHandler(handler)
    root.propagate = False
    # aiokafka logs every reconnect attempt and leader election; the gateway reports broker
    # trouble itself (readiness, 503s, warnings), so its chatter is kept for debug level.
    for name in ("aiokafka", "kafka"):  # kafka-python: the topic creation at start
        logging.getLogger(name).setLevel(logging.DEBUG if level == "debug" else logging.CRITICAL)
