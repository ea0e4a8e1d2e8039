"""The transactional outbox: a change and the Kafka records that report it are written in one
database transaction; the relay publishes the records and marks them, so a broker outage loses
nothing (the rows wait) and a crash duplicates nothing.

Exactly once on the topic: every record carries the header ``civicmod-outbox:
<database id>:<row id>``. Before it (re)sends anything, after a start or a failed send, the relay
stops its producer (nothing of the old session can land later), reads each partition from the
last offset it had marked to the end, and marks the rows it finds there as published. Only
then does it send what is still unmarked. One process relays at a time (a lease row).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from aiokafka import AIOKafkaConsumer, TopicPartition
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from civicmod.contract.topics import physical
from streams.console.db import Database, now
from streams.console.models import Lease, OutboxRow
from streams.kafka.sink import KafkaSink, RecordRefused

log = logging.getLogger("civicmod.console.outbox")
HEADER = "civicmod-outbox"
LEASE = "outbox-relay"


def enqueue(session: Session, topic: str, key: str, value: bytes) -> OutboxRow:
    """Add a record to publish on (logical) ``topic`` when the caller's transaction commits."""
    row = OutboxRow(topic=topic, key=key, value=value, created_at=now())
    session.add(row)
    return row


@dataclass
class RelayStats:
    published: int = 0
    reconciled: int = 0
    failures: int = 0
    refused: int = 0
    last_error: str | None = None
    lag: int = 0
    oldest_pending_s: float = 0.0
    by_topic: dict[str, int] = field(default_factory=dict)


