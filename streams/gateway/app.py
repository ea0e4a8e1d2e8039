"""The gateway's aiohttp application: routes, ops endpoints, metrics/log middleware, lifecycle.

Start-up never blocks on Kafka: the web server answers at once (``/healthz`` 200, ``/readyz`` 503
and webhooks 503 "not ready") while a background task creates the topics, connects the producer,
loads the dedupe keys and, if enabled, starts the YouTube poller; then ``/readyz`` turns 200.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import time
from random import getrandbits
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from civicmod.contract import topics as T
from civicmod.contract.settings import Settings
from streams.gateway.accounts import Registry
from streams.gateway.dedupe import KafkaDedupe
from streams.gateway.ingest import Ingestor
from streams.gateway.logs import log
from streams.gateway.metrics import GatewayMetrics
from streams.gateway.routes import RESULT, WEBHOOK_ID, Reject, Routes, safe_id
from streams.gateway.youtube import YouTubePoller
from streams.kafka.admin import ensure_topics
from streams.kafka.gc_tuning import settle_heap
from streams.kafka.logs import log_fields
from streams.kafka.sink import KafkaSink
from streams.kafka.state_table import KafkaTable

GATEWAY_KEY: web.AppKey[Gateway] = web.AppKey("gateway")
PROBE_INTERVAL_S = 2.0
PRUNE_INTERVAL_S = 60.0
#: The producer's linger: 1, 5 and 20 ms measured the same closed-loop throughput and gateway
#: CPU per request (records of concurrent requests share produce requests anyway: one is in
#: flight at a time and the next takes everything queued meanwhile); 1 keeps idle latency low.
LINGER_MS = 1


METHODS = {"GET", "POST", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS"}


def _platform(path: str) -> str:
    parts = path.strip("/").split("/")
    if len(parts) >= 2 and parts[0] == "webhooks":
        return parts[1] if parts[1] in ("facebook", "instagram", "x", "generic") else "unknown"
    return "ops"


def _method(method: str) -> str:
    """The method as a metrics label (aiohttp accepts any token as a method)."""
    return method if method in METHODS else "other"


def _request_id(request: web.Request) -> str:
    for header in ("webhook-id", "X-Request-Id"):
        value = request.headers.get(header)
        if value:
            return safe_id(value)
    # Not a secret, only unique: the Mersenne Twister's 64 bits cost a tenth of os.urandom's
    # system call (3.4% of the gateway's samples under load).
    return f"gw-{getrandbits(64):016x}"


class Gateway:
    """One gateway: its producer, dedupe store, cursors, poller, metrics and web app."""

    def __init__(self, settings: Settings, registry: Registry, *, own_process: bool = False) -> None:
        self.settings = settings
        #: The process is this gateway's alone (``civicmod gateway``): its heap is settled
        #: once ready (not in a test's or an embedding program's process).
        self.own_process = own_process
        self.registry = registry
        g = settings.gateway
        k = settings.kafka
        self.metrics = GatewayMetrics()
        self.sink = KafkaSink(k.bootstrap_servers, g.producer_timeout_s,
                              max_request_size=k.max_record_bytes, linger_ms=LINGER_MS)
        self.dedupe = KafkaDedupe(k.bootstrap_servers, T.physical(T.GATEWAY_DEDUPE, k.topic_prefix),
                                  self.sink, g.dedupe_window_s, self.metrics)
        self.cursors = KafkaTable(k.bootstrap_servers, T.physical(T.GATEWAY_CURSORS, k.topic_prefix),
                                  self.sink, "cursors", log=log)
        self.ingestor = Ingestor(self.sink, self.dedupe, k.topic_prefix, self.metrics,
                                 g.producer_timeout_s, max_comment_bytes=k.max_comment_bytes,
                                 deadletter_raw_bytes=k.deadletter_raw_bytes)
        yt = g.youtube
        self.poller = (YouTubePoller(yt, registry.youtube, self.ingestor, self.cursors, self.metrics)
                       if yt.enabled and registry.youtube.channels else None)
        #: The YouTube quota shared with the actuator (only with a poller).
        self.shared_quota = (KafkaTable(k.bootstrap_servers, T.physical(T.PLATFORM_QUOTA, k.topic_prefix),
                                        self.sink, "platform-quota", on_record=self.poller.shared_record,
                                        log=log) if self.poller is not None else None)
        if self.poller is not None:
            self.poller.shared = self.shared_quota
        self._stopping: asyncio.Event | None = None
        self.routes: Routes | None = None  # made with the web app
        self._tasks: list[asyncio.Task[Any]] = []
        self._topics_ok = False
        self.started_at = time.time()

    # -- state ----------------------------------------------------------------------------------
    @property
    def accepting(self) -> bool:
        """Webhooks are taken once the producer runs and the dedupe keys are loaded."""
        return self.sink.started and self.dedupe.loaded.is_set()

    @property
    def ready(self) -> bool:
        return self.accepting and self.sink.healthy

    def readiness(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "ready": self.ready, "kafka_connected": self.sink.started,
            "kafka_healthy": self.sink.healthy, "dedupe_loaded": self.dedupe.loaded.is_set(),
            "pending_writes": self.ingestor.pending, "accounts": self.registry.summary()}
        if self.sink.last_error and not self.sink.healthy:
            out["kafka_error"] = self.sink.last_error
        if self.poller is not None:
            out["youtube"] = {"quota": self.poller.quota.state(),
                              "channels": len(self.registry.youtube.channels)}
        return out

    # -- lifecycle ------------------------------------------------------------------------------
    async def _on_startup(self, app: web.Application) -> None:
        self._stopping = asyncio.Event()
        self._tasks.append(asyncio.get_running_loop().create_task(self._bring_up(), name="bring-up"))

    async def _ensure_topics(self) -> None:
        """Create missing topics (once it worked, never again); failures only log: the topics
        may exist already (no create permission), or the broker is still down."""
        if self._topics_ok:
            return
        k = self.settings.kafka
        try:
            await asyncio.to_thread(ensure_topics, k.bootstrap_servers, k.partitions,
                                    k.replication_factor, k.topic_prefix, 10.0,
                                    max_record_bytes=k.max_record_bytes)
            self._topics_ok = True
        except Exception as exc:
            log.warning("could not ensure topics", extra={"error": f"{type(exc).__name__}: {exc}"[:200]})

    async def _bring_up(self) -> None:
        assert self._stopping is not None
        k = self.settings.kafka
        await self.sink.start_forever(self._stopping)  # fails fast while the broker is away
        if self._stopping.is_set():
            return
        await self._ensure_topics()
        if self._stopping.is_set():
            return
        self.dedupe.start()
        self.cursors.start()
        if self.shared_quota is not None:
            self.shared_quota.start()
        loop = asyncio.get_running_loop()
        self._tasks.append(loop.create_task(self._probe_loop(), name="probe"))
        self._tasks.append(loop.create_task(self._prune_loop(), name="prune"))
        if self.poller is not None:
            self._tasks.append(loop.create_task(self.poller.run(self._stopping), name="youtube"))
        await self.dedupe.loaded.wait()
        if self.own_process:
            settle_heap()  # start-up's objects and the dedupe keys loaded: out of the GC's sight
        log.info("gateway ready", extra={"bootstrap": k.bootstrap_servers,
                                         "accounts": self.registry.summary(),
                                         "dedupe_keys": len(self.dedupe.index)})

    async def _probe_loop(self) -> None:
        incoming = T.physical(T.INCOMING, self.settings.kafka.topic_prefix)
        while True:
            await self.sink.probe([incoming])  # not the whole cluster's metadata
            self.metrics.ready.set(1 if self.ready else 0)
            await asyncio.sleep(PROBE_INTERVAL_S)

    async def _prune_loop(self) -> None:
        while True:
            await asyncio.sleep(PRUNE_INTERVAL_S)
            self.dedupe.prune()

    async def _on_cleanup(self, app: web.Application) -> None:
        if self._stopping is not None:
            self._stopping.set()
        for task in self._tasks:
            if task.get_name() == "youtube":
                with contextlib.suppress(asyncio.TimeoutError, asyncio.CancelledError, Exception):
                    await asyncio.wait_for(task, 5)
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await self.dedupe.stop()
        await self.cursors.stop()
        if self.shared_quota is not None:
            await self.shared_quota.stop()
        await self.sink.stop()
        if self.routes is not None:
            self.routes.close()
        log.info("gateway stopped")

    # -- web ------------------------------------------------------------------------------------
    @web.middleware
    async def _observe(self, request: web.Request, handler: Any) -> web.StreamResponse:
        """Count, time and log every request; turn a :class:`Reject` into its answer, and any
        unexpected exception (a bug) into a JSON 500 that names only the webhook id, counted
        (``requests{status="500"}``, ``rejected{reason="internal_error"}``) and logged as one
        line with the traceback in its ``exc`` field."""
        platform = _platform(request.path)
        method = _method(request.method)
        started = time.monotonic()
        request[WEBHOOK_ID] = _request_id(request)
        reason = None
        exc_info: Any = None
        log_extra: dict[str, Any] = {}
        try:
            resp: web.StreamResponse = await handler(request)
        except Reject as rej:
            reason = rej.reason
            self.metrics.rejected.labels(platform, rej.reason).inc()
            body: dict[str, Any] = {"error": rej.message, "webhook_id": request[WEBHOOK_ID]}
            if "result" in rej.extra:
                body["result"] = rej.extra["result"]
            resp = web.json_response(body, status=rej.status)
            if "retry_after" in rej.extra:
                resp.headers["Retry-After"] = str(rej.extra["retry_after"])
            if rej.extra.get("close"):
                resp.force_close()
            log_extra = rej.extra.get("log", {})
        except web.HTTPException as exc:
            self.metrics.request(platform, method, exc.status)
            raise
        except Exception:
            reason, exc_info = "internal_error", sys.exc_info()
            self.metrics.rejected.labels(platform, reason).inc()
            self.metrics.internal_errors.labels(platform).inc()
            resp = web.json_response({"error": "internal error", "webhook_id": request[WEBHOOK_ID]},
                                     status=500)
        self.metrics.request(platform, method, resp.status)
        if platform != "ops":
            elapsed = time.monotonic() - started
            self.metrics.request_time(platform, elapsed)
            resp.headers["X-Civicmod-Webhook-Id"] = request[WEBHOOK_ID]
            extra: dict[str, Any] = {
                "webhook_id": request[WEBHOOK_ID], "platform": platform,
                "method": method, "status": resp.status, "ms": round(elapsed * 1000, 2)}
            if reason:
                extra["reason"] = reason
            if RESULT in request:
                extra.update(request[RESULT])
            extra.update(log_extra)
            if exc_info:
                log.error("webhook", extra=extra, exc_info=exc_info)
            else:  # the per-webhook line: straight to the handler where that is the same
                log_fields(log, logging.INFO if resp.status < 400 else logging.WARNING,
                           "webhook", extra)
        elif exc_info:
            log.error("internal error", exc_info=exc_info,
                      extra={"path": request.path[:200], "method": method, "status": 500})
        return resp

    async def healthz(self, request: web.Request) -> web.Response:
        return web.json_response({"status": "ok", "uptime_s": round(time.time() - self.started_at)})

    async def readyz(self, request: web.Request) -> web.Response:
        info = self.readiness()
        return web.json_response(info, status=200 if info["ready"] else 503)

    async def metrics_view(self, request: web.Request) -> web.Response:
        self.metrics.ready.set(1 if self.ready else 0)
        resp = web.Response(body=generate_latest(self.metrics.registry))
        resp.content_type = CONTENT_TYPE_LATEST.split(";")[0]
        return resp

    def build_app(self) -> web.Application:
        # Bodies are read (and limited) by the handlers themselves; this is a backstop.
        app = web.Application(middlewares=[self._observe],
                              client_max_size=self.settings.gateway.max_body_bytes + 1)
        app[GATEWAY_KEY] = self
        self.routes = Routes(self)
        self.routes.add_to(app)
        app.router.add_get("/healthz", self.healthz)
        app.router.add_get("/readyz", self.readyz)
        app.router.add_get("/metrics", self.metrics_view)
        app.on_startup.append(self._on_startup)
        app.on_cleanup.append(self._on_cleanup)
        return app
