"""Fake Meta Graph (Facebook / Instagram), X API v2 and YouTube Data API v3 servers for the
actuator: each platform's request shapes, success and error bodies, tokens, rate limits (on an
injectable clock) and injected faults, served by aiohttp on 127.0.0.1 at a free port.

From sync code (a thread with its own event loop)::

    with FakeGraph(tokens={"tok"}) as fb:          # or fb = FakeGraph(...); fb.start(); ...; fb.stop()
        client = GraphClient("facebook", fb.url)

From async code (on the running loop)::

    async with FakeX(tokens={"tok"}) as x:
        client = XClient(x.url)

``fake.url`` is the base URL a client takes (Graph ``…/v21.0``, YouTube ``…/youtube/v3``).
State (``comments``, ``requests``, ``calls``) is guarded by a lock, so a test may read it from
another thread while the server runs. Recorded requests never hold a token.
"""

from __future__ import annotations

import asyncio
import json
import math
import socket
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal, Self
from zoneinfo import ZoneInfo

from aiohttp import web

REDACTED = "[redacted]"
FaultKind = Literal["transient", "timeout", "disconnect", "html"]
_PACIFIC = ZoneInfo("America/Los_Angeles")


@dataclass
class FakeComment:
    """One comment's state. ``status``: YouTube's moderation status; ``hidden`` follows it there."""

    native_id: str
    owner: str | None = None
    author: str | None = None
    hidden: bool = False
    deleted: bool = False
    status: str = "published"


@dataclass(frozen=True)
class Recorded:
    """One request as the fake saw it, tokens replaced by ``[redacted]``."""

    method: str
    path: str
    params: dict[str, str]
    body: Any
    status: int
    #: When it arrived, by the fake's clock.
    at: float = 0.0


Handler = Callable[[web.Request, Any, str | None], web.Response]


@dataclass(frozen=True)
class _Route:
    write: bool
    handle: Handler
    keys: Callable[[web.Request], list[str]]


@dataclass(frozen=True)
class _Fault:
    kind: str
    status: int = 0
    body: Any = None
    headers: Mapping[str, str] | None = None


