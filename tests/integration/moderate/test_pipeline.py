"""End to end through a real broker and real Faust worker processes."""

from __future__ import annotations

import base64
import collections
import signal
import time

from civicmod.contract.topics import DEADLETTER, INCOMING, METRICS, OUTCOME_TOPICS
from civicmod.dev.demo import demo_messages
from streams.kafka.client import consume, produce
from streams.kafka.verdict_dedupe import Deduper

from conftest import Collector, Setup, wait_for

MAX_TEXT = 2000
#: Read the metrics topic for this long: workers publish every second, so "until idle" may never
#: come (two workers' timers interleave with gaps under the 1 s idle timeout).
METRICS_READ_S = 3.0


def _feed(pipeline: Setup, n_valid: int, n_malformed: int, run: str):
    items = demo_messages(n_valid, n_malformed, max_text_chars=MAX_TEXT, run=run)
    produce(pipeline.bootstrap, ((k, v) for k, v, _ in items), pipeline.topic(INCOMING))
    return items


def _by_key(collector: Collector) -> dict[bytes, list[tuple[str, dict]]]:
    out: dict[bytes, list[tuple[str, dict]]] = collections.defaultdict(list)
    for topic, key, value in list(collector.records):
        out[key].append((topic, value))
    return out


def test_thousand_comments_each_routed_exactly_once(pipeline: Setup, collector: Collector):
    pipeline.start_worker(WORKER__MAX_TEXT_CHARS=str(MAX_TEXT))
    items = _feed(pipeline, 900, 100, "it1")
    keys = {k for k, _, _ in items}
    wait_for(lambda: keys <= collector.keys(), 180, message=pipeline.worker_logs)
    seen = _by_key(collector)
    assert set(seen) == keys, "every message has a verdict or a dead letter, and nothing else"
    for key, value, expected in items:
        (topic, record), *extra = seen[key]
        assert not extra, f"{key!r} appeared {len(seen[key])} times"
        if expected.startswith("deadletter:"):
            assert topic == DEADLETTER
            assert record["reason"] == expected.split(":", 1)[1], record
            assert record["error"]
            assert base64.b64decode(record["raw_base64"]) == value
            assert record["source_topic"] == pipeline.topic(INCOMING)
            assert record["source_partition"] is not None and record["source_offset"] is not None
        else:
            assert record["schema"] == "civicmod.verdict/1"
            assert record["outcome"] == expected, (record["comment"]["text"], record["reasons"])
            assert topic == OUTCOME_TOPICS[expected]
            assert record["comment"]["id"] == key.decode()
            assert record["classifier"]["name"] == "alt-profanity-check"
            assert record["policy_version"]
            if expected != "publish":
                assert record["reasons"], "a non-publish verdict explains itself"

    # The worker's metrics snapshots on moderation.metrics catch up with what it did.
    n_dead = sum(e.startswith("deadletter") for *_, e in items)

    def latest_metrics() -> dict:
        snaps = [r.value for r in consume(pipeline.bootstrap, [pipeline.topic(METRICS)],
                                          until=time.monotonic() + METRICS_READ_S)]
        return snaps[-1] if snaps else {}

    def caught_up() -> bool:
        m = latest_metrics()
        return (sum(m.get("outcomes", {}).values()) == len(items) - n_dead
                and sum(m.get("deadletters", {}).values()) == n_dead)

    wait_for(caught_up, 30, interval_s=1, message="metrics snapshot")
    m = latest_metrics()
    assert m["schema"] == "civicmod.metrics/1" and m["latency_ms"]["p99"] is not None


def test_classifier_timeout_escalates_never_publishes(pipeline: Setup, collector: Collector):
    pipeline.start_worker(CLASSIFIER__TIMEOUT_S="0.000001")
    items = _feed(pipeline, 60, 0, "it2")
    keys = {k for k, _, _ in items}
    wait_for(lambda: keys <= collector.keys(), 120, message=pipeline.worker_logs)
    outcomes = collections.Counter()
    for topic, _key, record in collector.records:
        outcomes[record["outcome"]] += 1
        assert topic != OUTCOME_TOPICS["publish"]
        if record["outcome"] == "escalate" and not any(
                r["source"] == "rule" for r in record["reasons"]):
            assert any(r["id"] == "system.classifier_failed" and "timed out" in r["detail"]
                       for r in record["reasons"]), record["reasons"]
    assert outcomes["publish"] == 0 and outcomes["escalate"] > 0


def test_sigkill_mid_stream_every_comment_still_judged(pipeline: Setup, collector: Collector):
    """At-least-once: after SIGKILL and restart, every comment has a verdict; redeliveries
    carry the same outcome and collapse on the comment id."""
    first = pipeline.start_worker(WORKER__MAX_TEXT_CHARS=str(MAX_TEXT),
                                  WORKER__BATCH_SIZE="16")
    items = _feed(pipeline, 3600, 100, "it3")
    keys = {k for k, _, _ in items}
    wait_for(lambda: len(collector.records) >= 400, 120, message=pipeline.worker_logs)
    first.send_signal(signal.SIGKILL)
    first.wait()
    done_at_kill = len(collector.keys())
    assert done_at_kill < len(keys), "the kill must land mid-stream"
    pipeline.start_worker(WORKER__MAX_TEXT_CHARS=str(MAX_TEXT))
    wait_for(lambda: keys <= collector.keys(), 240, message=pipeline.worker_logs)
    seen = _by_key(collector)
    assert set(seen) == keys
    expected = {k: e for k, _, e in items}
    redelivered = sum(len(r) > 1 for r in seen.values())
    print(f"judged before kill: {done_at_kill}/{len(keys)}; redelivered after restart: {redelivered}")
    for key, records in seen.items():
        outcomes = {r.get("outcome") or "deadletter:" + r["reason"] for _, r in records}
        assert outcomes == {expected[key]}, (key, records)
    # Downstream consumers collapse the redeliveries on the comment id (+ text digest).
    verdicts = [r for t, _k, r in collector.records if t != DEADLETTER]
    dedup = Deduper()
    unique = list(dedup.filter(verdicts))
    assert len(unique) == sum(1 for e in expected.values() if not e.startswith("deadletter"))
    assert dedup.dropped == len(verdicts) - len(unique)


def _group_members(bootstrap: str, group: str) -> int:
    from kafka import KafkaAdminClient

    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        desc = admin.describe_groups([group])[group]
        return len(desc.get("members", [])) if desc.get("group_state") == "Stable" else 0
    except Exception:  # group not created yet
        return 0
    finally:
        admin.close()


def test_two_workers_share_the_load(pipeline: Setup, collector: Collector):
    pipeline.start_worker()
    pipeline.start_worker()
    wait_for(lambda: _group_members(pipeline.bootstrap, pipeline.app_id) == 2, 90,
             interval_s=0.5, message=pipeline.worker_logs)
    items = _feed(pipeline, 1200, 0, "it4")
    keys = {k for k, _, _ in items}
    wait_for(lambda: keys <= collector.keys(), 180, message=pipeline.worker_logs)

    def per_worker() -> dict[bytes, int]:
        latest: dict[bytes, int] = {}
        for r in consume(pipeline.bootstrap, [pipeline.topic(METRICS)],
                         until=time.monotonic() + METRICS_READ_S):
            latest[r.key] = sum(r.value["outcomes"].values())
        return latest

    wait_for(lambda: sum(per_worker().values()) >= len(keys), 30, interval_s=1)
    counts = per_worker()
    assert len(counts) == 2 and all(n > 0 for n in counts.values()), counts
