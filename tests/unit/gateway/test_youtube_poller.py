"""The YouTube poller against a local fake of the Data API: pagination, cursor, quota, errors.

The fake serves ``commentThreads`` and ``comments`` like the real API (newest first, page tokens,
error bodies in Google's format). Most tests run the poller with an in-memory ingest and store;
the last one runs it inside a real gateway, through the real broker."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any

from aiohttp import web

from civicmod.contract.gateway_settings import YouTubeSettings
from streams.gateway.accounts import Secret, YouTubeAccess
from streams.gateway.dedupe import Dedupe
from streams.gateway.events import AgencyReply, Batch, CommentEvent
from streams.gateway.ingest import IngestResult
from streams.gateway.metrics import GatewayMetrics
from streams.gateway.youtube import QUOTA_KEY, YouTubePoller, next_reset, pacific_day
from streams.kafka.state_table import MemoryTable

from youtube_fakes import CHANNEL, KEY, NOW, FakeYouTube, comment, iso, thread, timeline


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
                if isinstance(ev, AgencyReply):
                    res.agency_replies += 1
                else:
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
    assert res.agency_replies == 1  # it is the agency's reply, to the thread's top comment
    own = next(e for e in rig.ingest.events if e.comment.id == "youtube:UgzT.own")
    assert isinstance(own, AgencyReply) and own.comment.parent_id == "youtube:UgzT"
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


def test_the_quota_is_shared_with_the_actuator() -> None:
    """What the actuator spent today on the same Google project (``platform.quota``) counts
    against the poller's budget, and the poller shares its own spending there."""
    fake = FakeYouTube(threads=timeline(500))
    rig = Rig(fake, daily_quota_units=10, units_per_call=1)
    shared = MemoryTable()
    day = pacific_day(NOW.timestamp())

    async def with_actuator(p: YouTubePoller) -> list:
        p.shared = shared
        p.shared_record("youtube|actuator", json.dumps({"day": day, "used": 8}).encode(), 0)
        p.shared_record("youtube|gateway", json.dumps({"day": day, "used": 99}).encode(), 0)  # ours
        return await p.poll_once()

    (res,) = rig.run(with_actuator)
    assert (res.ended, res.calls) == ("quota_exhausted", 2) and len(fake.calls) == 2
    assert shared.get("youtube|gateway") == {"day": day, "used": 2}
    # yesterday's spending of the actuator does not count
    assert rig.poller is not None
    rig.poller.quota.others["actuator"] = ("2000-01-01", 10)
    assert rig.poller.quota.can_spend(8) and not rig.poller.quota.can_spend(9)
