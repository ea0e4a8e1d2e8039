"""The YouTube poller: ``commentThreads.list`` per channel, with quota accounting and a cursor.

YouTube pushes nothing for comments, so each configured channel is polled every
``poll_interval_s`` with ``commentThreads.list?allThreadsRelatedToChannelId=…&order=time`` (newest
first), once per moderation status configured. Paging stops at the cursor (the newest comment time
seen, minus ``overlap_s``), at the last page, or after ``max_pages_per_poll`` pages; in that last
case the page token is kept in the cursor and the next poll carries on from it, so a backlog is
read completely across polls. Threads with more replies than commentThreads includes are
completed with ``comments.list?parentId=…`` (``fetch_all_replies``).

Quota: every call (errors included: YouTube bills invalid requests too) costs ``units_per_call``
from a daily budget that resets at midnight Pacific time, persisted with the cursors so a restart
does not forget what was spent. When the budget is spent, or YouTube answers ``quotaExceeded``,
polling pauses until the reset. Other API errors back the channel off exponentially.

Comments go through the same ingest path as webhooks (dedupe, acks=all), so overlapping polls
write nothing twice. Cursors and quota live in the compacted ``gateway.cursors`` topic; the
units spent today are also shared on ``platform.quota``, where the actuator shares its own, and
each counts the other's against the same daily budget. Run the poller on one gateway replica
only (``gateway.youtube.enabled``): replicas would each spend quota.
Limits: with ``order=time`` a new reply to a thread older than the cursor is not seen unless the
thread itself reappears on the pages read; edits of such old comments likewise.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import aiohttp

from civicmod.contract.gateway_settings import YouTubeSettings
from civicmod.contract.quota_day import next_midnight, quota_day
from streams.gateway.accounts import YouTubeAccess
from streams.gateway.events import BadPayload, Batch
from streams.gateway.ingest import IngestResult
from streams.gateway.logs import log
from streams.gateway.metrics import GatewayMetrics
from streams.gateway.normalize.common import guarded, invalid_item, timestamp
from streams.gateway.normalize.youtube import comment_time, youtube_comment, youtube_thread
from streams.kafka.sink import BrokerUnavailable

QUOTA_KEY = "youtube:quota"
#: This service's key on ``platform.quota`` (the actuator shares its spending there too).
SHARED_QUOTA_KEY = "youtube|gateway"
QUOTA_REASONS = {"quotaExceeded", "dailyLimitExceeded"}


class Ingest(Protocol):
    async def ingest(self, platform: str, batch: Batch, webhook_id: str) -> IngestResult: ...


class Store(Protocol):
    loaded: asyncio.Event

    def get(self, key: str) -> Any: ...

    async def put(self, key: str, value: Any) -> None: ...


class QuotaExhausted(RuntimeError):
    """The daily budget is spent (here, or YouTube said quotaExceeded)."""


class ApiError(RuntimeError):
    def __init__(self, status: int, reason: str, message: str) -> None:
        super().__init__(f"HTTP {status} {reason}: {message}"[:300])
        self.status = status
        self.reason = reason


#: The quota day and its reset (midnight Pacific), shared with the actuator.
pacific_day = quota_day
next_reset = next_midnight


class Quota:
    """Units spent today (Pacific time) against the poller's daily budget."""

    def __init__(self, budget: int, clock: Callable[[], float] = time.time) -> None:
        self.budget = budget
        self.clock = clock
        self.day = pacific_day(clock())
        self.used = 0
        #: What other services on the same Google project spent (``platform.quota``):
        #: service → (day, units).
        self.others: dict[str, tuple[str, int]] = {}

    def _roll(self) -> None:
        today = pacific_day(self.clock())
        if today != self.day:
            self.day, self.used = today, 0

    def others_today(self) -> int:
        self._roll()
        return sum(units for day, units in self.others.values() if day == self.day)

    def can_spend(self, units: int) -> bool:
        """Within the budget, counting what the other services sharing it spent today."""
        self._roll()
        return self.used + self.others_today() + units <= self.budget

    def spend(self, units: int) -> None:
        self._roll()
        self.used += units

    def exhaust(self) -> None:
        self._roll()
        self.used = max(self.used, self.budget)

    def load(self, saved: Any) -> None:
        if isinstance(saved, dict) and saved.get("day") == pacific_day(self.clock()):
            self.day, self.used = saved["day"], int(saved.get("used", 0))

    def state(self) -> dict[str, Any]:
        self._roll()
        return {"day": self.day, "used": self.used, "budget": self.budget}


