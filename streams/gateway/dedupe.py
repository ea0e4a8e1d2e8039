"""Dropping platform redeliveries: dedupe keys in the ``gateway.dedupe`` topic.

A key (see ``streams.gateway.events``) is recorded only after the record it stands for was
acknowledged by Kafka; the in-memory index is a cache of the topic (digest → record time), rebuilt
from it at start and kept current by following it, so a restarted gateway, or another replica,
drops a redelivery too. Keys older than ``window_s`` no longer count, and the topic itself deletes
them after 7 days (``civicmod.contract.topics.TOPIC_CONFIGS``).

Records (docs/schemas.md, "gateway.dedupe"): the keys acknowledged within one flush interval go
together in one ``civicmod.gateway_dedupe/2`` record (a unique Kafka key, at most
``KEYS_PER_RECORD`` keys and ``RECORD_BYTES`` of them), so a comment costs the gateway and the
broker a share of one record, not a record of its own written and read back. Version 1 records
(one per key, the dedupe key as the Kafka key, ``{"webhook_id": ...}``) written by older
gateways are still read.

Not exactly-once: a gateway that dies between a comment's acknowledgement and its key's write, or
two replicas that receive the same redelivery at the same instant, write the comment twice.
Downstream consumers dedupe on the comment id and text digest (``streams.kafka.verdict_dedupe``).
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import itertools
import os
import time
from collections.abc import Callable
from typing import Any

import orjson

from streams.gateway.logs import log
from streams.gateway.metrics import GatewayMetrics
from streams.kafka.sink import KafkaSink
from streams.kafka.state_table import KafkaTable

#: Dedupe keys are written in batches this often (they are not on the request's critical path).
FLUSH_INTERVAL_S = 0.02
#: The record's schema, and the most keys in one record (~100 bytes each), and the most bytes of
#: keys and webhook ids (a quarter of Kafka's default record limit: hostile ids can be long).
SCHEMA = "civicmod.gateway_dedupe/2"
KEYS_PER_RECORD = 500
RECORD_BYTES = 256 * 1024


def chunks(keys: list[tuple[str, str]]) -> list[list[tuple[str, str]]]:
    """``keys`` in order, cut into records of at most ``KEYS_PER_RECORD`` keys and about
    ``RECORD_BYTES`` (a single larger key gets a record of its own)."""
    out: list[list[tuple[str, str]]] = []
    size = 0
    for pair in keys:
        n = len(pair[0]) + len(pair[1]) + 8
        if not out or len(out[-1]) >= KEYS_PER_RECORD or size + n > RECORD_BYTES:
            out.append([])
            size = 0
        out[-1].append(pair)
        size += n
    return out


def encode_keys(keys: list[tuple[str, str]]) -> bytes:
    """A version 2 record's value: the keys and the webhook each came from."""
    return orjson.dumps({"schema": SCHEMA, "keys": keys})


def decode_keys(key: str, value: bytes) -> list[str]:
    """The dedupe keys a record holds: its ``keys`` (version 2), else its own Kafka key
    (version 1). Raises ValueError for a value that is neither."""
    data: Any = orjson.loads(value)
    if not isinstance(data, dict):
        raise ValueError("a dedupe record's value is not an object")
    if data.get("schema") == SCHEMA:
        keys = data.get("keys")
        if not isinstance(keys, list) or not all(
                isinstance(k, list) and k and isinstance(k[0], str) for k in keys):
            raise ValueError("a dedupe record's keys are not [key, webhook id] pairs")
        return [k[0] for k in keys]
    if "schema" in data:
        raise ValueError(f"unknown dedupe record schema {str(data['schema'])[:60]!r}")
    return [key]


def _digest(key: str) -> bytes:
    return hashlib.blake2b(key.encode(), digest_size=16).digest()


#: The index notes which keys it added in each minute, so a prune visits only expired keys.
BUCKET_MS = 60_000


