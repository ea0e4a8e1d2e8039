"""Normalizers: realistic platform payloads (after the documented schemas) → Comments / state.

Pure functions, no Kafka: what each platform sends, what becomes of it, what is ignored, what is
refused (400 / 404) and what is kept for the dead-letter topic.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from civicmod.contract.records import Comment, CommentState, parse_comment
from streams.gateway.events import (
    AgencyReply,
    BadPayload,
    Batch,
    CommentEvent,
    Invalid,
    StateEvent,
    UnknownAccount,
)
from streams.gateway.normalize import (
    normalize_facebook,
    normalize_generic,
    normalize_instagram,
    normalize_x,
    youtube_comment,
    youtube_thread,
)

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
PAGE = "104729384756201"
FB_ACCOUNTS = {PAGE: "page:city-of-example"}


def comments(batch: Batch) -> list[Comment]:
    """The comments to moderate (comments.incoming)."""
    return [e.comment for e in batch.events
            if isinstance(e, CommentEvent) and not isinstance(e, AgencyReply)]


def replies(batch: Batch) -> list[Comment]:
    """The agency's own comments (comments.agency_replies)."""
    return [e.comment for e in batch.events if isinstance(e, AgencyReply)]


def states(batch: Batch) -> list[CommentState]:
    return [e.state for e in batch.events if isinstance(e, StateEvent)]


def fb_change(verb: str, comment: str, message: str | None = None, sender: str = "3141592653",
              parent: str | None = None, item: str = "comment") -> dict:
    value: dict = {
        "from": {"id": sender, "name": "Margaret Ellis"},
        "post": {"status_type": "added_photos", "is_published": True,
                 "updated_time": "2026-11-21T11:58:02+0000",
                 "permalink_url": f"https://www.facebook.com/{PAGE}/posts/pfbid0777",
                 "promotion_status": "inactive", "id": f"{PAGE}_777"},
        "post_id": f"{PAGE}_777", "comment_id": f"777_{comment}",
        "created_time": 1795262282, "item": item, "parent_id": parent or f"{PAGE}_777",
        "verb": verb, "field": "feed"}
    if message is not None:
        value["message"] = message
    return {"field": "feed", "value": value}


def fb_payload(*changes: dict, page: str = PAGE) -> dict:
    return {"object": "page", "entry": [{"id": page, "time": 1795262290, "changes": list(changes)}]}


# -- Facebook ----------------------------------------------------------------------------------
def test_facebook_batch_of_comments_reply_and_edit() -> None:
    payload = fb_payload(
        fb_change("add", "901", "When will the potholes on Station Road be fixed?"),
        fb_change("add", "902", "Seconded, two cars damaged", parent="777_901", sender="2718"),
        fb_change("edited", "901", "When will the potholes on Station Road be fixed??"))
    batch = normalize_facebook(payload, FB_ACCOUNTS, NOW)
    got = comments(batch)
    assert [c.id for c in got] == ["facebook:777_901", "facebook:777_902", "facebook:777_901"]
    first, reply, edit = got
    assert edit.text.endswith("fixed??") and edit.created_at == first.created_at
    assert first.platform == "facebook" and first.account_id == "page:city-of-example"
    assert first.thread_id == f"facebook:{PAGE}_777" and first.parent_id is None
    assert reply.parent_id == "facebook:777_901"  # a reply to a comment, not to the post
    assert first.author.id == "3141592653" and first.author.display_name == "Margaret Ellis"
    assert first.created_at == datetime.fromtimestamp(1795262282, UTC)
    assert first.received_at == NOW
    assert first.url == f"https://www.facebook.com/{PAGE}/posts/pfbid0777"
    verbs = [e.verb for e in batch.events if isinstance(e, CommentEvent)]
    assert verbs == ["add", "add", "edited"]
    # An edit is a new version: another dedupe key than the original; a redelivery is the same.
    keys = [e.key for e in batch.events]
    assert len(set(keys)) == 3
    assert normalize_facebook(payload, FB_ACCOUNTS, NOW).events[0].key == keys[0]
    for c in got:  # what the worker will parse
        assert parse_comment(c.to_json(), 10_000) == c


