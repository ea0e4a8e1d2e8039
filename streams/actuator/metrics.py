"""The actuator's Prometheus metrics (one registry per process)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, disable_created_metrics

disable_created_metrics()


class ActuatorMetrics:
    def __init__(self) -> None:
        self.registry = r = CollectorRegistry()
        self.actions = Counter("civicmod_actuator_actions_total",
                               "Actions settled, by platform, kind and status (done, dry_run, "
                               "failed, skipped).", ["platform", "kind", "status"], registry=r)
        self.calls = Counter("civicmod_actuator_calls_total",
                             "Platform write calls made, by platform and kind.", ["platform", "kind"],
                             registry=r)
        self.confirmed = Counter("civicmod_actuator_confirmed_total",
                                 "After a restart, entries found already done on the platform "
                                 "(no second call).", registry=r)
        self.intents = Counter("civicmod_actuator_intents_total",
                               "Intents read, by what became of them (applied, repeat).",
                               ["result"], registry=r)
        self.deadletters = Counter("civicmod_actuator_deadletters_total",
                                   "Input records that could not be read, by reason.", ["reason"],
                                   registry=r)
        self.echoes = Counter("civicmod_actuator_platform_changes_total",
                              "Platform state changes of comments the actuator acts on: the echo "
                              "of our own action (ours) or done on the platform directly (outside).",
                              ["source"], registry=r)
        self.open = Gauge("civicmod_actuator_open_entries",
                          "Entries waiting to be carried out (pending or waiting for a token).",
                          registry=r)
        self.failing = Gauge("civicmod_actuator_accounts_failing",
                             "Accounts whose token the platform refused.", registry=r)
