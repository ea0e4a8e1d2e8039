"""State kept in Kafka topics, read into memory at start and followed (the gateway's dedupe
index and cursors, the worker's signal logs).

A :class:`KafkaTable` reads its topic from the beginning (``loaded`` is set once it reached the
end offsets it saw at start), then keeps consuming, so several replicas see each other's
writes within a poll interval. Writes go through the gateway's producer (acks=all). Each record
is passed to ``apply(key, value, timestamp_ms)``; the table keeps the latest value per key unless
a subclass decides otherwise (the dedupe index keeps only a digest and a time).

:class:`MemoryTable` has the same interface without Kafka (unit tests, tools).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError

from streams.kafka.sink import BrokerUnavailable, KafkaSink, RecordRefused


class MemoryTable:
    """Latest JSON value per key, in memory."""

    def __init__(self) -> None:
        self.data: dict[str, Any] = {}
        self.loaded = asyncio.Event()
        self.loaded.set()

    def apply(self, key: str, value: bytes | None, timestamp_ms: int) -> None:
        if value is None:
            self.data.pop(key, None)
        else:
            self.data[key] = json.loads(value)

    def get(self, key: str) -> Any:
        return self.data.get(key)

    async def put(self, key: str, value: Any) -> None:
        self.apply(key, json.dumps(value).encode(), int(time.time() * 1000))


class KafkaTable(MemoryTable):
    def __init__(self, bootstrap: str, topic: str, sink: KafkaSink | None, name: str,
                 on_record: Callable[[str, bytes | None, int], None] | None = None,
                 partitions: list[int] | None = None,
                 log: logging.Logger | None = None) -> None:
        """``sink`` writes (``put``) and finds the partitions; a read-only table (the worker's
        signal logs) passes ``sink=None`` and its ``partitions``."""
        super().__init__()
        if on_record is not None:
            self.apply = on_record  # type: ignore[method-assign]
        self.loaded = asyncio.Event()
        self.bootstrap = bootstrap
        self.topic = topic
        self.sink = sink
        self.name = name
        self.partitions = partitions
        self.log = log or logging.getLogger("civicmod.state")
        self.records_read = 0
        self.records_failed = 0
        self._task: asyncio.Task[None] | None = None
        self._consumer: AIOKafkaConsumer | None = None
        self._positions: dict[TopicPartition, int] = {}

    @property
    def task(self) -> asyncio.Task[None] | None:
        return self._task

    def start(self) -> None:
        """Start loading and following in the background (needs a started sink, if any)."""
        self._task = asyncio.get_running_loop().create_task(self._run(), name=f"table-{self.name}")

    async def _run(self) -> None:
        delay = 1.0
        while True:
            try:
                await self._follow()
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # Kafka trouble, or a bug: log, back off, read on
                self.log.warning("state topic reader failed, restarting", extra={
                    "topic": self.topic, "error": f"{type(exc).__name__}: {exc}"[:200]})
            finally:
                if self._consumer is not None:
                    consumer, self._consumer = self._consumer, None
                    with contextlib.suppress(Exception):
                        await asyncio.wait_for(consumer.stop(), 5)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 15.0)

    async def _follow(self) -> None:
        partitions = self.partitions
        if partitions is None:
            assert self.sink is not None and self.sink.producer is not None, "start the sink first"
            partitions = await asyncio.wait_for(self.sink.producer.partitions_for(self.topic), 30)
        tps = [TopicPartition(self.topic, p) for p in sorted(partitions)]
        self._consumer = consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap, group_id=None, enable_auto_commit=False,
            client_id=f"civicmod-{self.name}", fetch_max_wait_ms=200)
        await consumer.start()
        consumer.assign(tps)
        for tp in tps:  # from the start, or where an earlier reader of this table stopped
            if tp in self._positions:
                consumer.seek(tp, self._positions[tp])
            else:
                await consumer.seek_to_beginning(tp)
        ends = await consumer.end_offsets(tps)
        while True:
            batches = await consumer.getmany(timeout_ms=500, max_records=10_000)
            for tp, records in batches.items():
                for r in records:
                    key = r.key.decode("utf-8", "replace") if r.key is not None else ""
                    try:
                        self.apply(key, r.value, r.timestamp)
                    except Exception as exc:  # one bad record never stops the table
                        self.records_failed += 1
                        self.log.warning("state record not applied", extra={
                            "topic": self.topic, "offset": r.offset,
                            "error": f"{type(exc).__name__}: {exc}"[:200]})
                    self.records_read += 1
                if records:
                    self._positions[tp] = records[-1].offset + 1
            if not self.loaded.is_set():
                positions = {tp: await consumer.position(tp) for tp in tps}
                if all(positions[tp] >= ends[tp] for tp in tps):
                    self.loaded.set()
                    self.log.info("state topic loaded", extra={"topic": self.topic,
                                                           "records": self.records_read})

    async def sync(self, timeout_s: float = 30.0) -> bool:
        """Wait until every record written to the topic before this call has been applied
        (read-your-peers'-writes); False if that did not happen within ``timeout_s``."""
        deadline = asyncio.get_running_loop().time() + timeout_s
        ends: dict[TopicPartition, int] | None = None
        while True:
            consumer = self._consumer
            try:
                if consumer is not None and self.loaded.is_set():
                    tps = list(consumer.assignment())
                    if ends is None:
                        ends = await consumer.end_offsets(tps)
                    positions = {tp: await consumer.position(tp) for tp in ends}
                    if all(positions[tp] >= end for tp, end in ends.items()):
                        return True
            except (KafkaError, AssertionError, TimeoutError) as exc:  # reader restarting
                self.log.debug("table sync retry: %r", exc)
                ends = None
            if asyncio.get_running_loop().time() >= deadline:
                return False
            await asyncio.sleep(0.05)

    async def put(self, key: str, value: Any) -> None:
        """Write one value and wait for its acknowledgement (raises BrokerUnavailable)."""
        assert self.sink is not None, "a read-only table"
        raw = json.dumps(value).encode()
        fut = await self.sink.send(self.topic, key.encode(), raw)
        try:
            await asyncio.wait_for(asyncio.shield(fut), self.sink.timeout_s)
        except (KafkaError, TimeoutError) as exc:
            self.sink.mark_failed(exc)
            raise BrokerUnavailable(f"{self.topic} write not acknowledged") from exc
        self.apply(key, raw, int(time.time() * 1000))

    async def put_many(self, items: list[tuple[str, Any]]) -> None:
        """Write several values, waiting for all acknowledgements at once (raises
        BrokerUnavailable); each is applied here once acknowledged."""
        assert self.sink is not None, "a read-only table"
        raws = [(key, json.dumps(value).encode()) for key, value in items]
        try:
            await self.sink.write_many([(self.topic, key.encode(), raw) for key, raw in raws])
        except RecordRefused:
            raise
        except (KafkaError, TimeoutError) as exc:
            self.sink.mark_failed(exc)
            raise BrokerUnavailable(f"{self.topic} write not acknowledged") from exc
        now_ms = int(time.time() * 1000)
        for key, raw in raws:
            self.apply(key, raw, now_ms)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None
