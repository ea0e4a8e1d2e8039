"""Meta webhooks: Facebook Page ``feed`` comments and Instagram ``comments`` / ``live_comments``.

Facebook (``object: page``)::

    {"object": "page", "entry": [{"id": "<page id>", "time": 1700000000, "changes": [
      {"field": "feed", "value": {"item": "comment", "verb": "add", "comment_id": "<post>_<c>",
       "post_id": "<page>_<post>", "parent_id": "<page>_<post>", "message": "...",
       "from": {"id": "...", "name": "..."}, "created_time": 1700000000}}]}]}

verbs: ``add`` and ``edited`` carry the text (a comment version to moderate); ``remove``,
``hide`` and ``unhide`` are state changes. Other items (reactions, posts, likes) are ignored.
A comment by the page itself (``from.id`` = the page id) is the agency's own reply: with
``skip_own_comments`` (the default) it goes to ``comments.agency_replies`` (an AgencyReply, with
its parent and thread) and is not moderated; without, it is moderated like any comment. The same
holds for Instagram comments by the Instagram account itself.

Instagram (``object: instagram``), two envelope shapes: ``entry[].changes[]`` like Facebook, and
``entry[]`` holding ``field`` / ``value`` directly; value ``{"id", "text", "from": {"id",
"username"}, "media": {"id", "media_product_type"}, "parent_id"}``. Instagram sends new comments
only (no edit or delete events).

Links pasted through Meta's redirect shims (``l.facebook.com/l.php?u=…``, ``lm.facebook.com``,
``l.instagram.com/?u=…``) are replaced in the text by the destination they carry
(normalize/links.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
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
    as_list,
    as_object,
    check_payload,
    guarded,
    label,
    native_id,
    optional_id,
    timestamp,
)
from streams.gateway.normalize.links import unwrap_shims

FB_COMMENT_VERBS = {"add", "edited"}
FB_STATE_VERBS = {"remove", "hide", "unhide"}
IG_FIELDS = {"comments", "live_comments"}


def _entries(payload: Any, expected_object: str) -> list[Any]:
    body = as_object(payload, "payload")
    if body.get("object") != expected_object:
        raise BadPayload(f"payload.object must be {expected_object!r}")
    return as_list(body.get("entry"), "payload.entry")


def _account(platform: str, entry: Any, index: int, accounts: Mapping[str, str]) -> tuple[str, str]:
    entry = as_object(entry, f"entry[{index}]")
    owner = native_id(entry.get("id"), f"entry[{index}].id")
    account = accounts.get(owner)
    if account is None:
        raise UnknownAccount(platform, owner)
    return owner, account


@check_payload
def normalize_facebook(payload: Any, accounts: Mapping[str, str], now: datetime,
                       skip_own_comments: bool = True) -> Batch:
    """A Page webhook → comment versions and state changes, for the pages in ``accounts``."""
    entries = _entries(payload, "page")
    owners = [_account("facebook", e, i, accounts) for i, e in enumerate(entries)]  # 404 first
    batch = Batch()
    for i, (entry, (page_id, account)) in enumerate(zip(entries, owners, strict=True)):
        changes = as_list(entry.get("changes", []), f"entry[{i}].changes")
        for change in changes:
            guarded(batch, "facebook", change, _fb_change,
                    batch, change, page_id, account, entry.get("time"), now, skip_own_comments)
    return batch


def _fb_change(batch: Batch, change: Any, page_id: str, account: str, entry_time: Any,
               now: datetime, skip_own: bool) -> None:
    change = as_object(change, "change")
    if change.get("field") != "feed":
        batch.ignored[label("field", change.get("field"))] += 1
        return
    value = as_object(change.get("value"), "change.value")
    if value.get("item") != "comment":
        batch.ignored[label("item", value.get("item"))] += 1
        return
    verb = value.get("verb")
    if not isinstance(verb, str):
        verb = None  # ignored below, as an unknown verb
    comment_id = native_id(value.get("comment_id"), "value.comment_id")
    post_id = optional_id(value.get("post_id"), "value.post_id")
    thread_id = f"facebook:{post_id}" if post_id else None
    sender = value.get("from") or {}
    if verb in FB_STATE_VERBS:
        actor = optional_id(sender.get("id"), "value.from.id") if isinstance(sender, dict) else None
        occurred = timestamp(entry_time, "entry.time")
        state = CommentState(
            comment_id=f"facebook:{comment_id}", platform="facebook", account_id=account,
            verb=verb, thread_id=thread_id, actor_id=actor, occurred_at=occurred, received_at=now)
        batch.events.append(StateEvent(state, event_time=str(entry_time or "")))
        return
    if verb not in FB_COMMENT_VERBS:
        batch.ignored[label("verb", verb)] += 1
        return
    sender = as_object(sender, "value.from")
    # Meta leaves `from` out when the app may not see the commenter; the comment still counts.
    author_id = optional_id(sender.get("id"), "value.from.id") or "unknown"
    parent = optional_id(value.get("parent_id"), "value.parent_id")
    post = value.get("post") if isinstance(value.get("post"), dict) else {}
    message = value.get("message") or ""
    if not isinstance(message, str):
        raise BadPayload("value.message must be a string")
    comment = Comment(
        id=f"facebook:{comment_id}", platform="facebook", account_id=account,
        thread_id=thread_id,
        parent_id=f"facebook:{parent}" if parent and parent != post_id else None,
        author=Author(id=author_id, display_name=sender.get("name")),
        text=unwrap_shims(message),
        created_at=timestamp(value.get("created_time"), "value.created_time"),
        received_at=now,
        url=post.get("permalink_url") if isinstance(post.get("permalink_url"), str) else None,
    )
    own = skip_own and author_id == page_id
    batch.events.append(AgencyReply(comment, verb) if own else CommentEvent(comment, verb))


@check_payload
def normalize_instagram(payload: Any, accounts: Mapping[str, str], now: datetime,
                        skip_own_comments: bool = True) -> Batch:
    """An Instagram webhook (either envelope shape) → comments for the accounts configured."""
    entries = _entries(payload, "instagram")
    owners = [_account("instagram", e, i, accounts) for i, e in enumerate(entries)]
    batch = Batch()
    for i, (entry, (ig_id, account)) in enumerate(zip(entries, owners, strict=True)):
        if "changes" in entry:
            changes = as_list(entry["changes"], f"entry[{i}].changes")
        elif "field" in entry:
            changes = [{"field": entry["field"], "value": entry.get("value")}]
        else:
            changes = []
        for change in changes:
            guarded(batch, "instagram", change, _ig_change,
                    batch, change, ig_id, account, entry.get("time"), now, skip_own_comments)
    return batch


def _ig_change(batch: Batch, change: Any, ig_id: str, account: str, entry_time: Any,
               now: datetime, skip_own: bool) -> None:
    change = as_object(change, "change")
    field = change.get("field")
    if not isinstance(field, str) or field not in IG_FIELDS:
        batch.ignored[label("field", field)] += 1
        return
    value = as_object(change.get("value"), "change.value")
    comment_id = native_id(value.get("id"), "value.id")
    sender = as_object(value.get("from"), "value.from")
    author_id = native_id(sender.get("id"), "value.from.id")
    media = value.get("media") if isinstance(value.get("media"), dict) else {}
    media_id = optional_id(media.get("id"), "value.media.id")
    text = value.get("text") or ""
    if not isinstance(text, str):
        raise BadPayload("value.text must be a string")
    parent = optional_id(value.get("parent_id"), "value.parent_id")
    comment = Comment(
        id=f"instagram:{comment_id}", platform="instagram", account_id=account,
        thread_id=f"instagram:{media_id}" if media_id else None,
        parent_id=f"instagram:{parent}" if parent else None,
        author=Author(id=author_id, handle=sender.get("username")),
        text=unwrap_shims(text), created_at=timestamp(entry_time, "entry.time"), received_at=now,
    )
    own = skip_own and author_id == ig_id
    batch.events.append(AgencyReply(comment, "add") if own else CommentEvent(comment, "add"))
