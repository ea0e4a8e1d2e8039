"""The gateway's one Kafka producer: idempotent, ``acks=all``, bounded waits.

``send`` hands a record to the producer and returns the future of its acknowledgement; callers
answer 200 only once it resolves. ``write`` / ``submit`` coalesce: records submitted by
concurrent requests in the same event-loop turn are handed to the producer together by one flush
task (no task or timer per record), go out in the same produce request and are acknowledged
together (``submit_to``: the same, with a callback told directly when the broker answers
instead of a future settled a loop turn later). If the broker cannot be reached the wait ends
after ``timeout_s`` (the caller answers 503). The producer keeps retrying an idempotent batch
until the broker answers (aiokafka never expires those), so a record may still land after its
request got 503; ``streams.gateway.ingest`` keeps watching such writes so the platform's
redelivery is then recognised as a duplicate rather than written twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import random
from collections.abc import Callable, Sequence

from aiokafka import AIOKafkaClient, AIOKafkaProducer
from aiokafka.errors import (
    CorruptRecordException,
    KafkaConnectionError,
    KafkaError,
    MessageSizeTooLargeError,
    RecordListTooLargeError,
    RecordTooLargeError,
)
from aiokafka.protocol.metadata import MetadataRequest

from streams.kafka.partitioner import KafkaPartitioner

log = logging.getLogger("civicmod.kafka")

#: A flush hands this many records to the producer at a time, with the event loop free in
#: between (a gateway batch of 2,500 comments otherwise holds it for ~30 ms in one go).
HAND_SLICE = 128

#: Errors about one record, not about the broker: retrying cannot help, and they say nothing
#: about the cluster's health (too large for the producer or the topic, refused as invalid).
PERMANENT_ERRORS: tuple[type[KafkaError], ...] = (
    MessageSizeTooLargeError, RecordListTooLargeError, RecordTooLargeError, CorruptRecordException)


class BrokerUnavailable(RuntimeError):
    """A record could not be handed to Kafka or was not acknowledged in time (→ 503)."""


class RecordRefused(ValueError):
    """Kafka refused this one record for good (e.g. too large): a per-item error, not a broker
    failure; the sink stays healthy."""


async def start_producer(bootstrap: str, timeout_s: float, client_id: str, *,
                         max_request_size: int = 1_000_000, linger_ms: int = 1) -> AIOKafkaProducer:
    """An idempotent producer (acks=all) connected to ``bootstrap``: one attempt, raising
    KafkaError / TimeoutError when the broker is away (nothing left open then)."""
    prod = AIOKafkaProducer(
        bootstrap_servers=bootstrap, client_id=client_id, acks="all", enable_idempotence=True,
        linger_ms=linger_ms, request_timeout_ms=int(timeout_s * 1000), retry_backoff_ms=100,
        metadata_max_age_ms=60_000, max_request_size=max_request_size,
        partitioner=KafkaPartitioner())
    try:
        await asyncio.wait_for(prod.start(), timeout_s * 2)
    except BaseException:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(prod.stop(), 5)
        raise
    return prod


#: A submitted record: topic, key, value, headers and the future its writer waits on.
_Queued = tuple[str, bytes, bytes, Sequence[tuple[str, bytes]], "asyncio.Future[None] | _Direct"]


class KafkaSink:
    def __init__(self, bootstrap: str, timeout_s: float, client_id: str = "civicmod-gateway",
                 max_request_size: int = 1_000_000, linger_ms: int = 1) -> None:
        self.bootstrap = bootstrap
        self.timeout_s = timeout_s
        self.client_id = client_id
        #: ``kafka.max_record_bytes``: the topics' ``max.message.bytes`` is the same.
        self.max_request_size = max_request_size
        #: How long the producer lets a batch fill before sending it (fewer, larger requests).
        self.linger_ms = linger_ms
        self.producer: AIOKafkaProducer | None = None
        #: False after a failed send or probe, True again after a successful one.
        self.healthy = False
        self.last_error: str | None = None
        #: Records submitted, not yet handed to the producer (see :meth:`submit`).
        self._queue: list[_Queued] = []
        self._flusher: asyncio.Task[None] | None = None

    @property
    def started(self) -> bool:
        return self.producer is not None

    async def start(self) -> None:
        """One attempt to connect; raises KafkaError / TimeoutError when the broker is away."""
        self.producer = await start_producer(self.bootstrap, self.timeout_s, self.client_id,
                                             max_request_size=self.max_request_size,
                                             linger_ms=self.linger_ms)
        self.healthy = True
        self.last_error = None

    async def start_forever(self, stopping: asyncio.Event, backoff_s: float = 1.0) -> None:
        """Retry :meth:`start` until it works or ``stopping`` is set."""
        delay = backoff_s
        while not stopping.is_set():
            try:
                await self.start()
                return
            except (KafkaError, OSError, TimeoutError) as exc:
                self.last_error = f"{type(exc).__name__}: {exc}"[:200]
                log.warning("kafka not reachable, retrying", extra={
                    "bootstrap": self.bootstrap, "error": self.last_error, "retry_s": delay})
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), delay)
            delay = min(delay * 2, 10.0)

    async def send(self, topic: str, key: bytes, value: bytes,
                   headers: Sequence[tuple[str, bytes]] = ()) -> asyncio.Future[object]:
        """Hand one record to the producer; return the future of its acknowledgement.

        Raises :class:`RecordRefused` for a record Kafka can never take (too large), and
        :class:`BrokerUnavailable` (marking the sink unhealthy) when the broker is the problem."""
        if self.producer is None:
            raise BrokerUnavailable("not connected to Kafka yet")
        try:
            async with asyncio.timeout(self.timeout_s):  # a timer, not a task per record
                return await self.producer.send(topic, value=value, key=key, headers=list(headers))
        except PERMANENT_ERRORS as exc:
            raise RecordRefused(f"Kafka refused the record: {type(exc).__name__}") from exc
        except (KafkaError, TimeoutError) as exc:
            self.mark_failed(exc)
            raise BrokerUnavailable(f"could not hand the record to Kafka: {type(exc).__name__}") from exc

    async def write(self, topic: str, key: bytes, value: bytes,
                    headers: Sequence[tuple[str, bytes]] = ()) -> None:
        """Write one record and wait for its acknowledgement (coalesced, see :meth:`submit`).

        Raises :class:`RecordRefused` for a record Kafka can never take, and
        :class:`BrokerUnavailable` (marking the sink unhealthy) when the broker is the problem;
        a write acknowledged marks the sink healthy again."""
        await self.submit(topic, key, value, headers)

    def submit(self, topic: str, key: bytes, value: bytes,
               headers: Sequence[tuple[str, bytes]] = ()) -> asyncio.Future[None]:
        """Queue one record; return the future of its acknowledgement (result None, or the
        errors of :meth:`write`). Everything submitted in one event-loop turn is handed to the
        producer by a single flush task in the next turn: concurrent requests share it, and
        their records go out in the same produce request."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._enqueue((topic, key, value, headers, done))
        return done

    def submit_to(self, topic: str, key: bytes, value: bytes, headers: Sequence[tuple[str, bytes]],
                  on_ack: Callable[[BaseException | None], None]) -> None:
        """:meth:`submit`, with ``on_ack(None)`` or ``on_ack(error)`` (the errors of :meth:`write`)
        called directly when the broker answers, instead of a future settled a loop turn later
        (the gateway's per-comment path: one callback turn less per record)."""
        self._enqueue((topic, key, value, headers, _Direct(on_ack)))

    def _enqueue(self, queued: _Queued) -> None:
        """Queue a record for the next flush (started if none is under way)."""
        if self.producer is None:
            raise BrokerUnavailable("not connected to Kafka yet")
        self._queue.append(queued)
        if self._flusher is None:
            self._flusher = asyncio.get_running_loop().create_task(self._flush(),
                                                                   name="kafka-sink-flush")

    async def _flush(self) -> None:
        """Hand the queued records to the producer, in order (a record waits only for buffer
        space; if none frees up within ``timeout_s``, the broker is the problem and the rest of
        this round fails too)."""
        try:
            while self._queue:
                queued, self._queue = self._queue, []
                i = 0
                try:
                    async with asyncio.timeout(self.timeout_s):
                        for i, (topic, key, value, headers, done) in enumerate(queued):
                            if i and not i % HAND_SLICE:
                                await asyncio.sleep(0)  # many records: the loop free in between
                            if done.done():  # the caller gave up (cancelled)
                                continue
                            try:
                                ack = await self._hand(topic, key, value, headers)
                            except Exception as exc:  # refused / broker away / a bug: the caller's
                                done.set_exception(exc)
                                continue
                            ack.add_done_callback(functools.partial(self._acked, done))
                except TimeoutError as exc:
                    self.mark_failed(exc)
                    for *_, done in queued[i:]:
                        if not done.done():
                            done.set_exception(BrokerUnavailable(
                                "could not hand the record to Kafka: TimeoutError"))
        finally:
            self._flusher = None

    async def _hand(self, topic: str, key: bytes, value: bytes,
                    headers: Sequence[tuple[str, bytes]]) -> asyncio.Future[object]:
        if self.producer is None:
            raise BrokerUnavailable("not connected to Kafka (stopped)")
        try:
            return await self.producer.send(topic, value=value, key=key, headers=list(headers))
        except PERMANENT_ERRORS as exc:
            raise RecordRefused(f"Kafka refused the record: {type(exc).__name__}") from exc
        except KafkaError as exc:
            self.mark_failed(exc)
            raise BrokerUnavailable(f"could not hand the record to Kafka: {type(exc).__name__}") from exc

    def _acked(self, done: asyncio.Future[None] | _Direct, ack: asyncio.Future[object]) -> None:
        if ack.cancelled():
            if not done.done():
                done.set_exception(BrokerUnavailable("write cancelled (producer stopped)"))
            return
        exc = ack.exception()  # retrieved even when the caller has gone
        if done.done():
            return
        if exc is None:
            self.healthy = True
            done.set_result(None)
            return
        err: BaseException = exc
        if isinstance(exc, PERMANENT_ERRORS):  # the broker refused it (e.g. the topic's limit)
            err = RecordRefused(f"Kafka refused the record: {type(exc).__name__}")
        elif isinstance(exc, KafkaError):
            self.mark_failed(exc)
            err = BrokerUnavailable(f"write not acknowledged: {type(exc).__name__}")
        if err is not exc:
            err.__cause__ = exc
        done.set_exception(err)

    async def write_many(self, records: Sequence[tuple[str, bytes, bytes]]) -> None:
        """Hand every (topic, key, value) to the producer, then wait for all acknowledgements
        (one round trip for the lot, in order per partition); the first failure is raised as
        :meth:`write` would."""
        futures = [await self.send(topic, key, value) for topic, key, value in records]
        for fut in futures:
            try:
                await fut
            except PERMANENT_ERRORS as exc:
                raise RecordRefused(f"Kafka refused the record: {type(exc).__name__}") from exc
            except KafkaError as exc:
                self.mark_failed(exc)
                raise BrokerUnavailable(f"write not acknowledged: {type(exc).__name__}") from exc
        if futures:
            self.healthy = True

    def mark_failed(self, exc: BaseException) -> None:
        self.healthy = False
        self.last_error = f"{type(exc).__name__}: {exc}"[:200]

    async def probe(self, topics: Sequence[str]) -> bool:
        """A metadata round trip for ``topics`` (never creating them) within the timeout;
        updates ``healthy``. Not the whole cluster's metadata: every topic and partition
        decoded in Python took 9.8 ms of the event loop per probe on a broker with 1,045 topics."""
        if self.producer is None:
            return False
        try:
            await asyncio.wait_for(_topic_metadata(self.producer.client, list(topics)), self.timeout_s)
        except (KafkaError, TimeoutError) as exc:
            self.mark_failed(exc)
            return False
        self.healthy = True
        return True

    async def stop(self, timeout_s: float = 10.0) -> None:
        """Flush and close (bounded: with the broker away, unsent records are given up)."""
        if self._flusher is not None:  # hand over what was submitted first
            await asyncio.wait([self._flusher], timeout=timeout_s)
        prod, self.producer = self.producer, None
        self.healthy = False
        if prod is not None:
            try:
                await asyncio.wait_for(prod.stop(), timeout_s)
            except (TimeoutError, KafkaError) as exc:
                log.warning("producer did not flush before stopping", extra={"error": str(exc)})


