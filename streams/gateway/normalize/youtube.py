"""YouTube Data API v3 comment resources (from commentThreads.list / comments.list) → Comments.

A ``youtube#commentThread`` holds ``snippet.topLevelComment`` and up to a few ``replies.comments``;
each ``youtube#comment`` has ``snippet`` {``textOriginal`` (only for the author) / ``textDisplay``,
``authorDisplayName``, ``authorChannelId.value``, ``videoId``, ``parentId`` (replies),
``publishedAt``, ``updatedAt``}. A comment whose ``updatedAt`` differs from ``publishedAt`` was
edited: it is sent as verb ``edited`` (its new text makes it a new version). A comment by the
channel itself is the agency's own reply: an AgencyReply (``comments.agency_replies``, not
moderated). A link through YouTube's redirect (``youtube.com/redirect?q=…``) is replaced in the
text by the destination it carries (normalize/links.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from civicmod.contract.records import Author, Comment
from streams.gateway.events import AgencyReply, BadPayload, CommentEvent
from streams.gateway.normalize.common import as_list, as_object, native_id, optional_id, timestamp
from streams.gateway.normalize.links import unwrap_shims

#: A thread claiming more replies than this is refused (YouTube shows far fewer).
MAX_REPLY_COUNT = 10**9


def youtube_comment(resource: Any, channel_id: str, account_id: str, thread_id: str | None,
                    now: datetime, skip_own: bool = True) -> CommentEvent:
    """One comment resource → a CommentEvent; the channel's own comments (``skip_own``) are
    an AgencyReply."""
    resource = as_object(resource, "comment")
    comment_id = native_id(resource.get("id"), "comment.id")
    snip = as_object(resource.get("snippet"), "comment.snippet")
    author_channel = snip.get("authorChannelId")
    author_id = (optional_id(author_channel.get("value"), "comment.snippet.authorChannelId.value")
                 if isinstance(author_channel, dict) else None)
    text = snip.get("textOriginal") or snip.get("textDisplay") or ""
    if not isinstance(text, str):
        raise BadPayload("comment.snippet.textDisplay must be a string")
    published, updated = snip.get("publishedAt"), snip.get("updatedAt")
    created = timestamp(published, "comment.snippet.publishedAt")
    timestamp(updated, "comment.snippet.updatedAt")  # checked: it decides the verb
    video = optional_id(snip.get("videoId"), "comment.snippet.videoId")
    parent = optional_id(snip.get("parentId"), "comment.snippet.parentId")
    name = snip.get("authorDisplayName")
    if name is not None and not isinstance(name, str):
        raise BadPayload("comment.snippet.authorDisplayName must be a string")
    comment = Comment(
        id=f"youtube:{comment_id}", platform="youtube", account_id=account_id,
        thread_id=f"youtube:{thread_id}" if thread_id else None,
        parent_id=f"youtube:{parent}" if parent else None,
        author=Author(id=author_id or f"name:{name}", handle=name, display_name=name),
        text=unwrap_shims(text), created_at=created, received_at=now,
        url=(f"https://www.youtube.com/watch?v={video}&lc={comment_id}" if video else None),
    )
    verb = "edited" if updated and published and updated != published else "add"
    if skip_own and author_id == channel_id:
        return AgencyReply(comment, verb)
    return CommentEvent(comment, verb)


def youtube_thread(thread: Any) -> tuple[str, Any, list[Any], int]:
    """(thread id, top-level comment resource, included replies, totalReplyCount)."""
    thread = as_object(thread, "commentThread")
    thread_id = native_id(thread.get("id"), "commentThread.id")
    snip = as_object(thread.get("snippet"), "commentThread.snippet")
    top = as_object(snip.get("topLevelComment"), "commentThread.snippet.topLevelComment")
    held = thread.get("replies") or {}
    replies = as_list(as_object(held, "commentThread.replies").get("comments") or [],
                      "commentThread.replies.comments")
    total = snip.get("totalReplyCount") or 0
    if isinstance(total, str) and total.isascii() and total.isdigit() and len(total) <= 10:
        total = int(total)
    if isinstance(total, bool) or not isinstance(total, int) or not 0 <= total <= MAX_REPLY_COUNT:
        raise BadPayload("commentThread.snippet.totalReplyCount must be a count")
    return thread_id, top, list(replies), total


def comment_time(resource: Any) -> datetime | None:
    """The latest of a comment's publishedAt / updatedAt (what a poll cursor compares); None
    when it has neither, or neither is a valid time (the comment itself is then dead-lettered)."""
    snip = resource.get("snippet") if isinstance(resource, dict) else None
    if not isinstance(snip, dict):
        return None
    times = []
    for name in ("publishedAt", "updatedAt"):
        try:
            t = timestamp(snip.get(name), name)
        except ValueError:
            t = None
        if t is not None:
            times.append(t)
    return max(times) if times else None
