"""Every topic civicmod reads or writes: its name, who writes it, and its configuration.

Shared topics take the optional ``kafka.topic_prefix`` (:func:`physical`). The worker's own
state logs are named after its app id (:func:`state_log`), one set per consumer group. Creating
them is Kafka plumbing (``streams.kafka.admin``); this module only says what they are.
"""

from __future__ import annotations

#: The gateway writes normalized comments (``civicmod.comment/1``, key: comment id).
INCOMING = "comments.incoming"
#: The moderate stage writes one verdict per comment (``civicmod.verdict/1``) to one of these.
PUBLISHED = "comments.published"
AUTO_HIDDEN = "moderation.auto_hidden"
ESCALATIONS = "moderation.escalations"
#: Moderators' decisions (``civicmod.decision/1``): the console writes, actuator and metrics read.
DECISIONS = "moderation.decisions"
#: What was done on the platforms (``civicmod.action/1``): the actuator writes.
ACTIONS = "moderation.actions"
#: The audit trail (``civicmod.audit/1``), kept forever.
AUDIT = "moderation.audit"
#: Per-worker snapshots (``civicmod.metrics/1``, key: worker id) and the metrics service's
#: windowed aggregates (``civicmod.aggregate/1``, key: ``Aggregate.key()``); readers pick by
#: the ``schema`` tag.
METRICS = "moderation.metrics"
#: The daily aggregates again, kept for reports (compacted: the newest record of each day and
#: account stays).
METRICS_DAILY = "moderation.metrics.daily"
#: The agency's own comments and replies on its accounts (``civicmod.comment/1``, key: comment
#: id), written by the gateway, not moderated: they answer citizens' questions.
AGENCY_REPLIES = "comments.agency_replies"
#: What no stage could accept (``civicmod.deadletter/1``), from every stage.
DEADLETTER = "comments.deadletter"
#: Platform-side state changes (remove / hide / unhide), written by the gateway; not moderated.
STATE = "comments.state"
#: The gateway's own state: dedupe keys (compacted, 7 days) and poller cursors (compacted).
GATEWAY_DEDUPE = "gateway.dedupe"
GATEWAY_CURSORS = "gateway.cursors"
#: The actuator's ledger (compacted, key: comment id, or ``author|<platform>|<author id>``):
#: what each comment should be on its platform, and what was last carried out.
ACTUATOR_LEDGER = "actuator.ledger"
#: Platform API quota spent today by each service sharing one project (compacted; key
#: ``<platform>|<service>``, value ``{"day": "YYYY-MM-DD" (the platform's quota day), "used": N}``):
#: the gateway's YouTube poller and the actuator count each other's units against one budget.
PLATFORM_QUOTA = "platform.quota"

#: Where a verdict goes, by outcome: every valid comment lands on exactly one of these.
OUTCOME_TOPICS: dict[str, str] = {
    "publish": PUBLISHED,
    "escalate": ESCALATIONS,
    "hide": AUTO_HIDDEN,
}

ALL_TOPICS: tuple[str, ...] = (
    INCOMING, PUBLISHED, AUTO_HIDDEN, ESCALATIONS, DECISIONS, ACTIONS, AUDIT, METRICS, DEADLETTER,
    STATE, METRICS_DAILY, AGENCY_REPLIES, GATEWAY_DEDUPE, GATEWAY_CURSORS, ACTUATOR_LEDGER,
    PLATFORM_QUOTA,
)

WEEK_MS = str(7 * 24 * 3600 * 1000)
#: How long the actuator's ledger keeps an entry (the topic, and the actuator's memory).
LEDGER_RETENTION_MS = 30 * 24 * 3600 * 1000

#: Per-topic configs: metrics are short-lived, the audit trail and decisions are kept.
TOPIC_CONFIGS: dict[str, dict[str, str]] = {
    METRICS: {"retention.ms": WEEK_MS},
    METRICS_DAILY: {"cleanup.policy": "compact"},
    AUDIT: {"retention.ms": "-1"},
    DECISIONS: {"retention.ms": "-1"},
    ACTIONS: {"retention.ms": "-1"},
    GATEWAY_DEDUPE: {"cleanup.policy": "compact,delete", "retention.ms": WEEK_MS,
                     "segment.ms": str(6 * 3600 * 1000)},
    GATEWAY_CURSORS: {"cleanup.policy": "compact"},
    # an entry matters while a late intent for its comment could still arrive: 30 days
    ACTUATOR_LEDGER: {"cleanup.policy": "compact,delete", "retention.ms": str(LEDGER_RETENTION_MS)},
    PLATFORM_QUOTA: {"cleanup.policy": "compact"},
}

# -- the moderate stage's state logs (one partition each, named after the worker's app id) --------
#: Signal events (comments seen, strikes), read by every worker of the group: 7 days.
SIGNALS_LOG = "signals"
#: When each hide rule's exact content was first seen (the new-rule guardrail): compacted.
RULES_LOG = "rule-first-seen"
#: In-flight marks and first outcomes per input position (``streams.moderate.progress``).
PROGRESS_LOG = "progress"

STATE_LOG_CONFIGS: dict[str, dict[str, str]] = {
    SIGNALS_LOG: {"cleanup.policy": "delete", "retention.ms": WEEK_MS},
    RULES_LOG: {"cleanup.policy": "compact"},
    # a ring of entries per input partition: compaction keeps it small
    PROGRESS_LOG: {"cleanup.policy": "compact", "segment.ms": str(3600 * 1000),
                   "min.cleanable.dirty.ratio": "0.2"},
}


def physical(name: str, prefix: str = "") -> str:
    """The topic's name on the cluster: the configured prefix + the logical name."""
    return prefix + name


def state_log(app_id: str, log: str) -> str:
    """The name of one of the moderate stage's state logs for the consumer group ``app_id``
    (Faust's changelog naming, kept so existing deployments keep their state)."""
    return f"{app_id}-{log}-changelog"