@dataclass
class StreamResult:
    """What one poll of one channel and moderation status did."""

    channel: str
    status: str
    calls: int = 0
    pages: int = 0
    comments: int = 0
    written: int = 0
    agency_replies: int = 0  # the channel's own comments, on comments.agency_replies
    duplicates: int = 0
    ended: str = "complete"  # complete | more_pages | quota_exhausted | api_error | broker_unavailable
    error: str | None = None

    def add(self, r: IngestResult) -> None:
        self.written += r.written
        self.agency_replies += r.agency_replies
        self.duplicates += r.duplicates


def _iso(dt: datetime | None) -> str | None:
    return dt.astimezone(UTC).isoformat() if dt else None


def _time_or_none(value: Any) -> datetime | None:
    """A time (from the cursors topic, or a page) or None when it is not a valid one."""
    try:
        return timestamp(value, "cursor")
    except ValueError:
        return None


# -- page parsing (pure: the poller's I/O stays in YouTubePoller) ---------------------------------
@dataclass
class Thread:
    """One usable ``youtube#commentThread`` of a page."""

    id: str
    top: Any
    replies: list[Any]
    total_replies: int


@dataclass
class Page:
    """One ``commentThreads.list`` page, normalized."""

    batch: Batch
    threads: list[Thread]
    #: The oldest top-level comment time on the page: paging stops once it passes the cursor.
    oldest_top: datetime | None = None
    #: The newest comment time at or after ``since`` (the cursor moves up to it).
    newest: datetime | None = None
    next_token: str | None = None


def read_page(data: Any) -> Page:
    """The threads of a page (an unusable thread becomes an Invalid item) and its next-page
    token; raises BadPayload only when the page itself is not a page."""
    if not isinstance(data, dict):
        raise BadPayload(f"page must be a JSON object, got {type(data).__name__}")
    items = data.get("items") or []
    if not isinstance(items, list):
        raise BadPayload("page.items must be a JSON array")
    token = data.get("nextPageToken")
    page = Page(Batch(), [], next_token=token if isinstance(token, str) and token else None)
    for item in items:
        try:
            page.threads.append(Thread(*youtube_thread(item)))
        except Exception as exc:  # one unusable thread: a dead letter, the page goes on
            page.batch.events.append(invalid_item(item, "youtube", exc))
    return page


def wants_all_replies(thread: Thread, since: datetime) -> bool:
    """Whether a thread has more replies than the page included and is recent enough to read
    them all (``comments.list``)."""
    times = [t for t in (comment_time(c) for c in (thread.top, *thread.replies)) if t]
    return thread.total_replies > len(thread.replies) and bool(times) and max(times) >= since


def page_events(page: Page, channel: str, account: str, since: datetime, now: datetime,
                skip_own: bool = True) -> Page:
    """Normalize the comments of ``page``'s threads into ``page.batch`` (each comment guarded:
    an unusable one becomes an Invalid item); set ``oldest_top`` and ``newest``."""
    for thread in page.threads:
        snip = thread.top.get("snippet") if isinstance(thread.top, dict) else None
        top_time = _time_or_none(snip.get("publishedAt")) if isinstance(snip, dict) else None
        if top_time is not None:
            page.oldest_top = top_time if page.oldest_top is None else min(page.oldest_top, top_time)
        for resource in (thread.top, *thread.replies):
            guarded(page.batch, "youtube", resource, _one, page.batch, resource, channel, account,
                    thread.id, since, now, skip_own)
            t = comment_time(resource)
            if t is not None and t >= since:
                page.newest = t if page.newest is None else max(page.newest, t)
    return page


def parse_page(data: Any, channel: str, account: str, since: datetime, now: datetime,
               skip_own: bool = True) -> Page:
    """A ``commentThreads.list`` response → a Page (the replies it includes only); raises
    BadPayload only when ``data`` is not a page at all."""
    return page_events(read_page(data), channel, account, since, now, skip_own)


def _one(batch: Batch, resource: Any, channel: str, account: str, thread_id: str,
         since: datetime, now: datetime, skip_own: bool = True) -> None:
    t = comment_time(resource)
    if t is not None and t < since:
        return  # older than the cursor: already read by an earlier poll
    batch.events.append(youtube_comment(resource, channel, account, thread_id, now, skip_own))


