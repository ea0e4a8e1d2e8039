"""Wrapped links in the gateway: X t.co links become their ``expanded_url``, Meta / YouTube
redirect shims their decoded destination; what cannot be used is kept as it was, never failing
the comment, and nothing is fetched."""

from __future__ import annotations

import socket
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest

from civicmod.contract.records import Comment, parse_comment
from streams.gateway.events import AgencyReply, Batch, CommentEvent, Invalid
from streams.gateway.normalize import (
    normalize_facebook,
    normalize_instagram,
    normalize_x,
    youtube_comment,
)
from streams.gateway.normalize.common import note
from streams.gateway.normalize.links import (
    MAX_DESTINATION_CHARS,
    expand,
    unwrap_shims,
    x_url_entities,
)

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
AGENCY = "2244994945"
X_ACCOUNTS = {AGENCY: "x:examplecouncil"}
PAGE = "104729384756201"
IG = "17841400000000001"
FB_SHIM = "https://l.facebook.com/l.php?u={}&h=AT0xYz"


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Resolving a link never opens a connection."""
    def refuse(*_a: Any, **_k: Any) -> None:
        raise AssertionError("the gateway tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


def comments(batch: Batch) -> list[Comment]:
    got = [e.comment for e in batch.events
           if isinstance(e, CommentEvent) and not isinstance(e, AgencyReply)]
    for c in got:  # what the worker will parse
        assert parse_comment(c.to_json(), 100_000) == c
    return got


def tweet(text: str, start: int = 0, **extra: Any) -> dict[str, Any]:
    t: dict[str, Any] = {
        "created_at": "Sat Nov 21 11:58:02 +0000 2026", "id_str": "1859000000000000101",
        "text": text, "display_text_range": [start, len(text)], "truncated": False,
        "in_reply_to_status_id_str": "1859000000000000001", "in_reply_to_user_id_str": AGENCY,
        "user": {"id_str": "9998887776", "name": "Ravi Patel", "screen_name": "ravi_p"},
        "lang": "en"}
    t.update(extra)
    return t


def x_text(t: dict[str, Any]) -> str:
    batch = normalize_x({"for_user_id": AGENCY, "tweet_create_events": [t]}, X_ACCOUNTS, NOW)
    (c,) = comments(batch)
    return c.text


def url_entity(url: str, expanded: Any, indices: Any = (0, 0)) -> dict[str, Any]:
    return {"url": url, "expanded_url": expanded, "display_url": "…", "indices": list(indices)}


# -- X -----------------------------------------------------------------------------------------
def test_x_tco_links_become_their_expanded_url() -> None:
    text = "@ExampleCouncil Pothole &amp; flooding: https://t.co/oeF3ZHeKQQ see https://t.co/R3P6waHxRa"
    t = tweet(text, start=16, entities={
        "urls": [url_entity("https://t.co/oeF3ZHeKQQ", "https://www.gov.uk/report-pothole",
                            (41, 64))],
        "media": [url_entity("https://t.co/R3P6waHxRa",
                             "https://twitter.com/ravi_p/status/1859000000000000101/photo/1")]})
    assert x_text(t) == ("Pothole & flooding: https://www.gov.uk/report-pothole see "
                         "https://twitter.com/ravi_p/status/1859000000000000101/photo/1")


def test_x_long_tweet_uses_the_extended_entities() -> None:
    full = "@ExampleCouncil " + "The parking policy is a disgrace. " * 6 + "Read https://t.co/Ab12Cd34Ef"
    t = tweet(full[:140], truncated=True, entities={"urls": []}, extended_tweet={
        "full_text": full, "display_text_range": [16, len(full)],
        "entities": {"urls": [url_entity("https://t.co/Ab12Cd34Ef", "https://bit.ly/3xYz")]}})
    assert x_text(t).endswith("Read https://bit.ly/3xYz")


def test_x_indices_are_not_trusted_and_only_whole_urls_are_replaced() -> None:
    # Wrong indices (X counts code points; these point at the emoji) do not matter: the exact
    # URL string is replaced, every time it occurs, never inside a longer URL.
    text = "😀😀 https://t.co/abc, https://t.co/abcdef and (https://t.co/abc)."
    t = tweet(text, entities={"urls": [url_entity("https://t.co/abc", "https://example.org/a",
                                                  (0, 2))]})
    assert x_text(t) == ("😀😀 https://example.org/a, https://t.co/abcdef and "
                         "(https://example.org/a).")


def test_x_a_destination_is_not_expanded_again() -> None:
    mapping = {"https://t.co/a": "https://example.org/?next=https://t.co/b",
               "https://t.co/b": "https://bit.ly/b"}
    assert expand("https://t.co/a https://t.co/b", mapping) == (
        "https://example.org/?next=https://t.co/b https://bit.ly/b")


@pytest.mark.parametrize("entities", [
    "not an object",
    {"urls": "not a list"},
    {"urls": ["not an object"]},
    {"urls": [url_entity("https://t.co/abc", 42)]},
    {"urls": [url_entity(42, "https://example.org/")]},
    {"urls": [url_entity("https://t.co/abc", "javascript:alert(1)")]},
    {"urls": [url_entity("https://t.co/abc", "https://example.org/ https://bit.ly/x")]},
    {"urls": [url_entity("https://t.co/abc", "https://" + "a" * MAX_DESTINATION_CHARS + ".org")]},
    {"urls": [url_entity("t.co abc", "https://example.org/")]},
    {"urls": [{"expanded_url": "https://example.org/"}]},
])
def test_x_a_malformed_entity_keeps_the_text_and_is_counted(entities: Any) -> None:
    t = tweet("details: https://t.co/abc", entities=entities)
    batch = normalize_x({"for_user_id": AGENCY, "tweet_create_events": [t]}, X_ACCOUNTS, NOW)
    assert not [e for e in batch.events if isinstance(e, Invalid)]
    (c,) = comments(batch)
    assert c.text == "details: https://t.co/abc"
    assert x_url_entities([t])[1] == 1
    notes = getattr(batch, "notes", None)
    if notes is not None:  # once the Batch has the counter (events.py)
        assert notes == {"link_unresolved": 1}


def test_x_entities_without_destination_are_left_alone_uncounted() -> None:
    t = tweet("see https://t.co/abc", entities={"urls": [url_entity("https://t.co/abc", None)],
                                                 "hashtags": [], "user_mentions": []})
    assert x_text(t) == "see https://t.co/abc"
    assert x_url_entities([t]) == ({}, 0)
    assert x_text(tweet("no entities at all https://t.co/abc")) == "no entities at all https://t.co/abc"


def test_note_counts_where_the_batch_has_a_counter() -> None:
    batch = Batch()
    note(batch, "link_unresolved", 2)  # no counter yet: nothing happens, nothing fails
    batch.notes = Counter()  # type: ignore[attr-defined]
    note(batch, "link_unresolved", 2)
    note(batch, "link_unresolved", 0)
    assert batch.notes == {"link_unresolved": 2}  # type: ignore[attr-defined]


# -- Meta and YouTube shims --------------------------------------------------------------------
def fb_payload(message: str) -> dict[str, Any]:
    return {"object": "page", "entry": [{"id": PAGE, "time": 1795262290, "changes": [
        {"field": "feed", "value": {
            "from": {"id": "3141592653", "name": "Margaret Ellis"}, "post_id": f"{PAGE}_777",
            "comment_id": "777_901", "created_time": 1795262282, "item": "comment",
            "parent_id": f"{PAGE}_777", "verb": "add", "message": message}}]}]}


def test_facebook_shim_links_are_decoded_from_their_u_parameter() -> None:
    message = ("Claim here " + FB_SHIM.format("https%3A%2F%2Fbit.ly%2F3xYz%3Fref%3Dfb") +
               ". Or https://lm.facebook.com/l.php?u=https%3A%2F%2Fwww.gov.uk%2Fcouncil-tax")
    (c,) = comments(normalize_facebook(fb_payload(message), {PAGE: "page:1"}, NOW))
    assert c.text == "Claim here https://bit.ly/3xYz?ref=fb. Or https://www.gov.uk/council-tax"


def test_instagram_and_nested_shims_are_decoded() -> None:
    inner = "https%3A%2F%2Fl.instagram.com%2F%3Fu%3Dhttps%253A%252F%252Fscam.example%252Fwin"
    payload = {"object": "instagram", "entry": [{"id": IG, "time": 1795262290, "changes": [
        {"field": "comments", "value": {
            "id": "1790", "from": {"id": "555", "username": "sam"}, "media": {"id": "42"},
            "text": "win https://l.instagram.com/?u=https%3A%2F%2Fexample.org%2Fa&e=AT1 and "
                    + FB_SHIM.format(inner)}}]}]}
    (c,) = comments(normalize_instagram(payload, {IG: "ig:1"}, NOW))
    assert c.text == "win https://example.org/a and https://scam.example/win"


@pytest.mark.parametrize("shim", [
    "https://l.facebook.com/l.php?h=AT0",                       # no destination
    FB_SHIM.format("javascript%3Aalert(1)"),                    # not an http(s) URL
    FB_SHIM.format("https%3A%2F%2Fgov.uk%20https%3A%2F%2Fbit.ly%2Fx"),  # spaces smuggled in
    "https://www.facebook.com/l.php?u=https%3A%2F%2Fbit.ly%2Fx",  # not the shim host
])
def test_a_shim_without_usable_destination_is_kept(shim: str) -> None:
    (c,) = comments(normalize_facebook(fb_payload(f"look {shim} now"), {PAGE: "page:1"}, NOW))
    assert c.text == f"look {shim} now"


def test_youtube_redirect_links_are_decoded() -> None:
    resource = {"id": "Ugz1", "snippet": {
        "textOriginal": "free money https://www.youtube.com/redirect?event=comments&q="
                        "https%3A%2F%2Fquickcoin.xyz%2Fjoin&redir_token=QUFF",
        "authorDisplayName": "Sam", "authorChannelId": {"value": "UCsam"}, "videoId": "v1",
        "publishedAt": "2026-11-21T11:00:00Z", "updatedAt": "2026-11-21T11:00:00Z"}}
    ev = youtube_comment(resource, "UCcouncil", "yt:1", "Ugz1", NOW)
    assert ev.comment.text == "free money https://quickcoin.xyz/join"


def test_text_without_shims_is_untouched() -> None:
    for text in ("", "no links", "https://www.facebook.com/events/1", "see youtube.com/watch?v=1",
                 "mail l.facebook.com@example.org"):
        assert unwrap_shims(text) == text
