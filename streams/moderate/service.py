"""The moderate service: everything the worker does, as one object the Faust wiring
(``streams.moderate.wiring``) calls: the batch loop, policy reload, metrics, signal expiry,
``/health``, and following the state logs.

Delivery guarantee: at-least-once. The stage takes batches from its own consumer-group member
(``streams.kafka.batches``, a task of the Faust app), which counts a batch's offsets as handled
only after the batch has run; the stage (``streams.moderate.stage``) waits for every record it
produced to be acknowledged, so a verdict is on its outcome topic before its input offset is
committed. A worker killed mid-batch re-processes from the last commit: a comment can
get its verdict twice, with the same outcome (``streams.moderate.progress``), never zero times.
Consumers dedupe on the comment id plus the text digest (``streams.kafka.verdict_dedupe``).
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from typing import Any

from civicmod.contract import topics as T
from civicmod.contract.records import AuditEvent, Author, Comment, MetricsSnapshot, utcnow
from civicmod.contract.settings import Settings
from civicmod.verdict.batch import Item, decide_all, run_rules
from civicmod.verdict.configured import build_guardrail, build_judge
from civicmod.verdict.judge import assess
from classifiers import language
from classifiers.loader import LoadedClassifier
from rules import native
from rules.compiler import load_configured
from rules.reload import PolicyReloader
from streams.kafka.admin import ensure_state_logs
from streams.kafka.batches import BatchConsumer
from streams.kafka.gc_tuning import settle_heap
from streams.moderate.executor import DaemonExecutor
from streams.moderate.health import Health
from streams.moderate.moderator import Moderator, Output, RawMessage, Stats
from streams.moderate.progress import Progress
from streams.moderate.prometheus import WorkerMetrics, WorkerState, consumer_lag
from streams.moderate.signal_log import StreamSignals
from streams.moderate.stage import ProducerSender, Stage

log = logging.getLogger("civicmod.worker")


class ModerateService:
    """One worker's moderate stage and what keeps it running, built on a Faust ``app`` (its
    topics and producer); ``streams.moderate.wiring`` binds the methods to the agent, timers,
    tasks and page."""

    def __init__(self, settings: Settings, loaded: LoadedClassifier, app: Any) -> None:
        w, k = settings.worker, settings.kafka
        self.settings = settings
        self.loaded = loaded
        self.app = app
        self.worker_id = f"{socket.gethostname()}-{os.getpid()}"
        self.stats = Stats()
        self.health = Health()
        self.metrics = WorkerMetrics(state=self.prometheus_state)
        self.reloader = PolicyReloader(lambda: load_configured(settings.policy))
        self.guardrail = build_guardrail(settings)
        self.judge = judge = build_judge(settings, loaded, self.reloader.current, self.guardrail)
        ensure_state_logs(k.bootstrap_servers, w.app_id, k.replication_factor)
        self.signals = StreamSignals(
            app, k.bootstrap_servers,
            lambda c: judge.ruleset.policy_for(c.account_id).signal_specs, self.guardrail,
            worker_id=self.worker_id)
        judge.signals = self.signals.values
        judge.on_verdict = self.signals.on_verdict
        self.progress = Progress(k.bootstrap_servers, T.state_log(w.app_id, T.PROGRESS_LOG))
        moderator = Moderator(
            judge, DaemonExecutor(thread_name_prefix="civicmod-model"), w.max_text_chars,
            settings.classifier.timeout_s, self.stats, max_comment_bytes=k.max_comment_bytes,
            max_record_bytes=k.max_record_bytes, deadletter_raw_bytes=k.deadletter_raw_bytes,
            progress=self.progress, metrics=self.metrics)
        self.incoming = T.physical(T.INCOMING, k.topic_prefix)
        topics = {name: T.physical(name, k.topic_prefix)
                  for name in (*T.OUTCOME_TOPICS.values(), T.DEADLETTER, T.METRICS, T.AUDIT)}
        topics[T.SIGNALS_LOG] = self.signals.signals_topic.get_topic_name()
        topics[T.RULES_LOG] = self.signals.rules_topic.get_topic_name()
        topics[T.PROGRESS_LOG] = self.progress.topic
        sender = ProducerSender(topics, app.producer, k.max_record_bytes)
        self.stage = Stage(moderator, sender, self.progress, drains=[self.signals.drain])
        self.consumer = BatchConsumer(
            k.bootstrap_servers, w.app_id, [self.incoming], self.batch,
            max_records=w.batch_for(loaded.classifier is not None, gpu=loaded.on_gpu),
            client_id=f"civicmod-worker-{self.worker_id}", session_timeout_s=w.session_timeout_s,
            commit_interval_s=w.commit_interval_s,
            fetch_max_wait_ms=int(w.batch_within_s * 1000))
        self.consumer.on_assigned.append(lambda _: self.partitions_assigned())

    # -- the batch loop ----------------------------------------------------------------------------
    async def moderate(self) -> None:
        """The ``moderate`` task: batches from ``comments.incoming`` through the stage, once the
        signal and progress logs have been read as they were at start."""
        try:
            await self.signals.wait_ready()
            await self.progress.reader.loaded.wait()
            # before joining the group: a first batch that loads models would hold up the next
            # rebalance for seconds (and the member be expelled, its last commit refused)
            started = asyncio.get_running_loop().time()
            await asyncio.get_running_loop().run_in_executor(None, self.warm_up)
            log.info("warmed up", extra={"seconds": round(asyncio.get_running_loop().time()
                                                          - started, 3)})
            settle_heap()  # what start-up built is out of the collector's sight from here
            await self.consumer.run()
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # nothing should get here; if it does, never silently
            # the batch that failed was not committed: whoever takes the partitions judges it
            self.health.crash("moderate agent", exc)
            await asyncio.Event().wait()  # until the process exits (/health says crashed)

    def warm_up(self) -> None:
        """Judge one made-up comment with every part the first batch would load (rules,
        language id, classifier, engagement tagger), recording it nowhere: no signal event, no
        progress entry, no verdict. A failure is logged; the batches report their own."""
        comment = Comment(id="x:civicmod-warm-up", platform="x", account_id="civicmod-warm-up",
                          author=Author(id="civicmod-warm-up"),
                          text="Thank you for the update on the park opening hours, see you there.")
        item = Item(comment)
        item.first_signals = {}  # given, so the stream's signals are neither read nor written
        try:
            # py3langid for every language set: the made-up comment may not need it, the first
            # question does (the engagement tagger), and reading it took 5 s on a loaded box
            expected = self.settings.classifier.languages
            language.preload([expected.default, *expected.accounts.values()])
            todo = run_rules(self.judge, [item])
            clf = self.judge.classifier
            assessed = assess(clf, [comment]) if clf is not None and todo else []
            decide_all(self.judge, [item], todo, assessed, None, {})
        except Exception as exc:
            log.warning("warm-up failed", extra={"error": f"{type(exc).__name__}: {exc}"[:300]})

    async def batch(self, records: Any) -> asyncio.Future[None]:
        """One batch from the consumer: judged, its state acknowledged; returns the task that
        finishes when its verdicts are acknowledged too (the consumer commits after it)."""
        verdicts = await self.stage.start([RawMessage(r.key, r.value, r.topic, r.partition,
                                                      r.offset, r.timestamp / 1000 if r.timestamp
                                                      else None) for r in records])
        try:
            await self.send_alerts()
        except asyncio.CancelledError:
            verdicts.cancel()  # nobody will wait for them: the batch is redelivered
            raise
        except Exception as exc:  # alerts are best effort
            log.warning("could not send guardrail alerts", extra={"error": repr(exc)})
        return verdicts

    def partitions_assigned(self) -> None:
        self.stage.need_sync = True  # read the progress of the worker we take over from first

    # -- audit, alerts, metrics ----------------------------------------------------------------------
    async def audit(self, kind: str, **fields: Any) -> None:
        event = AuditEvent(type=kind, worker=self.worker_id, **fields)
        await self.stage.deliver([Output(T.AUDIT, self.worker_id.encode(), event.to_json())],
                                 "audit")

    async def send_alerts(self) -> None:
        if self.guardrail is None:
            return
        for alert in self.guardrail.drain_alerts():
            await self.audit(alert.pop("type"), **alert)

    def snapshot(self) -> MetricsSnapshot:
        return MetricsSnapshot(worker=self.worker_id, at=utcnow(), classifier=self.loaded.note,
                               policy_version=self.judge.ruleset.version,
                               stage=dict(self.stage.counts), **self.stats.snapshot())

    def prometheus_state(self) -> WorkerState:
        """The classifier, policy and consumer lag, for ``/metrics`` (read at scrape time)."""
        loaded = self.loaded
        return WorkerState(classifier=loaded.note, policy_version=self.judge.ruleset.version,
                           fallback=bool(loaded.fallback or loaded.error),
                           lag=consumer_lag(self.consumer, [self.incoming]),
                           cascades=loaded.cascade_counts())

    async def publish_metrics(self) -> None:
        record = Output(T.METRICS, self.worker_id.encode(), self.snapshot().to_json())
        await self.stage.deliver([record], "metrics")

    # -- policy and signals ----------------------------------------------------------------------------
    async def reload_policy(self) -> None:
        """Hot reload: a changed policy file is recompiled and swapped in; a broken one leaves
        the running policy in place, with an audit record saying why."""
        reloader = self.reloader
        # off the event loop: a large policy takes seconds to compile
        change = await asyncio.get_running_loop().run_in_executor(None, reloader.check)
        if change is None:
            return
        kind, detail = change
        if kind == "reloaded":
            async with self.stage.lock:  # a batch is judged under one policy
                if self.guardrail is not None:
                    for compiled in reloader.current.policies:
                        self.guardrail.register(compiled.rules)
                self.judge.ruleset = reloader.current
            log.info("policy reloaded", extra={"policy_version": detail})
            await self.audit("policy.reloaded", policy_version=detail)
        else:
            log.error("policy NOT reloaded, keeping the running one", extra={
                "policy_version": reloader.current.version, "error": detail})
            await self.audit("policy.reload_failed", error=detail,
                             policy_version=reloader.current.version)
        await self.stage.flush_state()

    async def expire_signals(self) -> None:
        self.signals.expire()

    async def follow_state(self) -> None:
        """Read the signal and progress logs and keep following them until the worker stops."""
        self.signals.follow()
        self.progress.follow()
        for task in (*self.signals.reader_tasks(), self.progress.reader.task):
            if task is not None:
                task.add_done_callback(self.health.watch(f"state reader {task.get_name()}"))
        try:
            await asyncio.Event().wait()  # until the worker stops and cancels this task
        finally:
            await self.signals.stop()
            await self.progress.stop()

    # -- /health -----------------------------------------------------------------------------------------
    def health_report(self) -> tuple[dict[str, Any], int]:
        """The ``/health`` body and status: crashed (500), degraded or ok."""
        health, loaded = self.health, self.loaded
        if health.crashed:
            status = "crashed"
        elif loaded.fallback or loaded.error or self.stats.failing():
            status = "degraded"
        else:
            status = "ok"
        body = {"status": status, "crashed": health.crashed, "classifier": loaded.note,
                "classifier_runtime": loaded.runtime_info(),
                "policy_version": self.judge.ruleset.version,
                "policy_error": self.reloader.last_error,
                # "native" (the compiled hot modules, rules/native.py) or why the plain ones run
                "rules_engine": native.report(),
                "signal_events": self.signals.events_seen,
                "signal_events_refused": self.signals.events_refused,
                "task_errors": dict(health.task_errors),
                "last_task_error": health.last_task_error,
                "stage": dict(self.stage.counts), **self.stats.snapshot()}
        return body, 500 if health.crashed else 200
