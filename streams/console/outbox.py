"""The transactional outbox: a change and the Kafka records that report it are written in one
database transaction; the relay publishes the records and marks them, so a broker outage loses
nothing (the rows wait) and a crash duplicates nothing.

Exactly once on the topic: every record carries the header ``civicmod-outbox:
<database id>:<row id>``, and the relay keeps three rules.

1. **A row handed to the producer is never handed to it again while that producer may still
   deliver it.** An idempotent producer retries a batch until the broker answers (aiokafka never
   expires them), so records sent while the broker is away are not given up: the relay keeps
   their acknowledgements in flight, sends nothing new, and marks them as they arrive (the
   broker's back, or a SIGTERM ends the process). It never stops a producer that still holds
   records in order to send them again with another one: that old producer would deliver them
   too.
2. **Before sending anything after a start, a failed record or a failed mark**, the relay
   (with no producer holding anything of ours) reads each partition of the topics with rows to
   publish, from after the last offset it marked there (and from no earlier than the oldest
   unpublished row's time, less ``SKEW_S``), to the end, and marks the rows whose records it
   finds (``reconcile``): a crash between Kafka's acknowledgement and the database's mark is
   healed without a second copy.
3. **One process relays at a time** (a lease row, renewed every pass).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import KafkaError
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from civicmod.contract.topics import physical
from streams.console.db import Database, now
from streams.console.models import Lease, OutboxRow
from streams.kafka.sink import PERMANENT_ERRORS, start_producer

log = logging.getLogger("civicmod.console.outbox")
HEADER = "civicmod-outbox"
LEASE = "outbox-relay"
#: How far the clocks of the console processes that write rows (``created_at``) and of the
#: broker or producer that stamps records may disagree: reconcile reads from this much before
#: the oldest unpublished row.
SKEW_S = 300.0


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
    #: Records handed to the producer and not yet acknowledged (broker away: they wait here).
    in_flight: int = 0
    by_topic: dict[str, int] = field(default_factory=dict)


@dataclass
class _Sent:
    row_id: int
    topic: str
    future: asyncio.Future  # type: ignore[type-arg]


class Relay:
    """Publishes outbox rows in id order; see the module docstring for the guarantees."""

    def __init__(self, db: Database, bootstrap: str, prefix: str = "", *, batch: int = 500,
                 interval_s: float = 0.2, timeout_s: float = 10.0, max_record_bytes: int = 1_000_000,
                 lease_s: float = 15.0, linger_s: float = 0.05) -> None:
        self.db = db
        self.bootstrap = bootstrap
        self.prefix = prefix
        self.batch = batch
        self.interval_s = interval_s
        self.timeout_s = timeout_s
        self.max_record_bytes = max_record_bytes
        self.lease_s = lease_s
        #: After a wake-up, wait this long for more rows: one pass then carries the decisions of
        #: many moderators (a pass costs ~4 ms of CPU, a record ~0.04 ms).
        self.linger_s = linger_s
        self.holder = f"relay-{uuid.uuid4().hex[:12]}"
        self.producer: AIOKafkaProducer | None = None
        self.stats = RelayStats()
        self.wake = asyncio.Event()
        self._reconciled = False
        #: Records the producer holds (rule 1): nothing new is sent until they are settled.
        self._in_flight: list[_Sent] = []
        #: A record failed for good: the producer is replaced (once nothing is in flight).
        self._broken = False
        #: Until when this relay holds the lease (as it wrote it), None when it does not.
        self._lease_until: datetime | None = None
        self._backlog_at = 0.0

    # -- the lease -------------------------------------------------------------------------------
    def _take_lease(self) -> bool:
        """Hold the relay's lease: taken, or renewed once a third of it has passed (no other
        process can take it before it ends, so a fresh one needs no write)."""
        t = now()
        if self._lease_until is not None and t < self._lease_until - timedelta(seconds=self.lease_s / 3):
            return True
        self._lease_until = None
        with self.db.tx() as s:
            lease = s.get(Lease, LEASE, with_for_update=True)
            if lease is None:
                s.add(Lease(name=LEASE, holder=self.holder, until=_later(t, self.lease_s)))
            elif lease.holder == self.holder or lease.until < t:
                if lease.holder != self.holder:
                    self._reconciled = False  # someone else relayed meanwhile
                lease.holder, lease.until = self.holder, _later(t, self.lease_s)
            else:
                return False
        self._lease_until = _later(t, self.lease_s)
        return True

    def _drop_lease(self) -> None:
        self._lease_until = None
        with self.db.tx() as s:
            lease = s.get(Lease, LEASE, with_for_update=True)
            if lease is not None and lease.holder == self.holder:
                s.delete(lease)

    # -- reconcile: what of ours is already on the topics? -----------------------------------
    def _positions(self) -> dict[tuple[str, int], int]:
        """The highest offset marked, per (logical topic, partition)."""
        with self.db.read() as s:
            rows = s.execute(select(OutboxRow.topic, OutboxRow.partition, func.max(OutboxRow.offset))
                             .where(OutboxRow.partition.is_not(None), OutboxRow.partition >= 0)
                             .group_by(OutboxRow.topic, OutboxRow.partition)).all()
        return {(t, p): o for t, p, o in rows}

    def _pending(self) -> dict[str, datetime]:
        """The topics with rows to publish, and the oldest such row's time (naive UTC)."""
        with self.db.read() as s:
            rows = s.execute(select(OutboxRow.topic, func.min(OutboxRow.created_at))
                             .where(OutboxRow.published_at.is_(None))
                             .group_by(OutboxRow.topic)).all()
        return {t: oldest for t, oldest in rows}

    async def reconcile(self) -> int:
        """Mark the rows whose records are already on their topics; return how many.

        Only call with no producer of ours holding records (rule 1): what it finds is final."""
        pending = await asyncio.to_thread(self._pending)
        if not pending:
            self._reconciled = True
            return 0
        positions = await asyncio.to_thread(self._positions)
        db_id = self.db.db_id
        found: dict[int, tuple[int, int]] = {}
        consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, enable_auto_commit=False,
                                    isolation_level="read_committed",
                                    request_timeout_ms=int(self.timeout_s * 1000) + 5000)
        await asyncio.wait_for(consumer.start(), self.timeout_s * 2)
        try:
            for logical, oldest in sorted(pending.items()):
                name = physical(logical, self.prefix)
                parts = await asyncio.wait_for(_partitions(consumer, name), self.timeout_s * 2)
                tps = [TopicPartition(name, p) for p in parts]
                consumer.assign(tps)
                ends = await asyncio.wait_for(consumer.end_offsets(tps), self.timeout_s)
                begins = await asyncio.wait_for(consumer.beginning_offsets(tps), self.timeout_s)
                since_ms = int((oldest.replace(tzinfo=UTC).timestamp() - SKEW_S) * 1000)
                by_time = await asyncio.wait_for(
                    consumer.offsets_for_times({tp: max(since_ms, 0) for tp in tps}), self.timeout_s)
                todo: dict[TopicPartition, int] = {}
                for tp in tps:
                    # our unmarked records are after the last one marked, and (being sent after
                    # their rows were written) no older than the oldest unpublished row
                    at_time = by_time.get(tp)
                    start = max(positions.get((logical, tp.partition), -1) + 1, begins[tp],
                                at_time.offset if at_time is not None else ends[tp])
                    if start < ends[tp]:
                        consumer.seek(tp, start)
                        todo[tp] = ends[tp]
                    else:
                        consumer.pause(tp)
                await self._read_to_end(consumer, todo, db_id, found, name)
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

    async def _read_to_end(self, consumer: AIOKafkaConsumer, todo: dict[TopicPartition, int],
                           db_id: str, found: dict[int, tuple[int, int]], name: str) -> None:
        """Read each partition of ``todo`` up to its end offset, collecting our rows' positions.

        Done by the consumer's position, not the last record's offset: the last offsets before
        the end may hold no record for us to see (transaction markers, aborted or compacted
        records)."""
        stalled_after = max(30.0, self.timeout_s * 3)
        last_progress = time.monotonic()
        while todo:
            batches = await consumer.getmany(*todo, timeout_ms=500)
            for msgs in batches.values():
                for msg in msgs:
                    row_id = _row_id(msg.headers, db_id)
                    if row_id is not None:
                        found[row_id] = (msg.partition, msg.offset)
            if batches:
                last_progress = time.monotonic()
            for tp in list(todo):
                if await consumer.position(tp) >= todo[tp]:
                    todo.pop(tp)
                    consumer.pause(tp)
            if todo and time.monotonic() - last_progress > stalled_after:
                raise TimeoutError(f"could not read {name} to its end to reconcile")

    def _mark(self, done: dict[int, tuple[int, int]]) -> None:
        if not done:
            return
        t = now()
        table = OutboxRow.__table__
        stmt = (table.update()
                .where(table.c.id == bindparam("row_id"), table.c.published_at.is_(None))
                .values(published_at=t, partition=bindparam("p"), offset=bindparam("o")))
        params = [{"row_id": i, "p": p, "o": o} for i, (p, o) in done.items()]
        with self.db.tx() as s:
            s.connection().execute(stmt, params)

    # -- publishing ----------------------------------------------------------------------------
    def _next(self) -> list[tuple[int, str, str, bytes]]:
        with self.db.read() as s:
            return [tuple(r) for r in s.execute(  # type: ignore[misc]
                select(OutboxRow.id, OutboxRow.topic, OutboxRow.key, OutboxRow.value)
                .where(OutboxRow.published_at.is_(None)).order_by(OutboxRow.id).limit(self.batch))]

    async def _ensure_producer(self) -> AIOKafkaProducer:
        if self.producer is None:
            self.producer = await start_producer(self.bootstrap, self.timeout_s,
                                                 "civicmod-console-outbox", linger_ms=2,
                                                 max_request_size=self.max_record_bytes)
        return self.producer

    async def _close_producer(self, timeout_s: float) -> None:
        """Stop the producer. With records in flight (only when the relay stops) the wait is
        bounded, and then its sender is cancelled so that nothing more leaves this process."""
        prod, self.producer = self.producer, None
        self._reconciled = False
        if prod is None:
            return
        try:
            await asyncio.wait_for(prod.stop(), timeout_s)
        except (TimeoutError, KafkaError, OSError) as exc:
            log.warning("outbox producer did not flush before stopping", extra={
                "error": f"{type(exc).__name__}: {exc}"[:200], "in_flight": len(self._in_flight)})
            sender = getattr(prod, "_sender", None)
            task = getattr(sender, "sender_task", None)
            if task is not None and not task.done():
                task.cancel()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(prod.client.close(), 5)

    async def _settle(self, wait_s: float, stopping: asyncio.Event | None = None) -> int:
        """Wait up to ``wait_s`` for the records in flight; mark those acknowledged. Returns how
        many were marked; the others stay in flight."""
        if not self._in_flight:
            return 0
        deadline = time.monotonic() + wait_s
        while True:
            pending = [s.future for s in self._in_flight if not s.future.done()]
            left = deadline - time.monotonic()
            if not pending or left <= 0 or (stopping is not None and stopping.is_set()):
                break
            await asyncio.wait(pending, timeout=min(left, 0.5))
        done: dict[int, tuple[int, int]] = {}
        refused: dict[int, tuple[int, int]] = {}
        still: list[_Sent] = []
        topics: dict[str, int] = {}
        for sent in self._in_flight:
            if not sent.future.done():
                still.append(sent)
            elif sent.future.cancelled() or sent.future.exception() is not None:
                exc = None if sent.future.cancelled() else sent.future.exception()
                self._broken = True  # failed for good: replace the producer, then reconcile
                self.stats.last_error = f"{type(exc).__name__}: {exc}"[:200]
                if isinstance(exc, PERMANENT_ERRORS):  # the broker will never take it
                    refused[sent.row_id] = (-1, -1)
            else:
                meta = sent.future.result()
                done[sent.row_id] = (meta.partition, meta.offset)
                topics[sent.topic] = topics.get(sent.topic, 0) + 1
        self._in_flight = still
        self.stats.in_flight = len(still)
        if done or refused:
            try:
                await asyncio.to_thread(self._mark, {**done, **refused})
            except BaseException:
                self._reconciled = False  # on Kafka, not marked: reconcile finds them
                raise
        if refused:
            self.stats.refused += len(refused)
            log.error("outbox records refused by Kafka", extra={"rows": list(refused)[:20]})
        self.stats.published += len(done)
        for topic, n in topics.items():
            self.stats.by_topic[topic] = self.stats.by_topic.get(topic, 0) + n
        return len(done)

    async def publish_once(self, stopping: asyncio.Event | None = None) -> int:
        """Settle what is in flight, else publish the next batch; return how many rows were
        marked."""
        if self._in_flight:
            moved = await self._settle(self.timeout_s, stopping)
            if self._in_flight or not self._broken:
                return moved
        if self._broken:  # nothing in flight: this producer can be replaced safely
            self._broken = False
            await self._close_producer(self.timeout_s)
        rows = await asyncio.to_thread(self._next)
        if not rows:
            return 0
        prod = await self._ensure_producer()
        if not self._reconciled:
            await self.reconcile()
            rows = await asyncio.to_thread(self._next)
            if not rows:
                return 0
        db_id = self.db.db_id
        refused: list[int] = []
        try:
            for row_id, topic, key, value in rows:
                header = [(HEADER, f"{db_id}:{row_id}".encode())]
                try:
                    # not wrapped in wait_for: a cancelled send could have queued the record
                    # without our knowing; send() gives up after request_timeout_ms by itself
                    fut = await prod.send(physical(topic, self.prefix), value=value, key=key.encode(),
                                          headers=header)
                except PERMANENT_ERRORS:
                    refused.append(row_id)
                    continue
                self._in_flight.append(_Sent(row_id, topic, fut))
        finally:
            self.stats.in_flight = len(self._in_flight)
            if refused:
                # a record Kafka can never take: keep the row (it is the audit's evidence), mark
                # it with partition -1 so it is not retried forever, and say so loudly
                await asyncio.to_thread(self._mark, {i: (-1, -1) for i in refused})
                self.stats.refused += len(refused)
                log.error("outbox records refused by Kafka", extra={"rows": refused[:20]})
        return await self._settle(self.timeout_s, stopping)

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
                        moved = await self.publish_once(stopping)
                        delay = self.interval_s
                    elif self._in_flight:  # not ours to send now, but what we sent is ours to mark
                        moved = await self._settle(self.timeout_s, stopping)
                except Exception as exc:  # broker away, lease lost, DB busy: retry
                    self.stats.failures += 1
                    self.stats.last_error = f"{type(exc).__name__}: {exc}"[:200]
                    log.warning("outbox relay failed, retrying", extra={
                        "error": self.stats.last_error, "retry_s": round(delay, 2),
                        "in_flight": len(self._in_flight)})
                    if not self._in_flight:  # else rule 1: keep the producer that holds them
                        await self._close_producer(self.timeout_s)
                    delay = min(max(delay * 2, 0.5), 5.0)
                if time.monotonic() - self._backlog_at >= 1.0:  # for /healthz: once a second
                    self._backlog_at = time.monotonic()
                    with contextlib.suppress(Exception):
                        self.stats.lag, self.stats.oldest_pending_s = await asyncio.to_thread(self.backlog)
                if moved or self._in_flight:
                    if self._in_flight and not moved:
                        await _sleep(stopping, 0.2)
                    elif moved < self.batch:  # caught up: let the next rows gather
                        await _sleep(stopping, self.linger_s)
                    continue
                self.wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(_first(stopping, self.wake), delay)
                if self.wake.is_set():
                    await _sleep(stopping, self.linger_s)
        finally:
            await self._close_producer(min(self.timeout_s, 5.0))
            with contextlib.suppress(Exception):
                await self._settle(0, None)  # mark what was acknowledged, the flush included
            self._in_flight = []
            with contextlib.suppress(Exception):
                await asyncio.to_thread(self._drop_lease)


