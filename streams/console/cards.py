"""What the API shows of an item: the list row, and the whole card a moderator decides from
(thread context, each fired rule with its matched spans, model and scores, policy version, the
author's recent history and strikes, appeals, holds, a link to the platform, and what the actuator
carried out on the platform)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from civicmod.contract.console_settings import ConsoleSettings
from streams.console.db import aware, now
from streams.console.models import (
    Appeal,
    AuthorRestriction,
    ContextComment,
    DecisionRow,
    Item,
    LegalHold,
    PlatformAction,
    User,
)
from streams.console.permissions import Principal
from streams.console.review import holds_on, visible

REMOVALS = ("hide", "delete", "restrict_author")
#: Look-ups by comment id go in chunks of this many (bound parameters per statement).
CHUNK = 500
#: An action's kind as a verb ("hide failed"), and what was done ("hidden on the platform").
_VERBS = {"hide": "hide", "unhide": "unhide", "delete": "delete",
          "restrict_author": "restrict the author"}
_DONE = {"hide": "hidden on the platform", "unhide": "visible again on the platform",
         "delete": "deleted on the platform", "restrict_author": "author restricted on the platform"}
#: How much of a platform's error message the one-line summary keeps.
SUMMARY_ERROR_CHARS = 80


def _name(s: Session, user_id: int | None, cache: dict[int, str]) -> str | None:
    if user_id is None:
        return None
    if user_id not in cache:
        cache[user_id] = s.scalar(select(User.username).where(User.id == user_id)) or "?"
    return cache[user_id]


def _phrase(a: PlatformAction) -> str:
    """One action in a few words: "hidden on the platform", "hide failed: token expired (190)"."""
    if a.status == "done":
        return _DONE.get(a.kind, f"{a.kind} done")
    verb = _VERBS.get(a.kind, a.kind)
    if a.status == "dry_run":
        return f"dry run: would {verb}"
    error = a.error or ""
    if len(error) > SUMMARY_ERROR_CHARS:
        error = error[:SUMMARY_ERROR_CHARS - 1].rstrip() + "…"
    why = (f": {error}" if error else "") + (f" ({a.error_code})" if a.error_code else "")
    return f"{verb} {a.status}{why}"


def platform_status(actions: Sequence[PlatformAction]) -> tuple[str | None, bool]:
    """A short summary of a comment's platform actions (``actions`` newest first): the newest
    action on the comment, and the newest on its author if any; and whether it reports a problem
    (failed or skipped: the platform does not show what was decided)."""
    newest = [next((a for a in actions if (a.kind == "restrict_author") == author), None)
              for author in (False, True)]
    shown = [a for a in newest if a is not None]
    if not shown:
        return None, False
    return "; ".join(_phrase(a) for a in shown), any(a.status in ("failed", "skipped") for a in shown)


def _newest_first(s: Session, comment_ids: Iterable[str]) -> dict[str, list[PlatformAction]]:
    """The platform actions of these comments, newest first (one query per ``CHUNK`` ids)."""
    ids = list(dict.fromkeys(comment_ids))
    out: dict[str, list[PlatformAction]] = {}
    for i in range(0, len(ids), CHUNK):
        for a in s.scalars(select(PlatformAction).where(PlatformAction.comment_id.in_(ids[i:i + CHUNK]))
                           .order_by(PlatformAction.at.desc(), PlatformAction.action_id.desc())):
            out.setdefault(a.comment_id, []).append(a)
    return out


def platform_statuses(s: Session, comment_ids: Iterable[str]) -> dict[str, tuple[str | None, bool]]:
    """:func:`platform_status` for many comments at once (for a page of rows)."""
    return {cid: platform_status(actions) for cid, actions in _newest_first(s, comment_ids).items()}


def row(item: Item, settings: ConsoleSettings, names: dict[int, str] | None = None,
        s: Session | None = None,
        statuses: Mapping[str, tuple[str | None, bool]] | None = None) -> dict[str, Any]:
    """One line of a queue; ``statuses``: :func:`platform_statuses` of the page's comments."""
    t = now()
    age = (t - item.received_at).total_seconds()
    sla = settings.queue(item.queue).sla_minutes * 60
    claimed = item.claimed_by is not None and item.lease_until is not None and item.lease_until >= t
    names = names if names is not None else {}
    status = (statuses or {}).get(item.comment_id, (None, False))
    return {
        "id": item.id, "comment_id": item.comment_id, "platform": item.platform,
        "account_id": item.account_id, "organisation": item.organisation, "queue": item.queue,
        "priority": item.priority, "held": item.held, "state": item.state,
        "text": item.text[:280], "author": item.author_handle or item.author_id,
        "received_at": aware(item.received_at), "age_s": age, "sla_s": sla, "overdue": age > sla
        and item.state == "open",
        "claimed_by": _name(s, item.claimed_by, names) if claimed and s is not None else None,
        "lease_until": aware(item.lease_until) if claimed else None,
        "decision": item.decision, "platform_state": item.platform_state,
        "platform_status": status[0], "platform_warning": status[1],
        "labels": sorted({r.get("label", "") for r in item.verdict.get("reasons", [])} - {""})[:6],
    }


