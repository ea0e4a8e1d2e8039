"""The stage's order and failure handling, with a fake producer (no broker)."""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from aiokafka.errors import KafkaTimeoutError, MessageSizeTooLargeError

from civicmod.contract.records import Author, Comment
from civicmod.contract.topics import DEADLETTER, OUTCOME_TOPICS, PROGRESS_LOG
from civicmod.verdict.judge import Judge
from rules import builtin_ruleset
from streams.moderate.moderator import Moderator, Output, RawMessage
from streams.moderate.progress import InFlight, Progress
from streams.moderate.stage import Stage

from fault_classifier import FaultClassifier


class FakeSender:
    """Records what is sent, in order; ``fail(record) -> exception | None`` injects errors."""

    def __init__(self, fail=None) -> None:
        self.sent: list[Output] = []
        self.fail = fail or (lambda rec: None)
        self.pushes = 0

    async def send_now(self) -> None:
        self.pushes += 1

    async def send(self, record: Output):
        fut = asyncio.get_running_loop().create_future()
        exc = self.fail(record)
        if exc is None:
            self.sent.append(record)
            fut.set_result("ok")
        else:
            fut.set_exception(exc)
        return fut

    async def send_many(self, records):
        return [await self.send(rec) for rec in records]


class LocalProgress(Progress):
    def __init__(self, me: str = "me") -> None:
        self.me, self.slots, self.recalls, self.foreign, self.pending = me, 1024, {}, {}, []
        self.own, self.chunks = {}, {}


def _moderator(progress=None) -> Moderator:
    judge = Judge(builtin_ruleset(["City of Example Council"]), FaultClassifier(),
                  hide_thresholds={"threat": 0.9}, escalate_thresholds={"*": 0.7})
    return Moderator(judge, ThreadPoolExecutor(1), progress=progress)


def _msg(i: int, text: str = "Nice park", partition: int = 0) -> RawMessage:
    c = Comment(id=f"x:{i}", platform="x", account_id="acct", author=Author(id="u"), text=text)
    return RawMessage(f"x:{i}".encode(), c.to_json(), "comments.incoming", partition, i, None)


def _stage(sender, progress=None) -> Stage:
    stage = Stage(_moderator(progress), sender, progress, max_backoff_s=0.01)
    stage.need_sync = False
    return stage


def test_state_is_written_before_verdicts_and_marks_before_both():
    progress = LocalProgress()
    sender = FakeSender()
    asyncio.run(_stage(sender, progress).run([_msg(1), _msg(2), _msg(3, partition=1)]))
    kinds = [(r.topic, r.key.decode().split("|")[0]) for r in sender.sent]
    assert kinds[:2] == [(PROGRESS_LOG, "f"), (PROGRESS_LOG, "f")]  # one mark per partition
    # the first outcomes: one chunk per partition
    assert sorted(r.key for r in sender.sent[2:4]) == [b"c|0|1-2", b"c|1|3-3"]
    assert [json.loads(r.value)["e"][0][0] for r in sender.sent[2:4]] in ([1, 3], [3, 1])
    assert len(json.loads(sender.sent[2].value)["e"]) + len(json.loads(sender.sent[3].value)["e"]) == 3
    assert [t for t, _ in kinds[4:]] == [OUTCOME_TOPICS["publish"]] * 3
    marks = {json.loads(r.value)["a"]: json.loads(r.value) for r in sender.sent[:2]}
    assert marks[1]["b"] == 2 and marks[3]["b"] == 3 and marks[1]["n"] == 0
    assert sender.pushes == 3  # marks, state, verdicts: each sent at once, not after the linger


class BatchSender(FakeSender):
    """Hands all the records of a call over as one batch with one future, as the producer
    does per partition: a record the broker refuses fails the whole batch."""

    def __init__(self, fail=None) -> None:
        super().__init__(fail)
        self.calls: list[int] = []

    async def send_many(self, records):
        self.calls.append(len(records))
        fut = asyncio.get_running_loop().create_future()
        errors = [e for e in map(self.fail, records) if e is not None]
        if errors:
            fut.set_exception(errors[0])
        else:
            self.sent += records
            fut.set_result("ok")
        return [fut] * len(records)


