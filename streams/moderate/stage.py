"""One batch through the moderate stage with Kafka: marks, judging, state, verdicts.

The order per batch is what makes at-least-once hold without losing or changing anything:

1. **Suspects first**: a redelivered message another worker stopped on (``streams.moderate.progress``)
   is judged alone, marked alone first; one already marked alone (it stopped a worker twice)
   is dead-lettered with reason ``worker_crash``.
2. **In-flight marks** for the rest of the batch, one per partition, acknowledged.
3. **Judging** (``Moderator.process``): never raises on input.
4. **State** (first outcomes, signal events, rule first-seen times): sent and acknowledged.
5. **Verdicts and dead letters**: sent and acknowledged. A record the broker refuses for good
   (too large, corrupt) is replaced by a dead letter; a transient failure (broker away, leader
   moving) is retried with backoff until it succeeds or the worker stops.

Steps 1–4 are awaited in :meth:`Stage.start`; step 5 finishes in the task it returns, while the
consumer (``streams.kafka.batches``) already hands over the next batch: the verdicts' round trip
to the broker overlaps the next batch's judging instead of idling the worker (it was a fifth of
a rules-only worker's time). The consumer counts a batch's offsets as handled only when that task
is done, and waits for it before the batch after the next, so an offset is committed after
everything it produced is durable. A worker stopped anywhere in between leaves the batch
uncommitted; it is redelivered and judged to the same outcome.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Protocol

from civicmod.contract.topics import DEADLETTER, PROGRESS_LOG
from streams.kafka.batches import done_future
from streams.kafka.partitioner import partition_for
from streams.kafka.sink import PERMANENT_ERRORS
from streams.moderate.moderator import Moderator, Output, RawMessage, describe
from streams.moderate.progress import Progress

log = logging.getLogger("civicmod.worker")


#: Errors about one record that no retry can fix (Kafka's, and the record's own encoding).
PERMANENT = (*PERMANENT_ERRORS, UnicodeError, TypeError, ValueError)
#: Stops of a worker (in its batch, then alone, then alone again) before a message is set aside.
#: Three, not two: an operator's or the OOM killer's SIGKILL can land while a message is judged
#: alone, and one such coincidence should not take an innocent comment out of the automatic path.
STOPS_BEFORE_SET_ASIDE = 3


class Sender(Protocol):
    async def send_many(self, records: Sequence[Output]) -> list[Awaitable[Any] | BaseException]:
        """Hand ``records`` to the producer; for each, in order, the future of its
        acknowledgement (records may share one) or the error that kept it from the producer."""
        ...

    async def send_now(self) -> None:
        """Send what was handed over without waiting out the producer's linger time."""
        ...


def root_cause(exc: BaseException) -> BaseException:
    """Faust wraps producer errors (ProducerSendError); the cause says what happened."""
    while exc.__cause__ is not None and type(exc).__name__ == "ProducerSendError":
        exc = exc.__cause__
    return exc


def permanent(exc: BaseException) -> bool:
    return isinstance(root_cause(exc), PERMANENT)