def platform_link(item: Item, settings: ConsoleSettings) -> str | None:
    """The comment on its platform: the URL it came with (http or https only: a ``javascript:``
    URL from a webhook must never become a link), else the platform's link template."""
    if item.url and urlsplit(item.url.strip()).scheme.lower() in ("http", "https"):
        return item.url.strip()
    template = settings.platform_links.get(item.platform)
    native = item.comment_id.split(":", 1)[-1]
    return template.format(id=native) if template else None


def card(s: Session, item: Item, settings: ConsoleSettings,
         principal: Principal | None = None) -> dict[str, Any]:
    """Everything about one item. The parent comment, the author's history and strikes come
    from what ``principal`` may see (without one: the item's own account), never from another
    organisation's accounts."""
    names: dict[int, str] = {}
    seen = visible(principal) if principal is not None else Item.account_id == item.account_id
    v = item.verdict
    reasons = []
    for r in v.get("reasons", []):
        spans = [(a, b) for a, b in (r.get("spans") or []) if 0 <= a < b <= len(item.text)]
        reasons.append({**r, "spans": spans})
    parent = None
    if item.parent_id:
        p = s.scalar(select(Item).where(Item.comment_id == item.parent_id, Item.account_id == item.account_id,
                                        seen).order_by(Item.id.desc()).limit(1))
        if p is not None:
            parent = {"comment_id": item.parent_id, "text": p.text, "author": p.author_handle or p.author_id}
        else:  # published without review: kept as thread context for a while
            ctx = s.scalar(select(ContextComment).where(ContextComment.comment_id == item.parent_id,
                                                        ContextComment.account_id == item.account_id))
            parent = {"comment_id": item.parent_id, "text": ctx.text if ctx else None,
                      "author": ctx.author if ctx else None}
    history_rows = list(s.scalars(
        select(Item).where(Item.platform == item.platform, Item.author_id == item.author_id,
                           Item.id != item.id, seen)
        .order_by(Item.received_at.desc(), Item.id.desc()).limit(settings.author_history)))
    # a strike per comment (its versions count once) that was hidden: by a moderator, or by the
    # pipeline with no moderator's decision since
    strikes = s.scalar(select(func.count(func.distinct(Item.comment_id))).where(
        Item.platform == item.platform, Item.author_id == item.author_id, seen,
        or_(Item.decision.in_(REMOVALS), (Item.source == "hide") & (Item.decision.is_(None))))) or 0
    restricted = s.scalar(select(func.count()).select_from(AuthorRestriction).where(
        AuthorRestriction.platform == item.platform, AuthorRestriction.author_id == item.author_id,
        AuthorRestriction.lifted_at.is_(None))) or 0
    decisions = [{"id": d.id, "action": d.action, "reason_code": d.reason_code, "note": d.note,
                  "by": _name(s, d.user_id, names), "role": d.role, "at": aware(d.decided_at),
                  "undoes": d.undoes, "undone_by": d.undone_by}
                 for d in s.scalars(select(DecisionRow).where(DecisionRow.item_id == item.id)
                                    .order_by(DecisionRow.decided_at))]
    appeals = [{"id": a.id, "channel": a.channel, "statement": a.statement, "created_at": aware(a.created_at),
                "first_decided_by": _name(s, a.first_decided_by, names), "first_reason": a.first_reason,
                "outcome": a.outcome, "outcome_reason": a.outcome_reason,
                "decided_by": _name(s, a.decided_by, names), "decided_at": aware(a.decided_at)}
               for a in s.scalars(select(Appeal).where(Appeal.item_id == item.id).order_by(Appeal.id))]
    holds = [{"id": h.id, "scope": h.scope, "value": h.value, "reason": h.reason}
             for h in s.scalars(select(LegalHold).where(holds_on(item)).order_by(LegalHold.id))]
    acted = _newest_first(s, [item.comment_id, *(h.comment_id for h in history_rows)])
    actions = acted.get(item.comment_id, [])
    statuses = {cid: platform_status(done) for cid, done in acted.items()}
    out = row(item, settings, names, s, statuses)
    out.update({
        "text": item.text, "author_id": item.author_id, "author_handle": item.author_handle,
        "thread_id": item.thread_id, "parent": parent, "url": platform_link(item, settings),
        "outcome": v.get("outcome"), "reasons": reasons, "scores": v.get("scores", {}),
        "classifier": v.get("classifier"), "policy_version": v.get("policy_version"),
        "escalation": v.get("escalation"), "tags": v.get("tags", []), "source": item.source,
        "decided_by": _name(s, item.decided_by, names), "decided_at": aware(item.decided_at),
        "last_decision_id": item.last_decision_id,
        "author_history": [row(h, settings, names, s, statuses) for h in history_rows],
        "author_strikes": strikes, "author_restricted": bool(restricted),
        "decisions": decisions, "appeals": appeals, "legal_holds": holds,
        "appeal_open": item.appeal_id,
        "platform_actions": [{"action_id": a.action_id, "kind": a.kind, "status": a.status,
                              "error_code": a.error_code, "error": a.error, "at": aware(a.at),
                              "requested_by": a.requested_by, "attempts": a.attempts}
                             for a in actions],
        "decide_roles": settings.queue(item.queue).decide_roles,
    })
    return out
