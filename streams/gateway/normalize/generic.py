"""Generic sources (Standard Webhooks): a civicmod Comment, bare or in an event envelope.

Bare: the body is a ``civicmod.comment/1`` object (``schema`` and ``platform`` may be left out;
``id`` is the source's own id). Envelope (the Standard Webhooks payload convention)::

    {"type": "comment.created", "timestamp": "2026-11-21T10:00:00Z", "data": {<Comment>}}

types: ``comment.created`` (add), ``comment.updated`` / ``comment.edited`` (a new version),
``comment.deleted`` / ``comment.removed``, ``comment.hidden``, ``comment.unhidden`` (state
changes: ``data`` needs only ``id``). The comment id becomes ``generic:<source>:<id>``; the
account is the source's (a body naming another account gets 404); ``received_at`` is set here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import ValidationError

from civicmod.contract.records import COMMENT_SCHEMA, Comment, CommentState
from streams.gateway.events import (
    BadPayload,
    Batch,
    CommentEvent,
    StateEvent,
    UnknownAccount,
)
from streams.gateway.normalize.common import (
    as_object,
    check_payload,
    describe,
    encodable,
    label,
    native_id,
    optional_id,
    timestamp,
)

TYPES: dict[str, str] = {
    "comment.created": "add", "comment.updated": "edited", "comment.edited": "edited",
    "comment.deleted": "remove", "comment.removed": "remove",
    "comment.hidden": "hide", "comment.unhidden": "unhide",
}


#: Larger integers in a comment (e.g. ``author.followers``) are refused: other readers of the
#: topic (Java, JavaScript) cannot hold them.
MAX_INT = 2**63 - 1


@check_payload
def normalize_generic(payload: Any, source: str, account_id: str, now: datetime,
                      webhook_id: str) -> Batch:
    """One Standard Webhooks body → one comment version or state change (a generic delivery is
    one item, so anything wrong with it is a BadPayload: 400)."""
    body = as_object(payload, "payload")
    if "data" in body and "type" in body:
        kind, data = body["type"], as_object(body["data"], "payload.data")
    else:
        kind, data = "comment.created", body
    batch = Batch()
    verb = TYPES.get(kind) if isinstance(kind, str) else None
    if verb is None:
        batch.ignored[label("type", kind)] += 1
        return batch
    prefix = f"generic:{source}:"
    native = native_id(data.get("id"), "id")
    comment_id = native if native.startswith(prefix) else prefix + native
    account = data.get("account_id") or account_id
    if not isinstance(account, str):
        raise BadPayload("account_id must be a string")
    if account != account_id:
        raise UnknownAccount("generic", account[:100])
    if data.get("schema", COMMENT_SCHEMA) != COMMENT_SCHEMA:
        raise BadPayload(f"schema must be {COMMENT_SCHEMA!r} (or left out)")
    if data.get("platform", "generic") != "generic":
        raise BadPayload("platform must be 'generic' (or left out) on a generic webhook")
    if verb in ("remove", "hide", "unhide"):
        try:
            when = data.get("occurred_at") or body.get("timestamp")
            state = CommentState(
                comment_id=comment_id, platform="generic", account_id=account_id, verb=verb,
                thread_id=data.get("thread_id"), actor_id=data.get("actor_id"),
                occurred_at=timestamp(when, "occurred_at" if data.get("occurred_at") else "timestamp"),
                received_at=now)
        except (ValidationError, ValueError) as exc:
            raise BadPayload(describe(exc)) from None
        event: StateEvent | CommentEvent = StateEvent(state, event_time=webhook_id)
    else:
        fields = {k: v for k, v in data.items() if k not in ("schema", "received_at")}
        fields.update(id=comment_id, platform="generic", account_id=account_id, received_at=now)
        fields["created_at"] = timestamp(data.get("created_at"), "created_at")
        author = data.get("author")
        if isinstance(author, dict) and author.get("created_at") is not None:
            fields["author"] = {**author, "created_at": timestamp(author.get("created_at"),
                                                                  "author.created_at")}
        for name in ("thread_id", "parent_id"):
            fields[name] = optional_id(data.get(name), name)
        try:
            comment = Comment.model_validate(fields)
        except ValidationError as exc:
            raise BadPayload(describe(exc)) from None
        followers = comment.author.followers
        if followers is not None and followers > MAX_INT:
            raise BadPayload("author.followers is out of range")
        event = CommentEvent(comment, verb)  # type: ignore[arg-type]
    encodable(event)
    batch.events.append(event)
    return batch
