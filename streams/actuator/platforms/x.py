"""X (Twitter) API v2: hide or unhide a reply in the account's own conversation.

``PUT /2/tweets/{id}/hidden`` with ``{"hidden": true|false}`` and the user's bearer token.
X cannot delete or restrict someone else's reply, so those kinds are ``unsupported``. Every
answer carries ``x-rate-limit-limit`` / ``-remaining`` / ``-reset`` (50 calls a 15-minute
window per user).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

import aiohttp

from streams.actuator.platforms._http import (
    NETWORK_ERRORS,
    HttpClient,
    Reply,
    by_http_status,
    check_call,
    clean,
    http_code,
    network_result,
    segment,
)
from streams.actuator.platforms.base import Endpoint, Kind, LimitInfo, Result, Target

DEFAULT_X_URL = "https://api.x.com"


def _int_header(headers: Mapping[str, str], name: str) -> int | None:
    raw = headers.get(name)
    if raw is None:
        return None
    try:
        return int(raw.strip())
    except ValueError:
        return None


def parse_rate_headers(headers: Mapping[str, str]) -> LimitInfo | None:
    """LimitInfo(limit, remaining, reset_at) from the ``x-rate-limit-*`` headers; None when
    none is readable."""
    limit = _int_header(headers, "x-rate-limit-limit")
    remaining = _int_header(headers, "x-rate-limit-remaining")
    reset = _int_header(headers, "x-rate-limit-reset")
    if limit is None and remaining is None and reset is None:
        return None
    return LimitInfo(limit=limit, remaining=remaining, reset_at=float(reset) if reset is not None else None)


def _error_fields(body: Any) -> tuple[str | None, str | None]:
    """(code, message) from an X error body: v1.1-style ``errors[0]`` or a v2 problem."""
    if not isinstance(body, dict):
        return None, None
    code: str | None = None
    message: Any = body.get("detail") or body.get("title")
    errors = body.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        first = errors[0]
        if isinstance(first.get("code"), int | str) and not isinstance(first.get("code"), bool):
            code = str(first["code"])
        message = message or first.get("message") or first.get("detail")
    return code, message if isinstance(message, str) else None


class XClient(HttpClient):
    """Hides and unhides replies; one reply a call."""

    platform = "x"
    batch_size = 1

    def __init__(self, base_url: str = DEFAULT_X_URL, session: aiohttp.ClientSession | None = None,
                 timeout_s: float = 10.0, clock: Callable[[], float] = time.time) -> None:
        super().__init__(session, timeout_s)
        self.base_url = base_url.rstrip("/")
        self._clock = clock

    def endpoint(self, kind: Kind) -> Endpoint:
        return Endpoint(self.platform, "hide_replies")

    def supports(self, kind: Kind) -> bool:
        return kind in ("hide", "unhide")

    async def act(self, kind: Kind, targets: list[Target], token: str) -> list[Result]:
        check_call(self.platform, kind, targets, self.batch_size)
        if not targets:
            return []
        if not self.supports(kind):
            return [Result("unsupported", code="unsupported",
                           message=f"x cannot {kind.replace('_', ' ')} someone else's reply")]
        want = kind == "hide"
        try:
            reply = await self._request(
                "PUT", f"{self.base_url}/2/tweets/{segment(targets[0].native_id)}/hidden",
                json={"hidden": want}, headers={"Authorization": f"Bearer {token}"})
        except NETWORK_ERRORS as exc:
            return [network_result(exc, token)]
        return [self._answer(reply, want, token)]

    def _answer(self, reply: Reply, want: bool, token: str) -> Result:
        limits = parse_rate_headers(reply.headers)
        body = reply.json()
        code, raw_message = _error_fields(body)
        message = clean(raw_message, token)
        if reply.ok:
            data = body.get("data") if isinstance(body, dict) else None
            if isinstance(data, dict) and data.get("hidden") is want:
                return Result("done", limits=limits)
            errors = body.get("errors") if isinstance(body, dict) else None
            if isinstance(errors, list) and any(
                    isinstance(e, dict) and str(e.get("type", "")).endswith("resource-not-found")
                    for e in errors):
                return Result("gone", code="resource-not-found", message=message, limits=limits)
            if body is None:
                return Result("retry", code="bad_response", limits=limits,
                              message=f"HTTP {reply.status} without a readable body")
            return Result("failed", code=code or "not_applied", message=message, limits=limits)
        status = by_http_status(reply.status)
        if reply.status == 403:
            status = "failed"  # e.g. not a reply in a conversation this account started
        retry_after: float | None = None
        if status == "rate_limited":
            retry_after = self._retry_after(reply.headers, limits)
        return Result(status, code=code or http_code(reply.status), message=message,
                      retry_after_s=retry_after, limits=limits)

    def _retry_after(self, headers: Mapping[str, str], limits: LimitInfo | None) -> float | None:
        if limits is not None and limits.reset_at is not None:
            return max(0.0, limits.reset_at - self._clock())
        seconds = _int_header(headers, "retry-after")
        return float(seconds) if seconds is not None else None

    async def is_hidden(self, target: Target, token: str) -> bool | None:
        """X has no call that reads a reply's hidden state: always None."""
        return None
