"""What moderators do to items: claim (a lease), decide, undo, bulk-decide, appeal, legal holds.

Every function takes the acting :class:`Principal`, checks its permission at the item's scope,
and runs in one transaction with its audit event and outbox records. Races are settled by
conditional ``UPDATE ... WHERE`` statements (``rowcount`` says who won), the same on SQLite and
PostgreSQL: two moderators never hold one item, and an item is decided once.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from civicmod.contract import topics as T
from civicmod.contract.console_settings import ConsoleSettings
from civicmod.contract.records import Decision
from streams.console import audit
from streams.console.db import Database, aware, now
from streams.console.models import Appeal, AuthorRestriction, DecisionRow, Item, LegalHold, User
from streams.console.outbox import enqueue
from streams.console.permissions import ITEM_ROLES, Forbidden, Principal, Scope, scope_filter
from streams.console.replies import close_on_platform

#: Decisions that close the item; the others leave it open (escalate moves it to a lead).
CLOSING = {"publish", "hide", "delete", "restrict_author"}
#: Decisions that hide the comment (it leaves the "needs a reply" queue).
HIDING = {"hide", "delete", "hold", "restrict_author"}
DECISIONS = ("publish", "hide", "delete", "escalate", "hold", "restrict_author", "note")


#: The longest value a hold of each scope may name (what the items' columns hold).
HOLD_LIMITS = {"item": Item.__table__.c.comment_id.type.length,  # type: ignore[attr-defined]
               "author": LegalHold.__table__.c.value.type.length,  # type: ignore[attr-defined]
               "account": Item.__table__.c.account_id.type.length}  # type: ignore[attr-defined]


def holds_on(item: Item) -> Any:
    """A SQL condition: the active legal holds that cover this item (its comment, its author,
    its account)."""
    return and_(LegalHold.released_at.is_(None), or_(
        and_(LegalHold.scope == "item", LegalHold.value == item.comment_id),
        and_(LegalHold.scope == "author", LegalHold.value == f"{item.platform}:{item.author_id}"),
        and_(LegalHold.scope == "account", LegalHold.value == item.account_id)))


class Conflict(Exception):
    """Someone else got there first (→ 409), with who and when."""

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.details = details


class Refused(Exception):
    """The request is not valid for this item (→ 422), e.g. a legal hold blocks deletion."""


class NotFound(Exception):
    pass


def scope_of(item: Item) -> Scope:
    return Scope(organisation=item.organisation, account_id=item.account_id)


def visible(principal: Principal) -> Any:
    """A SQL condition: the items this principal may see."""
    # (comms staff see no items)
    return scope_filter(principal, ITEM_ROLES, Item.organisation, Item.account_id)


class Review:
    """The moderation operations over one database."""

    def __init__(self, db: Database, settings: ConsoleSettings) -> None:
        self.db = db
        self.settings = settings
        self._names: dict[int, str] = {}

    # -- helpers ----------------------------------------------------------------------------------
    def _require(self, principal: Principal, action: str, item: Item) -> None:
        queue_roles = self.settings.queue(item.queue).decide_roles
        if not principal.can(action, scope_of(item), queue_roles):
            raise Forbidden(action, scope_of(item))

    def _item(self, s: Session, item_id: int, principal: Principal, lock: bool = False) -> Item:
        stmt = select(Item).where(Item.id == item_id)
        if lock:
            stmt = stmt.with_for_update()
        item = s.scalar(stmt)
        if item is None or not principal.can("view", scope_of(item)):
            raise NotFound(f"item {item_id} not found")
        return item

    def username(self, s: Session, user_id: int | None) -> str | None:
        if user_id is None:
            return None
        if user_id not in self._names:
            self._names[user_id] = s.scalar(select(User.username).where(User.id == user_id)) or "?"
        return self._names[user_id]

    def _lease_until(self) -> datetime:
        return now() + timedelta(seconds=self.settings.lease_s)

    # -- claims -----------------------------------------------------------------------------------
    def claim(self, principal: Principal, item_id: int) -> Item:
        """Take (or renew) the item's lease; :class:`Conflict` when another moderator holds it
        or it is no longer open."""
        with self.db.tx() as s:
            item = self._item(s, item_id, principal)
            self._require(principal, "claim", item)
            if not self._take(s, principal, item):
                raise self._conflict(s, item_id)  # the transaction rolls back as this leaves it
            return item

    def _take(self, s: Session, principal: Principal, item: Item) -> bool:
        """Lease ``item`` to ``principal`` if it is open and free (or theirs); audit a new claim."""
        t = now()
        # judged before the UPDATE (which also refreshes ``item`` in the session)
        renewed = (item.claimed_by == principal.user_id and item.lease_until is not None
                   and item.lease_until >= t)
        won = s.execute(update(Item).where(
            Item.id == item.id, Item.state == "open",
            or_(Item.claimed_by.is_(None), Item.claimed_by == principal.user_id,
                Item.lease_until < t),
        ).values(claimed_by=principal.user_id, lease_until=self._lease_until())).rowcount
        if not won:
            return False
        s.refresh(item)  # before the audit append: the chain's head is locked until commit
        if not renewed:
            audit.record(s, "claim", principal.username, organisation=item.organisation,
                         account_id=item.account_id, comment_id=item.comment_id,
                         details={"item": item.id, "queue": item.queue}, publish=False)
        return True

    def release(self, principal: Principal, item_id: int) -> None:
        with self.db.tx() as s:
            item = self._item(s, item_id, principal)
            done = s.execute(update(Item).where(Item.id == item_id, Item.claimed_by == principal.user_id)
                             .values(claimed_by=None, lease_until=None)).rowcount
            if done:
                audit.record(s, "claim.released", principal.username, organisation=item.organisation,
                             account_id=item.account_id, comment_id=item.comment_id,
                             details={"item": item_id}, publish=False)

    def _conflict(self, s: Session, item_id: int) -> Conflict:
        item = s.get(Item, item_id, populate_existing=True)
        assert item is not None
        if item.state != "open":
            who = self.username(s, item.decided_by)
            return Conflict(f"already {item.decision or item.state} by {who or 'the platform'}"
                            + (f" at {aware(item.decided_at).isoformat()}" if item.decided_at else ""),
                            state=item.state, decision=item.decision, decided_by=who,
                            decided_at=aware(item.decided_at))
        who = self.username(s, item.claimed_by)
        return Conflict(f"claimed by {who} until {aware(item.lease_until).isoformat()}",  # type: ignore[union-attr]
                        state="claimed", claimed_by=who, lease_until=aware(item.lease_until))

    # -- decisions --------------------------------------------------------------------------------
    def _check_reason(self, action: str, reason_code: str) -> None:
        for rc in self.settings.reason_codes:
            if rc.code == reason_code:
                if action not in rc.actions:
                    raise Refused(f"reason {reason_code!r} does not fit a {action} decision")
                return
        raise Refused(f"unknown reason code {reason_code!r}")

    def _holds(self, s: Session, item: Item) -> list[LegalHold]:
        return list(s.scalars(select(LegalHold).where(holds_on(item)).order_by(LegalHold.id)))

    def decide(self, principal: Principal, item_id: int, action: str, reason_code: str,
               note: str | None = None, *, _session: Session | None = None,
               undoes: str | None = None) -> DecisionRow:
        """Decide one item (see the module docstring); raises Forbidden, Conflict, Refused."""
        if action not in DECISIONS:
            raise Refused(f"unknown decision {action!r}")
        if _session is not None:
            return self._decide(_session, principal, item_id, action, reason_code, note, undoes)
        with self.db.tx() as s:
            return self._decide(s, principal, item_id, action, reason_code, note, undoes)

    def _decide(self, s: Session, principal: Principal, item_id: int, action: str, reason_code: str,
                note: str | None, undoes: str | None) -> DecisionRow:
        item = self._item(s, item_id, principal, lock=True)
        perm = {"delete": "decide_delete", "restrict_author": "restrict_author"}.get(action, "decide")
        appeal = s.get(Appeal, item.appeal_id) if item.appeal_id else None
        if appeal is not None and action in CLOSING:
            perm = "appeal_decide" if perm == "decide" else perm
        self._require(principal, perm, item)
        if undoes is None:
            self._check_reason(action, reason_code)
        if note is not None and len(note) > 5000:
            raise Refused("the note is longer than 5,000 characters")
        if action == "note" and not (note or "").strip():
            raise Refused("a note needs text")
        if appeal is not None and action in CLOSING and appeal.first_decided_by == principal.user_id:
            raise Refused("an appeal is decided by a different moderator than the first decision")
        if action == "delete" and (holds := self._holds(s, item)):
            raise Refused(f"a legal hold blocks deletion: {holds[0].scope} hold #{holds[0].id} "
                          f"({holds[0].reason[:100]})")
        t = now()
        role = principal.best_role(scope_of(item)) or "?"
        prior = {"state": item.state, "queue": item.queue, "priority": item.priority, "held": item.held,
                 "decision": item.decision, "decided_by": item.decided_by,
                 "decided_at": item.decided_at.isoformat() if item.decided_at else None,
                 "appeal_id": item.appeal_id}
        values: dict[str, Any] = {"claimed_by": None, "lease_until": None}
        if action in CLOSING:
            values |= {"state": "decided", "decided_by": principal.user_id, "decided_at": t,
                       "decision": action, "held": action != "publish", "appeal_id": None}
        elif action == "escalate":
            values |= {"queue": "escalated", "priority": min(item.priority, 2)}
        elif action == "hold":
            values |= {"held": True}
        else:  # a note changes nothing but the record; the claim is kept
            values = {}
        cond = [Item.id == item_id]
        if action != "note":
            cond += [Item.state == "open", or_(Item.claimed_by.is_(None),
                                               Item.claimed_by == principal.user_id,
                                               Item.lease_until < t)]
        decision_id = uuid.uuid4().hex
        if values:
            won = s.execute(update(Item).where(*cond).values(**values, last_decision_id=decision_id)).rowcount
            if not won:
                raise self._conflict(s, item_id)
        if action in HIDING:  # a hidden comment is no longer waiting for the agency's reply
            close_on_platform(s, item.comment_id, "hidden")
        row = DecisionRow(id=decision_id, item_id=item_id, action=action, reason_code=reason_code,
                          note=note, user_id=principal.user_id, role=role, decided_at=t,
                          undoes=undoes, appeal_id=appeal.id if appeal else None, prior_state=prior)
        s.add(row)
        if action == "restrict_author":
            s.add(AuthorRestriction(platform=item.platform, author_id=item.author_id,
                                    account_id=item.account_id, decision_id=decision_id, created_at=t))
        if appeal is not None and action in CLOSING:
            appeal.outcome, appeal.outcome_reason = action, reason_code
            appeal.outcome_decision_id = decision_id
            appeal.decided_by, appeal.decided_at = principal.user_id, t
        record = Decision(decision_id=decision_id, comment_id=item.comment_id, comment_digest=item.digest,
                          platform=item.platform, account_id=item.account_id, action=action,  # type: ignore[arg-type]
                          reason_code=reason_code, note=note, decided_by=principal.username,
                          role=role, decided_at=aware(t), undoes=undoes,  # type: ignore[arg-type]
                          appeal_id=str(appeal.id) if appeal else None, author_id=item.author_id)
        enqueue(s, T.DECISIONS, item.comment_id, record.to_json())
        audit.record(s, "decision", principal.username, organisation=item.organisation,
                     account_id=item.account_id, comment_id=item.comment_id, details={
                         "decision_id": decision_id, "item": item_id, "action": action,
                         "reason_code": reason_code, "role": role, "queue": prior["queue"],
                         "undoes": undoes, "appeal_id": appeal.id if appeal else None,
                         "has_note": bool(note)})
        return row

    def next_item(self, principal: Principal, queue: str | None, after: int | None = None) -> Item | None:
        """Claim the next open item (most urgent, then oldest) in ``queue`` for this principal,
        in one write transaction: the candidates are read under it (PostgreSQL: ``FOR UPDATE SKIP
        LOCKED``, so moderators asking at once get different items without waiting on each
        other; SQLite: the transaction already excludes other writers)."""
        with self.db.tx() as s:
            t = now()
            stmt = (select(Item).where(Item.state == "open", visible(principal),
                                       or_(Item.claimed_by.is_(None), Item.lease_until < t,
                                           Item.claimed_by == principal.user_id))
                    .order_by(Item.priority, Item.received_at, Item.id)
                    .with_for_update(skip_locked=True))
            if queue:
                stmt = stmt.where(Item.queue == queue)
            if after is not None:
                stmt = stmt.where(Item.id != after)
            seen = 0
            for size in (4, 20, 50, 100):  # pages past the queues this principal may not claim
                page = list(s.scalars(stmt.offset(seen).limit(size)))
                for item in page:
                    if (principal.can("claim", scope_of(item),
                                      self.settings.queue(item.queue).decide_roles)
                            and self._take(s, principal, item)):
                        return item
                if len(page) < size:
                    return None
                seen += len(page)
        return None

    # -- undo -------------------------------------------------------------------------------------
    def undo(self, principal: Principal, decision_id: str) -> DecisionRow:
        """Reverse a decision: the item returns to where it was, and a decision that puts the
        platform back (unhide, or hide again if it was held) goes out."""
        with self.db.tx() as s:
            row = s.get(DecisionRow, decision_id, with_for_update=True)
            if row is None:
                raise NotFound(f"decision {decision_id} not found")
            item = self._item(s, row.item_id, principal, lock=True)
            if row.undone_by:
                raise Conflict(f"already undone ({row.undone_by})", undone_by=row.undone_by)
            if row.undoes is not None:
                raise Refused("an undo cannot itself be undone; decide the item again")
            if row.action in ("delete", "restrict_author"):
                raise Refused(f"a {row.action} cannot be undone here (it may be irreversible on the "
                              "platform); a lead can reverse it from the author's record")
            prior = row.prior_state
            sc = scope_of(item)
            age = (now() - row.decided_at).total_seconds()
            own = row.user_id == principal.user_id and age <= self.settings.undo_window_s
            # undoing is deciding again: one's own decision needs the right to decide it still
            queue_roles = self.settings.queue(prior.get("queue") or item.queue).decide_roles
            if not principal.can("undo_any", sc) and not (own and principal.can("decide", sc, queue_roles)):
                raise Forbidden("undo", sc)
            if item.last_decision_id != row.id:
                raise Conflict("a later decision was made on this item; undo that one first")
            if item.state not in ("open", "decided"):
                raise Conflict(f"the item is {item.state} (the comment changed on the platform)",
                               state=item.state)
            if item.appeal_id is not None and item.appeal_id != row.appeal_id:
                raise Conflict(f"appeal #{item.appeal_id} is open against this decision; decide the "
                               "appeal instead", appeal_id=item.appeal_id)
            was_held = bool(prior.get("held"))
            inverse = "hold" if was_held else "publish"
            if row.action in ("escalate", "note"):
                inverse = "note"
            t = now()
            restore = {"state": prior["state"], "queue": prior["queue"],
                       "priority": prior.get("priority", item.priority), "held": was_held,
                       "decision": prior["decision"], "decided_by": prior["decided_by"],
                       "decided_at": _when(prior["decided_at"]),
                       "appeal_id": prior.get("appeal_id"), "claimed_by": None, "lease_until": None}
            undo_id = uuid.uuid4().hex
            s.execute(update(Item).where(Item.id == item.id).values(**restore, last_decision_id=undo_id))
            new = DecisionRow(id=undo_id, item_id=item.id, action=inverse, reason_code="undo",
                              note=f"undoes {row.action} {row.id}", user_id=principal.user_id,
                              role=principal.best_role(scope_of(item)) or "?", decided_at=t,
                              undoes=row.id, prior_state={})
            s.add(new)
            row.undone_by = undo_id
            if row.appeal_id:
                appeal = s.get(Appeal, row.appeal_id)
                if appeal is not None:
                    appeal.outcome = appeal.outcome_reason = appeal.outcome_decision_id = None
                    appeal.decided_by = appeal.decided_at = None
            if inverse != "note":
                record = Decision(decision_id=undo_id, comment_id=item.comment_id,
                                  comment_digest=item.digest, platform=item.platform,  # type: ignore[arg-type]
                                  account_id=item.account_id, action=inverse, reason_code="undo",  # type: ignore[arg-type]
                                  decided_by=principal.username, role=new.role, decided_at=aware(t),  # type: ignore[arg-type]
                                  undoes=row.id)
                enqueue(s, T.DECISIONS, item.comment_id, record.to_json())
            audit.record(s, "decision.undone", principal.username, organisation=item.organisation,
                         account_id=item.account_id, comment_id=item.comment_id,
                         details={"decision_id": undo_id, "undoes": row.id, "undone_action": row.action,
                                  "item": item.id, "action": inverse})
            return new

    # -- bulk -------------------------------------------------------------------------------------
    def _may_bulk(self, principal: Principal) -> None:
        """Bulk decisions are for leads (somewhere); the items then say where."""
        if not any(principal.can("bulk_decide", Scope(g.organisation, g.account_id))
                   for g in principal.grants):
            raise Forbidden("bulk_decide", Scope())

    def bulk_preview(self, principal: Principal, item_ids: list[int], action: str) -> dict[str, Any]:
        """How many of these items a bulk decision would touch, and why the others would not
        (an item outside the principal's scopes is "not found", as everywhere)."""
        self._may_bulk(principal)
        with self.db.read() as s:
            items = list(s.scalars(select(Item).where(Item.id.in_(item_ids), visible(principal))))
            t = now()
            ok, skipped = [], []
            for item in items:
                perm = {"delete": "decide_delete", "restrict_author": "restrict_author"}.get(action, "decide")
                queue_roles = self.settings.queue(item.queue).decide_roles
                if not (principal.can("bulk_decide", scope_of(item))
                        and principal.can(perm, scope_of(item), queue_roles)):
                    skipped.append({"item": item.id, "why": "not allowed"})
                elif item.state != "open":
                    skipped.append({"item": item.id, "why": f"already {item.state}"})
                elif (item.claimed_by not in (None, principal.user_id) and item.lease_until
                      and item.lease_until >= t):
                    skipped.append({"item": item.id, "why": "claimed by another moderator"})
                else:
                    ok.append(item.id)
            missing = sorted(set(item_ids) - {i.id for i in items})
            skipped += [{"item": i, "why": "not found"} for i in missing]
            return {"count": len(ok), "items": ok, "skipped": skipped, "max": self.settings.bulk_max}

    def bulk_decide(self, principal: Principal, item_ids: list[int], action: str, reason_code: str,
                    note: str | None, confirm_count: int) -> list[DecisionRow]:
        """Decide many items at once, all or nothing, after the caller confirmed the count the
        preview showed; capped at ``console.bulk_max``."""
        self._may_bulk(principal)
        if action in ("delete", "restrict_author", "note"):
            raise Refused(f"{action} is not allowed in bulk; decide each item")
        if len(item_ids) > self.settings.bulk_max:
            raise Refused(f"at most {self.settings.bulk_max} items in one bulk decision")
        preview = self.bulk_preview(principal, item_ids, action)
        if preview["count"] != confirm_count:
            raise Conflict(f"the preview showed {confirm_count} items but {preview['count']} can be "
                           "decided now; preview again", count=preview["count"])
        with self.db.tx() as s:
            rows = [self._decide(s, principal, i, action, reason_code, note, None) for i in preview["items"]]
            audit.record(s, "decision.bulk", principal.username, details={
                "action": action, "reason_code": reason_code, "count": len(rows),
                "decisions": [r.id for r in rows]})
            return rows

    # -- appeals ----------------------------------------------------------------------------------
    def appeal(self, principal: Principal, item_id: int, statement: str, channel: str) -> Appeal:
        """Reopen a hidden comment in the ``appeals`` queue."""
        if not statement.strip():
            raise Refused("an appeal needs the citizen's statement")
        with self.db.tx() as s:
            item = self._item(s, item_id, principal, lock=True)
            if not principal.can("appeal_create", scope_of(item)):
                raise Forbidden("appeal_create", scope_of(item))
            if item.appeal_id:  # (an appealed item is open again: say so before anything else)
                raise Conflict(f"appeal #{item.appeal_id} is already open", appeal_id=item.appeal_id)
            hidden = (item.state == "decided" and item.decision in ("hide", "delete", "restrict_author")) or (
                item.state == "open" and item.source == "hide")
            if not hidden:
                raise Refused("only a hidden comment can be appealed")
            if item.decision == "delete":
                raise Refused("the comment was deleted on the platform; an appeal cannot restore it")
            first = s.get(DecisionRow, item.last_decision_id) if item.last_decision_id else None
            appeal = Appeal(item_id=item.id, channel=channel, statement=statement[:10_000],
                            submitted_by=principal.user_id, created_at=now(),
                            first_decided_by=item.decided_by, first_decision_id=item.last_decision_id,
                            first_reason=first.reason_code if first else None, prior_queue=item.queue)
            s.add(appeal)
            s.flush()
            s.execute(update(Item).where(Item.id == item.id).values(
                state="open", queue="appeals", priority=3, appeal_id=appeal.id, claimed_by=None,
                lease_until=None))
            audit.record(s, "appeal.created", principal.username, organisation=item.organisation,
                         account_id=item.account_id, comment_id=item.comment_id,
                         details={"appeal_id": appeal.id, "item": item.id, "channel": channel,
                                  "first_decision_id": item.last_decision_id})
            return appeal

    # -- legal holds ------------------------------------------------------------------------------
    def hold_scopes(self, s: Session, scope: str, value: str, organisation: str | None) -> list[Scope]:
        """Where a hold applies: its account, or the accounts its item or author appears on; for
        an item or author not seen yet, the organisation named when it was placed (None: only
        holders of a grant on everything)."""
        if scope == "account":
            return [Scope(self.settings.owner_of(value), value)]
        if scope == "item":
            cond = Item.comment_id == value
        else:
            platform, _, author = value.partition(":")
            cond = and_(Item.platform == platform, Item.author_id == author)
        rows = s.execute(select(Item.organisation, Item.account_id).where(cond).distinct().limit(50)).all()
        return [Scope(o, a) for o, a in rows] or [Scope(organisation)]

    def place_hold(self, principal: Principal, scope: str, value: str, reason: str,
                   organisation: str | None = None) -> LegalHold:
        """Place a legal hold (auditors, leads, admins) where the principal may: the item's or the
        account's scope, or for an author one of the accounts they wrote on (an item outside the
        principal's scopes is not found)."""
        if scope not in HOLD_LIMITS:
            raise Refused("a hold's scope is item, author or account")
        if not value.strip() or len(value) > HOLD_LIMITS[scope]:
            raise Refused(f"a {scope} hold names one {scope} (at most {HOLD_LIMITS[scope]} characters)")
        if scope == "author" and ":" not in value:
            raise Refused("an author hold names <platform>:<author id>, e.g. facebook:1234")
        if not reason.strip():
            raise Refused("a legal hold needs a reason (e.g. the FOI request's reference)")
        with self.db.tx() as s:
            scopes = self.hold_scopes(s, scope, value, organisation)
            if scope == "item" and not any(principal.can("view", sc) for sc in scopes):
                raise NotFound(f"comment {value} not found")
            if not any(principal.can("legal_hold", sc) for sc in scopes):
                raise Forbidden("legal_hold", scopes[0])
            orgs = {sc.organisation for sc in scopes}
            owner = orgs.pop() if len(orgs) == 1 else organisation
            account = scopes[0].account_id if scope in ("item", "account") else None
            hold = LegalHold(scope=scope, value=value, reason=reason, organisation=owner,
                             created_by=principal.user_id, created_at=now())
            s.add(hold)
            s.flush()
            audit.record(s, "legal_hold.placed", principal.username, organisation=owner,
                         account_id=account, comment_id=value if scope == "item" else None,
                         details={"hold": hold.id, "scope": scope, "value": value, "reason": reason})
            return hold

    def release_hold(self, principal: Principal, hold_id: int) -> None:
        """Release a hold: whoever may place one at any of its scopes (a hold outside all of the
        principal's scopes is not found)."""
        with self.db.tx() as s:
            hold = s.get(LegalHold, hold_id, with_for_update=True)
            if hold is None or hold.released_at is not None:
                raise NotFound(f"no active hold #{hold_id}")
            scopes = self.hold_scopes(s, hold.scope, hold.value, hold.organisation)
            if not any(principal.can("view", sc) for sc in scopes):
                raise NotFound(f"no active hold #{hold_id}")
            if not any(principal.can("legal_hold", sc) for sc in scopes):
                raise Forbidden("legal_hold", scopes[0])
            hold.released_at, hold.released_by = now(), principal.user_id
            audit.record(s, "legal_hold.released", principal.username, organisation=hold.organisation,
                         account_id=scopes[0].account_id if hold.scope in ("item", "account") else None,
                         comment_id=hold.value if hold.scope == "item" else None,
                         details={"hold": hold.id, "scope": hold.scope, "value": hold.value})

    # -- reading ----------------------------------------------------------------------------------
    def queues(self, principal: Principal) -> list[dict[str, Any]]:
        """Open items per queue (in the principal's scope): count, oldest age, overdue count."""
        t = now()
        with self.db.read() as s:
            rows = s.execute(select(Item.queue, func.count(), func.min(Item.received_at))
                             .where(Item.state == "open", visible(principal))
                             .group_by(Item.queue)).all()
            out = []
            for queue, count, oldest in rows:
                qs = self.settings.queue(queue)
                cutoff = t - timedelta(minutes=qs.sla_minutes)
                overdue = s.scalar(select(func.count()).where(
                    Item.state == "open", Item.queue == queue, visible(principal),
                    Item.received_at < cutoff)) or 0
                out.append({"queue": queue, "label": qs.label or queue, "count": count,
                            "oldest_age_s": (t - oldest).total_seconds() if oldest else 0.0,
                            "sla_s": qs.sla_minutes * 60, "overdue": overdue,
                            "decide_roles": qs.decide_roles})
        known = {q["queue"] for q in out}
        for name, qs in self.settings.queues.items():
            if name not in known:
                out.append({"queue": name, "label": qs.label or name, "count": 0, "oldest_age_s": 0.0,
                            "sla_s": qs.sla_minutes * 60, "overdue": 0, "decide_roles": qs.decide_roles})
        return sorted(out, key=lambda q: (-q["overdue"], -q["count"], q["queue"]))

    def list_items(self, principal: Principal, queue: str | None, state: str = "open",
                   limit: int = 50, offset: int = 0) -> list[Item]:
        with self.db.read() as s:
            stmt = select(Item).where(visible(principal))
            if state != "any":
                stmt = stmt.where(Item.state == state)
            if queue:
                stmt = stmt.where(Item.queue == queue)
            stmt = stmt.order_by(Item.priority, Item.received_at, Item.id).limit(limit).offset(offset)
            return list(s.scalars(stmt))


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
