"""The Faust app: the ``moderate`` agent, the metrics timer and the worker's web views.

Delivery guarantee: at-least-once. The agent takes batches with ``take_events``, which acks
events only after the batch body has run; Faust flushes the producer before it commits offsets,
so a verdict is on its outcome topic before its input offset is committed. A worker killed
mid-batch re-processes from the last commit: a comment can get its verdict twice (same comment
id and text, same outcome), never zero times. Consumers dedupe on the Kafka key (the comment id)
plus the text digest (``Verdict.dedupe_key``); see ``streams.dedupe``.
"""

from __future__ import annotations

import asyncio
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
from rules.compiler import PolicySet, load_configured
from rules.guardrail import HideGuardrail
from rules.reload import PolicyReloader
from streams import diagnostics
from streams import topics as T
from streams.kafka_transport import App
from streams.moderate import Moderator, RawMessage, Stats
from streams.signals import StreamSignals, ensure_changelogs


def build_guardrail(settings: Settings) -> HideGuardrail | None:
    g = settings.policy.guardrail
    if not g.enabled:
        return None
    return HideGuardrail(max_share=g.max_hide_share, window=g.window, min_comments=g.min_comments,
                         recent_s=g.recent_hours * 3600)


def build_judge(settings: Settings, loaded: LoadedClassifier, policies: PolicySet | None = None,
                guardrail: HideGuardrail | None = None) -> Judge:
    """The Judge for the configured policy layers (``policy.files``) and classifier."""
    policy = settings.policy
    clf = loaded.classifier
    limits = policy.thresholds_for(clf.name if clf else None)
    ruleset = policies if policies is not None else load_configured(policy)
    if guardrail is not None:
        for compiled in ruleset.policies:
            guardrail.register(compiled.rules, baseline=True)
    return Judge(
        ruleset=ruleset,
        classifier=clf,
        hide_thresholds=limits.hide,
        escalate_thresholds=limits.escalate,
        guardrail=guardrail,
    )


def _audit(kind: str, **fields: Any) -> bytes:
    return json.dumps({"schema": "civicmod.audit/1", "type": kind, "at": utcnow().isoformat(),
                       **fields}, default=str).encode()


def broker_urls(bootstrap: str) -> list[str]:
    return [f"kafka://{h.strip()}" for h in bootstrap.split(",") if h.strip()]


def create_app(settings: Settings, loaded: LoadedClassifier) -> faust.App:
    """Build the app (creating the signal log topics); the agents start with the worker."""
    w = settings.worker
    app = App(
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
    reloader = PolicyReloader(lambda: load_configured(settings.policy))
    guardrail = build_guardrail(settings)
    judge = build_judge(settings, loaded, reloader.current, guardrail)
    ensure_changelogs(settings.kafka.bootstrap_servers, w.app_id, settings.kafka.replication_factor)
    worker_id = f"{socket.gethostname()}-{os.getpid()}"
    signals = StreamSignals(
        app, settings.kafka.bootstrap_servers,
        lambda c: judge.ruleset.policy_for(c.account_id).signal_specs, guardrail,
        worker_id=worker_id)
    judge.signals = signals.values
    judge.on_verdict = signals.on_verdict
    moderator = Moderator(judge, executor, w.max_text_chars, settings.classifier.timeout_s, stats)
    prefix = settings.kafka.topic_prefix
    incoming = app.topic(T.physical(T.INCOMING, prefix), key_type=bytes, value_type=bytes)
    out_topics = {name: app.topic(T.physical(name, prefix), key_type=bytes, value_type=bytes)
                  for name in (*T.OUTCOME_TOPICS.values(), T.DEADLETTER, T.METRICS, T.AUDIT)}

    async def send_alerts() -> None:
        if guardrail is None:
            return
        for alert in guardrail.drain_alerts():
            await out_topics[T.AUDIT].send(key=worker_id.encode(), value=_audit(
                alert.pop("type"), worker=worker_id, **alert))

    @app.agent(incoming, name="moderate")
    async def moderate(stream: faust.StreamT[Any]) -> None:
        await signals.wait_ready()  # the signal logs as they were at start, before judging
        async for events in stream.take_events(w.batch_size, within=w.batch_within_s):
            batch = [
                RawMessage(e.message.key, e.message.value, e.message.topic, e.message.partition,
                           e.message.offset, e.message.timestamp)
                for e in events
            ]
            for out in await moderator.process(batch):
                await out_topics[out.topic].send(key=out.key, value=out.value)
            try:
                await signals.flush()
            except Exception as exc:  # verdicts are already sent; the next batch retries
                print(f"[civicmod worker] could not record signal events: {exc!r}", flush=True)
            await send_alerts()

    if settings.policy.reload_interval_s > 0:
        @app.timer(settings.policy.reload_interval_s)
        async def reload_policy() -> None:
            """Hot reload: a changed policy file is recompiled and swapped in; a broken one
            leaves the running policy in place, with an audit record saying why."""
            change = reloader.check()
            if change is None:
                return
            kind, detail = change
            if kind == "reloaded":
                if guardrail is not None:
                    for compiled in reloader.current.policies:
                        guardrail.register(compiled.rules)
                judge.ruleset = reloader.current
                print(f"[civicmod worker] policy reloaded: {detail}", flush=True)
                record = _audit("policy.reloaded", worker=worker_id, policy_version=detail)
            else:
                print(f"[civicmod worker] policy NOT reloaded, keeping "
                      f"{reloader.current.version}: {detail}", flush=True)
                record = _audit("policy.reload_failed", worker=worker_id, error=detail,
                                policy_version=reloader.current.version)
            await out_topics[T.AUDIT].send(key=worker_id.encode(), value=record)
            await signals.flush()

    @app.timer(600.0)
    async def expire_signals() -> None:
        signals.expire()

    @app.timer(w.metrics_interval_s)
    async def publish_metrics() -> None:
        record = {"schema": METRICS_SCHEMA, "worker": worker_id, "at": utcnow().isoformat(),
                  "classifier": loaded.note, "policy_version": judge.ruleset.version,
                  **stats.snapshot()}
        await out_topics[T.METRICS].send(key=worker_id.encode(), value=json.dumps(record).encode())

    @app.page("/health")
    async def health(web: Any, request: Any) -> Any:
        status = "degraded" if loaded.fallback or loaded.error or stats.failing() else "ok"
        return web.json({"status": status, "classifier": loaded.note,
                         "policy_version": judge.ruleset.version,
                         "policy_error": reloader.last_error,
                         "signal_events": signals.events_seen, **stats.snapshot()})

    @app.task
    async def install_diagnostics() -> None:
        diagnostics.install(app)

    @app.task
    async def follow_signals() -> None:
        signals.follow()
        try:
            await asyncio.Event().wait()  # until the worker stops and cancels this task
        finally:
            await signals.stop()

    return app
