"""KafkaSink.write / submit: records of concurrent writers are handed to the producer together,
each writer still waits for its own acknowledgement, and errors keep their meaning (a fake
producer, no broker)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiokafka.errors import KafkaConnectionError, MessageSizeTooLargeError

from streams.kafka.sink import HAND_SLICE, BrokerUnavailable, KafkaSink, RecordRefused


class FakeProducer:
    """Records every ``send`` (and the task that made it) and hands back ack futures the test
    resolves; ``refuse`` makes ``send`` raise for values starting with it."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes, bytes]] = []
        self.acks: list[asyncio.Future[object]] = []
        self.tasks: set[asyncio.Task[Any] | None] = set()
        self.refuse: bytes | None = None

    async def send(self, topic: str, value: bytes, key: bytes, headers: Any = None) -> Any:
        if self.refuse is not None and value.startswith(self.refuse):
            raise MessageSizeTooLargeError("too large")
        self.sent.append((topic, key, value))
        self.tasks.add(asyncio.current_task())
        fut: asyncio.Future[object] = asyncio.get_running_loop().create_future()
        self.acks.append(fut)
        return fut


def sink_with(producer: FakeProducer) -> KafkaSink:
    sink = KafkaSink("unused:9092", timeout_s=5.0)
    sink.producer = producer  # type: ignore[assignment]
    sink.healthy = True
    return sink


async def _settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


def test_concurrent_writes_are_handed_over_in_one_flush_and_each_waits_for_its_ack() -> None:
    async def main() -> None:
        prod = FakeProducer()
        sink = sink_with(prod)
        writers = [asyncio.ensure_future(sink.write("t", f"k{i}".encode(), f"v{i}".encode()))
                   for i in range(5)]
        await _settle()
        assert [s[1] for s in prod.sent] == [b"k0", b"k1", b"k2", b"k3", b"k4"]  # in order
        assert len(prod.tasks) == 1  # one flush task handed them all over, no task per record
        assert not any(w.done() for w in writers)  # nobody is answered before the ack
        for ack in prod.acks[:3]:
            ack.set_result(None)
        await _settle()
        assert [w.done() for w in writers] == [True, True, True, False, False]
        for ack in prod.acks[3:]:
            ack.set_result(None)
        await asyncio.gather(*writers)
        assert sink.healthy

    asyncio.run(main())


def test_a_refused_record_fails_only_its_writer() -> None:
    async def main() -> None:
        prod = FakeProducer()
        prod.refuse = b"huge"
        sink = sink_with(prod)
        ok = asyncio.ensure_future(sink.write("t", b"a", b"small"))
        bad = asyncio.ensure_future(sink.write("t", b"b", b"huge record"))
        await _settle()
        assert bad.done() and isinstance(bad.exception(), RecordRefused)
        prod.acks[0].set_result(None)
        await ok
        assert sink.healthy  # a per-record refusal says nothing about the broker

    asyncio.run(main())


def test_ack_errors_keep_their_meaning() -> None:
    async def main() -> None:
        prod = FakeProducer()
        sink = sink_with(prod)
        refused = asyncio.ensure_future(sink.write("t", b"a", b"1"))
        broker = asyncio.ensure_future(sink.write("t", b"b", b"2"))
        await _settle()
        prod.acks[0].set_exception(MessageSizeTooLargeError("topic limit"))
        prod.acks[1].set_exception(KafkaConnectionError("gone"))
        with pytest.raises(RecordRefused):
            await refused
        with pytest.raises(BrokerUnavailable):
            await broker
        assert not sink.healthy and "KafkaConnectionError" in (sink.last_error or "")

    asyncio.run(main())


def test_submit_without_a_producer_is_broker_unavailable() -> None:
    async def main() -> None:
        sink = KafkaSink("unused:9092", timeout_s=5.0)
        with pytest.raises(BrokerUnavailable):
            await sink.write("t", b"k", b"v")

    asyncio.run(main())


def test_a_writer_that_gave_up_does_not_break_the_others() -> None:
    async def main() -> None:
        prod = FakeProducer()
        sink = sink_with(prod)
        gone = asyncio.ensure_future(sink.write("t", b"a", b"1"))
        stays = asyncio.ensure_future(sink.write("t", b"b", b"2"))
        await asyncio.sleep(0)
        gone.cancel()
        await _settle()
        for ack in prod.acks:
            ack.set_result(None)
        await stays
        assert gone.cancelled()

    asyncio.run(main())


def test_stop_hands_over_what_was_submitted_first() -> None:
    class Stoppable(FakeProducer):
        stopped_with: int | None = None

        async def stop(self) -> None:
            self.stopped_with = len(self.sent)

    async def main() -> None:
        prod = Stoppable()
        sink = sink_with(prod)
        ack = sink.submit("t", b"k", b"v")
        await sink.stop()
        assert prod.stopped_with == 1  # handed to the producer before it was flushed and closed
        assert not ack.done()  # its acknowledgement is the producer's to give (or not)

    asyncio.run(main())


def test_submit_to_calls_back_with_errors_kept_and_a_failing_callback_contained() -> None:
    async def main() -> None:
        loop = asyncio.get_running_loop()
        contained: list[dict[str, Any]] = []
        loop.set_exception_handler(lambda _loop, ctx: contained.append(ctx))
        prod = FakeProducer()
        prod.refuse = b"huge"
        sink = sink_with(prod)
        told: list[tuple[str, BaseException | None]] = []

        def broken(_exc: BaseException | None) -> None:
            raise RuntimeError("bug in a callback")

        sink.submit_to("t", b"a", b"1", (), lambda exc: told.append(("a", exc)))
        sink.submit_to("t", b"b", b"huge 2", (), broken)  # told during the hand-over
        sink.submit_to("t", b"c", b"huge 3", (), lambda exc: told.append(("c", exc)))
        sink.submit_to("t", b"d", b"4", (), lambda exc: told.append(("d", exc)))
        await _settle()
        assert [s[1] for s in prod.sent] == [b"a", b"d"]  # the broken callback stopped nothing
        assert [(k, type(e)) for k, e in told] == [("c", RecordRefused)]  # refused on hand-over
        prod.acks[0].set_result(None)
        prod.acks[1].set_exception(KafkaConnectionError("gone"))
        await _settle()
        assert [(k, type(e)) for k, e in told] == [
            ("c", RecordRefused), ("a", type(None)), ("d", BrokerUnavailable)]
        assert [str(c["exception"]) for c in contained] == ["bug in a callback"]
        assert not sink.healthy

    asyncio.run(main())


def test_a_long_flush_hands_records_over_in_slices_with_the_loop_free_between() -> None:
    n = int(HAND_SLICE * 2.5)

    async def main() -> tuple[list[int], list[bytes]]:
        prod = FakeProducer()
        sink = sink_with(prod)
        acks = [sink.submit("t", f"k{i}".encode(), b"v") for i in range(n)]
        seen: list[int] = []
        while len(prod.sent) < n:  # runs between the flush's steps
            seen.append(len(prod.sent))
            await asyncio.sleep(0)
        for ack in prod.acks:
            ack.set_result(None)
        await asyncio.gather(*acks)
        return seen, [key for _, key, _ in prod.sent]

    seen, keys = asyncio.run(main())
    assert any(0 < k < n for k in seen), seen  # the loop ran something mid-flush
    assert keys == [f"k{i}".encode() for i in range(n)]  # still in order
