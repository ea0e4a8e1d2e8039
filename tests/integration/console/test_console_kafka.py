"""The console through a real broker: ``civicmod console serve`` as a process, fed escalations,
worked by moderators over HTTP, killed and restarted, and cut off from Kafka.

- 1,000 escalations (plus redeliveries, platform removals, auto-hidden verdicts and garbage) in,
  moderators deciding while the console is SIGKILLed twice: every escalation is one item, every
  item decided once, every decision exactly once on ``moderation.decisions`` and in
  ``moderation.audit``, the garbage dead-lettered, the outbox empty. On SQLite and PostgreSQL.
- The broker away for longer than the relay's timeouts, and a SIGTERM while it is away: decisions
  are accepted all along (200, at once), wait in the outbox (unpublished rows: nothing can reach a
  stopped broker), and each reaches Kafka exactly once after it returns.
- The relay's reconcile: records on Kafka whose rows were never marked (a crash between the
  broker's acknowledgement and the database's mark) are marked, not sent again, even with a
  transaction marker at the end of the partitions.
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from civicmod.contract import topics as T
from civicmod.contract.records import Decision
from civicmod.contract.settings import home_dir
from civicmod.dev.localkafka import LocalBroker, free_port
from streams.kafka.admin import ensure_topics

from console_harness import (
    ConsoleProcess,
    Moderator,
    Store,
    add_users,
    escalation,
    header_row,
    hidden,
    producer,
    read_topic,
    removal,
    wait_for,
)

pytestmark = [pytest.mark.kafka, pytest.mark.timeout(300)]

N = 1000  # escalations
HIDES = 20  # auto-hidden verdicts (reviewed too)
TAKEDOWN = 40  # escalations the platform removes before anyone decides them
MODERATORS = 8
RATE = 80  # records/s fed


def _queue(i: int) -> str:
    if i % 25 == 0:
        return "takedown"
    return ("safety", "default", "spam")[i % 3]


#: Valid escalations whose text is hostile to a store: NUL (PostgreSQL text cannot hold it), the
#: longest text a worker passes, bidi controls and combining marks.
HOSTILE = {7: "call \x00 me", 8: "x" * 10_000, 9: "\u202eesrever\u202c " + "e\u0301" * 500 + " 🙂"}


def _garbage(run: str) -> list[tuple[str, bytes | None, bytes | None, str]]:
    """(topic, key, value, the dead letter's reason) of records the console cannot use."""
    long_id = escalation(run, 0).model_copy(deep=True)
    comment = long_id.comment.model_copy(update={"id": "generic:" + "9" * 2000})
    too_long = long_id.model_copy(update={"comment": comment}).to_json()
    comment_json = escalation(run, 0).comment.to_json()  # a comment, not a verdict
    # valid on the wire, but no database column holds the number: the batch is applied again
    # record by record, and only this one is refused
    v = escalation(run, N + 1)
    huge = v.model_copy(update={"escalation": v.escalation.model_copy(update={"priority": 2**70})}).to_json()
    return [
        (T.ESCALATIONS, b"g1", b"not json at all", "invalid_json"),
        (T.ESCALATIONS, b"g2", b'{"schema": "civicmod.verdict/1", "x": "\xff\xfe"}', "invalid_utf8"),
        (T.ESCALATIONS, b"g3", None, "empty_value"),
        (T.ESCALATIONS, b"g4", comment_json, "unknown_schema"),  # a comment where a verdict belongs
        (T.ESCALATIONS, b"g5", b"[" * 200 + b"]" * 200, "too_deep"),
        (T.ESCALATIONS, b"g6", too_long, "field_too_long"),
        (T.ESCALATIONS, b"g9", huge, "store_refused"),
        (T.AUTO_HIDDEN, b"g7", b"{}", "invalid_schema"),
        (T.STATE, b"g8", b'{"schema": "civicmod.comment_state/1", "verb": "explode"}', "invalid_schema"),
    ]


class Feed:
    """Produces the stream in a thread: escalations (some redelivered later), auto-hidden
    verdicts and garbage, paced; then, once their items are stored, the platform's removals."""

    def __init__(self, bootstrap: str, prefix: str, run: str, store: Store) -> None:
        self.bootstrap, self.prefix, self.run, self.store = bootstrap, prefix, run, store
        self.produced = 0
        self.done = threading.Event()
        #: Set by the test when the feed may go past the second kill's point.
        self.gate = threading.Event()
        self.gate_at = int(N * 0.8)
        self.error: BaseException | None = None
        self.garbage = _garbage(run)
        self.thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> Feed:
        self.thread.start()
        return self

    def _send(self, prod, topic: str, key: bytes | None, value: bytes | None) -> None:  # type: ignore[no-untyped-def]
        prod.send(self.prefix + topic, key=key, value=value)

    def _run(self) -> None:
        try:
            self._feed()
        except BaseException as exc:  # reported by the test
            self.error = exc
        finally:
            self.done.set()

    def _feed(self) -> None:
        prod = producer(self.bootstrap)
        started = time.monotonic()
        sent = 0
        garbage = list(self.garbage)
        for i in range(N):
            if i == self.gate_at:
                prod.flush()
                assert self.gate.wait(180), "the second kill never came"
            v = escalation(self.run, i, _queue(i), text=HOSTILE.get(i), hold=i % 10 == 3,
                           priority=2 if _queue(i) == "safety" else 5)
            self._send(prod, T.ESCALATIONS, v.comment.id.encode(), v.to_json())
            sent += 1
            if i >= 50 and i % 5 == 0:  # a redelivery of an earlier one (often decided by now)
                again = escalation(self.run, i - 50, _queue(i - 50), text=HOSTILE.get(i - 50),
                                   hold=(i - 50) % 10 == 3, priority=2 if _queue(i - 50) == "safety" else 5)
                self._send(prod, T.ESCALATIONS, again.comment.id.encode(), again.to_json())
                sent += 1
            if i % 50 == 10 and i // 50 < HIDES:
                h = hidden(self.run, i // 50)
                self._send(prod, T.AUTO_HIDDEN, h.comment.id.encode(), h.to_json())
                sent += 1
            if i % 120 == 60 and garbage:
                topic, key, value, _ = garbage.pop()
                self._send(prod, topic, key, value)
                sent += 1
            self.produced = i + 1
            ahead = sent / RATE - (time.monotonic() - started)
            if ahead > 0:
                time.sleep(ahead)
        for i in range(N - 50, N, 5):  # the last redeliveries, right away
            again = escalation(self.run, i, _queue(i), text=HOSTILE.get(i), hold=i % 10 == 3,
                               priority=2 if _queue(i) == "safety" else 5)
            self._send(prod, T.ESCALATIONS, again.comment.id.encode(), again.to_json())
        for topic, key, value, _ in garbage:
            self._send(prod, topic, key, value)
        prod.flush()
        # the platform removes the takedown comments (after their items are in, as it would)
        takedown = [escalation(self.run, i).comment.id for i in range(N) if _queue(i) == "takedown"]
        wait_for(lambda: self.store.scalar(
            "SELECT count(*) FROM items WHERE queue = 'takedown'") == len(takedown), 120,
            "the takedown items to be stored")
        for cid in takedown:
            self._send(prod, T.STATE, cid.encode(), removal(cid).to_json())
        for i in range(10):  # removals of comments the console never saw: nothing happens
            cid = f"generic:{self.run}-unknown-{i}"
            self._send(prod, T.STATE, cid.encode(), removal(cid).to_json())
        for i in (1, 2, 4, 5, 6):  # the platform hid these (their review goes on)
            cid = escalation(self.run, i).comment.id
            self._send(prod, T.STATE, cid.encode(), removal(cid, "hide").to_json())
        prod.flush()
        prod.close()


@pytest.fixture
def prefix(kafka_bootstrap: str) -> str:
    p = f"con{uuid.uuid4().hex[:8]}."
    ensure_topics(kafka_bootstrap, partitions=6, prefix=p)
    return p


def test_escalations_to_decisions_through_two_sigkills(kafka_bootstrap: str, prefix: str, db_url: str,
                                                       tmp_path: Path) -> None:
    run = prefix.rstrip(".")
    names = [f"mod{i}" for i in range(MODERATORS)]
    t0 = time.monotonic()
    timeline: dict[str, float] = {}

    def mark(what: str) -> None:
        timeline[what] = round(time.monotonic() - t0, 1)

    add_users(db_url, names)
    store = Store(db_url)
    console = ConsoleProcess.configure(tmp_path, bootstrap=kafka_bootstrap, prefix=prefix,
                                       database_url=db_url).start()
    mods = [Moderator(console.url, n) for n in names]
    for m in mods:
        m.login()
    stop = threading.Event()
    workers = [threading.Thread(target=m.work, args=(stop,), kwargs={"first": i}, daemon=True)
               for i, m in enumerate(mods)]
    for w in workers:
        w.start()
    feed = Feed(kafka_bootstrap, prefix, run, store).start()
    kills: list[dict[str, int]] = []
    worked = N - TAKEDOWN + HIDES
    try:
        for k, at in enumerate((int(N * 0.3), int(N * 0.7))):
            wait_for(lambda at=at: feed.produced >= at or feed.done.is_set(), 120, "the feed")
            before = store.decided()
            wait_for(lambda before=before: store.decided() > before, 60, "decisions to go on")
            kills.append({"produced": feed.produced, "items": store.items(), "decided": store.decided(),
                          "feed_done": feed.done.is_set()})
            mark(f"kill {k + 1}")
            console.kill()
            if k == 1:
                feed.gate.set()
            console.start()
            mark(f"ready again {k + 1}")
        feed.gate.set()
        feed.thread.join(timeout=240)
        mark("fed")
        assert feed.error is None, feed.error
        wait_for(lambda: store.decided() == worked, 180,
                 lambda: f"{store.decided()}/{worked} decided, {store.items()} items\n{console.logs()}")
        mark("all decided")
        stop.set()
        for w in workers:
            w.join(timeout=60)
        wait_for(lambda: store.unpublished() == 0, 60, lambda: f"outbox not empty\n{console.logs()}")
        mark("outbox empty")
        code = console.terminate()
        mark("stopped")
    finally:
        stop.set()
        feed.gate.set()
        console.terminate()
        for m in mods:
            m.close()
        store.close()
    assert code == 0, console.logs()
    assert any(line["msg"] == "console stopped" for line in console.log_lines())

    # the kills came while items were still arriving and moderators deciding
    assert len(kills) == 2 and all(not k["feed_done"] and k["produced"] < N for k in kills), kills
    assert all(k["decided"] > 0 for k in kills), kills

    # every escalation and auto-hidden verdict is exactly one item; nothing else is
    expected = {escalation(run, i).comment.id for i in range(N)} | {hidden(run, i).comment.id
                                                                     for i in range(HIDES)}
    per_comment = store.count_items_by_comment()
    assert set(per_comment) == expected and set(per_comment.values()) == {1}, (
        len(per_comment), Counter(per_comment.values()))
    # the takedown items closed by the platform, undecided; every other item decided once
    states = Counter(r[0] for r in store.rows("SELECT state FROM items"))
    assert states == {"decided": worked, "platform_removed": TAKEDOWN}, states
    removed = store.rows("SELECT queue, platform_state, decision FROM items WHERE state = 'platform_removed'")
    assert {tuple(r) for r in removed} == {("takedown", "removed", None)}
    per_item = Counter(r[0] for r in store.rows("SELECT item_id FROM decisions"))
    assert len(per_item) == worked and set(per_item.values()) == {1}, Counter(per_item.values())
    platform = {r[0]: r[1] for r in store.rows("SELECT comment_id, platform_state FROM items")}
    assert {cid for cid, st in platform.items() if st == "hidden"} == {
        escalation(run, i).comment.id for i in (1, 2, 4, 5, 6)}
    texts = {r[0]: r[1] for r in store.rows("SELECT comment_id, text FROM items")}
    assert texts[escalation(run, 7).comment.id] == "call \ufffd me"  # NUL shown as U+FFFD
    assert texts[escalation(run, 8).comment.id] == HOSTILE[8]
    assert texts[escalation(run, 9).comment.id] == HOSTILE[9]

    # every acknowledged decision is stored; nothing undecided was acknowledged
    decisions = set(store.decision_ids())
    acknowledged = {d for m in mods for d in m.decided}
    assert acknowledged <= decisions, (len(acknowledged), len(decisions))
    assert len(acknowledged) >= worked * 0.9, (len(acknowledged), len(decisions))
    statuses = sum((m.statuses for m in mods), Counter())
    assert all(s < 500 for s in statuses), statuses
    assert not (set(statuses) - {200}), statuses  # no 409 (an item decided twice), no 422

    # moderation.decisions: each decision exactly once; moderation.audit: each decision event once
    records = read_topic(kafka_bootstrap, prefix + T.DECISIONS)
    on_topic = [r.json() for r in records]
    ids = Counter(d["decision_id"] for d in on_topic)
    twice = [(r.partition, r.offset, header_row(r), r.timestamp) for r in records
             if ids[r.json()["decision_id"]] > 1]
    rows = ",".join(h.split(":")[1] for _, _, h, _ in twice[:10] if h)
    marked = rows and store.rows('SELECT id, "partition", "offset", created_at, published_at FROM outbox '
                                 f"WHERE id IN ({rows})")
    assert set(ids) == decisions and set(ids.values()) == {1}, (
        len(ids), len(decisions), sum(ids.values()), twice[:10], marked, console.logs())
    item_of = {r[0]: r[1] for r in store.rows(
        "SELECT d.id, i.comment_id FROM decisions d JOIN items i ON i.id = d.item_id")}
    assert all(Decision.model_validate(d).comment_id == item_of[d["decision_id"]] for d in on_topic)
    audit = [r.json() for r in read_topic(kafka_bootstrap, prefix + T.AUDIT)]
    seqs = Counter(a["seq"] for a in audit)
    assert set(seqs.values()) == {1}, seqs.most_common(3)  # no audit event twice
    decided_events = Counter(a["decision_id"] for a in audit if a["type"] == "decision")
    assert set(decided_events) == decisions and set(decided_events.values()) == {1}
    assert store.audit_ok()

    # the garbage: each record a dead letter of the console's, with its reason (written before
    # its offset is committed: a kill in between writes it again, as every stage does)
    letters = [r.json() for r in read_topic(kafka_bootstrap, prefix + T.DEADLETTER)]
    by_key = {d["key"]: d for d in letters}
    assert len(by_key) == len(feed.garbage), [d["reason"] for d in letters]
    assert len({(d["key"], d["source_partition"], d["source_offset"]) for d in letters}) == len(by_key)
    assert len(letters) - len(by_key) <= len(kills), [d["reason"] for d in letters]
    for topic, key, _, reason in feed.garbage:
        d = by_key[key.decode()]
        assert (d["stage"], d["reason"], d["source_topic"]) == ("console", reason, prefix + topic), d
    print("console kafka:", {"timeline_s": timeline, "kills": kills, "dead_letters": len(letters),
                             "decisions": len(decisions), "acknowledged": len(acknowledged),
                             "unanswered": sum(m.unanswered for m in mods), "statuses": dict(statuses)})


# -- the broker away ------------------------------------------------------------------------------------
@pytest.fixture
def own_broker(kafka_bootstrap: str, tmp_path: Path) -> Iterator[LocalBroker]:
    # kafka_bootstrap: the broker jars are resolved (cached) before this one starts
    broker = LocalBroker(home=home_dir(), instance_dir=tmp_path / "kafka", port=free_port(),
                         controller_port=free_port())
    broker.start(wait_s=120)
    try:
        yield broker
    finally:
        broker.stop()


def _decide(mod: Moderator, n: int, queue: str = "default") -> list[float]:
    """``n`` claim + decide rounds; their durations (each must be answered 200)."""
    took = []
    for _ in range(n):
        t0 = time.monotonic()
        item = mod.next(queue)
        assert item is not None, mod.statuses
        assert mod.decide(item, "hide", "spam") is not None, mod.statuses
        took.append(time.monotonic() - t0)
    return took


def test_decisions_while_the_broker_is_down_reach_kafka_once(own_broker: LocalBroker, tmp_path: Path) -> None:
    """On SQLite only (the relay's store-specific parts, its lease and marks, run on both stores
    in the tests above and below; the broker's two restarts are this test's cost)."""
    db_url = f"sqlite:///{tmp_path}/console.db"
    t0 = time.monotonic()
    timeline: dict[str, float] = {}

    def mark(what: str) -> None:
        timeline[what] = round(time.monotonic() - t0, 1)

    bootstrap = own_broker.bootstrap
    prefix = f"down{uuid.uuid4().hex[:6]}."
    ensure_topics(bootstrap, partitions=6, prefix=prefix)
    run = prefix.rstrip(".")
    add_users(db_url, ["mod"])
    store = Store(db_url)
    console = ConsoleProcess.configure(tmp_path, bootstrap=bootstrap, prefix=prefix,
                                       database_url=db_url).start()
    mod = Moderator(console.url, "mod")
    prod = producer(bootstrap)
    for i in range(60):
        v = escalation(run, i)
        prod.send(prefix + T.ESCALATIONS, key=v.comment.id.encode(), value=v.to_json())
    prod.flush()
    prod.close()
    try:
        wait_for(lambda: store.items() == 60, 60, console.logs)
        mod.login()
        _decide(mod, 10)
        wait_for(lambda: store.unpublished() == 0, 30, console.logs)
        mark("published before")

        # 1. the broker goes away for longer than the relay's send and stop timeouts (10 s each)
        own_broker.stop()
        mark("broker stopped")
        took = _decide(mod, 15)
        assert max(took) < 3, took  # answered without waiting for Kafka
        assert store.unpublished() >= 30  # 15 decisions + 15 audit events wait in the outbox
        time.sleep(22)
        health = console.health()
        assert health is not None and health["outbox"]["backlog"] >= 30, health
        own_broker.start(wait_s=120)
        mark("broker started")
        wait_for(lambda: store.unpublished() == 0, 90, console.logs)
        mark("published after")

        # 2. away again, and the console stopped (SIGTERM) and started while it is
        own_broker.stop()
        mark("broker stopped again")
        _decide(mod, 10)
        started = time.monotonic()
        assert console.terminate(timeout_s=45) == 0, console.logs()
        stop_s = time.monotonic() - started
        console.start(ingest=False)
        mark("console restarted")
        _decide(mod, 10)
        assert store.unpublished() >= 40
        own_broker.start(wait_s=120)
        mark("broker started again")
        wait_for(lambda: store.unpublished() == 0, 90, console.logs)
        mark("published after again")
        console.wait_ready(60)
        mark("ingest back")
    finally:
        console.terminate()
        mod.close()
        store.close()
    decisions = set(store.decision_ids())
    assert len(decisions) == 45 and set(mod.decided) == decisions
    records = read_topic(bootstrap, prefix + T.DECISIONS)
    ids = Counter(r.json()["decision_id"] for r in records)
    assert set(ids) == decisions and set(ids.values()) == {1}, ids.most_common(3)
    assert len({header_row(r) for r in records}) == len(records)
    audit = Counter(a["decision_id"] for a in (r.json() for r in read_topic(bootstrap, prefix + T.AUDIT))
                    if a["type"] == "decision")
    assert set(audit) == decisions and set(audit.values()) == {1}
    assert stop_s < 30, stop_s
    print("broker down:", {"timeline_s": timeline, "decisions": len(decisions),
                           "sigterm_exit_s": round(stop_s, 1),
                           "slowest_decision_s_while_down": round(max(took), 3)})


# -- the relay's reconcile ------------------------------------------------------------------------------
def _decisions(db, n: int, run: str) -> None:  # type: ignore[no-untyped-def]
    """``n`` decisions into the outbox, each with its audit event (two topics: reconcile reads
    each)."""
    from datetime import UTC, datetime

    from streams.console import audit
    from streams.console.outbox import enqueue

    with db.tx() as s:
        for i in range(n):
            d = Decision(decision_id=f"{run}-{uuid.uuid4().hex}", comment_id=f"generic:{run}-{i}",
                         comment_digest="0" * 16, platform="generic", account_id="web:city", action="hide",
                         reason_code="spam", decided_by="mod", decided_at=datetime.now(UTC))
            enqueue(s, T.DECISIONS, d.comment_id, d.to_json())
            audit.record(s, "decision", "mod", comment_id=d.comment_id,
                         details={"decision_id": d.decision_id})


async def _transaction_markers(bootstrap: str, topic: str) -> None:
    """One committed transactional record at the end of every partition: the partition's last
    offset is then a commit marker no consumer ever receives."""
    from aiokafka import AIOKafkaProducer

    prod = AIOKafkaProducer(bootstrap_servers=bootstrap, transactional_id=f"t-{uuid.uuid4().hex}")
    await prod.start()
    try:
        parts = sorted(await prod.partitions_for(topic))
        async with prod.transaction():
            for p in parts:
                await prod.send(topic, b"someone else's", key=b"other", partition=p)
    finally:
        await prod.stop()


def test_reconcile_marks_what_is_on_kafka_instead_of_sending_it_again(kafka_bootstrap: str, prefix: str,
                                                                      db_url: str) -> None:
    from streams.console.db import Database
    from streams.console.outbox import Relay

    db = Database(db_url)
    db.setup()
    store = Store(db_url)
    topic = prefix + T.DECISIONS
    try:
        _decisions(db, 30, "first")

        # the first relay publishes, then "crashes" between Kafka's acknowledgement and the mark
        crashed = Relay(db, kafka_bootstrap, prefix)

        def crash(_done):  # type: ignore[no-untyped-def]
            raise RuntimeError("killed between the broker's ack and the database's mark")

        crashed._mark = crash  # type: ignore[method-assign]

        async def first() -> None:
            with pytest.raises(RuntimeError, match="killed"):
                await crashed.publish_once()
            await crashed._close_producer(10)

        asyncio.run(first())
        assert store.unpublished() == 60
        assert len(read_topic(kafka_bootstrap, topic)) == 30
        assert len(read_topic(kafka_bootstrap, prefix + T.AUDIT)) == 30
        asyncio.run(_transaction_markers(kafka_bootstrap, topic))
        _decisions(db, 5, "second")  # and 5 more to send

        # a new relay (the restarted process) sends only the 5
        relay = Relay(db, kafka_bootstrap, prefix)

        async def second() -> int:
            moved = 0
            started = time.monotonic()
            while store.unpublished() and time.monotonic() - started < 60:
                moved += await relay.publish_once()
            await relay._close_producer(10)
            return moved

        started = time.monotonic()
        assert asyncio.run(second()) == 10
        took = time.monotonic() - started
        assert relay.stats.reconciled == 60 and relay.stats.published == 10
        assert store.unpublished() == 0
        for name, logical in ((topic, T.DECISIONS), (prefix + T.AUDIT, T.AUDIT)):
            ours = [r for r in read_topic(kafka_bootstrap, name) if header_row(r) is not None]
            rows = Counter(header_row(r) for r in ours)
            assert len(rows) == 35 and set(rows.values()) == {1}, (name, rows.most_common(3))
            marked = {(r[0], r[1]) for r in store.rows(
                'SELECT "partition", "offset" FROM outbox WHERE published_at IS NOT NULL AND topic = :t',
                t=logical)}
            assert marked == {(r.partition, r.offset) for r in ours}  # each row marked where it lies
        assert took < 15, took  # the commit markers at the end do not hold reconcile up
    finally:
        store.close()
        db.dispose()
