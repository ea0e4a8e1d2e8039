"""What every plain (non-Faust) service shares: its status pages, ``/health`` (its JSON report),
``/readyz`` (200 once ready, else 503) and ``/metrics`` (its own Prometheus registry), and its
main loop until SIGTERM or SIGINT."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable, Callable
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


def run_until_signalled(run: Callable[[asyncio.Event], Awaitable[None]]) -> None:
    """Run ``run(stopping)`` in a new event loop; SIGTERM and SIGINT set ``stopping``."""
    async def main() -> None:
        stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stopping.set)
        await run(stopping)

    asyncio.run(main())
