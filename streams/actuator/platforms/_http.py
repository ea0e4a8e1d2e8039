"""What the platform clients share: a lazily made aiohttp session, one HTTP call that never
raises for a network failure, token-free messages, and the fallback by HTTP status."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, get_args
from urllib.parse import quote

import aiohttp

from streams.actuator.platforms.base import Kind, Result, Status, Target

#: Platform messages are cut to this many characters.
MAX_MESSAGE = 300
#: What a network failure looks like to the clients.
NETWORK_ERRORS: tuple[type[BaseException], ...] = (aiohttp.ClientError, asyncio.TimeoutError)
KINDS: frozenset[str] = frozenset(get_args(Kind))
_REDACTED = "[redacted]"


@dataclass(frozen=True)
class Reply:
    """One HTTP answer, read in full."""

    status: int
    headers: Mapping[str, str]
    body: bytes

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def json(self) -> Any:
        """The body as JSON, or None when it is empty or not JSON."""
        if not self.body:
            return None
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError):
            return None


def clean(message: object, token: str) -> str | None:
    """``message`` as text without the token (raw or URL-encoded), cut to 300 characters."""
    if message is None:
        return None
    text = str(message)
    if token:
        for form in {token, quote(token, safe=""), quote(token)}:
            text = text.replace(form, _REDACTED)
    return text[:MAX_MESSAGE]


def segment(native_id: str) -> str:
    """A comment id made safe as one URL path segment."""
    return quote(native_id, safe="")


def check_call(platform: str, kind: str, targets: list[Target], batch_size: int) -> None:
    """Raise ValueError for a call no client can make: an unknown kind, too many targets,
    targets of another platform or of more than one account."""
    if kind not in KINDS:
        raise ValueError(f"unknown action kind {kind!r}")
    if len(targets) > batch_size:
        raise ValueError(f"{platform} takes at most {batch_size} targets a call, got {len(targets)}")
    if any(t.platform != platform for t in targets):
        raise ValueError(f"a {platform} client got targets of another platform")
    if len({t.account_id for t in targets}) > 1:
        raise ValueError("one call acts for one account; targets of several accounts given")


def same(result: Result, n: int, units: int = 0) -> list[Result]:
    """One call's result for each of ``n`` targets; ``units`` on the first only."""
    first = Result(result.status, result.code, result.message, result.retry_after_s, result.limits, units)
    rest = Result(result.status, result.code, result.message, result.retry_after_s, result.limits, 0)
    return [first] + [rest] * (n - 1) if n else []


def network_result(exc: BaseException, token: str) -> Result:
    """A connection error or timeout: transient, code ``network``."""
    detail = str(exc)
    text = f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
    return Result("retry", code="network", message=clean(text, token))


def by_http_status(status: int) -> Status:
    """What an answer says when its body cannot: 5xx retry, 429 rate_limited, 401/403
    auth_failed, 404/410 gone, anything else failed."""
    if status >= 500:
        return "retry"
    if status == 429:
        return "rate_limited"
    if status in (401, 403):
        return "auth_failed"
    if status in (404, 410):
        return "gone"
    return "failed"


def http_code(status: int) -> str:
    return f"http_{status}"


class HttpClient:
    """Holds the session: the given one, or one made on first use and closed by :meth:`close`."""

    def __init__(self, session: aiohttp.ClientSession | None, timeout_s: float) -> None:
        self._session = session
        self._owns_session = session is None
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)

    def _get_session(self) -> aiohttp.ClientSession:
        if self._session is None or (self._owns_session and self._session.closed):
            self._session = aiohttp.ClientSession()
        return self._session

    async def _request(self, method: str, url: str, **kwargs: Any) -> Reply:
        """One call, read in full. Raises only :data:`NETWORK_ERRORS`."""
        session = self._get_session()
        async with session.request(method, url, timeout=self._timeout, allow_redirects=False,
                                   **kwargs) as resp:
            body = await resp.read()
            return Reply(resp.status, resp.headers, body)

    async def close(self) -> None:
        """Close the session if this client made it (a given session stays open)."""
        if self._owns_session and self._session is not None:
            await self._session.close()
            self._session = None