class DedupeIndex:
    """Key digests → record time in ms; ``contains`` honours the window.

    Each key is also listed under the minute of its time, so :meth:`prune` visits only the
    minutes that left the window. It used to test every key: 145-276 ms of the event loop
    each minute for 3 million keys (a 3-day window at ~12 comments/s), every webhook waiting;
    now 0.3-0.9 ms (``bench/dedupe_prune.py``)."""

    def __init__(self, window_s: float, clock: Callable[[], float] = time.time) -> None:
        self.window_ms = int(window_s * 1000)
        self.clock = clock
        self._seen: dict[bytes, int] = {}
        self._minutes: dict[int, list[bytes]] = {}

    def add(self, key: str, timestamp_ms: int) -> None:
        """Note ``key`` at ``timestamp_ms`` (one already out of the window is not kept: the topic
        keeps 7 days of keys, a window at most 7 days)."""
        if self.clock() * 1000 - timestamp_ms >= self.window_ms:
            return
        d = _digest(key)
        if timestamp_ms > self._seen.get(d, -1):
            self._seen[d] = timestamp_ms
            minute = timestamp_ms // BUCKET_MS
            keys = self._minutes.get(minute)
            if keys is None:
                self._minutes[minute] = [d]
            else:
                keys.append(d)

    def contains(self, key: str) -> bool:
        ts = self._seen.get(_digest(key))
        return ts is not None and self.clock() * 1000 - ts < self.window_ms

    def prune(self) -> int:
        """Forget the keys of the minutes wholly out of the window (those of the minute the
        window's edge falls in wait for the next prune; ``contains`` ignores them already)."""
        cutoff = self.clock() * 1000 - self.window_ms
        edge = cutoff // BUCKET_MS
        removed = 0
        for minute in [m for m in self._minutes if m < edge]:
            for d in self._minutes.pop(minute):
                ts = self._seen.get(d)
                if ts is not None and ts < cutoff:  # not seen again since
                    del self._seen[d]
                    removed += 1
        return removed

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
        #: Version 2 records' Kafka keys: this gateway's instance, then a sequence number.
        self._instance = os.urandom(6).hex()
        self._seq = itertools.count()

    def _on_record(self, key: str, value: bytes | None, timestamp_ms: int) -> None:
        """Index a record's keys (a malformed record raises: the table counts and skips it)."""
        if value is not None:
            for k in decode_keys(key, value):
                self.index.add(k, timestamp_ms)

    def start(self) -> None:
        self.table.start()

    def remember(self, key: str, webhook_id: str) -> None:
        """Index now; write the key in the background (the comment itself is already durable).
        The keys of each ``FLUSH_INTERVAL_S`` are written together, in one record."""
        super().remember(key, webhook_id)
        self._buffer.append((key, webhook_id))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.get_running_loop().create_task(self._flush())

    async def _flush(self) -> None:
        while self._buffer:
            if not self._stopping:
                await asyncio.sleep(FLUSH_INTERVAL_S)
            batch, self._buffer = self._buffer, []
            for keys in chunks(batch):
                self._write(keys)

    def _write(self, keys: list[tuple[str, str]]) -> None:
        record_key = f"keys|{self._instance}|{next(self._seq)}".encode()
        try:
            ack = self.sink.submit(self.topic, record_key, encode_keys(keys))
        except Exception as exc:  # BrokerUnavailable: counted and logged
            self._failed(keys, exc)
            return
        self._writes.add(ack)
        ack.add_done_callback(functools.partial(self._acked, keys))

    def _acked(self, keys: list[tuple[str, str]], ack: asyncio.Future[None]) -> None:
        self._writes.discard(ack)
        if ack.cancelled():
            self._failed(keys, asyncio.CancelledError())
        elif (exc := ack.exception()) is not None:
            self._failed(keys, exc)

    def _failed(self, keys: list[tuple[str, str]], exc: BaseException) -> None:
        """The comments are written; only their keys are not (a redelivery may be written
        again). Counted per key; one log line names the first webhooks."""
        if self.metrics is not None:
            self.metrics.dedupe_record_errors.inc(len(keys))
        log.warning("dedupe keys not recorded", extra={
            "keys": len(keys), "webhook_ids": sorted({w for _, w in keys})[:5],
            "error": f"{type(exc).__name__}: {exc}"[:200]})

    async def stop(self) -> None:
        """Write what is buffered and wait (bounded) for the acknowledgements."""
        self._stopping = True
        if self._flusher is not None:
            await asyncio.wait([self._flusher], timeout=self.sink.timeout_s)
        if self._writes:
            await asyncio.wait(list(self._writes), timeout=self.sink.timeout_s)
        await self.table.stop()