def test_facebook_state_changes_and_ignored_items() -> None:
    payload = fb_payload(
        fb_change("hide", "901", sender=PAGE),
        fb_change("unhide", "901", sender=PAGE),
        fb_change("remove", "902"),
        fb_change("add", "903", "Thanks for the update!", sender=PAGE),  # the page's own reply
        {"field": "feed", "value": {"item": "reaction", "verb": "add", "reaction_type": "like",
                                    "post_id": f"{PAGE}_777", "from": {"id": "1"}}},
        {"field": "feed", "value": {"item": "status", "verb": "add", "post_id": f"{PAGE}_778",
                                    "message": "New bin schedule"}},
        {"field": "ratings", "value": {"item": "rating"}},
        fb_change("block", "904"))
    batch = normalize_facebook(payload, FB_ACCOUNTS, NOW)
    assert comments(batch) == []
    assert [c.id for c in replies(batch)] == ["facebook:777_903"]  # not moderated
    got = states(batch)
    assert [(s.comment_id, s.verb) for s in got] == [
        ("facebook:777_901", "hide"), ("facebook:777_901", "unhide"), ("facebook:777_902", "remove")]
    assert got[0].actor_id == PAGE and got[0].occurred_at == datetime.fromtimestamp(1795262290, UTC)
    assert batch.ignored == {"item:reaction": 1, "item:status": 1, "field:ratings": 1,
                             "verb:block": 1}
    # hide → unhide → hide again later is three events; a redelivered hide has the same key.
    later = fb_payload(fb_change("hide", "901"))
    later["entry"][0]["time"] += 60
    assert states(normalize_facebook(later, FB_ACCOUNTS, NOW))[0].verb == "hide"
    assert normalize_facebook(later, FB_ACCOUNTS, NOW).events[0].key != batch.events[0].key


def test_facebook_batched_entries_and_unknown_page() -> None:
    other = "200000000000001"
    payload = {"object": "page", "entry": [
        fb_payload(fb_change("add", "1", "a"))["entry"][0],
        fb_payload(fb_change("add", "2", "b"), page=other)["entry"][0]]}
    both = {**FB_ACCOUNTS, other: "page:city-parks"}
    assert [c.account_id for c in comments(normalize_facebook(payload, both, NOW))] == [
        "page:city-of-example", "page:city-parks"]
    with pytest.raises(UnknownAccount, match=other):  # the whole request: nothing is written
        normalize_facebook(payload, FB_ACCOUNTS, NOW)


def test_facebook_bad_shapes_and_an_unusable_item() -> None:
    for bad in ([], {"object": "instagram", "entry": []}, {"object": "page", "entry": {}},
                {"object": "page", "entry": [{"time": 1}]}):
        with pytest.raises(BadPayload):
            normalize_facebook(bad, FB_ACCOUNTS, NOW)
    broken = fb_change("add", "1", "x")
    del broken["value"]["comment_id"]
    batch = normalize_facebook(fb_payload(broken, fb_change("add", "2", "fine")), FB_ACCOUNTS, NOW)
    assert [c.id for c in comments(batch)] == ["facebook:777_2"]
    (invalid,) = [e for e in batch.events if isinstance(e, Invalid)]
    assert "comment_id" in invalid.error and json.loads(invalid.raw) == broken
    # `from` can be missing (app without the permission to see the commenter): still a comment.
    anon = fb_change("add", "3", "who am I")
    del anon["value"]["from"]
    assert comments(normalize_facebook(fb_payload(anon), FB_ACCOUNTS, NOW))[0].author.id == "unknown"


# -- Instagram ---------------------------------------------------------------------------------
IG = "17841400000000001"
IG_ACCOUNTS = {IG: "ig:cityofexample"}


def ig_value(cid: str, text: str, sender: str = "17841455555555555", product: str = "FEED",
             parent: str | None = None) -> dict:
    value = {"from": {"id": sender, "username": "jess.walks"},
             "media": {"id": "18012345678901234", "media_product_type": product},
             "id": cid, "text": text}
    if parent:
        value["parent_id"] = parent
    return value


def test_instagram_both_envelopes_and_live_comments() -> None:
    changes_shape = {"object": "instagram", "entry": [{"id": IG, "time": 1795262282, "changes": [
        {"field": "comments", "value": ig_value("17865799348089039", "Lovely park gates!")},
        {"field": "comments", "value": ig_value("17865799348089040", "agreed", parent="17865799348089039")},
        {"field": "live_comments", "value": ig_value("17865799348089041", "hello live", product="LIVE")},
        {"field": "mentions", "value": {"media_id": "1", "comment_id": "2"}},
        {"field": "comments", "value": ig_value("17865799348089042", "our reply", sender=IG)},
    ]}]}
    field_shape = {"object": "instagram", "entry": [
        {"id": IG, "time": 1795262282000, "field": "comments",
         "value": ig_value("17865799348089043", "field/value shape")}]}
    a = normalize_instagram(changes_shape, IG_ACCOUNTS, NOW)
    b = normalize_instagram(field_shape, IG_ACCOUNTS, NOW)
    got = comments(a) + comments(b)
    assert [c.id for c in got] == ["instagram:17865799348089039", "instagram:17865799348089040",
                                   "instagram:17865799348089041", "instagram:17865799348089043"]
    assert all(c.platform == "instagram" and c.account_id == "ig:cityofexample" for c in got)
    assert got[1].parent_id == "instagram:17865799348089039"
    assert got[0].thread_id == "instagram:18012345678901234" and got[0].author.handle == "jess.walks"
    assert got[0].created_at == got[3].created_at  # seconds and milliseconds both understood
    assert a.ignored == {"field:mentions": 1}
    assert [c.id for c in replies(a)] == ["instagram:17865799348089042"]
    with pytest.raises(UnknownAccount):
        normalize_instagram(changes_shape, {"1": "ig:other"}, NOW)