class Stage:
    """Runs batches through the moderator and writes what they produce, in the order above."""

    def __init__(self, moderator: Moderator, sender: Sender, progress: Progress | None = None,
                 drains: Sequence[Callable[[], list[Output]]] = (),
                 max_backoff_s: float = 5.0) -> None:
        self.moderator = moderator
        self.sender = sender
        self.progress = progress
        self.drains = list(drains)
        self.max_backoff_s = max_backoff_s
        #: Set when partitions were (re)assigned: catch up with the progress log first.
        self.need_sync = True
        self.counts: Counter[str] = Counter()
        self._last_retry_log = 0.0
        #: Held from a batch's first step to its verdicts' hand-over: whoever else changes what a
        #: batch reads (a policy reload) or drains the state it writes takes it too.
        self.lock = asyncio.Lock()

    async def run(self, batch: Sequence[RawMessage]) -> None:
        """Judge ``batch`` and wait until everything it produced is acknowledged."""
        await (await self.start(batch))

    async def start(self, batch: Sequence[RawMessage]) -> asyncio.Future[None]:
        """Judge ``batch``; return once its marks and state are acknowledged and its verdicts
        handed on, with the task that finishes when the verdicts are acknowledged too (or
        replaced by dead letters). Its offsets may be committed only after that task is done."""
        async with self.lock:
            return await self._start(batch)

    async def flush_state(self) -> None:
        """Write the state records pending outside a batch (e.g. first-seen times after a
        policy reload), never in the middle of one: a batch's own state goes before its
        verdicts."""
        async with self.lock:
            await self.deliver(self.state(), "stream state")

    async def _start(self, batch: Sequence[RawMessage]) -> asyncio.Future[None]:
        progress = self.progress
        if progress is None:
            return await self._judge(batch)
        if self.need_sync:
            self.need_sync = False
            if not await progress.reader.sync():
                log.warning("progress log not caught up in time; judging anyway")
        normal: list[RawMessage] = []
        suspects = []
        for msg in batch:
            mark = progress.suspect(msg.partition, msg.offset)
            if mark is None or progress.judged(msg.partition, msg.offset):
                normal.append(msg)
            else:
                suspects.append((msg, mark))
        for msg, mark in suspects:
            await self._suspect(msg, mark.crashes, mark.single)
        if not normal:
            return done_future()
        marks = []
        for partition in sorted({m.partition for m in normal if m.partition is not None}):
            offsets = [m.offset for m in normal if m.partition == partition and m.offset is not None]
            if offsets:
                key, value = progress.mark(partition, min(offsets), max(offsets))
                marks.append(Output(PROGRESS_LOG, key, value, partition=0))
        # acknowledged before the model runs: a native crash in it is then attributed to the batch
        return await self._judge(normal, asyncio.ensure_future(self.deliver(marks, "in-flight marks")))

    async def _suspect(self, msg: RawMessage, crashes: int, single: bool) -> None:
        """A message a worker stopped on: judged alone, marked alone first; set aside (dead letter
        and a held escalation) once it has stopped workers ``STOPS_BEFORE_SET_ASIDE`` times."""
        assert self.progress is not None and msg.partition is not None and msg.offset is not None
        if single and crashes + 1 >= STOPS_BEFORE_SET_ASIDE:
            self.counts["worker_crash"] += 1
            log.error("setting aside a message that stopped workers", extra={
                "partition": msg.partition, "offset": msg.offset, "crashes": crashes + 1})
            error = (f"a worker stopped while judging this message {crashes + 1} times (in its "
                     f"batch, then {crashes} times alone); it is set aside so the partition goes on")
            await self._send_outputs(self.moderator.set_aside(
                msg, "worker_crash", error, "system.worker_crash"))
            return
        self.counts["judged_alone"] += 1
        log.warning("judging alone a message a worker stopped on", extra={
            "partition": msg.partition, "offset": msg.offset, "crashes": crashes + 1})
        key, value = self.progress.mark(msg.partition, msg.offset, msg.offset, crashes + 1)
        await self.deliver([Output(PROGRESS_LOG, key, value, partition=0)], "in-flight mark")
        await (await self._judge([msg]))

    async def _judge(self, msgs: Sequence[RawMessage], marked: Awaitable[Any] | None = None
                     ) -> asyncio.Future[None]:
        try:
            outputs = await self.moderator.process(msgs, marked)
        finally:
            if marked is not None:
                await marked  # durable before the state and verdicts, whatever happened
        await self.deliver(self.state(), "stream state")
        return asyncio.ensure_future(self._send_outputs(outputs))

    def state(self) -> list[Output]:
        records: list[Output] = []
        if self.progress is not None:
            records += [Output(PROGRESS_LOG, k, v, partition=0) for k, v in self.progress.records()]
        for drain in self.drains:
            records += drain()
        return records

    async def _send_outputs(self, outputs: list[Output]) -> None:
        refused = await self.deliver(outputs, "verdicts")
        fallback = []
        for out, exc in refused:
            if out.topic != DEADLETTER and out.source is not None:
                fallback.append(self.moderator.dead(
                    out.source, "verdict_undeliverable", f"Kafka refused the verdict for "
                    f"{out.topic}: {describe(root_cause(exc))}"))
            else:
                self._lost(out, exc)
        for out, exc in await self.deliver(fallback, "dead letters"):
            self._lost(out, exc)

    def _lost(self, out: Output, exc: BaseException) -> None:
        self.counts["undeliverable"] += 1
        log.error("a record could not be written and was dropped", extra={
            "topic": out.topic, "key": out.key[:200].decode("utf-8", "replace"),
            "bytes": len(out.value or b""), "error": describe(root_cause(exc))})

    async def deliver(self, records: Sequence[Output], what: str
                      ) -> list[tuple[Output, BaseException]]:
        """Send ``records`` and wait for every acknowledgement. Transient failures are retried
        (backoff up to ``max_backoff_s``, logged once per 10 s) until they succeed; the records
        refused for good are returned with their errors.

        The sender may hand several records over as one batch with one future: when such a
        future fails for good (the broker refused the batch), each of its records is sent again
        alone, so only the record at fault is refused."""
        todo = list(records)
        alone: list[Output] = []
        refused: list[tuple[Output, BaseException]] = []
        delay = 0.1
        while todo or alone:
            handed = await self._hand(todo) if todo else []
            for rec in alone:
                handed += await self._hand([rec])
            sent = todo + alone
            with contextlib.suppress(Exception):  # failures show in each record's future
                await self.sender.send_now()
            sharing = Counter(map(id, handed))
            retry: list[Output] = []
            alone = []
            last: BaseException | None = None
            outcome: dict[int, BaseException | None] = {}  # one wait per future, however shared
            for rec, fut in zip(sent, handed, strict=True):
                if isinstance(fut, BaseException):
                    exc: BaseException | None = fut
                elif id(fut) in outcome:
                    exc = outcome[id(fut)]
                else:
                    exc = outcome[id(fut)] = await _failure(fut)
                if exc is None:
                    continue
                if not permanent(exc):
                    retry.append(rec)
                    last = exc
                elif sharing[id(fut)] > 1:
                    alone.append(rec)  # refused with others: which one is at fault?
                else:
                    refused.append((rec, exc))
            if retry:
                self.counts["send_retries"] += len(retry)
                now = asyncio.get_running_loop().time()
                if now - self._last_retry_log > 10:
                    self._last_retry_log = now
                    log.warning("Kafka did not take the records; retrying until it does", extra={
                        "what": what, "records": len(retry),
                        "error": describe(root_cause(last)) if last else None})
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.max_backoff_s)
            todo = retry
        return refused

    async def _hand(self, records: list[Output]) -> list[Awaitable[Any] | BaseException]:
        try:
            handed = await self.sender.send_many(records)
        except Exception as exc:  # nothing handed over: each record gets the error
            return [exc] * len(records)
        if len(handed) != len(records):
            raise RuntimeError(f"the sender answered {len(handed)} of {len(records)} records")
        return handed


