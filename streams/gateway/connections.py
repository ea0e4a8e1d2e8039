"""Connection limits aiohttp does not have: a deadline for each request head, and no lingering
on a connection whose upload stalled.

aiohttp closes *idle* keep-alive connections (``keepalive_timeout``) but has no header timeout:
a client that opens a connection and sends its request line and headers a byte at a time holds
it (and a file descriptor) for as long as it likes. :class:`GatewayRequestHandler` gives every
connection ``header_timeout_s`` to deliver a complete request head, counted from when the
connection opens and, on a keep-alive connection, from the first byte of each later request
(the same rule as Go's ``ReadHeaderTimeout``); a connection that misses it is closed without an
answer. Idle keep-alive connections are left to ``keepalive_timeout``.

It also closes a connection at once after a response that says ``Connection: close`` while the
request body is still incomplete (the gateway's 408 for a stalled upload), instead of lingering
up to ``lingering_time`` for the rest of a body that is not coming; and a request aiohttp refuses
before routing (a malformed request line, header or chunk: its own 400) is counted and logged as
one warning line naming the error type, instead of an error with a traceback quoting the bytes.

:class:`GatewayRunner` is an ``AppRunner`` whose server makes these handlers; the gateway uses it
both as a process (``run_gateway``) and in a thread (``ThreadedGateway``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.web_protocol import RequestHandler
from aiohttp.web_request import BaseRequest
from aiohttp.web_response import StreamResponse


class GatewayRequestHandler(RequestHandler):
    """aiohttp's per-connection protocol, plus the request-head deadline (see the module)."""

    __slots__ = ("_head_deadline_s", "_head_timer", "_latest_body", "_on_bad_request",
                 "_on_head_timeout")

    def __init__(self, manager: web.Server, *, header_timeout_s: float,
                 on_header_timeout: Callable[[], None] | None = None,
                 on_bad_request: Callable[[], None] | None = None, **kwargs: Any) -> None:
        super().__init__(manager, **kwargs)
        self._head_deadline_s = header_timeout_s
        self._head_timer: asyncio.TimerHandle | None = None
        #: The body stream of the latest request head received (None before the first).
        self._latest_body: Any = None
        self._on_head_timeout = on_header_timeout
        self._on_bad_request = on_bad_request

    def handle_error(self, request: BaseRequest, status: int = 500, exc: BaseException | None = None,
                     message: str | None = None) -> StreamResponse:
        if isinstance(exc, HttpProcessingError) and 400 <= status < 500:
            message = "Bad Request: malformed HTTP request"  # aiohttp's quotes the request bytes
        return super().handle_error(request, status, exc, message)

    def log_exception(self, *args: Any, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info")
        if isinstance(exc, HttpProcessingError) and 400 <= (exc.code or 400) < 500:
            # The client's malformed HTTP, not a bug: aiohttp answers 400 and closes. The
            # parser's message quotes the offending bytes (maybe a signature): not logged.
            if self._on_bad_request is not None:
                self._on_bad_request()
            self.logger.warning("bad HTTP request refused",
                                extra={"error": type(exc).__name__, "status": exc.code or 400})
            return
        super().log_exception(*args, **kwargs)

    # -- the head deadline ------------------------------------------------------------------------
    def _arm(self) -> None:
        if self._head_timer is None:
            self._head_timer = self._loop.call_later(self._head_deadline_s, self._head_timed_out)

    def _disarm(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _between_requests(self) -> bool:
        """No request head is pending and the latest request's body is complete: the next
        bytes start a new request head."""
        body = self._latest_body
        return body is None or body.is_eof()

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self._force_close or self.transport is None:
            return
        if self._request_in_progress or self._messages:
            # A pipelined head waits behind a request being answered: check again later.
            self._arm()
            return
        if self._on_head_timeout is not None:
            self._on_head_timeout()
        self.force_close()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        self._arm()  # a new connection must send a complete request head in time

    def connection_lost(self, exc: BaseException | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._force_close or self._close:
            return
        if data and self._head_timer is None and self._between_requests():
            self._arm()  # the first bytes of the next request head
        body = self._latest_body
        body_before = _size(body)
        heads = self._request_count
        super().data_received(data)
        if self._request_count != heads:  # a request head (or a malformed one) is complete
            self._disarm()
            if self._messages:
                self._latest_body = self._messages[-1][1]
        elif (data and self._head_timer is None and body is not None and body.is_eof()
              and len(data) > _size(body) - body_before):
            # This read completed a body and brought more bytes: possibly the start of a
            # pipelined head (or only chunked-encoding framing, which errs on the safe side).
            self._arm()

    # -- stalled uploads --------------------------------------------------------------------------
    async def finish_response(self, request: BaseRequest, resp: StreamResponse,
                              start_time: float | None) -> tuple[StreamResponse, bool]:
        out = await super().finish_response(request, resp, start_time)
        if resp.keep_alive is False and not request.content.is_eof():
            # E.g. 408: the client stopped sending its body; do not wait for the rest.
            self.force_close()
        return out


def _size(body: Any) -> int:
    return int(getattr(body, "total_bytes", 0) or 0)


class _GatewayServer(web.Server):
    """aiohttp's Server making :class:`GatewayRequestHandler` connections."""

    header_timeout_s: float
    on_header_timeout: Callable[[], None] | None
    on_bad_request: Callable[[], None] | None

    def __call__(self) -> RequestHandler:
        return GatewayRequestHandler(self, loop=self._loop, header_timeout_s=self.header_timeout_s,
                                     on_header_timeout=self.on_header_timeout,
                                     on_bad_request=self.on_bad_request, **self._kwargs)


class GatewayRunner(web.AppRunner):
    """``web.AppRunner`` whose connections have a request-head deadline (``header_timeout_s``)
    and close at once after a 408; other keyword arguments are AppRunner's."""

    def __init__(self, app: web.Application, *, header_timeout_s: float,
                 on_header_timeout: Callable[[], None] | None = None,
                 on_bad_request: Callable[[], None] | None = None, **kwargs: Any) -> None:
        super().__init__(app, **kwargs)
        self._header_timeout_s = header_timeout_s
        self._on_header_timeout = on_header_timeout
        self._on_bad_request = on_bad_request

    async def _make_server(self) -> web.Server:
        server = await super()._make_server()
        # The app's own Server (routing, request factory, handler arguments), making our
        # handlers: same object, subclass with only __call__ replaced.
        server.__class__ = _GatewayServer
        assert isinstance(server, _GatewayServer)
        server.header_timeout_s = self._header_timeout_s
        server.on_header_timeout = self._on_header_timeout
        server.on_bad_request = self._on_bad_request
        return server