# -- X -----------------------------------------------------------------------------------------
AGENCY = "2244994945"
MAYOR = "783214"
X_ACCOUNTS = {AGENCY: "x:examplecouncil", MAYOR: "x:examplemayor"}


def tweet(tid: str, text: str, *, reply_to: str | None = AGENCY, user: str = "9998887776",
          start: int = 0, **extra: object) -> dict:
    t: dict = {
        "created_at": "Sat Nov 21 11:58:02 +0000 2026", "id": int(tid), "id_str": tid,
        "text": text, "display_text_range": [start, len(text)], "truncated": False,
        "in_reply_to_status_id": 1, "in_reply_to_status_id_str": "1859000000000000001",
        "in_reply_to_user_id": int(reply_to) if reply_to else None,
        "in_reply_to_user_id_str": reply_to, "in_reply_to_screen_name": "ExampleCouncil",
        "user": {"id": int(user), "id_str": user, "name": "Ravi Patel", "screen_name": "ravi_p",
                 "created_at": "Mon Jan 06 10:00:00 +0000 2020", "followers_count": 120,
                 "default_profile_image": False},
        "lang": "en", "timestamp_ms": "1795262282000"}
    t.update(extra)
    return t


def test_x_replies_to_the_agency_and_what_is_ignored() -> None:
    long_text = "@ExampleCouncil " + "The parking policy is a disgrace. " * 6
    payload = {"for_user_id": AGENCY, "tweet_create_events": [
        tweet("1859000000000000101", "@ExampleCouncil When is the library open &amp; why 5pm?",
              start=16),
        tweet("1859000000000000102", long_text[:140], truncated=True, extended_tweet={
            "full_text": long_text, "display_text_range": [16, len(long_text)]}),
        tweet("1859000000000000103", "Bins collected today", reply_to=None, user=AGENCY),
        tweet("1859000000000000104", "@ExampleCouncil hi", reply_to=None),  # a mention, no reply
        tweet("1859000000000000105", "RT @ExampleCouncil: ...", retweeted_status={"id_str": "1"}),
        tweet("1859000000000000106", "@ExampleMayor @ExampleCouncil both of you", reply_to=MAYOR,
              start=30),
    ], "favorite_events": [{"id": "x"}]}
    batch = normalize_x(payload, X_ACCOUNTS, NOW)
    got = comments(batch)
    assert [c.id for c in got] == ["x:1859000000000000101", "x:1859000000000000102",
                                   "x:1859000000000000106"]
    first, extended, to_mayor = got
    assert first.text == "When is the library open & why 5pm?"  # mentions cut, entities decoded
    assert extended.text == long_text[16:]  # the full text of a long tweet
    assert to_mayor.account_id == "x:examplemayor"  # the account replied to
    assert first.author.handle == "ravi_p" and first.author.followers == 120
    assert first.author.created_at == datetime(2020, 1, 6, 10, 0, tzinfo=UTC)
    assert first.parent_id == "x:1859000000000000001" and first.lang == "en"
    assert first.url == "https://x.com/ravi_p/status/1859000000000000101"
    assert batch.ignored == {"own_post": 1, "not_a_reply_to_agency": 1, "retweet": 1,
                             "event:favorite_events": 1}


