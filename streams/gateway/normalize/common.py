"""Helpers shared by the normalizers: strict field readers and the per-item guard.

Payloads are signed by the platform but still untrusted in shape: any field may hold any JSON
value. The readers here accept only what they document (bounded ids, sane timestamps) and raise
:class:`~streams.gateway.events.BadPayload` / :class:`BadTimestamp` naming the field, never its
value. :func:`guarded` turns *anything* an item's normalization raises into an ``Invalid`` item
(a dead letter), so one hostile item never fails a batch or the request.
"""

from __future__ import annotations

import functools
import json
import math
import re
import traceback
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from pydantic import ValidationError

from civicmod.contract.wire import first_unencodable
from streams.gateway.events import (
    BadPayload,
    Batch,
    CommentEvent,
    Event,
    Invalid,
    StateEvent,
    UnknownAccount,
)

#: Timestamps outside [2000-01-01, 2100-01-01) UTC are refused (after the seconds / ms decision).
MIN_TIME = datetime(2000, 1, 1, tzinfo=UTC)
MAX_TIME = datetime(2100, 1, 1, tzinfo=UTC)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MIN_S = int((MIN_TIME - _EPOCH).total_seconds())
_MAX_S = int((MAX_TIME - _EPOCH).total_seconds())
#: Numbers at or above this are unix milliseconds, below it unix seconds.
MS_FROM = 10**11
#: Longer timestamp strings are refused before any parsing.
MAX_TIMESTAMP_CHARS = 40
#: Longest id accepted (characters; an integer id has at most 40 digits).
MAX_ID_CHARS = 256

_DIGITS = re.compile(r"[0-9]{1,16}(?:\.[0-9]{1,9})?", re.ASCII)
_ISO = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})"
    r"(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?"
    r"(Z|z|[+-]\d{2}(?::?\d{2})?)?", re.ASCII)
_LABEL = re.compile(r"[A-Za-z0-9_.:/-]{1,40}", re.ASCII)


class BadTimestamp(ValueError):
    """A timestamp field holds something that is not a sane time; the message names the field."""

    def __init__(self, where: str, why: str) -> None:
        super().__init__(f"{where}: {why} (expected unix seconds or milliseconds, or an ISO 8601 "
                         f"string, within {MIN_TIME.year}..{MAX_TIME.year - 1})")
        self.where = where


def as_object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise BadPayload(f"{where} must be a JSON object, got {type(value).__name__}")
    return value


def as_list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise BadPayload(f"{where} must be a JSON array, got {type(value).__name__}")
    return value


def native_id(value: Any, where: str) -> str:
    """A platform id as a string (Meta sends some ids as numbers): a non-empty string of at most
    ``MAX_ID_CHARS`` characters, or an integer of at most 40 digits."""
    if isinstance(value, bool) or value is None or value == "":
        raise BadPayload(f"{where} is missing")
    if isinstance(value, int):
        if not -10**40 < value < 10**40:
            raise BadPayload(f"{where} is out of range")
        return str(value)
    if isinstance(value, str):
        if len(value) > MAX_ID_CHARS:
            raise BadPayload(f"{where} is longer than {MAX_ID_CHARS} characters")
        return value
    raise BadPayload(f"{where} must be a string or an integer")


def optional_id(value: Any, where: str) -> str | None:
    """Like :func:`native_id`, but absent (None, empty) is allowed."""
    if value is None or value == "":
        return None
    return native_id(value, where)


def label(prefix: str, value: Any) -> str:
    """A counter label for a payload value (``item:reaction``): short plain names only, others
    become ``<prefix>:other`` so a payload cannot create unbounded metric series."""
    if value is None:
        return f"{prefix}:None"
    if isinstance(value, str) and _LABEL.fullmatch(value):
        return f"{prefix}:{value}"
    return f"{prefix}:other"


def _number_time(value: int | float, where: str) -> datetime:
    if isinstance(value, float) and not math.isfinite(value):
        raise BadTimestamp(where, "not a finite number")
    if not 0 <= value < _MAX_S * 1000:
        raise BadTimestamp(where, "out of range")
    if value >= MS_FROM:
        moment = _EPOCH + (timedelta(milliseconds=value) if isinstance(value, int)
                           else timedelta(seconds=value / 1000))
    else:
        moment = _EPOCH + timedelta(seconds=value)
    if not MIN_TIME <= moment < MAX_TIME:
        raise BadTimestamp(where, "out of range")
    return moment


def _iso_time(text: str, where: str) -> datetime:
    m = _ISO.fullmatch(text)
    if m is None:
        raise BadTimestamp(where, "not a timestamp")
    year, month, day, hour, minute, second, frac, zone = m.groups()
    tz: timezone = UTC
    if zone and zone not in ("Z", "z"):
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        hours, minutes = int(digits[:2]), int(digits[2:] or 0)
        if hours > 23 or minutes > 59:
            raise BadTimestamp(where, "bad time zone offset")
        tz = timezone(sign * timedelta(hours=hours, minutes=minutes))
    try:
        moment = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0),
                          int(second or 0), int((frac or "0")[:6].ljust(6, "0")), tzinfo=tz)
    except ValueError:
        raise BadTimestamp(where, "not a valid date or time") from None
    if not MIN_TIME <= moment < MAX_TIME:
        raise BadTimestamp(where, "out of range")
    return moment


