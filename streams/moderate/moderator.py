"""The moderation step for one batch of raw messages: parse, judge, route.

Kept apart from Faust's plumbing so it is plain async code: the stage in ``streams.moderate.stage`` feeds
it batches from ``comments.incoming`` and sends what it returns. It never raises on input: each
message is guarded on its own at every step (parse, rules, scores, decision, serialisation), so
whatever goes wrong with one (any exception type) becomes that message's dead letter, or, for a
valid comment the pipeline could not judge, an escalation with a system reason. The rest of the
batch is unaffected, and every record it returns fits the topics' size limit.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter, deque
from collections.abc import Awaitable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from civicmod.contract.records import Comment, DeadLetter, MalformedComment, Verdict, parse_comment
from civicmod.contract.topics import DEADLETTER, INCOMING, OUTCOME_TOPICS
from civicmod.verdict.batch import Item, decide_all, describe, report, run_rules
from civicmod.verdict.judge import Judge, assess
from classifiers.routing import Assessment

if TYPE_CHECKING:
    from streams.moderate.progress import Progress
    from streams.moderate.prometheus import WorkerMetrics

log = logging.getLogger("civicmod.worker")

#: Comments whose rules run between two turns of the event loop (~5 ms on one core): the
#: producer meanwhile sends the batch's in-flight marks and reads the last batch's acknowledgements,
#: which would otherwise wait for the whole batch's rules (docs/worker-profile.md, sixth pass).
RULES_CHUNK = 64


@dataclass(frozen=True)
class RawMessage:
    key: bytes | None
    value: bytes | None
    topic: str = INCOMING
    partition: int | None = None
    offset: int | None = None
    timestamp: float | None = None  # seconds since epoch (Kafka CreateTime)


@dataclass(frozen=True)
class Output:
    """A record to send: ``topic`` is a logical name the stage's sender knows."""

    topic: str
    key: bytes
    value: bytes | None  # None: a tombstone (a compacted state log's deleted key)
    #: The input message it answers (a verdict that cannot be delivered is dead-lettered with it).
    source: RawMessage | None = field(default=None, compare=False)
    partition: int | None = None


@dataclass
class Stats:
    """Counters and recent latencies since the worker started (read by metrics and /health)."""

    outcomes: Counter[str] = field(default_factory=Counter)
    deadletters: Counter[str] = field(default_factory=Counter)
    #: Comments escalated because a step failed for them, by system reason id.
    unjudged: Counter[str] = field(default_factory=Counter)
    classifier_failures: int = 0
    last_classifier_failure: float | None = None  # time.time()
    #: Redelivered comments given their first outcome again (and how many would have differed).
    recalled: int = 0
    recalled_differed: int = 0
    latencies_ms: deque[float] = field(default_factory=lambda: deque(maxlen=10_000))

    def failing(self, within_s: float = 60.0) -> bool:
        """Did a classifier call fail (error, timeout, out of memory) in the last ``within_s``?"""
        last = self.last_classifier_failure
        return last is not None and time.time() - last < within_s

    def snapshot(self) -> dict[str, object]:
        lat = sorted(self.latencies_ms)

        def pct(q: float) -> float | None:
            return round(lat[min(len(lat) - 1, int(q * len(lat)))], 2) if lat else None

        return {
            "outcomes": dict(self.outcomes),
            "deadletters": dict(self.deadletters),
            "unjudged": dict(self.unjudged),
            "classifier_failures": self.classifier_failures,
            "recalled": self.recalled,
            "recalled_differed": self.recalled_differed,
            "latency_ms": {"p50": pct(0.5), "p99": pct(0.99), "samples": len(lat)},
        }


def dead_letter(msg: RawMessage, reason: str, error: str, stage: str = "moderate",
                raw_cap: int = 64 * 1024) -> Output:
    record = DeadLetter.of(msg.value, reason, error, stage, msg.topic, raw_cap, key=msg.key,
                           partition=msg.partition, offset=msg.offset)
    return Output(DEADLETTER, msg.key or b"", record.to_json(), msg)


