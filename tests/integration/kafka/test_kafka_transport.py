"""The transport fix: after a rebalance, partitions the group never committed are read again
from the start, not from wherever the fetcher had got to while Faust was recovering tables."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from streams.kafka.client import producer
from streams.kafka.transport import rewind_uncommitted


def _topic(bootstrap: str, partitions: int = 2) -> str:
    from kafka import KafkaAdminClient

    name = f"rewind-{uuid.uuid4().hex[:8]}"
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        admin.create_topics({name: {"num_partitions": partitions, "replication_factor": 1}})
        admin.wait_for_topics([name], timeout_ms=30000)
    finally:
        admin.close()
    return name


async def _positions_after_rewind(bootstrap: str, topic: str, skip: tuple[str, ...]) -> dict[int, int]:
    from aiokafka import AIOKafkaConsumer, TopicPartition

    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=f"g-{uuid.uuid4().hex[:8]}",
                                enable_auto_commit=False, auto_offset_reset="earliest")
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in (0, 1)]
        consumer.assign(tps)
        await consumer.commit({tps[1]: 0})  # partition 1 committed at 0, partition 0 never
        got = 0
        while got < 6:  # what Faust's fetcher does while it recovers: read ahead, then drop
            batch = await consumer.getmany(timeout_ms=1000)
            got += sum(len(v) for v in batch.values())
        assert {tp.partition: await consumer.position(tp) for tp in tps} == {0: 3, 1: 3}
        committed = await rewind_uncommitted(consumer, skip, "earliest")
        assert {tp.partition: off for tp, off in committed.items()} == {0: None, 1: 0}
        return {tp.partition: await consumer.position(tp) for tp in tps}
    finally:
        await consumer.stop()


@pytest.mark.kafka
def test_uncommitted_partitions_are_read_again(kafka_bootstrap: str):
    topic = _topic(kafka_bootstrap)
    with producer(kafka_bootstrap) as prod:  # three records in each partition
        for i in range(6):
            prod.send(topic, key=f"k{i}".encode(), value=b"v", partition=i % 2)
        prod.flush()
    assert asyncio.run(_positions_after_rewind(kafka_bootstrap, topic, ())) == {0: 0, 1: 0}
    # changelog topics are positioned by Faust's recovery, not here
    assert asyncio.run(_positions_after_rewind(kafka_bootstrap, topic, (topic,))) == {0: 3, 1: 3}
