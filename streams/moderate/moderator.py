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
from civicmod.contract.wire import printable
from civicmod.judge import Judge, Unjudged, assess
from classifiers.routing import Assessment
from rules.base import RuleHit

if TYPE_CHECKING:
    from streams.moderate.progress import Progress, Recalled

log = logging.getLogger("civicmod.worker")


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
    value: bytes
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


def describe(exc: BaseException) -> str:
    """``Type: message`` of an exception, on one line and encodable."""
    return printable(f"{type(exc).__name__}: {exc}".replace("\n", " "))[:500]


def dead_letter(msg: RawMessage, reason: str, error: str, stage: str = "moderate",
                raw_cap: int = 64 * 1024) -> Output:
    record = DeadLetter.of(msg.value, reason, error, stage, msg.topic, raw_cap, key=msg.key,
                           partition=msg.partition, offset=msg.offset)
    return Output(DEADLETTER, msg.key or b"", record.to_json(), msg)


@dataclass
class _Item:
    """One valid comment on its way through the batch."""

    msg: RawMessage
    comment: Comment
    recalled: Recalled | None = None
    hits: Sequence[RuleHit] = ()
    assessment: Assessment | None = None


class Moderator:
    """Parses and judges batches; the classifier runs in ``executor`` under ``timeout_s``.

    ``progress`` (the stream's :class:`~streams.moderate.progress.Progress`) recalls the first outcome of a
    redelivered message and records each new one; without it every message is judged afresh."""

    def __init__(self, judge: Judge, executor: Executor, max_text_chars: int = 10_000,
                 timeout_s: float = 10.0, stats: Stats | None = None, *,
                 max_comment_bytes: int | None = None, max_record_bytes: int = 1_000_000,
                 deadletter_raw_bytes: int = 64 * 1024, progress: Progress | None = None) -> None:
        self.judge = judge
        self.executor = executor
        self.max_text_chars = max_text_chars
        self.max_comment_bytes = max_comment_bytes
        self.max_record_bytes = max_record_bytes
        self.raw_cap = deadletter_raw_bytes
        self.timeout_s = timeout_s
        self.stats = stats or Stats()
        self.progress = progress

    def dead(self, msg: RawMessage, reason: str, error: str) -> Output:
        self.stats.deadletters[reason] += 1
        return dead_letter(msg, reason, error, raw_cap=self.raw_cap)

    def _parse(self, batch: Sequence[RawMessage]) -> tuple[list[_Item], list[Output]]:
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
            item = _Item(msg, comment)
            if self.progress is not None:
                item.recalled = self.progress.recall(msg.partition, msg.offset, comment.digest())
            good.append(item)
        return good, bad

    def _rules(self, item: _Item) -> Sequence[RuleHit]:
        try:
            return self.judge.rules(item.comment, item.recalled.signals if item.recalled else None)
        except Exception as exc:  # Judge.rules guards the policy; this is anything else
            return Unjudged(self.judge.version_for(item.comment), f"rules failed: {describe(exc)}")

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

    def _verdict(self, item: _Item, model_error: str | None, timings: dict[str, float]) -> Verdict:
        a = item.assessment
        try:
            verdict = self.judge.decide(item.comment, item.hits, a.scores if a else None,
                                        model_error, timings, a)
        except Exception as exc:
            verdict = self.judge.unjudged(item.comment, f"the verdict could not be built: "
                                          f"{describe(exc)}", timings_ms=timings)
        first = item.recalled
        if first is not None:
            self.stats.recalled += 1
            if first.outcome != verdict.outcome and first.outcome in OUTCOME_TOPICS:
                self.stats.recalled_differed += 1
                verdict = self.judge.kept(
                    verdict, first.outcome,  # type: ignore[arg-type]
                    f"redelivered: kept the first outcome {first.outcome!r}; judging again "
                    f"gave {verdict.outcome!r}")
        return verdict

    def _encode(self, item: _Item, verdict: Verdict, timings: dict[str, float]
                ) -> tuple[Output | None, str]:
        """The verdict's record, or a smaller escalation if it is too large or does not encode;
        (None, why) if even that cannot be written (the comment is then dead-lettered)."""
        key = item.comment.id.encode()
        try:
            value = verdict.to_json()
            if len(value) <= self.max_record_bytes:
                return Output(OUTCOME_TOPICS[verdict.outcome], key, value, item.msg), ""
            error = f"verdict of {len(value)} bytes exceeds kafka.max_record_bytes"
        except Exception as exc:
            error = f"verdict not serialisable: {describe(exc)}"
        try:
            fallback = self.judge.unjudged(item.comment, error, "system.verdict_failed", timings)
            value = fallback.to_json()
            if len(value) <= self.max_record_bytes:
                return Output(OUTCOME_TOPICS["escalate"], key, value, item.msg), ""
            error = f"{error}; its escalation has {len(value)} bytes"
        except Exception as exc:
            error = f"{error}; its escalation failed too: {describe(exc)}"
        return None, error

    async def process(self, batch: Sequence[RawMessage],
                      before_model: Awaitable[Any] | None = None) -> list[Output]:
        """Return the messages to send: one verdict per valid comment, one dead letter per bad one.
        ``before_model`` (the stage's in-flight marks) is awaited before the model runs."""
        good, outputs = self._parse(batch)
        t0 = time.perf_counter()
        for item in good:
            item.hits = self._rules(item)
        t1 = time.perf_counter()
        todo = [i for i, item in enumerate(good) if self._needs_model(item)]
        if before_model is not None:
            await before_model
        assessed, error = await self._score([good[i].comment for i in todo])
        t2 = time.perf_counter()
        if error:
            self.stats.classifier_failures += 1
            self.stats.last_classifier_failure = time.time()
        if assessed is not None:
            for i, a in zip(todo, assessed, strict=True):
                good[i].assessment = a
                if a.error is not None:
                    self.stats.last_classifier_failure = time.time()
        todo_set = set(todo)
        rules_ms = (t1 - t0) * 1000 / max(len(good), 1)
        model_ms = (t2 - t1) * 1000
        now = time.time()
        for i, item in enumerate(good):
            timings = {"rules": round(rules_ms, 3), "classifier_batch": round(model_ms, 3),
                       "batch_size": float(len(good))}
            if item.msg.timestamp:
                queued = (now - item.msg.timestamp) * 1000
                timings["since_produced"] = round(queued, 3)
                self.stats.latencies_ms.append(queued)
            verdict = self._verdict(item, error if i in todo_set and error else None, timings)
            out, why = self._encode(item, verdict, timings)
            if out is None:
                outputs.append(self.dead(item.msg, "verdict_failed", why))
                continue
            self._record(item, verdict)
            self.stats.outcomes[verdict.outcome] += 1
            for r in verdict.reasons:
                if r.source == "system" and r.action:
                    self.stats.unjudged[r.id] += 1
            outputs.append(out)
        return outputs

    def _needs_model(self, item: _Item) -> bool:
        try:
            return self.judge.needs_model(item.hits)
        except Exception:
            return self.judge.classifier is not None

    def _record(self, item: _Item, verdict: Verdict) -> None:
        """Tell the stream's state about the verdict (strikes, the first outcome); a failure
        here is logged and counted, never a lost verdict."""
        try:
            if self.judge.on_verdict is not None:
                self.judge.on_verdict(verdict)
            msg = item.msg
            if (self.progress is not None and item.recalled is None and msg.partition is not None
                    and msg.offset is not None):
                ctx = getattr(item.hits, "ctx", None)
                self.progress.entry(msg.partition, msg.offset, item.comment.digest(),
                                    verdict.outcome, dict(getattr(ctx, "signals", None) or {}),
                                    time.time())
        except Exception as exc:
            self.stats.unjudged["system.state_not_recorded"] += 1
            log.warning("could not record a verdict in the stream state",
                        extra={"comment_id": item.comment.id[:200], "error": describe(exc)})
