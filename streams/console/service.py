"""``civicmod console serve``: the web server, the ingest consumer and the outbox relay in one
process. The web server answers at once; ingest and relay wait out a missing broker (decisions
are still accepted and reach Kafka when it returns)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from functools import partial

import uvicorn

from civicmod.contract.settings import Settings
from streams.console import retention
from streams.console.api import create_app
from streams.console.db import Database, redact
from streams.console.ingest import Ingest, instance_id
from streams.console.outbox import Relay
from streams.console.runtime import Console
from streams.kafka.admin import ensure_topics
from streams.kafka.logs import setup_logging

log = logging.getLogger("civicmod.console")


def database_url(settings: Settings) -> str:
    """The configured URL (from the file, the environment, or a secret reference), else the
    SQLite file in civicmod's home dir."""
    c = settings.console
    if c.database_url_secret is not None:
        import os
        from pathlib import Path

        ref = c.database_url_secret
        value = os.environ.get(ref.env or "") if ref.env else Path(ref.file or "").read_text().strip()
        if not value:
            raise RuntimeError(f"console.database_url_secret: {ref.describe()} is empty or unset")
        return value
    if c.database_url:
        return c.database_url
    from civicmod.contract.settings import home_dir

    home_dir().mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{home_dir() / 'console.db'}"


def build(settings: Settings, *, with_kafka: bool = True) -> Console:
    db = Database(database_url(settings))
    db.setup()
    k = settings.kafka
    relay = ingest = None
    if with_kafka:
        relay = Relay(db, k.bootstrap_servers, k.topic_prefix,
                      interval_s=settings.console.relay_interval_s, max_record_bytes=k.max_record_bytes)
    console = Console(db, settings.console, relay=relay)
    if with_kafka:
        c = settings.console
        ingest = Ingest(db, c, k.bootstrap_servers, k.topic_prefix,
                        deadletter_raw_bytes=k.deadletter_raw_bytes, max_record_bytes=k.max_record_bytes,
                        on_change=console.live.publish, instance_id=instance_id(c.group_id, c.port))
        console.ingest = ingest
    return console


def app_with_background(console: Console, settings: Settings):  # type: ignore[no-untyped-def]
    """The FastAPI app whose lifespan runs topic creation, ingest and relay."""
    app = create_app(console)
    k = settings.kafka

    @asynccontextmanager
    async def lifespan(_app) -> AsyncIterator[None]:  # type: ignore[no-untyped-def]
        console.live.bind(asyncio.get_running_loop())
        stopping = asyncio.Event()
        tasks: list[asyncio.Task[None]] = []

        async def kafka_side() -> None:
            while not stopping.is_set():
                try:
                    await asyncio.to_thread(ensure_topics, k.bootstrap_servers, k.partitions,
                                            k.replication_factor, k.topic_prefix, 10.0, k.max_record_bytes)
                    break
                except Exception as exc:  # broker away: decisions still queue in the outbox
                    log.warning("kafka not reachable for topic creation, retrying",
                                extra={"error": str(exc)[:200]})
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stopping.wait(), 3)
            jobs = []
            if console.ingest is not None:
                jobs.append(_supervised("ingest", console.ingest.run, stopping))
            if console.relay is not None:
                jobs.append(_supervised("outbox relay", console.relay.run, stopping))
            jobs.append(_supervised("purge", partial(retention.run, console.db, settings.console),
                                    stopping))
            await asyncio.gather(*jobs)

        tasks.append(asyncio.create_task(kafka_side()))
        log.info("console started", extra={"database": redact(console.db.url)})
        try:
            yield
        finally:
            stopping.set()
            console.relay_wake()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 20)
            console.db.dispose()
            log.info("console stopped")

    app.router.lifespan_context = lifespan
    return app


async def _supervised(name: str, job: Callable[[asyncio.Event], Awaitable[None]],
                      stopping: asyncio.Event) -> None:
    """Run ``job`` until ``stopping``; a bug that ends it is logged with its traceback and the
    job starts again after a pause (ingest and relay are safe to restart at any point)."""
    while not stopping.is_set():
        try:
            await job(stopping)
            return
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception(f"console {name} crashed; restarting it")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), 5)


def run_console(settings: Settings, *, on_ready_message: str | None = None) -> None:
    setup_logging("console")
    console = build(settings)
    app = app_with_background(console, settings)
    c = settings.console
    config = uvicorn.Config(app, host=c.host, port=c.port, log_config=None, access_log=False,
                            timeout_graceful_shutdown=10, proxy_headers=False)
    server = uvicorn.Server(config)
    # uvicorn shuts down gracefully on SIGTERM / SIGINT, then raises the signal again for the
    # handler it found: this one, so that a clean stop exits with status 0
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: None)
    server.run()
