"""Hostile input to the gateway's pure parts (no Kafka): timestamps, ids, lone surrogates, deep
JSON, unexpected exceptions inside a normalizer. Nothing may escape as anything but a per-item
``Invalid`` (a dead letter), a ``BadPayload`` (400) or an ``UnknownAccount`` (404), and nothing
the normalizers produce may fail to encode when it is written.
"""

from __future__ import annotations

import base64
import copy
import json
import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from civicmod.contract.records import DeadLetter, parse_comment
from streams.gateway.events import (
    BadPayload,
    Batch,
    CommentEvent,
    Invalid,
    StateEvent,
    UnknownAccount,
)
from streams.gateway.normalize import (
    common,
    normalize_facebook,
    normalize_generic,
    normalize_instagram,
    normalize_x,
)
from streams.gateway.normalize.common import BadTimestamp, guarded, timestamp
from streams.gateway.normalize.x import x_time
from streams.gateway.routes import Reject, parse_json, safe_id
from streams.gateway.signatures import SignatureError, sign_standard, verify_standard
from streams.gateway.youtube import parse_page

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
PAGE, IG, AGENCY, CHANNEL = "104729384756201", "17841400000000001", "2244994945", "UCexample0000"
SURROGATE = "\ud800"

# -- realistic payloads (after the documented shapes), one per platform ------------------------
FACEBOOK = {"object": "page", "entry": [{"id": PAGE, "time": 1795262290, "changes": [
    {"field": "feed", "value": {
        "from": {"id": "3141592653", "name": "Margaret Ellis"},
        "post": {"status_type": "added_photos", "is_published": True,
                 "permalink_url": f"https://www.facebook.com/{PAGE}/posts/pfbid0777",
                 "id": f"{PAGE}_777"},
        "post_id": f"{PAGE}_777", "comment_id": "777_901", "created_time": 1795262282,
        "item": "comment", "parent_id": f"{PAGE}_777", "verb": "add",
        "message": "When will the potholes on Station Road be fixed?"}},
    {"field": "feed", "value": {
        "from": {"id": PAGE, "name": "City"}, "post_id": f"{PAGE}_777", "comment_id": "777_902",
        "item": "comment", "verb": "hide"}}]}]}
INSTAGRAM = {"object": "instagram", "entry": [{"id": IG, "time": 1795262282, "changes": [
    {"field": "comments", "value": {
        "from": {"id": "17841455555555555", "username": "jess.walks"},
        "media": {"id": "18012345678901234", "media_product_type": "FEED"},
        "id": "17865799348089039", "text": "Lovely park gates", "parent_id": "17865799348089000"}}]}]}
X = {"for_user_id": AGENCY, "tweet_create_events": [{
    "created_at": "Sat Nov 21 11:58:02 +0000 2026", "id_str": "1859000000000000101",
    "text": "@ExampleCouncil When is the library open?", "display_text_range": [16, 41],
    "in_reply_to_status_id_str": "1859000000000000001", "in_reply_to_user_id_str": AGENCY,
    "user": {"id_str": "9998887776", "screen_name": "ravi_p", "name": "Ravi Patel",
             "created_at": "Mon Jan 06 10:00:00 +0000 2020", "followers_count": 120},
    "lang": "en", "timestamp_ms": "1795262282000"}],
    "tweet_delete_events": [{"status": {"id": "1859000000000000100", "user_id": "9998887776"},
                             "timestamp_ms": "1795262999000"}]}
GENERIC = {"type": "comment.created", "timestamp": "2026-11-21T10:00:00Z", "data": {
    "id": "c-42", "author": {"id": "resident-7", "display_name": "Ann", "handle": "ann",
                             "created_at": "2020-01-01T00:00:00Z"},
    "text": "The consultation form is broken", "thread_id": "consultation-12",
    "parent_id": "c-41", "lang": "en", "url": "https://example.org/c/42",
    "created_at": "2026-11-21T10:00:00+01:00"}}
