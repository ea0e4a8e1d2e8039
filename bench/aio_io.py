"""The load side of the latency benches on aiokafka: one event loop on its own thread holds a
producer (records handed over without awaiting each acknowledgement, a paced schedule run on
the loop itself) and a reader of the outcome and dead-letter topics from their end.

kafka-python, which the benches used before, cost this process ~1.1–1.3 ms of CPU per comment
(producer, its sender thread and a reader thread contending for the GIL): at a few hundred
comments/s that is a core of the box the worker runs on, and the reader's delays were counted
as the worker's latency. Here the load side costs a small fraction of that (``bench CPU`` in
the reports), so the figures are the worker's.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterable, Sequence
from typing import Any

#: (topic, key, value, partition or None)
Record = tuple[str, bytes | None, bytes, int | None]


class VerdictIO(threading.Thread):
    """Producer plus reader of ``topics`` (outcomes and dead letters) on one loop. Notes when
    each key first arrives (``received``, wall clock) and its record's Kafka timestamp
    (``written``: when the worker's producer took it)."""

    def __init__(self, bootstrap: str, topics: Sequence[str], deadletter_topic: str) -> None:
        super().__init__(daemon=True, name="verdict-io")
        self.bootstrap = bootstrap
        self.topics = list(topics)
        self.deadletter_topic = deadletter_topic
        self.received: dict[bytes, float] = {}
        self.written: dict[bytes, float] = {}
        self.deadletters = 0
        self.duplicates = 0
        self.sample: dict[str, Any] | None = None
        self.error: BaseException | None = None
        self.ready = threading.Event()
        self.done = threading.Event()
        self.lock = threading.Lock()
        self._want: set[bytes] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._halt: asyncio.Event | None = None
        self._producer: Any = None

    # -- what the bench thread calls -----------------------------------------------------------
    def expect(self, keys: Iterable[bytes]) -> None:
        """Set ``done`` once every one of ``keys`` has a verdict or a dead letter."""
        with self.lock:
            self._want = {k for k in keys if k not in self.received}
            if self._want:
                self.done.clear()
            else:
                self.done.set()

    def missing(self) -> int:
        with self.lock:
            return len(self._want)

    def send(self, records: Sequence[Record], rate: float = 0.0) -> tuple[dict[bytes, float], float]:
        """Produce ``records`` (at ``rate`` per second, open loop, when > 0) and wait until all
        are acknowledged; returns each key's send time (wall clock) and how far the schedule
        fell behind at most (s)."""
        return self._call(self._send(records, rate))

    def stop(self) -> None:
        if self._loop is not None and self._halt is not None:
            self._loop.call_soon_threadsafe(self._halt.set)
        self.join(timeout=15)

    # -- the loop ------------------------------------------------------------------------------
    def _call(self, coro: Any) -> Any:
        assert self._loop is not None, "not started"
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result()

    async def _send(self, records: Sequence[Record], rate: float) -> tuple[dict[bytes, float], float]:
        prod, clock, sent_at, lag = self._producer, time.time, {}, 0.0
        if rate <= 0:
            for topic, key, value, partition in records:
                sent_at[key or b""] = clock()
                await prod.send(topic, value, key=key, partition=partition)
        else:
            interval, t0 = 1.0 / rate, time.perf_counter()
            for i, (topic, key, value, partition) in enumerate(records):
                ahead = t0 + i * interval - time.perf_counter()
                if ahead > 0.0005:
                    await asyncio.sleep(ahead)
                elif ahead < 0:
                    lag = max(lag, -ahead)
                sent_at[key or b""] = clock()
                await prod.send(topic, value, key=key, partition=partition)
        await prod.flush()
        return sent_at, lag

    def run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

        self._loop, self._halt = asyncio.get_running_loop(), asyncio.Event()
        cons = prod = None
        try:
            prod = AIOKafkaProducer(bootstrap_servers=self.bootstrap, acks="all", linger_ms=2,
                                    enable_idempotence=True)
            await prod.start()
            self._producer = prod
            cons = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, enable_auto_commit=False,
                                    group_id=None, fetch_max_wait_ms=20)
            await cons.start()
            tps = [TopicPartition(t, p) for t in self.topics
                   for p in sorted(cons.partitions_for_topic(t) or await _partitions(cons, t))]
            cons.assign(tps)
            await cons.seek_to_end(*tps)
            for tp in tps:  # resolve the end offsets now, before anything is produced
                await cons.position(tp)
            self.ready.set()
            halt = asyncio.ensure_future(self._halt.wait())
            while not self._halt.is_set():
                fetch = asyncio.ensure_future(cons.getmany(timeout_ms=200))
                await asyncio.wait({fetch, halt}, return_when=asyncio.FIRST_COMPLETED)
                if not fetch.done():
                    fetch.cancel()
                    break
                self._take(fetch.result())
        except BaseException as exc:
            self.error = exc
            self.ready.set()
        finally:
            for client in (cons, prod):
                if client is not None:
                    try:
                        await asyncio.wait_for(client.stop(), 10)
                    except Exception as exc:
                        self.error = self.error or exc

    def _take(self, batch: dict[Any, list[Any]]) -> None:
        now = time.time()
        with self.lock:
            for records in batch.values():
                for r in records:
                    key = r.key or b""
                    if key in self.received:
                        self.duplicates += 1
                        continue
                    self.received[key] = now
                    self.written[key] = r.timestamp / 1000
                    if r.topic == self.deadletter_topic:
                        self.deadletters += 1
                    elif self.sample is None and key in self._want:
                        self.sample = json.loads(r.value)
                    self._want.discard(key)
            if not self._want:
                self.done.set()


async def _partitions(consumer: Any, topic: str) -> set[int]:
    """A topic's partitions once the consumer's metadata has it (it was just created)."""
    for _ in range(50):
        await consumer._client.force_metadata_update()
        found = consumer.partitions_for_topic(topic)
        if found:
            return found
        await asyncio.sleep(0.1)
    raise RuntimeError(f"topic {topic} has no partitions in the broker's metadata")
