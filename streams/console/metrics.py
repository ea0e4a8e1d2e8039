"""The console's Prometheus metrics (its own registry, served at ``/metrics``).

The queue gauges are set from the database at each scrape (``Console.refresh_gauges``); the
ingest and outbox figures are counts the consumer and the relay keep since start, exported as
counters (:class:`Totals`)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, disable_created_metrics
from prometheus_client.metrics_core import CounterMetricFamily, Metric
from prometheus_client.registry import Collector


class _Total:
    def __init__(self, values: dict[tuple[str, ...], float], key: tuple[str, ...]) -> None:
        self._values, self._key = values, key

    def set(self, value: float) -> None:
        self._values[self._key] = float(value)


class Totals(Collector):
    """A counter whose values are counts kept elsewhere (since the process started), set as a
    whole at scrape time: ``totals.labels("new").set(12)``."""

    def __init__(self, name: str, documentation: str, labelnames: Iterable[str],
                 registry: CollectorRegistry) -> None:
        self.name, self.documentation = name, documentation
        self.labelnames = tuple(labelnames)
        self._values: dict[tuple[str, ...], float] = {}
        registry.register(self)

    def labels(self, *values: str) -> _Total:
        if len(values) != len(self.labelnames):
            raise ValueError(f"{self.name} takes labels {self.labelnames}")
        return _Total(self._values, tuple(str(v) for v in values))

    def _family(self) -> CounterMetricFamily:
        return CounterMetricFamily(self.name, self.documentation, labels=self.labelnames)

    def describe(self) -> Iterable[Metric]:
        return [self._family()]

    def collect(self) -> Iterator[Metric]:
        family = self._family()
        for key, value in sorted(self._values.items()):
            family.add_metric(list(key), value)
        yield family


class ConsoleMetrics:
    def __init__(self) -> None:
        disable_created_metrics()  # no *_created series, as in the other services
        r = self.registry = CollectorRegistry()
        self.logins = Counter("civicmod_console_logins", "Login attempts by result", ["result"], registry=r)
        self.denied = Counter("civicmod_console_denied", "Requests refused by permission", ["action"],
                              registry=r)
        self.csrf_refused = Counter("civicmod_console_csrf_refused", "Changes refused for a bad CSRF token",
                                    registry=r)
        self.conflicts = Counter("civicmod_console_conflicts", "Claims and decisions that lost a race",
                                 registry=r)
        self.claims = Counter("civicmod_console_claims", "Items claimed", registry=r)
        self.decisions = Counter("civicmod_console_decisions", "Decisions by action (undo included)",
                                 ["action"], registry=r)
        self.decide_seconds = Histogram("civicmod_console_decide_seconds",
                                        "Time to record a decision (the request, database included)",
                                        registry=r, buckets=(.005, .01, .025, .05, .1, .25, .5, 1, 2.5))
        self.ingested = Totals("civicmod_console_ingested", "Items ingested since start, by result "
                               "(new, duplicate, superseded, state_updates, actions, actions_unchanged, "
                               "replies_new, replies_answered, agency_replies, aggregates, "
                               "snapshots_skipped)",
                               ["result"], registry=r)
        self.open_items = Gauge("civicmod_console_queue_depth", "Open items by queue", ["queue"],
                                registry=r)
        self.oldest_items = Gauge("civicmod_console_queue_oldest_seconds",
                                  "Age of the oldest open item, by queue (0 when empty)", ["queue"],
                                  registry=r)
        self.queue_targets = Gauge("civicmod_console_queue_target_seconds",
                                   "The queue's SLA (console.queues.<name>.sla_minutes), in seconds",
                                   ["queue"], registry=r)
        self.overdue_items = Gauge("civicmod_console_queue_overdue", "Open items past their queue's SLA",
                                   ["queue"], registry=r)
        self.outbox_backlog = Gauge("civicmod_console_outbox_backlog", "Outbox records not yet on Kafka",
                                    registry=r)
        self.outbox_oldest = Gauge("civicmod_console_outbox_oldest_seconds",
                                   "Age of the oldest unpublished outbox record", registry=r)
        self.outbox_in_flight = Gauge("civicmod_console_outbox_in_flight",
                                      "Outbox records handed to Kafka and not yet acknowledged", registry=r)
        self.outbox_relayed = Totals("civicmod_console_outbox_relayed",
                                     "Outbox records since start: published, found already on Kafka "
                                     "(reconciled), refused by Kafka; relay failures", ["result"], registry=r)
        self.reply_open = Gauge("civicmod_console_reply_open",
                                "Citizens' questions waiting for the agency's reply, by organisation",
                                ["organisation"], registry=r)
        self.reply_overdue = Gauge("civicmod_console_reply_overdue",
                                   "Questions waiting longer than their organisation's reply target",
                                   ["organisation"], registry=r)
        self.reply_oldest = Gauge("civicmod_console_reply_oldest_seconds",
                                  "Age of the oldest question waiting for a reply, by organisation",
                                  ["organisation"], registry=r)
        self.deadletters = Totals("civicmod_console_deadletters",
                                  "Records the ingest dead-lettered, by reason", ["reason"], registry=r)

    def set_replies(self, summary: Mapping[str, Any]) -> None:
        """The reply-queue gauges from ``Replies.summary`` (per account), summed per organisation."""
        totals: dict[str, list[float]] = {}
        for a in summary.get("accounts", []):
            t = totals.setdefault(a["organisation"], [0.0, 0.0, 0.0])
            t[0] += a["open"]
            t[1] += a["overdue"]
            t[2] = max(t[2], float(a["oldest_age_s"]))
        for gauge in (self.reply_open, self.reply_overdue, self.reply_oldest):
            gauge.clear()
        for org, (open_, overdue, oldest) in totals.items():
            self.reply_open.labels(org).set(open_)
            self.reply_overdue.labels(org).set(overdue)
            self.reply_oldest.labels(org).set(oldest)

    def set_queues(self, queues: Iterable[Mapping[str, Any]]) -> None:
        """The queue gauges from ``Review.queues`` rows (queue, count, oldest_age_s, sla_s,
        overdue); a queue no longer listed disappears."""
        gauges = ((self.open_items, "count"), (self.oldest_items, "oldest_age_s"),
                  (self.queue_targets, "sla_s"), (self.overdue_items, "overdue"))
        rows = list(queues)
        for gauge, _ in gauges:
            gauge.clear()
        for q in rows:
            for gauge, field in gauges:
                gauge.labels(q["queue"]).set(float(q[field]))
