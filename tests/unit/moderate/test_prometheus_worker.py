"""The worker's Prometheus metrics: judging batches moves the counters and histograms the
dashboards and alerts read, consumer lag comes from the Faust consumer, and the exposition
passes ``promtool check metrics``."""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from civicmod.contract.records import Reason
from civicmod.verdict.batch import judge_batch
from streams.moderate.moderator import Moderator, RawMessage
from streams.moderate.prometheus import WorkerMetrics, WorkerState, consumer_lag, deciding_reason

from judge_fixtures import FixedScores, comment, judge
from promtool_kit import check_metrics, exported_names, labels_of, sample_names


def _msgs(*values: bytes | None, age_s: float = 2.0) -> list[RawMessage]:
    produced = time.time() - age_s
    return [RawMessage(f"k{i}".encode(), v, "comments.incoming", 0, i, produced)
            for i, v in enumerate(values)]


def _value(metrics: WorkerMetrics, name: str, **labels: str) -> float:
    return metrics.registry.get_sample_value(name, labels) or 0.0


def _exercised(state: WorkerState | None = None) -> WorkerMetrics:
    """Metrics after one ordinary batch, one with bad input and one the classifier failed."""
    metrics = WorkerMetrics(state=(lambda: state) if state else None)
    ok = Moderator(judge(FixedScores({"toxicity": 0.1})), ThreadPoolExecutor(1), 1000,
                   metrics=metrics)
    asyncio.run(ok.process(_msgs(comment("Nice park", 1).to_json(),
                                 comment("I know where you live", 2).to_json(),
                                 b"{oops", None)))
    broken = Moderator(judge(FixedScores({}, fail=True)), ThreadPoolExecutor(1), 1000,
                       metrics=metrics)
    asyncio.run(broken.process(_msgs(comment("When is the bin collection?", 3).to_json())))
    return metrics


def test_judged_batches_are_counted_by_outcome_platform_and_deciding_reason() -> None:
    m = _exercised()
    assert _value(m, "civicmod_worker_comments_total", outcome="publish", platform="x",
                  reason="none") == 1
    assert _value(m, "civicmod_worker_comments_total", outcome="hide", platform="x",
                  reason="abuse.threat") == 1
    escalated = [lab for lab in labels_of(m.exposition(), "civicmod_worker_comments_total")
                 if lab["outcome"] == "escalate"]
    assert [lab["reason"] for lab in escalated] == ["system.classifier_failed"]
    assert _value(m, "civicmod_worker_deadletters_total", reason="invalid_json") == 1
    assert _value(m, "civicmod_worker_deadletters_total", reason="empty_message") == 1
    assert _value(m, "civicmod_worker_classifier_failures_total") == 1
    # two batches, of 4 and 1 messages; the classifier ran in both
    assert _value(m, "civicmod_worker_batch_messages_count") == 2
    assert _value(m, "civicmod_worker_batch_messages_sum") == 5
    assert _value(m, "civicmod_worker_classifier_seconds_count") == 2
    # three valid comments, produced 2 s before they were judged: not in the 1 s bucket
    assert _value(m, "civicmod_worker_verdict_latency_seconds_count") == 3
    assert _value(m, "civicmod_worker_verdict_latency_seconds_bucket", le="1.0") == 0
    assert _value(m, "civicmod_worker_verdict_latency_seconds_bucket", le="5.0") == 3


def test_repeated_label_values_count_on_the_same_series() -> None:
    """The counter's children are kept per label values: each verdict still lands on its own."""
    m = WorkerMetrics()
    verdicts = judge_batch(judge(FixedScores({"toxicity": 0.1})),
                           [comment("Nice park", 1), comment("I know where you live", 2),
                            comment("Lovely bins", 3), comment("I know where you live", 4)])
    for v in [*verdicts, verdicts[0]]:
        m.verdict(v)
    assert _value(m, "civicmod_worker_comments_total", outcome="publish", platform="x",
                  reason="none") == 3
    assert _value(m, "civicmod_worker_comments_total", outcome="hide", platform="x",
                  reason="abuse.threat") == 2


def test_worker_exposition_passes_promtool_and_has_every_family() -> None:
    state = WorkerState(classifier="detoxify original 0.5", policy_version="abc123",
                        fallback=True, lag=[("comments.incoming", 0, 7), ("comments.incoming", 1, 0)],
                        cascades=[("detoxify-original", 640, 31)])
    m = _exercised(state)
    text = m.exposition()
    check_metrics(text)
    assert sample_names(text) == exported_names(m.registry)
    assert list(labels_of(text, "civicmod_worker_info")) == [
        {"classifier": "detoxify original 0.5", "policy_version": "abc123"}]
    assert m.registry.get_sample_value("civicmod_worker_classifier_fallback") == 1
    assert m.registry.get_sample_value("civicmod_worker_consumer_lag_messages",
                                       {"topic": "comments.incoming", "partition": "0"}) == 7
    assert m.registry.get_sample_value("civicmod_worker_cascade_deferred_total",
                                       {"model": "detoxify-original"}) == 31
    assert m.registry.get_sample_value("civicmod_worker_cascade_comments_total",
                                       {"model": "detoxify-original"}) == 640


def test_a_failing_state_read_leaves_the_counters_scrapable() -> None:
    def broken() -> WorkerState:
        raise RuntimeError("consumer not started")

    m = WorkerMetrics(state=broken)
    m.deadletters.labels("invalid_json").inc()
    text = m.exposition()
    assert b"civicmod_worker_deadletters_total" in text
    assert b"civicmod_worker_consumer_lag_messages{" not in text


@dataclass(frozen=True)
class TP:
    topic: str
    partition: int


class FakeConsumer:
    def __init__(self) -> None:
        self.highwaters = {TP("comments.incoming", 0): 120, TP("comments.incoming", 1): 50,
                           TP("comments.incoming", 2): 9, TP("other", 0): 5}
        self.read_offsets = {TP("comments.incoming", 0): 99, TP("comments.incoming", 1): 49,
                             TP("other", 0): 1}

    def assignment(self) -> set[TP]:
        return {*self.highwaters, TP("comments.incoming", 3)}

    def highwater(self, tp: TP) -> int:
        if tp not in self.highwaters:
            raise AssertionError("no highwater yet")
        return self.highwaters[tp]


def test_consumer_lag_is_highwater_minus_the_next_offset_to_read() -> None:
    lag = consumer_lag(FakeConsumer(), ["comments.incoming"])
    # partition 2: nothing read yet, partition 3: no highwater yet: both unknown, left out
    assert sorted(lag) == [("comments.incoming", 0, 20), ("comments.incoming", 1, 0)]
    assert ("other", 0, 3) in consumer_lag(FakeConsumer())


def test_consumer_lag_of_a_consumer_not_started_is_empty() -> None:
    class NotStarted:
        def assignment(self) -> set[TP]:
            raise RuntimeError("not started")

    assert consumer_lag(NotStarted()) == []


def test_the_most_urgent_reason_with_the_outcomes_action_decided_it() -> None:
    (v,) = judge_batch(judge(FixedScores({"toxicity": 0.1})), [comment("I know where you live")])
    assert deciding_reason(v) == "abuse.threat"
    reasons = [Reason(source="rule", id="a", label="a", action="escalate", priority=5),
               Reason(source="rule", id="b", label="b", action="escalate", priority=2),
               Reason(source="model", id="c", label="c", action="publish")]
    assert deciding_reason(v.model_copy(update={"outcome": "escalate", "reasons": reasons})) == "b"
    assert deciding_reason(v.model_copy(update={"outcome": "publish", "reasons": []})) == "none"
