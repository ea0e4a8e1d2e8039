"""Faust's aiokafka transport, with two fixes: no input skipped after a rebalance, and no
unfinished batch committed when the agent stops or crashes (``Consumer.abandon``); and a
producer that can send what it holds at once (``Producer.send_now``).

During table recovery Faust stops the flow of stream events, but its fetcher keeps reading the
stream partitions; records fetched then are dropped, and Faust relies on "seek stream partitions
to committed offsets" afterwards to read them again. aiokafka's ``seek_to_committed`` only seeks
partitions whose committed offset is above 0, so a partition the group never committed (a new
topic, or one whose records all arrived during the restart) kept the advanced position and its
first records were silently skipped: a restarted worker judged nothing it had been sent while it
recovered. Here such partitions are reset with the consumer's ``auto_offset_reset`` policy
(civicmod uses ``earliest``), and a committed 0 is sought to 0. Changelog partitions are left to
Faust's recovery, which positions them itself.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable, Mapping
from typing import Any

import faust
from faust.app.base import BootStrategy
from faust.transport.drivers import aiokafka as faust_aiokafka
from faust.types.tuples import ack_lock

log = logging.getLogger("civicmod.worker")


async def rewind_uncommitted(consumer: Any, skip_topics: Collection[str] = (),
                             policy: str = "earliest") -> Mapping[Any, int | None]:
    """Seek every assigned partition of an ``aiokafka.AIOKafkaConsumer`` to its committed
    offset, and those with none (or 0) to where ``policy`` says, except ``skip_topics``."""
    committed = await consumer.seek_to_committed()
    unset = [tp for tp, offset in committed.items() if not offset and tp.topic not in skip_topics]
    for tp in unset:
        if committed[tp] == 0:
            consumer.seek(tp, 0)
    never = [tp for tp in unset if committed[tp] is None]
    if never:
        log.info("no committed offset for %s: reset to %s",
                 ", ".join(f"{tp.topic}[{tp.partition}]" for tp in never), policy)
        if policy == "latest":
            await consumer.seek_to_end(*never)
        else:
            await consumer.seek_to_beginning(*never)
    return committed


class ConsumerThread(faust_aiokafka.AIOKafkaConsumerThread):
    """The aiokafka consumer thread with a ``seek_to_committed`` that misses no partition, and a
    livelock check that does not crash on a partition still awaiting its position."""

    def verify_event_path(self, now: float, tp: Any) -> Any:
        """Faust's livelock detector reads each assigned partition's position, which aiokafka
        asserts is set; right after a rebalance (a partition awaiting its offset reset) it is
        not, and the ``AssertionError`` crashed the whole consumer (seen with two workers on
        2 loaded cores). Such a partition is checked again at the detector's next tick."""
        from aiokafka.structs import TopicPartition

        try:
            state = self._ensure_consumer()._fetcher._subscriptions.subscription.assignment.state_value(
                TopicPartition(tp.topic, tp.partition))
            ready = state is not None and state.has_valid_position
        except (AttributeError, KeyError, AssertionError):  # no subscription or assignment yet
            ready = False
        if not ready:
            return None
        return super().verify_event_path(now, tp)

    async def seek_to_committed(self) -> Mapping[Any, int]:
        return await self.call_thread(self._seek_to_committed_or_reset)

    async def _seek_to_committed_or_reset(self) -> Mapping[Any, int | None]:
        app = self.consumer.app
        return await rewind_uncommitted(self._ensure_consumer(), set(app.tables.changelog_topics),
                                        app.conf.consumer_auto_offset_reset)


class Consumer(faust_aiokafka.Consumer):
    def _new_consumer_thread(self) -> faust_aiokafka.AIOKafkaConsumerThread:
        return ConsumerThread(self, loop=self.loop, beacon=self.beacon)

    #: The lowest offset abandoned per partition: commits stop there (see :meth:`abandon`).
    _abandoned: dict[Any, int] | None = None

    def abandon(self, messages: Iterable[Any]) -> int:
        """Make sure these messages are never committed by this process (a batch that did not
        finish: the worker is stopping or crashed). ``take_events`` acks its batch in a
        ``finally`` when the agent's loop is left by an exception or a cancellation, and Faust
        would then commit offsets whose verdicts were never written. They are marked
        acknowledged without recording their offsets, and no commit of their partition goes
        past the lowest of them (Faust's own gap check does not hold before a partition's first
        commit), so Kafka redelivers them to the next owner. Returns how many were abandoned."""
        abandoned = self._abandoned = self._abandoned if self._abandoned is not None else {}
        n = 0
        with ack_lock:
            for message in messages:
                tp = message.tp
                abandoned[tp] = min(abandoned.get(tp, message.offset), message.offset)
                if not message.acked:
                    message.acked = True
                    self._unacked_messages.discard(message)
                    n += 1
        return n

    def _new_offset(self, tp: Any) -> int | None:
        offset = super()._new_offset(tp)
        limit = (self._abandoned or {}).get(tp)
        if offset is None or limit is None or offset <= limit:
            return offset
        committed = self._committed_offset[tp]
        return limit if committed is None or limit > committed else None

    async def on_partitions_revoked(self, revoked: set[Any]) -> None:
        for tp in revoked:  # the next owner (maybe us again) starts from the committed offset
            (self._abandoned or {}).pop(tp, None)
        await super().on_partitions_revoked(revoked)


class Producer(faust_aiokafka.Producer):
    async def send_now(self) -> None:
        """Close the open batches and wake the sender: what was handed over goes out now rather
        than after the linger time; returns once it is all acknowledged (or failed). The
        moderate stage waits for its records' acknowledgements three times a batch: the linger
        (kept for everything else) would be paid each time."""
        await self._ensure_producer()._message_accumulator.flush_for_commit()

    def client(self) -> Any:
        """The started ``AIOKafkaProducer`` itself: a batch of records handed to it directly
        skips Faust's per-message channel path (a future message, sensors, a lookup per send)."""
        return self._ensure_producer()


class Transport(faust_aiokafka.Transport):
    Consumer = Consumer
    Producer = Producer


class App(faust.App):
    """``faust.App`` on the fixed transport."""

    def _new_transport(self) -> Transport:
        return Transport(self.conf.broker_consumer, self)


class NoStreamsBoot(BootStrategy):
    """Faust's services without its consumer, conductor and tables: the producer, web server,
    timers, tasks and services. For an app whose input is read by its own batch consumer
    (``streams.kafka.batches``)."""

    enable_kafka_consumer = False


class BatchApp(App):
    """An :class:`App` with no Faust streams: it must declare no agent or table."""

    BootStrategy = NoStreamsBoot
