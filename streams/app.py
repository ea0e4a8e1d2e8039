"""The Faust app: the ``moderate`` agent, the metrics timer and the worker's web views.

Delivery guarantee: at-least-once. The agent takes batches with ``take_events``, which acks
events only after the batch body has run; Faust flushes the producer before it commits offsets,
so a verdict is on its outcome topic before its input offset is committed. A worker killed
mid-batch re-processes from the last commit: a comment can get its verdict twice (same comment
id and text, same outcome), never zero times. Consumers dedupe on the Kafka key (the comment id)
plus the text digest (``Verdict.dedupe_key``); see ``streams.dedupe``.
"""

from __future__ import annotations

import json
import os
import socket
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import faust

from civicmod.config import Settings
from civicmod.judge import Judge
from civicmod.schema import METRICS_SCHEMA, utcnow
from classifiers.loader import LoadedClassifier
from rules.builtin import builtin_ruleset
from streams import topics as T
from streams.moderate import Moderator, RawMessage, Stats


def build_judge(settings: Settings, loaded: LoadedClassifier) -> Judge:
    policy = settings.policy
    clf = loaded.classifier
    limits = policy.thresholds_for(clf.name if clf else None)
    return Judge(
        ruleset=builtin_ruleset(policy.official_names, policy.official_author_ids, policy.version),
        classifier=clf,
        hide_thresholds=limits.hide,
        escalate_thresholds=limits.escalate,
        policy_version=policy.version,
    )


def broker_urls(bootstrap: str) -> list[str]:
    return [f"kafka://{h.strip()}" for h in bootstrap.split(",") if h.strip()]


def create_app(settings: Settings, loaded: LoadedClassifier) -> faust.App:
    """Build the app; nothing connects until a worker starts it."""
    w = settings.worker
    app = faust.App(
        w.app_id,
        broker=broker_urls(settings.kafka.bootstrap_servers),
        value_serializer="raw",
        key_serializer="raw",
        store="memory://",
        topic_partitions=settings.kafka.partitions,
        topic_replication_factor=settings.kafka.replication_factor,
        topic_allow_declare=False,
        topic_disable_leader=True,
        producer_acks=-1,
        producer_linger=0.005,
        broker_commit_interval=w.commit_interval_s,
        broker_session_timeout=w.session_timeout_s,
        broker_heartbeat_interval=min(3.0, w.session_timeout_s / 3),
        consumer_auto_offset_reset="earliest",
        web_enabled=w.web_enabled,
        web_host=w.web_host,
        web_port=w.web_port,
        web_bind=w.web_host,
    )
    stats = Stats()
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="civicmod-model")
    moderator = Moderator(build_judge(settings, loaded), executor, w.max_text_chars,
                          settings.classifier.timeout_s, stats)
    prefix = settings.kafka.topic_prefix
    incoming = app.topic(T.physical(T.INCOMING, prefix), key_type=bytes, value_type=bytes)
    out_topics = {name: app.topic(T.physical(name, prefix), key_type=bytes, value_type=bytes)
                  for name in (*T.OUTCOME_TOPICS.values(), T.DEADLETTER, T.METRICS)}
    worker_id = f"{socket.gethostname()}-{os.getpid()}"

    @app.agent(incoming, name="moderate")
    async def moderate(stream: faust.StreamT[Any]) -> None:
        async for events in stream.take_events(w.batch_size, within=w.batch_within_s):
            batch = [
                RawMessage(e.message.key, e.message.value, e.message.topic, e.message.partition,
                           e.message.offset, e.message.timestamp)
                for e in events
            ]
            for out in await moderator.process(batch):
                await out_topics[out.topic].send(key=out.key, value=out.value)

    @app.timer(w.metrics_interval_s)
    async def publish_metrics() -> None:
        record = {"schema": METRICS_SCHEMA, "worker": worker_id, "at": utcnow().isoformat(),
                  "classifier": loaded.note, **stats.snapshot()}
        await out_topics[T.METRICS].send(key=worker_id.encode(), value=json.dumps(record).encode())

    @app.page("/health")
    async def health(web: Any, request: Any) -> Any:
        status = "degraded" if loaded.fallback else "ok"
        return web.json({"status": status, "classifier": loaded.note, **stats.snapshot()})

    return app
