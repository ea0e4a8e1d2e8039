"""The webhook endpoints, one pair per platform.

Each POST: body (≤ ``max_body_bytes``, else 413) → signature over the raw bytes (401, body not
echoed) → JSON (400) → normalize (400 / 404 unknown account) → ingest (503 if Kafka does not
acknowledge in time) → 200 with the counts. Nothing is written before every check passed.
"""

from __future__ import annotations

import hmac
import json
from typing import TYPE_CHECKING, Any

from aiohttp import web

from civicmod.schema import utcnow
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
    verify_meta,
    verify_standard,
    verify_x,
    x_crc_response,
)
from streams.gateway.sink import BrokerUnavailable

if TYPE_CHECKING:
    from streams.gateway.app import Gateway


if hasattr(web, "RequestKey"):  # aiohttp >= 3.14 wants typed keys for request storage
    WEBHOOK_ID: Any = web.RequestKey("webhook_id", str)
    RESULT: Any = web.RequestKey("result", dict)
else:
    WEBHOOK_ID, RESULT = "webhook_id", "result"


class Reject(Exception):
    """Answer with ``status``; ``reason`` is the metrics label, ``message`` goes to the client."""

    def __init__(self, status: int, reason: str, message: str,
                 extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status, self.reason, self.message = status, reason, message
        self.extra = extra or {}


async def read_body(request: web.Request, limit: int) -> bytes:
    """The raw body, refusing (413) anything over ``limit`` without reading all of it."""
    if request.content_length is not None and request.content_length > limit:
        raise Reject(413, "too_large", f"body is larger than {limit} bytes")
    buf = bytearray()
    async for chunk in request.content.iter_chunked(64 * 1024):
        buf += chunk
        if len(buf) > limit:
            raise Reject(413, "too_large", f"body is larger than {limit} bytes")
    return bytes(buf)


def parse_json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (UnicodeDecodeError, ValueError):
        raise Reject(400, "bad_json", "body is not valid JSON") from None


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


class Routes:
    def __init__(self, gw: Gateway) -> None:
        self.gw = gw
        self.limit = gw.settings.gateway.max_body_bytes

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
        return web.json_response({"ok": True, "webhook_id": request[WEBHOOK_ID], **counts})

    # -- Meta -----------------------------------------------------------------------------------
    def _meta_verify(self, request: web.Request, platform: str) -> web.Response:
        accounts = getattr(self.gw.registry, platform)
        q = request.query
        if accounts.verify_token is None:
            raise Reject(403, "not_configured", f"gateway.{platform}.verify_token is not set")
        token = q.get("hub.verify_token", "")
        challenge = q.get("hub.challenge", "")
        ok = hmac.compare_digest(token.encode(), accounts.verify_token.reveal())
        if q.get("hub.mode") != "subscribe" or not ok or not challenge:
            raise Reject(403, "verify_failed", "subscription verification failed")
        return web.Response(text=challenge, content_type="text/plain")

    async def _meta_post(self, request: web.Request, platform: str, normalize: Any) -> web.Response:
        accounts = getattr(self.gw.registry, platform)
        if not accounts.configured:
            raise Reject(404, "not_configured", f"no {platform} accounts are configured")
        body = await read_body(request, self.limit)
        _check(verify_meta, request.headers.get(META_HEADER), body, accounts.keys())
        payload = parse_json(body)
        batch = _normalize(normalize, payload, accounts.accounts, utcnow(),
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
        body = await read_body(request, self.limit)
        _check(verify_x, request.headers.get(X_HEADER), body, accounts.keys())
        batch = _normalize(normalize_x, parse_json(body), accounts.accounts, utcnow())
        return await self._accept(request, "x", batch)

    # -- generic (Standard Webhooks) --------------------------------------------------------------
    async def generic(self, request: web.Request) -> web.Response:
        name = request.match_info["source"]
        source = self.gw.registry.generic.get(name)
        if source is None:
            raise Reject(404, "unknown_account", "unknown source")
        body = await read_body(request, self.limit)
        tolerance = self.gw.settings.gateway.generic.tolerance_s
        webhook_id = _check(verify_standard, request.headers, body, source.keys(), tolerance)
        request[WEBHOOK_ID] = webhook_id
        batch = _normalize(normalize_generic, parse_json(body), name, source.account_id, utcnow(),
                           webhook_id)
        return await self._accept(request, "generic", batch)