class Moderator:
    """Parses and judges batches; the classifier runs in ``executor`` under ``timeout_s``.

    ``progress`` (the stream's :class:`~streams.moderate.progress.Progress`) recalls the first outcome of a
    redelivered message and records each new one; without it every message is judged afresh.
    ``metrics`` (:class:`~streams.moderate.prometheus.WorkerMetrics`) counts for Prometheus."""

    def __init__(self, judge: Judge, executor: Executor, max_text_chars: int = 10_000,
                 timeout_s: float = 10.0, stats: Stats | None = None, *,
                 max_comment_bytes: int | None = None, max_record_bytes: int = 1_000_000,
                 deadletter_raw_bytes: int = 64 * 1024, progress: Progress | None = None,
                 metrics: WorkerMetrics | None = None) -> None:
        self.judge = judge
        self.executor = executor
        self.max_text_chars = max_text_chars
        self.max_comment_bytes = max_comment_bytes
        self.max_record_bytes = max_record_bytes
        self.raw_cap = deadletter_raw_bytes
        self.timeout_s = timeout_s
        self.stats = stats or Stats()
        self.progress = progress
        self.metrics = metrics

    def dead(self, msg: RawMessage, reason: str, error: str) -> Output:
        self.stats.deadletters[reason] += 1
        if self.metrics is not None:
            self.metrics.deadletters.labels(reason).inc()
        return dead_letter(msg, reason, error, raw_cap=self.raw_cap)

    def set_aside(self, msg: RawMessage, reason: str, error: str, rule: str) -> list[Output]:
        """A message the worker will not judge (it stopped workers): its dead letter and, when it
        is a valid comment, an escalation held for a person (``rule`` as its system reason), so
        the comment is never lost or published unjudged. Nothing runs on it but the parser."""
        outputs = [self.dead(msg, reason, error)]
        try:
            if msg.value is None:
                return outputs
            comment = parse_comment(msg.value, self.max_text_chars, self.max_comment_bytes)
            verdict = self.judge.unjudged(comment, error, rule)
            value = verdict.to_json()
        except Exception:  # not a comment: the dead letter says all there is
            return outputs
        if len(value) <= self.max_record_bytes:
            # counted, not recorded in the stream state: redelivered, it is set aside again (the
            # same verdict, which consumers deduplicate) rather than judged by what stopped workers
            self.stats.outcomes["escalate"] += 1
            self.stats.unjudged[rule] += 1
            if self.metrics is not None:
                self.metrics.verdict(verdict)
            outputs.append(Output(OUTCOME_TOPICS["escalate"], comment.id.encode(), value, msg))
        return outputs

    def _parse(self, batch: Sequence[RawMessage]
               ) -> tuple[list[tuple[RawMessage, Item]], list[Output]]:
        good, bad = [], []
        for msg in batch:
            if msg.value is None:
                bad.append(self.dead(msg, "empty_message", "message has no value (tombstone)"))
                continue
            try:
                comment = parse_comment(msg.value, self.max_text_chars, self.max_comment_bytes)
            except MalformedComment as exc:
                bad.append(self.dead(msg, exc.reason, exc.error))
                continue
            except Exception as exc:  # a parser bug: this message only
                bad.append(self.dead(msg, "parse_error", describe(exc)))
                continue
            item = Item(comment)
            progress = self.progress
            first = (progress.recall(msg.partition, msg.offset, comment.digest())
                     if progress is not None and progress.judged(msg.partition, msg.offset)
                     else None)
            if first is not None and first.outcome in OUTCOME_TOPICS:
                item.first_signals, item.first_outcome = first.signals, first.outcome  # type: ignore[assignment]
            good.append((msg, item))
        return good, bad

    async def _score(self, comments: list[Comment]) -> tuple[list[Assessment] | None, str | None]:
        clf = self.judge.classifier
        if clf is None or not comments:
            return [], None
        loop = asyncio.get_running_loop()
        try:
            fut = loop.run_in_executor(self.executor, assess, clf, comments)
            return await asyncio.wait_for(fut, self.timeout_s), None
        except TimeoutError:
            return None, f"classifier {clf.name} timed out after {self.timeout_s}s"
        except Exception as exc:
            return None, f"classifier {clf.name} failed: {describe(exc)}"

    def _encode(self, msg: RawMessage, item: Item, verdict: Verdict, timings: dict[str, float]
                ) -> tuple[Output | None, Verdict | str]:
        """The verdict's record, or a smaller escalation if it is too large or does not encode,
        with the verdict sent; (None, why) if even that cannot be written (the comment is then
        dead-lettered)."""
        key = item.comment.id.encode()
        try:
            value = verdict.to_json()
            if len(value) <= self.max_record_bytes:
                return Output(OUTCOME_TOPICS[verdict.outcome], key, value, msg), verdict
            error = f"verdict of {len(value)} bytes exceeds kafka.max_record_bytes"
        except Exception as exc:
            error = f"verdict not serialisable: {describe(exc)}"
        try:
            fallback = self.judge.unjudged(item.comment, error, "system.verdict_failed", timings)
            value = fallback.to_json()
            if len(value) <= self.max_record_bytes:
                return Output(OUTCOME_TOPICS["escalate"], key, value, msg), fallback
            error = f"{error}; its escalation has {len(value)} bytes"
        except Exception as exc:
            error = f"{error}; its escalation failed too: {describe(exc)}"
        return None, error

    async def process(self, batch: Sequence[RawMessage],
                      before_model: Awaitable[Any] | None = None) -> list[Output]:
        """Return the messages to send: one verdict per valid comment, one dead letter per bad one.
        The verdicts come from the one batch path (``civicmod.verdict.batch``); the model runs in
        the executor under ``timeout_s``. ``before_model`` (the stage's in-flight marks) is
        awaited before the model runs."""
        good, outputs = self._parse(batch)
        items = [item for _, item in good]
        todo: list[int] = []
        rules_s = 0.0
        for start in range(0, len(items), RULES_CHUNK):
            if start:  # the loop sends and reads meanwhile: the marks, the last batch's verdicts
                await asyncio.sleep(0)
            t0 = time.perf_counter()
            todo += [start + i for i in run_rules(self.judge, items[start:start + RULES_CHUNK])]
            rules_s += time.perf_counter() - t0
        t1 = time.perf_counter()
        if before_model is not None:
            await before_model
        assessed, error = await self._score([items[i].comment for i in todo])
        t2 = time.perf_counter()
        if error:
            self.stats.classifier_failures += 1
        failed = bool(error) or any(a.error for a in assessed or ())
        if failed:
            self.stats.last_classifier_failure = time.time()
        metrics = self.metrics
        if metrics is not None:
            metrics.batch_size.observe(len(batch))
            if todo and self.judge.classifier is not None:
                metrics.classifier_seconds.observe(t2 - t1)
            if failed:
                metrics.classifier_failures.inc()
        timings = {"rules": round(rules_s * 1000 / max(len(items), 1), 3),
                   "classifier_batch": round((t2 - t1) * 1000, 3), "batch_size": float(len(items))}
        now = time.time()
        for msg, item in good:
            if msg.timestamp:
                queued = (now - msg.timestamp) * 1000
                item.timings["since_produced"] = round(queued, 3)
                self.stats.latencies_ms.append(queued)
                if metrics is not None:
                    metrics.verdict_latency.observe(max(0.0, queued / 1000))
        decide_all(self.judge, items, todo, assessed, error, timings)
        for msg, item in good:
            assert item.verdict is not None
            out, sent = self._encode(msg, item, item.verdict, {**timings, **item.timings})
            if out is None or isinstance(sent, str):
                outputs.append(self.dead(msg, "verdict_failed", str(sent)))
                continue
            self._record(msg, item, sent)
            outputs.append(out)
        return outputs

    def _record(self, msg: RawMessage, item: Item, verdict: Verdict) -> None:
        """Count the verdict and tell the stream's state about it (strikes, the first outcome);
        a failure here is logged and counted, never a lost verdict."""
        stats = self.stats
        stats.outcomes[verdict.outcome] += 1
        if self.metrics is not None:
            self.metrics.verdict(verdict)
        for r in verdict.reasons:
            if r.source == "system" and r.action:
                stats.unjudged[r.id] += 1
        if item.first_outcome is not None:
            stats.recalled += 1
            stats.recalled_differed += item.rejudged is not None
        try:
            report(self.judge, verdict)
            if (self.progress is not None and item.first_outcome is None
                    and msg.partition is not None and msg.offset is not None):
                self.progress.entry(msg.partition, msg.offset, item.comment.digest(),
                                    verdict.outcome, item.signals, time.time())
        except Exception as exc:
            stats.unjudged["system.state_not_recorded"] += 1
            log.warning("could not record a verdict in the stream state",
                        extra={"comment_id": item.comment.id[:200], "error": describe(exc)})
