"""Ingestor: each write is a future settled by the sink's acknowledgement (no task per write),
with the outcomes, timeouts, dedupe keys and dead letters of the broker's answers (a fake sink
whose acknowledgements the test gives)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from streams.gateway.dedupe import Dedupe
from streams.gateway.ingest import SLICE, IngestFailed, Ingestor
from streams.gateway.metrics import GatewayMetrics
from streams.gateway.normalize import normalize_facebook
from streams.kafka.sink import BrokerUnavailable, RecordRefused

PAGE = "104729384756201"
NOW = datetime(2026, 11, 21, tzinfo=UTC)


def batch(*comments: tuple[str, str]) -> Any:
    changes = [{"field": "feed", "value": {
        "from": {"id": "3141", "name": "Margaret Ellis"}, "post_id": f"{PAGE}_777",
        "comment_id": f"777_{cid}", "created_time": 1795262282, "item": "comment", "verb": "add",
        "message": text}} for cid, text in comments]
    payload = {"object": "page", "entry": [{"id": PAGE, "time": 1795262290, "changes": changes}]}
    return normalize_facebook(payload, {PAGE: "page:city"}, NOW)


class Sink:
    """``submit`` hands back a future the test settles; ``write`` waits for it."""

    def __init__(self) -> None:
        self.records: list[tuple[str, bytes, bytes]] = []
        self.acks: list[asyncio.Future[None]] = []

    def submit(self, topic: str, key: bytes, value: bytes, headers: Any = ()) -> asyncio.Future[None]:
        self.records.append((topic, key, value))
        ack: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.acks.append(ack)
        return ack

    async def write(self, topic: str, key: bytes, value: bytes, headers: Any = ()) -> None:
        await self.submit(topic, key, value, headers)

    def submit_to(self, topic: str, key: bytes, value: bytes, headers: Any,
                  on_ack: Callable[[BaseException | None], None]) -> None:
        """As KafkaSink: ``on_ack`` is told when the test settles the future."""
        ack = self.submit(topic, key, value, headers)
        ack.add_done_callback(lambda f: on_ack(
            BrokerUnavailable("write cancelled") if f.cancelled() else f.exception()))


def ingestor(sink: Sink, timeout_s: float = 5.0, dedupe: Dedupe | None = None,
             cls: type[Ingestor] = Ingestor) -> tuple[Ingestor, Dedupe, GatewayMetrics]:
    metrics = GatewayMetrics()
    dedupe = Dedupe(3600, metrics) if dedupe is None else dedupe
    return cls(sink, dedupe, "", metrics, timeout_s), dedupe, metrics  # type: ignore[arg-type]


def gauge(metrics: GatewayMetrics, name: str) -> float:
    value = metrics.registry.get_sample_value(name)
    assert value is not None
    return value


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


def test_writes_wait_for_their_acks_without_a_task_each() -> None:
    async def main() -> None:
        sink = Sink()
        ing, dedupe, metrics = ingestor(sink)
        req = asyncio.ensure_future(ing.ingest("facebook", batch(("1", "a"), ("2", "b")), "w1"))
        await settle()
        assert len(sink.records) == 2 and not req.done()
        assert asyncio.all_tasks() == {asyncio.current_task(), req}  # no task per write
        assert ing.pending == 2 and gauge(metrics, "civicmod_gateway_pending_writes") == 2
        sink.acks[0].set_result(None)
        await settle()
        assert not req.done()  # one acknowledged, the other not yet
        sink.acks[1].set_result(None)
        res = await req
        assert res.written == 2 and ing.pending == 0
        assert gauge(metrics, "civicmod_gateway_pending_writes") == 0
        assert len(dedupe.index) == 2  # both keys recorded once acknowledged

    asyncio.run(main())


def test_a_concurrent_request_with_the_same_comment_waits_for_that_write() -> None:
    async def main() -> None:
        sink = Sink()
        ing, _, _ = ingestor(sink)
        first = asyncio.ensure_future(ing.ingest("facebook", batch(("1", "a")), "w1"))
        await settle()
        second = asyncio.ensure_future(ing.ingest("facebook", batch(("1", "a")), "w2"))
        await settle()
        assert len(sink.records) == 1  # written once
        sink.acks[0].set_result(None)
        assert (await first).written == 1
        res = await second
        assert (res.written, res.duplicates) == (0, 1)
        again = await ing.ingest("facebook", batch(("1", "a")), "w3")  # its key is known now
        assert again.duplicates == 1 and len(sink.records) == 1

    asyncio.run(main())


def test_an_ack_after_the_timeout_fails_the_request_but_still_records_the_key() -> None:
    async def main() -> None:
        sink = Sink()
        ing, dedupe, _ = ingestor(sink, timeout_s=0.05)
        with pytest.raises(IngestFailed) as failed:
            await ing.ingest("facebook", batch(("1", "a")), "w1")
        assert failed.value.result.failed == 1 and ing.pending == 1  # still in flight
        assert len(dedupe.index) == 0
        sink.acks[0].set_result(None)  # it landed after all
        await settle()
        assert ing.pending == 0 and len(dedupe.index) == 1
        redelivery = await ing.ingest("facebook", batch(("1", "a")), "w1")
        assert redelivery.duplicates == 1 and len(sink.records) == 1

    asyncio.run(main())


def test_a_broker_error_fails_the_request_and_records_no_key() -> None:
    async def main() -> None:
        sink = Sink()
        ing, dedupe, _ = ingestor(sink)
        req = asyncio.ensure_future(ing.ingest("facebook", batch(("1", "a")), "w1"))
        await settle()
        sink.acks[0].set_exception(BrokerUnavailable("write not acknowledged"))
        with pytest.raises(IngestFailed):
            await req
        assert len(dedupe.index) == 0 and ing.pending == 0

    asyncio.run(main())


def test_a_record_kafka_refuses_becomes_a_dead_letter() -> None:
    async def main() -> None:
        sink = Sink()
        ing, dedupe, metrics = ingestor(sink)
        req = asyncio.ensure_future(ing.ingest("facebook", batch(("1", "a"), ("2", "b")), "w1"))
        await settle()
        sink.acks[0].set_exception(RecordRefused("Kafka refused the record: RecordTooLargeError"))
        sink.acks[1].set_result(None)
        await settle()
        topic, key, value = sink.records[2]  # the dead letter, written in its place
        assert topic == "comments.deadletter" and key == b"facebook:777_1"
        dead = json.loads(value)
        assert dead["reason"] == "gateway_write_rejected" and "RecordTooLargeError" in dead["error"]
        sink.acks[2].set_result(None)
        res = await req
        assert (res.written, res.invalid, res.rejected) == (1, 1, 0)
        assert len(dedupe.index) == 2
        assert metrics.registry.get_sample_value(
            "civicmod_gateway_deadletters_total",
            {"platform": "facebook", "reason": "gateway_write_rejected"}) == 1

    asyncio.run(main())


def test_a_sink_that_is_not_connected_fails_the_request() -> None:
    class Down(Sink):
        def submit(self, *args: Any, **kwargs: Any) -> asyncio.Future[None]:
            raise BrokerUnavailable("not connected to Kafka yet")

    async def main() -> None:
        ing, dedupe, _ = ingestor(Down())
        with pytest.raises(IngestFailed):
            await ing.ingest("facebook", batch(("1", "a")), "w1")
        await settle()
        assert ing.pending == 0 and len(dedupe.index) == 0

    asyncio.run(main())


def test_a_bug_after_the_ack_reaches_the_request_instead_of_hanging_the_key() -> None:
    class BrokenDedupe(Dedupe):
        def remember(self, key: str, webhook_id: str) -> None:
            raise RuntimeError("bug")

    async def main() -> None:
        sink = Sink()
        ing, _, _ = ingestor(sink, dedupe=BrokenDedupe(3600))
        req = asyncio.ensure_future(ing.ingest("facebook", batch(("1", "a")), "w1"))
        await settle()
        sink.acks[0].set_result(None)
        with pytest.raises(RuntimeError, match="bug"):  # the route answers 500
            await asyncio.wait_for(req, 2)
        await settle()
        assert ing.pending == 0  # the key is not left "being written"

    asyncio.run(main())


def test_a_bug_building_a_record_reaches_the_request_and_the_redelivery_is_written() -> None:
    class Buggy(Ingestor):
        broken = True

        def _record(self, ev: Any, platform: str, webhook_id: str) -> Any:
            if self.broken:
                raise TypeError("bug")
            return super()._record(ev, platform, webhook_id)

    async def main() -> None:
        sink = Sink()
        ing, _, _ = ingestor(sink, cls=Buggy)
        assert isinstance(ing, Buggy)
        with pytest.raises(TypeError, match="bug"):  # the route answers 500
            await asyncio.wait_for(ing.ingest("facebook", batch(("1", "a")), "w1"), 2)
        await settle()
        assert ing.pending == 0 and not sink.records
        ing.broken = False  # fixed and redeployed: the platform's redelivery is written
        again = asyncio.ensure_future(ing.ingest("facebook", batch(("1", "a")), "w1"))
        await settle()
        sink.acks[0].set_result(None)
        assert (await again).written == 1

    asyncio.run(main())


def test_the_pending_and_dedupe_gauges_are_read_when_scraped() -> None:
    async def main() -> None:
        sink = Sink()
        ing, dedupe, metrics = ingestor(sink)
        req = asyncio.ensure_future(ing.ingest("facebook", batch(("1", "a"), ("2", "b")), "w1"))
        await settle()
        assert gauge(metrics, "civicmod_gateway_pending_writes") == 2
        assert gauge(metrics, "civicmod_gateway_dedupe_keys") == 0
        for ack in sink.acks:
            ack.set_result(None)
        await req
        assert gauge(metrics, "civicmod_gateway_pending_writes") == 0
        assert gauge(metrics, "civicmod_gateway_dedupe_keys") == 2
        # e.g. a key read back from the topic, 50 minutes old
        dedupe.index.add("facebook:x", int((time.time() - 3000) * 1000))
        assert gauge(metrics, "civicmod_gateway_dedupe_keys") == 3
        dedupe.index.clock = lambda: time.time() + 1000  # the old one leaves the window
        dedupe.prune()
        assert gauge(metrics, "civicmod_gateway_dedupe_keys") == 2

    asyncio.run(main())


def test_the_ingestor_writes_the_bytes_the_normalizer_checked() -> None:
    """A comment's JSON and dedupe key are computed once, when the normalizer checks that they
    encode; the ingestor writes those very bytes (not a second serialization)."""
    comments = batch(("901", "Potholes on Station Road"))
    (ev,) = comments.events
    checked = ev.value
    assert ev.value is checked and ev.key is ev.key  # cached, not recomputed

    async def main() -> Any:
        sink = Sink()
        ing, _, _ = ingestor(sink)
        req = asyncio.ensure_future(ing.ingest("facebook", comments, "hook-1"))
        await settle()
        sink.acks[0].set_result(None)
        return await req, sink

    res, sink = asyncio.run(main())
    assert res.written == 1 and [value for _, _, value in sink.records] == [checked]
    assert sink.records[0][2] is checked
    assert json.loads(checked)["text"] == "Potholes on Station Road"


def test_a_request_that_timed_out_leaves_nothing_waiting_on_the_write() -> None:
    async def main() -> None:
        sink = Sink()
        ing, _, _ = ingestor(sink, timeout_s=0.05)
        with pytest.raises(IngestFailed):
            await ing.ingest("facebook", batch(("1", "a")), "w1")
        (write,) = ing._pending.values()
        assert write.waiting == [] and not write.done  # the gone request is not told later
        late = asyncio.ensure_future(ing.ingest("facebook", batch(("1", "a")), "w2"))
        await settle()
        assert len(write.waiting) == 1 and len(sink.records) == 1  # the redelivery waits on it
        sink.acks[0].set_result(None)
        assert (await late).duplicates == 1 and write.waiting == [] and ing.pending == 0

    asyncio.run(main())


def test_a_large_batch_is_started_in_slices_with_the_loop_free_between() -> None:
    """Another coroutine runs while a batch of 2.5 slices is being started (it sees some of its
    records handed over, not none or all); the records keep the batch's order."""
    n = int(SLICE * 2.5)

    async def main() -> tuple[list[int], list[bytes], int]:
        sink = Sink()
        ing, _, _ = ingestor(sink)
        seen: list[int] = []
        big = asyncio.ensure_future(ing.ingest("facebook", batch(
            *((str(i), f"comment {i}") for i in range(n))), "w-big"))

        async def probe() -> None:
            while len(sink.records) < n:
                seen.append(len(sink.records))
                await asyncio.sleep(0)

        await probe()
        for ack in sink.acks:
            ack.set_result(None)
        res = await big
        return seen, [key for _, key, _ in sink.records], res.written

    seen, keys, written = asyncio.run(main())
    assert written == n
    assert any(0 < k < n for k in seen), seen  # the loop ran something mid-batch
    assert [k.split(b"|")[0] for k in keys] == [f"facebook:777_{i}".encode() for i in range(n)]