def _refuse_x2(rec: Output):
    if rec.topic == OUTCOME_TOPICS["publish"] and rec.key == b"x:2":
        return MessageSizeTooLargeError("The message is 2000000 bytes")
    return None


@pytest.mark.parametrize("sender_class", [FakeSender, BatchSender], ids=["per record", "one batch"])
def test_a_verdict_the_broker_refuses_for_good_is_dead_lettered_the_rest_go_out(sender_class):
    """Per record, or handed over with the others as one batch that fails together: only the
    refused verdict becomes a dead letter (the batch is sent again record by record)."""
    sender = sender_class(_refuse_x2)
    stage = _stage(sender)
    asyncio.run(stage.run([_msg(1), _msg(2), _msg(3)]))
    verdicts = [r.key for r in sender.sent if r.topic == OUTCOME_TOPICS["publish"]]
    assert verdicts == [b"x:1", b"x:3"]
    (dead,) = [json.loads(r.value) for r in sender.sent if r.topic == DEADLETTER]
    assert dead["reason"] == "verdict_undeliverable" and dead["source_offset"] == 2
    assert "MessageSizeTooLargeError" in dead["error"]
    assert not stage.counts["send_retries"]
    if sender_class is BatchSender:
        assert sender.calls[-5:] == [3, 1, 1, 1, 1]  # the batch, each alone, then the dead letter


def test_transient_failures_are_retried_until_kafka_takes_the_records():
    attempts = {"n": 0}

    def fail(rec: Output):
        if rec.topic == OUTCOME_TOPICS["publish"] and attempts["n"] < 3:
            attempts["n"] += 1
            return KafkaTimeoutError()
        return None

    sender = FakeSender(fail)
    stage = _stage(sender)
    asyncio.run(stage.run([_msg(1)]))
    assert [r.key for r in sender.sent if r.topic == OUTCOME_TOPICS["publish"]] == [b"x:1"]
    assert stage.counts["send_retries"] == 3 and not stage.counts["undeliverable"]


def test_messages_another_worker_stopped_on_are_judged_alone_each_marked_first():
    progress = LocalProgress()
    progress.foreign[0] = InFlight("dead-worker", 1, 2, 0)
    sender = FakeSender()
    stage = _stage(sender, progress)
    asyncio.run(stage.run([_msg(1), _msg(2), _msg(3)]))
    marks = [json.loads(r.value) for r in sender.sent if r.key.startswith(b"f|")]
    assert [(m["a"], m["b"], m["n"]) for m in marks] == [(1, 1, 1), (2, 2, 1), (3, 3, 0)]
    assert stage.counts["judged_alone"] == 2
    assert sorted(r.key for r in sender.sent if r.topic == OUTCOME_TOPICS["publish"]) == \
        [b"x:1", b"x:2", b"x:3"]


def test_a_message_that_stopped_a_worker_twice_is_judged_alone_once_more():
    progress = LocalProgress()
    progress.foreign[0] = InFlight("dead-worker", 7, 7, 1)  # alone, and stopped a worker again
    sender = FakeSender()
    stage = _stage(sender, progress)
    asyncio.run(stage.run([_msg(7)]))
    marks = [json.loads(r.value) for r in sender.sent if r.key.startswith(b"f|")]
    assert (marks[0]["a"], marks[0]["b"], marks[0]["n"]) == (7, 7, 2)
    assert not [r for r in sender.sent if r.topic == DEADLETTER]
    assert [r.key for r in sender.sent if r.topic == OUTCOME_TOPICS["publish"]] == [b"x:7"]


