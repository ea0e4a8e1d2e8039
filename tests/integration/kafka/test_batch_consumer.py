"""The worker's batch consumer on a real broker: a batch is committed only once everything it
produced is acknowledged (its handler returned, or the writes it left in flight are done), a
failed batch is read again by the next member, and a rebalance waits for the batch in flight
(no record handled twice, none lost)."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter

import pytest

from streams.kafka.batches import BatchConsumer
from streams.kafka.client import producer


def _topic(bootstrap: str, partitions: int, records: int) -> str:
    from kafka import KafkaAdminClient

    name = f"batches-{uuid.uuid4().hex[:8]}"
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        admin.create_topics({name: {"num_partitions": partitions, "replication_factor": 1}})
        admin.wait_for_topics([name], timeout_ms=30000)
    finally:
        admin.close()
    with producer(bootstrap) as prod:
        for i in range(records):
            prod.send(name, key=f"k{i}".encode(), value=f"v{i}".encode(), partition=i % partitions)
        prod.flush()
    return name


async def _committed(bootstrap: str, group: str, topic: str, partitions: int) -> dict[int, int | None]:
    from aiokafka import AIOKafkaConsumer, TopicPartition

    c = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    await c.start()
    try:
        return {p: await c.committed(TopicPartition(topic, p)) for p in range(partitions)}
    finally:
        await c.stop()


async def _until(cond, timeout_s: float = 60.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not cond():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.05)


@pytest.mark.kafka
def test_a_failed_batch_is_not_committed_and_is_read_again(kafka_bootstrap: str):
    topic, group = _topic(kafka_bootstrap, 2, 10), f"g-{uuid.uuid4().hex[:8]}"

    async def scenario() -> None:
        async def failing(records) -> None:
            raise RuntimeError("the judge broke")

        first = BatchConsumer(kafka_bootstrap, group, [topic], failing, session_timeout_s=6,
                              commit_interval_s=0)
        with pytest.raises(RuntimeError, match="the judge broke"):
            await asyncio.wait_for(first.run(), 60)
        assert await _committed(kafka_bootstrap, group, topic, 2) == {0: None, 1: None}

        seen: Counter[bytes] = Counter()

        async def collect(records) -> None:
            seen.update(r.key for r in records)

        second = BatchConsumer(kafka_bootstrap, group, [topic], collect, session_timeout_s=6,
                               commit_interval_s=3600)  # committed when it stops
        task = asyncio.create_task(second.run())
        await _until(lambda: sum(seen.values()) >= 10)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert seen == Counter({f"k{i}".encode(): 1 for i in range(10)})
        assert await _committed(kafka_bootstrap, group, topic, 2) == {0: 5, 1: 5}

    asyncio.run(scenario())


@pytest.mark.kafka
def test_a_rebalance_waits_for_the_batch_in_flight(kafka_bootstrap: str):
    partitions, n = 4, 40
    topic, group = _topic(kafka_bootstrap, partitions, n), f"g-{uuid.uuid4().hex[:8]}"

    async def scenario() -> None:
        seen: Counter[bytes] = Counter()
        release, holding = asyncio.Event(), asyncio.Event()

        async def slow_first(records) -> None:
            if not holding.is_set():  # the first batch stays in flight until released
                holding.set()
                await release.wait()
            seen.update(r.key for r in records)

        async def collect(records) -> None:
            seen.update(r.key for r in records)

        one = BatchConsumer(kafka_bootstrap, group, [topic], slow_first, max_records=8,
                            session_timeout_s=6, commit_interval_s=3600)
        two = BatchConsumer(kafka_bootstrap, group, [topic], collect, max_records=8,
                            session_timeout_s=6, commit_interval_s=3600)
        first = asyncio.create_task(one.run())
        await asyncio.wait_for(holding.wait(), 60)
        second = asyncio.create_task(two.run())
        await asyncio.sleep(4)  # the second member joins; the group waits on the first's batch
        release.set()
        await _until(lambda: sum(seen.values()) >= n and two.assignment())
        await asyncio.sleep(1)
        for task in (first, second):
            task.cancel()
        await asyncio.gather(first, second, return_exceptions=True)
        assert seen == Counter({f"k{i}".encode(): 1 for i in range(n)}), "each record once"
        assert one.rebalances >= 1, "the partitions were shared"

    asyncio.run(scenario())


@pytest.mark.kafka
def test_a_batch_that_blocks_the_loop_longer_than_the_session_keeps_its_partitions(
        kafka_bootstrap: str):
    """Heartbeats run on the consumer's own thread: a first batch that holds the app's loop for
    longer than the session timeout (a model loading) does not get the worker expelled, so its
    offsets commit and nothing is judged twice."""
    import time

    topic, group = _topic(kafka_bootstrap, 1, 3), f"g-{uuid.uuid4().hex[:8]}"

    async def scenario() -> None:
        seen: Counter[bytes] = Counter()

        async def blocking(records) -> None:
            if not seen:
                time.sleep(9)  # synchronous: the app's event loop does nothing meanwhile
            seen.update(r.key for r in records)

        c = BatchConsumer(kafka_bootstrap, group, [topic], blocking, session_timeout_s=6,
                          commit_interval_s=0)
        task = asyncio.create_task(c.run())
        await _until(lambda: sum(seen.values()) >= 3 and c.committed)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        assert c.commit_failures == 0
        assert seen == Counter({b"k0": 1, b"k1": 1, b"k2": 1})
        assert await _committed(kafka_bootstrap, group, topic, 1) == {0: 3}

    asyncio.run(scenario())


class _InFlight:
    """A handler that returns, for each batch, a future standing for its writes (left pending
    unless ``on_batch`` settles it); records the keys it was handed."""

    def __init__(self, on_batch=None) -> None:
        self.handed: list[list[bytes]] = []
        self.writes: list[asyncio.Future[None]] = []
        self.on_batch = on_batch

    async def __call__(self, records) -> asyncio.Future[None]:
        self.handed.append([r.key for r in records])
        self.writes.append(asyncio.get_running_loop().create_future())
        if self.on_batch is not None:
            self.on_batch(self)
        return self.writes[-1]


@pytest.mark.kafka
def test_the_next_batch_is_handed_over_while_one_is_in_flight_and_commits_wait_for_it(
        kafka_bootstrap: str):
    """A handler may return the rest of its batch's writes: the next batch is handed over
    meanwhile, the one after waits for it, and offsets are committed only once it is done."""
    topic, group = _topic(kafka_bootstrap, 1, 6), f"g-{uuid.uuid4().hex[:8]}"

    async def scenario() -> None:
        in_flight = _InFlight()
        handed, finishes = in_flight.handed, in_flight.writes

        c = BatchConsumer(kafka_bootstrap, group, [topic], in_flight, max_records=2,
                          session_timeout_s=6, commit_interval_s=0)
        task = asyncio.create_task(c.run())
        await _until(lambda: len(handed) >= 2)
        await asyncio.sleep(1.5)
        assert len(handed) == 2, "the batch after the next waits for the one in flight"
        assert not c.committed and c.pending == {}, "nothing is committed while in flight"
        finishes[0].set_result(None)
        await _until(lambda: len(handed) >= 3 and c.committed)
        assert {tp.partition: o for tp, o in c.committed.items()} == {0: 2}, "only the first"
        for fut in finishes[1:]:  # the second and the third
            fut.set_result(None)
        await _until(lambda: c.committed and max(c.committed.values()) == 6)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        assert [k for batch in handed for k in batch] == [f"k{i}".encode() for i in range(6)]
        assert await _committed(kafka_bootstrap, group, topic, 1) == {0: 6}

    asyncio.run(scenario())


@pytest.mark.kafka
def test_a_batch_whose_writes_fail_in_flight_commits_nothing_of_it_or_after(
        kafka_bootstrap: str):
    topic, group = _topic(kafka_bootstrap, 1, 6), f"g-{uuid.uuid4().hex[:8]}"

    def second_fails(batches: _InFlight) -> None:
        if len(batches.handed) == 1:
            batches.writes[0].set_result(None)
        elif len(batches.handed) == 3:  # the second's writes fail while the third is handed over
            batches.writes[1].set_exception(RuntimeError("the verdicts could not be written"))

    async def scenario() -> None:
        in_flight = _InFlight(second_fails)
        handed, futures = in_flight.handed, in_flight.writes

        c = BatchConsumer(kafka_bootstrap, group, [topic], in_flight, max_records=2,
                          session_timeout_s=6, commit_interval_s=3600)  # committed at the end
        with pytest.raises(RuntimeError, match="could not be written"):
            await asyncio.wait_for(c.run(), 60)
        assert len(handed) == 3, "the third batch was handed over while the second was in flight"
        assert futures[2].cancelled(), "the writes of the batch after the failed one are stopped"
        assert await _committed(kafka_bootstrap, group, topic, 1) == {0: 2}, \
            "the first batch only: not the failed one, not the one after it"

    asyncio.run(scenario())


@pytest.mark.kafka
def test_no_batch_of_a_partition_is_handed_over_before_its_assignment_callbacks_ran(
        kafka_bootstrap: str):
    """aiokafka installs an assignment and starts fetching before it calls the rebalance
    listener; the worker's assignment callbacks (e.g. "read the progress log before judging")
    must have run before any record of those partitions reaches the handler."""
    topic, group = _topic(kafka_bootstrap, 2, 20), f"g-{uuid.uuid4().hex[:8]}"

    async def scenario() -> None:
        ready: set[int] = set()
        early: list[int] = []
        seen: Counter[bytes] = Counter()

        async def collect(records) -> None:
            early.extend(r.partition for r in records if r.partition not in ready)
            seen.update(r.key for r in records)

        consumer = BatchConsumer(kafka_bootstrap, group, [topic], collect, session_timeout_s=6,
                                 commit_interval_s=3600)
        slow_assigned = consumer.assigned

        async def assigned(tps, committed) -> None:
            await asyncio.sleep(3)  # long enough for the fetcher to have records to return
            await slow_assigned(tps, committed)

        consumer.assigned = assigned  # type: ignore[method-assign]
        consumer.on_assigned.append(lambda tps: ready.update(tp.partition for tp in tps))
        task = asyncio.create_task(consumer.run())
        await _until(lambda: sum(seen.values()) >= 20)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        assert early == [], "records handed over before their partition's callbacks ran"
        assert seen == Counter({f"k{i}".encode(): 1 for i in range(20)}), "none lost, none twice"

    asyncio.run(scenario())