class _Direct:
    """The part of a future the sink settles, calling ``on_ack`` at once instead."""

    __slots__ = ("_done", "on_ack")

    def __init__(self, on_ack: Callable[[BaseException | None], None]) -> None:
        self.on_ack, self._done = on_ack, False

    def done(self) -> bool:
        return self._done

    def set_result(self, _result: None) -> None:
        self._settle(None)

    def set_exception(self, exc: BaseException) -> None:
        self._settle(exc)

    def _settle(self, error: BaseException | None) -> None:
        self._done = True
        try:
            self.on_ack(error)
        except Exception as bug:  # never breaks the sink's flush or aiokafka's callbacks
            asyncio.get_running_loop().call_exception_handler({
                "message": "a write's acknowledgement callback failed", "exception": bug})


async def _topic_metadata(client: AIOKafkaClient, topics: list[str]) -> None:
    """Ask the known brokers, in random order, for the metadata of ``topics`` until one answers
    (as aiokafka's own metadata update does); KafkaError when none does."""
    nodes = [b.nodeId for b in client.cluster.brokers()]
    random.shuffle(nodes)
    last: Exception = KafkaConnectionError("no broker known yet")
    for node in nodes:
        try:
            response = await client.send(node, MetadataRequest(topics, allow_auto_topic_creation=False))
        except KafkaError as exc:  # this broker is away: the next one
            last = exc
            continue
        if response.brokers:
            return
        last = KafkaConnectionError("the cluster answered with no brokers")
    raise last
