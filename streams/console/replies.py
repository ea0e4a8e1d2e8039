"""The "needs a reply" queue: citizens' questions and problem reports waiting for the agency.

A verdict tagged with one of ``NEEDS_REPLY_TAGS`` whose comment stays visible (published, or
escalated without a hold) becomes a reply item, one per comment id (a redelivered or edited
verdict changes nothing). The agency's own replies (``comments.agency_replies``: comments by the
page itself) answer it: a reply whose ``parent_id`` (or ``thread_id``) is the question's comment
id closes it as ``answered`` and records the first response time. Replies are kept for
``console.replies.keep_replies_days`` in ``agency_replies``, so one read before its question
(the topics are read in parallel) still closes the question when it arrives.

Comms staff (role ``comms``; leads and admins too) may close an item as ``no_reply_needed``
with a reason: authorised at the item's organisation and account, audited like a decision. A
comment hidden by a moderator or removed on the platform leaves the queue (``hidden`` /
``removed``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from civicmod.contract.console_settings import ConsoleSettings
from civicmod.contract.records import NEEDS_REPLY_TAGS, Comment, Verdict
from streams.console import audit
from streams.console.db import Database, aware, now
from streams.console.models import AgencyReply, ReplyItem
from streams.console.permissions import REPLY_ROLES, Forbidden, Principal, Scope, scope_filter

#: Look-ups by comment id go in chunks of this many (bound parameters per statement).
CHUNK = 500
#: A reply item's text is cut to this many characters.
TEXT_CHARS = 5000
STATES = ("open", "answered", "no_reply_needed", "hidden", "removed")
#: What a platform state change does to an open reply item.
PLATFORM_CLOSES = {"remove": "removed", "hide": "hidden"}

_LENGTHS: dict[str, int | None] = {c.name: getattr(c.type, "length", None)
                                   for c in ReplyItem.__table__.c}
_REPLY_LENGTHS: dict[str, int | None] = {c.name: getattr(c.type, "length", None)
                                         for c in AgencyReply.__table__.c}


class NotFound(LookupError):
    pass


class AlreadyClosed(Exception):
    """The item was answered or closed meanwhile (→ 409)."""

    def __init__(self, state: str) -> None:
        super().__init__(f"already {state.replace('_', ' ')}")
        self.state = state


def _naive(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def _clean(value: str | None, limit: int | None = None) -> str | None:
    if value is None:
        return None
    value = value.replace("\x00", "\ufffd")
    return value[:limit] if limit else value


def reply_tags(verdict: Verdict) -> list[str]:
    """The verdict's tags that ask for a reply (sorted; empty: none)."""
    return sorted(set(verdict.tags) & NEEDS_REPLY_TAGS)


def asked_at(c: Comment, fallback: datetime) -> datetime:
    """When the citizen asked: the platform's ``created_at``, never after civicmod received it
    (a platform clock ahead of ours does not shorten the wait), else when it arrived. The reply
    item's ``received_at`` holds this: its wait and first response count from it."""
    times = [t for t in (c.created_at, c.received_at) if t is not None]
    return min(times) if times else fallback


def reply_values(verdict: Verdict, settings: ConsoleSettings, stamp: datetime) -> dict[str, Any] | None:
    """The reply item's columns for a verdict (None: no question, hidden, or an id too long)."""
    tags = reply_tags(verdict)
    if not tags or verdict.outcome == "hide":
        return None
    if verdict.outcome == "escalate" and verdict.escalation is not None and verdict.escalation.hold:
        return None  # held (hidden) until a moderator decides: not for the public reply yet
    c = verdict.comment
    if len(c.id) > (_LENGTHS["comment_id"] or 0) or len(c.account_id) > (_LENGTHS["account_id"] or 0) \
            or len(c.author.id) > (_LENGTHS["author_id"] or 0):
        return None
    return {"comment_id": _clean(c.id), "platform": c.platform, "account_id": _clean(c.account_id),
            "organisation": settings.owner_of(c.account_id), "tags": tags,
            "text": _clean(c.text, TEXT_CHARS), "author_id": _clean(c.author.id),
            "author_handle": _clean(c.author.handle or c.author.display_name, _LENGTHS["author_handle"]),
            "thread_id": _clean(c.thread_id, _LENGTHS["thread_id"]), "url": _clean(c.url),
            "received_at": _naive(asked_at(c, verdict.decided_at)), "ingested_at": stamp,
            "state": "open"}


def agency_reply_values(comment: Comment) -> dict[str, Any] | None:
    """An agency reply's row (None: it answers nothing, or an id too long to match)."""
    if not comment.parent_id and not comment.thread_id:
        return None
    for name in ("id", "parent_id", "thread_id"):
        value = getattr(comment, name)
        if value is not None and len(value) > (_REPLY_LENGTHS["reply_id"] or 0):
            return None
    if len(comment.account_id) > (_REPLY_LENGTHS["account_id"] or 0):
        return None
    at = comment.created_at or comment.received_at or datetime.now(UTC)
    return {"reply_id": _clean(comment.id), "account_id": _clean(comment.account_id),
            "parent_id": _clean(comment.parent_id), "thread_id": _clean(comment.thread_id),
            "at": _naive(at)}