def timestamp(value: Any, where: str = "timestamp") -> datetime | None:
    """A time from a payload, or None when the field is absent (None or "").

    Accepted: unix seconds or milliseconds (an integer, a finite number, or a string of ASCII
    digits with an optional fraction; 10^11 and above are milliseconds) and ISO 8601 strings
    (``2026-11-21T11:58:02Z``, ``…+0000``, ``…+01:00``, fractions, a bare date; no zone = UTC) of
    at most ``MAX_TIMESTAMP_CHARS`` characters, within [2000-01-01, 2100-01-01) UTC. Anything
    else raises :class:`BadTimestamp` (a ValueError) naming ``where``.
    """
    if value is None or (isinstance(value, str) and value == ""):
        return None
    if isinstance(value, bool):
        raise BadTimestamp(where, "a boolean is not a timestamp")
    if isinstance(value, str):
        if len(value) > MAX_TIMESTAMP_CHARS:
            raise BadTimestamp(where, f"longer than {MAX_TIMESTAMP_CHARS} characters")
        text = value.strip()
        if _DIGITS.fullmatch(text):
            return _number_time(float(text) if "." in text else int(text), where)
        return _iso_time(text, where)
    if isinstance(value, int | float):
        return _number_time(value, where)
    raise BadTimestamp(where, f"a {type(value).__name__} is not a timestamp")


def _location(exc: BaseException) -> str:
    """Where an unexpected exception was raised (function, file, line): code, never data."""
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return "unknown place"
    last = frames[-1]
    return f"{last.name} ({last.filename.rsplit('/', 1)[-1]}:{last.lineno})"


def describe(exc: BaseException) -> str:
    """A short error text naming fields, never values (bodies may hold personal data).

    Messages of the gateway's own errors name the field; a validation error lists field paths
    and what was expected; anything else is described by its type and the code location."""
    if isinstance(exc, ValidationError):
        parts = []
        for err in exc.errors()[:5]:
            loc = ".".join(str(p) for p in err["loc"])[:100] or "(root)"
            parts.append(f"{loc}: {err['msg'][:150]}")
        return "; ".join(parts)
    if isinstance(exc, KeyError):
        return f"missing field {str(exc.args[0] if exc.args else '')[:80]!r}"
    if isinstance(exc, BadPayload | BadTimestamp | UnknownAccount):
        return str(exc)[:300]
    return f"{type(exc).__name__} at {_location(exc)}"


def encodable(ev: Event) -> None:
    """Raise :class:`BadPayload` naming the field if ``ev`` cannot be written (a lone surrogate,
    which UTF-8 cannot encode, in any of its strings)."""
    if not isinstance(ev, CommentEvent | StateEvent):
        return
    try:
        ev.value  # noqa: B018 - computed once and kept: the ingestor writes these bytes
        ev.key.encode()
    except (ValueError, UnicodeError):
        model = ev.comment if isinstance(ev, CommentEvent) else ev.state
        raise BadPayload(unencodable_error(model)) from None


def unencodable_error(model: Any) -> str:
    """Which field of a record cannot be encoded, for its dead letter (the field, not the value)."""
    try:
        where = first_unencodable(model.model_dump()) or "$.(a field)"
    except Exception:
        where = "$.(a field)"
    return f"{where.removeprefix('$.')} holds text UTF-8 cannot encode (an unpaired surrogate)"


def check_payload(fn: Callable[..., Batch]) -> Callable[..., Batch]:
    """A normalizer's contract: it returns a Batch or raises BadPayload / UnknownAccount, never
    anything else (an unexpected error becomes BadPayload naming its type and code location)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Batch:
        try:
            return fn(*args, **kwargs)
        except (BadPayload, UnknownAccount):
            raise
        except Exception as exc:
            raise BadPayload(describe(exc)) from None

    return wrapper


def item_bytes(item: Any) -> bytes:
    """An item's JSON for a dead letter: ASCII (a lone surrogate is kept as its ``\\u`` escape,
    so the bytes always encode); something JSON cannot show is named by its type."""
    try:
        return json.dumps(item, ensure_ascii=True, separators=(",", ":"), allow_nan=True,
                          default=lambda o: f"<{type(o).__name__}>").encode("ascii")
    except (ValueError, TypeError, RecursionError, OverflowError):
        return f"<a {type(item).__name__} that cannot be written as JSON>".encode()


def note(batch: Batch, reason: str, n: int = 1) -> None:
    """Count something kept as it was in a comment that is still written (``link_unresolved``:
    a link entity that could not be used), in ``batch.notes`` (the ingestor turns it into
    ``civicmod_gateway_notes{platform,reason}``)."""
    if n:
        batch.notes[reason] += n


def invalid_item(item: Any, platform: str, exc: BaseException) -> Invalid:
    return Invalid(raw=item_bytes(item), error=describe(exc), platform=platform)


def guarded(batch: Batch, platform: str, item: Any, fn: Callable[..., None], *args: Any) -> None:
    """Run ``fn(*args)`` for one item; an item that cannot be normalized becomes ``Invalid``.

    Whatever ``fn`` raises (a wrong type, an overflowing number, a lone surrogate, a bug), and
    whatever it produced that cannot be written, turns into one ``Invalid`` item and undoes
    what ``fn`` added; only :class:`UnknownAccount` (a request-level 404) passes through."""
    n = len(batch.events)
    ignored = batch.ignored.copy() if batch.ignored else None  # most batches have none
    notes = batch.notes.copy() if batch.notes else None
    try:
        fn(*args)
        for ev in batch.events[n:]:
            encodable(ev)
    except UnknownAccount:
        raise
    except Exception as exc:
        del batch.events[n:]
        batch.ignored = ignored if ignored is not None else Counter()
        batch.notes = notes if notes is not None else Counter()
        batch.events.append(invalid_item(item, platform, exc))
