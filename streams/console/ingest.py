"""Items in from Kafka: verdicts from ``moderation.escalations`` and ``moderation.auto_hidden``
become review items, and ``comments.state`` updates what the platform did meanwhile (kept in
``platform_states`` too, so a removal read before its verdict closes the item when the verdict
comes). Verdicts from ``comments.published`` are kept for ``console.context_days`` as thread
context (the parent on an item card), not as items. Verdicts tagged as questions or problem
reports (``NEEDS_REPLY_TAGS``) and not hidden also become items of the "needs a reply" queue, and
the agency's own replies (``comments.agency_replies``) close them (``replies``). The metrics
service's aggregates (``civicmod.aggregate/1`` on ``moderation.metrics``) are kept for the ops
page, the newest per key (``ops``; the workers' own snapshots there are skipped). What the
actuator carried out on the platforms (``moderation.actions``) is kept in ``platform_actions``,
one row per action id, the newest record (by ``at``) winning: a redelivered or older record changes nothing.

Idempotent by comment id + text digest: a redelivered verdict changes nothing; an edited comment
is a new item (its older open versions close as ``superseded``). Offsets are committed only
after the database transaction that holds their effect, so a crash redelivers and changes
nothing twice. A record that cannot be read, or that the database cannot hold (an id longer
than its column), goes to ``comments.deadletter`` (stage ``console``) before its offset is
committed; it never stops the others (a crash between the two writes that dead letter again:
at least once, as in every stage).

A batch is applied in one transaction with a handful of statements (one look-up of the versions
already stored, one bulk insert), verdicts before state changes (a removal read in the same
batch as its verdict closes the item whatever their order). Should the database refuse the
batch for one record's sake, the batch is applied again record by record and only that record
is dead-lettered; a database that is away fails the batch, which is read again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaConsumer
from aiokafka.errors import CommitFailedError, IllegalStateError, RebalanceInProgressError
from sqlalchemy import insert, select, update
from sqlalchemy.exc import (
    DisconnectionError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session

from civicmod.contract import topics as T
from civicmod.contract.console_settings import ConsoleSettings
from civicmod.contract.records import (
    METRICS_SCHEMA,
    Action,
    Aggregate,
    Comment,
    CommentState,
    DeadLetter,
    MalformedRecord,
    Verdict,
    decode_record,
    validate_record,
)
from civicmod.contract.topics import physical
from streams.console import ops, replies
from streams.console.db import Database, now
from streams.console.models import ContextComment, Item, PlatformAction, PlatformState
from streams.kafka.sink import KafkaSink

log = logging.getLogger("civicmod.console.ingest")
TOPICS = (T.ESCALATIONS, T.AUTO_HIDDEN, T.STATE, T.PUBLISHED, T.ACTIONS, T.AGENCY_REPLIES, T.METRICS)
#: A published comment's text kept as thread context is cut to this many characters.
CONTEXT_TEXT_CHARS = 2000
#: A platform action's error message is cut to this many characters.
ACTION_ERROR_CHARS = 500
PLATFORM_STATES = {"remove": "removed", "hide": "hidden", "unhide": "unhidden"}
#: The database is away or busy (retry the batch), as opposed to refusing one record (which
#: :meth:`Ingest._away` tells apart).
UNAVAILABLE = (OperationalError, InterfaceError, DisconnectionError, PoolTimeout)
#: What the database (or its driver, binding a value) may raise about the rows themselves: a value
#: out of a column's range, an id too long, a constraint; told apart from an unavailable
#: database by :meth:`Ingest._away`.
REFUSALS = (SQLAlchemyError, ValueError, OverflowError)
#: Look-ups by comment id go in chunks of this many (bound parameters per statement).
CHUNK = 500

Raw = tuple[str, int, int, bytes | None, bytes | None]  # topic, partition, offset, key, value


@dataclass
class IngestStats:
    new: int = 0
    duplicate: int = 0
    superseded: int = 0
    state_updates: int = 0
    #: Published comments kept as thread context (and those whose ids were too long to keep).
    context: int = 0
    context_skipped: int = 0
    #: Platform actions stored (new, or newer than the stored record of the same action id), and
    #: those that changed nothing (redelivered, or older than the one stored).
    actions: int = 0
    actions_unchanged: int = 0
    #: Questions added to the reply queue, questions answered, agency replies read, aggregates
    #: kept (newest per key), and workers' snapshots skipped on ``moderation.metrics``.
    replies_new: int = 0
    replies_answered: int = 0
    agency_replies: int = 0
    aggregates: int = 0
    snapshots_skipped: int = 0
    deadletters: dict[str, int] = field(default_factory=dict)

    def add(self, other: IngestStats) -> None:
        self.new += other.new
        self.duplicate += other.duplicate
        self.superseded += other.superseded
        self.state_updates += other.state_updates
        self.context += other.context
        self.context_skipped += other.context_skipped
        self.actions += other.actions
        self.actions_unchanged += other.actions_unchanged
        self.replies_new += other.replies_new
        self.replies_answered += other.replies_answered
        self.agency_replies += other.agency_replies
        self.aggregates += other.aggregates
        self.snapshots_skipped += other.snapshots_skipped
        for reason, n in other.deadletters.items():
            self.deadletters[reason] = self.deadletters.get(reason, 0) + n


#: A record the console cannot take (its ``reason`` is the dead letter's).
BadRecord = MalformedRecord


Record = Verdict | CommentState | Action | Comment | Aggregate
_MODELS: dict[str, type[Record]] = {T.STATE: CommentState, T.ACTIONS: Action,
                                    T.AGENCY_REPLIES: Comment, T.METRICS: Aggregate}


def parse(topic: str, raw: bytes | None) -> Record | None:
    """Decode one record of ``topic`` (logical name) or raise :class:`BadRecord`; None: a record
    the console does not read (a worker's ``civicmod.metrics/1`` snapshot)."""
    data = decode_record(raw)
    if topic == T.METRICS and data.get("schema") == METRICS_SCHEMA:
        return None
    return validate_record(data, _MODELS.get(topic, Verdict))


#: Each item column's VARCHAR length (None: unbounded).
_LENGTHS: dict[str, int | None] = {c.name: getattr(c.type, "length", None) for c in Item.__table__.c}


def _limit(column: str) -> int | None:
    return _LENGTHS[column]


#: Identities the item cannot hold cut short: one longer than ``MAX_ID_BYTES`` (they are indexed:
#: a PostgreSQL b-tree entry has a size limit), or than its column where the database enforces
#: VARCHAR lengths, is dead-lettered (``field_too_long``).
_IDENTITIES = {"comment_id": "comment.id", "account_id": "comment.account_id",
               "author_id": "comment.author.id", "platform": "comment.platform"}
MAX_ID_BYTES = 1000
#: Shown, not identities: cut to fit a VARCHAR column where the database enforces its length.
_CUT = ("author_handle", "parent_id", "thread_id")


def _clean(value: str | None) -> str | None:
    # PostgreSQL text cannot hold NUL; the item shows U+FFFD (the verdict keeps the original)
    return value.replace("\x00", "\ufffd") if value is not None and "\x00" in value else value


def item_values(verdict: Verdict, settings: ConsoleSettings, stamp: datetime, *,
                varchar_limits: bool = False) -> dict[str, Any] | None:
    """The new item's columns for a verdict (None: a published comment is not for review);
    raises :class:`BadRecord` when an identity does not fit. ``varchar_limits``: the database
    enforces the columns' lengths (PostgreSQL; SQLite does not)."""
    if verdict.outcome == "hide":
        queue, priority, held = "auto_hidden", 9, True
    elif verdict.outcome == "escalate" and verdict.escalation is not None:
        esc = verdict.escalation
        queue = esc.queue if esc.queue in settings.queues else "default"
        priority, held = esc.priority, esc.hold
    elif verdict.outcome == "escalate":
        queue, priority, held = "default", 5, False
    else:
        return None
    c = verdict.comment
    values: dict[str, Any] = {
        "comment_id": _clean(c.id), "digest": c.digest(), "platform": c.platform,
        "account_id": _clean(c.account_id), "organisation": settings.owner_of(c.account_id),
        "source": verdict.outcome, "queue": queue, "priority": priority, "held": held,
        "text": _clean(c.text), "author_id": _clean(c.author.id),
        "author_handle": _clean(c.author.handle or c.author.display_name),
        "parent_id": _clean(c.parent_id), "thread_id": _clean(c.thread_id), "url": _clean(c.url),
        "verdict": verdict.model_dump(mode="json", by_alias=True, exclude_none=True),
        "received_at": _naive(c.received_at or verdict.decided_at), "ingested_at": stamp,
        "state": "open", "platform_state": None, "claimed_by": None, "lease_until": None,
        "decided_by": None, "decided_at": None, "decision": None, "last_decision_id": None,
        "appeal_id": None}
    for column, name in _IDENTITIES.items():
        limit = _limit(column) if varchar_limits else None
        size = len(values[column].encode("utf-8", "surrogatepass"))
        if size > MAX_ID_BYTES or (limit is not None and len(values[column]) > limit):
            raise BadRecord("field_too_long", f"{name} is {size} bytes; the console keeps at most "
                                              f"{min(limit or MAX_ID_BYTES, MAX_ID_BYTES)}")
    for column in _CUT:
        limit = _limit(column) if varchar_limits else None
        if values[column] is not None and limit is not None:
            values[column] = values[column][:limit]
    return values


def apply_verdicts(session: Session, batch: Sequence[dict[str, Any]],
                   stats: IngestStats) -> list[dict[str, Any]]:
    """Store the new versions among ``batch`` (item values in offset order); close the older open
    versions of the same comments as ``superseded``. Returns the values of the items added."""
    if not batch:
        return []
    ids = list(dict.fromkeys(v["comment_id"] for v in batch))
    known: set[tuple[str, str]] = set()
    open_ids: dict[str, list[int]] = {}
    for chunk in _chunks(ids):
        for item_id, comment_id, digest, state in session.execute(
                select(Item.id, Item.comment_id, Item.digest, Item.state)
                .where(Item.comment_id.in_(chunk))):
            known.add((comment_id, digest))
            if state == "open":
                open_ids.setdefault(comment_id, []).append(item_id)
    new: list[dict[str, Any]] = []
    latest: dict[str, dict[str, Any]] = {}  # the newest version of each comment in this batch
    for values in batch:
        version = (values["comment_id"], values["digest"])
        if version in known:
            stats.duplicate += 1
            continue
        known.add(version)
        values = dict(values)  # (the caller's stay as they were: a batch may be applied again)
        earlier = latest.get(values["comment_id"])
        if earlier is not None:  # edited twice within the batch: the earlier one is superseded
            earlier["state"] = "superseded"
            stats.superseded += 1
        latest[values["comment_id"]] = values
        new.append(values)
    if not new:
        return []
    for chunk in _chunks(list(latest)):  # the platform acted on it before its verdict came
        for comment_id, state in session.execute(
                select(PlatformState.comment_id, PlatformState.state)
                .where(PlatformState.comment_id.in_(chunk))):
            for values in new:
                if values["comment_id"] == comment_id:
                    values["platform_state"] = state
                    if state == "removed" and values["state"] == "open":
                        values["state"] = "platform_removed"
    # an edit: the older open versions of this comment are no longer what is on the platform
    stale = [i for cid in latest for i in open_ids.get(cid, ())]
    for chunk in _chunks(stale):
        closed = session.execute(update(Item).where(Item.id.in_(chunk), Item.state == "open")
                                 .values(state="superseded", claimed_by=None, lease_until=None))
        stats.superseded += closed.rowcount or 0
    session.execute(insert(Item), new)
    stats.new += len(new)
    return [v for v in new if v["state"] == "open"]


def apply_state(session: Session, state: CommentState, stats: IngestStats) -> list[int]:
    """Record what the platform did (``platform_states``, for a verdict still to come too); a
    removed comment's open items close. Returns their ids."""
    values: dict[str, Any] = {"platform_state": PLATFORM_STATES[state.verb]}
    if len(state.comment_id) <= (_limit("comment_id") or 0):  # (longer: no item has it either)
        _upsert(session, PlatformState, [{"comment_id": _clean(state.comment_id),
                                          "state": values["platform_state"], "at": now()}],
                "comment_id", ("state", "at"))
    ids = list(session.scalars(select(Item.id).where(Item.comment_id == state.comment_id)))
    if not ids:
        return []
    session.execute(update(Item).where(Item.comment_id == state.comment_id).values(**values))
    if state.verb == "remove":
        session.execute(update(Item).where(Item.comment_id == state.comment_id, Item.state == "open")
                        .values(state="platform_removed", claimed_by=None, lease_until=None))
    stats.state_updates += 1
    return ids


def context_values(verdict: Verdict) -> dict[str, Any] | None:
    """A published comment's row as thread context (None: an id too long to keep)."""
    c = verdict.comment
    if len(c.id) > (_limit("comment_id") or 0) or len(c.account_id) > (_limit("account_id") or 0):
        return None
    return {"comment_id": _clean(c.id), "account_id": _clean(c.account_id),
            "author": (_clean(c.author.handle or c.author.display_name or c.author.id) or "")[:200],
            "text": _clean(c.text[:CONTEXT_TEXT_CHARS]),
            "received_at": _naive(c.received_at or verdict.decided_at)}


def apply_context(session: Session, rows: Sequence[dict[str, Any]], stats: IngestStats) -> None:
    """Keep published comments as thread context (an edit replaces the text)."""
    latest = {r["comment_id"]: r for r in rows}  # one row per comment per statement
    if latest:
        _upsert(session, ContextComment, list(latest.values()), "comment_id",
                ("account_id", "author", "text", "received_at"))
        stats.context += len(rows)


_ACTION_LENGTHS: dict[str, int | None] = {c.name: getattr(c.type, "length", None)
                                          for c in PlatformAction.__table__.c}


def action_values(action: Action) -> dict[str, Any]:
    """A platform action's row; raises :class:`BadRecord` (``field_too_long``) for an action
    or comment id longer than its column (cut, it would name another action or no comment)."""
    for column in ("action_id", "comment_id"):
        limit = _ACTION_LENGTHS[column] or 0
        if len(getattr(action, column)) > limit:
            raise BadRecord("field_too_long", f"{column} has {len(getattr(action, column))} "
                                              f"characters; the console keeps at most {limit}")

    def cut(value: str | None, limit: int | None) -> str | None:
        return None if value is None else _clean(value[:limit])

    return {"action_id": _clean(action.action_id), "comment_id": _clean(action.comment_id),
            "kind": action.kind, "status": action.status,
            "error_code": cut(action.error_code, _ACTION_LENGTHS["error_code"]),
            "error": cut(action.error, ACTION_ERROR_CHARS),
            "requested_by": cut(action.requested_by, _ACTION_LENGTHS["requested_by"]) or "",
            "attempts": action.attempts, "at": _naive(action.at)}


def apply_actions(session: Session, rows: Sequence[dict[str, Any]], stats: IngestStats) -> set[str]:
    """Store platform actions (rows in offset order): per action id the newest ``at`` wins; a
    record no newer than the one stored (a redelivery, or one overtaken) changes nothing.
    Returns the comment ids whose actions changed."""
    latest: dict[str, dict[str, Any]] = {}  # one row per action id per statement
    for r in rows:
        seen = latest.get(r["action_id"])
        if seen is None or r["at"] > seen["at"]:
            latest[r["action_id"]] = r
    stored: dict[str, datetime] = {}
    for chunk in _chunks(list(latest)):
        for action_id, at in session.execute(select(PlatformAction.action_id, PlatformAction.at)
                                             .where(PlatformAction.action_id.in_(chunk))):
            stored[action_id] = at
    newer = [r for a, r in latest.items() if a not in stored or r["at"] > stored[a]]
    stats.actions_unchanged += len(rows) - len(newer)
    if not newer:
        return set()
    columns = [c for c in newer[0] if c != "action_id"]
    # (the guard again in the statement: another console may have stored a newer one meanwhile)
    _upsert(session, PlatformAction, newer, "action_id", columns, newer_by="at")
    stats.actions += len(newer)
    return {r["comment_id"] for r in newer}


def _upsert(session: Session, model: type, rows: list[dict[str, Any]], key: str,
            columns: Sequence[str], newer_by: str | None = None) -> None:
    """INSERT ... ON CONFLICT (key) DO UPDATE, in SQLite's or PostgreSQL's words; with
    ``newer_by``, only where the proposed row's value of that column is greater than the stored."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    stmt = dialect_insert(model)
    where = getattr(model, newer_by) < stmt.excluded[newer_by] if newer_by else None
    stmt = stmt.on_conflict_do_update(index_elements=[key],
                                      set_={c: stmt.excluded[c] for c in columns}, where=where)
    session.execute(stmt, rows)


def apply_verdict(session: Session, verdict: Verdict, settings: ConsoleSettings,
                  stats: IngestStats) -> Item | None:
    """Add the review item for one verdict (None if this version is already here, or it is not
    for review) through the batch path; raises :class:`BadRecord` for an identity the store
    cannot hold."""
    enforced = session.get_bind().dialect.name != "sqlite"
    values = item_values(verdict, settings, now(), varchar_limits=enforced)
    if values is None:
        return None
    before = stats.new
    apply_verdicts(session, [values], stats)
    if stats.new == before:
        return None
    return session.scalar(select(Item).where(Item.comment_id == values["comment_id"],
                                             Item.digest == values["digest"]))


def _chunks(values: list[Any], size: int = CHUNK) -> Iterable[list[Any]]:
    for i in range(0, len(values), size):
        yield values[i:i + size]


def _naive(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def instance_id(group_id: str, port: int) -> str:
    """A console's static group membership (``group.instance.id``): its host and port, which no
    other running console shares and a restarted one keeps, so that it takes its partitions
    back at once instead of waiting out the dead process's session."""
    return f"{group_id}-{socket.gethostname()}-{port}"[:240]


@dataclass
class _Parsed:
    raw: Raw
    record: Record
    values: dict[str, Any] | None = None
    #: A published comment's thread-context row.
    context: dict[str, Any] | None = None
    #: A platform action's row.
    action: dict[str, Any] | None = None
    #: A question's reply item, an agency reply's row, an aggregate's row.
    reply: dict[str, Any] | None = None
    agency: dict[str, Any] | None = None
    aggregate: dict[str, Any] | None = None


class Ingest:
    """The consumer loop: poll, apply in one transaction, dead-letter the unreadable, commit."""

    def __init__(self, db: Database, settings: ConsoleSettings, bootstrap: str, prefix: str = "",
                 *, deadletter_raw_bytes: int = 65536, on_change: Callable[[str, dict], None] | None = None,
                 max_record_bytes: int = 1_000_000, instance_id: str | None = None) -> None:
        self.db = db
        self.settings = settings
        self.bootstrap = bootstrap
        self.prefix = prefix
        self.raw_cap = deadletter_raw_bytes
        self.on_change = on_change
        self.stats = IngestStats()
        self.max_record_bytes = max_record_bytes
        #: Kafka static membership (``group.instance.id``); None: dynamic membership.
        self.instance_id = instance_id
        self.ready = False
        self.last_error: str | None = None
        self._logical = {physical(t, prefix): t for t in TOPICS}

    # -- one batch ---------------------------------------------------------------------------------
    def _dead(self, raw: Raw, reason: str, error: str, stats: IngestStats) -> DeadLetter:
        topic, partition, offset, key, value = raw
        stats.deadletters[reason] = stats.deadletters.get(reason, 0) + 1
        return DeadLetter.of(value, reason, error, "console", topic, self.raw_cap, key=key,
                             partition=partition, offset=offset)

    def apply(self, records: list[Raw]) -> tuple[list[DeadLetter], list[dict]]:
        """Apply a batch in one transaction: (dead letters to send, changes to announce)."""
        stats = IngestStats()
        dead: list[DeadLetter] = []
        good: list[_Parsed] = []
        stamp = now()
        for raw in records:
            try:
                rec = parse(self._logical.get(raw[0], raw[0]), raw[4])
                if rec is None:
                    stats.snapshots_skipped += 1
                    continue
                parsed = _Parsed(raw, rec)
                if isinstance(rec, Verdict):
                    parsed.values = item_values(rec, self.settings, stamp,
                                                varchar_limits=self.db.dialect != "sqlite")
                    parsed.reply = replies.reply_values(rec, self.settings, stamp)
                    if parsed.values is None and self.settings.context_days:
                        # published: not for review, kept as context
                        parsed.context = context_values(rec)
                        if parsed.context is None:
                            stats.context_skipped += 1
                    if parsed.values is None and parsed.context is None and parsed.reply is None:
                        continue
                elif isinstance(rec, Action):
                    parsed.action = action_values(rec)
                elif isinstance(rec, Comment):
                    parsed.agency = replies.agency_reply_values(rec)
                    if parsed.agency is None:
                        continue
                elif isinstance(rec, Aggregate):
                    parsed.aggregate = ops.aggregate_values(rec, self.settings)
                    if parsed.aggregate is None:
                        raise BadRecord("field_too_long", "the aggregate's account or organisation "
                                                          "is longer than the console keeps")
            except BadRecord as exc:
                dead.append(self._dead(raw, exc.reason, exc.error, stats))
                continue
            good.append(parsed)
        try:
            with self.db.tx() as s:
                changes = self._store(s, good, stats)
        except REFUSALS as exc:
            if self._away(exc):
                raise  # the database is away or busy: the batch is read again
            log.warning("the database refused a batch; applying it record by record",
                        extra={"error": f"{type(exc).__name__}: {exc}"[:300], "records": len(good)})
            stats = IngestStats(deadletters=stats.deadletters)
            changes = []
            for parsed in good:
                changes += self._store_alone(parsed, stats, dead)
        self.stats.add(stats)
        return dead, changes

    def _away(self, exc: Exception) -> bool:
        """Is the database away or busy (retry later), rather than refusing this statement?
        PostgreSQL reports some refusals of one row as operational errors (an index entry
        over its size limit), so an operational error counts as "away" only if the database
        then fails a ``SELECT 1`` too, or says it is locked or busy."""
        if isinstance(exc, (InterfaceError, DisconnectionError, PoolTimeout)):
            return True
        if not isinstance(exc, OperationalError):
            return False
        if exc.connection_invalidated or any(w in str(exc).lower() for w in ("locked", "busy")):
            return True
        try:
            with self.db.engine.connect() as conn:
                conn.exec_driver_sql("SELECT 1")
        except Exception:
            return True
        return False

    def _store(self, s: Session, good: list[_Parsed], stats: IngestStats) -> list[dict]:
        changes: list[dict] = []
        added = apply_verdicts(s, [p.values for p in good if p.values is not None], stats)
        apply_context(s, [p.context for p in good if p.context is not None], stats)
        changes += [{"type": "item.new", "queue": v["queue"], "organisation": v["organisation"]}
                    for v in added]
        for p in good:
            if isinstance(p.record, CommentState) and apply_state(s, p.record, stats):
                changes.append({"type": "item.platform_state", "comment_id": p.record.comment_id})
        # the reply queue: questions (answered at once by a reply read before them), then replies
        new, answered = replies.apply_reply_items(s, [p.reply for p in good if p.reply is not None])
        stats.replies_new += len(new) + len(answered)  # every question stored, open or answered
        answered += replies.apply_agency_replies(s, [p.agency for p in good if p.agency is not None])
        for p in good:
            if isinstance(p.record, CommentState) and p.record.verb in replies.PLATFORM_CLOSES:
                replies.close_on_platform(s, p.record.comment_id, replies.PLATFORM_CLOSES[p.record.verb])
        stats.replies_answered += len(answered)
        stats.agency_replies += sum(p.agency is not None for p in good)
        changes += [{"type": "reply.new", "comment_id": c} for c in new]
        changes += [{"type": "reply.answered", "comment_id": c} for c in answered]
        kept = ops.apply_aggregates(s, [p.aggregate for p in good if p.aggregate is not None])
        stats.aggregates += kept
        if kept:
            changes.append({"type": "ops.updated"})
        acted = apply_actions(s, [p.action for p in good if p.action is not None], stats)
        shown: set[str] = set()  # announced only where an item shows it
        for chunk in _chunks(sorted(acted)):
            shown.update(s.scalars(select(Item.comment_id).where(Item.comment_id.in_(chunk))))
        changes += [{"type": "item.platform_action", "comment_id": c} for c in sorted(shown)]
        return changes

    def _store_alone(self, parsed: _Parsed, stats: IngestStats, dead: list[DeadLetter]) -> list[dict]:
        mine = IngestStats()
        try:
            with self.db.tx() as s:
                changes = self._store(s, [parsed], mine)
        except IntegrityError:  # stored meanwhile by another console: a duplicate
            stats.duplicate += 1
            return []
        except REFUSALS as exc:
            if self._away(exc):
                raise
            dead.append(self._dead(parsed.raw, "store_refused", f"{type(exc).__name__}: {exc}", stats))
            return []
        stats.add(mine)
        return changes

    # -- the consumer ------------------------------------------------------------------------------
    async def run(self, stopping: asyncio.Event) -> None:
        """Consume until ``stopping``; reconnects after broker outages."""
        while not stopping.is_set():
            consumer = AIOKafkaConsumer(
                *self._logical, bootstrap_servers=self.bootstrap, group_id=self.settings.group_id,
                group_instance_id=self.instance_id, enable_auto_commit=False,
                auto_offset_reset="earliest", max_poll_records=self.settings.ingest_batch,
                isolation_level="read_committed")
            sink = KafkaSink(self.bootstrap, 10.0, client_id="civicmod-console-ingest",
                             max_request_size=self.max_record_bytes)
            try:
                await asyncio.wait_for(consumer.start(), 30)
                await sink.start()
                self.ready = True
                self.last_error = None
                await self._loop(consumer, sink, stopping)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.ready = False
                self.last_error = f"{type(exc).__name__}: {exc}"[:200]
                log.warning("console ingest interrupted, reconnecting", extra={"error": self.last_error})
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stopping.wait(), 2.0)
            finally:
                self.ready = False
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(consumer.stop(), 10)
                await sink.stop(timeout_s=5)

    async def _apply_retrying(self, records: list[Raw], stopping: asyncio.Event
                              ) -> tuple[list[DeadLetter], list[dict]]:
        """:meth:`apply`, retried while the database is briefly away or locked (then the
        consumer is restarted and the batch read again)."""
        for attempt in range(4):
            try:
                return await asyncio.to_thread(self.apply, records)
            except UNAVAILABLE as exc:
                if attempt == 3 or stopping.is_set():
                    raise
                self.last_error = f"{type(exc).__name__}: {exc}"[:200]
                log.warning("console database unavailable, retrying the batch",
                            extra={"error": self.last_error})
                await asyncio.sleep(0.5 * 2 ** attempt)
        raise AssertionError("unreachable")

    async def _loop(self, consumer: AIOKafkaConsumer, sink: KafkaSink, stopping: asyncio.Event) -> None:
        deadletters = physical(T.DEADLETTER, self.prefix)
        while not stopping.is_set():
            batches = await consumer.getmany(timeout_ms=500, max_records=self.settings.ingest_batch)
            if not batches:
                continue
            records = [(tp.topic, m.partition, m.offset, m.key, m.value)
                       for tp, msgs in batches.items() for m in msgs]
            dead, changes = await self._apply_retrying(records, stopping)
            for letter in dead:  # durable before the offsets move past them
                key = (letter.key or "").encode()
                await sink.write(deadletters, key, letter.to_json())
            offsets = {tp: msgs[-1].offset + 1 for tp, msgs in batches.items() if msgs}
            try:
                await consumer.commit(offsets)
            except (CommitFailedError, IllegalStateError, RebalanceInProgressError) as exc:
                # the partitions moved meanwhile: whoever has them now reads these records
                # again, and they change nothing twice
                log.info("ingest commit skipped after a rebalance", extra={"error": str(exc)[:200]})
            if self.on_change is not None:
                for change in changes:
                    self.on_change(change["type"], change)
