"""The YouTube poller inside a real gateway, against a local fake of the Data API served over
HTTP: comments reach Kafka, cursors and quota are kept in gateway.cursors."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp import web

from civicmod.contract.settings import Settings
from streams.gateway.accounts import resolve
from streams.gateway.server import ThreadedGateway
from streams.gateway.youtube import QUOTA_KEY

from youtube_fakes import CHANNEL, KEY, FakeYouTube, comment, thread, timeline

pytestmark = pytest.mark.kafka


# -- inside a real gateway, through the real broker -------------------------------------------
class FakeServer:
    """The fake API on its own thread (the gateway runs in another one)."""

    def __init__(self, fake: FakeYouTube) -> None:
        self.fake = fake
        self.port = 0
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread = threading.Thread(target=lambda: asyncio.run(self._main()), daemon=True)

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        runner = web.AppRunner(self.fake.app())
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self.port = runner.addresses[0][1]
        self._ready.set()
        await self._stop.wait()
        await runner.cleanup()

    def __enter__(self) -> FakeServer:
        self._thread.start()
        self._ready.wait(30)
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._loop is not None and self._stop is not None
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(30)


@pytest.fixture
def fake_server() -> Iterator[FakeServer]:
    recent = datetime.now(UTC) - timedelta(minutes=1)
    fake = FakeYouTube(threads=timeline(120, newest=recent))
    with FakeServer(fake) as server:
        yield server


@pytest.mark.kafka
def test_poller_in_the_gateway_writes_to_kafka(kafka_bootstrap: str, fake_server: FakeServer) -> None:
    from kafka import KafkaConsumer, TopicPartition

    prefix = f"yt{uuid.uuid4().hex[:8]}."
    settings = Settings.model_validate({
        "kafka": {"bootstrap_servers": kafka_bootstrap, "topic_prefix": prefix},
        "gateway": {"youtube": {
            "enabled": True, "api_base_url": f"http://127.0.0.1:{fake_server.port}/youtube/v3",
            "api_key": {"env": "YT_KEY"}, "channels": {CHANNEL: "yt:city-of-example"},
            "poll_interval_s": 3600}}})
    with ThreadedGateway(settings, resolve(settings.gateway, {"YT_KEY": KEY})) as gw:
        deadline = time.monotonic() + 60
        while len(fake_server.fake.calls) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        while time.monotonic() < deadline:
            with urllib.request.urlopen(gw.url + "/readyz", timeout=10) as resp:
                ready = json.loads(resp.read())
            if ready["youtube"]["quota"]["used"] == 2 and gw.gateway.ingestor.pending == 0:
                break
            time.sleep(0.2)
        assert ready["youtube"]["quota"] == {"day": ready["youtube"]["quota"]["day"], "used": 2,
                                             "budget": 10_000}
    cons = KafkaConsumer(bootstrap_servers=kafka_bootstrap, enable_auto_commit=False)
    try:
        def read(topic: str) -> list[tuple[str, bytes]]:
            tps = [TopicPartition(prefix + topic, p)
                   for p in sorted(cons.partitions_for_topic(prefix + topic) or ())]
            cons.assign(tps)
            cons.seek_to_beginning(*tps)
            ends = cons.end_offsets(tps)
            out: list[tuple[str, bytes]] = []
            while any(cons.position(tp) < ends[tp] for tp in tps):
                for records in cons.poll(timeout_ms=200).values():
                    out.extend((r.key.decode(), r.value) for r in records)
            return out

        incoming = read("comments.incoming")
        assert sorted(k for k, _ in incoming) == sorted(f"youtube:Ugz{i:04d}" for i in range(120))
        cursors = dict(read("gateway.cursors"))
        assert json.loads(cursors[f"youtube:{CHANNEL}:published"])["resume"] is None
        assert json.loads(cursors[QUOTA_KEY])["used"] == 2
    finally:
        cons.close()


@pytest.mark.kafka
def test_the_channels_own_reply_goes_to_agency_replies(kafka_bootstrap: str) -> None:
    """A reply written by the channel itself lands on comments.agency_replies with its parent,
    and is not moderated (not on comments.incoming)."""
    from kafka import KafkaConsumer, TopicPartition

    at = datetime.now(UTC) - timedelta(minutes=5)
    replies = [comment("UgzQ.own", "It reopens on Monday at 9", at + timedelta(minutes=2),
                       author=CHANNEL, parent="UgzQ")]
    fake = FakeYouTube(threads=[thread("UgzQ", "Is the leisure centre pool open this week?", at,
                                       replies)])
    prefix = f"yr{uuid.uuid4().hex[:8]}."
    with FakeServer(fake) as server:
        settings = Settings.model_validate({
            "kafka": {"bootstrap_servers": kafka_bootstrap, "topic_prefix": prefix},
            "gateway": {"youtube": {
                "enabled": True, "api_base_url": f"http://127.0.0.1:{server.port}/youtube/v3",
                "api_key": {"env": "YT_KEY"}, "channels": {CHANNEL: "yt:city-of-example"},
                "poll_interval_s": 3600}}})
        with ThreadedGateway(settings, resolve(settings.gateway, {"YT_KEY": KEY})) as gw:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                with urllib.request.urlopen(gw.url + "/readyz", timeout=10) as resp:
                    ready = json.loads(resp.read())
                if ready["youtube"]["quota"]["used"] >= 1 and gw.gateway.ingestor.pending == 0:
                    break
                time.sleep(0.2)
    cons = KafkaConsumer(bootstrap_servers=kafka_bootstrap, enable_auto_commit=False)
    try:
        def read(topic: str) -> dict[str, dict]:
            tps = [TopicPartition(prefix + topic, p)
                   for p in sorted(cons.partitions_for_topic(prefix + topic) or ())]
            cons.assign(tps)
            cons.seek_to_beginning(*tps)
            ends = cons.end_offsets(tps)
            out: dict[str, dict] = {}
            while any(cons.position(tp) < ends[tp] for tp in tps):
                for records in cons.poll(timeout_ms=200).values():
                    out.update((r.key.decode(), json.loads(r.value)) for r in records)
            return out

        assert set(read("comments.incoming")) == {"youtube:UgzQ"}
        own = read("comments.agency_replies")
        assert set(own) == {"youtube:UgzQ.own"}
        reply = own["youtube:UgzQ.own"]
        assert (reply["parent_id"], reply["thread_id"], reply["account_id"], reply["author"]["id"]) \
            == ("youtube:UgzQ", "youtube:UgzQ", "yt:city-of-example", CHANNEL)
    finally:
        cons.close()