class FakePlatform:
    """What every fake shares: tokens, comments, records, faults, and serving."""

    #: The path part of the base URL clients are given.
    root_path = ""

    def __init__(self, *, tokens: Iterable[str] | Mapping[str, str] = ("test-token",),
                 clock: Callable[[], float] = time.time, limits: bool = True, auto_create: bool = False,
                 echo_token: bool = False, hang_s: float = 30.0) -> None:
        """``tokens``: the valid tokens, or token → owner id (a token then acts only on its
        owner's comments). ``auto_create``: unknown comment ids spring into being.
        ``echo_token``: auth errors quote the token (to check that clients cut it out).
        ``hang_s``: how long a ``timeout`` fault holds its answer."""
        owners = dict(tokens) if isinstance(tokens, Mapping) else {}
        self.tokens: set[str] = set(owners) if owners else set(tokens)
        self.token_owners: dict[str, str] = owners
        self.clock = clock
        self.limits = limits
        self.auto_create = auto_create
        self.echo_token = echo_token
        self.hang_s = hang_s
        self.comments: dict[str, FakeComment] = {}
        self.requests: list[Recorded] = []
        self.calls: Counter[tuple[str, str]] = Counter()
        self._faults: deque[_Fault] = deque()
        self._lock = threading.RLock()
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    # -- state ----------------------------------------------------------------------------

    def add_comment(self, native_id: str, owner: str | None = None, author: str | None = None,
                    hidden: bool = False, status: str = "published") -> FakeComment:
        with self._lock:
            comment = FakeComment(native_id, owner, author, hidden or status != "published",
                                  status=status)
            self.comments[native_id] = comment
            return comment

    def fail_next(self, n: int = 1, kind: FaultKind = "transient") -> None:
        """The next ``n`` write calls fail: ``transient`` (the platform's retryable error),
        ``timeout`` (done, but answered only after ``hang_s``), ``disconnect`` (connection
        dropped, nothing done) or ``html`` (a 502 page that is not JSON)."""
        with self._lock:
            self._faults.extend(_Fault(kind) for _ in range(n))

    def respond_next(self, status: int, body: Any, headers: Mapping[str, str] | None = None,
                     n: int = 1) -> None:
        """The next ``n`` write calls get exactly this answer (``body``: JSON, or str as is)."""
        with self._lock:
            self._faults.extend(_Fault("canned", status, body, headers) for _ in range(n))

    def count(self, method: str, key: str) -> int:
        with self._lock:
            return self.calls[(method, key)]

    def _comment(self, native_id: str) -> FakeComment | None:
        comment = self.comments.get(native_id)
        if comment is None and self.auto_create:
            comment = self.comments[native_id] = FakeComment(native_id)
        return comment

    def _owner_ok(self, token: str, comment: FakeComment) -> bool:
        owner = self.token_owners.get(token)
        return owner is None or comment.owner is None or owner == comment.owner

    def _redact(self, values: Any) -> Any:
        if isinstance(values, dict):
            return {k: REDACTED if k == "access_token" else v for k, v in values.items()}
        return values

    # -- serving --------------------------------------------------------------------------

    @property
    def root(self) -> str:
        if self._port is None:
            raise RuntimeError("the fake is not running")
        return f"http://127.0.0.1:{self._port}"

    @property
    def url(self) -> str:
        """The base URL to give a client."""
        return self.root + self.root_path

    def app(self) -> web.Application:
        app = web.Application()
        self._routes(app)
        return app

    def _routes(self, app: web.Application) -> None:
        raise NotImplementedError

    async def start_async(self) -> str:
        """Serve on the running loop; returns :attr:`url`."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self._port = sock.getsockname()[1]
        self._runner = web.AppRunner(self.app(), access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        await web.SockSite(self._runner, sock, shutdown_timeout=0.5).start()
        return self.url

    async def stop_async(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start_async()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop_async()

    def start(self) -> str:
        """Serve from a thread with its own event loop; returns :attr:`url`."""
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, name=f"{type(self).__name__}-loop", daemon=True)
        thread.start()
        self._loop, self._thread = loop, thread
        return asyncio.run_coroutine_threadsafe(self.start_async(), loop).result(timeout=10)

    def stop(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        try:
            asyncio.run_coroutine_threadsafe(self._stop_thread_loop(), loop).result(timeout=10)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=10)
            loop.close()
            self._loop = self._thread = None

    async def _stop_thread_loop(self) -> None:
        """Stop serving, then end what is still running on this fake's own loop (a handler
        holding a ``timeout`` answer)."""
        await self.stop_async()
        current = asyncio.current_task()
        rest = [t for t in asyncio.all_tasks() if t is not current]
        for task in rest:
            task.cancel()
        await asyncio.gather(*rest, return_exceptions=True)

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- one request ----------------------------------------------------------------------

    async def _serve(self, request: web.Request, route: _Route) -> web.Response:
        """Read the body, then under the lock: count the call, take a fault (write calls) or
        run the route's handler, record the request; act out a timeout / disconnect after."""
        body = await self._read_body(request)
        token = self._token(request, body)
        with self._lock:
            for key in route.keys(request):
                self.calls[(request.method, key)] += 1
            fault = self._faults.popleft() if route.write and self._faults else None
            if fault is None or fault.kind == "timeout":
                response = route.handle(request, body, token)
            else:
                response = self._faulted(token, fault)
            self.requests.append(Recorded(request.method, request.path, self._redact(dict(request.query)),
                                          self._redact(body), response.status, self.clock()))
        if fault is not None and fault.kind == "timeout":
            await asyncio.sleep(self.hang_s)
        if fault is not None and fault.kind == "disconnect" and request.transport is not None:
            request.transport.abort()
        return response

    def _faulted(self, token: str | None, fault: _Fault) -> web.Response:
        gate = self._gate(token)  # auth and limits come before the fault, as on the platform
        if gate is not None:
            return gate
        if fault.kind == "canned":
            if isinstance(fault.body, str):
                return web.Response(status=fault.status, text=fault.body, headers=fault.headers)
            return web.json_response(fault.body, status=fault.status, headers=fault.headers)
        if fault.kind == "html":
            return web.Response(status=502, text="<html><body>Bad Gateway</body></html>",
                                content_type="text/html")
        if fault.kind == "disconnect":
            return web.Response(status=500)
        return self._transient(token)

    async def _read_body(self, request: web.Request) -> Any:
        if not request.can_read_body:
            return {}
        if request.content_type == "application/json":
            try:
                return await request.json()
            except ValueError:
                return None
        if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            return {k: str(v) for k, v in (await request.post()).items()}
        return (await request.read()).decode("utf-8", "replace")

    def _token(self, request: web.Request, body: Any) -> str | None:
        auth = request.headers.get("Authorization", "")
        scheme, _, value = auth.partition(" ")
        if scheme.lower() in ("bearer", "oauth") and value:
            return value.strip()
        return None

    def _gate(self, token: str | None) -> web.Response | None:
        """The platform's answer when the token or a limit stops the call, else None (the
        call is counted against the limits)."""
        raise NotImplementedError

    def _transient(self, token: str | None) -> web.Response:
        raise NotImplementedError