def test_a_message_that_stopped_workers_three_times_is_set_aside_and_escalated():
    progress = LocalProgress()
    progress.foreign[0] = InFlight("dead-worker", 7, 7, 2)  # its batch, then alone twice
    sender = FakeSender()
    stage = _stage(sender, progress)
    asyncio.run(stage.run([_msg(7), _msg(8)]))
    (dead,) = [json.loads(r.value) for r in sender.sent if r.topic == DEADLETTER]
    assert dead["reason"] == "worker_crash" and dead["source_offset"] == 7
    assert "3 times" in dead["error"]
    (held,) = [json.loads(r.value) for r in sender.sent if r.topic == OUTCOME_TOPICS["escalate"]]
    assert held["comment"]["id"] == "x:7" and held["escalation"]["hold"] is True
    assert held["reasons"][0]["id"] == "system.worker_crash"
    assert [r.key for r in sender.sent if r.topic == OUTCOME_TOPICS["publish"]] == [b"x:8"]
    assert stage.counts["worker_crash"] == 1
    assert stage.moderator.stats.unjudged["system.worker_crash"] == 1


def test_a_set_aside_message_that_is_not_a_comment_is_only_dead_lettered():
    progress = LocalProgress()
    progress.foreign[0] = InFlight("dead-worker", 7, 7, 2)
    sender = FakeSender()
    stage = _stage(sender, progress)
    bad = RawMessage(b"x:7", b"{not json", "comments.incoming", 0, 7, None)
    asyncio.run(stage.run([bad]))
    (dead,) = [json.loads(r.value) for r in sender.sent if r.topic == DEADLETTER]
    assert dead["reason"] == "worker_crash"
    assert not [r for r in sender.sent if r.topic == OUTCOME_TOPICS["escalate"]]


def test_a_message_judged_before_the_stop_is_not_a_suspect_and_keeps_its_outcome():
    progress = LocalProgress()
    first = _msg(5)
    asyncio.run(_stage(FakeSender(), progress).run([first]))  # judged: its outcome recorded
    progress.foreign[0] = InFlight("dead-worker", 5, 5, 1)  # ...then its worker was killed
    sender = FakeSender()
    asyncio.run(_stage(sender, progress).run([first]))
    assert not [r for r in sender.sent if r.topic == DEADLETTER]
    assert [r.key for r in sender.sent if r.topic == OUTCOME_TOPICS["publish"]] == [b"x:5"]


def test_own_marks_are_not_suspects_and_do_not_hide_a_dead_workers_range():
    progress = LocalProgress("me")
    progress._on_record("f|0", json.dumps({"w": "me", "a": 1, "b": 5, "n": 0}).encode(), 0)
    sender = FakeSender()
    stage = _stage(sender, progress)
    asyncio.run(stage.run([_msg(1), _msg(2)]))  # a rebalance gave this worker its own batch back
    assert not stage.counts["judged_alone"]
    # a dead worker's range, reached only after judging earlier redelivered messages (which
    # marks the partition with our own marks), is still suspect
    progress._on_record("f|0", json.dumps({"w": "dead", "a": 10, "b": 12, "n": 0}).encode(), 0)
    asyncio.run(stage.run([_msg(8), _msg(9)]))
    progress._on_record("f|0", json.dumps({"w": "me", "a": 8, "b": 9, "n": 0}).encode(), 0)
    asyncio.run(stage.run([_msg(10), _msg(11), _msg(13)]))
    assert stage.counts["judged_alone"] == 2


class HeldSender(FakeSender):
    """Acknowledges records to one topic (and, with ``key_prefix``, whose key starts with it)
    only when ``release`` is set."""

    def __init__(self, held_topic: str, key_prefix: bytes = b"") -> None:
        super().__init__()
        self.held_topic, self.key_prefix, self.release = held_topic, key_prefix, asyncio.Event()

    async def send(self, record: Output):
        if record.topic != self.held_topic or not record.key.startswith(self.key_prefix):
            return await super().send(record)
        self.sent.append(record)
        fut = asyncio.get_running_loop().create_future()

        async def later() -> None:
            await self.release.wait()
            fut.set_result("ok")

        fut.later = asyncio.ensure_future(later())  # type: ignore[attr-defined]
        return fut


