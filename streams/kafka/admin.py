"""Topic creation: the shared topics and the moderate stage's state logs (idempotent).

What the topics are (names, writers, configs) is the contract's (``civicmod.contract.topics``);
this module only creates the missing ones on a cluster.
"""

from __future__ import annotations

from collections.abc import Mapping

from civicmod.contract.topics import (
    ALL_TOPICS,
    STATE_LOG_CONFIGS,
    TOPIC_CONFIGS,
    physical,
    state_log,
)


def _create(bootstrap: str, wanted: Mapping[str, tuple[int, dict[str, str]]],
            replication_factor: int, timeout_s: float) -> list[str]:
    """Create the topics of ``wanted`` (name → (partitions, configs)) that do not exist yet;
    return the names created (existing ones are left as they are)."""
    from kafka import KafkaAdminClient

    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="civicmod-admin",
                             request_timeout_ms=int(timeout_s * 1000))
    try:
        existing = set(admin.list_topics())
        missing = [n for n in wanted if n not in existing]
        if missing:
            admin.create_topics(
                {n: {"num_partitions": wanted[n][0], "replication_factor": replication_factor,
                     "configs": wanted[n][1]} for n in missing},
                raise_errors=False,
            )
        admin.wait_for_topics(list(wanted), timeout_ms=int(timeout_s * 1000))
        return missing
    finally:
        admin.close()


def ensure_topics(bootstrap: str, partitions: int = 6, replication_factor: int = 1,
                  prefix: str = "", timeout_s: float = 30.0,
                  max_record_bytes: int = 1_000_000) -> list[str]:
    """Create the missing shared topics. Each one's ``max.message.bytes`` is
    ``max_record_bytes`` (``kafka.max_record_bytes``), the same limit the producers are given,
    so a record the producer accepts the broker accepts."""
    limit = {"max.message.bytes": str(max_record_bytes)}
    wanted = {physical(n, prefix): (partitions, limit | TOPIC_CONFIGS.get(n, {}))
              for n in ALL_TOPICS}
    return _create(bootstrap, wanted, replication_factor, timeout_s)


def ensure_state_logs(bootstrap: str, app_id: str, replication_factor: int = 1,
                      timeout_s: float = 30.0) -> list[str]:
    """Create the moderate stage's state logs of consumer group ``app_id`` (one partition each:
    every worker reads all of them)."""
    wanted = {state_log(app_id, log): (1, configs) for log, configs in STATE_LOG_CONFIGS.items()}
    return _create(bootstrap, wanted, replication_factor, timeout_s)
