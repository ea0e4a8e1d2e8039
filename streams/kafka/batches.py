"""A consumer-group member that hands whole batches to a handler and commits after it returns.

Faust's stream path costs ~0.5 ms of CPU per message on a small machine before any work is done
(a task per event, per-event acks, per-message channel queues: docs/worker-profile.md), which
caps one process at ~1,500 messages/s. The moderate stage works on batches anyway, so it takes
them here, straight from aiokafka's ``getmany``, inside the Faust app (a task of the app, next
to its timers, web pages and producer).

Guarantees (at-least-once):

- A batch's offsets are committed only after everything it produced is acknowledged: when
  ``handler`` returned, or, when it returns an awaitable (the rest of the batch's writes, still
  in flight), when that is done. One such batch is in flight at a time: the next batch is handed
  over meanwhile (its judging overlaps the broker's round trip) and the one in flight is waited
  for before the batch after it. A handler (or its awaitable) that raises, or a task that is
  cancelled (the worker stopping, SIGTERM), commits nothing of that batch nor of any after it:
  they are redelivered.
- Offsets of handled batches are committed at most every ``commit_interval_s`` (one round trip
  for many batches), and always before partitions are given up and when the consumer stops; a
  worker killed in between judges up to that interval's batches again (same outcomes).
- On a rebalance, partitions are given up only after the batch in flight finished and was
  committed (``on_partitions_revoked`` waits for it), so the next owner starts after it.
- A commit refused because the group moved on (this member was too slow and was expelled) is
  logged and counted; the next owner judges that batch again (the progress log keeps its outcome).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from typing import Any, TypeVar

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import CommitFailedError, IllegalStateError, KafkaError, RebalanceInProgressError
from aiokafka.structs import ConsumerRecord

log = logging.getLogger("civicmod.kafka.batches")

#: Takes a batch; returns None when everything it produced is acknowledged, or an awaitable
#: that finishes when it is.
Handler = Callable[[Sequence[ConsumerRecord]], Awaitable[Awaitable[Any] | None]]
T = TypeVar("T")


class _Listener(ConsumerRebalanceListener):
    def __init__(self, owner: BatchConsumer) -> None:
        self.owner = owner

    # both run on the consumer's loop; the work is done on the app's loop (``owner.main``)
    async def on_partitions_revoked(self, revoked: Any) -> None:
        await self.owner.on_main(self.owner.revoked(set(revoked)))

    async def on_partitions_assigned(self, assigned: Any) -> None:
        consumer = self.owner.consumer
        # aiokafka installs the assignment (and starts fetching) before it calls this: paused,
        # the new partitions' records wait until the owner's callbacks ran (a paused
        # partition's fetched records are dropped unread and fetched again once resumed)
        if consumer is not None and assigned:
            consumer.pause(*assigned)
        try:
            committed = {}
            for tp in assigned:  # where the lag is counted from until the first batch
                with contextlib.suppress(KafkaError):
                    committed[tp] = await consumer.committed(tp) if consumer is not None else None
            await self.owner.on_main(self.owner.assigned(set(assigned), committed))
        finally:
            if consumer is not None and assigned:  # those still ours
                consumer.resume(*(set(assigned) & consumer.assignment()))


class _LoopThread:
    """An event loop on a daemon thread; ``call`` runs a coroutine there from another loop."""

    def __init__(self, name: str) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name=name, daemon=True)
        self.thread.start()

    async def call(self, coro: Coroutine[Any, Any, T]) -> T:
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, self.loop))

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        if not self.thread.is_alive():
            self.loop.close()


class BatchConsumer:
    """``run()`` consumes ``topics`` in consumer group ``group_id`` and hands each batch (up to
    ``max_records`` records, in offset order per partition) to ``handler``."""

    def __init__(self, bootstrap: str, group_id: str, topics: Sequence[str], handler: Handler, *,
                 max_records: int = 500, client_id: str = "civicmod",
                 session_timeout_s: float = 30.0, auto_offset_reset: str = "earliest",
                 max_poll_interval_s: float = 300.0, fetch_max_wait_ms: int = 100,
                 poll_timeout_s: float = 1.0, commit_interval_s: float = 1.0,
                 extra: Mapping[str, Any] | None = None) -> None:
        self.bootstrap = bootstrap
        self.group_id = group_id
        self.topics = list(topics)
        self.handler = handler
        self.max_records = max_records
        self.poll_timeout_ms = int(poll_timeout_s * 1000)
        self.commit_interval_s = commit_interval_s
        self.config: dict[str, Any] = dict(
            bootstrap_servers=bootstrap, group_id=group_id, client_id=client_id,
            enable_auto_commit=False, auto_offset_reset=auto_offset_reset,
            session_timeout_ms=int(session_timeout_s * 1000),
            heartbeat_interval_ms=int(min(3.0, session_timeout_s / 3) * 1000),
            max_poll_interval_ms=int(max_poll_interval_s * 1000),
            fetch_max_wait_ms=fetch_max_wait_ms, isolation_level="read_uncommitted",
            **(extra or {}))
        #: Held while a batch is handled and committed; a rebalance waits for it.
        self.busy = asyncio.Lock()
        #: Called with the newly assigned partitions after each rebalance.
        self.on_assigned: list[Callable[[set[TopicPartition]], None]] = []
        #: The last offset handled per partition (from the group's commit when it is assigned):
        #: records at or before it are not handled again (a fetch that straddled a rebalance
        #: returns them), and the lag counts from it.
        self.read_offsets: dict[TopicPartition, int] = {}
        self.committed: dict[TopicPartition, int] = {}
        #: Offsets (next to read) of handled batches not committed yet.
        self.pending: dict[TopicPartition, int] = {}
        #: Handled batches, oldest first, whose writes may still be acknowledged: (the future that
        #: says so, their last offsets). One stays in flight while the next batch is handled.
        self._inflight: deque[tuple[asyncio.Future[Any], dict[TopicPartition, int]]] = deque()
        #: Why a batch's writes failed: nothing from that batch on is committed, and the loop stops.
        self._inflight_error: BaseException | None = None
        self._last_commit = 0.0
        self.consumer: AIOKafkaConsumer | None = None
        self.main: asyncio.AbstractEventLoop | None = None
        self._thread: _LoopThread | None = None
        self.batches = 0
        self.records = 0
        self.rebalances = 0
        self.commit_failures = 0

    # -- what the lag metric and diagnostics read --------------------------------------------------
    def assignment(self) -> set[TopicPartition]:
        return set(self.consumer.assignment()) if self.consumer is not None else set()

    def highwater(self, tp: TopicPartition) -> int | None:
        return self.consumer.highwater(tp) if self.consumer is not None else None

    def describe(self) -> list[str]:
        """Lines for an operator's state dump."""
        lines = [f"group={self.group_id} batches={self.batches} records={self.records} "
                 f"rebalances={self.rebalances} commit_failures={self.commit_failures} "
                 f"busy={self.busy.locked()}"]
        for tp in sorted(self.assignment()):
            lines.append(f"  {tp.topic}[{tp.partition}] read={self.read_offsets.get(tp)} "
                         f"committed={self.committed.get(tp)} highwater={self.highwater(tp)}")
        return lines

    # -- the loop ----------------------------------------------------------------------------------
    async def run(self) -> None:
        """Consume until cancelled; the handler's exceptions propagate (that batch is not
        committed; the batches handled before it are)."""
        self.main = loop = asyncio.get_running_loop()
        self._thread = thread = _LoopThread(f"civicmod-consumer-{self.group_id}")
        try:
            consumer = await thread.call(self._start())
            try:
                while True:
                    fetched = await thread.call(consumer.getmany(
                        timeout_ms=self.poll_timeout_ms, max_records=self.max_records))
                    async with self.busy:
                        if self._inflight_error is not None:  # seen by a rebalance meanwhile
                            raise self._inflight_error
                        # a rebalance may have taken partitions between the fetch and here
                        # and a fetch that straddled a rebalance can hold records this worker
                        # handled since, or that it will read again from the committed offset
                        mine, done = consumer.assignment(), self.read_offsets
                        fetched = {tp: [r for r in rs if r.offset > done.get(tp, -1)]
                                   for tp, rs in fetched.items() if tp in mine}
                        records = [r for rs in fetched.values() for r in rs]
                        if records:
                            finish = await self.handler(records)
                            ends = {tp: rs[-1].offset for tp, rs in fetched.items() if rs}
                            self.read_offsets.update(ends)
                            self.batches += 1
                            self.records += len(records)
                            self._inflight.append((_future(finish), ends))
                            await self.settle(keep=1)  # the batch before this one
                        else:
                            await self.settle()
                        if self.pending and loop.time() - self._last_commit >= self.commit_interval_s:
                            await self.commit_pending()
            finally:
                with contextlib.suppress(Exception):  # what was handled is not judged again
                    await asyncio.wait_for(self.settle(), 10)
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(self.commit_pending(), 10)
                for fut, _ in self._inflight:  # not committed: redelivered; stop their writes
                    fut.cancel()
                self._inflight.clear()
                self.consumer = None
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(thread.call(consumer.stop()), 10)
        finally:
            self._thread = None
            thread.stop()

    async def _start(self) -> AIOKafkaConsumer:
        """On the consumer's loop: create, start and subscribe the aiokafka consumer, retrying
        (with backoff, logged) until the broker answers."""
        delay = 1.0
        while True:
            consumer = AIOKafkaConsumer(**self.config)
            try:
                await consumer.start()
                break
            except (KafkaError, OSError) as exc:
                with contextlib.suppress(Exception):
                    await consumer.stop()
                log.warning("Kafka not reachable for the consumer, retrying", extra={
                    "error": f"{type(exc).__name__}: {exc}"[:200], "retry_s": delay})
                await asyncio.sleep(delay)
                delay = min(delay * 2, 15.0)
        consumer.subscribe(self.topics, listener=_Listener(self))
        self.consumer = consumer
        return consumer

    async def on_main(self, coro: Coroutine[Any, Any, None]) -> None:
        """From the consumer's loop: run ``coro`` on the app's loop and wait for it."""
        await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, self.main))

    async def settle(self, keep: int = 0) -> None:
        """Wait for the batches in flight, oldest first, but for the newest ``keep`` that are
        not done yet; each one done has its offsets pending commit. A batch whose writes
        failed raises (here and at every later call): nothing from it on is committed, and the
        writes of the batches after it are cancelled. A cancelled wait leaves the batch in
        flight (its writes go on, and the next call waits for them again)."""
        queue = self._inflight
        while queue and (len(queue) > keep or queue[0][0].done()):
            if self._inflight_error is not None:
                raise self._inflight_error
            finish, ends = queue[0]
            try:
                await asyncio.shield(finish)
            except BaseException as exc:
                if isinstance(exc, asyncio.CancelledError) and not finish.done():
                    raise  # this wait was cancelled, not the batch's writes
                if finish.cancelled():
                    exc = RuntimeError("a batch's writes were cancelled before they were acknowledged")
                self._inflight_error = exc
                for later, _ in queue:
                    later.cancel()
                queue.clear()
                raise exc
            queue.popleft()
            self.pending.update({tp: end + 1 for tp, end in ends.items()})

    async def revoked(self, revoked: set[TopicPartition]) -> None:
        """The batch in flight finishes (and commits) before its partitions are given up."""
        async with self.busy:
            try:
                await self.settle()
            except Exception as exc:  # not committed; the loop stops on it (``_inflight_error``)
                log.error("a batch's writes failed while partitions were revoked", extra={
                    "error": f"{type(exc).__name__}: {exc}"[:300]})
            await self.commit_pending()
            for tp in revoked:  # read_offsets stay: what was handled is not handled again
                self.pending.pop(tp, None)
        self.rebalances += 1
        if revoked:
            log.info("partitions revoked", extra={"partitions": _names(revoked)})

    async def assigned(self, assigned: set[TopicPartition],
                       committed: Mapping[TopicPartition, int | None]) -> None:
        log.info("partitions assigned", extra={"partitions": _names(assigned)})
        for tp in assigned:  # the group's commit says what was handled, here or elsewhere
            offset = committed.get(tp)
            if offset is None:
                self.read_offsets.pop(tp, None)
            else:
                self.read_offsets[tp] = offset - 1
        for callback in self.on_assigned:
            callback(set(assigned))

    async def commit_pending(self) -> None:
        """Commit the offsets of the batches handled so far (call holding ``busy``)."""
        offsets, self.pending = self.pending, {}
        self._last_commit = asyncio.get_running_loop().time()
        if not offsets or self.consumer is None:
            return
        # never for a partition given up since: its new owner's commits must stand
        owned = self.consumer.assignment()
        offsets = {tp: o for tp, o in offsets.items() if tp in owned}
        if not offsets:
            return
        try:
            consumer = self.consumer
            if self._thread is not None:
                await self._thread.call(consumer.commit(offsets))
            else:
                await consumer.commit(offsets)
            self.committed.update(offsets)
        except (CommitFailedError, RebalanceInProgressError, IllegalStateError) as exc:
            # expelled from the group (too slow) or between generations: the next owner of
            # these partitions starts from the last commit and judges those batches again
            self.commit_failures += 1
            log.warning("batches handled but their offsets not committed; they will be "
                        "redelivered", extra={"partitions": _names(offsets),
                                              "error": f"{type(exc).__name__}: {exc}"})
        except KafkaError as exc:  # the broker away: keep them for the next commit
            self.commit_failures += 1
            self.pending = {**offsets, **self.pending}
            log.warning("offset commit failed; retried with the next one", extra={
                "partitions": _names(offsets), "error": f"{type(exc).__name__}: {exc}"})


def done_future() -> asyncio.Future[Any]:
    """A future already done: a batch with nothing left in flight."""
    done: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    done.set_result(None)
    return done


def _future(finish: Awaitable[Any] | None) -> asyncio.Future[Any]:
    """What a handler returned, as a future: None (all acknowledged) as one already done."""
    return asyncio.ensure_future(finish) if finish is not None else done_future()


def _names(tps: Any) -> list[str]:
    return sorted(f"{tp.topic}[{tp.partition}]" for tp in tps)