def _chunks(values: list[Any], size: int = CHUNK) -> Iterable[list[Any]]:
    for i in range(0, len(values), size):
        yield values[i:i + size]


def _insert_ignore(session: Session, model: type, rows: list[dict[str, Any]], key: str) -> None:
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    session.execute(dialect_insert(model).on_conflict_do_nothing(index_elements=[key]), rows)


def _answer(session: Session, question: ReplyItem | dict[str, Any], reply: AgencyReply | dict[str, Any]
            ) -> bool:
    """Close one open question as answered by ``reply`` (a conditional UPDATE: once)."""
    def get(obj: Any, name: str) -> Any:
        return obj[name] if isinstance(obj, dict) else getattr(obj, name)

    at, received = get(reply, "at"), get(question, "received_at")
    done = session.execute(update(ReplyItem).where(
        ReplyItem.comment_id == get(question, "comment_id"), ReplyItem.state == "open").values(
        state="answered", reply_id=get(reply, "reply_id"), answered_at=at,
        first_response_s=max(0.0, (at - received).total_seconds()))).rowcount
    return bool(done)


def apply_reply_items(session: Session, rows: Sequence[dict[str, Any]]) -> tuple[list[str], list[str]]:
    """Store new questions (a comment already here changes nothing); one whose agency reply came
    first is answered at once. Returns (new open comment ids, answered comment ids)."""
    latest = {r["comment_id"]: r for r in rows}
    if not latest:
        return [], []
    known: set[str] = set()
    for chunk in _chunks(list(latest)):
        known.update(session.scalars(select(ReplyItem.comment_id).where(ReplyItem.comment_id.in_(chunk))))
    new = [r for cid, r in latest.items() if cid not in known]
    if not new:
        return [], []
    _insert_ignore(session, ReplyItem, new, "comment_id")
    answered: list[str] = []
    by_id = {r["comment_id"]: r for r in new}
    for chunk in _chunks(list(by_id)):
        replies = session.scalars(select(AgencyReply).where(
            or_(AgencyReply.parent_id.in_(chunk), AgencyReply.thread_id.in_(chunk)))
            .order_by(AgencyReply.at))
        for reply in replies:
            question = by_id.get(reply.parent_id or "") or by_id.get(reply.thread_id or "")
            if question is not None and question["account_id"] == reply.account_id \
                    and question["comment_id"] not in answered and _answer(session, question, reply):
                answered.append(question["comment_id"])
    return [cid for cid in by_id if cid not in answered], answered


def apply_agency_replies(session: Session, rows: Sequence[dict[str, Any]]) -> list[str]:
    """Keep the agency's replies and close the open questions they answer (the earliest reply
    wins: it is the first response). Returns the comment ids answered."""
    latest = {r["reply_id"]: r for r in rows}
    if not latest:
        return []
    _insert_ignore(session, AgencyReply, list(latest.values()), "reply_id")
    answered: list[str] = []
    for reply in sorted(latest.values(), key=lambda r: r["at"]):
        targets = [t for t in (reply["parent_id"], reply["thread_id"]) if t]
        for question in session.scalars(select(ReplyItem).where(
                ReplyItem.comment_id.in_(targets), ReplyItem.account_id == reply["account_id"],
                ReplyItem.state == "open")):
            if _answer(session, question, reply):
                answered.append(question.comment_id)
    return answered


def close_on_platform(session: Session, comment_id: str, state: str) -> bool:
    """A hidden or removed comment leaves the queue (``hidden`` / ``removed``)."""
    return bool(session.execute(update(ReplyItem).where(
        ReplyItem.comment_id == comment_id, ReplyItem.state == "open").values(state=state)).rowcount)


def visible(principal: Principal, roles: set[str] | None = None) -> Any:
    """A SQL condition: the reply items this principal may see by its grants of ``roles``
    (default: comms, lead, admin)."""
    return scope_filter(principal, REPLY_ROLES if roles is None else roles,
                        ReplyItem.organisation, ReplyItem.account_id)


def may_see_replies(principal: Principal) -> bool:
    return any(g.role in REPLY_ROLES for g in principal.grants)


def scope_of(item: ReplyItem) -> Scope:
    return Scope(organisation=item.organisation, account_id=item.account_id)


