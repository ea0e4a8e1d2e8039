"""The webhook endpoints, one pair per platform.

Each POST: body (≤ ``max_body_bytes``, else 413; complete within ``body_timeout_s``, else 408)
→ signature over the raw bytes (401, body not echoed; an unknown generic source is answered
exactly like a wrong signature) → JSON (400: bad_json, too_deep, bad_utf8, bad_unicode) →
normalize (400 / 404 unknown account) → ingest (503 if Kafka does not acknowledge in time) → 200
with the counts. Nothing is written before every check passed.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import hmac
import os
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import orjson
from aiohttp import web
from aiohttp.web_protocol import RequestPayloadError

from civicmod.contract.records import utcnow
from civicmod.contract.wire import MAX_JSON_DEPTH, WireError, loads
from streams.gateway.events import BadPayload, Batch, UnknownAccount
from streams.gateway.ingest import IngestFailed
from streams.gateway.normalize import (
    normalize_facebook,
    normalize_generic,
    normalize_instagram,
    normalize_x,
)
from streams.gateway.signatures import (
    META_HEADER,
    X_HEADER,
    SignatureError,
    raw_bytes,
    verify_meta,
    verify_standard,
    verify_x,
    x_crc_response,
)
from streams.kafka.sink import BrokerUnavailable

if TYPE_CHECKING:
    from streams.gateway.app import Gateway


if hasattr(web, "RequestKey"):  # aiohttp >= 3.14 wants typed keys for request storage
    WEBHOOK_ID: Any = web.RequestKey("webhook_id", str)
    RESULT: Any = web.RequestKey("result", dict)
else:
    WEBHOOK_ID, RESULT = "webhook_id", "result"


class Reject(Exception):
    """Answer with ``status``; ``reason`` is the metrics label, ``message`` goes to the client.

    ``extra``: ``retry_after`` (a Retry-After header), ``result`` (counts for the body),
    ``close`` (close the connection after answering), ``log`` (fields for the log line only)."""

    def __init__(self, status: int, reason: str, message: str,
                 extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status, self.reason, self.message = status, reason, message
        self.extra = extra or {}


#: A webhook id as given (``webhook-id``, ``X-Request-Id``) when it is this tame; else a digest.
_SAFE_ID = re.compile(r"[A-Za-z0-9_.:@+/=-]{1,128}", re.ASCII)
#: A subscription challenge echoed back (Meta sends digits).
_SAFE_CHALLENGE = re.compile(r"[\x21-\x7e]{1,256}", re.ASCII)


def safe_id(value: str) -> str:
    """A webhook id fit for headers, logs and Kafka keys: ``value`` itself when it is short
    printable ASCII, else ``sha256:<digest>`` of its bytes (deterministic, so a redelivery
    still has the same id)."""
    if _SAFE_ID.fullmatch(value):
        return value
    return "sha256:" + hashlib.sha256(raw_bytes(value)).hexdigest()[:32]


async def read_body(request: web.Request, limit: int, timeout_s: float) -> bytes:
    """The raw body, refusing (413) anything over ``limit`` without reading all of it, and
    (408, connection closed) a body that has not fully arrived ``timeout_s`` after the head."""
    if request.content_length is not None and request.content_length > limit:
        raise Reject(413, "too_large", f"body is larger than {limit} bytes")
    content = request.content
    if content.is_eof() and content.exception() is None:  # all arrived with the head: no timer
        body = content.read_nowait(-1)
        if len(body) > limit:
            raise Reject(413, "too_large", f"body is larger than {limit} bytes")
        return body
    buf = bytearray()
    try:
        async with asyncio.timeout(timeout_s):
            async for chunk in request.content.iter_chunked(64 * 1024):
                buf += chunk
                if len(buf) > limit:
                    raise Reject(413, "too_large", f"body is larger than {limit} bytes")
    except TimeoutError:
        raise Reject(408, "body_timeout", f"the body did not arrive within {timeout_s:g}s",
                     {"close": True}) from None
    except (RequestPayloadError, ConnectionError):  # bad chunking / encoding, or the client left
        raise Reject(400, "bad_body", "the body could not be read", {"close": True}) from None
    return bytes(buf)


#: civicmod.contract.wire reasons → rejection reasons (metrics labels) and messages (never the body).
JSON_ERRORS = {
    "too_deep": ("too_deep", f"body is nested deeper than {MAX_JSON_DEPTH} levels"),
    "invalid_json": ("bad_json", "body is not valid JSON"),
    "invalid_utf8": ("bad_utf8", "body is not valid UTF-8"),
    "invalid_unicode": ("bad_unicode", "body holds an unpaired UTF-16 surrogate escape"),
}
def parse_json(body: bytes) -> Any:
    """Decode a verified body with civicmod.contract.wire (bounded depth, valid UTF-8 and Unicode,
    finite numbers) or reject it: 400 with reason ``too_deep``, ``bad_json``, ``bad_utf8`` or
    ``bad_unicode``."""
    try:
        return loads(body)
    except WireError as exc:
        raise Reject(400, *JSON_ERRORS.get(exc.reason, JSON_ERRORS["invalid_json"])) from None


def _check(fn: Any, *args: Any) -> Any:
    try:
        return fn(*args)
    except SignatureError as exc:
        raise Reject(401, exc.reason, str(exc)) from None


def _normalize(fn: Any, *args: Any, **kwargs: Any) -> Batch:
    try:
        return fn(*args, **kwargs)
    except BadPayload as exc:
        raise Reject(400, "bad_payload", f"payload not understood: {exc}") from None
    except UnknownAccount as exc:
        raise Reject(404, "unknown_account", str(exc)) from None


def decode_batch(body: bytes, normalize: Callable[..., Batch], *args: Any, **kwargs: Any) -> Batch:
    """A verified body → its Batch: :func:`parse_json`, then ``normalize(payload, *args,
    **kwargs)``, each failure as its :class:`Reject`."""
    return _normalize(normalize, parse_json(body), *args, **kwargs)


class Routes:
    def __init__(self, gw: Gateway) -> None:
        self.gw = gw
        self.limit = gw.settings.gateway.max_body_bytes
        self.body_timeout_s = gw.settings.gateway.body_timeout_s
        self.thread_decode_bytes = gw.settings.gateway.thread_decode_bytes
        #: One thread for the large bodies: they are decoded one at a time, as on the loop, so
        #: neither the GIL's share left to the loop nor the memory of parsed bodies (~22 MB for a
        #: hostile 1 MB one) grows with how many arrive at once.
        self._decoder = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gateway-decode")
        # Every generic request is checked against the same number of keys (a source's own,
        # padded with a random key no sender has), so neither the answer nor the HMAC work
        # tells whether the source exists.
        self._filler_key = os.urandom(32)
        self._std_key_count = max((len(s.secrets) for s in gw.registry.generic.values()), default=1)

    async def _body(self, request: web.Request) -> bytes:
        return await read_body(request, self.limit, self.body_timeout_s)

    async def _decode(self, body: bytes, normalize: Callable[..., Batch], *args: Any,
                      **kwargs: Any) -> Batch:
        """:func:`decode_batch`, on the event loop for a body up to
        ``gateway.thread_decode_bytes``, else in the decode thread: a large body (an 800 KB
        batch: ~57 ms; a hostile 1 MB body of empty arrays: ~240 ms) would hold every other
        webhook in flight for all that time. The thread still takes the GIL, but in slices
        (``sys.getswitchinterval()``, 5 ms), between which the loop goes on answering."""
        if len(body) <= self.thread_decode_bytes:
            return decode_batch(body, normalize, *args, **kwargs)
        call = functools.partial(decode_batch, body, normalize, *args, **kwargs)
        return await asyncio.get_running_loop().run_in_executor(self._decoder, call)

    def close(self) -> None:
        """Stop the decode thread (once the server stopped taking requests)."""
        self._decoder.shutdown(wait=False, cancel_futures=True)

    def add_to(self, app: web.Application) -> None:
        app.router.add_get("/webhooks/facebook", self.facebook_verify)
        app.router.add_post("/webhooks/facebook", self.facebook)
        app.router.add_get("/webhooks/instagram", self.instagram_verify)
        app.router.add_post("/webhooks/instagram", self.instagram)
        app.router.add_get("/webhooks/x", self.x_crc)
        app.router.add_post("/webhooks/x", self.x)
        app.router.add_post("/webhooks/generic/{source}", self.generic)

    async def _accept(self, request: web.Request, platform: str, batch: Batch) -> web.Response:
        gw = self.gw
        if not gw.accepting:
            raise Reject(503, "not_ready", "not ready (starting, or Kafka unreachable); retry",
                         {"retry_after": 5})
        try:
            res = await gw.ingestor.ingest(platform, batch, request[WEBHOOK_ID])
        except IngestFailed as exc:
            raise Reject(503, "broker_unavailable", "Kafka did not acknowledge in time; retry",
                         {"retry_after": 5, "result": exc.result.as_dict()}) from None
        except BrokerUnavailable:
            raise Reject(503, "broker_unavailable", "Kafka is not reachable; retry",
                         {"retry_after": 5}) from None
        counts = request[RESULT] = res.as_dict()
        # orjson: a third of json_response's cost (the id is tame ASCII, the rest are counts)
        return web.Response(body=orjson.dumps({"ok": True, "webhook_id": request[WEBHOOK_ID], **counts}),
                            content_type="application/json", charset="utf-8")

    # -- Meta -----------------------------------------------------------------------------------
    def _meta_verify(self, request: web.Request, platform: str) -> web.Response:
        accounts = getattr(self.gw.registry, platform)
        q = request.query
        if accounts.verify_token is None:
            raise Reject(403, "not_configured", f"gateway.{platform}.verify_token is not set")
        token = q.get("hub.verify_token", "")
        challenge = q.get("hub.challenge", "")
        ok = hmac.compare_digest(raw_bytes(token), accounts.verify_token.reveal())
        if q.get("hub.mode") != "subscribe" or not ok or not _SAFE_CHALLENGE.fullmatch(challenge):
            raise Reject(403, "verify_failed", "subscription verification failed")
        return web.Response(text=challenge, content_type="text/plain")

    async def _meta_post(self, request: web.Request, platform: str, normalize: Any) -> web.Response:
        accounts = getattr(self.gw.registry, platform)
        if not accounts.configured:
            raise Reject(404, "not_configured", f"no {platform} accounts are configured")
        body = await self._body(request)
        _check(verify_meta, request.headers.get(META_HEADER), body, accounts.keys())
        batch = await self._decode(body, normalize, accounts.accounts, utcnow(),
                                   skip_own_comments=accounts.skip_own_comments)
        return await self._accept(request, platform, batch)

    async def facebook_verify(self, request: web.Request) -> web.Response:
        return self._meta_verify(request, "facebook")

    async def facebook(self, request: web.Request) -> web.Response:
        return await self._meta_post(request, "facebook", normalize_facebook)

    async def instagram_verify(self, request: web.Request) -> web.Response:
        return self._meta_verify(request, "instagram")

    async def instagram(self, request: web.Request) -> web.Response:
        return await self._meta_post(request, "instagram", normalize_instagram)

    # -- X --------------------------------------------------------------------------------------
    async def x_crc(self, request: web.Request) -> web.Response:
        accounts = self.gw.registry.x
        if not accounts.secrets:
            raise Reject(404, "not_configured", "gateway.x.consumer_secrets is not set")
        token = request.query.get("crc_token")
        if not token:
            raise Reject(400, "bad_payload", "crc_token is required")
        return web.json_response({"response_token": x_crc_response(accounts.keys()[0], token)})

    async def x(self, request: web.Request) -> web.Response:
        accounts = self.gw.registry.x
        if not accounts.configured:
            raise Reject(404, "not_configured", "no x accounts are configured")
        body = await self._body(request)
        _check(verify_x, request.headers.get(X_HEADER), body, accounts.keys())
        batch = await self._decode(body, normalize_x, accounts.accounts, utcnow())
        return await self._accept(request, "x", batch)

    # -- generic (Standard Webhooks) --------------------------------------------------------------
    async def generic(self, request: web.Request) -> web.Response:
        name = request.match_info["source"]
        body = await self._body(request)
        source = self.gw.registry.generic.get(name)
        keys = source.keys() if source is not None else []
        keys += [self._filler_key] * (self._std_key_count - len(keys))
        tolerance = self.gw.settings.gateway.generic.tolerance_s
        try:
            webhook_id = verify_standard(request.headers, body, keys, tolerance)
            if source is None:  # cannot happen (no sender has the filler key); never accept
                raise SignatureError("bad_signature", "webhook-signature does not match")
        except SignatureError as exc:
            # An unknown source gets the answer of a wrong signature; only the log says which.
            raise Reject(401, exc.reason, str(exc),
                         {"log": {"source_known": source is not None}}) from None
        request[WEBHOOK_ID] = safe_id(webhook_id)
        batch = await self._decode(body, normalize_generic, name, source.account_id, utcnow(),
                                   request[WEBHOOK_ID])
        return await self._accept(request, "generic", batch)