@dataclass
class YouTubePoller:
    settings: YouTubeSettings
    access: YouTubeAccess
    ingestor: Ingest
    cursors: Store
    metrics: GatewayMetrics
    clock: Callable[[], float] = time.time
    #: ``platform.quota``: this poller's spending, and the other services' (the actuator's).
    shared: Store | None = None
    quota: Quota = field(init=False)
    next_due: dict[str, float] = field(default_factory=dict)
    failures: dict[str, int] = field(default_factory=dict)
    _session: aiohttp.ClientSession | None = None

    def __post_init__(self) -> None:
        self.quota = Quota(self.settings.daily_quota_units, self.clock)
        self.metrics.yt_budget.set(self.settings.daily_quota_units)

    # -- HTTP -----------------------------------------------------------------------------------
    async def _session_get(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            timeout = aiohttp.ClientTimeout(total=self.settings.request_timeout_s)
            self._session = aiohttp.ClientSession(timeout=timeout)
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _call(self, method: str, params: dict[str, Any], result: StreamResult
                    ) -> dict[str, Any]:
        units = self.settings.units_per_call
        if not self.quota.can_spend(units):
            raise QuotaExhausted(f"daily budget of {self.quota.budget} units spent")
        self.quota.spend(units)
        result.calls += 1
        self.metrics.yt_units.set(self.quota.used)
        query = dict(params)
        headers = {"Accept": "application/json"}
        if self.access.api_key is not None:
            query["key"] = self.access.api_key.reveal().decode()
        if self.access.oauth_token is not None:
            headers["Authorization"] = "Bearer " + self.access.oauth_token.reveal().decode()
        url = f"{self.settings.api_base_url.rstrip('/')}/{method}"
        session = await self._session_get()
        try:
            async with session.get(url, params=query, headers=headers) as resp:
                status = resp.status
                try:
                    data = await resp.json(content_type=None)
                except ValueError:
                    data = None
        except (aiohttp.ClientError, TimeoutError) as exc:
            self.metrics.yt_calls.labels(method, "error").inc()
            raise ApiError(0, "network", type(exc).__name__) from None
        if status == 200 and isinstance(data, dict):
            self.metrics.yt_calls.labels(method, "ok").inc()
            return data
        reason, message = "unknown", ""
        if isinstance(data, dict) and isinstance(data.get("error"), dict):
            err = data["error"]
            message = str(err.get("message", ""))
            first = (err.get("errors") or [{}])[0]
            reason = str(first.get("reason") or err.get("status") or "unknown")
        if reason in QUOTA_REASONS:
            self.metrics.yt_calls.labels(method, "quota_exceeded").inc()
            self.quota.exhaust()
            self.metrics.yt_units.set(self.quota.used)
            raise QuotaExhausted(f"YouTube answered {reason}")
        self.metrics.yt_calls.labels(method, f"http_{status}").inc()
        raise ApiError(status, reason, message)

    # -- polling --------------------------------------------------------------------------------
    def _thread_params(self, channel: str, status: str, token: str | None) -> dict[str, Any]:
        params: dict[str, Any] = {
            "part": "snippet,replies", "allThreadsRelatedToChannelId": channel,
            "maxResults": self.settings.page_size, "order": "time", "textFormat": "plainText"}
        if status != "published":
            params["moderationStatus"] = status
        if token:
            params["pageToken"] = token
        return params

    async def _all_replies(self, thread_id: str, result: StreamResult) -> list[Any]:
        replies: list[Any] = []
        token = None
        for _ in range(self.settings.max_pages_per_poll):
            params: dict[str, Any] = {"part": "snippet", "parentId": thread_id, "maxResults": 100,
                                      "textFormat": "plainText"}
            if token:
                params["pageToken"] = token
            data = await self._call("comments", params, result)
            items = data.get("items")
            if isinstance(items, list):
                replies.extend(items)
            token = data.get("nextPageToken")
            if not isinstance(token, str) or not token:
                break
        return replies

    async def poll_stream(self, channel: str, status: str) -> StreamResult:
        """One poll of one channel and moderation status; ``ended`` says how it stopped."""
        result = StreamResult(channel, status)
        try:
            await self._poll_stream(channel, status, result)
        except QuotaExhausted as exc:
            result.ended, result.error = "quota_exhausted", str(exc)
        except ApiError as exc:
            result.ended, result.error = "api_error", str(exc)
        except BadPayload as exc:  # YouTube answered 200 with something that is not a page
            result.ended, result.error = "api_error", f"unexpected response: {exc}"[:300]
        except BrokerUnavailable as exc:
            result.ended, result.error = "broker_unavailable", str(exc)
        except Exception as exc:  # a bug: the poller keeps going, the traceback is logged
            log.error("youtube poll failed", exc_info=True,
                      extra={"channel": channel, "status": status})
            result.ended, result.error = "internal_error", type(exc).__name__
        return result

    async def _poll_stream(self, channel: str, status: str, result: StreamResult) -> None:
        account = self.access.channels[channel]
        key = f"youtube:{channel}:{status}"
        cur = self.cursors.get(key) or {}
        if not isinstance(cur, dict):
            cur = {}
        newest = _time_or_none(cur.get("newest"))
        resume = cur.get("resume") or None
        now_dt = datetime.fromtimestamp(self.clock(), UTC)
        if isinstance(resume, dict) and isinstance(resume.get("token"), str):
            since = _time_or_none(resume.get("since")) or now_dt
            token: str | None = resume["token"]
            run_max = _time_or_none(resume.get("newest"))
        else:
            since = (newest - timedelta(seconds=self.settings.overlap_s) if newest
                     else now_dt - timedelta(seconds=self.settings.initial_backfill_s))
            token, run_max = None, None
        while True:
            if result.pages >= self.settings.max_pages_per_poll:
                await self.cursors.put(key, {"newest": _iso(newest), "resume": {
                    "token": token, "since": _iso(since), "newest": _iso(run_max)}})
                result.ended = "more_pages"
                return
            try:
                data = await self._call(
                    "commentThreads", self._thread_params(channel, status, token), result)
            except ApiError as exc:
                if token and exc.status == 400:  # e.g. a page token that expired: start afresh
                    await self.cursors.put(key, {"newest": _iso(newest), "resume": None})
                raise
            page = read_page(data)
            for thread in page.threads:
                if self.settings.fetch_all_replies and wants_all_replies(thread, since):
                    thread.replies = await self._all_replies(thread.id, result)
            page_events(page, channel, account, since, now_dt)
            if page.newest is not None:
                run_max = page.newest if run_max is None else max(run_max, page.newest)
            batch = page.batch
            result.pages += 1
            result.comments += sum(1 for e in batch.events if hasattr(e, "comment"))
            result.add(await self.ingestor.ingest("youtube", batch, f"youtube-poll-{channel}"))
            token = page.next_token
            if not token or (page.oldest_top is not None and page.oldest_top < since):
                break
            # Progress survives an error on the next page.
            await self.cursors.put(key, {"newest": _iso(newest), "resume": {
                "token": token, "since": _iso(since), "newest": _iso(run_max)}})
        final = max((t for t in (newest, run_max) if t), default=None)
        await self.cursors.put(key, {"newest": _iso(final), "resume": None,
                                     "polled_at": _iso(now_dt)})

    async def poll_once(self) -> list[StreamResult]:
        """Poll every channel that is due; never raises for API, quota or broker trouble."""
        results: list[StreamResult] = []
        now = self.clock()
        for channel in self.access.channels:
            if self.next_due.get(channel, 0) > now:
                continue
            for status in self.settings.moderation_statuses:
                res = await self.poll_stream(channel, status)
                results.append(res)
                self.metrics.yt_polls.labels(res.ended).inc()
                level = logging.INFO if res.ended in ("complete", "more_pages") else logging.WARNING
                log.log(level, "youtube poll",
                        extra={"channel": channel, "status": status, "ended": res.ended,
                               "calls": res.calls, "written": res.written,
                               "agency_replies": res.agency_replies,
                               "duplicates": res.duplicates, "error": res.error,
                               "quota_used": self.quota.used})
                if res.ended != "complete" and res.ended != "more_pages":
                    break
            last = results[-1] if results else None
            if last is not None and last.ended == "api_error":
                fails = self.failures[channel] = self.failures.get(channel, 0) + 1
                delay = min(self.settings.poll_interval_s * 2 ** fails, self.settings.max_backoff_s)
                self.next_due[channel] = now + delay
            else:
                self.failures.pop(channel, None)
                self.next_due[channel] = now + self.settings.poll_interval_s
            if last is not None and last.ended == "quota_exhausted":
                for ch in self.access.channels:  # everyone waits for the reset
                    self.next_due[ch] = max(self.next_due.get(ch, 0), next_reset(now))
                break
        with contextlib.suppress(BrokerUnavailable):
            await self.cursors.put(QUOTA_KEY, self.quota.state())
            if self.shared is not None:
                await self.shared.put(SHARED_QUOTA_KEY, {"day": self.quota.day, "used": self.quota.used})
        return results

    def shared_record(self, key: str, value: bytes | None, _ts: int) -> None:
        """A ``platform.quota`` record: another service's YouTube spending counts here too."""
        platform, _, service = key.partition("|")
        if platform == "youtube" and value is not None and key != SHARED_QUOTA_KEY:
            import json

            data = json.loads(value)
            self.quota.others[service] = (str(data.get("day", "")), int(data.get("used", 0)))

    async def run(self, stopping: asyncio.Event) -> None:
        await self.cursors.loaded.wait()
        self.quota.load(self.cursors.get(QUOTA_KEY))
        self.metrics.yt_units.set(self.quota.used)
        try:
            while not stopping.is_set():
                try:
                    await self.poll_once()
                except Exception:  # never let one bad round stop the poller: log, go on
                    log.error("youtube poller round failed", exc_info=True)
                now = self.clock()
                wake = min(self.next_due.values(), default=now + self.settings.poll_interval_s)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stopping.wait(), max(0.05, min(wake - now, 60.0)))
        finally:
            await self.close()