class Replies:
    """The reply queue over one database: list, count, close without a reply."""

    def __init__(self, db: Database, settings: ConsoleSettings) -> None:
        self.db = db
        self.settings = settings

    def row(self, r: ReplyItem, t: datetime, names: dict[int, str] | None = None) -> dict[str, Any]:
        target = self.settings.reply_target_s(r.organisation)
        end = r.answered_at or r.closed_at or t
        waited = max(0.0, (end - r.received_at).total_seconds())
        link = r.url or self._link(r.platform, r.comment_id)
        out: dict[str, Any] = {
            "id": r.id, "comment_id": r.comment_id, "platform": r.platform, "account_id": r.account_id,
            "organisation": r.organisation, "tags": list(r.tags or []), "text": r.text,
            "author": r.author_handle or r.author_id, "url": link, "received_at": aware(r.received_at),
            "state": r.state, "age_s": waited, "target_s": target,
            "overdue": r.state == "open" and waited > target}
        if r.state == "answered":
            out |= {"reply_id": r.reply_id, "answered_at": aware(r.answered_at),
                    "first_response_s": r.first_response_s}
        if r.state == "no_reply_needed":
            out |= {"closed_by": (names or {}).get(r.closed_by or 0), "closed_at": aware(r.closed_at),
                    "close_reason": r.close_reason, "close_note": r.close_note}
        return out

    def _link(self, platform: str, comment_id: str) -> str | None:
        pattern = self.settings.platform_links.get(platform)
        return pattern.format(id=comment_id.split(":", 1)[-1]) if pattern else None

    def _require_any(self, principal: Principal) -> None:
        if not may_see_replies(principal):
            raise Forbidden("reply_view", Scope())

    def list(self, principal: Principal, state: str = "open", account_id: str | None = None,
             limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
        """Open items oldest first (closed ones newest first), in the principal's scopes."""
        self._require_any(principal)
        t = now()
        with self.db.read() as s:
            stmt = select(ReplyItem).where(visible(principal))
            if state != "any":
                stmt = stmt.where(ReplyItem.state == state)
            if account_id:
                stmt = stmt.where(ReplyItem.account_id == account_id)
            order = (ReplyItem.received_at, ReplyItem.id) if state == "open" else (
                ReplyItem.received_at.desc(), ReplyItem.id.desc())
            rows = list(s.scalars(stmt.order_by(*order).limit(limit).offset(offset)))
            from streams.console.models import User

            ids = {r.closed_by for r in rows if r.closed_by}
            names = dict(s.execute(select(User.id, User.username)
                                   .where(User.id.in_(ids))).all()) if ids else {}
            return [self.row(r, t, names) for r in rows]

    def summary(self, principal: Principal) -> dict[str, Any]:
        """Open items per account (count, oldest age, overdue) and the answered share, in scope."""
        self._require_any(principal)
        t = now()
        out: dict[str, Any] = {"open": 0, "overdue": 0, "accounts": []}
        with self.db.read() as s:
            rows = s.execute(select(ReplyItem.organisation, ReplyItem.account_id, ReplyItem.platform,
                                    func.count(), func.min(ReplyItem.received_at))
                             .where(visible(principal), ReplyItem.state == "open")
                             .group_by(ReplyItem.organisation, ReplyItem.account_id, ReplyItem.platform)
                             ).all()
            for org, account, platform, count, oldest in rows:
                target = self.settings.reply_target_s(org)
                overdue = s.scalar(select(func.count()).where(
                    ReplyItem.account_id == account, ReplyItem.state == "open",
                    ReplyItem.received_at < t - timedelta(seconds=target))) or 0
                out["accounts"].append({"organisation": org, "account_id": account, "platform": platform,
                                        "open": count, "overdue": overdue, "target_s": target,
                                        "oldest_age_s": (t - oldest).total_seconds()})
                out["open"] += count
                out["overdue"] += overdue
        out["accounts"].sort(key=lambda a: (-a["overdue"], -a["open"], a["account_id"]))
        return out

    def close(self, principal: Principal, item_id: int, reason: str, note: str | None) -> ReplyItem:
        """Mark an open item "no reply needed" (comms, lead, admin at its scope; audited)."""
        codes = {r.code for r in self.settings.replies.no_reply_reasons}
        if reason not in codes:
            raise ValueError(f"unknown reason {reason!r}; one of {', '.join(sorted(codes))}")
        note = (note or "").strip() or None
        if reason == "other" and not note:
            raise ValueError("reason 'other' needs a note")
        if note is not None and len(note) > 2000:
            raise ValueError("the note is longer than 2,000 characters")
        with self.db.tx() as s:
            item = s.get(ReplyItem, item_id)
            if item is None or not principal.can("reply_view", scope_of(item)):
                raise NotFound(f"reply item {item_id} not found")
            if not principal.can("reply_close", scope_of(item)):
                raise Forbidden("reply_close", scope_of(item))
            t = now()
            done = s.execute(update(ReplyItem).where(ReplyItem.id == item_id, ReplyItem.state == "open")
                             .values(state="no_reply_needed", closed_by=principal.user_id, closed_at=t,
                                     close_reason=reason, close_note=note)).rowcount
            if not done:
                s.refresh(item)
                raise AlreadyClosed(item.state)
            s.refresh(item)
            audit.record(s, "reply.no_reply_needed", principal.username, organisation=item.organisation,
                         account_id=item.account_id, comment_id=item.comment_id,
                         details={"reply_item": item.id, "reason": reason, "has_note": bool(note),
                                  "role": sorted(principal.roles_at(scope_of(item)) & REPLY_ROLES)})
            return item
