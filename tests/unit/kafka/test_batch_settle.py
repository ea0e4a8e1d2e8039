"""The batch consumer's bookkeeping for batches whose writes are still in flight, without a
broker: offsets become pending only once a batch's writes are done, in order; a failure commits
nothing from that batch on and cancels the later batches' writes; a cancelled wait leaves the
batch in flight. (The loop itself, on a real broker: tests/integration/kafka/test_batch_consumer.py.)"""

from __future__ import annotations

import asyncio

import pytest
from aiokafka import TopicPartition

from streams.kafka.batches import BatchConsumer

TP = TopicPartition("t", 0)


def _consumer() -> BatchConsumer:
    return BatchConsumer("127.0.0.1:1", "g", ["t"], lambda records: None)


def test_offsets_become_pending_in_order_once_each_batch_is_done():
    async def scenario() -> None:
        c = _consumer()
        loop = asyncio.get_running_loop()
        first, second = loop.create_future(), loop.create_future()
        c._inflight.extend([(first, {TP: 9}), (second, {TP: 19})])
        waiting = asyncio.ensure_future(c.settle(keep=1))
        await asyncio.sleep(0.01)
        assert not waiting.done() and c.pending == {}, "waits for the older batch"
        first.set_result(None)
        await asyncio.wait_for(waiting, 1)
        assert c.pending == {TP: 10}, "only the batch that is done"
        await c.settle(keep=1)  # the newest, not done, stays in flight
        assert c.pending == {TP: 10} and len(c._inflight) == 1
        second.set_result(None)
        await c.settle(keep=1)  # done: settled even when it may be kept
        assert c.pending == {TP: 20} and not c._inflight

    asyncio.run(scenario())


def test_a_failed_batch_commits_nothing_from_it_on_and_cancels_the_later_writes():
    async def scenario() -> None:
        c = _consumer()
        loop = asyncio.get_running_loop()
        done, failed, later = (loop.create_future() for _ in range(3))
        done.set_result(None)
        failed.set_exception(RuntimeError("the verdicts could not be written"))
        c._inflight.extend([(done, {TP: 4}), (failed, {TP: 9}), (later, {TP: 19})])
        with pytest.raises(RuntimeError, match="could not be written"):
            await c.settle()
        assert c.pending == {TP: 5}, "the batch before the failure only"
        assert later.cancelled() and not c._inflight
        c._inflight.append((done, {TP: 29}))  # nothing after a failure is ever settled
        with pytest.raises(RuntimeError, match="could not be written"):
            await c.settle()
        assert c.pending == {TP: 5}

    asyncio.run(scenario())


def test_a_cancelled_wait_leaves_the_batch_in_flight():
    async def scenario() -> None:
        c = _consumer()
        writes = asyncio.get_running_loop().create_future()
        c._inflight.append((writes, {TP: 9}))
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(c.settle(), 0.05)  # e.g. the worker stopping
        assert not writes.cancelled() and len(c._inflight) == 1, "its writes go on"
        writes.set_result(None)
        await c.settle()
        assert c.pending == {TP: 10}

    asyncio.run(scenario())


def test_writes_cancelled_before_they_were_acknowledged_count_as_a_failure():
    async def scenario() -> None:
        c = _consumer()
        writes = asyncio.get_running_loop().create_future()
        writes.cancel()
        c._inflight.append((writes, {TP: 9}))
        with pytest.raises(RuntimeError, match="cancelled before they were acknowledged"):
            await c.settle()
        assert c.pending == {}

    asyncio.run(scenario())


def test_a_rebalance_waits_for_the_batch_in_flight_and_records_its_failure():
    async def scenario() -> None:
        c = _consumer()
        loop = asyncio.get_running_loop()
        committed: list[dict] = []

        async def commit_pending() -> None:  # what it would commit (no broker here)
            committed.append(c.pending)
            c.pending = {}

        c.commit_pending = commit_pending  # type: ignore[method-assign]
        ok, failed = loop.create_future(), loop.create_future()
        c._inflight.append((ok, {TP: 9}))
        revoking = asyncio.ensure_future(c.revoked({TP}))
        await asyncio.sleep(0.01)
        assert not revoking.done(), "the partitions wait for the batch in flight"
        ok.set_result(None)
        await asyncio.wait_for(revoking, 1)
        assert committed == [{TP: 10}] and c._inflight_error is None, "settled, then committed"
        failed.set_exception(RuntimeError("refused"))
        c._inflight.append((failed, {TP: 19}))
        await c.revoked({TP})  # does not raise into the rebalance
        assert isinstance(c._inflight_error, RuntimeError)
        assert committed == [{TP: 10}, {}], "nothing of the failed batch"

    asyncio.run(scenario())
