"""Items in from Kafka: verdicts from ``moderation.escalations`` and ``moderation.auto_hidden``
become review items, and ``comments.state`` updates what the platform did meanwhile.

Idempotent by comment id + text digest: a redelivered verdict changes nothing; an edited comment
is a new item (its older open versions close as ``superseded``). Offsets are committed only
after the database transaction that holds their effect, so a crash redelivers and changes
nothing twice. A record that cannot be read goes to ``comments.deadletter`` (stage ``console``)
before its offset is committed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaConsumer
from pydantic import ValidationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from civicmod.contract import topics as T
from civicmod.contract.console_settings import ConsoleSettings
from civicmod.contract.records import CommentState, DeadLetter, Verdict
from civicmod.contract.topics import physical
from civicmod.contract.wire import WireError, loads
from streams.console.db import Database, now
from streams.console.models import Item
from streams.kafka.sink import KafkaSink

log = logging.getLogger("civicmod.console.ingest")
TOPICS = (T.ESCALATIONS, T.AUTO_HIDDEN, T.STATE)


@dataclass
class IngestStats:
    new: int = 0
    duplicate: int = 0
    superseded: int = 0
    state_updates: int = 0
    deadletters: dict[str, int] = field(default_factory=dict)


class BadRecord(ValueError):
    def __init__(self, reason: str, error: str) -> None:
        super().__init__(error)
        self.reason = reason


def parse(topic: str, raw: bytes | None) -> Verdict | CommentState:
    """Decode one record of ``topic`` (logical name) or raise :class:`BadRecord`."""
    if raw is None:
        raise BadRecord("empty_value", "record has no value")
    try:
        data: Any = loads(raw)
    except WireError as exc:
        raise BadRecord(exc.reason, exc.error) from None
    model = CommentState if topic == T.STATE else Verdict
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise BadRecord("invalid_schema", str(exc.errors()[:3])[:500]) from None


def apply_verdict(session: Session, verdict: Verdict, settings: ConsoleSettings,
                  stats: IngestStats) -> Item | None:
    """Add the review item for one verdict (None if this version is already here)."""
    c = verdict.comment
    digest = c.digest()
    exists = session.scalar(select(Item.id).where(Item.comment_id == c.id, Item.digest == digest))
    if exists is not None:
        stats.duplicate += 1
        return None
    if verdict.outcome == "hide":
        queue, priority, held = "auto_hidden", 9, True
    elif verdict.outcome == "escalate" and verdict.escalation is not None:
        esc = verdict.escalation
        queue = esc.queue if esc.queue in settings.queues else "default"
        priority, held = esc.priority, esc.hold
    elif verdict.outcome == "escalate":
        queue, priority, held = "default", 5, False
    else:
        return None  # a published comment is not for review
    stamp = now()
    # an edit: the older open versions of this comment are no longer what is on the platform
    closed = session.execute(update(Item).where(Item.comment_id == c.id, Item.state == "open")
                             .values(state="superseded", claimed_by=None, lease_until=None))
    stats.superseded += closed.rowcount or 0
    item = Item(comment_id=c.id, digest=digest, platform=c.platform, account_id=c.account_id,
                organisation=settings.owner_of(c.account_id), source=verdict.outcome, queue=queue,
                priority=priority, held=held, text=c.text, author_id=c.author.id,
                author_handle=c.author.handle or c.author.display_name, parent_id=c.parent_id,
                thread_id=c.thread_id, url=c.url,
                verdict=verdict.model_dump(mode="json", by_alias=True, exclude_none=True),
                received_at=_naive(c.received_at or verdict.decided_at),
                ingested_at=stamp, state="open")
    session.add(item)
    stats.new += 1
    return item


def apply_state(session: Session, state: CommentState, stats: IngestStats) -> list[int]:
    """Record what the platform did; a removed comment's open items close. Returns their ids."""
    values: dict[str, Any] = {"platform_state": {"remove": "removed", "hide": "hidden",
                                                  "unhide": "unhidden"}[state.verb]}
    ids = list(session.scalars(select(Item.id).where(Item.comment_id == state.comment_id)))
    if not ids:
        return []
    session.execute(update(Item).where(Item.comment_id == state.comment_id).values(**values))
    if state.verb == "remove":
        session.execute(update(Item).where(Item.comment_id == state.comment_id, Item.state == "open")
                        .values(state="platform_removed", claimed_by=None, lease_until=None))
    stats.state_updates += 1
    return ids


