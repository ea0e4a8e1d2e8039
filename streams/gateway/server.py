"""Running a gateway: as a process (``civicmod gateway``) or in a thread (tests, benches, embedding)."""

from __future__ import annotations

import asyncio
import json
import os
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Mapping

from aiohttp import web

from civicmod.config import Settings
from streams.gateway.accounts import Registry, resolve
from streams.gateway.app import Gateway
from streams.gateway.logs import log, setup_logging


def run_gateway(settings: Settings, env: Mapping[str, str] | None = None) -> None:
    """Serve until SIGINT/SIGTERM (then stop cleanly: in-flight writes are flushed).

    Raises :class:`~streams.gateway.accounts.SecretError` if a configured secret is missing.
    """
    g = settings.gateway
    setup_logging(g.log_level)
    registry = resolve(g, os.environ if env is None else env)
    gateway = Gateway(settings, registry)
    log.info("gateway listening", extra={"url": f"http://{g.host}:{g.port}",
                                         "accounts": registry.summary()})
    web.run_app(gateway.build_app(), host=g.host, port=g.port, access_log=None, print=None,
                handle_signals=True, shutdown_timeout=g.producer_timeout_s + 5)


class ThreadedGateway:
    """A gateway served from a background thread with its own event loop.

    ``with ThreadedGateway(settings, registry) as gw: post(gw.url + "/webhooks/...")``
    """

    def __init__(self, settings: Settings, registry: Registry, host: str = "127.0.0.1",
                 port: int = 0) -> None:
        self.gateway = Gateway(settings, registry)
        self.host = host
        self.port = port
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._started = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._main, name="civicmod-gateway", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def _main(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:  # surfaced by start()
            self._error = exc
            self._started.set()

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        runner = web.AppRunner(self.gateway.build_app(), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        await site.start()
        self.port = runner.addresses[0][1]
        self._started.set()
        try:
            await self._stop.wait()
        finally:
            await runner.cleanup()

    def start(self, wait_ready: bool = True, timeout_s: float = 90.0) -> ThreadedGateway:
        self._thread.start()
        self._started.wait(timeout_s)
        if self._error is not None:
            raise self._error
        if wait_ready:
            self.wait_ready(timeout_s)
        return self

    def wait_ready(self, timeout_s: float = 90.0) -> dict:
        deadline = time.monotonic() + timeout_s
        last: dict = {}
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/readyz", timeout=5) as resp:
                    return json.loads(resp.read())
            except urllib.error.HTTPError as exc:
                last = json.loads(exc.read() or b"{}")
            except OSError:
                pass
            time.sleep(0.1)
        raise TimeoutError(f"gateway not ready after {timeout_s}s: {last}")

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout=60)

    def __enter__(self) -> ThreadedGateway:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
