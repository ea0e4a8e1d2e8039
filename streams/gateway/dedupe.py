"""Dropping platform redeliveries: dedupe keys in the compacted ``gateway.dedupe`` topic.

A key (see ``streams.gateway.events``) is recorded only after the record it stands for was
acknowledged by Kafka; the in-memory index is a cache of the topic (digest → record time), rebuilt
from it at start and kept current by following it, so a restarted gateway, or another replica,
drops a redelivery too. Keys older than ``window_s`` no longer count, and the topic itself deletes
them after 7 days (``civicmod.contract.topics.TOPIC_CONFIGS``).

Not exactly-once: a gateway that dies between a comment's acknowledgement and its key's write, or
two replicas that receive the same redelivery at the same instant, write the comment twice.
Downstream consumers dedupe on the comment id and text digest (``streams.kafka.verdict_dedupe``).
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import json
import time
from collections.abc import Callable

from streams.gateway.logs import log
from streams.gateway.metrics import GatewayMetrics
from streams.kafka.sink import KafkaSink
from streams.kafka.state_table import KafkaTable

#: Dedupe keys are written in batches this often (they are not on the request's critical path).
FLUSH_INTERVAL_S = 0.02


def _digest(key: str) -> bytes:
    return hashlib.blake2b(key.encode(), digest_size=16).digest()


class DedupeIndex:
    """Key digests → record time in ms; ``contains`` honours the window."""

    def __init__(self, window_s: float, clock: Callable[[], float] = time.time) -> None:
        self.window_ms = int(window_s * 1000)
        self.clock = clock
        self._seen: dict[bytes, int] = {}

    def add(self, key: str, timestamp_ms: int) -> None:
        d = _digest(key)
        if timestamp_ms > self._seen.get(d, -1):
            self._seen[d] = timestamp_ms

    def contains(self, key: str) -> bool:
        ts = self._seen.get(_digest(key))
        return ts is not None and self.clock() * 1000 - ts < self.window_ms

    def prune(self) -> int:
        cutoff = self.clock() * 1000 - self.window_ms
        old = [d for d, ts in self._seen.items() if ts < cutoff]
        for d in old:
            del self._seen[d]
        return len(old)

    def __len__(self) -> int:
        return len(self._seen)


class Dedupe:
    """The dedupe store; this base class keeps keys in memory only (tests, tools)."""

    def __init__(self, window_s: float, metrics: GatewayMetrics | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.index = DedupeIndex(window_s, clock)
        self.metrics = metrics
        self.clock = clock
        self.loaded = asyncio.Event()
        self.loaded.set()
        if metrics is not None:  # read when scraped: no gauge update per key
            metrics.dedupe_keys.set_function(lambda: len(self.index))

    def contains(self, key: str) -> bool:
        return self.index.contains(key)

    def remember(self, key: str, webhook_id: str) -> None:
        self.index.add(key, int(self.clock() * 1000))

    def prune(self) -> int:
        return self.index.prune()

    def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass


class KafkaDedupe(Dedupe):
    """Keys written to (and read back from) the ``gateway.dedupe`` topic."""

    def __init__(self, bootstrap: str, topic: str, sink: KafkaSink, window_s: float,
                 metrics: GatewayMetrics | None = None) -> None:
        super().__init__(window_s, metrics)
        self.sink = sink
        self.topic = topic
        self.table = KafkaTable(bootstrap, topic, sink, "dedupe", on_record=self._on_record,
                                log=log)
        self.loaded = self.table.loaded
        self._writes: set[asyncio.Future[None]] = set()
        self._buffer: list[tuple[str, str]] = []
        self._flusher: asyncio.Task[None] | None = None
        self._stopping = False

    def _on_record(self, key: str, value: bytes | None, timestamp_ms: int) -> None:
        if value is not None:
            self.index.add(key, timestamp_ms)

    def start(self) -> None:
        self.table.start()

    def remember(self, key: str, webhook_id: str) -> None:
        """Index now; write the key in the background (the comment itself is already durable).
        Keys are written together every ``FLUSH_INTERVAL_S``: a few large batches instead of
        one produce request per comment."""
        super().remember(key, webhook_id)
        self._buffer.append((key, webhook_id))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.get_running_loop().create_task(self._flush())

    async def _flush(self) -> None:
        while self._buffer:
            if not self._stopping:
                await asyncio.sleep(FLUSH_INTERVAL_S)
            batch, self._buffer = self._buffer, []
            for key, webhook_id in batch:
                value = json.dumps({"webhook_id": webhook_id}).encode()
                try:
                    ack = self.sink.submit(self.topic, key.encode(), value)
                except Exception as exc:  # BrokerUnavailable: counted and logged
                    self._failed(webhook_id, exc)
                    continue
                self._writes.add(ack)
                ack.add_done_callback(functools.partial(self._acked, webhook_id))

    def _acked(self, webhook_id: str, ack: asyncio.Future[None]) -> None:
        self._writes.discard(ack)
        if ack.cancelled():
            self._failed(webhook_id, asyncio.CancelledError())
        elif (exc := ack.exception()) is not None:
            self._failed(webhook_id, exc)

    def _failed(self, webhook_id: str, exc: BaseException) -> None:
        """The comment is written; only its key is not (a redelivery may be written again)."""
        if self.metrics is not None:
            self.metrics.dedupe_record_errors.inc()
        log.warning("dedupe key not recorded", extra={
            "webhook_id": webhook_id, "error": f"{type(exc).__name__}: {exc}"[:200]})

    async def stop(self) -> None:
        """Write what is buffered and wait (bounded) for the acknowledgements."""
        self._stopping = True
        if self._flusher is not None:
            await asyncio.wait([self._flusher], timeout=self.sink.timeout_s)
        if self._writes:
            await asyncio.wait(list(self._writes), timeout=self.sink.timeout_s)
        await self.table.stop()
