"""Dedupe, write, wait for the acknowledgements: the path every request and poll page takes.

For each event of a batch: skip it if its dedupe key is known (a redelivery) or repeated within
the batch; if another request is writing the same key right now (X sends one copy per subscribed
user, often at the same instant), wait for that write instead of writing again; otherwise write
it (comments → ``comments.incoming``, state changes → ``comments.state``, unusable items →
``comments.deadletter``), keyed by comment id. The key is recorded once the write is acknowledged.
If any write of the batch is not acknowledged within the timeout, :class:`IngestFailed` is raised
(the caller answers 503 and the platform redelivers; what did get written is then a duplicate).
A write that times out keeps going in the background: if it lands later its key is recorded too.
"""

from __future__ import annotations

import asyncio
import base64
import time
from dataclasses import dataclass

from aiokafka.errors import KafkaError

from civicmod.schema import DeadLetter, utcnow
from streams import topics as T
from streams.gateway.dedupe import Dedupe
from streams.gateway.events import Batch, CommentEvent, Event, Invalid, StateEvent
from streams.gateway.metrics import GatewayMetrics
from streams.gateway.sink import BrokerUnavailable, KafkaSink


@dataclass
class IngestResult:
    written: int = 0  # comment versions on comments.incoming
    state: int = 0  # state changes on comments.state
    invalid: int = 0  # unusable items on comments.deadletter
    duplicates: int = 0
    ignored: int = 0
    failed: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"written": self.written, "state": self.state, "invalid": self.invalid,
                "duplicates": self.duplicates, "ignored": self.ignored, "failed": self.failed}


class IngestFailed(BrokerUnavailable):
    def __init__(self, result: IngestResult) -> None:
        super().__init__(f"{result.failed} record(s) not acknowledged by Kafka in time")
        self.result = result


class Ingestor:
    def __init__(self, sink: KafkaSink, dedupe: Dedupe, prefix: str, metrics: GatewayMetrics,
                 timeout_s: float) -> None:
        self.sink = sink
        self.dedupe = dedupe
        self.metrics = metrics
        self.timeout_s = timeout_s
        self.topics = {CommentEvent: T.physical(T.INCOMING, prefix),
                       StateEvent: T.physical(T.STATE, prefix),
                       Invalid: T.physical(T.DEADLETTER, prefix)}
        self._pending: dict[str, asyncio.Task[None]] = {}

    def _record(self, ev: Event, platform: str, webhook_id: str
                ) -> tuple[str, bytes, bytes, list[tuple[str, bytes]]]:
        headers = [("civicmod-source", f"gateway:{platform}".encode()),
                   ("civicmod-webhook-id", webhook_id.encode())]
        topic = self.topics[type(ev)]
        if isinstance(ev, CommentEvent):
            headers.append(("civicmod-verb", ev.verb.encode()))
            return topic, ev.comment.id.encode(), ev.comment.to_json(), headers
        if isinstance(ev, StateEvent):
            headers.append(("civicmod-verb", ev.state.verb.encode()))
            return topic, ev.state.comment_id.encode(), ev.state.to_json(), headers
        dead = DeadLetter(reason="gateway_invalid_item", error=ev.error,
                          source_topic=f"webhook:{platform}", key=webhook_id,
                          raw_base64=base64.b64encode(ev.raw).decode(), stage="gateway",
                          failed_at=utcnow())
        return topic, ev.key.encode(), dead.to_json(), headers

    async def _write(self, key: str, record: tuple[str, bytes, bytes, list[tuple[str, bytes]]],
                     webhook_id: str) -> None:
        topic, k, v, headers = record
        started = time.monotonic()
        fut = await self.sink.send(topic, k, v, headers)
        try:
            await fut
        except KafkaError as exc:
            self.sink.mark_failed(exc)
            raise BrokerUnavailable(f"write not acknowledged: {type(exc).__name__}") from exc
        self.metrics.ack_seconds.observe(time.monotonic() - started)
        self.sink.healthy = True
        self.dedupe.remember(key, webhook_id)

    def _start(self, key: str, ev: Event, platform: str, webhook_id: str) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(
            self._write(key, self._record(ev, platform, webhook_id), webhook_id))
        self._pending[key] = task
        self.metrics.pending.inc()

        def done(t: asyncio.Task[None]) -> None:
            if self._pending.get(key) is t:
                del self._pending[key]
            self.metrics.pending.dec()
            if not t.cancelled():
                t.exception()  # retrieved: failures are reported through the waiting request

        task.add_done_callback(done)
        return task

    @property
    def pending(self) -> int:
        return len(self._pending)

    async def ingest(self, platform: str, batch: Batch, webhook_id: str) -> IngestResult:
        """Write what is new in ``batch``; return the counts or raise :class:`IngestFailed`."""
        res = IngestResult(ignored=sum(batch.ignored.values()))
        for reason, n in batch.ignored.items():
            self.metrics.ignored.labels(platform, reason).inc(n)
        waits: list[tuple[Event, asyncio.Task[None], bool]] = []
        keys: set[str] = set()
        for ev in batch.events:
            key = ev.key
            if key in keys or self.dedupe.contains(key):
                res.duplicates += 1
                continue
            keys.add(key)
            task = self._pending.get(key)
            if task is not None:
                waits.append((ev, task, False))  # someone else is writing it: wait for that
            else:
                waits.append((ev, self._start(key, ev, platform, webhook_id), True))
        if waits:
            await asyncio.wait({t for _, t, _ in waits}, timeout=self.timeout_s)
        for ev, task, mine in waits:
            if not task.done() or task.cancelled() or task.exception() is not None:
                res.failed += 1
            elif not mine:
                res.duplicates += 1
            elif isinstance(ev, CommentEvent):
                res.written += 1
            elif isinstance(ev, StateEvent):
                res.state += 1
            else:
                res.invalid += 1
        m = self.metrics.events
        for outcome, n in (("written", res.written), ("state", res.state), ("invalid", res.invalid),
                           ("duplicate", res.duplicates), ("failed", res.failed)):
            if n:
                m.labels(platform, outcome).inc(n)
        if res.failed:
            raise IngestFailed(res)
        return res
