"""Plain kafka-python helpers for feeding and reading the pipeline (demo, tests, benches)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from civicmod.contract.topics import DEADLETTER, OUTCOME_TOPICS


def producer(bootstrap: str, **extra: Any):
    """An idempotent, acks=all producer (durable before we call a message sent)."""
    from kafka import KafkaProducer

    return KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5,
                         enable_idempotence=True, **extra)


def produce(bootstrap: str, messages: Iterable[tuple[bytes | None, bytes]], topic: str,
            flush_timeout_s: float = 60.0, **extra: Any) -> int:
    """Send (key, value) pairs and wait for every ack; return how many were sent."""
    prod = producer(bootstrap, **extra)
    n = 0
    try:
        for key, value in messages:
            prod.send(topic, key=key, value=value)
            n += 1
        prod.flush(timeout=flush_timeout_s)
    finally:
        prod.close()
    return n


@dataclass(frozen=True)
class Received:
    topic: str
    key: bytes | None
    value: dict[str, Any]
    timestamp_ms: int
    received_at: float


def consume(bootstrap: str, topics: Iterable[str] = (*OUTCOME_TOPICS.values(), DEADLETTER),
            group_id: str | None = None, from_beginning: bool = True,
            idle_timeout_s: float = 1.0, until: float | None = None) -> Iterator[Received]:
    """Yield decoded JSON records from ``topics`` until ``until`` (monotonic) passes."""
    from kafka import KafkaConsumer

    cons = KafkaConsumer(
        *topics, bootstrap_servers=bootstrap, group_id=group_id,
        auto_offset_reset="earliest" if from_beginning else "latest",
        enable_auto_commit=group_id is not None, consumer_timeout_ms=int(idle_timeout_s * 1000),
        fetch_max_wait_ms=100,
    )
    try:
        while until is None or time.monotonic() < until:
            batch = cons.poll(timeout_ms=int(idle_timeout_s * 1000))
            for records in batch.values():
                for r in records:
                    try:
                        value = json.loads(r.value)
                    except ValueError:
                        value = {"_undecodable": r.value.decode("utf-8", "replace")}
                    yield Received(r.topic, r.key, value, r.timestamp, time.time())
            if not batch and until is None:
                return
    finally:
        cons.close()
