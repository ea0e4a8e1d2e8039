"""The moderation step for one batch of raw messages: parse, judge, route.

Kept apart from Faust's plumbing so it is plain async code: the agent in ``streams.app`` feeds
it batches from ``comments.incoming`` and sends what it returns. It never raises on input.
"""

from __future__ import annotations

import asyncio
import base64
import time
from collections import Counter, deque
from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field

from civicmod.judge import Judge, assess
from civicmod.schema import Comment, DeadLetter, MalformedComment, Verdict, parse_comment, utcnow
from classifiers.routing import Assessment
from streams.topics import DEADLETTER, INCOMING, OUTCOME_TOPICS


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
    topic: str
    key: bytes
    value: bytes


@dataclass
class Stats:
    """Counters and recent latencies since the worker started (read by metrics and /health)."""

    outcomes: Counter[str] = field(default_factory=Counter)
    deadletters: Counter[str] = field(default_factory=Counter)
    classifier_failures: int = 0
    last_classifier_failure: float | None = None  # time.time()
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
            "classifier_failures": self.classifier_failures,
            "latency_ms": {"p50": pct(0.5), "p99": pct(0.99), "samples": len(lat)},
        }


def dead_letter(msg: RawMessage, reason: str, error: str, stage: str = "moderate") -> Output:
    record = DeadLetter(
        reason=reason, error=error[:2000], source_topic=msg.topic,
        source_partition=msg.partition, source_offset=msg.offset,
        key=msg.key.decode("utf-8", "replace") if msg.key is not None else None,
        raw_base64=base64.b64encode(msg.value or b"").decode(), stage=stage, failed_at=utcnow(),
    )
    return Output(DEADLETTER, msg.key or b"", record.to_json())


class Moderator:
    """Parses and judges batches; the classifier runs in ``executor`` under ``timeout_s``."""

    def __init__(self, judge: Judge, executor: Executor, max_text_chars: int = 10_000,
                 timeout_s: float = 10.0, stats: Stats | None = None) -> None:
        self.judge = judge
        self.executor = executor
        self.max_text_chars = max_text_chars
        self.timeout_s = timeout_s
        self.stats = stats or Stats()

    def _parse(self, batch: Sequence[RawMessage]) -> tuple[list[tuple[RawMessage, Comment]], list[Output]]:
        good, bad = [], []
        for msg in batch:
            if msg.value is None:
                self.stats.deadletters["empty_message"] += 1
                bad.append(dead_letter(msg, "empty_message", "message has no value (tombstone)"))
                continue
            try:
                good.append((msg, parse_comment(msg.value, self.max_text_chars)))
            except MalformedComment as exc:
                self.stats.deadletters[exc.reason] += 1
                bad.append(dead_letter(msg, exc.reason, exc.error))
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
            return None, f"classifier {clf.name} failed: {type(exc).__name__}: {exc}"

    async def process(self, batch: Sequence[RawMessage]) -> list[Output]:
        """Return the messages to send: one verdict per valid comment, one dead letter per bad one."""
        good, outputs = self._parse(batch)
        t0 = time.perf_counter()
        hits = [self.judge.rules(c) for _, c in good]
        t1 = time.perf_counter()
        todo = [i for i, h in enumerate(hits) if self.judge.needs_model(h)]
        assessed, error = await self._score([good[i][1] for i in todo])
        t2 = time.perf_counter()
        if error:
            self.stats.classifier_failures += 1
            self.stats.last_classifier_failure = time.time()
        by_index = dict(zip(todo, assessed, strict=True)) if assessed is not None else {}
        rules_ms = (t1 - t0) * 1000 / max(len(good), 1)
        model_ms = (t2 - t1) * 1000
        now = time.time()
        for i, (msg, comment) in enumerate(good):
            queued = (now - msg.timestamp) * 1000 if msg.timestamp else None
            timings = {"rules": round(rules_ms, 3), "classifier_batch": round(model_ms, 3),
                       "batch_size": float(len(good))}
            if queued is not None:
                timings["since_produced"] = round(queued, 3)
                self.stats.latencies_ms.append(queued)
            a = by_index.get(i)
            verdict: Verdict = self.judge.decide(
                comment, hits[i], a.scores if a else None,
                error if (i in todo and error) else None, timings, a,
            )
            self.stats.outcomes[verdict.outcome] += 1
            outputs.append(Output(OUTCOME_TOPICS[verdict.outcome], comment.id.encode(),
                                  verdict.to_json()))
        return outputs

