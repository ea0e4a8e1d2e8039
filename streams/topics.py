"""Topic names (the public contract between stages) and idempotent creation."""

from __future__ import annotations

INCOMING = "comments.incoming"
PUBLISHED = "comments.published"
AUTO_HIDDEN = "moderation.auto_hidden"
ESCALATIONS = "moderation.escalations"
DECISIONS = "moderation.decisions"
AUDIT = "moderation.audit"
METRICS = "moderation.metrics"
DEADLETTER = "comments.deadletter"
#: Platform-side state changes (remove / hide / unhide), written by the gateway; not moderated.
STATE = "comments.state"
#: The gateway's own state: dedupe keys (compacted, 7 days) and poller cursors (compacted).
GATEWAY_DEDUPE = "gateway.dedupe"
GATEWAY_CURSORS = "gateway.cursors"

#: Where a verdict goes, by outcome: every valid comment lands on exactly one of these.
OUTCOME_TOPICS: dict[str, str] = {
    "publish": PUBLISHED,
    "escalate": ESCALATIONS,
    "hide": AUTO_HIDDEN,
}

ALL_TOPICS: tuple[str, ...] = (
    INCOMING, PUBLISHED, AUTO_HIDDEN, ESCALATIONS, DECISIONS, AUDIT, METRICS, DEADLETTER,
    STATE, GATEWAY_DEDUPE, GATEWAY_CURSORS,
)

#: Per-topic configs: metrics are short-lived, the audit trail is kept.
TOPIC_CONFIGS: dict[str, dict[str, str]] = {
    METRICS: {"retention.ms": str(7 * 24 * 3600 * 1000)},
    AUDIT: {"retention.ms": "-1"},
    DECISIONS: {"retention.ms": "-1"},
    GATEWAY_DEDUPE: {"cleanup.policy": "compact,delete", "retention.ms": str(7 * 24 * 3600 * 1000),
                     "segment.ms": str(6 * 3600 * 1000)},
    GATEWAY_CURSORS: {"cleanup.policy": "compact"},
}


def physical(name: str, prefix: str = "") -> str:
    """The topic's name on the cluster: the configured prefix + the logical name."""
    return prefix + name


def ensure_topics(bootstrap: str, partitions: int = 6, replication_factor: int = 1,
                  prefix: str = "", timeout_s: float = 30.0,
                  max_record_bytes: int = 1_000_000) -> list[str]:
    """Create the missing topics; return the names created (existing ones are left as they are).

    Each topic's ``max.message.bytes`` is ``max_record_bytes`` (``kafka.max_record_bytes``), the
    same limit the producers are given, so a record the producer accepts the broker accepts."""
    from kafka import KafkaAdminClient

    names = [physical(n, prefix) for n in ALL_TOPICS]
    limit = {"max.message.bytes": str(max_record_bytes)}
    configs = {physical(n, prefix): limit | TOPIC_CONFIGS.get(n, {}) for n in ALL_TOPICS}
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="civicmod-admin",
                             request_timeout_ms=int(timeout_s * 1000))
    try:
        existing = set(admin.list_topics())
        missing = [n for n in names if n not in existing]
        if missing:
            admin.create_topics(
                {n: {"num_partitions": partitions, "replication_factor": replication_factor,
                     "configs": configs.get(n, {})} for n in missing},
                raise_errors=False,
            )
        admin.wait_for_topics(names, timeout_ms=int(timeout_s * 1000))
        return missing
    finally:
        admin.close()