def test_start_returns_once_the_state_is_acknowledged_with_the_verdicts_still_in_flight():
    """``Stage.start`` hands the verdicts on and returns; what it returns finishes only when the
    broker acknowledged them (the consumer commits after that)."""
    publish = OUTCOME_TOPICS["publish"]

    async def scenario() -> None:
        progress = LocalProgress()
        sender = HeldSender(publish)
        stage = _stage(sender, progress)
        verdicts = await asyncio.wait_for(stage.start([_msg(1), _msg(2)]), 5)
        await asyncio.sleep(0.05)  # the task hands the verdicts over
        assert [r.topic for r in sender.sent].count(publish) == 2, "handed to the producer"
        assert {r.topic for r in sender.sent} == {PROGRESS_LOG, publish}
        assert not verdicts.done(), "in flight until the broker acknowledges them"
        sender.release.set()
        await asyncio.wait_for(verdicts, 5)
        # and the next batch can be judged while a batch's verdicts are in flight
        sender.release.clear()
        more = await asyncio.wait_for(stage.start([_msg(3)]), 5)
        second = await asyncio.wait_for(stage.start([_msg(4)]), 5)
        assert not more.done() and not second.done()
        sender.release.set()
        await asyncio.wait_for(asyncio.gather(more, second), 5)
        assert [json.loads(r.value)["comment"]["id"] for r in sender.sent if r.topic == publish] \
            == ["x:1", "x:2", "x:3", "x:4"]

    asyncio.run(scenario())


def test_start_waits_for_the_state_and_flush_state_never_writes_in_the_middle_of_a_batch():
    """The first outcomes are acknowledged before ``start`` returns (before any verdict is
    handed over); state drained from outside (a policy reload) waits for the batch."""
    publish = OUTCOME_TOPICS["publish"]

    async def scenario() -> None:
        sender = HeldSender(PROGRESS_LOG, key_prefix=b"c|")  # the first-outcome chunks
        stage = _stage(sender, LocalProgress())
        starting = asyncio.ensure_future(stage.start([_msg(1), _msg(2)]))
        await asyncio.sleep(0.05)
        assert not starting.done(), "start waits for the state's acknowledgement"
        assert not [r for r in sender.sent if r.topic == publish], "no verdict before the state"
        flushing = asyncio.ensure_future(stage.flush_state())
        await asyncio.sleep(0.05)
        assert not flushing.done(), "state is not drained from outside in the middle of a batch"
        sender.release.set()
        await asyncio.wait_for(await asyncio.wait_for(starting, 5), 5)
        await asyncio.wait_for(flushing, 5)
        assert [r.topic for r in sender.sent].count(publish) == 2

    asyncio.run(scenario())


def test_the_services_batch_handler_returns_the_verdicts_task_and_cancels_it_when_cancelled():
    """The batch consumer commits a batch once what its handler returned is done: the worker's
    handler must return the stage's verdicts task (None would read as "all acknowledged")."""
    from types import SimpleNamespace

    from streams.moderate.service import ModerateService

    record = SimpleNamespace(key=b"x:1", value=_msg(1).value, topic="comments.incoming",
                             partition=0, offset=1, timestamp=None)

    async def scenario(block_alerts: bool) -> tuple[object, asyncio.Future]:
        verdicts = asyncio.get_running_loop().create_future()

        async def start(batch):
            return verdicts

        async def send_alerts():
            if block_alerts:
                await asyncio.Event().wait()

        fake = SimpleNamespace(stage=SimpleNamespace(start=start), send_alerts=send_alerts)
        handling = asyncio.ensure_future(ModerateService.batch(fake, [record]))
        await asyncio.sleep(0.01)
        if block_alerts:
            handling.cancel()
            await asyncio.gather(handling, return_exceptions=True)
            return None, verdicts
        return await handling, verdicts

    returned, verdicts = asyncio.run(scenario(False))
    assert returned is verdicts and not verdicts.done()
    _, verdicts = asyncio.run(scenario(True))
    assert verdicts.cancelled(), "a cancelled handler leaves no verdicts task behind"
