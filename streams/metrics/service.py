"""``civicmod metrics serve``: the aggregator around ``streams.metrics.tally``.

One reader follows every partition of the input topics (``streams.metrics.inputs.INPUTS``);
each record becomes a fact (unreadable ones are counted and dead-lettered, stage ``metrics``)
and goes into the tally, which drops repeats by identity. Every ``metrics.emit_interval_s`` the
windows that changed are written as ``civicmod.aggregate/1`` to ``moderation.metrics`` (key
``Aggregate.key()``), daily ones to ``moderation.metrics.daily`` as well; a window whose record
did not change is not written again.

Restart: the state is a function of the distinct input records only, so it is rebuilt by
re-reading the inputs from the start of the oldest window still open (``offsets_for_times``,
less ``metrics.rebuild_margin_s``). Until the reader reached the end offsets it saw at start,
nothing is written; then every open window is written once (the same values as before the
restart, or corrected ones). A window that starts before the oldest record the inputs still hold
(their retention deleted older ones) is never written by this process, so a restart never
overwrites a complete record with a partial one. No consumer group: every instance reads all
partitions and writes the same records, so a second instance is a hot standby, not a split.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web
from aiokafka import AIOKafkaConsumer, TopicPartition

from civicmod.contract import topics as T
from civicmod.contract.records import WINDOW_SECONDS, DeadLetter
from civicmod.contract.settings import Settings
from streams.kafka.admin import ensure_topics
from streams.kafka.logs import setup_logging
from streams.kafka.sink import KafkaSink
from streams.kafka.status_page import run_until_signalled, status_app
from streams.metrics.exposition import AggregatorMetrics
from streams.metrics.facts import NO_ACCOUNT
from streams.metrics.inputs import INPUTS, BadRecord, to_fact
from streams.metrics.tally import EngagementState, Tally
from streams.metrics.windows import WINDOWS, WindowKey, is_open, window_start

log = logging.getLogger("civicmod.metrics")
STAGE = "metrics"
PRUNE_INTERVAL_S = 60.0


class Aggregator:
    def __init__(self, settings: Settings, clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self.m = m = settings.metrics
        k = settings.kafka
        self.bootstrap, self.prefix = k.bootstrap_servers, k.topic_prefix
        self.clock = clock
        owner = settings.console.owner_of
        self.tally = Tally(keep_s=m.keep_s(), lookback_s=m.engagement.lookback_days * 86400,
                           organisation_of=owner)
        self.metrics = AggregatorMetrics()
        self.metrics.watch_engagement(self.engagement, owner, clock)
        for topic in INPUTS:  # every series from the start, at 0
            for counter in (self.metrics.records, self.metrics.duplicates, self.metrics.late):
                counter.labels(topic)
        self.sink = KafkaSink(self.bootstrap, 10.0, client_id="civicmod-metrics",
                              max_request_size=k.max_record_bytes)
        self.logical = {T.physical(t, self.prefix): t for t in INPUTS}
        self.ready = False
        #: Windows starting before this (epoch s) are never written: the inputs no longer hold
        #: all of their records.
        self.complete_from = 0.0
        self.started_from = 0.0
        self.written: dict[WindowKey, str] = {}
        #: When windows of each length were last written (the service clock, epoch s).
        self.emitted_at: dict[str, float] = {}
        self.pending_dead: list[tuple[str, DeadLetter]] = []
        self.dead_lettered: set[str] = set()
        self.positions: dict[TopicPartition, int] = {}
        self.last_error: str | None = None

    # -- input -----------------------------------------------------------------------------
    def rebuild_from(self, now: float) -> float:
        """Where re-reading starts (epoch s): the start of the oldest window still open."""
        keep = self.m.keep_s()
        return min(window_start(w, now - keep[w] - WINDOW_SECONDS[w]) for w in WINDOWS)

    def engagement(self, now: float) -> dict[str, EngagementState]:
        configured = {a for org in self.settings.console.organisations.values() for a in org.accounts}
        accounts = (configured | self.tally.accounts()) - {NO_ACCOUNT}
        states = self.tally.engagement(now, accounts)
        states.pop(NO_ACCOUNT, None)
        return states

    def apply(self, topic: str, partition: int, offset: int, key: bytes | None,
              value: bytes | None, timestamp_ms: int) -> None:
        """One input record (``topic``: the physical name) into the tally."""
        logical = self.logical.get(topic, topic)
        self.metrics.records.labels(logical).inc()
        try:
            fact = to_fact(logical, value, timestamp_ms / 1000)
            added = self.tally.add(fact, self.clock())
        except BadRecord as bad:
            self._dead_letter(topic, partition, offset, key, value, bad.reason, bad.error)
            return
        except Exception as exc:  # a bug for this one record: it must not stop the others
            log.error("record not aggregated", exc_info=exc, extra={
                "topic": topic, "partition": partition, "offset": offset})
            self._dead_letter(topic, partition, offset, key, value, "aggregator_error",
                              f"{type(exc).__name__}: {exc}")
            return
        if added == "duplicate":
            self.metrics.duplicates.labels(logical).inc()
        elif added == "late":
            self.metrics.late.labels(logical).inc()

    def _dead_letter(self, topic: str, partition: int, offset: int, key: bytes | None,
                     value: bytes | None, reason: str, error: str) -> None:
        """Count it; write it to the dead-letter topic unless that was done before (by this
        process, or by an earlier one: its dead letters are read back on start)."""
        self.metrics.deadletters.labels(reason).inc()
        position = f"{STAGE}|{topic}|{partition}|{offset}"
        if position not in self.tally.deadletters and position not in self.dead_lettered:
            letter = DeadLetter.of(value, reason, error, STAGE, topic,
                                   self.settings.kafka.deadletter_raw_bytes, key=key,
                                   partition=partition, offset=offset)
            self.pending_dead.append((position, letter))

    async def read(self, stopping: asyncio.Event) -> None:
        """Follow every input partition; reconnect (from where it stopped) on trouble."""
        while not stopping.is_set():
            consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, group_id=None,
                                        enable_auto_commit=False, client_id="civicmod-metrics",
                                        fetch_max_wait_ms=200, auto_offset_reset="earliest")
            try:
                await asyncio.wait_for(consumer.start(), 30)
                await self._follow(consumer, stopping)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.last_error = f"{type(exc).__name__}: {exc}"[:200]
                log.warning("input reader interrupted, reconnecting",
                            extra={"error": self.last_error})
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stopping.wait(), 2.0)
            finally:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(consumer.stop(), 10)

    async def _partitions(self) -> list[TopicPartition]:
        assert self.sink.producer is not None
        tps = []
        for topic in self.logical:
            parts = await asyncio.wait_for(self.sink.producer.partitions_for(topic), 30)
            tps += [TopicPartition(topic, p) for p in sorted(parts)]
        return tps

    async def _follow(self, consumer: AIOKafkaConsumer, stopping: asyncio.Event) -> None:
        tps = await self._partitions()
        consumer.assign(tps)
        fresh = [tp for tp in tps if tp not in self.positions]
        for tp in tps:
            if tp in self.positions:
                consumer.seek(tp, self.positions[tp])
        ends = await consumer.end_offsets(tps)
        if fresh:
            await self._seek_by_time(consumer, fresh, ends)
        while not stopping.is_set():
            batches = await consumer.getmany(timeout_ms=500, max_records=5000)
            for tp, records in batches.items():
                for r in records:
                    self.apply(tp.topic, tp.partition, r.offset, r.key, r.value, r.timestamp)
                if records:
                    self.positions[tp] = records[-1].offset + 1
            if not self.ready:
                positions = {tp: await consumer.position(tp) for tp in tps}
                if all(positions[tp] >= ends[tp] for tp in tps):
                    self._became_ready()
            await asyncio.sleep(0)  # the web page answers during a long re-read too

    async def _seek_by_time(self, consumer: AIOKafkaConsumer, tps: list[TopicPartition],
                            ends: dict[TopicPartition, int]) -> None:
        now = self.clock()
        self.started_from = start = self.rebuild_from(now)
        since_ms = int((start - self.m.rebuild_margin_s) * 1000)
        found = await consumer.offsets_for_times({tp: max(0, since_ms) for tp in tps})
        begins = await consumer.beginning_offsets(tps)
        emptied: set[str] = set()
        for tp in tps:
            hit = found.get(tp)
            if hit is None:  # nothing written since: only new records
                consumer.seek(tp, ends[tp])
                if 0 < begins[tp] == ends[tp]:  # all of it deleted: when written is unknown
                    emptied.add(tp.topic)
                continue
            consumer.seek(tp, hit.offset)
            if hit.offset == begins[tp] and begins[tp] > 0:  # older records were deleted
                self.complete_from = max(self.complete_from, hit.timestamp / 1000)
        for topic in sorted(emptied):  # deleted by retention: written before now - retention
            retention = await asyncio.to_thread(self._retention_s, topic)
            self.complete_from = max(self.complete_from,
                                     now - retention if retention is not None else now)
        log.info("re-reading the inputs", extra={
            "since": since_ms / 1000, "complete_from": self.complete_from or None,
            "partitions": len(tps), "records": sum(ends[tp] - (found[tp].offset if found.get(tp)
                                                                 else ends[tp]) for tp in tps)})

    def _retention_s(self, topic: str) -> float | None:
        """The topic's ``retention.ms`` in seconds (None: unlimited or unknown)."""
        from kafka import KafkaAdminClient
        from kafka.admin import ConfigResource, ConfigResourceType

        try:
            admin = KafkaAdminClient(bootstrap_servers=self.bootstrap, client_id="civicmod-metrics")
        except Exception:
            return None
        try:
            resource = ConfigResource(ConfigResourceType.TOPIC, topic, {"retention.ms": None})
            found = admin.describe_configs([resource], config_filter="all")
            entry = found.get("topic", {}).get(topic, {}).get("retention.ms")
            value = entry.get("value") if isinstance(entry, dict) else entry
            if value is not None and int(value) >= 0:
                return int(value) / 1000
        except Exception as exc:
            log.warning("could not read a topic retention", exc_info=exc, extra={"topic": topic,
                                                                     "error": repr(exc)[:200]})
        finally:
            admin.close()
        return None

    def _became_ready(self) -> None:
        self.ready = True
        self.metrics.ready.set(1)
        self.tally.dirty.update(self.tally.open_windows())
        log.info("inputs re-read; writing the open windows", extra={
            "windows": len(self.tally.open_windows()), "verdicts": len(self.tally.verdicts),
            "decisions": len(self.tally.decisions), "actions": len(self.tally.actions),
            "replies": len(self.tally.replies), "deadletters": len(self.tally.deadletters)})

    # -- output ----------------------------------------------------------------------------
    def due_lengths(self, now: float, everything: bool = False) -> list[str]:
        """The window lengths whose emit interval has passed since they were last written
        (minutes: at every tick, the loop runs at their interval)."""
        return [w for w, every in self.m.emit_intervals_s().items()
                if everything or w == "1m"
                or now - self.emitted_at.get(w, float("-inf")) >= every - 1e-3]

    def due(self, now: float, everything: bool = False
            ) -> tuple[list[tuple[str, bytes, bytes]], dict[WindowKey, str]]:
        """The records to write for the windows changed since the last call whose length's
        emit interval has passed (``everything``: all of them), and the digests to remember
        once they are acknowledged."""
        records: list[tuple[str, bytes, bytes]] = []
        digests: dict[WindowKey, str] = {}
        keep = self.m.keep_s()
        for key in self.tally.take_dirty(self.due_lengths(now, everything)):
            if key.start < self.complete_from or not is_open(key, now, keep):
                continue
            if not self.tally.members.get(key) and key not in self.written:
                continue
            agg = self.tally.aggregate(key, now)
            body = agg.model_dump_json(by_alias=True, exclude_none=True, exclude={"updated_at"})
            digest = hashlib.blake2b(body.encode(), digest_size=16).hexdigest()
            if self.written.get(key) == digest:
                continue
            digests[key] = digest
            raw = agg.to_json()
            records.append((T.physical(T.METRICS, self.prefix), agg.key(), raw))
            if key.window == "1d":
                records.append((T.physical(T.METRICS_DAILY, self.prefix), agg.key(), raw))
        return records, digests

    async def flush(self, everything: bool = False) -> int:
        """Write pending dead letters and (once ready) the changed windows that are due
        (``everything``: all changed ones); returns how many aggregates were written. On
        failure the windows stay due for the next tick."""
        if self.pending_dead and self.ready:  # unless a dead letter for it was read back meanwhile
            batch = [(p, d) for p, d in self.pending_dead if p not in self.tally.deadletters]
            self.pending_dead = []
            dead_topic = T.physical(T.DEADLETTER, self.prefix)
            try:
                await self.sink.write_many([(dead_topic, (letter.key or "").encode(),
                                             letter.to_json()) for _, letter in batch])
                self.dead_lettered.update(position for position, _ in batch)
            except Exception:
                self.pending_dead = batch + self.pending_dead
                raise
        if not self.ready:
            return 0
        now = self.clock()
        lengths = self.due_lengths(now, everything)
        records, digests = self.due(now, everything)
        if records:
            try:
                await self.sink.write_many(records)
            except Exception:
                self.tally.dirty.update(digests)
                raise
        for w in lengths:
            self.emitted_at[w] = now
        self.written.update(digests)
        for key in digests:
            self.metrics.aggregates.labels(key.window).inc()
        return len(digests)

    async def emit(self, stopping: asyncio.Event) -> None:
        next_prune = self.clock() + PRUNE_INTERVAL_S
        while not stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), self.m.emit_interval_s)
            try:
                await self.flush()
            except Exception as exc:  # Kafka away: the windows stay due
                self.last_error = f"{type(exc).__name__}: {exc}"[:200]
                log.warning("writing aggregates failed; retrying", extra={"error": self.last_error})
            if self.clock() >= next_prune:
                next_prune = self.clock() + PRUNE_INTERVAL_S
                self.prune()

    def prune(self) -> None:
        now = self.clock()
        self.tally.prune(now)
        keep = self.m.keep_s()
        for key in [k for k in self.written if not is_open(k, now, keep)]:
            del self.written[key]
        counts = {w: 0 for w in WINDOWS}
        for key in self.tally.open_windows():
            counts[key.window] += 1
        for w, n in counts.items():
            self.metrics.windows.labels(w).set(n)

    # -- web -------------------------------------------------------------------------------
    def health(self) -> dict[str, Any]:
        t = self.tally
        return {"status": "ok" if self.ready else "starting", "ready": self.ready,
                "rebuilt_from": self.started_from or None, "complete_from": self.complete_from or None,
                "open_windows": len(t.open_windows()), "written": len(self.written),
                "facts": {"verdicts": len(t.verdicts), "decisions": len(t.decisions),
                          "actions": len(t.actions), "replies": len(t.replies),
                          "deadletters": len(t.deadletters)},
                "late": dict(t.late), "kafka_healthy": self.sink.healthy,
                "last_error": self.last_error}

    def web_app(self) -> web.Application:
        return status_app(self.health, lambda: self.ready, self.metrics.registry)

    # -- the whole -------------------------------------------------------------------------
    async def run(self, stopping: asyncio.Event) -> None:
        runner = web.AppRunner(self.web_app(), access_log=None)
        await runner.setup()
        await web.TCPSite(runner, self.m.host, self.m.port).start()
        k = self.settings.kafka
        try:
            while not stopping.is_set():
                try:
                    await asyncio.to_thread(ensure_topics, self.bootstrap, k.partitions,
                                            k.replication_factor, self.prefix, 10.0,
                                            k.max_record_bytes)
                    await self.sink.start()
                    break
                except Exception as exc:
                    log.warning("kafka not reachable, retrying", extra={"error": str(exc)[:200]})
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stopping.wait(), 3)
            if stopping.is_set():
                return
            log.info("metrics service started", extra={"port": self.m.port})
            await asyncio.gather(self.read(stopping), self.emit(stopping))
            with contextlib.suppress(Exception):
                await self.flush(everything=True)  # what changed since the last tick
        finally:
            self.ready = False
            await self.sink.stop(timeout_s=5)
            await runner.cleanup()


def run_metrics(settings: Settings) -> None:
    setup_logging("metrics")
    run_until_signalled(Aggregator(settings).run)
