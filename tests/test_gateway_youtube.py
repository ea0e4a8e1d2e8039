"""The YouTube poller against a local fake of the Data API: pagination, cursor, quota, errors.

The fake serves ``commentThreads`` and ``comments`` like the real API (newest first, page tokens,
error bodies in Google's format). Most tests run the poller with an in-memory ingest and store;
the last one runs it inside a real gateway, through the real broker.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp import web

from civicmod.contract.gateway_settings import YouTubeSettings
from civicmod.contract.settings import Settings
from streams.gateway.accounts import Secret, YouTubeAccess, resolve
from streams.gateway.dedupe import Dedupe
from streams.gateway.events import Batch, CommentEvent
from streams.gateway.ingest import IngestResult
from streams.gateway.metrics import GatewayMetrics
from streams.gateway.server import ThreadedGateway
from streams.gateway.youtube import QUOTA_KEY, YouTubePoller, next_reset
from streams.kafka.state_table import MemoryTable

CHANNEL = "UCexampleCouncil000000000"
NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
KEY = "yt-test-key"


def iso(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def comment(cid: str, text: str, at: datetime, updated: datetime | None = None,
            author: str = "UCresident0000000000000", parent: str | None = None) -> dict:
    snip = {"channelId": CHANNEL, "videoId": "vid00000001", "textDisplay": text,
            "textOriginal": text, "authorDisplayName": "@resident", "authorChannelId":
            {"value": author}, "likeCount": 0, "publishedAt": iso(at),
            "updatedAt": iso(updated or at)}
    if parent:
        snip["parentId"] = parent
    return {"kind": "youtube#comment", "etag": "e", "id": cid, "snippet": snip}


def thread(tid: str, text: str, at: datetime, replies: list[dict] | None = None,
           total: int | None = None) -> dict:
    replies = replies or []
    return {"kind": "youtube#commentThread", "etag": "t", "id": tid, "snippet": {
        "channelId": CHANNEL, "videoId": "vid00000001", "topLevelComment": comment(tid, text, at),
        "canReply": True, "totalReplyCount": len(replies) if total is None else total,
        "isPublic": True}, **({"replies": {"comments": replies[:5]}} if replies else {})}


@dataclass
class FakeYouTube:
    """The two list endpoints, newest first, with page tokens and injectable failures."""

    threads: list[dict] = field(default_factory=list)
    replies: dict[str, list[dict]] = field(default_factory=dict)
    calls: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    failures: list[tuple[int, str]] = field(default_factory=list)  # (status, reason) per next call
    quota_left: int | None = None

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/youtube/v3/commentThreads", self.comment_threads)
        app.router.add_get("/youtube/v3/comments", self.comments)
        return app

    def _error(self, status: int, reason: str) -> web.Response:
        return web.json_response({"error": {"code": status, "message": f"fake {reason}",
                                            "errors": [{"message": "x", "domain": "youtube",
                                                        "reason": reason}]}}, status=status)

    def _gate(self, request: web.Request, name: str) -> web.Response | None:
        self.calls.append((name, dict(request.query)))
        if request.query.get("key") != KEY:
            return self._error(400, "keyInvalid")
        if self.quota_left is not None:
            if self.quota_left <= 0:
                return self._error(403, "quotaExceeded")
            self.quota_left -= 1
        if self.failures:
            return self._error(*self.failures.pop(0))
        return None

    def _page(self, items: list[dict], request: web.Request) -> web.Response:
        size = int(request.query.get("maxResults", "20"))
        start = int(request.query.get("pageToken", "0"))
        body: dict[str, Any] = {"kind": "youtube#commentThreadListResponse", "etag": "p",
                                "items": items[start:start + size],
                                "pageInfo": {"totalResults": len(items), "resultsPerPage": size}}
        if start + size < len(items):
            body["nextPageToken"] = str(start + size)
        return web.json_response(body)

    async def comment_threads(self, request: web.Request) -> web.Response:
        if (err := self._gate(request, "commentThreads")) is not None:
            return err
        assert request.query["allThreadsRelatedToChannelId"] == CHANNEL
        assert request.query["order"] == "time" and request.query["part"] == "snippet,replies"
        return self._page(self.threads, request)

    async def comments(self, request: web.Request) -> web.Response:
        if (err := self._gate(request, "comments")) is not None:
            return err
        return self._page(self.replies.get(request.query["parentId"], []), request)


class MemoryIngest:
    """Stands in for the Kafka ingest: same dedupe rule, comments kept in a list."""

    def __init__(self) -> None:
        self.dedupe = Dedupe(7 * 24 * 3600)
        self.events: list[CommentEvent] = []

    async def ingest(self, platform: str, batch: Batch, webhook_id: str) -> IngestResult:
        res = IngestResult(ignored=sum(batch.ignored.values()))
        for ev in batch.events:
            assert isinstance(ev, CommentEvent)
            if self.dedupe.contains(ev.key):
                res.duplicates += 1
            else:
                self.dedupe.remember(ev.key, webhook_id)
                self.events.append(ev)
                res.written += 1
        return res

    def ids(self) -> list[str]:
        return [e.comment.id for e in self.events]


class Rig:
    """A fake API server and a poller wired to it, driven inside one event loop."""

    def __init__(self, fake: FakeYouTube, **settings: Any) -> None:
        self.fake = fake
        self.settings_kw = settings
        self.clock_now = NOW.timestamp()
        self.ingest = MemoryIngest()
        self.store = MemoryTable()
        self.metrics = GatewayMetrics()
        self.poller: YouTubePoller | None = None

    def run(self, fn) -> Any:
        async def main() -> Any:
            runner = web.AppRunner(self.fake.app())
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            port = runner.addresses[0][1]
            settings = YouTubeSettings(
                enabled=True, api_base_url=f"http://127.0.0.1:{port}/youtube/v3",
                **{"poll_interval_s": 60, "page_size": 100, **self.settings_kw})
            if self.poller is None:
                self.poller = YouTubePoller(
                    settings, YouTubeAccess({CHANNEL: "yt:city-of-example"}, Secret(KEY.encode())),
                    self.ingest, self.store, self.metrics, clock=lambda: self.clock_now)
            else:
                self.poller.settings = settings
            try:
                return await fn(self.poller)
            finally:
                await self.poller.close()
                await runner.cleanup()

        return asyncio.run(main())

    def poll(self) -> list:
        return self.run(lambda p: p.poll_once())

    def cursor(self) -> dict:
        return self.store.get(f"youtube:{CHANNEL}:published")


def timeline(n: int, newest: datetime = NOW - timedelta(minutes=1), step_s: int = 60) -> list[dict]:
    """n threads, newest first, one per ``step_s``."""
    return [thread(f"Ugz{i:04d}", f"comment number {i}", newest - timedelta(seconds=i * step_s))
            for i in range(n)]


def test_pagination_cursor_and_new_comments() -> None:
    fake = FakeYouTube(threads=timeline(250))  # 250 threads over the last ~4 hours
    rig = Rig(fake)
    (first,) = rig.poll()
    assert (first.ended, first.pages, first.calls, first.written) == ("complete", 3, 3, 250)
    assert [c[1].get("pageToken") for c in fake.calls] == [None, "100", "200"]
    assert rig.cursor()["newest"] == iso(NOW - timedelta(minutes=1)).replace("Z", "+00:00")
    # The next poll reads back to the cursor (minus the overlap) and stops: one page.
    rig.clock_now += 60
    (second,) = rig.poll()
    assert (second.calls, second.written) == (1, 0)
    assert second.duplicates == 6  # the 5-minute overlap behind the cursor, deduplicated
    fake.threads[:0] = [thread(f"Ugznew{i}", f"fresh {i}", NOW + timedelta(seconds=30 - i))
                        for i in range(5)]
    rig.clock_now += 60
    (third,) = rig.poll()
    assert third.written == 5 and len(rig.ingest.ids()) == 255 == len(set(rig.ingest.ids()))
    assert all(e.comment.account_id == "yt:city-of-example" for e in rig.ingest.events)
    used = rig.metrics.registry.get_sample_value("civicmod_gateway_youtube_quota_used_units")
    assert used == 5  # one unit per call


def test_initial_backfill_limits_the_first_poll() -> None:
    fake = FakeYouTube(threads=timeline(300, step_s=600))  # 50 hours of comments
    rig = Rig(fake, initial_backfill_s=24 * 3600)
    (res,) = rig.poll()
    assert res.ended == "complete" and res.calls == 2
    assert res.written == 144  # only the last 24 hours (one every 10 min, from 1 min ago)


def test_a_backlog_longer_than_max_pages_is_finished_by_later_polls() -> None:
    fake = FakeYouTube(threads=timeline(450))
    rig = Rig(fake, max_pages_per_poll=2)
    ends = []
    for _ in range(3):
        (res,) = rig.poll()
        ends.append((res.ended, res.pages))
        rig.clock_now += 60
    assert ends == [("more_pages", 2), ("more_pages", 2), ("complete", 1)]
    assert len(rig.ingest.ids()) == 450 == len(set(rig.ingest.ids()))
    assert rig.cursor()["resume"] is None
    assert rig.cursor()["newest"].startswith(iso(NOW - timedelta(minutes=1))[:19])


def test_all_replies_are_fetched_and_own_replies_skipped() -> None:
    at = NOW - timedelta(minutes=10)
    replies = [comment(f"UgzT.r{i}", f"reply {i}", at + timedelta(seconds=i), parent="UgzT")
               for i in range(7)]
    replies.append(comment("UgzT.own", "Thanks, fixed", at + timedelta(seconds=9),
                           author=CHANNEL, parent="UgzT"))
    fake = FakeYouTube(threads=[thread("UgzT", "Broken streetlight on Mill Lane", at, replies)],
                       replies={"UgzT": replies})
    rig = Rig(fake)
    (res,) = rig.poll()
    assert [name for name, _ in fake.calls] == ["commentThreads", "comments"]
    assert res.written == 8  # the thread + 7 replies; the channel's own reply is not moderated
    reply = next(e.comment for e in rig.ingest.events if e.comment.id == "youtube:UgzT.r3")
    assert reply.parent_id == "youtube:UgzT" and reply.thread_id == "youtube:UgzT"


def test_an_edit_is_a_new_version() -> None:
    at = NOW - timedelta(minutes=10)
    fake = FakeYouTube(threads=[thread("UgzE", "Library shut at 5pm again", at)])
    rig = Rig(fake)
    rig.poll()
    fake.threads[0]["snippet"]["topLevelComment"] = comment(
        "UgzE", "Library shut at 5pm again, why?", at, updated=NOW - timedelta(minutes=2))
    rig.clock_now += 60
    (res,) = rig.poll()
    assert res.written == 1
    assert [(e.comment.id, e.verb) for e in rig.ingest.events] == [
        ("youtube:UgzE", "add"), ("youtube:UgzE", "edited")]


def test_local_quota_budget_stops_calls_until_the_pacific_reset() -> None:
    fake = FakeYouTube(threads=timeline(500))
    rig = Rig(fake, daily_quota_units=3, units_per_call=1)
    (res,) = rig.poll()
    assert (res.ended, res.calls) == ("quota_exhausted", 3) and len(fake.calls) == 3
    assert rig.store.get(QUOTA_KEY)["used"] == 3  # persisted with the cursors
    rig.clock_now += 3600
    assert rig.poll() == [] and len(fake.calls) == 3  # waiting for the reset: no calls at all
    rig.clock_now = next_reset(NOW.timestamp()) + 1
    (after,) = rig.poll()
    assert after.calls >= 1 and len(fake.calls) > 3
    assert rig.poller is not None and rig.poller.quota.used == after.calls


def test_quota_exceeded_from_youtube() -> None:
    fake = FakeYouTube(threads=timeline(250), quota_left=1)
    rig = Rig(fake)
    (res,) = rig.poll()
    assert res.ended == "quota_exhausted" and "quotaExceeded" in (res.error or "")
    assert rig.poller is not None and rig.poller.quota.used == rig.poller.quota.budget
    assert rig.metrics.registry.get_sample_value("civicmod_gateway_youtube_api_calls_total", {
        "method": "commentThreads", "result": "quota_exceeded"}) == 1
    assert rig.ingest.ids()[:100] == [f"youtube:Ugz{i:04d}" for i in range(100)]  # page 1 kept
    assert rig.poll() == []  # no further calls today


def test_api_errors_back_off_and_keep_the_cursor() -> None:
    fake = FakeYouTube(threads=timeline(150), failures=[(500, "backendError")])
    rig = Rig(fake)
    (res,) = rig.poll()
    assert res.ended == "api_error" and "500" in (res.error or "")
    assert rig.cursor() is None and rig.ingest.ids() == []
    assert rig.poller is not None and rig.poller.next_due[CHANNEL] == NOW.timestamp() + 120
    rig.clock_now += 60
    assert rig.poll() == []  # still backing off
    rig.clock_now += 61
    fake.failures = [(503, "backendError")]
    (again,) = rig.poll()
    assert again.ended == "api_error"
    assert rig.poller.next_due[CHANNEL] == rig.clock_now + 240  # doubled
    rig.clock_now += 241
    (ok,) = rig.poll()
    assert ok.ended == "complete" and ok.written == 150
    assert rig.cursor()["newest"] is not None


def test_an_error_mid_backlog_resumes_where_it_stopped() -> None:
    fake = FakeYouTube(threads=timeline(300))
    rig = Rig(fake)

    async def first_page_then_fail(poller: YouTubePoller) -> list:
        original = fake._page

        def page(items: list[dict], request: web.Request) -> web.Response:
            if request.query.get("pageToken") == "100":
                return fake._error(500, "backendError")
            return original(items, request)

        fake._page = page  # type: ignore[method-assign]
        try:
            return await poller.poll_once()
        finally:
            fake._page = original  # type: ignore[method-assign]

    (res,) = rig.run(first_page_then_fail)
    assert res.ended == "api_error" and len(rig.ingest.ids()) == 100
    assert rig.cursor()["resume"]["token"] == "100"
    rig.clock_now += 3600
    fake.calls.clear()
    (res,) = rig.poll()
    assert res.ended == "complete" and fake.calls[0][1]["pageToken"] == "100"
    assert len(rig.ingest.ids()) == 300 == len(set(rig.ingest.ids()))


def test_invalid_key_is_an_api_error() -> None:
    rig = Rig(FakeYouTube(threads=timeline(3)))

    async def with_wrong_key(poller: YouTubePoller) -> list:
        poller.access = YouTubeAccess({CHANNEL: "yt:city"}, Secret(b"wrong"))
        return await poller.poll_once()

    (res,) = rig.run(with_wrong_key)
    assert res.ended == "api_error" and "keyInvalid" in (res.error or "")


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
