"""X Account Activity API: replies to the agency's posts, and deletions.

Payload (one per subscribed user: a reply that mentions two subscribed accounts arrives twice,
once per ``for_user_id``; the dedupe key is the tweet id, so it is written once)::

    {"for_user_id": "<subscribed user id>", "tweet_create_events": [<v1.1 tweet>, ...]}
    {"for_user_id": "...", "tweet_delete_events": [{"status": {"id": "...", "user_id": "..."},
                                                     "timestamp_ms": "..."}]}

A tweet is taken when it replies to one of the agency's accounts (``in_reply_to_user_id_str``);
its account is the one replied to. A reply tweeted by one of the agency's accounts to someone
else's tweet (``in_reply_to_status_id_str``) is the agency's own reply: an AgencyReply on
``comments.agency_replies`` (not moderated), its account the author's, its parent the tweet it
answers. The agency's other tweets (posts, threads replying to itself, retweets), other
people's retweets and tweets (plain mentions, quotes) are ignored, as are the other event types
(likes, follows, DMs). Ids are the
``*_str`` fields (numbers overflow JSON doubles). The leading ``@mentions`` of a reply
(``display_text_range``) are cut from the text, and its ``t.co`` links are replaced by their
``expanded_url`` (``entities.urls`` / ``media``, of ``extended_tweet`` too; normalize/links.py).
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from civicmod.contract.records import Author, Comment, CommentState
from streams.gateway.events import (
    AgencyReply,
    BadPayload,
    Batch,
    CommentEvent,
    StateEvent,
    UnknownAccount,
)
from streams.gateway.normalize.common import (
    MAX_TIME,
    MIN_TIME,
    BadTimestamp,
    as_list,
    as_object,
    check_payload,
    guarded,
    label,
    native_id,
    note,
    optional_id,
    timestamp,
)
from streams.gateway.normalize.links import expand, unwrap_shims, x_url_entities

X_TIME = "%a %b %d %H:%M:%S %z %Y"
_X_TIME = re.compile(r"[A-Z][a-z]{2} [A-Z][a-z]{2} \d{2} \d{2}:\d{2}:\d{2} [+-]\d{4} \d{4}", re.ASCII)
#: Counts above this (2^63 - 1) are not a count: the payload is refused.
MAX_COUNT = 2**63 - 1


def x_time(value: Any, where: str = "created_at") -> datetime | None:
    """``Wed Oct 10 20:19:24 +0000 2018`` (v1.1) → aware UTC datetime, within the same range
    as :func:`~streams.gateway.normalize.common.timestamp`; anything else raises BadTimestamp."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not _X_TIME.fullmatch(value):
        raise BadTimestamp(where, "not an X timestamp (Wed Oct 10 20:19:24 +0000 2018)")
    try:
        moment = datetime.strptime(value, X_TIME)
    except ValueError:
        raise BadTimestamp(where, "not a valid date or time") from None
    if not MIN_TIME <= moment < MAX_TIME:
        raise BadTimestamp(where, "out of range")
    return moment.astimezone(UTC)


def _id_str(obj: dict[str, Any], name: str, where: str) -> str:
    return native_id(obj.get(f"{name}_str") or obj.get(name), f"{where}.{name}_str")


def _count(value: Any, where: str) -> Any:
    if isinstance(value, int) and not isinstance(value, bool) and not 0 <= value <= MAX_COUNT:
        raise BadPayload(f"{where} is out of range")
    return value  # other types: the Comment schema decides


@check_payload
def normalize_x(payload: Any, accounts: Mapping[str, str], now: datetime) -> Batch:
    body = as_object(payload, "payload")
    for_user = native_id(body.get("for_user_id"), "payload.for_user_id")
    if for_user not in accounts:
        raise UnknownAccount("x", for_user)
    batch = Batch()
    for name, value in body.items():
        if name == "tweet_create_events":
            for tweet in as_list(value, name):
                guarded(batch, "x", tweet, _tweet, batch, tweet, accounts, now)
        elif name == "tweet_delete_events":
            for event in as_list(value, name):
                guarded(batch, "x", event, _delete, batch, event, accounts[for_user], now)
        elif isinstance(value, list):
            batch.ignored[label("event", name)] += len(value)
    return batch


