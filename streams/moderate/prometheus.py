"""The worker's Prometheus metrics: its own registry, served at ``/metrics`` on the worker's web
port (``streams.moderate.wiring``).

Counters and histograms move as batches are judged (``streams.moderate.moderator``); what is a
state rather than an event (consumer lag per partition, the classifier and policy in use) is read
when Prometheus scrapes, from a :class:`WorkerState` the service provides. Faust's own sensor is
not used: its names follow neither the ``civicmod_`` prefix nor Prometheus' unit conventions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.metrics_core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    InfoMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

from civicmod.contract.records import Verdict

#: Seconds from the input's Kafka timestamp to its verdict: sub-second normally, minutes in a
#: backlog (and after a redelivery).
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600)
CLASSIFIER_BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
BATCH_BUCKETS = (1, 2, 5, 10, 25, 50, 100, 250, 500, 1000)
CONTENT_TYPE = CONTENT_TYPE_LATEST
#: The ``reason`` label of a verdict no reason decided (most publishes).
NO_REASON = "none"


def deciding_reason(verdict: Verdict) -> str:
    """The id of the reason that decided the outcome: among the reasons whose action is the
    outcome, the most urgent (lowest ``priority``), first listed on a tie; ``none`` if none."""
    best = None
    for r in verdict.reasons:
        if r.action == verdict.outcome and (
                best is None or (r.priority or 10) < (best.priority or 10)):
            best = r
    return best.id if best is not None else NO_REASON


@dataclass(frozen=True)
class WorkerState:
    """What the worker is now, read at scrape time."""

    classifier: str
    policy_version: str
    #: The configured classifier did not load and a fallback (or none) runs instead.
    fallback: bool = False
    #: (topic, partition, messages behind the partition's highwater) per assigned partition.
    lag: list[tuple[str, int, int]] = field(default_factory=list)
    #: (model, comments scored, comments deferred to the teacher) per cascade (classifiers/cascade.py).
    cascades: list[tuple[str, int, int]] = field(default_factory=list)


class StateCollector(Collector):
    """Exports a :class:`WorkerState` each scrape; a failing ``read`` exports nothing (the
    counters still come)."""

    def __init__(self, read: Callable[[], WorkerState]) -> None:
        self.read = read

    @staticmethod
    def _families() -> tuple[InfoMetricFamily, GaugeMetricFamily, GaugeMetricFamily,
                             CounterMetricFamily, CounterMetricFamily]:
        info = InfoMetricFamily("civicmod_worker", "The classifier (name and version, or the "
                                "fallback note) and policy version this worker runs.",
                                labels=["classifier", "policy_version"])
        fallback = GaugeMetricFamily(
            "civicmod_worker_classifier_fallback", "1 when the configured classifier did not "
            "load and the worker runs a fallback (or rules only).")
        lag = GaugeMetricFamily(
            "civicmod_worker_consumer_lag_messages", "Messages of an assigned input partition "
            "not read yet: the partition's highwater minus the next offset to read.",
            labels=["topic", "partition"])
        scored = CounterMetricFamily(
            "civicmod_worker_cascade_comments", "Comments a distilled student scored in front "
            "of its teacher (classifier.teacher_checkpoint).", labels=["model"])
        deferred = CounterMetricFamily(
            "civicmod_worker_cascade_deferred", "Of those, comments the teacher re-scored (the "
            "student scored them near a threshold, or failed).", labels=["model"])
        return info, fallback, lag, scored, deferred

    def describe(self) -> Iterable[Metric]:
        return self._families()

    def collect(self) -> Iterator[Metric]:
        try:
            state = self.read()
        except Exception:  # a scrape never fails for a state that is not there yet
            return
        info, fallback, lag, scored, deferred = self._families()
        info.add_metric([state.classifier, state.policy_version],
                        {"classifier": state.classifier, "policy_version": state.policy_version})
        fallback.add_metric([], 1.0 if state.fallback else 0.0)
        for topic, partition, behind in sorted(state.lag):
            lag.add_metric([topic, str(partition)], float(behind))
        for model, comments, handed in state.cascades:
            scored.add_metric([model], float(comments))
            deferred.add_metric([model], float(handed))
        yield from (info, fallback, lag, scored, deferred)


class WorkerMetrics:
    """One worker's metrics. ``state``: read at each scrape for the info, fallback and lag
    gauges (omitted without it)."""

    def __init__(self, state: Callable[[], WorkerState] | None = None) -> None:
        disable_created_metrics()  # no *_created series: they double the output for nothing
        r = self.registry = CollectorRegistry(auto_describe=True)
        self.comments = Counter(
            "civicmod_worker_comments", "Comments judged, by outcome (publish, escalate, hide), "
            "platform and the id of the reason that decided the outcome (none: no reason did).",
            ["outcome", "platform", "reason"], registry=r)
        self.deadletters = Counter(
            "civicmod_worker_deadletters", "Messages sent to comments.deadletter, by reason "
            "(invalid_json, empty_message, text_too_long, verdict_failed, worker_crash, ...).", ["reason"],
            registry=r)
        self.verdict_latency = Histogram(
            "civicmod_worker_verdict_latency_seconds", "From the input's Kafka timestamp "
            "(produced) to its verdict being decided.", buckets=LATENCY_BUCKETS, registry=r)
        self.batch_size = Histogram(
            "civicmod_worker_batch_messages", "Messages per batch taken from comments.incoming.",
            buckets=BATCH_BUCKETS, registry=r)
        self.classifier_seconds = Histogram(
            "civicmod_worker_classifier_seconds", "Time of one classifier call (one batch of the "
            "comments the rules did not settle).", buckets=CLASSIFIER_BUCKETS, registry=r)
        self.classifier_failures = Counter(
            "civicmod_worker_classifier_failures", "Classifier calls that failed or timed out, or "
            "returned an error for some comments (those comments were escalated).", registry=r)
        if state is not None:
            r.register(StateCollector(state))
        #: The comments counter's children by label values (``labels()`` checks and locks each call).
        self._comment_children: dict[tuple[str, str, str], Any] = {}

    def verdict(self, verdict: Verdict) -> None:
        labels = (verdict.outcome, verdict.comment.platform, deciding_reason(verdict))
        child = self._comment_children.get(labels)
        if child is None:
            child = self._comment_children[labels] = self.comments.labels(*labels)
        child.inc()

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


def consumer_lag(consumer: Any, topics: Iterable[str] | None = None) -> list[tuple[str, int, int]]:
    """Lag per assigned partition of a :class:`~streams.kafka.batches.BatchConsumer`: the
    highwater the broker last reported minus the next offset the worker reads (the last offset
    it handled + 1). Partitions with no
    highwater or read offset yet are left out; ``topics`` limits it to those topics."""
    wanted = set(topics) if topics is not None else None
    try:
        assigned = list(consumer.assignment())
    except Exception:  # not started, or between rebalances
        return []
    read_offsets = getattr(consumer, "read_offsets", {})
    out = []
    for tp in assigned:
        if wanted is not None and tp.topic not in wanted:
            continue
        try:
            high = consumer.highwater(tp)
        except Exception:  # no fetch response for it yet
            continue
        read = read_offsets.get(tp)  # .get: a defaultdict must not grow here
        if high is None or read is None or high < 0:
            continue
        out.append((tp.topic, tp.partition, max(0, int(high) - int(read) - 1)))
    return out
