"""Running a gateway: as a process (``civicmod gateway``) or in a thread (tests, benches, embedding)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping

from aiohttp import web

from civicmod.contract.settings import Settings
from streams.gateway.accounts import Registry, resolve
from streams.gateway.app import Gateway
from streams.gateway.connections import GatewayRunner
from streams.gateway.logs import lean_records, log, setup_logging

#: Idle keep-alive connections are closed after this (aiohttp's run_app default).
KEEPALIVE_TIMEOUT_S = 75.0


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's event loop where it is installed (a dependency, except on Windows: its
    transports, timers and callbacks are C, so each request costs the loop less); else
    asyncio's."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - Windows
        return None
    return uvloop.new_event_loop


def make_runner(gateway: Gateway) -> GatewayRunner:
    """The app runner for ``gateway``: request heads within ``gateway.header_timeout_s``
    (else the connection is closed, counted), malformed HTTP counted, no access log (the gateway
    logs each webhook)."""
    g = gateway.settings.gateway
    return GatewayRunner(gateway.build_app(), header_timeout_s=g.header_timeout_s,
                         on_header_timeout=gateway.metrics.header_timeouts.inc,
                         on_bad_request=gateway.metrics.bad_http.inc, access_log=None,
                         keepalive_timeout=KEEPALIVE_TIMEOUT_S,
                         shutdown_timeout=g.producer_timeout_s + 5)


def run_gateway(settings: Settings, env: Mapping[str, str] | None = None) -> None:
    """Serve until SIGINT/SIGTERM (then stop cleanly: in-flight writes are flushed).

    Raises :class:`~streams.gateway.accounts.SecretError` if a configured secret is missing,
    OSError if it cannot listen.
    """
    g = settings.gateway
    setup_logging(g.log_level)
    lean_records()
    registry = resolve(g, os.environ if env is None else env)
    gateway = Gateway(settings, registry, own_process=True)
    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        runner.run(_serve(gateway))


async def _serve(gateway: Gateway) -> None:
    g = gateway.settings.gateway
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    runner = make_runner(gateway)
    await runner.setup()
    try:
        await web.TCPSite(runner, g.host, g.port).start()
        log.info("gateway listening", extra={"url": f"http://{g.host}:{g.port}",
                                             "accounts": gateway.registry.summary()})
        await stop.wait()
    finally:
        await runner.cleanup()


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
            with asyncio.Runner(loop_factory=loop_factory()) as runner:
                runner.run(self._serve())
        except BaseException as exc:  # surfaced by start()
            self._error = exc
            self._started.set()

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        runner = make_runner(self.gateway)
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
