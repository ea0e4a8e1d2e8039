"""Shared by test_youtube_poller.py and test_youtube_in_gateway.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

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


def timeline(n: int, newest: datetime = NOW - timedelta(minutes=1), step_s: int = 60) -> list[dict]:
    """n threads, newest first, one per ``step_s``."""
    return [thread(f"Ugz{i:04d}", f"comment number {i}", newest - timedelta(seconds=i * step_s))
            for i in range(n)]