YOUTUBE_PAGE = {"kind": "youtube#commentThreadListResponse", "nextPageToken": "tok", "items": [{
    "kind": "youtube#commentThread", "id": "Ugw1", "snippet": {
        "channelId": CHANNEL, "videoId": "vid00000001", "totalReplyCount": 1,
        "topLevelComment": {"kind": "youtube#comment", "id": "Ugw1", "snippet": {
            "videoId": "vid00000001", "textDisplay": "Great video", "textOriginal": "Great video",
            "authorDisplayName": "@resident", "authorChannelId": {"value": "UCresident"},
            "publishedAt": "2026-11-21T11:00:00Z", "updatedAt": "2026-11-21T11:00:00Z"}}},
    "replies": {"comments": [{"kind": "youtube#comment", "id": "Ugw1.r1", "snippet": {
        "videoId": "vid00000001", "textDisplay": "Agreed", "parentId": "Ugw1",
        "authorDisplayName": "@other", "authorChannelId": {"value": "UCother"},
        "publishedAt": "2026-11-21T11:30:00Z", "updatedAt": "2026-11-21T11:45:00Z"}}]}}]}

SINCE = NOW - timedelta(days=1)


def fb(p: Any) -> Batch:
    return normalize_facebook(p, {PAGE: "page:city"}, NOW)


def ig(p: Any) -> Batch:
    return normalize_instagram(p, {IG: "ig:city"}, NOW)


def x(p: Any) -> Batch:
    return normalize_x(p, {AGENCY: "x:council"}, NOW)


def generic(p: Any) -> Batch:
    return normalize_generic(p, "website", "web:city", NOW, "msg_1")


def youtube(p: Any) -> Batch:
    return parse_page(p, CHANNEL, "yt:city", SINCE, NOW).batch


PLATFORMS: dict[str, tuple[dict, Callable[[Any], Batch]]] = {
    "facebook": (FACEBOOK, fb), "instagram": (INSTAGRAM, ig), "x": (X, x),
    "generic": (GENERIC, generic), "youtube": (YOUTUBE_PAGE, youtube)}


def outcome(fn: Callable[[Any], Batch], payload: Any) -> Batch | BaseException:
    """What a normalizer made of ``payload``; it may only return a Batch whose events all encode,
    or raise BadPayload / UnknownAccount."""
    try:
        batch = fn(payload)
    except (BadPayload, UnknownAccount) as exc:
        return exc
    assert isinstance(batch, Batch)
    for ev in batch.events:
        if isinstance(ev, CommentEvent):
            raw = ev.comment.to_json()
            assert parse_comment(raw, 1_000_000) == ev.comment  # what the worker reads back
            ev.key.encode()
        elif isinstance(ev, StateEvent):
            ev.state.to_json()
            ev.key.encode()
        else:
            assert isinstance(ev, Invalid)
            ev.raw.decode("ascii")  # dead letters never carry unencodable text
            ev.error.encode("utf-8")
    return batch