def _route(fake: FakePlatform, app: web.Application, method: str, path: str, write: bool,
           handle: Handler, keys: Callable[[web.Request], list[str]] | None = None) -> None:
    """Serve ``method path`` by ``handle``; ``keys``: the comment ids a call counts for
    (default: the ``{id}`` in the path)."""
    route = _Route(write, handle, keys or (lambda r: [r.match_info["id"]]))

    async def handler(request: web.Request) -> web.Response:
        return await fake._serve(request, route)

    app.router.add_route(method, path, handler)


# -- Meta Graph ---------------------------------------------------------------------------


class FakeGraph(FakePlatform):
    """Facebook Page / Instagram comments on the Graph API (``/v21.0``): hide (``is_hidden`` or
    ``hide``), delete, read, and (Facebook) ``/{page}/blocked``. ``calls_per_hour`` per token
    (rolling hour; every authenticated call counts, refused ones don't); each answer carries
    ``X-Business-Use-Case-Usage``; past the limit, error 32 with the minutes to regain access."""

    root_path = "/v21.0"

    def __init__(self, platform: Literal["facebook", "instagram"] = "facebook", *,
                 calls_per_hour: int = 200, business_id: str = "100200300400", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.platform = platform
        self.calls_per_hour = calls_per_hour
        self.business_id = business_id
        self.blocked: dict[str, set[str]] = {}
        self._hourly: dict[str, deque[float]] = {}
        self._usage_headers: dict[str, str] = {}

    @property
    def hide_field(self) -> str:
        return "is_hidden" if self.platform == "facebook" else "hide"

    @property
    def read_field(self) -> str:
        return "is_hidden" if self.platform == "facebook" else "hidden"

    def _routes(self, app: web.Application) -> None:
        _route(self, app, "POST", "/v21.0/{page}/blocked", True, self._block,
               lambda r: [f"{r.match_info['page']}/blocked"])
        _route(self, app, "POST", "/v21.0/{id}", True, self._hide)
        _route(self, app, "DELETE", "/v21.0/{id}", True, self._delete)
        _route(self, app, "GET", "/v21.0/{id}", False, self._read)

    def _token(self, request: web.Request, body: Any) -> str | None:
        if "access_token" in request.query:
            return request.query["access_token"]
        if isinstance(body, dict) and "access_token" in body:
            return str(body["access_token"])
        return super()._token(request, body)

    def error(self, status: int, code: int, message: str, subcode: int | None = None,
              kind: str = "OAuthException", **extra: Any) -> web.Response:
        err: dict[str, Any] = {"message": message, "type": kind, "code": code, **extra,
                               "fbtrace_id": f"AfakeTrace{len(self.requests):06d}"}
        if subcode is not None:
            err["error_subcode"] = subcode
        return web.json_response({"error": err}, status=status, headers=self._usage_headers)

    def _ok(self, body: Any) -> web.Response:
        return web.json_response(body, headers=self._usage_headers)

    def _gate(self, token: str | None) -> web.Response | None:
        self._usage_headers = {}
        if token is None or token not in self.tokens:
            quoted = f" for token {token}" if self.echo_token and token else ""
            return self.error(400, 190, "Error validating access token: Session has expired on "
                              f"Thursday, 01-Jan-26 00:00:00 PST{quoted}.", subcode=463)
        if not self.limits:
            return None
        now = self.clock()
        calls = self._hourly.setdefault(token, deque())
        while calls and calls[0] <= now - 3600:
            calls.popleft()
        over = len(calls) >= self.calls_per_hour
        if not over:
            calls.append(now)
        pct = min(100, math.ceil(len(calls) * 100 / self.calls_per_hour))
        wait_min = math.ceil((calls[0] + 3600 - now) / 60) if over else 0
        usage = {"type": "pages", "call_count": pct, "total_cputime": pct // 2, "total_time": pct // 2,
                 "estimated_time_to_regain_access": wait_min}
        self._usage_headers = {"X-Business-Use-Case-Usage": json.dumps({self.business_id: [usage]})}
        if over:
            return self.error(400, 32, "(#32) Page request limit reached")
        return None

    def _transient(self, token: str | None) -> web.Response:
        return self.error(500, 2, "An unexpected error has occurred. Please retry your request later.",
                          is_transient=True)

    def _missing(self, native_id: str, method: str) -> web.Response:
        return self.error(400, 100, f"Unsupported {method.lower()} request. Object with ID '{native_id}' "
                          "does not exist, cannot be loaded due to missing permissions, or does not "
                          "support this operation.", subcode=33, kind="GraphMethodException")

    def _target(self, request: web.Request, token: str | None) -> FakeComment | web.Response:
        """The comment named in the path, after the gate; or the error answer."""
        native_id = request.match_info["id"]
        gate = self._gate(token)
        if gate is not None:
            return gate
        comment = self._comment(native_id)
        if comment is None or comment.deleted:
            return self._missing(native_id, request.method)
        if token is not None and not self._owner_ok(token, comment):
            return self.error(403, 200, "(#200) Permissions error")
        return comment

    def _hide(self, request: web.Request, body: Any, token: str | None) -> web.Response:
        comment = self._target(request, token)
        if isinstance(comment, web.Response):
            return comment
        value = body.get(self.hide_field) if isinstance(body, dict) else None
        if value not in ("true", "false"):
            return self.error(400, 100, f"(#100) Param {self.hide_field} must be a boolean")
        comment.hidden = value == "true"
        return self._ok({"success": True})

    def _delete(self, request: web.Request, body: Any, token: str | None) -> web.Response:
        comment = self._target(request, token)
        if isinstance(comment, web.Response):
            return comment
        comment.deleted = True
        return self._ok({"success": True})

    def _read(self, request: web.Request, body: Any, token: str | None) -> web.Response:
        comment = self._target(request, token)
        if isinstance(comment, web.Response):
            return comment
        values: dict[str, Any] = {"id": comment.native_id, self.read_field: comment.hidden}
        if self.platform == "facebook":
            values["can_hide"] = True
        fields = [f for f in request.query.get("fields", "id").split(",") if f]
        unknown = [f for f in fields if f not in values]
        if unknown:
            return self.error(400, 100, f"(#100) Tried accessing nonexisting field ({unknown[0]})")
        return self._ok({f: values[f] for f in [*fields, "id"]})

    def _block(self, request: web.Request, body: Any, token: str | None) -> web.Response:
        page = request.match_info["page"]
        gate = self._gate(token)
        if gate is not None:
            return gate
        if self.platform != "facebook":
            return self._missing(f"{page}/blocked", "POST")
        user = body.get("user") if isinstance(body, dict) else None
        if not user:
            return self.error(400, 100, "(#100) The parameter user is required")
        owner = self.token_owners.get(token or "")
        if owner is not None and owner != page:
            return self.error(403, 200, "(#200) Permissions error")
        self.blocked.setdefault(page, set()).add(str(user))
        return self._ok({str(user): True})


# -- X API v2 -----------------------------------------------------------------------------


class FakeX(FakePlatform):
    """``PUT /2/tweets/{id}/hidden``: ``per_window`` calls per token a ``window_s`` window
    (fixed, from the window's first call), ``x-rate-limit-*`` on every authenticated answer,
    429 code 88 past the limit; 401 bad token; 404 unknown; 403 another account's reply."""

    def __init__(self, *, per_window: int = 50, window_s: float = 900.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.per_window = per_window
        self.window_s = window_s
        self._windows: dict[str, list[float]] = {}  # token → [reset_at, calls]
        self._rate_headers: dict[str, str] = {}

    def _routes(self, app: web.Application) -> None:
        _route(self, app, "PUT", "/2/tweets/{id}/hidden", True, self._hidden)

    def problem(self, status: int, title: str, detail: str, kind: str = "about:blank") -> web.Response:
        return web.json_response({"title": title, "detail": detail, "type": kind, "status": status},
                                 status=status, headers=self._rate_headers)

    def _gate(self, token: str | None) -> web.Response | None:
        self._rate_headers = {}
        if token is None or token not in self.tokens:
            detail = f"Unauthorized: {token}" if self.echo_token and token else "Unauthorized"
            return self.problem(401, "Unauthorized", detail)
        if not self.limits:
            return None
        now = self.clock()
        window = self._windows.get(token)
        if window is None or now >= window[0]:
            window = self._windows[token] = [now + self.window_s, 0]
        over = window[1] >= self.per_window
        if not over:
            window[1] += 1
        self._rate_headers = {"x-rate-limit-limit": str(self.per_window),
                              "x-rate-limit-remaining": str(self.per_window - int(window[1])),
                              "x-rate-limit-reset": str(math.ceil(window[0]))}
        if over:
            return web.json_response({"errors": [{"code": 88, "message": "Rate limit exceeded"}]},
                                     status=429, headers=self._rate_headers)
        return None

    def _transient(self, token: str | None) -> web.Response:
        return self.problem(503, "Service Unavailable", "Service Unavailable")

    def _hidden(self, request: web.Request, body: Any, token: str | None) -> web.Response:
        native_id = request.match_info["id"]
        gate = self._gate(token)
        if gate is not None:
            return gate
        comment = self._comment(native_id)
        if comment is None or comment.deleted:
            return self.problem(404, "Not Found Error", f"Could not find tweet with id: [{native_id}].",
                                "https://api.twitter.com/2/problems/resource-not-found")
        if token is not None and not self._owner_ok(token, comment):
            return self.problem(403, "Forbidden", "You attempted to hide a Tweet you cannot hide. Only "
                                "replies to a conversation you started can be hidden.")
        hidden = body.get("hidden") if isinstance(body, dict) else None
        if not isinstance(hidden, bool):
            return self.problem(400, "Invalid Request", "One or more parameters to your request was "
                                "invalid.", "https://api.twitter.com/2/problems/invalid-request")
        comment.hidden = hidden
        return web.json_response({"data": {"hidden": hidden}}, headers=self._rate_headers)


# -- YouTube Data API v3 ------------------------------------------------------------------


class FakeYouTube(FakePlatform):
    """``POST /youtube/v3/comments/setModerationStatus`` (≤ 50 ids, all or nothing): daily
    quota of ``quota_per_day`` units for the project, ``units_per_call`` a call (failed calls
    too), refilled at midnight America/Los_Angeles by the clock; 403 quotaExceeded when spent."""

    root_path = "/youtube/v3"
    STATUSES = ("heldForReview", "published", "rejected")

    def __init__(self, *, quota_per_day: int = 10_000, units_per_call: int = 50, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.quota_per_day = quota_per_day
        self.units_per_call = units_per_call
        #: Units spent today (Pacific) and in all.
        self.quota_used = 0
        self.units_used = 0
        self.banned: set[str] = set()
        self._quota_day: date | None = None

    def _routes(self, app: web.Application) -> None:
        _route(self, app, "POST", "/youtube/v3/comments/setModerationStatus", True, self._moderate,
               lambda r: [i for i in r.query.get("id", "").split(",") if i])

    def error(self, status: int, reason: str, message: str, domain: str = "youtube.comment",
              ) -> web.Response:
        return web.json_response({"error": {"code": status, "message": message, "errors": [
            {"message": message, "domain": domain, "reason": reason}]}}, status=status)

    def _gate(self, token: str | None) -> web.Response | None:
        if token is None or token not in self.tokens:
            quoted = f" ({token})" if self.echo_token and token else ""
            return self.error(401, "authError", "Request had invalid authentication credentials"
                              f"{quoted}. Expected OAuth 2 access token.", "global")
        day = datetime.fromtimestamp(self.clock(), _PACIFIC).date()
        if day != self._quota_day:
            self._quota_day, self.quota_used = day, 0
        if self.limits and self.quota_used + self.units_per_call > self.quota_per_day:
            return self.error(403, "quotaExceeded", "The request cannot be completed because you have "
                              "exceeded your quota.", "youtube.quota")
        self.quota_used += self.units_per_call
        self.units_used += self.units_per_call
        return None

    def _transient(self, token: str | None) -> web.Response:
        return self.error(503, "backendError", "The service is currently unavailable.", "global")

    def _moderate(self, request: web.Request, body: Any, token: str | None) -> web.Response:
        ids = [i for i in request.query.get("id", "").split(",") if i]
        gate = self._gate(token)
        if gate is not None:
            return gate
        status = request.query.get("moderationStatus", "")
        ban = request.query.get("banAuthor", "false") == "true"
        if not ids or len(ids) > 50:
            return self.error(400, "invalidValue", "The id parameter takes 1 to 50 comment ids.")
        if status not in self.STATUSES:
            return self.error(400, "invalidModerationStatus", "The moderation status is not valid.")
        if ban and status != "rejected":
            return self.error(400, "banWithoutReject", "The banAuthor parameter can only be used if "
                              "the moderationStatus parameter value is rejected.")
        comments = [self._comment(i) for i in ids]
        if any(c is None for c in comments):
            return self.error(404, "commentNotFound", "The specified comment could not be found.")
        found = [c for c in comments if c is not None]
        if token is not None and not all(self._owner_ok(token, c) for c in found):
            return self.error(403, "forbidden", "The comment's moderation status could not be updated "
                              "due to insufficient permissions.")
        if any(c.status == "rejected" and status != "rejected" for c in found):
            return self.error(400, "operationNotSupported", "A rejected comment cannot be published "
                              "or held for review.")
        for comment in found:
            comment.status = status
            comment.hidden = status != "published"
            if ban and comment.author:
                self.banned.add(comment.author)
        return web.Response(status=204)