def _naive(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


class Ingest:
    """The consumer loop: poll, apply in one transaction, dead-letter the unreadable, commit."""

    def __init__(self, db: Database, settings: ConsoleSettings, bootstrap: str, prefix: str = "",
                 *, deadletter_raw_bytes: int = 65536, on_change: Callable[[str, dict], None] | None = None,
                 max_record_bytes: int = 1_000_000) -> None:
        self.db = db
        self.settings = settings
        self.bootstrap = bootstrap
        self.prefix = prefix
        self.raw_cap = deadletter_raw_bytes
        self.on_change = on_change
        self.stats = IngestStats()
        self.max_record_bytes = max_record_bytes
        self.ready = False
        self.last_error: str | None = None
        self._logical = {physical(t, prefix): t for t in TOPICS}

    def apply(self, records: list[tuple[str, int, int, bytes | None, bytes | None]]
              ) -> tuple[list[DeadLetter], list[dict]]:
        """Apply a batch in one transaction: (dead letters to send, changes to announce)."""
        dead: list[DeadLetter] = []
        changes: list[dict] = []
        with self.db.tx() as s:
            for topic, partition, offset, key, value in records:
                logical = self._logical.get(topic, topic)
                try:
                    rec = parse(logical, value)
                except BadRecord as exc:
                    dead.append(DeadLetter.of(value, exc.reason, str(exc), "console", topic,
                                              self.raw_cap, key=key, partition=partition, offset=offset))
                    self.stats.deadletters[exc.reason] = self.stats.deadletters.get(exc.reason, 0) + 1
                    continue
                if isinstance(rec, Verdict):
                    item = apply_verdict(s, rec, self.settings, self.stats)
                    if item is not None:
                        changes.append({"type": "item.new", "queue": item.queue,
                                        "organisation": item.organisation})
                else:
                    if apply_state(s, rec, self.stats):
                        changes.append({"type": "item.platform_state", "comment_id": rec.comment_id})
        return dead, changes

    async def run(self, stopping: asyncio.Event) -> None:
        """Consume until ``stopping``; reconnects after broker outages."""
        while not stopping.is_set():
            consumer = AIOKafkaConsumer(
                *self._logical, bootstrap_servers=self.bootstrap, group_id=self.settings.group_id,
                enable_auto_commit=False, auto_offset_reset="earliest",
                max_poll_records=self.settings.ingest_batch, isolation_level="read_committed")
            sink = KafkaSink(self.bootstrap, 10.0, client_id="civicmod-console-ingest",
                             max_request_size=self.max_record_bytes)
            try:
                await asyncio.wait_for(consumer.start(), 30)
                await sink.start()
                self.ready = True
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

    async def _loop(self, consumer: AIOKafkaConsumer, sink: KafkaSink, stopping: asyncio.Event) -> None:
        while not stopping.is_set():
            batches = await consumer.getmany(timeout_ms=500, max_records=self.settings.ingest_batch)
            if not batches:
                continue
            records = [(tp.topic, m.partition, m.offset, m.key, m.value)
                       for tp, msgs in batches.items() for m in msgs]
            dead, changes = await asyncio.to_thread(self.apply, records)
            for letter in dead:  # durable before the offsets move past them
                key = (letter.key or "").encode()
                await sink.write(physical(T.DEADLETTER, self.prefix), key, letter.to_json())
            await consumer.commit()
            if self.on_change is not None:
                for change in changes:
                    self.on_change(change["type"], change)
