"""The metrics service without a broker: raw records in, the records it would write out, bad
input dead-lettered once, the Prometheus page, its settings."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client.parser import text_string_to_metric_families

from civicmod.contract.records import Aggregate, DeadLetter
from civicmod.contract.settings import load_settings
from civicmod.contract.yamlfile import FileError
from streams.metrics.inputs import BadRecord, to_fact
from streams.metrics.service import Aggregator

from promtool_kit import check_metrics, sample_names
from tally_kit import NOW, decision, reply, ts, verdict

PREFIX = "t1."


class FakeSink:
    def __init__(self) -> None:
        self.written: list[tuple[str, bytes, bytes]] = []
        self.healthy = True
        self.fail = False

    async def write_many(self, records):
        if self.fail:
            raise RuntimeError("broker away")
        self.written += records


def aggregator(tmp_path: Path, **env: str) -> tuple[Aggregator, FakeSink]:
    cfg = tmp_path / "civicmod.yaml"
    cfg.write_text("console:\n  organisations:\n    city: {name: City, accounts: ['page:city']}\n")
    # every window length due at each flush unless a test says otherwise (the clock stands still)
    env = {"CIVICMOD__METRICS__EMIT_INTERVAL_1H_S": "0.001",
           "CIVICMOD__METRICS__EMIT_INTERVAL_1D_S": "0.001", **env}
    s = load_settings(cfg, env={"CIVICMOD__KAFKA__TOPIC_PREFIX": PREFIX, **env})
    agg = Aggregator(s, clock=lambda: NOW.timestamp())
    sink = FakeSink()
    agg.sink = sink  # type: ignore[assignment]
    return agg, sink


def feed(agg: Aggregator, topic: str, record, offset: int = 0) -> None:
    raw = record if isinstance(record, bytes) else record.to_json()
    agg.apply(PREFIX + topic, 0, offset, b"k", raw, int(NOW.timestamp() * 1000))


def flush(agg: Aggregator) -> int:
    return asyncio.run(agg.flush())


def test_changed_windows_are_written_once_to_both_topics(tmp_path: Path):
    agg, sink = aggregator(tmp_path)
    feed(agg, "comments.published", verdict("1"))
    feed(agg, "moderation.escalations", verdict("2", "escalate"))
    assert flush(agg) == 0 and not sink.written  # not ready: the inputs are being re-read
    agg._became_ready()
    assert flush(agg) == 3  # its minute, hour and day
    topics = sorted(t for t, _, _ in sink.written)
    assert topics == ["t1.moderation.metrics"] * 3 + ["t1.moderation.metrics.daily"]
    daily = [Aggregate.model_validate_json(v) for t, _, v in sink.written if t.endswith("daily")]
    assert daily[0].outcomes == {"publish": 1, "escalate": 1}
    assert daily[0].organisation == "city"
    assert all(k == Aggregate.model_validate_json(v).key() for _, k, v in sink.written)
    # a redelivery changes nothing: nothing is written; a decision changes the windows again
    sink.written.clear()
    feed(agg, "comments.published", verdict("1"), offset=5)
    assert flush(agg) == 0
    feed(agg, "moderation.decisions", decision("d1", "2", "publish"))
    assert flush(agg) == 3
    assert Aggregate.model_validate_json(sink.written[-1][2]).decided_by == {"automated": 1, "human": 1}
    assert agg.metrics.duplicates.labels("comments.published")._value.get() == 1


def test_hourly_and_daily_windows_are_written_less_often(tmp_path: Path):
    """A changed minute is written at every tick; a changed hour every 15 s and a changed day
    every 60 s (recomputing a busy day is costly); the last flush writes everything."""
    agg, sink = aggregator(tmp_path, CIVICMOD__METRICS__EMIT_INTERVAL_1H_S="15",
                           CIVICMOD__METRICS__EMIT_INTERVAL_1D_S="60")
    t = [NOW.timestamp()]
    agg.clock = lambda: t[0]
    agg._became_ready()

    def tick(at: float, n: int) -> set[str]:
        t[0] = NOW.timestamp() + at
        sink.written.clear()
        feed(agg, "comments.published", verdict(f"c{n}"), offset=n)
        flush(agg)
        return {Aggregate.model_validate_json(v).window for _, _, v in sink.written}

    assert tick(0, 1) == {"1m", "1h", "1d"}
    assert tick(2, 2) == {"1m"}
    assert tick(16, 3) == {"1m", "1h"}
    assert tick(30, 4) == {"1m"}
    assert tick(61, 5) == {"1m", "1h", "1d"}
    feed(agg, "comments.published", verdict("c6"), offset=6)
    sink.written.clear()
    asyncio.run(agg.flush(everything=True))  # stopping: nothing changed is left unwritten
    assert {Aggregate.model_validate_json(v).window for _, _, v in sink.written} == {"1m", "1h", "1d"}
    daily = [Aggregate.model_validate_json(v) for t_, _, v in sink.written if t_.endswith("daily")]
    assert daily[0].outcomes == {"publish": 6}


def test_a_failed_write_is_retried_at_the_next_flush(tmp_path: Path):
    agg, sink = aggregator(tmp_path)
    agg._became_ready()
    feed(agg, "comments.published", verdict("1"))
    sink.fail = True
    with pytest.raises(RuntimeError):
        flush(agg)
    sink.fail = False
    assert flush(agg) == 3


def test_windows_older_than_the_inputs_hold_are_never_written(tmp_path: Path):
    agg, sink = aggregator(tmp_path)
    agg.complete_from = ts(45).timestamp()  # the inputs' retention deleted what came before
    feed(agg, "comments.published", verdict("1", received=ts(30)))
    agg._became_ready()
    flush(agg)
    assert {Aggregate.model_validate_json(v).window for _, _, v in sink.written} == {"1m"}


def test_unreadable_input_is_counted_and_dead_lettered_once(tmp_path: Path):
    agg, sink = aggregator(tmp_path)
    feed(agg, "moderation.decisions", b"{not json", offset=7)
    feed(agg, "moderation.actions", b'{"schema": "civicmod.verdict/1"}', offset=8)
    # a dead letter about offset 7 written by an earlier run, read back while re-reading
    earlier = DeadLetter.of(b"{not json", "invalid_json", "x", "metrics",
                            PREFIX + "moderation.decisions", 1000, partition=0, offset=7)
    feed(agg, "comments.deadletter", earlier)
    agg._became_ready()
    flush(agg)
    letters = [DeadLetter.model_validate_json(v) for t, _, v in sink.written
               if t == PREFIX + "comments.deadletter"]
    assert [(d.reason, d.source_offset, d.stage) for d in letters] == [("unknown_schema", 8, "metrics")]
    assert agg.metrics.deadletters.labels("invalid_json")._value.get() == 1
    assert agg.metrics.deadletters.labels("unknown_schema")._value.get() == 1


@pytest.mark.parametrize(("topic", "raw", "reason"), [
    ("comments.published", None, "empty_value"),
    ("comments.published", b"\xff\xfe", "invalid_utf8"),
    ("comments.published", b"[1, 2]", "invalid_schema"),
    ("comments.published", b'{"schema": "civicmod.comment/1"}', "unknown_schema"),
    ("comments.published", b'{"schema": "civicmod.verdict/1", "outcome": "publish"}',
     "invalid_schema"),
    ("comments.agency_replies", json.dumps({
        "schema": "civicmod.comment/1", "id": "x:1", "platform": "facebook", "account_id": "a",
        "author": {"id": "u"}, "text": "t"}).encode(), "invalid_schema"),
])
def test_bad_records_have_a_reason(topic: str, raw: bytes | None, reason: str):
    with pytest.raises(BadRecord) as err:
        to_fact(topic, raw, 0.0)
    assert err.value.reason == reason


def test_metrics_page_names_and_engagement_gauges(tmp_path: Path):
    agg, _ = aggregator(tmp_path)
    feed(agg, "comments.published", verdict("q1", tags=["engagement.question"], received=ts(90)))
    feed(agg, "comments.published", verdict("q2", tags=["engagement.report"], received=ts(30)))
    feed(agg, "comments.published", verdict("q3", tags=["engagement.question"], account="web:x"))
    feed(agg, "comments.agency_replies", reply("r1", "q1", created=ts(60)))
    feed(agg, "comments.deadletter", b"nope")

    async def scrape() -> tuple[bytes, dict, int]:
        async with TestClient(TestServer(agg.web_app())) as client:
            body = await (await client.get("/metrics")).read()
            health = await (await client.get("/health")).json()
            ready = (await client.get("/readyz")).status
            return body, health, ready

    body, health, ready = asyncio.run(scrape())
    assert ready == 503 and health["status"] == "starting"
    text = body.decode()
    values = {(s.name, tuple(sorted(s.labels.items()))): s.value
              for fam in text_string_to_metric_families(text) for s in fam.samples}
    city = (("account", "page:city"), ("organisation", "city"))
    for name in ("civicmod_engagement_unanswered", "civicmod_engagement_oldest_unanswered_seconds",
                 "civicmod_engagement_last_reply_timestamp_seconds", "civicmod_metrics_records_total",
                 "civicmod_metrics_duplicates_total", "civicmod_metrics_deadletters_total"):
        assert name in sample_names(body), name
    assert values[("civicmod_engagement_unanswered", city)] == 1  # q2; q1 was answered
    assert values[("civicmod_engagement_oldest_unanswered_seconds", city)] == 1800
    assert values[("civicmod_engagement_last_reply_timestamp_seconds", city)] == ts(60).timestamp()
    web_x = (("account", "web:x"), ("organisation", "unassigned"))
    assert values[("civicmod_engagement_unanswered", web_x)] == 1
    assert values[("civicmod_engagement_last_reply_timestamp_seconds", web_x)] == 0
    assert values[("civicmod_metrics_deadletters_total", (("reason", "invalid_json"),))] == 1
    assert values[("civicmod_metrics_records_total", (("topic", "comments.published"),))] == 3
    assert values[("civicmod_metrics_duplicates_total", (("topic", "comments.published"),))] == 0
    check_metrics(body)


def test_settings_section_and_its_errors(tmp_path: Path):
    s = load_settings(None, env={"CIVICMOD__METRICS__PORT": "9100",
                                 "CIVICMOD__METRICS__ENGAGEMENT__LOOKBACK_DAYS": "7"})
    assert s.metrics.port == 9100 and s.metrics.engagement.lookback_days == 7
    assert s.metrics.keep_s()["1d"] == 31 * 86400
    cfg = tmp_path / "civicmod.yaml"
    cfg.write_text("metrics:\n  keep_1d_days: 5\n")
    with pytest.raises(FileError, match="keep_1d_days"):
        load_settings(cfg, env={})
    cfg.write_text("metrics:\n  emit_interval: 5\n")
    with pytest.raises(FileError, match=r"civicmod.yaml:2.*metrics.emit_interval"):
        load_settings(cfg, env={})


class FakeConsumer:
    """What ``_seek_by_time`` asks of an aiokafka consumer."""

    def __init__(self, found: dict, begins: dict) -> None:
        self.found, self.begins, self.seeks = found, begins, {}
        self.asked_ms: set[int] = set()

    async def offsets_for_times(self, query: dict) -> dict:
        self.asked_ms |= set(query.values())
        return {tp: self.found.get(tp) for tp in query}

    async def beginning_offsets(self, tps: list) -> dict:
        return {tp: self.begins[tp] for tp in tps}

    def seek(self, tp, offset: int) -> None:
        self.seeks[tp] = offset


def test_restart_reads_from_the_oldest_open_window_and_notes_deleted_history(tmp_path: Path):
    from aiokafka import TopicPartition
    from aiokafka.structs import OffsetAndTimestamp

    agg, _ = aggregator(tmp_path)
    now = NOW.timestamp()
    start = agg.rebuild_from(now)
    # the oldest open daily window: 31 days kept after its end
    assert start == (int(now // 86400) - 32) * 86400
    a, b, c = (TopicPartition(PREFIX + "comments.published", p) for p in range(3))
    truncated_at = (start + 3600) * 1000
    consumer = FakeConsumer(
        found={a: OffsetAndTimestamp(40, int(start * 1000)),  # older records kept: complete
               b: OffsetAndTimestamp(100, truncated_at)},  # its first record: older ones deleted
        begins={a: 0, b: 100, c: 0})
    asyncio.run(agg._seek_by_time(consumer, [a, b, c], {a: 50, b: 120, c: 7}))
    assert consumer.asked_ms == {int((start - 300) * 1000)}
    assert consumer.seeks == {a: 40, b: 100, c: 7}  # c: nothing since, only new records
    assert agg.complete_from == truncated_at / 1000
    # a partition whose records were all deleted: they were written before now - retention
    d = TopicPartition(PREFIX + "comments.agency_replies", 0)
    agg._retention_s = lambda topic: 7 * 86400.0  # type: ignore[method-assign]
    consumer = FakeConsumer(found={}, begins={d: 30})
    asyncio.run(agg._seek_by_time(consumer, [d], {d: 30}))
    assert agg.complete_from == now - 7 * 86400


def test_a_record_the_tally_fails_on_is_dead_lettered_and_the_next_one_counted(tmp_path: Path):
    agg, sink = aggregator(tmp_path)
    agg._became_ready()
    real_add = agg.tally.add
    calls = []

    def add(fact, now):
        calls.append(fact)
        if len(calls) == 1:
            raise KeyError("a bug")
        return real_add(fact, now)

    agg.tally.add = add  # type: ignore[method-assign]
    feed(agg, "comments.published", verdict("1"), offset=1)
    feed(agg, "comments.published", verdict("2"), offset=2)
    flush(agg)
    letters = [DeadLetter.model_validate_json(v) for t, _, v in sink.written
               if t.endswith("comments.deadletter")]
    assert [(d.reason, d.source_offset) for d in letters] == [("aggregator_error", 1)]
    daily = [Aggregate.model_validate_json(v) for t, _, v in sink.written if t.endswith("daily")]
    assert daily[0].outcomes == {"publish": 1}
