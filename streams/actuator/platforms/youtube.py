"""YouTube Data API v3: ``comments.setModerationStatus`` for up to 50 comments a call.

hide → ``heldForReview`` (reversible), unhide → ``published``, delete → ``rejected`` (cannot
return to published), restrict_author → ``rejected`` + ``banAuthor=true``. The answer is one
for the whole call, so every target gets the same Result. Each call costs 50 quota units,
failed ones too: ``units=50`` is on the call's first Result, 0 on the others (a connection
that was never made costs 0). Quota refills at midnight America/Los_Angeles.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import aiohttp

from civicmod.contract.quota_day import next_midnight
from streams.actuator.platforms._http import (
    NETWORK_ERRORS,
    HttpClient,
    Reply,
    by_http_status,
    check_call,
    clean,
    http_code,
    network_result,
    same,
)
from streams.actuator.platforms.base import Endpoint, Kind, LimitInfo, Result, Target

DEFAULT_YOUTUBE_URL = "https://www.googleapis.com/youtube/v3"
UNITS_PER_CALL = 50
MAX_IDS = 50
STATUS_FOR: dict[str, str] = {"hide": "heldForReview", "unhide": "published", "delete": "rejected",
                              "restrict_author": "rejected"}
#: Reasons that mean the project's quota or rate is spent.
_RATE_REASONS = frozenset({"quotaExceeded", "dailyLimitExceeded", "rateLimitExceeded",
                           "userRateLimitExceeded"})


#: Epoch seconds of the first midnight America/Los_Angeles after ``now`` (the quota reset).
pacific_midnight_after = next_midnight


def _error_fields(body: Any) -> tuple[str | None, str | None]:
    """(reason, message) from a Google API error body."""
    err = body.get("error") if isinstance(body, dict) else None
    if not isinstance(err, dict):
        return None, None
    message = err.get("message")
    reason: str | None = None
    errors = err.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        first = errors[0]
        reason = first.get("reason") if isinstance(first.get("reason"), str) else None
        message = message or first.get("message")
    return reason, message if isinstance(message, str) else None


class YouTubeClient(HttpClient):
    """Sets the moderation status of up to 50 comments of one channel a call."""

    platform = "youtube"
    batch_size = MAX_IDS

    def __init__(self, base_url: str = DEFAULT_YOUTUBE_URL, session: aiohttp.ClientSession | None = None,
                 timeout_s: float = 10.0, clock: Callable[[], float] = time.time) -> None:
        super().__init__(session, timeout_s)
        self.base_url = base_url.rstrip("/")
        self._clock = clock

    def endpoint(self, kind: Kind) -> Endpoint:
        return Endpoint(self.platform, "set_moderation_status")

    def supports(self, kind: Kind) -> bool:
        return kind in STATUS_FOR

    async def act(self, kind: Kind, targets: list[Target], token: str) -> list[Result]:
        check_call(self.platform, kind, targets, self.batch_size)
        if not targets:
            return []
        params = {"id": ",".join(t.native_id for t in targets), "moderationStatus": STATUS_FOR[kind]}
        if kind == "restrict_author":
            params["banAuthor"] = "true"
        try:
            reply = await self._request("POST", f"{self.base_url}/comments/setModerationStatus",
                                        params=params, headers={"Authorization": f"Bearer {token}"})
        except aiohttp.ClientConnectorError as exc:  # never reached Google: no quota spent
            return same(network_result(exc, token), len(targets))
        except NETWORK_ERRORS as exc:  # sent, maybe counted: assume the units were spent
            return same(network_result(exc, token), len(targets), UNITS_PER_CALL)
        return same(self._answer(reply, len(targets), token), len(targets), UNITS_PER_CALL)

    def _answer(self, reply: Reply, count: int, token: str) -> Result:
        if reply.ok:
            return Result("done")
        reason, raw_message = _error_fields(reply.json())
        message = clean(raw_message, token)
        code = reason or http_code(reply.status)
        if reason in _RATE_REASONS or reply.status == 429:
            if reason in ("quotaExceeded", "dailyLimitExceeded"):
                now = self._clock()
                reset = pacific_midnight_after(now)
                return Result("rate_limited", code, message, retry_after_s=reset - now,
                              limits=LimitInfo(remaining=0, reset_at=reset))
            return Result("rate_limited", code, message)
        if reply.status == 404 and count > 1:
            # The call names no culprit: a `gone` for all would drop the comments that exist.
            return Result("retry", "commentNotFound_batch",
                          clean(f"one of {count} comments was not found; retry them one a call", token))
        return Result(by_http_status(reply.status), code, message)

    async def is_hidden(self, target: Target, token: str) -> bool | None:
        """Not reliably readable on YouTube: always None."""
        return None
