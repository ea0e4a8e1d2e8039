"""The worker's sender on a real broker: records handed over a batch per partition land where
aiokafka's own ``send`` would put them, in order, and a batch the broker refuses costs only the
record at fault (the others are sent again alone and written)."""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.partitioner import DefaultPartitioner

from streams.moderate.moderator import Output
from streams.moderate.stage import ProducerSender, Stage


def _create(bootstrap: str, name: str, partitions: int, **config: str) -> None:
    from kafka import KafkaAdminClient
    from kafka.admin import NewTopic

    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        admin.create_topics([NewTopic(name, partitions, 1, topic_configs=config)])
    finally:
        admin.close()


class _Producer:
    """What ``ProducerSender`` needs of the Faust app's producer."""

    def __init__(self, prod: AIOKafkaProducer) -> None:
        self.prod = prod

    def client(self) -> AIOKafkaProducer:
        return self.prod

    async def send_now(self) -> None:
        await self.prod.flush()


async def _read(bootstrap: str, topic: str, expected: int) -> dict[int, list[tuple[bytes, bytes | None]]]:
    cons = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest",
                            enable_auto_commit=False)
    await cons.start()
    got: dict[int, list[tuple[bytes, bytes | None]]] = defaultdict(list)
    try:
        deadline = asyncio.get_running_loop().time() + 30
        while sum(map(len, got.values())) < expected:
            assert asyncio.get_running_loop().time() < deadline, dict(got)
            for tp, recs in (await cons.getmany(timeout_ms=500)).items():
                got[tp.partition] += [(r.key, r.value) for r in recs]
        await asyncio.sleep(0.5)  # nothing more than expected arrives
        for tp, recs in (await cons.getmany(timeout_ms=500)).items():
            got[tp.partition] += [(r.key, r.value) for r in recs]
    finally:
        await cons.stop()
    return got


async def _deliver(bootstrap: str, topics: dict[str, str], records: list[Output],
                   max_request_size: int = 1_000_000):
    prod = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True,
                            linger_ms=5, max_request_size=max_request_size)  # as the worker's
    await prod.start()
    try:
        stage = Stage(None, ProducerSender(topics, _Producer(prod), max_request_size), max_backoff_s=0.1)  # type: ignore[arg-type]
        return await stage.deliver(records, "test records")
    finally:
        await prod.stop()


@pytest.mark.kafka
def test_records_land_in_the_default_partitioners_partition_in_order(kafka_bootstrap: str):
    topic = f"sender-{uuid.uuid4().hex[:8]}"
    _create(kafka_bootstrap, topic, 6)
    # ~50 records of ~400 bytes a partition: more than one 16 KiB producer batch each
    records = [Output("out", f"facebook:104729384756201_{i}".encode(), f"v{i}".encode() * 120)
               for i in range(300)]
    records += [Output("out", f"pinned{i}".encode(), f"p{i}".encode(), partition=4) for i in range(20)]
    records.append(Output("out", b"gone", None, partition=2))  # a tombstone

    refused = asyncio.run(_deliver(kafka_bootstrap, {"out": topic}, records))
    assert refused == []
    got = asyncio.run(_read(kafka_bootstrap, topic, len(records)))
    assert sum(map(len, got.values())) == len(records)
    expected: dict[int, list[tuple[bytes, bytes | None]]] = defaultdict(list)
    for rec in records:
        p = rec.partition if rec.partition is not None else DefaultPartitioner()(rec.key, list(range(6)),
                                                                                  list(range(6)))
        expected[p].append((rec.key, rec.value))
    assert dict(got) == dict(expected)  # each partition: the same records, in the order handed over
    assert len(got) == 6


@pytest.mark.kafka
def test_a_refused_batch_costs_only_the_record_at_fault(kafka_bootstrap: str):
    # The topic takes record batches of at most 3,000 bytes, and the sender is told so (as the
    # worker's is told kafka.max_record_bytes, the topics' limit): the 5,000-byte record is
    # refused before it reaches the broker; the six of 900 bytes handed over as one batch are
    # refused by the broker together, though each fits alone, and are sent again one by one.
    topic = f"sender-small-{uuid.uuid4().hex[:8]}"
    _create(kafka_bootstrap, topic, 1, **{"max.message.bytes": "3000"})
    records = [Output("out", f"k{i}".encode(), bytes([65 + i]) * 900, partition=0) for i in range(6)]
    records.insert(3, Output("out", b"huge", b"x" * 5000, partition=0))

    refused = asyncio.run(_deliver(kafka_bootstrap, {"out": topic}, records, max_request_size=3000))
    assert [(rec.key, type(exc).__name__) for rec, exc in refused] == [(b"huge", "MessageSizeTooLargeError")]
    got = asyncio.run(_read(kafka_bootstrap, topic, 6))
    assert got[0] == [(r.key, r.value) for r in records if r.key != b"huge"]  # each once, in order


@pytest.mark.kafka
def test_a_record_sent_on_its_own_keeps_its_place(kafka_bootstrap: str):
    # A record near the sender's limit is handed to aiokafka's own ``send`` (which takes it: the
    # producer's limit is higher here); the records before it in the same partition go first.
    topic = f"sender-order-{uuid.uuid4().hex[:8]}"
    _create(kafka_bootstrap, topic, 1)
    records = [Output("out", f"k{i}".encode(), b"v" * 100, partition=0) for i in range(6)]
    records.insert(3, Output("out", b"big", b"b" * 2800, partition=0))

    refused = asyncio.run(_deliver(kafka_bootstrap, {"out": topic}, records, max_request_size=3000))
    assert refused == []
    got = asyncio.run(_read(kafka_bootstrap, topic, len(records)))
    assert [k for k, _ in got[0]] == [r.key for r in records]