def leaves(value: Any, path: tuple = ()) -> Iterator[tuple[tuple, Any]]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield from leaves(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from leaves(v, (*path, i))
    else:
        yield path, value


def replaced(payload: Any, path: tuple, new: Any) -> Any:
    out = copy.deepcopy(payload)
    node = out
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = new
    return out


def test_the_sample_payloads_are_understood() -> None:
    for name, (payload, fn) in PLATFORMS.items():
        batch = outcome(fn, payload)
        assert isinstance(batch, Batch), name
        assert any(isinstance(e, CommentEvent) for e in batch.events), name
        assert not any(isinstance(e, Invalid) for e in batch.events), name


# -- timestamps ---------------------------------------------------------------------------------
def test_timestamp_accepts_sane_times_only() -> None:
    t = datetime(2026, 11, 21, 11, 58, 2, tzinfo=UTC)
    for good in (1795262282, 1795262282.0, "1795262282", 1795262282000, "1795262282000",
                 "2026-11-21T11:58:02Z", "2026-11-21T11:58:02+0000", "2026-11-21T11:58:02+00:00",
                 "2026-11-21 11:58:02", " 2026-11-21T11:58:02.000000Z "):
        assert timestamp(good) == t, good
    assert timestamp("2026-11-21T12:58:02+01:00") == t
    assert timestamp("2026-11-21T11:58:02.123456789Z").microsecond == 123456
    assert timestamp(1795262282123) == t.replace(microsecond=123000)
    assert timestamp("2026-11-21") == datetime(2026, 11, 21, tzinfo=UTC)
    assert timestamp(None) is None and timestamp("") is None
    bad = [1e20, 1e300, float("inf"), float("-inf"), float("nan"), -1, 0, 10**400, 5_000_000_000,
           946684799, 4102444800, 4102444800000, True, False, "1e20", "Infinity", "NaN", "-5",
           "9" * 17, "٣٤٥٦٧٨٩٠١٢", "2026-13-01", "2026-02-30T00:00:00Z", "2026-11-21T25:00:00Z",
           "1999-12-31T23:59:59Z", "2100-01-01T00:00:00Z", "2026-11-21T11:58:02+24:00",
           "2026-11-21T11:58:02" + "0" * 40, "soon", "2026-11-21T11:58:02Z" + SURROGATE,
           [], {}, b"1795262282"]
    for value in bad:
        with pytest.raises(BadTimestamp) as err:
            timestamp(value, "value.created_time")
        assert isinstance(err.value, ValueError)
        assert str(err.value).startswith("value.created_time:"), value
        if isinstance(value, str) and len(value) > 3:
            assert value.strip() not in str(err.value)  # the field, never the value


def test_x_time_is_strict_too() -> None:
    assert x_time("Sat Nov 21 11:58:02 +0000 2026") == datetime(2026, 11, 21, 11, 58, 2, tzinfo=UTC)
    for value in ("Mon Jan 01 00:00:00 +2359 0001", "Sat Nov 21 11:58:02 +0000 9999", 1795262282,
                  "Sat Nov 21 11:58:02 +0000 2026" * 3, "Xyz Abc 99 99:99:99 +0000 2026"):
        with pytest.raises(BadTimestamp):
            x_time(value)


@pytest.mark.parametrize("value", [1e20, 1e300, float("inf"), float("nan"), -1e15, "1e20", True,
                                   "2026-11-21T11:58:02Z" + "x" * 100])
def test_bad_timestamps_become_dead_letters_not_errors(value: Any) -> None:
    """The measured 500s: datetime.fromtimestamp raised OverflowError / OSError outside the
    per-item guard. Now each bad time is a per-item Invalid naming the field."""
    cases = [
        (fb, FACEBOOK, ("entry", 0, "changes", 0, "value", "created_time"), "value.created_time"),
        (fb, FACEBOOK, ("entry", 0, "time"), "entry.time"),  # the hide: its occurred_at
        (ig, INSTAGRAM, ("entry", 0, "time"), "entry.time"),
        (x, X, ("tweet_create_events", 0, "created_at"), "tweet.created_at"),
        (x, X, ("tweet_create_events", 0, "user", "created_at"), "tweet.user.created_at"),
        (x, X, ("tweet_delete_events", 0, "timestamp_ms"), "timestamp_ms"),
        (youtube, YOUTUBE_PAGE,
         ("items", 0, "replies", "comments", 0, "snippet", "publishedAt"), "publishedAt"),
    ]
    for fn, payload, path, field in cases:
        batch = outcome(fn, replaced(payload, path, value))
        assert isinstance(batch, Batch), (path, batch)
        (bad,) = [e for e in batch.events if isinstance(e, Invalid)]
        assert field in bad.error and bad.reason == "gateway_invalid_item", (path, bad.error)
        assert str(value)[:8] not in bad.error or str(value)[:8] in field
    # A generic delivery is one item: a bad time refuses the request (400), naming the field.
    for path, field in ((("data", "created_at"), "created_at"),
                        (("data", "author", "created_at"), "author.created_at")):
        err = outcome(generic, replaced(GENERIC, path, value))
        assert isinstance(err, BadPayload) and field in str(err), (path, err)
    state = {"type": "comment.hidden", "timestamp": value, "data": {"id": "c-42"}}
    assert isinstance(outcome(generic, state), BadPayload)


# -- lone surrogates, NUL, bidi controls, huge numbers in every field ------------------------------
HOSTILE_VALUES = [SURROGATE, "a\udfffb", "\x00", "\u202etxet", "e" + "\u0301" * 10_000, 10**30,
                  10**400, -(10**19), 1e308, float("inf"), float("nan"), True, None, [], {},
                  [[[[[]]]]], "x" * 20_000]


@pytest.mark.parametrize("platform", sorted(PLATFORMS))
def test_every_field_of_every_payload_with_hostile_values(platform: str) -> None:
    """Each string (and every other leaf) of a realistic payload replaced, one at a time, by a
    lone surrogate, NUL, bidi control, 10k combining marks, huge or non-finite numbers, other
    types: the normalizer returns a Batch whose events all encode, or refuses the payload."""
    payload, fn = PLATFORMS[platform]
    seen = 0
    for path, _ in leaves(payload):
        for value in HOSTILE_VALUES:
            result = outcome(fn, replaced(payload, path, value))
            seen += 1
            if isinstance(result, Batch) and value == SURROGATE:
                # A lone surrogate never reaches a record: the item is dead-lettered or ignored.
                for ev in result.events:
                    if isinstance(ev, CommentEvent):
                        assert SURROGATE not in ev.comment.model_dump_json(), path
    assert seen > 50


def test_a_surrogate_in_an_item_is_a_dead_letter_that_names_the_field() -> None:
    bad = replaced(FACEBOOK, ("entry", 0, "changes", 0, "value", "from", "name"), SURROGATE)
    (invalid,) = [e for e in fb(bad).events if isinstance(e, Invalid)]
    assert "author.display_name" in invalid.error and "surrogate" in invalid.error
    raw = invalid.raw.decode("ascii")  # ensure_ascii: the surrogate is kept as its escape
    assert "\\ud800" in raw and json.loads(raw)["value"]["from"]["name"] == SURROGATE
    dead = json.loads(DeadLetter.of(invalid.raw, invalid.reason, invalid.error, "gateway",
                                    "webhook:facebook", 64, key="msg").to_json())
    assert base64.b64decode(dead["raw_base64"]) == invalid.raw[:64] and dead["raw_truncated"]


def test_guarded_turns_any_exception_into_an_invalid_item_without_the_value() -> None:
    for exc in (OverflowError("value 1e400 too big"), RecursionError("deep"), OSError(22, "x"),
                UnicodeEncodeError("utf-8", "secret text", 0, 1, "surrogates"), MemoryError(),
                ZeroDivisionError("secret text")):
        batch = Batch()

        def boom(e: BaseException = exc, batch: Batch = batch) -> None:
            batch.events.append(Invalid(b"partial", "x", "facebook"))  # undone
            batch.ignored["partial"] += 1
            raise e

        guarded(batch, "facebook", {"message": "secret text"}, boom)
        (only,) = batch.events
        assert isinstance(only, Invalid) and not batch.ignored
        assert type(exc).__name__ in only.error and "boom" in only.error  # type and code place
        assert "secret" not in only.error and "1e400" not in only.error
    with pytest.raises(UnknownAccount):  # request-level: a 404, not an item
        guarded(Batch(), "x", {}, lambda: (_ for _ in ()).throw(UnknownAccount("x", "1")))


def test_unserializable_items_still_make_dead_letters() -> None:
    deep: Any = []
    for _ in range(5000):
        deep = [deep]
    for item in (deep, 10**5000, {"a": float("nan")}, {1, 2}):
        raw = common.item_bytes(item)
        raw.decode("ascii")


def test_ids_are_bounded() -> None:
    for payload, path in ((FACEBOOK, ("entry", 0, "id")), (X, ("for_user_id",))):
        for value in (10**5000, "9" * 5000, 1.5, SURROGATE * 300):
            assert isinstance(outcome(fb if payload is FACEBOOK else x,
                                      replaced(payload, path, value)), BadPayload | UnknownAccount)


def test_payload_level_bugs_are_bad_payloads(monkeypatch: pytest.MonkeyPatch) -> None:
    """A normalizer returns a Batch or raises BadPayload / UnknownAccount, never anything else:
    an unexpected error at the payload level is a 400 naming its type and code place."""
    from streams.gateway.normalize import meta

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RecursionError("secret text")

    monkeypatch.setattr(meta, "_entries", broken)
    with pytest.raises(BadPayload, match="RecursionError") as err:
        normalize_facebook(FACEBOOK, {PAGE: "page:city"}, NOW)
    assert "secret" not in str(err.value)


def test_metric_labels_from_payload_values_are_bounded() -> None:
    p = replaced(FACEBOOK, ("entry", 0, "changes", 0, "field"), "x" * 500 + SURROGATE)
    assert fb(p).ignored == {"field:other": 1}
    assert generic({"type": {"a": 1}, "data": {}}).ignored == {"type:other": 1}
    assert generic({"type": 10**5000, "data": {}}).ignored == {"type:other": 1}


# -- the request level: JSON decoding, signatures, webhook ids ---------------------------------
def test_parse_json_reasons() -> None:
    cases = {
        b"[" * 100_000 + b"]" * 100_000: "too_deep",
        b'{"a": ' * 65 + b"1" + b"}" * 65: "too_deep",
        b'{"text": "\\ud800"}': "bad_unicode",
        b'{"text": "\xff\xfe"}': "bad_utf8",
        b'{"t": NaN}': "bad_json",
        b'{"t": Infinity}': "bad_json",
        b'{"t": 1e400}': "bad_json",
        b'{"t": 1' + b"0" * 5000 + b"}": "bad_json",
        b'{"a": "unterminated': "bad_json",
        b"": "bad_json",
    }
    for body, reason in cases.items():
        with pytest.raises(Reject) as err:
            parse_json(body)
        assert (err.value.status, err.value.reason) == (400, reason), body[:40]
        assert b"unterminated" not in err.value.message.encode()
    assert parse_json(b'{"t": 1e20, "s": "\\ud83d\\ude00"}') == {"t": 1e20, "s": "😀"}


def test_unterminated_strings_are_refused_as_bad_json() -> None:
    """An unterminated string full of escaped quotes once made the nesting pre-check quadratic
    (1 MB: minutes). civicmod.contract.wire's string pattern now always matches, to the end of the input
    when the string never closes, so the scan is linear; the body is refused as bad JSON."""
    from civicmod.contract import wire

    body = b"[" * 40 + b"]" * 40 + b"[" * 10 + b'"' + b'\\"' * 300_000  # brackets: scanned
    with pytest.raises(Reject) as err:
        parse_json(body)
    assert err.value.reason == "bad_json"
    tail = b'"' + b'\\"' * 1000
    m = wire._STRING.match(tail)
    assert m is not None and m.end() == len(tail)  # one possessive match, no backtracking
    for terminated in (b'["a\\"b", "c"]', b'"\\\\"', b'{"a": "b"}'):
        parse_json(terminated)


def test_standard_webhooks_headers_with_hostile_bytes() -> None:
    key = b"k" * 32
    body = b'{"id": "1"}'
    # aiohttp hands header bytes that are not UTF-8 over as surrogate escapes.
    msg_id = b"msg_\xff\xfe".decode("utf-8", "surrogateescape")
    headers = sign_standard(key, body, msg_id)
    assert verify_standard(headers, body, [key]) == msg_id
    for ts in ("١٧٩٥٢٦٢٢٨٢", "1_795_262_282", "9" * 5000, "+1795262282", "1e9"):
        with pytest.raises(SignatureError) as err:
            verify_standard({**headers, "webhook-timestamp": ts}, body, [key])
        assert err.value.reason == "bad_signature"


def test_webhook_ids_are_made_safe_deterministically() -> None:
    assert safe_id("msg_2KWPBgLlAfxdpx2AI54pPJ85f4W") == "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W"
    for hostile in ("a b", "\udcff", "x" * 500, "é", "a\x00"):
        out = safe_id(hostile)
        assert out.startswith("sha256:") and out == safe_id(hostile) and out.isascii()


def test_timezones_and_ms_keep_their_meaning() -> None:
    assert timestamp("2026-11-21T11:58:02-05:30").utcoffset() == -timedelta(hours=5, minutes=30)
    assert timestamp("2026-11-21T11:58:02+0530").tzinfo == timezone(timedelta(hours=5, minutes=30))
    # Below 10^11 a number is seconds, from it milliseconds; both must land in 2000..2099.
    assert timestamp(1_000_000_000_000) == datetime(2001, 9, 9, 1, 46, 40, tzinfo=UTC)
    for value in (99_999_999_999, 100_000_000_000):  # seconds: year 5138; ms: 1973
        with pytest.raises(BadTimestamp):
            timestamp(value)


def test_aiohttp_errors_are_single_json_lines(capsys: pytest.CaptureFixture[str]) -> None:
    """setup_logging (the gateway process) routes aiohttp's own "Error handling request"
    tracebacks through the JSON formatter: one line, traceback in "exc"."""
    from streams.gateway.logs import setup_logging
    from streams.kafka.logs import NOISY

    root = logging.getLogger()
    before = list(root.handlers), root.level
    levels = {name: logging.getLogger(name).level for name in (*NOISY, "civicmod")}
    handler = setup_logging("info")
    try:
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            logging.getLogger("aiohttp.server").exception("Error handling request")
        logging.getLogger("civicmod.gateway").info("webhook", extra={"webhook_id": "m1"})
    finally:
        root.removeHandler(handler)
        root.handlers[:] = before[0]
        root.setLevel(before[1])
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 2
    err, hook = (json.loads(line) for line in lines)
    assert err["logger"] == "aiohttp.server" and "RuntimeError: boom" in err["exc"]
    assert hook["webhook_id"] == "m1" and hook["service"] == "gateway"


def test_invalid_raw_round_trips_through_base64() -> None:
    item = {"message": SURROGATE + " x", "n": 10**30}
    raw = common.item_bytes(item)
    assert json.loads(base64.b64decode(base64.b64encode(raw))) == item
