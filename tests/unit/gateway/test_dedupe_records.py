"""gateway.dedupe records: the keys of one flush in one version 2 record, version 1 still read,
and a failed record counted per key (a fake sink whose acknowledgements the test gives)."""

from __future__ import annotations

import asyncio
import json

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from streams.gateway import dedupe as dd
from streams.gateway.dedupe import KafkaDedupe, decode_keys, encode_keys
from streams.gateway.metrics import GatewayMetrics
from tests.unit.gateway.test_ingest_writes import Sink


def store(sink: Sink, metrics: GatewayMetrics | None = None) -> KafkaDedupe:
    return KafkaDedupe("127.0.0.1:1", "gateway.dedupe", sink, 3600, metrics)  # type: ignore[arg-type]


async def flushed(d: KafkaDedupe) -> None:
    assert d._flusher is not None
    await d._flusher


def test_one_flush_is_one_record_holding_every_key() -> None:
    async def main() -> None:
        sink = Sink()
        d = store(sink)
        for i in range(3):
            d.remember(f"c{i}|add|digest", f"w{i}")
        assert d.contains("c0|add|digest")  # indexed at once, written later
        await flushed(d)
        assert len(sink.records) == 1
        topic, key, value = sink.records[0]
        assert topic == "gateway.dedupe" and key.startswith(b"keys|")
        assert json.loads(value) == {"schema": "civicmod.gateway_dedupe/2", "keys": [
            ["c0|add|digest", "w0"], ["c1|add|digest", "w1"], ["c2|add|digest", "w2"]]}
        d.remember("c3|add|digest", "w3")
        await flushed(d)
        assert len(sink.records) == 2 and sink.records[1][1] != key  # each record its own key
        # a restarted gateway reading the topic back knows every key
        fresh = store(Sink())
        fresh.index.clock = lambda: 1.0
        for _, k, v in sink.records:
            fresh._on_record(k.decode(), v, 1_000)
        assert all(fresh.contains(f"c{i}|add|digest") for i in range(4))
        assert not fresh.contains("c9|add|digest")

    asyncio.run(main())


def test_a_large_flush_is_split(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dd, "KEYS_PER_RECORD", 2)

    async def main() -> None:
        sink = Sink()
        d = store(sink)
        for i in range(5):
            d.remember(f"c{i}", "w")
        await flushed(d)
        assert [len(orjson.loads(v)["keys"]) for _, _, v in sink.records] == [2, 2, 1]

    asyncio.run(main())


def test_long_keys_are_split_by_size_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dd, "RECORD_BYTES", 100)
    keys = [("a" * 40, "w1"), ("b" * 40, "w2"), ("c" * 300, "w3"), ("d", "w4")]
    assert dd.chunks(keys) == [keys[:2], keys[2:3], keys[3:]]
    assert dd.chunks([]) == []


def test_a_refused_record_counts_each_of_its_keys() -> None:
    async def main() -> None:
        sink = Sink()
        metrics = GatewayMetrics()
        d = store(sink, metrics)
        for i in range(3):
            d.remember(f"c{i}", f"w{i}")
        await flushed(d)
        sink.acks[0].set_exception(RuntimeError("broker said no"))
        await asyncio.sleep(0)
        assert metrics.registry.get_sample_value(
            "civicmod_gateway_dedupe_record_errors_total") == 3
        assert not d._writes
        assert d.contains("c1")  # still known to this gateway

    asyncio.run(main())


def test_version_1_records_are_still_read() -> None:
    assert decode_keys("c1|add|digest", b'{"webhook_id": "w1"}') == ["c1|add|digest"]


@pytest.mark.parametrize("value", [b"[1]", b"not json", b'{"schema": "civicmod.gateway_dedupe/9"}',
                                   b'{"schema": "civicmod.gateway_dedupe/2", "keys": [["a"], [3]]}',
                                   b'{"schema": "civicmod.gateway_dedupe/2", "keys": "a"}'])
def test_a_malformed_record_is_refused(value: bytes) -> None:
    with pytest.raises(ValueError):
        decode_keys("k", value)


@given(st.lists(st.tuples(st.text(min_size=1), st.text())))
def test_keys_round_trip(keys: list[tuple[str, str]]) -> None:
    assert decode_keys("ignored", encode_keys(keys)) == [k for k, _ in keys]


def test_the_index_prunes_by_minute_and_keeps_keys_seen_again() -> None:
    now = [10_000.0]  # seconds; minutes are [60 m, 60 m + 60)
    index = dd.DedupeIndex(3600, clock=lambda: now[0])
    index.add("too-old", 6_400_000)  # already out of the window: not kept
    assert len(index) == 0
    # read back out of order, as a topic's partitions interleave (times in seconds)
    for k, t in [("b", 7_000), ("a", 6_500), ("c", 9_900), ("again", 6_600), ("edge", 6_870)]:
        index.add(k, t * 1000)
    index.add("again", 9_990_000)  # seen again since: its old minute must not take it
    assert len(index) == 5
    now[0] = 10_200  # the window starts at 6,600 s: a's minute (6,480-6,540) is out
    assert index.prune() == 1 and not index.contains("a")
    assert all(index.contains(k) for k in ("b", "c", "again", "edge"))
    now[0] = 10_480  # starts at 6,880 s: edge (6,870) is out, inside the edge's minute
    assert not index.contains("edge") and index.prune() == 0 and len(index) == 4
    now[0] = 10_560  # starts at 6,960 s: edge's minute (6,840-6,900) is wholly out
    assert index.prune() == 1 and len(index) == 3 and index.contains("b")
    now[0] = 10_700  # starts at 7,100 s: b's minute is out; again's first minute long gone
    assert index.prune() == 1 and len(index) == 2
    assert index.contains("c") and index.contains("again")