async def _failure(fut: Awaitable[Any]) -> BaseException | None:
    try:
        await fut
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        return exc
    return None


class ProducerSender:
    """A :class:`Sender` straight to the app's aiokafka producer (``producer``: the Faust app's
    :class:`~streams.kafka.transport.Producer`), by logical name (``topics``: logical → topic).
    Below Faust's ``Topic.send``, whose per-message channel path cost 3× aiokafka's own ``send``.

    Records are handed over a batch per partition (aiokafka's ``create_batch``/``send_batch``):
    one future per partition batch instead of a coroutine, a partitioner call and a future per
    record. The partition of a keyed record is Kafka's default (murmur2 of the key, the same as
    aiokafka's ``send`` chooses). A record near ``max_request_size`` goes through ``send``,
    which refuses one over it with its own error."""

    def __init__(self, topics: Mapping[str, str], producer: Any,
                 max_request_size: int = 1_000_000) -> None:
        self.topics = dict(topics)
        self.producer = producer
        self.max_request_size = max_request_size

    async def send_many(self, records: Sequence[Output]) -> list[Awaitable[Any] | BaseException]:
        client = self.producer.client()
        handed: list[Awaitable[Any] | BaseException | None] = [None] * len(records)
        counts: dict[str, int | BaseException] = {}
        groups: dict[tuple[str, int], list[int]] = {}
        for i, rec in enumerate(records):
            topic = self.topics[rec.topic]
            partition = rec.partition
            if partition is None:
                n = counts.get(topic)
                if n is None:
                    try:
                        n = counts[topic] = len(await client.partitions_for(topic))
                    except Exception as exc:
                        n = counts[topic] = exc
                if isinstance(n, BaseException):
                    handed[i] = n
                    continue
                partition = partition_for(rec.key, n)
            groups.setdefault((topic, partition), []).append(i)
        for (topic, partition), members in groups.items():
            await self._send_group(client, topic, partition, records, members, handed)
        return handed  # type: ignore[return-value]  # every slot was filled

    async def _send_group(self, client: Any, topic: str, partition: int,
                          records: Sequence[Output], members: list[int],
                          handed: list[Awaitable[Any] | BaseException | None]) -> None:
        batch, inside = client.create_batch(), []
        for i in members:
            rec = records[i]
            alone = len(rec.key) + len(rec.value or b"") + 512 > self.max_request_size
            if alone or batch.append(key=rec.key, value=rec.value, timestamp=None) is None:
                # the records before it go first (partition order), in the batch so far
                await self._submit(client, batch, topic, partition, inside, handed)
                batch, inside = client.create_batch(), []
                if alone:
                    handed[i] = await self._send_one(client, topic, partition, rec)
                    continue
                batch.append(key=rec.key, value=rec.value, timestamp=None)  # a first record fits
            inside.append(i)
        await self._submit(client, batch, topic, partition, inside, handed)

    @staticmethod
    async def _submit(client: Any, batch: Any, topic: str, partition: int, inside: list[int],
                      handed: list[Awaitable[Any] | BaseException | None]) -> None:
        if not inside:
            return
        batch.close()  # ready to go; nothing else is appended to it
        try:
            fut: Awaitable[Any] | BaseException = await client.send_batch(
                batch, topic, partition=partition)
        except Exception as exc:
            fut = exc
        for i in inside:
            handed[i] = fut

    @staticmethod
    async def _send_one(client: Any, topic: str, partition: int, rec: Output
                        ) -> Awaitable[Any] | BaseException:
        try:
            return await client.send(topic, rec.value, key=rec.key, partition=partition)
        except Exception as exc:
            return exc

    async def send_now(self) -> None:
        await self.producer.send_now()
