"""The status pages of a plain (non-Faust) service: ``/health`` (its JSON report), ``/readyz``
(200 once ready, else 503) and ``/metrics`` (its own Prometheus registry)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web
from prometheus_client import CollectorRegistry, generate_latest


def status_app(health: Callable[[], dict[str, Any]], ready: Callable[[], bool],
               registry: CollectorRegistry) -> web.Application:
    """An aiohttp app serving the three pages from the service's callables and registry."""
    app = web.Application()

    async def health_page(_r: web.Request) -> web.Response:
        return web.json_response(health())

    async def readyz(_r: web.Request) -> web.Response:
        ok = ready()
        return web.json_response({"ready": ok}, status=200 if ok else 503)

    async def metrics(_r: web.Request) -> web.Response:
        return web.Response(body=generate_latest(registry), content_type="text/plain",
                            charset="utf-8")

    app.router.add_get("/health", health_page)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
    return app