def _tweet(batch: Batch, tweet: Any, accounts: Mapping[str, str], now: datetime) -> None:
    tweet = as_object(tweet, "tweet")
    user = as_object(tweet.get("user"), "tweet.user")
    user_id = _id_str(user, "id", "tweet.user")
    reply_to = optional_id(tweet.get("in_reply_to_user_id_str"), "tweet.in_reply_to_user_id_str")
    parent = optional_id(tweet.get("in_reply_to_status_id_str"), "tweet.in_reply_to_status_id_str")
    if user_id in accounts:
        if "retweeted_status" in tweet or not parent or not reply_to or reply_to in accounts:
            batch.ignored["own_post"] += 1
            return
        account = accounts[user_id]  # the agency answering someone
    elif "retweeted_status" in tweet:
        batch.ignored["retweet"] += 1
        return
    elif not reply_to or reply_to not in accounts:
        batch.ignored["not_a_reply_to_agency"] += 1
        return
    else:
        account = accounts[reply_to]
    tweet_id = _id_str(tweet, "id", "tweet")
    source = tweet
    if tweet.get("truncated") and isinstance(tweet.get("extended_tweet"), dict):
        source = tweet["extended_tweet"]
    text = source.get("full_text") or source.get("text") or ""
    if not isinstance(text, str):
        raise BadPayload("tweet.text must be a string")
    span = source.get("display_text_range")
    if isinstance(span, list) and span and isinstance(span[0], int):
        text = text[span[0]:]  # drop the leading reply @mentions
    # t.co links → their destinations (entities.urls / media; not by indices: they count code
    # points and may be off); an unusable entity leaves its t.co link as it was, counted.
    wrapped, bad = x_url_entities((source, tweet) if source is not tweet else (tweet,))
    note(batch, "link_unresolved", bad)
    handle = user.get("screen_name")
    if handle is not None and not isinstance(handle, str):
        raise BadPayload("tweet.user.screen_name must be a string")
    lang = tweet.get("lang")
    comment = Comment(
        id=f"x:{tweet_id}", platform="x", account_id=account,
        thread_id=f"x:{parent}" if parent else None,
        parent_id=f"x:{parent}" if parent else None,
        author=Author(id=user_id, handle=handle, display_name=user.get("name"),
                      created_at=x_time(user.get("created_at"), "tweet.user.created_at"),
                      followers=_count(user.get("followers_count"), "tweet.user.followers_count"),
                      default_avatar=user.get("default_profile_image")),
        text=unwrap_shims(expand(html.unescape(text), wrapped)),
        lang=lang if lang and lang != "und" else None,
        created_at=(x_time(tweet.get("created_at"), "tweet.created_at")
                    or timestamp(tweet.get("timestamp_ms"), "tweet.timestamp_ms")),
        received_at=now,
        url=f"https://x.com/{handle}/status/{tweet_id}" if handle else None,
    )
    own = user_id in accounts
    batch.events.append(AgencyReply(comment, "add") if own else CommentEvent(comment, "add"))


def _delete(batch: Batch, event: Any, account: str, now: datetime) -> None:
    event = as_object(event, "tweet_delete_event")
    status = as_object(event.get("status"), "tweet_delete_event.status")
    tweet_id = _id_str(status, "id", "status")
    user_id = optional_id(status.get("user_id_str") or status.get("user_id"), "status.user_id_str")
    when = event.get("timestamp_ms")
    occurred = timestamp(when, "tweet_delete_event.timestamp_ms")
    state = CommentState(comment_id=f"x:{tweet_id}", platform="x", account_id=account,
                         verb="remove", actor_id=user_id, occurred_at=occurred, received_at=now)
    batch.events.append(StateEvent(state, event_time=str(when or "")))
