"""The console's Prometheus metrics (its own registry, served at ``/metrics``)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class ConsoleMetrics:
    def __init__(self) -> None:
        r = self.registry = CollectorRegistry()
        self.logins = Counter("civicmod_console_logins", "Login attempts by result", ["result"], registry=r)
        self.denied = Counter("civicmod_console_denied", "Requests refused by permission", ["action"],
                              registry=r)
        self.csrf_refused = Counter("civicmod_console_csrf_refused", "Changes refused for a bad CSRF token",
                                    registry=r)
        self.conflicts = Counter("civicmod_console_conflicts", "Claims and decisions that lost a race",
                                 registry=r)
        self.claims = Counter("civicmod_console_claims", "Items claimed", registry=r)
        self.decisions = Counter("civicmod_console_decisions", "Decisions by action", ["action"], registry=r)
        self.decide_seconds = Histogram("civicmod_console_decide_seconds", "Time to record a decision",
                                        registry=r, buckets=(.005, .01, .025, .05, .1, .25, .5, 1, 2.5))
        self.ingested = Gauge("civicmod_console_ingested", "Items ingested since start, by result",
                              ["result"], registry=r)
        self.open_items = Gauge("civicmod_console_open_items", "Open items by queue", ["queue"], registry=r)
        self.overdue_items = Gauge("civicmod_console_overdue_items", "Open items past their queue's SLA",
                                   ["queue"], registry=r)
        self.outbox_backlog = Gauge("civicmod_console_outbox_backlog", "Outbox records not yet on Kafka",
                                    registry=r)
        self.outbox_oldest = Gauge("civicmod_console_outbox_oldest_seconds",
                                   "Age of the oldest unpublished outbox record", registry=r)
        self.outbox_in_flight = Gauge("civicmod_console_outbox_in_flight",
                                      "Outbox records handed to Kafka and not yet acknowledged", registry=r)
        self.outbox_relayed = Gauge("civicmod_console_outbox_relayed",
                                    "Outbox records since start: published, found already on Kafka "
                                    "(reconciled), refused by Kafka; relay failures", ["result"], registry=r)
        self.deadletters = Gauge("civicmod_console_deadletters",
                                 "Records the ingest dead-lettered, by reason",
                                 ["reason"], registry=r)
