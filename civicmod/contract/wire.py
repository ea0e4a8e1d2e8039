"""Safe decoding of untrusted wire bytes, shared by every stage that reads them.

``json.loads`` alone is not safe on hostile input: 100,000 nested brackets raise RecursionError,
``"\\ud800"`` decodes to a lone surrogate that later fails every UTF-8 encode (a verdict, a
dead letter, a log line), and numbers like ``1e400`` become infinities. :func:`loads` bounds
nesting before decoding, rejects unpaired surrogates and non-finite numbers, and raises one
error type, :class:`WireError`, with a short machine-readable ``reason``.

:func:`raw_excerpt` keeps what a dead letter stores of the original bytes within a cap, with
the full size and sha256, so a dead letter always fits the topic's record size limit.

Speed: :func:`loads` decodes with orjson (~10x ``json``) and falls back to the checked ``json``
path whenever orjson refuses a document or it holds an integer orjson would turn into a float,
so it accepts and returns exactly what the ``json`` path does (``tests/unit/contract/test_wire_fast.py``).
:func:`dumps` writes the internal records (progress entries, signal events) the same way.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
from dataclasses import dataclass
from typing import Any

import orjson

#: Deeper JSON is refused before it is decoded (a comment is 3 levels deep; webhooks ~8).
MAX_JSON_DEPTH = 64

#: A JSON string, possessive so that an unterminated one stays linear (it then runs to the end).
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*+(?:"|\\?\Z)', re.DOTALL)
_BRACKETS = re.compile(rb"[\[\]{}]")
#: A ``\uD800``-``\uDFFF`` escape: possibly an unpaired surrogate (checked after decoding).
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
#: orjson reads an integer beyond 64 bits as a float (``json``: an int); such a float is this big.
_BIG = float(2**63)


class WireError(ValueError):
    """Bytes that cannot be decoded safely; ``reason`` is a short code for counters."""

    def __init__(self, reason: str, error: str) -> None:
        super().__init__(f"{reason}: {error}")
        self.reason = reason
        self.error = error


def json_depth(raw: bytes, stop_above: int | None = None) -> int:
    """The deepest bracket nesting of a JSON document (brackets inside strings ignored);
    with ``stop_above``, the scan ends as soon as the depth exceeds it."""
    depth = deepest = 0
    for m in _BRACKETS.finditer(_STRING.sub(b"", raw)):
        if m.group() in (b"[", b"{"):
            depth += 1
            if depth > deepest:
                deepest = depth
                if stop_above is not None and deepest > stop_above:
                    break
        else:
            depth -= 1
    return deepest


def check_depth(raw: bytes, limit: int = MAX_JSON_DEPTH) -> None:
    """Raise :class:`WireError` ``too_deep`` when ``raw`` nests deeper than ``limit``."""
    if raw.count(b"[") + raw.count(b"{") <= limit:  # cheap: most messages stop here
        return
    if json_depth(raw, stop_above=limit) > limit:
        raise WireError("too_deep", f"JSON nested more than {limit} levels deep")


def _reject_constant(name: str) -> float:
    raise WireError("invalid_json", f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise WireError("invalid_json", f"number {text[:40]} is out of range")
    return value


def first_unencodable(value: Any) -> str | None:
    """The path of the first string in ``value`` that is not valid Unicode text (an unpaired
    surrogate), or None."""
    stack: list[tuple[str, Any]] = [("$", value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return path
        elif isinstance(item, dict):
            for k, v in item.items():
                stack.append((f"{path}.{k}" if isinstance(k, str) else path, v))
                if isinstance(k, str):
                    stack.append((f"{path} (a key)", k))
        elif isinstance(item, list):
            stack.extend((f"{path}[{i}]", v) for i, v in enumerate(item))
    return None


def loads(raw: bytes | str, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """Decode one JSON document from untrusted bytes, or raise :class:`WireError`
    (``too_deep``, ``invalid_utf8``, ``invalid_json``, ``invalid_unicode``)."""
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    check_depth(data, max_depth)
    try:
        # orjson refuses what the checked path refuses (invalid UTF-8, unpaired surrogates,
        # NaN, Infinity, numbers out of range...): those documents get its exact error below
        value = orjson.loads(data)
    except orjson.JSONDecodeError:
        return _checked_loads(data)
    return _checked_loads(data) if _has_huge_float(value) else value


def _has_huge_float(value: Any) -> bool:
    """Does ``value`` hold a float of 2**63 or more (maybe an integer orjson widened)?"""
    stack = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is dict:
            stack.extend(item.values())
        elif kind is list:
            stack.extend(item)
        elif kind is float and abs(item) >= _BIG:
            return True
    return False


def _checked_loads(data: bytes) -> Any:
    """The ``json`` path: slower, with the reason for every refusal."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise WireError("invalid_utf8", f"not UTF-8 at byte {exc.start}") from None
    try:
        value = json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float)
    except WireError:
        raise
    except RecursionError:  # a depth the pre-check missed (it cannot, but never crash)
        raise WireError("too_deep", "JSON nested too deeply") from None
    except ValueError as exc:
        raise WireError("invalid_json", str(exc)[:200]) from None
    if _SURROGATE_ESCAPE.search(data):
        where = first_unencodable(value)
        if where is not None:
            raise WireError("invalid_unicode", f"{where} holds an unpaired UTF-16 surrogate escape")
    return value


def dumps(value: Any) -> bytes:
    """Compact JSON of an internal record (str keys; ``json``'s output when orjson refuses it,
    e.g. a string holding an unpaired surrogate, which ``json`` escapes)."""
    try:
        return orjson.dumps(value)
    except (TypeError, orjson.JSONEncodeError):
        return json.dumps(value, separators=(",", ":")).encode()


def printable(text: str) -> str:
    """``text`` with whatever UTF-8 cannot encode (unpaired surrogates) replaced by ``?``: safe
    for a record, a header or a log line."""
    return text.encode("utf-8", "replace").decode("utf-8")


@dataclass(frozen=True)
class RawExcerpt:
    """What a dead letter keeps of the original bytes."""

    base64: str
    size: int
    sha256: str
    truncated: bool


def raw_excerpt(raw: bytes | None, cap: int) -> RawExcerpt:
    """The first ``cap`` bytes of ``raw`` as base64, with its full size and sha256."""
    raw = raw or b""
    kept = raw[:cap]
    return RawExcerpt(base64.b64encode(kept).decode(), len(raw), hashlib.sha256(raw).hexdigest(),
                      len(kept) < len(raw))
