"""The Faust app: the ``moderate`` agent, the metrics timer and the worker's web views.

Delivery guarantee: at-least-once. The agent takes batches with ``take_events``, which acks
events only after the batch body has run; Faust flushes the producer before it commits offsets,
so a verdict is on its outcome topic before its input offset is committed. A worker killed
mid-batch re-processes from the last commit: a comment can get its verdict twice (same comment
id and text, same outcome), never zero times. Consumers dedupe on the Kafka key (the comment id)
plus the text digest (``Verdict.dedupe_key``); see ``streams.kafka.verdict_dedupe``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
from typing import Any

import faust

from civicmod.contract import topics as T
from civicmod.contract.records import METRICS_SCHEMA, utcnow
from civicmod.contract.settings import Settings
from civicmod.verdict.judge import Judge
from classifiers.loader import LoadedClassifier
from rules.compiler import PolicySet, load_configured
from rules.guardrail import HideGuardrail
from rules.reload import PolicyReloader
from streams.kafka.admin import ensure_state_logs
from streams.kafka.transport import App
from streams.moderate import diagnostics
from streams.moderate.executor import DaemonExecutor
from streams.moderate.health import Health
from streams.moderate.moderator import Moderator, Output, RawMessage, Stats
from streams.moderate.progress import Progress
from streams.moderate.signal_log import StreamSignals
from streams.moderate.stage import Stage, TopicSender

log = logging.getLogger("civicmod.worker")


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
    """Build the app (creating the state topics); the agents start with the worker."""
    w = settings.worker
    k = settings.kafka
    app = App(
        w.app_id,
        broker=broker_urls(k.bootstrap_servers),
        value_serializer="raw",
        key_serializer="raw",
        store="memory://",
        topic_partitions=k.partitions,
        topic_replication_factor=k.replication_factor,
        topic_allow_declare=False,
        topic_disable_leader=True,
        producer_acks=-1,
        producer_linger=0.005,
        producer_max_request_size=k.max_record_bytes,
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
    health = Health()
    executor = DaemonExecutor(thread_name_prefix="civicmod-model")
    reloader = PolicyReloader(lambda: load_configured(settings.policy))
    guardrail = build_guardrail(settings)
    judge = build_judge(settings, loaded, reloader.current, guardrail)
    ensure_state_logs(k.bootstrap_servers, w.app_id, k.replication_factor)
    worker_id = f"{socket.gethostname()}-{os.getpid()}"
    signals = StreamSignals(
        app, k.bootstrap_servers,
        lambda c: judge.ruleset.policy_for(c.account_id).signal_specs, guardrail,
        worker_id=worker_id)
    judge.signals = signals.values
    judge.on_verdict = signals.on_verdict
    progress = Progress(k.bootstrap_servers, T.state_log(w.app_id, T.PROGRESS_LOG))
    moderator = Moderator(judge, executor, w.max_text_chars, settings.classifier.timeout_s, stats,
                          max_comment_bytes=k.max_comment_bytes, max_record_bytes=k.max_record_bytes,
                          deadletter_raw_bytes=k.deadletter_raw_bytes, progress=progress)
    prefix = k.topic_prefix
    incoming = app.topic(T.physical(T.INCOMING, prefix), key_type=bytes, value_type=bytes)
    topics = {name: app.topic(T.physical(name, prefix), key_type=bytes, value_type=bytes)
              for name in (*T.OUTCOME_TOPICS.values(), T.DEADLETTER, T.METRICS, T.AUDIT)}
    topics[T.SIGNALS_LOG] = signals.signals_topic
    topics[T.RULES_LOG] = signals.rules_topic
    topics[T.PROGRESS_LOG] = app.topic(progress.topic, key_type=bytes, value_type=bytes)
    stage = Stage(moderator, TopicSender(topics, app.producer), progress, drains=[signals.drain])

    @app.on_partitions_assigned.connect
    async def on_assigned(sender: Any, assigned: Any = None, **kwargs: Any) -> None:
        stage.need_sync = True  # read the progress of the worker we take over from first

    async def audit(record: bytes) -> None:
        await stage.deliver([Output(T.AUDIT, worker_id.encode(), record)], "audit")

    async def send_alerts() -> None:
        if guardrail is None:
            return
        for alert in guardrail.drain_alerts():
            await audit(_audit(alert.pop("type"), worker=worker_id, **alert))

    @app.agent(incoming, name="moderate")
    async def moderate(stream: faust.StreamT[Any]) -> None:
        try:
            # the signal and progress logs as they were at start, before judging
            await signals.wait_ready()
            await progress.reader.loaded.wait()
            async for events in stream.take_events(w.batch_size, within=w.batch_within_s):
                finished = False
                try:
                    await stage.run([
                        RawMessage(e.message.key, e.message.value, e.message.topic,
                                   e.message.partition, e.message.offset, e.message.timestamp)
                        for e in events])
                    finished = True
                finally:
                    if not finished:  # stopping or crashing mid-batch: never commit it
                        app.consumer.abandon(e.message for e in events)
                try:
                    await send_alerts()
                except Exception as exc:  # alerts are best effort; the verdicts are out
                    log.warning("could not send guardrail alerts", extra={"error": repr(exc)})
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # nothing should get here; if it does, never silently
            health.crash("moderate agent", exc)
            # Hold here until the process exits: re-raising would let Faust restart the agent
            # and judge (and commit) what follows the unfinished batch.
            await asyncio.Event().wait()

    if settings.policy.reload_interval_s > 0:
        @app.timer(settings.policy.reload_interval_s)
        @health.guarded("policy reload")
        async def reload_policy() -> None:
            """Hot reload: a changed policy file is recompiled and swapped in; a broken one
            leaves the running policy in place, with an audit record saying why."""
            # off the event loop: a large policy takes seconds to compile
            change = await asyncio.get_running_loop().run_in_executor(None, reloader.check)
            if change is None:
                return
            kind, detail = change
            if kind == "reloaded":
                if guardrail is not None:
                    for compiled in reloader.current.policies:
                        guardrail.register(compiled.rules)
                judge.ruleset = reloader.current
                log.info("policy reloaded", extra={"policy_version": detail})
                record = _audit("policy.reloaded", worker=worker_id, policy_version=detail)
            else:
                log.error("policy NOT reloaded, keeping the running one", extra={
                    "policy_version": reloader.current.version, "error": detail})
                record = _audit("policy.reload_failed", worker=worker_id, error=detail,
                                policy_version=reloader.current.version)
            await audit(record)
            await stage.deliver(stage.state(), "stream state")

    @app.timer(600.0)
    @health.guarded("signal expiry")
    async def expire_signals() -> None:
        signals.expire()

    @app.timer(w.metrics_interval_s)
    @health.guarded("metrics")
    async def publish_metrics() -> None:
        record = {"schema": METRICS_SCHEMA, "worker": worker_id, "at": utcnow().isoformat(),
                  "classifier": loaded.note, "policy_version": judge.ruleset.version,
                  **stats.snapshot(), "stage": dict(stage.counts)}
        await stage.deliver([Output(T.METRICS, worker_id.encode(), json.dumps(record).encode())],
                            "metrics")

    @app.page("/health")
    async def health_view(web: Any, request: Any) -> Any:
        if health.crashed:
            status = "crashed"
        elif loaded.fallback or loaded.error or stats.failing():
            status = "degraded"
        else:
            status = "ok"
        return web.json({"status": status, "crashed": health.crashed,
                         "classifier": loaded.note,
                         "policy_version": judge.ruleset.version,
                         "policy_error": reloader.last_error,
                         "signal_events": signals.events_seen,
                         "task_errors": dict(health.task_errors),
                         "last_task_error": health.last_task_error,
                         "stage": dict(stage.counts), **stats.snapshot()},
                        status=500 if health.crashed else 200)

    @app.task
    async def install_diagnostics() -> None:
        diagnostics.install(app)

    @app.task
    async def follow_state() -> None:
        signals.follow()
        progress.follow()
        for task in (*signals.reader_tasks(), progress.reader.task):
            if task is not None:
                task.add_done_callback(health.watch(f"state reader {task.get_name()}"))
        try:
            await asyncio.Event().wait()  # until the worker stops and cancels this task
        finally:
            await signals.stop()
            await progress.stop()

    app.civicmod_health = health  # type: ignore[attr-defined]
    return app
