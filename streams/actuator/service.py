"""``civicmod actuator``: verdicts and decisions carried out on the platforms.

Three loops in one process:

- **intake**: a consumer group on ``moderation.auto_hidden``, ``moderation.escalations`` and
  ``moderation.decisions`` (co-partitioned by comment id, range-assigned so that one process holds
  partition *p* of all three). Each record becomes at most one intent; intents change ledger
  entries (``streams.actuator.ledger``), which are written to ``actuator.ledger`` and
  acknowledged **before** the offsets are committed: a crash re-reads, and a re-read intent
  changes nothing. An unreadable record goes to ``comments.deadletter`` (stage ``actuator``).
- **scheduler**: the open entries of the partitions this process holds, ready now, grouped by
  account and call (YouTube: up to 50 a call), each group through the limiter and then the
  executor, at most ``concurrency`` calls per account at once.
- **health**: ``/health`` and ``/metrics`` on ``actuator.port``.

Each settled entry gives an ``Action`` on ``moderation.actions`` (key ``comment_id|kind``;
``action_id`` is stable, so a repeat after a crash is recognisable) and an event on
``moderation.audit``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from aiohttp import web
from aiokafka import AIOKafkaConsumer
from aiokafka.coordinator.assignors.range import RangePartitionAssignor

from civicmod.contract import topics as T
from civicmod.contract.records import (
    AuditEvent,
    CommentState,
    DeadLetter,
    Decision,
    MalformedRecord,
    Verdict,
    decode_record,
    validate_record,
)
from civicmod.contract.settings import Settings
from streams.actuator import intents as I
from streams.actuator.executor import Executor, Step
from streams.actuator.ledger import Entry, apply
from streams.actuator.limits import DailyQuota, Limiter, rules_from
from streams.actuator.metrics import ActuatorMetrics
from streams.actuator.platforms import make_client
from streams.actuator.platforms.base import PlatformClient
from streams.kafka.admin import ensure_topics
from streams.kafka.logs import setup_logging
from streams.kafka.partitioner import partition_for
from streams.kafka.sink import KafkaSink
from streams.kafka.state_table import KafkaTable
from streams.kafka.status_page import run_until_signalled, status_app

log = logging.getLogger("civicmod.actuator")
INPUTS = (T.AUTO_HIDDEN, T.ESCALATIONS, T.DECISIONS, T.STATE)
#: What a platform's state verb says the comment now is.
STATE_OF_VERB = {"hide": "hidden", "unhide": "visible", "remove": "deleted"}
MODE_KEY = "mode|"
#: This service's name on ``platform.quota``.
QUOTA_SERVICE = "actuator"
#: A platform that takes many comments per call (YouTube: 50, each call costing quota) waits this
#: long after the newest entry before sending a part-filled call.
BATCH_LINGER_S = 1.0
#: Comments of one account taken together by one task on platforms with one comment a call
#: (their calls concurrent, their records written together).
GROUP = 16


def build_limiter(settings: Settings, clock: Callable[[], float] = time.time) -> Limiter:
    quota = {"youtube": DailyQuota(settings.actuator.youtube_daily_quota_units, clock)}
    return Limiter(rules_from(settings.actuator.limits), clock=clock, quota=quota)


class Actuator:
    def __init__(self, settings: Settings, clients: dict[str, PlatformClient] | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self.a = settings.actuator
        k = settings.kafka
        self.bootstrap, self.prefix = k.bootstrap_servers, k.topic_prefix
        self.clock = clock
        self.clients = clients if clients is not None else {
            p: make_client(p, self.a.base_urls.get(p)) for p in ("facebook", "instagram", "x", "youtube")}
        self.limiter = build_limiter(settings, clock)
        self.executor = Executor(self.a, self.clients, self.limiter, clock)
        self.metrics = ActuatorMetrics()
        self.sink = KafkaSink(self.bootstrap, 10.0, client_id="civicmod-actuator",
                              max_request_size=k.max_record_bytes)
        self.entries: dict[str, Entry] = {}
        #: The comment ids of the open entries: the scheduler looks only at these.
        self.open_ids: set[str] = set()
        #: Each account's mode as last recorded (``mode|<account>`` in the ledger topic).
        self.modes: dict[str, dict[str, Any] | None] = {}
        self.table = KafkaTable(self.bootstrap, T.physical(T.ACTUATOR_LEDGER, self.prefix), self.sink,
                                "actuator-ledger", on_record=self._on_ledger_record, log=log)
        #: Quota spent on shared platform projects, by service (``platform.quota``).
        self.quota_table = KafkaTable(self.bootstrap, T.physical(T.PLATFORM_QUOTA, self.prefix), self.sink,
                                      "platform-quota", on_record=self._on_quota_record, log=log)
        self.owned: set[int] = set()
        self.partitions = 0
        self.ready = False
        self.wake = asyncio.Event()
        self.in_flight: set[str] = set()
        #: When each open entry arrived (for batching).
        self.arrived: dict[str, float] = {}
        self._account_calls: dict[str, int] = defaultdict(int)
        self._logical = {T.physical(t, self.prefix): t for t in INPUTS}
        self.worker = f"{socket.gethostname()}-{os.getpid()}"

    # -- the ledger --------------------------------------------------------------------------------
    def _on_ledger_record(self, key: str, value: bytes | None, _ts: int) -> None:
        if key.startswith(MODE_KEY):
            self.modes[key[len(MODE_KEY):]] = json.loads(value) if value else None
            return
        if value is None:
            self.entries.pop(key, None)
            self.open_ids.discard(key)
            return
        entry = Entry.from_json(json.loads(value))
        mine = self.entries.get(key)
        if mine is None or entry.rev >= mine.rev:  # our own older writes come back late
            if mine is not None and key in self.in_flight:
                return  # being carried out here: this process's copy is the newer one
            self.entries[key] = entry
            if entry.open:
                self.open_ids.add(key)
                self.arrived.setdefault(key, self.clock())
                self.wake.set()
            else:
                self.open_ids.discard(key)

    def _on_quota_record(self, key: str, value: bytes | None, _ts: int) -> None:
        """Another service's spending on a shared quota counts against ours; our own (after a
        restart) is not forgotten."""
        platform, _, service = key.partition("|")
        quota = self.limiter.quota_for(platform) if value else None
        if quota is None or value is None:
            return
        data = json.loads(value)
        day, used = str(data.get("day", "")), int(data.get("used", 0))
        if service == QUOTA_SERVICE:
            quota.restore_own(used, day)
        else:
            quota.set_external(service, used, day)

    async def share_quota(self) -> None:
        """Tell the other services what the YouTube quota spent here today is."""
        quota = self.limiter.quota_for("youtube")
        if quota is not None:
            await self.quota_table.put(f"youtube|{QUOTA_SERVICE}", {"day": quota.day, "used": quota.own})

    async def _write(self, entries: list[Entry]) -> None:
        """Write entries to the ledger, all acknowledged before this returns."""
        for e in entries:
            e.rev += 1
        await self.table.put_many([(e.comment_id, e.to_json()) for e in entries])
        for e in entries:
            mine = self.entries.get(e.comment_id)
            if mine is not None and mine is not e and mine.rev > e.rev:
                continue  # the follow loop brought it in and it moved on meanwhile (rev guard)
            self.entries[e.comment_id] = e
            if e.open:
                self.open_ids.add(e.comment_id)
            else:
                self.open_ids.discard(e.comment_id)
                self.arrived.pop(e.comment_id, None)

    def partition_of(self, comment_id: str) -> int:
        return partition_for(comment_id.encode(), self.partitions)

    # -- intake ------------------------------------------------------------------------------------
    def intent_of(self, topic: str, value: bytes | None) -> I.Intent | CommentState | None:
        data = decode_record(value)
        if topic == T.DECISIONS:
            return I.from_decision(validate_record(data, Decision))
        if topic == T.STATE:
            return validate_record(data, CommentState)
        return I.from_verdict(validate_record(data, Verdict))

    def platform_changed(self, state: CommentState) -> dict[str, Any] | None:
        """A platform state change: our own action's echo (Facebook reports the hides we make),
        or someone acting on the platform directly, outside civicmod, on a comment we act on:
        that is an audit event (who, where the platform says)."""
        entry = self.entries.get(state.comment_id)
        now_is = STATE_OF_VERB.get(state.verb)
        if entry is None or now_is is None:
            return None
        if entry.done == now_is or (entry.open and entry.want == now_is):
            self.metrics.echoes.labels("ours").inc()
            return None
        self.metrics.echoes.labels("outside").inc()
        return {"type": "actuator.changed_outside", "comment_id": state.comment_id,
                "account_id": state.account_id, "platform": state.platform, "verb": state.verb,
                "platform_actor": state.actor_id, "civicmod_state": entry.done,
                "civicmod_wants": entry.want}

    async def intake(self, records: list[tuple[str, int, int, bytes | None, bytes | None]]) -> None:
        """Apply a batch of input records to the ledger (written, acknowledged) and dead-letter
        what cannot be read."""
        changed: dict[str, Entry] = {}
        outside: list[dict[str, Any]] = []
        for topic, partition, offset, key, value in records:
            logical = self._logical.get(topic, topic)
            try:
                intent = self.intent_of(logical, value)
            except MalformedRecord as bad:
                self.metrics.deadletters.labels(bad.reason).inc()
                letter = DeadLetter.of(value, bad.reason, bad.error, "actuator", topic, 65536, key=key,
                                       partition=partition, offset=offset)
                await self.sink.write(T.physical(T.DEADLETTER, self.prefix), key or b"", letter.to_json())
                continue
            if intent is None:
                continue
            if isinstance(intent, CommentState):
                if (event := self.platform_changed(intent)) is not None:
                    outside.append(event)
                continue
            current = changed.get(intent.comment_id) or self.entries.get(intent.comment_id)
            entry = apply(current, intent)
            if entry is None:
                self.metrics.intents.labels("repeat").inc()
                continue
            self.metrics.intents.labels("applied").inc()
            changed[intent.comment_id] = entry
        if outside:
            await self._publish(Step(audit=outside))
        if changed:
            now = self.clock()
            for cid in changed:
                self.arrived[cid] = now
            await self._write(list(changed.values()))
            self.wake.set()

    async def consume(self, stopping: asyncio.Event) -> None:
        while not stopping.is_set():
            consumer = AIOKafkaConsumer(
                *self._logical, bootstrap_servers=self.bootstrap, group_id=self.a.group_id,
                enable_auto_commit=False, auto_offset_reset="earliest", max_poll_records=500,
                isolation_level="read_committed", partition_assignment_strategy=(RangePartitionAssignor,))
            try:
                await asyncio.wait_for(consumer.start(), 30)
                assert self.sink.producer is not None
                self.partitions = len(await self.sink.producer.partitions_for(
                    T.physical(T.DECISIONS, self.prefix)))
                while not stopping.is_set():
                    batches = await consumer.getmany(timeout_ms=500)
                    owned = {tp.partition for tp in consumer.assignment()}
                    if owned != self.owned:
                        await self.table.sync(30)  # the previous owner's last writes first
                        self.owned = owned
                        log.info("partitions assigned", extra={"partitions": sorted(owned)})
                        self.wake.set()
                    if not batches:
                        continue
                    records = [(tp.topic, m.partition, m.offset, m.key, m.value)
                               for tp, msgs in batches.items() for m in msgs]
                    await self.intake(records)
                    await consumer.commit({tp: msgs[-1].offset + 1 for tp, msgs in batches.items() if msgs})
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.owned = set()
                log.warning("actuator intake interrupted, reconnecting",
                            extra={"error": f"{type(exc).__name__}: {exc}"[:200]})
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stopping.wait(), 2.0)
            finally:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(consumer.stop(), 10)

    # -- the scheduler -----------------------------------------------------------------------------
    def ready_groups(self) -> tuple[list[list[Entry]], float]:
        """Groups to carry out now (one account, one call each), and the time of the next entry
        that is not ready yet."""
        now = self.clock()
        later = now + 1.0
        groups: dict[tuple[str, str], list[Entry]] = defaultdict(list)
        open_count = 0
        for cid in list(self.open_ids):
            e = self.entries.get(cid)
            if e is None or not e.open:
                self.open_ids.discard(cid)
                continue
            open_count += 1
            if e.comment_id in self.in_flight or self.partition_of(e.comment_id) not in self.owned:
                continue
            if e.not_before > now:
                later = min(later, e.not_before)
                continue
            groups[(e.account_id, e.kind)].append(e)
        self.metrics.open.set(open_count)
        out = []
        for (_, _kind), es in groups.items():
            client = self.clients.get(es[0].platform)
            batch = client.batch_size if client is not None else 1
            size = batch if batch > 1 else GROUP
            for chunk in (es[i:i + size] for i in range(0, len(es), size)):
                newest = max(self.arrived.get(e.comment_id, 0.0) for e in chunk)
                if batch > 1 and len(chunk) < size and now < newest + BATCH_LINGER_S:
                    later = min(later, newest + BATCH_LINGER_S)  # more may come: one call for all
                    continue
                out.append(chunk)
        return out, later

    def prune(self) -> int:
        """Forget settled entries older than the ledger topic keeps them (its retention drops
        them there too); returns how many."""
        cutoff = self.clock() - T.LEDGER_RETENTION_MS / 1000
        old = [cid for cid, e in self.entries.items() if not e.open and e.at < cutoff]
        for cid in old:
            del self.entries[cid]
        return len(old)

    async def schedule(self, stopping: asyncio.Event) -> None:
        tasks: set[asyncio.Task[None]] = set()
        next_prune = self.clock() + 3600
        while not stopping.is_set():
            self.wake.clear()
            if self.clock() >= next_prune:
                next_prune = self.clock() + 3600
                self.prune()
            groups, later = self.ready_groups() if self.ready and self.owned else ([], self.clock() + 1)
            for group in groups:
                if self._account_calls[group[0].account_id] >= self.a.concurrency:
                    continue
                group = await self._admit(group)
                if not group:
                    continue
                for e in group:
                    self.in_flight.add(e.comment_id)
                self._account_calls[group[0].account_id] += 1
                task = asyncio.create_task(self._carry_out(group))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), max(0.01, min(1.0, later - self.clock())))
        if tasks:
            await asyncio.wait(tasks, timeout=15)

    async def _admit(self, group: list[Entry]) -> list[Entry]:
        """Settle without a call what needs none; pass the rest through the limiter, one token
        per call (entries that must wait get ``not_before``). Returns the entries to carry out
        now."""
        first = group[0]
        needless = [s for s in (self.executor.plan(e) for e in group) if s is not None]
        if needless:
            await self._publish(Step(entries=[e for s in needless for e in s.entries],
                                     actions=[a for s in needless for a in s.actions],
                                     audit=[x for s in needless for x in s.audit]))
            return []  # the rest is regrouped on the next pass
        client = self.clients[first.platform]
        endpoint = client.endpoint(first.kind)  # type: ignore[arg-type]
        calls = [group] if client.batch_size > 1 else [[e] for e in group]
        units = 50 if first.platform == "youtube" else 0
        admitted: list[Entry] = []
        for i, call in enumerate(calls):
            wait = self.limiter.wait_s(endpoint, first.account_id, units)
            if wait > 0:
                until = self.clock() + min(wait, 3600.0)
                for waiting in calls[i:]:
                    for e in waiting:
                        e.not_before = until  # in memory: a limit is no news for the ledger
                break
            admitted += call
        return admitted

    async def _carry_out(self, group: list[Entry]) -> None:
        """Carry out one admitted group: the attempts recorded (one ledger round trip), the
        calls (YouTube: one for the group; the others: one per comment, concurrently), the
        outcomes published (one round trip for the records, one for the ledger)."""
        account = group[0].account_id
        try:
            todo, confirmed = [], Step()
            for e in group:
                if await self.executor.confirm(e):  # a restart between call and record
                    self.metrics.confirmed.inc()
                    e.done = "hidden" if e.want == "hidden" else "visible"
                    self.executor.finish(e, "done", None, "confirmed on the platform after a restart",
                                          confirmed, kind=e.kind)
                    continue
                e.attempts += 1
                e.status = "pending"
                todo.append(e)
            if confirmed.entries:
                await self._publish(confirmed)
            if not todo:
                return
            await self._write(todo)  # the attempts are on record before the calls
            kind = todo[0].kind
            client = self.clients[todo[0].platform]
            batches = [todo] if client.batch_size > 1 else [[e] for e in todo]
            steps = await asyncio.gather(*(self.executor.call(kind, b) for b in batches))  # type: ignore[arg-type]
            merged = Step()
            for step in steps:
                if step.called:
                    self.metrics.calls.labels(todo[0].platform, kind).inc()
                merged.entries += step.entries
                merged.actions += step.actions
                merged.audit += step.audit
            await self._publish(merged)
            if todo[0].platform == "youtube":
                await self.share_quota()
        except Exception as exc:  # Kafka away, a bug: the entries stay open and are tried again
            log.warning("carrying out actions failed; they stay open", extra={
                "account_id": account, "error": f"{type(exc).__name__}: {exc}"[:200]})
            for e in group:
                e.not_before = self.clock() + 5.0
        finally:
            for e in group:
                self.in_flight.discard(e.comment_id)
            self._account_calls[account] -= 1
            self.metrics.failing.set(len(self.executor.failing))
            self.wake.set()

    async def _publish(self, step: Step) -> None:
        """The Action records and audit events first, then the ledger: a crash in between
        leaves the entry open, so its record is written again (same ``action_id``) rather than
        never."""
        records = []
        for action in step.actions:
            self.metrics.actions.labels(action.platform, action.kind, action.status).inc()
            records.append((T.physical(T.ACTIONS, self.prefix),
                            f"{action.comment_id}|{action.kind}".encode(), action.to_json()))
        for event in step.audit:
            record = AuditEvent.model_validate({**event, "worker": self.worker, "actor": "actuator"})
            records.append((T.physical(T.AUDIT, self.prefix), b"actuator", record.to_json()))
        await self.sink.write_many(records)
        if step.entries:
            await self._write(step.entries)

    # -- health ------------------------------------------------------------------------------------
    def health(self) -> dict[str, Any]:
        live = sorted(a for a, s in self.a.accounts.items() if s.live)
        return {"status": "ok" if self.ready else "starting", "ready": self.ready,
                "partitions": sorted(self.owned), "entries": len(self.entries), "open": len(self.open_ids),
                "in_flight": len(self.in_flight), "live_accounts": live,
                "dry_run_accounts": sorted(set(self.a.accounts) - set(live)),
                "failing_accounts": {a: {"code": c, "error": m[:200]}
                                     for a, (c, m) in self.executor.failing.items()},
                "limits": self.limiter.snapshot()}

    def web_app(self) -> web.Application:
        return status_app(self.health, lambda: self.ready, self.metrics.registry)

    # -- the whole --------------------------------------------------------------------------------
    async def run(self, stopping: asyncio.Event) -> None:
        runner = web.AppRunner(self.web_app(), access_log=None)
        await runner.setup()
        await web.TCPSite(runner, self.a.host, self.a.port).start()
        k = self.settings.kafka
        while not stopping.is_set():
            try:
                await asyncio.to_thread(ensure_topics, self.bootstrap, k.partitions, k.replication_factor,
                                        self.prefix, 10.0, k.max_record_bytes)
                await self.sink.start()
                break
            except Exception as exc:
                log.warning("kafka not reachable, retrying", extra={"error": str(exc)[:200]})
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stopping.wait(), 3)
        if stopping.is_set():
            await runner.cleanup()
            return
        self.table.start()
        self.quota_table.start()
        await self.table.loaded.wait()
        await self.quota_table.loaded.wait()
        await self._record_modes()
        self.ready = True
        log.info("actuator started", extra={"entries": len(self.entries), "open": len(self.open_ids)})
        try:
            await asyncio.gather(self.consume(stopping), self.schedule(stopping))
        finally:
            self.ready = False
            await self.table.stop()
            await self.quota_table.stop()
            for client in self.clients.values():
                with contextlib.suppress(Exception):
                    await client.close()
            await self.sink.stop(timeout_s=5)
            await runner.cleanup()

    async def _record_modes(self) -> None:
        """Going live (or back to dry run, or allowing deletion) is a change of the settings file;
        each such change is written to ``moderation.audit`` once, when an actuator first runs
        with it, and the mode remembered in the ledger topic."""
        events = []
        for account, s in sorted(self.a.accounts.items()):
            mode = {"platform": s.platform, "live": s.live, "allow_delete": s.allow_delete}
            before = self.modes.get(account)
            log.info("account mode", extra={"account_id": account, **mode})
            await self.table.put(MODE_KEY + account, mode)  # every start: the ledger's retention
            if before != mode:
                events.append({"type": "actuator.mode_changed", "account_id": account,
                               "from": before, "to": mode, "settings_file": self.settings.source})
        if events:
            await self._publish(Step(audit=events))


def run_actuator(settings: Settings) -> None:
    setup_logging("actuator")
    run_until_signalled(Actuator(settings).run)