class Relay:
    """Publishes outbox rows in id order; see the module docstring for the guarantees."""

    def __init__(self, db: Database, bootstrap: str, prefix: str = "", *, batch: int = 500,
                 interval_s: float = 0.2, timeout_s: float = 10.0, max_record_bytes: int = 1_000_000,
                 lease_s: float = 15.0) -> None:
        self.db = db
        self.bootstrap = bootstrap
        self.prefix = prefix
        self.batch = batch
        self.interval_s = interval_s
        self.timeout_s = timeout_s
        self.max_record_bytes = max_record_bytes
        self.lease_s = lease_s
        self.holder = f"relay-{uuid.uuid4().hex[:12]}"
        self.sink: KafkaSink | None = None
        self.stats = RelayStats()
        self.wake = asyncio.Event()
        self._reconciled = False

    # -- the lease -------------------------------------------------------------------------------
    def _take_lease(self) -> bool:
        t = now()
        with self.db.tx() as s:
            lease = s.get(Lease, LEASE, with_for_update=True)
            if lease is None:
                s.add(Lease(name=LEASE, holder=self.holder, until=_later(t, self.lease_s)))
                return True
            if lease.holder == self.holder or lease.until < t:
                if lease.holder != self.holder:
                    self._reconciled = False  # someone else relayed meanwhile
                lease.holder, lease.until = self.holder, _later(t, self.lease_s)
                return True
            return False

    def _drop_lease(self) -> None:
        with self.db.tx() as s:
            lease = s.get(Lease, LEASE, with_for_update=True)
            if lease is not None and lease.holder == self.holder:
                s.delete(lease)

    # -- reconcile: what of ours is already on the topics? -----------------------------------
    def _positions(self) -> dict[tuple[str, int], int]:
        """The highest offset marked, per (logical topic, partition)."""
        with self.db.read() as s:
            rows = s.execute(select(OutboxRow.topic, OutboxRow.partition, func.max(OutboxRow.offset))
                             .where(OutboxRow.partition.is_not(None))
                             .group_by(OutboxRow.topic, OutboxRow.partition)).all()
        return {(t, p): o for t, p, o in rows}

    def _pending_topics(self) -> list[str]:
        with self.db.read() as s:
            return list(s.scalars(select(OutboxRow.topic).where(OutboxRow.published_at.is_(None))
                                  .distinct()))

    async def reconcile(self) -> int:
        """Mark the rows whose records are already on their topics; return how many."""
        topics = self._pending_topics()
        if not topics:
            self._reconciled = True
            return 0
        positions = self._positions()
        db_id = self.db.db_id
        found: dict[int, tuple[int, int]] = {}
        consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, enable_auto_commit=False,
                                    isolation_level="read_committed",
                                    request_timeout_ms=int(self.timeout_s * 1000) + 5000)
        await asyncio.wait_for(consumer.start(), self.timeout_s)
        try:
            for logical in topics:
                name = physical(logical, self.prefix)
                parts = await asyncio.wait_for(_partitions(consumer, name), self.timeout_s)
                tps = [TopicPartition(name, p) for p in parts]
                if not tps:
                    continue
                consumer.assign(tps)
                ends = await asyncio.wait_for(consumer.end_offsets(tps), self.timeout_s)
                begins = await asyncio.wait_for(consumer.beginning_offsets(tps), self.timeout_s)
                todo = {}
                for tp in tps:
                    start = max(positions.get((logical, tp.partition), -1) + 1, begins[tp])
                    if start < ends[tp]:
                        consumer.seek(tp, start)
                        todo[tp] = ends[tp]
                    else:
                        consumer.pause(tp)
                deadline = time.monotonic() + max(30.0, self.timeout_s * 3)
                while todo and time.monotonic() < deadline:
                    batches = await consumer.getmany(*todo, timeout_ms=500)
                    for tp, msgs in batches.items():
                        for msg in msgs:
                            row_id = _row_id(msg.headers, db_id)
                            if row_id is not None:
                                found[row_id] = (msg.partition, msg.offset)
                            if msg.offset + 1 >= todo.get(tp, 0):
                                todo.pop(tp, None)
                                consumer.pause(tp)
                if todo:
                    raise TimeoutError(f"could not read {name} to its end to reconcile")
        finally:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(consumer.stop(), 5)
        if found:
            await asyncio.to_thread(self._mark, found)
        self.stats.reconciled += len(found)
        self._reconciled = True
        if found:
            log.info("outbox reconciled", extra={"already_published": len(found)})
        return len(found)

    def _mark(self, done: dict[int, tuple[int, int]]) -> None:
        t = now()
        with self.db.tx() as s:
            for row_id, (partition, offset) in done.items():
                s.execute(update(OutboxRow).where(OutboxRow.id == row_id,
                                                  OutboxRow.published_at.is_(None))
                          .values(published_at=t, partition=partition, offset=offset))

    # -- publishing ----------------------------------------------------------------------------
    def _next(self) -> list[OutboxRow]:
        with self.db.read() as s:
            return list(s.scalars(select(OutboxRow).where(OutboxRow.published_at.is_(None))
                                  .order_by(OutboxRow.id).limit(self.batch)))

    async def _ensure_sink(self) -> KafkaSink:
        if self.sink is None:
            sink = KafkaSink(self.bootstrap, self.timeout_s, client_id="civicmod-console-outbox",
                             max_request_size=self.max_record_bytes)
            await sink.start()
            self.sink = sink
        return self.sink

    async def _reset_sink(self) -> None:
        """Stop the producer: nothing it still holds can land after this (reconcile then sees
        everything that did)."""
        sink, self.sink = self.sink, None
        self._reconciled = False
        if sink is not None:
            await sink.stop(timeout_s=self.timeout_s)

    async def publish_once(self) -> int:
        """Publish one batch; return how many rows were marked."""
        rows = await asyncio.to_thread(self._next)
        if not rows:
            return 0
        sink = await self._ensure_sink()
        if not self._reconciled:
            await self.reconcile()
            rows = await asyncio.to_thread(self._next)
            if not rows:
                return 0
        db_id = self.db.db_id
        futures = []
        refused: list[int] = []
        for row in rows:
            header = [(HEADER, f"{db_id}:{row.id}".encode())]
            try:
                fut = await sink.send(physical(row.topic, self.prefix), row.key.encode(), row.value,
                                      header)
            except RecordRefused:
                refused.append(row.id)
                continue
            futures.append((row, fut))
        done: dict[int, tuple[int, int]] = {}
        try:
            for row, fut in futures:
                meta = await asyncio.wait_for(fut, self.timeout_s)
                done[row.id] = (meta.partition, meta.offset)  # type: ignore[attr-defined]
        finally:
            if done:
                await asyncio.to_thread(self._mark, done)
        if refused:
            # a record Kafka can never take: keep the row (it is the audit's evidence), mark it
            # with partition -1 so it is not retried forever, and say so loudly
            await asyncio.to_thread(self._mark, {i: (-1, -1) for i in refused})
            self.stats.refused += len(refused)
            log.error("outbox records refused by Kafka", extra={"rows": refused[:20]})
        self.stats.published += len(done)
        for row, _ in futures:
            if row.id in done:
                self.stats.by_topic[row.topic] = self.stats.by_topic.get(row.topic, 0) + 1
        return len(done)

    def backlog(self) -> tuple[int, float]:
        with self.db.read() as s:
            count, oldest = s.execute(select(func.count(), func.min(OutboxRow.created_at))
                                      .where(OutboxRow.published_at.is_(None))).one()
        age = (now() - oldest).total_seconds() if oldest is not None else 0.0
        return int(count), age

    async def run(self, stopping: asyncio.Event) -> None:
        """Relay until ``stopping`` is set; broker outages are waited out with backoff."""
        delay = self.interval_s
        try:
            while not stopping.is_set():
                moved = 0
                try:
                    if await asyncio.to_thread(self._take_lease):
                        moved = await self.publish_once()
                        delay = self.interval_s
                except Exception as exc:  # broker away, lease lost, DB busy: retry
                    self.stats.failures += 1
                    self.stats.last_error = f"{type(exc).__name__}: {exc}"[:200]
                    log.warning("outbox relay failed, retrying", extra={
                        "error": self.stats.last_error, "retry_s": round(delay, 2)})
                    await self._reset_sink()
                    delay = min(max(delay * 2, 0.5), 5.0)
                with contextlib.suppress(Exception):
                    self.stats.lag, self.stats.oldest_pending_s = await asyncio.to_thread(self.backlog)
                if moved:
                    continue
                self.wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(_first(stopping, self.wake), delay)
        finally:
            await self._reset_sink()
            with contextlib.suppress(Exception):
                await asyncio.to_thread(self._drop_lease)


async def _first(*events: asyncio.Event) -> None:
    tasks = [asyncio.ensure_future(e.wait()) for e in events]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for t in tasks:
            t.cancel()


async def _partitions(consumer: AIOKafkaConsumer, topic: str) -> list[int]:
    for _ in range(20):
        parts = consumer.partitions_for_topic(topic)
        if parts:
            return sorted(parts)
        await consumer._client.force_metadata_update()
        await asyncio.sleep(0.1)
    return []


def _row_id(headers: Sequence[tuple[str, bytes]] | None, db_id: str) -> int | None:
    for name, value in headers or ():
        if name == HEADER:
            origin, _, row = value.decode("ascii", "replace").partition(":")
            if origin == db_id and row.isdigit():
                return int(row)
    return None


def _later(t, seconds: float):  # type: ignore[no-untyped-def]
    from datetime import timedelta

    return t + timedelta(seconds=seconds)
