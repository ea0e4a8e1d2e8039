"""Facebook Pages and Instagram comments through the Meta Graph API.

hide/unhide: ``POST /{comment-id}`` with ``is_hidden`` (Facebook) or ``hide`` (Instagram);
delete: ``DELETE /{comment-id}``; restrict_author (Facebook only): ``POST /{page-id}/blocked``
with ``user``. The token travels as the ``access_token`` form field or query parameter and is
cut out of every message.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Literal

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

DEFAULT_GRAPH_URL = "https://graph.facebook.com/v21.0"
#: Pause when a usage header reaches 100 % but gives no time to regain access.
FULL_USAGE_PAUSE_S = 300.0
#: Pause after error 368 (policy block) when the headers say nothing better.
POLICY_BLOCK_PAUSE_S = 3600.0

_RETRY_CODES = frozenset({1, 2})
_RATE_CODES = frozenset({4, 17, 32, 613, 341})
_USAGE_FIELDS = ("call_count", "total_cputime", "total_time")


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _header_json(headers: Mapping[str, str], name: str) -> Any:
    raw = headers.get(name)
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


def parse_usage(headers: Mapping[str, str]) -> LimitInfo | None:
    """LimitInfo from ``X-Business-Use-Case-Usage``, ``X-App-Usage`` and ``X-Page-Usage``:
    ``usage_pct`` the highest percentage; ``pause_s`` the longest
    ``estimated_time_to_regain_access`` (minutes × 60), else :data:`FULL_USAGE_PAUSE_S` at
    ≥ 100 %. None when no header is readable; malformed parts are skipped."""
    usages: list[dict[str, Any]] = []
    buc = _header_json(headers, "X-Business-Use-Case-Usage")
    if isinstance(buc, dict):
        for entries in buc.values():
            if isinstance(entries, list):
                usages.extend(e for e in entries if isinstance(e, dict))
    for name in ("X-App-Usage", "X-Page-Usage"):
        flat = _header_json(headers, name)
        if isinstance(flat, dict):
            usages.append(flat)
    pcts = [n for u in usages for f in _USAGE_FIELDS if (n := _number(u.get(f))) is not None]
    waits = [n for u in usages
             if (n := _number(u.get("estimated_time_to_regain_access"))) is not None and n > 0]
    if not pcts and not waits:
        return None
    usage = max(pcts) if pcts else None
    pause: float | None = max(waits) * 60.0 if waits else None
    if pause is None and usage is not None and usage >= 100:
        pause = FULL_USAGE_PAUSE_S
    return LimitInfo(usage_pct=usage, pause_s=pause)


def classify_error(reply: Reply, limits: LimitInfo | None, token: str) -> Result:
    """A Graph error answer as a Result (by ``error.code``; by HTTP status when the body is
    not a Graph error)."""
    body = reply.json()
    err = body.get("error") if isinstance(body, dict) else None
    code = err.get("code") if isinstance(err, dict) else None
    if not isinstance(err, dict) or isinstance(code, bool) or not isinstance(code, int):
        status = by_http_status(reply.status)
        return Result(status, code=http_code(reply.status), limits=limits,
                      message=clean(reply.body.decode("utf-8", "replace") or None, token))
    message = clean(err.get("message"), token)
    pause = limits.pause_s if limits else None
    if code in _RETRY_CODES:
        return Result("retry", str(code), message, limits=limits)
    if code in _RATE_CODES:
        return Result("rate_limited", str(code), message, retry_after_s=pause, limits=limits)
    if code == 368:
        return Result("rate_limited", str(code), message, limits=limits,
                      retry_after_s=pause if pause else POLICY_BLOCK_PAUSE_S)
    if code == 190 or code == 10 or 200 <= code <= 299:
        return Result("auth_failed", str(code), message, limits=limits)
    if code == 100:
        return Result("gone", str(code), message, limits=limits)
    return Result("failed", str(code), message, limits=limits)


class GraphClient(HttpClient):
    """Facebook Page or Instagram comments: one comment a call."""

    batch_size = 1

    def __init__(self, platform: Literal["facebook", "instagram"], base_url: str = DEFAULT_GRAPH_URL,
                 session: aiohttp.ClientSession | None = None, timeout_s: float = 10.0) -> None:
        if platform not in ("facebook", "instagram"):
            raise ValueError(f"GraphClient serves facebook or instagram, not {platform!r}")
        super().__init__(session, timeout_s)
        self.platform: str = platform
        self.base_url = base_url.rstrip("/")
        self._hide_field = "is_hidden" if platform == "facebook" else "hide"
        self._read_field = "is_hidden" if platform == "facebook" else "hidden"

    def endpoint(self, kind: Kind) -> Endpoint:
        """``comments`` for hide/unhide/delete; ``blocked`` for restrict_author."""
        return Endpoint(self.platform, "blocked" if kind == "restrict_author" else "comments")

    def supports(self, kind: Kind) -> bool:
        return kind != "restrict_author" or self.platform == "facebook"

    async def act(self, kind: Kind, targets: list[Target], token: str) -> list[Result]:
        check_call(self.platform, kind, targets, self.batch_size)
        if not targets:
            return []
        target = targets[0]
        if not self.supports(kind):
            return [Result("unsupported", code="unsupported",
                           message=f"{self.platform} has no call for {kind}")]
        url = f"{self.base_url}/{segment(target.native_id)}"
        request: dict[str, Any]
        if kind in ("hide", "unhide"):
            flag = "true" if kind == "hide" else "false"
            request = {"method": "POST", "url": url,
                       "data": {self._hide_field: flag, "access_token": token}}
        elif kind == "delete":
            request = {"method": "DELETE", "url": url, "params": {"access_token": token}}
        else:
            if not target.owner_id or not target.author_id:
                return [Result("failed", code="missing_ids",
                               message="restrict_author needs the page id and the author id")]
            request = {"method": "POST", "url": f"{self.base_url}/{segment(target.owner_id)}/blocked",
                       "data": {"user": target.author_id, "access_token": token}}
        try:
            reply = await self._request(**request)
        except NETWORK_ERRORS as exc:
            return [network_result(exc, token)]
        return [self._answer(kind, target, reply, token)]

    def _answer(self, kind: Kind, target: Target, reply: Reply, token: str) -> Result:
        limits = parse_usage(reply.headers)
        body = reply.json()
        if not reply.ok or (isinstance(body, dict) and "error" in body):
            return classify_error(reply, limits, token)
        if kind == "restrict_author":
            applied = isinstance(body, dict) and (body.get(target.author_id) is True
                                                  or body.get("success") is True)
        else:
            applied = body is True or (isinstance(body, dict) and body.get("success") is True)
        if applied:
            return Result("done", limits=limits)
        if body is None:
            return Result("retry", code="bad_response", limits=limits,
                          message=f"HTTP {reply.status} without a readable body")
        return Result("failed", code="not_applied", limits=limits,
                      message=clean(json.dumps(body), token))

    async def is_hidden(self, target: Target, token: str) -> bool | None:
        """``GET /{id}?fields=is_hidden`` (Instagram: ``hidden``); None on any failure."""
        url = f"{self.base_url}/{segment(target.native_id)}"
        try:
            reply = await self._request("GET", url, params={"fields": self._read_field,
                                                             "access_token": token})
        except NETWORK_ERRORS:
            return None
        body = reply.json()
        if not reply.ok or not isinstance(body, dict):
            return None
        value = body.get(self._read_field)
        return value if isinstance(value, bool) else None
