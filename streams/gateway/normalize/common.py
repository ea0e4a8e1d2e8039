"""Helpers shared by the normalizers."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from streams.gateway.events import BadPayload, Batch, Invalid


def as_object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise BadPayload(f"{where} must be a JSON object, got {type(value).__name__}")
    return value


def as_list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise BadPayload(f"{where} must be a JSON array, got {type(value).__name__}")
    return value


def native_id(value: Any, where: str) -> str:
    """A platform id as a string (Meta sends some ids as numbers)."""
    if isinstance(value, bool) or value is None or value == "":
        raise BadPayload(f"{where} is missing")
    if isinstance(value, int | str):
        return str(value)
    raise BadPayload(f"{where} must be a string or an integer")


def timestamp(value: Any) -> datetime | None:
    """Unix seconds or milliseconds (number or digit string), or an ISO 8601 string → UTC."""
    if value is None or isinstance(value, bool) or value == "":
        return None
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value)
    if isinstance(value, int | float):
        seconds = value / 1000 if abs(value) > 1e11 else value
        return datetime.fromtimestamp(seconds, UTC)
    if isinstance(value, str):
        text = value.strip().replace("Z", "+00:00")
        if len(text) > 5 and text[-5] in "+-" and text[-4:].isdigit():  # Meta: +0000
            text = text[:-2] + ":" + text[-2:]
        parsed = datetime.fromisoformat(text)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    raise ValueError(f"not a timestamp: {type(value).__name__}")


def describe(exc: Exception) -> str:
    """A short error text naming fields, never values (bodies may hold personal data)."""
    if isinstance(exc, ValidationError):
        parts = []
        for err in exc.errors()[:5]:
            loc = ".".join(str(p) for p in err["loc"]) or "(root)"
            parts.append(f"{loc}: {err['msg']}")
        return "; ".join(parts)
    if isinstance(exc, KeyError):
        return f"missing field {exc.args[0]!r}"
    return f"{type(exc).__name__}: {exc}"[:300]


def guarded(batch: Batch, platform: str, item: Any, fn: Callable[..., None], *args: Any) -> None:
    """Run ``fn(*args)`` for one item; an item that cannot be normalized becomes ``Invalid``."""
    try:
        fn(*args)
    except (BadPayload, KeyError, TypeError, ValueError, AttributeError) as exc:
        raw = json.dumps(item, ensure_ascii=False, separators=(",", ":")).encode()
        batch.events.append(Invalid(raw=raw, error=describe(exc), platform=platform))
