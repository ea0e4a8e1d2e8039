"""The metrics service's own Prometheus metrics (one registry per process): what it read, what
it dropped as repeats or could not read, and the two-way engagement gauges per account, computed
from the aggregator's state at each scrape."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, disable_created_metrics
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from streams.metrics.tally import EngagementState

disable_created_metrics()

ENGAGEMENT_LABELS = ["organisation", "account"]


class EngagementCollector(Collector):
    """``civicmod_engagement_*`` per (organisation, account), from ``source(now)``."""

    def __init__(self, source: Callable[[float], dict[str, EngagementState]],
                 organisation_of: Callable[[str], str],
                 clock: Callable[[], float] = time.time) -> None:
        self.source = source
        self.organisation_of = organisation_of
        self.clock = clock

    def collect(self) -> Iterator[GaugeMetricFamily]:
        unanswered = GaugeMetricFamily(
            "civicmod_engagement_unanswered",
            "Citizens' questions and problem reports without a reply from the account, within "
            "the lookback (metrics.engagement.lookback_days).", labels=ENGAGEMENT_LABELS)
        oldest = GaugeMetricFamily(
            "civicmod_engagement_oldest_unanswered_seconds",
            "Age of the oldest unanswered question of the account (0 when none).",
            labels=ENGAGEMENT_LABELS)
        last = GaugeMetricFamily(
            "civicmod_engagement_last_reply_timestamp_seconds",
            "Unix time of the account's newest own reply (0 when none seen).",
            labels=ENGAGEMENT_LABELS)
        for account, state in sorted(self.source(self.clock()).items()):
            labels = [self.organisation_of(account), account]
            unanswered.add_metric(labels, state.unanswered)
            oldest.add_metric(labels, round(state.oldest_unanswered_s, 3))
            last.add_metric(labels, round(state.last_reply_at, 3))
        yield unanswered
        yield oldest
        yield last

    def describe(self) -> Iterable[GaugeMetricFamily]:
        return []


class AggregatorMetrics:
    def __init__(self) -> None:
        self.registry = r = CollectorRegistry()
        self.records = Counter("civicmod_metrics_records",
                               "Input records read, by logical topic (repeats included).",
                               ["topic"], registry=r)
        self.duplicates = Counter("civicmod_metrics_duplicates",
                                  "Input records dropped as repeats of one already counted "
                                  "(redelivery, replay), by logical topic.", ["topic"], registry=r)
        self.late = Counter("civicmod_metrics_late",
                            "Input records refused because every window they belong in had "
                            "closed, by logical topic.", ["topic"], registry=r)
        self.deadletters = Counter("civicmod_metrics_deadletters",
                                   "Input records that could not be read (dead-lettered), by "
                                   "reason.", ["reason"], registry=r)
        self.aggregates = Counter("civicmod_metrics_aggregates_written",
                                  "Aggregate records written, by window.", ["window"], registry=r)
        self.windows = Gauge("civicmod_metrics_open_windows",
                             "Windows held open (taking late records), by window.", ["window"],
                             registry=r)
        self.ready = Gauge("civicmod_metrics_ready",
                           "1 once the inputs were re-read up to where they stood at start.",
                           registry=r)

    def watch_engagement(self, source: Callable[[float], dict[str, EngagementState]],
                         organisation_of: Callable[[str], str],
                         clock: Callable[[], float] = time.time) -> None:
        self.registry.register(EngagementCollector(source, organisation_of, clock))