def test_the_agencys_own_replies_are_agency_replies_with_their_parent() -> None:
    """Facebook, Instagram and X: what the account itself writes in reply goes to
    comments.agency_replies (AgencyReply), keeping the parent, and is not moderated."""
    fb = normalize_facebook(fb_payload(
        fb_change("add", "905", "Thanks Margaret, the crew is on its way", sender=PAGE,
                  parent="777_901")), FB_ACCOUNTS, NOW)
    (reply,) = replies(fb)
    assert comments(fb) == [] and not fb.ignored
    assert (reply.id, reply.parent_id, reply.thread_id, reply.account_id, reply.author.id) == (
        "facebook:777_905", "facebook:777_901", f"facebook:{PAGE}_777", "page:city-of-example", PAGE)
    # skip_own_comments off: the page's comments are moderated like any other
    moderated = normalize_facebook(fb_payload(fb_change("add", "905", "hi", sender=PAGE)),
                                   FB_ACCOUNTS, NOW, skip_own_comments=False)
    assert [c.id for c in comments(moderated)] == ["facebook:777_905"] and not replies(moderated)

    ig = normalize_instagram({"object": "instagram", "entry": [{"id": IG, "time": 1795262282,
        "field": "comments", "value": ig_value("17865799348089050", "Open 9 to 4", sender=IG,
                                               parent="17865799348089039")}]}, IG_ACCOUNTS, NOW)
    (ig_reply,) = replies(ig)
    assert comments(ig) == []
    assert (ig_reply.parent_id, ig_reply.account_id) == (
        "instagram:17865799348089039", "ig:cityofexample")

    answer = tweet("1859000000000000201", "@ravi_p The library opens at 9 on Saturdays",
                   reply_to="9998887776", user=AGENCY, start=8,
                   in_reply_to_status_id_str="1859000000000000101")
    own_thread = tweet("1859000000000000202", "2/ more on bins", reply_to=AGENCY, user=AGENCY)
    x = normalize_x({"for_user_id": AGENCY, "tweet_create_events": [answer, own_thread]},
                    X_ACCOUNTS, NOW)
    (x_reply,) = replies(x)
    assert comments(x) == [] and x.ignored == {"own_post": 1}  # a thread replying to itself
    assert (x_reply.id, x_reply.parent_id, x_reply.account_id, x_reply.text) == (
        "x:1859000000000000201", "x:1859000000000000101", "x:examplecouncil",
        "The library opens at 9 on Saturdays")
    assert x.events[0].key != CommentEvent(x_reply).key


def test_x_one_copy_per_subscribed_user_has_one_key() -> None:
    reply = tweet("1859000000000000106", "@ExampleMayor @ExampleCouncil both", reply_to=MAYOR)
    a = normalize_x({"for_user_id": AGENCY, "tweet_create_events": [reply]}, X_ACCOUNTS, NOW)
    b = normalize_x({"for_user_id": MAYOR, "tweet_create_events": [reply]}, X_ACCOUNTS, NOW)
    assert a.events[0].key == b.events[0].key


def test_x_deletes_unknown_user_and_bad_payloads() -> None:
    payload = {"for_user_id": AGENCY, "tweet_delete_events": [
        {"status": {"id": "1859000000000000101", "user_id": "9998887776"},
         "timestamp_ms": "1795262999000"}]}
    (state,) = states(normalize_x(payload, X_ACCOUNTS, NOW))
    assert (state.comment_id, state.verb, state.account_id) == (
        "x:1859000000000000101", "remove", "x:examplecouncil")
    with pytest.raises(UnknownAccount):
        normalize_x({"for_user_id": "1", "tweet_create_events": []}, X_ACCOUNTS, NOW)
    with pytest.raises(BadPayload):
        normalize_x({"tweet_create_events": []}, X_ACCOUNTS, NOW)


# -- generic -----------------------------------------------------------------------------------
def test_generic_bare_comment_and_envelopes() -> None:
    bare = {"id": "c-42", "author": {"id": "resident-7", "display_name": "Ann"},
            "text": "The consultation form is broken", "thread_id": "consultation-12",
            "created_at": "2026-11-21T10:00:00Z"}
    (c,) = comments(normalize_generic(bare, "website", "web:city", NOW, "msg_1"))
    assert (c.id, c.platform, c.account_id, c.received_at) == (
        "generic:website:c-42", "generic", "web:city", NOW)
    # Already-prefixed ids are kept; the envelope's verbs map to add / edited / state changes.
    edited = {"type": "comment.updated", "timestamp": "2026-11-21T10:05:00Z",
              "data": dict(bare, id="generic:website:c-42", text="The form works now")}
    batch = normalize_generic(edited, "website", "web:city", NOW, "msg_2")
    assert batch.events[0].verb == "edited" and comments(batch)[0].id == "generic:website:c-42"
    hidden = normalize_generic({"type": "comment.hidden", "data": {"id": "c-42"}}, "website",
                               "web:city", NOW, "msg_3")
    assert [(s.comment_id, s.verb) for s in states(hidden)] == [("generic:website:c-42", "hide")]
    assert normalize_generic({"type": "user.created", "data": {}}, "website", "web:city", NOW,
                             "m").ignored == {"type:user.created": 1}


