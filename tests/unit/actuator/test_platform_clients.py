"""The actuator's platform clients against the fake Graph, X and YouTube servers."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable
from datetime import UTC, datetime
from typing import Any, TypeVar

import aiohttp
import pytest

from civicmod.dev.platform_fakes import FakeGraph, FakeX, FakeYouTube
from streams.actuator.platforms import (
    DEFAULT_BASE_URLS,
    GraphClient,
    Result,
    Target,
    XClient,
    YouTubeClient,
    make_client,
)
from streams.actuator.platforms.graph import parse_usage
from streams.actuator.platforms.x import parse_rate_headers
from streams.actuator.platforms.youtube import pacific_midnight_after

T = TypeVar("T")
TOKEN = "EAAB-secret-token-9f8e7d"
PAGE = "1111222233334444"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def run(coro: Awaitable[T]) -> T:
    async def main() -> T:
        return await coro

    return asyncio.run(main())


def target(platform: str, native_id: str, author: str | None = "author-1",
           owner: str | None = PAGE) -> Target:
    return Target(f"{platform}:{native_id}", platform, "agency-1", native_id, author, owner)


async def act(client: Any, kind: str, targets: list[Target], token: str = TOKEN) -> list[Result]:
    try:
        return await client.act(kind, targets, token)
    finally:
        await client.close()


def one(client: Any, kind: str, tgt: Target, token: str = TOKEN) -> Result:
    results = run(act(client, kind, [tgt], token))
    assert len(results) == 1
    return results[0]


def read(client: Any, tgt: Target, token: str = TOKEN) -> bool | None:
    async def main() -> bool | None:
        try:
            return await client.is_hidden(tgt, token)
        finally:
            await client.close()

    return asyncio.run(main())


def epoch(*args: int) -> float:
    return datetime(*args, tzinfo=UTC).timestamp()


# -- Facebook / Instagram ------------------------------------------------------------------


def test_facebook_hide_unhide_changes_state_and_reads_back() -> None:
    with FakeGraph("facebook", tokens={TOKEN}) as fb:
        fb.add_comment("123_456", owner=PAGE)
        tgt = target("facebook", "123_456")

        async def scenario() -> list[Any]:
            client = GraphClient("facebook", fb.url)
            try:
                hide = await client.act("hide", [tgt], TOKEN)
                after_hide = await client.is_hidden(tgt, TOKEN)
                unhide = await client.act("unhide", [tgt], TOKEN)
                after_unhide = await client.is_hidden(tgt, TOKEN)
                return [hide, after_hide, unhide, after_unhide]
            finally:
                await client.close()

        hide, after_hide, unhide, after_unhide = run(scenario())
        assert hide[0].status == "done" and after_hide is True
        assert unhide[0].status == "done" and after_unhide is False
        assert fb.comments["123_456"].hidden is False
        posts = [r for r in fb.requests if r.method == "POST"]
        assert [p.body["is_hidden"] for p in posts] == ["true", "false"]
        assert all(p.body["access_token"] == "[redacted]" for p in posts)
        reads = [r for r in fb.requests if r.method == "GET"]
        assert reads[0].params["fields"] == "is_hidden"
        assert hide[0].limits is not None and hide[0].limits.usage_pct == 1.0
        assert TOKEN not in repr(fb.requests)


def test_instagram_hides_with_hide_field_and_reads_hidden() -> None:
    with FakeGraph("instagram", tokens={TOKEN}) as ig:
        ig.add_comment("17890000000000001")
        tgt = target("instagram", "17890000000000001")
        assert one(GraphClient("instagram", ig.url), "hide", tgt).status == "done"
        assert ig.requests[-1].body == {"hide": "true", "access_token": "[redacted]"}
        assert ig.comments["17890000000000001"].hidden is True
        assert read(GraphClient("instagram", ig.url), tgt) is True
        assert ig.requests[-1].params["fields"] == "hidden"
        # restrict_author has no Instagram call: answered without a request
        client = GraphClient("instagram", ig.url)
        assert not client.supports("restrict_author") and client.supports("delete")
        before = len(ig.requests)
        assert one(client, "restrict_author", tgt).status == "unsupported"
        assert len(ig.requests) == before


def test_graph_delete_twice_second_is_gone() -> None:
    with FakeGraph(tokens={TOKEN}) as fb:
        fb.add_comment("c1")
        first = one(GraphClient("facebook", fb.url), "delete", target("facebook", "c1"))
        second = one(GraphClient("facebook", fb.url), "delete", target("facebook", "c1"))
        assert first.status == "done"
        assert (second.status, second.code) == ("gone", "100")
        assert fb.count("DELETE", "c1") == 2
        assert fb.requests[0].params == {"access_token": "[redacted]"}
        # a deleted comment cannot be read back
        assert read(GraphClient("facebook", fb.url), target("facebook", "c1")) is None


def test_graph_expired_token_is_auth_failed_and_never_quoted() -> None:
    with FakeGraph(tokens={"another-token"}, echo_token=True) as fb:
        fb.add_comment("c1")
        result = one(GraphClient("facebook", fb.url), "hide", target("facebook", "c1"))
        assert (result.status, result.code) == ("auth_failed", "190")
        assert "Error validating access token" in (result.message or "")
        assert TOKEN not in repr(result)
        assert TOKEN not in repr(fb.requests)
        assert fb.comments["c1"].hidden is False


def test_graph_other_pages_token_is_permission_error() -> None:
    with FakeGraph(tokens={TOKEN: "other-page"}) as fb:
        fb.add_comment("c1", owner=PAGE)
        result = one(GraphClient("facebook", fb.url), "hide", target("facebook", "c1"))
        assert (result.status, result.code) == ("auth_failed", "200")


def test_graph_rate_limit_32_pauses_for_the_buc_estimate() -> None:
    clock = Clock(1_000_000.0)
    with FakeGraph(tokens={TOKEN}, calls_per_hour=3, clock=clock, auto_create=True) as fb:
        usage = []
        for i in range(3):
            result = one(GraphClient("facebook", fb.url), "hide", target("facebook", f"c{i}"))
            assert result.status == "done"
            assert result.limits is not None
            usage.append(result.limits.usage_pct)
        assert usage == [34.0, 67.0, 100.0]
        clock.now += 600  # the oldest call leaves the hour in 50 minutes
        limited = one(GraphClient("facebook", fb.url), "hide", target("facebook", "c3"))
        assert (limited.status, limited.code) == ("rate_limited", "32")
        assert limited.limits is not None and limited.limits.pause_s == 3000.0
        assert limited.retry_after_s == 3000.0
        assert "c3" not in fb.comments  # refused before it was looked up
        clock.now += 3000
        assert one(GraphClient("facebook", fb.url), "hide", target("facebook", "c3")).status == "done"


def test_graph_transient_code_2_is_retry() -> None:
    with FakeGraph(tokens={TOKEN}) as fb:
        fb.add_comment("c1")
        fb.fail_next(1)
        result = one(GraphClient("facebook", fb.url), "hide", target("facebook", "c1"))
        assert (result.status, result.code) == ("retry", "2")
        assert fb.requests[-1].status == 500 and fb.comments["c1"].hidden is False
        assert one(GraphClient("facebook", fb.url), "hide", target("facebook", "c1")).status == "done"


def _graph_error(code: int, message: str = "boom") -> dict[str, Any]:
    return {"error": {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "x"}}


@pytest.mark.parametrize(("status", "body", "headers", "expected"), [
    (400, _graph_error(1), None, ("retry", "1", None)),
    (400, _graph_error(4), None, ("rate_limited", "4", None)),
    (403, _graph_error(17), None, ("rate_limited", "17", None)),
    (400, _graph_error(613), None, ("rate_limited", "613", None)),
    (400, _graph_error(341), None, ("rate_limited", "341", None)),
    (400, _graph_error(368), None, ("rate_limited", "368", 3600.0)),
    (400, _graph_error(368), {"X-App-Usage": json.dumps({"call_count": 100})},
     ("rate_limited", "368", 300.0)),
    (400, _graph_error(10), None, ("auth_failed", "10", None)),
    (403, _graph_error(299), None, ("auth_failed", "299", None)),
    (400, _graph_error(100), None, ("gone", "100", None)),
    (400, _graph_error(506), None, ("failed", "506", None)),
    (502, "<html>Bad Gateway</html>", None, ("retry", "http_502", None)),
    (404, "not found", None, ("gone", "http_404", None)),
    (400, "nonsense", None, ("failed", "http_400", None)),
    (200, {"success": False}, None, ("failed", "not_applied", None)),
    (200, "", None, ("retry", "bad_response", None)),
])
def test_graph_error_classification(status: int, body: Any, headers: dict[str, str] | None,
                                    expected: tuple[str, str, float | None]) -> None:
    with FakeGraph(tokens={TOKEN}) as fb:
        fb.add_comment("c1")
        fb.respond_next(status, body, headers)
        result = one(GraphClient("facebook", fb.url), "hide", target("facebook", "c1"))
        assert (result.status, result.code, result.retry_after_s) == expected


def test_graph_messages_are_cut_and_scrubbed() -> None:
    with FakeGraph(tokens={TOKEN}) as fb:
        fb.add_comment("c1")
        fb.respond_next(400, _graph_error(999, f"token {TOKEN} " + "x" * 1000))
        result = one(GraphClient("facebook", fb.url), "hide", target("facebook", "c1"))
        assert result.message is not None and len(result.message) == 300
        assert TOKEN not in repr(result)


def test_facebook_restrict_author_blocks_the_user_on_the_page() -> None:
    with FakeGraph(tokens={TOKEN: PAGE}) as fb:
        fb.add_comment("c1", owner=PAGE, author="author-1")
        result = one(GraphClient("facebook", fb.url), "restrict_author", target("facebook", "c1"))
        assert result.status == "done"
        assert fb.blocked == {PAGE: {"author-1"}}
        assert fb.requests[-1].path == f"/v21.0/{PAGE}/blocked"
        assert fb.requests[-1].body == {"user": "author-1", "access_token": "[redacted]"}
        before = len(fb.requests)
        for missing in (target("facebook", "c1", author=None), target("facebook", "c1", owner=None)):
            res = one(GraphClient("facebook", fb.url), "restrict_author", missing)
            assert (res.status, res.code) == ("failed", "missing_ids")
        assert len(fb.requests) == before


def test_graph_timeout_is_retry_and_the_state_can_be_read_after() -> None:
    with FakeGraph(tokens={TOKEN}, hang_s=3.0) as fb:
        fb.add_comment("c1")
        fb.fail_next(1, "timeout")
        client = GraphClient("facebook", fb.url, timeout_s=0.3)
        result = one(client, "hide", target("facebook", "c1"))
        assert (result.status, result.code) == ("retry", "network")
        # the fake did it but answered too late: is_hidden() tells the actuator so
        assert read(GraphClient("facebook", fb.url), target("facebook", "c1")) is True


def test_parse_usage_reads_both_headers_and_ignores_malformed_ones() -> None:
    buc = {"999": [{"type": "pages", "call_count": 28, "total_cputime": 25, "total_time": 25,
                    "estimated_time_to_regain_access": 0}]}
    info = parse_usage({"X-Business-Use-Case-Usage": json.dumps(buc),
                        "X-App-Usage": json.dumps({"call_count": 41, "total_time": 3, "total_cputime": 2})})
    assert info is not None and (info.usage_pct, info.pause_s) == (41.0, None)
    buc["999"][0].update(call_count=100, estimated_time_to_regain_access=7)
    info = parse_usage({"X-Business-Use-Case-Usage": json.dumps(buc)})
    assert info is not None and (info.usage_pct, info.pause_s) == (100.0, 420.0)
    assert parse_usage({}) is None
    for bad in ("{not json", "[1, 2]", json.dumps({"1": "x"}), json.dumps({"1": [{"call_count": "lots"}]})):
        assert parse_usage({"X-Business-Use-Case-Usage": bad, "X-App-Usage": bad}) is None


# -- X ------------------------------------------------------------------------------------


def test_x_fifty_hides_a_window_then_rate_limited_until_reset() -> None:
    clock = Clock(1_800_000_000.0)
    with FakeX(tokens={TOKEN}, clock=clock, auto_create=True) as x:

        async def fifty_one() -> list[Result]:
            client = XClient(x.url, clock=clock)
            try:
                out = []
                for i in range(51):
                    out += await client.act("hide", [target("x", str(1000 + i))], TOKEN)
                    clock.now += 2
                return out
            finally:
                await client.close()

        results = run(fifty_one())
        assert [r.status for r in results[:50]] == ["done"] * 50
        assert [r.limits.remaining for r in results[:50] if r.limits] == list(range(49, -1, -1))
        assert all(r.limits and r.limits.limit == 50 for r in results)
        reset = 1_800_000_000.0 + 900
        last = results[50]
        assert (last.status, last.code) == ("rate_limited", "88")
        assert last.limits is not None and last.limits.reset_at == reset
        assert last.retry_after_s == pytest.approx(reset - (1_800_000_000.0 + 100))
        assert "1050" not in x.comments  # refused before it was looked up
        clock.now = reset
        again = one(XClient(x.url, clock=clock), "hide", target("x", "1050"))
        assert again.status == "done" and again.limits and again.limits.remaining == 49


def test_x_hide_and_unhide_send_the_documented_request() -> None:
    with FakeX(tokens={TOKEN}) as x:
        x.add_comment("42")
        assert one(XClient(x.url), "hide", target("x", "42")).status == "done"
        assert x.comments["42"].hidden is True
        assert one(XClient(x.url), "unhide", target("x", "42")).status == "done"
        assert x.comments["42"].hidden is False
        assert [(r.method, r.path, r.body) for r in x.requests] == [
            ("PUT", "/2/tweets/42/hidden", {"hidden": True}),
            ("PUT", "/2/tweets/42/hidden", {"hidden": False})]


def test_x_delete_and_restrict_are_unsupported_without_a_call() -> None:
    with FakeX(tokens={TOKEN}) as x:
        x.add_comment("42")
        client = XClient(x.url)
        assert not client.supports("delete") and not client.supports("restrict_author")
        assert one(client, "delete", target("x", "42")).status == "unsupported"
        assert one(XClient(x.url), "restrict_author", target("x", "42")).status == "unsupported"
        assert read(XClient(x.url), target("x", "42")) is None
        assert x.requests == []


def test_x_errors() -> None:
    with FakeX(tokens={TOKEN: "owner-1"}, echo_token=True) as x:
        x.add_comment("42", owner="owner-1")
        x.add_comment("43", owner="someone-else")
        bad = one(XClient(x.url), "hide", target("x", "42"), token="expired-" + TOKEN)
        assert (bad.status, bad.code) == ("auth_failed", "http_401") and TOKEN not in repr(bad)
        missing = one(XClient(x.url), "hide", target("x", "404404"))
        assert (missing.status, missing.code) == ("gone", "http_404")
        foreign = one(XClient(x.url), "hide", target("x", "43"))
        assert (foreign.status, foreign.code) == ("failed", "http_403")
        x.fail_next(1)
        transient = one(XClient(x.url), "hide", target("x", "42"))
        assert (transient.status, transient.code) == ("retry", "http_503")
        assert transient.limits is not None and transient.limits.remaining is not None
        assert x.comments["42"].hidden is False


def test_parse_rate_headers() -> None:
    info = parse_rate_headers({"x-rate-limit-limit": "50", "x-rate-limit-remaining": "7",
                               "x-rate-limit-reset": "1800000900"})
    assert info is not None and (info.limit, info.remaining, info.reset_at) == (50, 7, 1_800_000_900.0)
    assert parse_rate_headers({}) is None
    assert parse_rate_headers({"x-rate-limit-limit": "many"}) is None


# -- YouTube ------------------------------------------------------------------------------


def test_youtube_120_hides_take_three_calls_and_150_units() -> None:
    with FakeYouTube(tokens={TOKEN}) as yt:
        targets = [target("youtube", f"Ugz{i:04d}") for i in range(120)]
        for t in targets:
            yt.add_comment(t.native_id)

        async def hide_all() -> list[list[Result]]:
            client = YouTubeClient(yt.url)
            try:
                return [await client.act("hide", targets[i:i + 50], TOKEN) for i in range(0, 120, 50)]
            finally:
                await client.close()

        calls = run(hide_all())
        assert [len(c) for c in calls] == [50, 50, 20]
        assert all(r.status == "done" for c in calls for r in c)
        assert [[r.units for r in c][:2] for c in calls] == [[50, 0]] * 3
        assert sum(r.units for c in calls for r in c) == 150
        assert yt.units_used == 150 and len(yt.requests) == 3
        assert yt.requests[0].params["id"] == ",".join(t.native_id for t in targets[:50])
        assert yt.requests[0].params["moderationStatus"] == "heldForReview"
        assert {c.status for c in yt.comments.values()} == {"heldForReview"}
        with pytest.raises(ValueError, match="at most 50"):
            run(act(YouTubeClient(yt.url), "hide", targets[:51]))


def test_youtube_quota_spent_waits_until_pacific_midnight() -> None:
    clock = Clock(epoch(2026, 11, 22, 4, 30))  # 20:30 PST on 21 November
    with FakeYouTube(tokens={TOKEN}, clock=clock, quota_per_day=150) as yt:
        yt.add_comment("a")
        yt.add_comment("b")
        assert one(YouTubeClient(yt.url, clock=clock), "hide", target("youtube", "a")).status == "done"
        # failed calls cost their units too
        gone = one(YouTubeClient(yt.url, clock=clock), "hide", target("youtube", "nope"))
        assert (gone.status, gone.code, gone.units) == ("gone", "commentNotFound", 50)
        yt.fail_next(1)
        failed = one(YouTubeClient(yt.url, clock=clock), "hide", target("youtube", "b"))
        assert (failed.status, failed.code, failed.units) == ("retry", "backendError", 50)
        assert yt.quota_used == 150
        spent = one(YouTubeClient(yt.url, clock=clock), "hide", target("youtube", "b"))
        assert (spent.status, spent.code, spent.units) == ("rate_limited", "quotaExceeded", 50)
        assert spent.retry_after_s == 3.5 * 3600
        assert spent.limits is not None and spent.limits.reset_at == epoch(2026, 11, 22, 8, 0)
        assert yt.units_used == 150  # the refused call was not charged by the fake
        clock.now = epoch(2026, 11, 22, 8, 0)
        assert one(YouTubeClient(yt.url, clock=clock), "hide", target("youtube", "b")).status == "done"


def test_pacific_midnight_across_daylight_saving() -> None:
    # 8 March 2026, 00:30 PST: clocks spring forward at 02:00, the next midnight is PDT (UTC-7)
    assert pacific_midnight_after(epoch(2026, 3, 8, 8, 30)) == epoch(2026, 3, 9, 7, 0)
    # 1 November 2026, 23:00 PST (after fall back): next midnight is UTC-8
    assert pacific_midnight_after(epoch(2026, 11, 2, 7, 0)) == epoch(2026, 11, 2, 8, 0)
    # exactly midnight: the next one
    assert pacific_midnight_after(epoch(2026, 1, 1, 8, 0)) == epoch(2026, 1, 2, 8, 0)


def test_youtube_kinds_map_to_moderation_statuses() -> None:
    with FakeYouTube(tokens={TOKEN}) as yt:
        yt.add_comment("a", author="UCspam")
        yt.add_comment("b")
        yt.add_comment("c")
        assert one(YouTubeClient(yt.url), "restrict_author", target("youtube", "a")).status == "done"
        assert yt.requests[-1].params == {"id": "a", "moderationStatus": "rejected", "banAuthor": "true"}
        assert yt.banned == {"UCspam"} and yt.comments["a"].status == "rejected"
        assert one(YouTubeClient(yt.url), "delete", target("youtube", "b")).status == "done"
        assert yt.requests[-1].params == {"id": "b", "moderationStatus": "rejected"}
        # rejected is final
        back = one(YouTubeClient(yt.url), "unhide", target("youtube", "b"))
        assert (back.status, back.code) == ("failed", "operationNotSupported")
        assert one(YouTubeClient(yt.url), "hide", target("youtube", "c")).status == "done"
        assert one(YouTubeClient(yt.url), "unhide", target("youtube", "c")).status == "done"
        assert yt.comments["c"].status == "published" and yt.comments["c"].hidden is False
        assert read(YouTubeClient(yt.url), target("youtube", "c")) is None


def _yt_error(status: int, reason: str, domain: str = "youtube.comment") -> dict[str, Any]:
    return {"error": {"code": status, "message": f"fake {reason}",
                      "errors": [{"domain": domain, "reason": reason, "message": "m"}]}}


@pytest.mark.parametrize(("status", "body", "expected"), [
    (400, _yt_error(400, "banWithoutReject"), ("failed", "banWithoutReject")),
    (400, _yt_error(400, "operationNotSupported"), ("failed", "operationNotSupported")),
    (400, _yt_error(400, "processingFailure"), ("failed", "processingFailure")),
    (403, _yt_error(403, "forbidden"), ("auth_failed", "forbidden")),
    (401, _yt_error(401, "authError", "global"), ("auth_failed", "authError")),
    (404, _yt_error(404, "commentNotFound"), ("gone", "commentNotFound")),
    (500, _yt_error(500, "backendError", "global"), ("retry", "backendError")),
    (503, "Service Unavailable", ("retry", "http_503")),
    (403, "<html>no</html>", ("auth_failed", "http_403")),
])
def test_youtube_error_classification(status: int, body: Any, expected: tuple[str, str]) -> None:
    with FakeYouTube(tokens={TOKEN}) as yt:
        yt.add_comment("a")
        yt.respond_next(status, body)
        result = one(YouTubeClient(yt.url), "hide", target("youtube", "a"))
        assert (result.status, result.code, result.units) == (*expected, 50)


def test_youtube_real_fake_errors() -> None:
    with FakeYouTube(tokens={TOKEN}, echo_token=True) as yt:
        yt.add_comment("a")
        missing = one(YouTubeClient(yt.url), "hide", target("youtube", "nope"))
        assert (missing.status, missing.code) == ("gone", "commentNotFound")
        bad = one(YouTubeClient(yt.url), "hide", target("youtube", "a"), token="old-" + TOKEN)
        assert (bad.status, bad.code) == ("auth_failed", "authError") and TOKEN not in repr(bad)
        # one unknown id in a batch: nothing applied, and no target may be taken as gone
        both = run(act(YouTubeClient(yt.url), "hide", [target("youtube", "a"), target("youtube", "nope")]))
        assert [(r.status, r.code) for r in both] == [("retry", "commentNotFound_batch")] * 2
        assert yt.comments["a"].status == "published"


# -- all clients --------------------------------------------------------------------------


@pytest.mark.parametrize("platform", ["facebook", "instagram", "x", "youtube"])
def test_stopped_server_is_a_network_retry(platform: str) -> None:
    fake = FakeYouTube() if platform == "youtube" else FakeX() if platform == "x" else FakeGraph(platform)
    url = fake.start()
    fake.stop()
    result = one(make_client(platform, url), "hide", target(platform, "c1"))
    assert (result.status, result.code, result.units) == ("retry", "network", 0)
    assert TOKEN not in repr(result)
    assert read(make_client(platform, url), target(platform, "c1")) is None


def test_dropped_connection_is_a_network_retry() -> None:
    with FakeGraph(tokens={TOKEN}) as fb:
        fb.add_comment("c1")
        fb.fail_next(1, "disconnect")
        result = one(GraphClient("facebook", fb.url), "hide", target("facebook", "c1"))
        assert (result.status, result.code) == ("retry", "network")
        assert fb.comments["c1"].hidden is False and fb.count("POST", "c1") == 1
    with FakeX(tokens={TOKEN}) as x:
        x.add_comment("42")
        # aiohttp itself sends an idempotent PUT / DELETE once more after a dropped connection
        x.fail_next(2, "disconnect")
        result = one(XClient(x.url), "hide", target("x", "42"))
        assert (result.status, result.code) == ("retry", "network")
        assert x.comments["42"].hidden is False and x.count("PUT", "42") == 2


def test_make_client_and_shapes() -> None:
    assert DEFAULT_BASE_URLS == {"facebook": "https://graph.facebook.com/v21.0",
                                 "instagram": "https://graph.facebook.com/v21.0",
                                 "x": "https://api.x.com", "youtube": "https://www.googleapis.com/youtube/v3"}
    kinds = ("hide", "unhide", "delete", "restrict_author")
    expected = {"facebook": (1, "comments", (True, True, True, True)),
                "instagram": (1, "comments", (True, True, True, False)),
                "x": (1, "hide_replies", (True, True, False, False)),
                "youtube": (50, "set_moderation_status", (True, True, True, True))}
    for platform, (batch, name, supported) in expected.items():
        client = make_client(platform)
        assert client.platform == platform and client.batch_size == batch
        assert client.endpoint("hide").name == name and client.endpoint("hide").platform == platform
        assert tuple(client.supports(k) for k in kinds) == supported  # type: ignore[arg-type]
    assert make_client("facebook").endpoint("restrict_author").name == "blocked"
    with pytest.raises(ValueError):
        make_client("myspace")


def test_act_refuses_calls_it_cannot_make() -> None:
    client = make_client("youtube", "http://127.0.0.1:9")
    assert run(act(client, "hide", [])) == []
    with pytest.raises(ValueError, match="another platform"):
        run(act(make_client("youtube"), "hide", [target("x", "1")]))
    mixed = [target("youtube", "a"), Target("youtube:b", "youtube", "agency-2", "b")]
    with pytest.raises(ValueError, match="several accounts"):
        run(act(make_client("youtube"), "hide", mixed))
    with pytest.raises(ValueError, match="unknown action"):
        run(act(make_client("x"), "erase", [target("x", "1")]))
    with pytest.raises(ValueError, match="at most 1"):
        run(act(make_client("facebook"), "hide", [target("facebook", "1"), target("facebook", "2")]))


def test_clients_close_only_their_own_session() -> None:
    async def scenario() -> tuple[bool, bool]:
        async with FakeGraph(tokens={TOKEN}, auto_create=True) as fb:
            session = aiohttp.ClientSession()
            given = GraphClient("facebook", fb.url, session=session)
            assert (await given.act("hide", [target("facebook", "c1")], TOKEN))[0].status == "done"
            await given.close()
            given_open = not session.closed
            await session.close()
            own = GraphClient("facebook", fb.url)
            await own.act("hide", [target("facebook", "c2")], TOKEN)
            made = own._session
            await own.close()
            return given_open, made is not None and made.closed

    assert run(scenario()) == (True, True)


def test_fakes_serve_from_async_code_and_limits_can_be_switched_off() -> None:
    async def scenario() -> list[Result]:
        async with FakeX(tokens={TOKEN}, limits=False, auto_create=True) as x:
            client = XClient(x.url)
            try:
                return [r for i in range(60) for r in await client.act("hide", [target("x", str(i))], TOKEN)]
            finally:
                await client.close()

    results = run(scenario())
    assert [r.status for r in results] == ["done"] * 60
    assert all(r.limits is None for r in results)