async def _sleep(stopping: asyncio.Event, seconds: float) -> None:
    """Sleep, but no longer than until ``stopping`` is set."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stopping.wait(), seconds)


async def _first(*events: asyncio.Event) -> None:
    tasks = [asyncio.ensure_future(e.wait()) for e in events]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for t in tasks:
            t.cancel()


async def _partitions(consumer: AIOKafkaConsumer, topic: str) -> list[int]:
    """The topic's partitions, from a metadata request for every topic (the consumer's own
    metadata covers only the topics it was assigned, and ``assign`` replaces them: the second
    topic of a reconcile was never found, was skipped, and its records sent again). Raises
    rather than skip a topic: what is on it could then be sent twice."""
    for attempt in range(10):
        cluster = await consumer._client.fetch_all_metadata()
        parts = cluster.partitions_for_topic(topic)
        if parts:
            return sorted(parts)
        await asyncio.sleep(0.2 * (attempt + 1))
    raise TimeoutError(f"no partitions known for {topic}: cannot reconcile it")


def _row_id(headers: Sequence[tuple[str, bytes]] | None, db_id: str) -> int | None:
    for name, value in headers or ():
        if name == HEADER:
            origin, _, row = value.decode("ascii", "replace").partition(":")
            if origin == db_id and row.isdigit():
                return int(row)
    return None


def _later(t: datetime, seconds: float) -> datetime:
    return t + timedelta(seconds=seconds)