def test_generic_refusals() -> None:
    ok = {"id": "1", "author": {"id": "a"}, "text": "hi"}
    with pytest.raises(UnknownAccount):
        normalize_generic(dict(ok, account_id="web:someone-else"), "website", "web:city", NOW, "m")
    with pytest.raises(BadPayload, match="platform"):
        normalize_generic(dict(ok, platform="facebook"), "website", "web:city", NOW, "m")
    with pytest.raises(BadPayload, match="author"):
        normalize_generic({"id": "1", "text": "no author"}, "website", "web:city", NOW, "m")
    with pytest.raises(BadPayload, match="schema"):
        normalize_generic(dict(ok, schema="civicmod.comment/9"), "website", "web:city", NOW, "m")


# -- YouTube -----------------------------------------------------------------------------------
CHANNEL = "UCexampleCouncil000000000"


def yt_comment(cid: str, text: str, published: str, updated: str | None = None,
               author: str = "UCresident0000000000000", parent: str | None = None) -> dict:
    snip = {"channelId": CHANNEL, "videoId": "dQw4w9WgXcQ", "textDisplay": text,
            "textOriginal": text, "authorDisplayName": "@AledJones",
            "authorProfileImageUrl": "https://yt3.ggpht.com/x", "authorChannelUrl":
            "http://www.youtube.com/@AledJones", "authorChannelId": {"value": author},
            "canRate": True, "viewerRating": "none", "likeCount": 0,
            "publishedAt": published, "updatedAt": updated or published}
    if parent:
        snip["parentId"] = parent
    return {"kind": "youtube#comment", "etag": "e", "id": cid, "snippet": snip}


def test_youtube_thread_comments_and_edits() -> None:
    thread = {"kind": "youtube#commentThread", "etag": "t", "id": "UgzTop",
              "snippet": {"channelId": CHANNEL, "videoId": "dQw4w9WgXcQ",
                          "topLevelComment": yt_comment("UgzTop", "Open on bank holiday?",
                                                        "2026-11-21T10:00:00Z"),
                          "canReply": True, "totalReplyCount": 1, "isPublic": True},
              "replies": {"comments": [yt_comment("UgzTop.r1", "Yes, 9 to 4 (edited)",
                                                  "2026-11-21T10:10:00Z", "2026-11-21T10:20:00Z",
                                                  author=CHANNEL, parent="UgzTop")]}}
    thread_id, top, replies, total = youtube_thread(thread)
    assert (thread_id, total, len(replies)) == ("UgzTop", 1, 1)
    ev = youtube_comment(top, CHANNEL, "yt:city", thread_id, NOW)
    assert ev is not None and ev.verb == "add"
    c = ev.comment
    assert (c.id, c.thread_id, c.author.id, c.author.handle) == (
        "youtube:UgzTop", "youtube:UgzTop", "UCresident0000000000000", "@AledJones")
    assert c.url == "https://www.youtube.com/watch?v=dQw4w9WgXcQ&lc=UgzTop"
    own = youtube_comment(replies[0], CHANNEL, "yt:city", thread_id, NOW)  # the channel's reply
    assert isinstance(own, AgencyReply) and own.verb == "edited"
    assert (own.comment.parent_id, own.comment.thread_id, own.comment.account_id) == (
        "youtube:UgzTop", "youtube:UgzTop", "yt:city")
    assert own.key != CommentEvent(own.comment, own.verb).key  # its own dedupe key
    moderated = youtube_comment(replies[0], CHANNEL, "yt:city", thread_id, NOW, skip_own=False)
    assert type(moderated) is CommentEvent
    other = yt_comment("UgzTop.r2", "thanks", "2026-11-21T10:10:00Z", "2026-11-21T10:30:00Z",
                       parent="UgzTop")
    edited = youtube_comment(other, CHANNEL, "yt:city", thread_id, NOW)
    assert edited is not None and edited.verb == "edited"
    assert edited.comment.parent_id == "youtube:UgzTop"


def test_invalid_item_keeps_raw_bytes_for_the_dead_letter() -> None:
    item = {"field": "feed", "value": {"item": "comment", "verb": "add", "comment_id": ["no"]}}
    batch = normalize_facebook(fb_payload(item), FB_ACCOUNTS, NOW)
    (inv,) = batch.events
    assert isinstance(inv, Invalid) and inv.platform == "facebook"
    assert json.loads(inv.raw) == item and "comment_id" in inv.error
