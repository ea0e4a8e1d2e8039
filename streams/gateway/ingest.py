"""Dedupe, write, wait for the acknowledgements: the path every request and poll page takes.

For each event of a batch: skip it if its dedupe key is known (a redelivery) or repeated within
the batch; if another request is writing the same key right now (X sends one copy per subscribed
user, often at the same instant), wait for that write instead of writing again; otherwise write
it (comments → ``comments.incoming``, the agency's own comments → ``comments.agency_replies``,
state changes → ``comments.state``, unusable items → ``comments.deadletter``), keyed by comment
id. The key is recorded once the write is acknowledged.
If any write of the batch is not acknowledged within the timeout, :class:`IngestFailed` is raised
(the caller answers 503 and the platform redelivers; what did get written is then a duplicate).
A write that times out keeps going in the background: if it lands later its key is recorded too.

Per-item problems are permanent, not broker trouble, and never fail the batch: a comment whose
record is over ``kafka.max_comment_bytes`` (``gateway_item_too_large``), one that cannot be
encoded (``gateway_unencodable``) or one Kafka refuses for good, e.g. as too large
(``gateway_write_rejected``) goes to the dead-letter topic instead (counted ``invalid``); dead
letters keep at most ``kafka.deadletter_raw_bytes`` of the raw item, so they always fit. Only if
even the dead letter is refused is the item counted ``rejected`` (logged; the request still
answers 200: a redelivery could not do better).
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import json
import time
from dataclasses import dataclass, field

from civicmod.contract import topics as T
from civicmod.contract.records import DeadLetter
from streams.gateway.dedupe import Dedupe
from streams.gateway.events import AgencyReply, Batch, CommentEvent, Event, Invalid, StateEvent
from streams.gateway.logs import log
from streams.gateway.metrics import GatewayMetrics
from streams.gateway.normalize.common import unencodable_error
from streams.kafka.sink import BrokerUnavailable, KafkaSink, RecordRefused

Record = tuple[str, bytes, bytes, list[tuple[str, bytes]]]
#: A batch's writes are started this many at a time, with the event loop free in between (the
#: sink then hands them to the producer in slices of its own, ``sink.HAND_SLICE``): a
#: 2,500-comment batch otherwise holds the loop for ~50 ms.
SLICE = 128
#: What became of one written item (the IngestResult field it counts in).
OUTCOMES = {CommentEvent: "written", AgencyReply: "agency_replies", StateEvent: "state",
            Invalid: "invalid"}


@dataclass
class IngestResult:
    written: int = 0  # comment versions on comments.incoming
    agency_replies: int = 0  # the agency's own comments on comments.agency_replies
    state: int = 0  # state changes on comments.state
    invalid: int = 0  # unusable items on comments.deadletter
    duplicates: int = 0
    ignored: int = 0
    failed: int = 0  # not acknowledged in time: the request got 503
    rejected: int = 0  # refused by Kafka for good, and its dead letter too

    def as_dict(self) -> dict[str, int]:
        return {"written": self.written, "agency_replies": self.agency_replies,
                "state": self.state, "invalid": self.invalid,
                "duplicates": self.duplicates, "ignored": self.ignored, "failed": self.failed,
                "rejected": self.rejected}


class IngestFailed(BrokerUnavailable):
    def __init__(self, result: IngestResult) -> None:
        super().__init__(f"{result.failed} record(s) not acknowledged by Kafka in time")
        self.result = result


class Ingestor:
    def __init__(self, sink: KafkaSink, dedupe: Dedupe, prefix: str, metrics: GatewayMetrics,
                 timeout_s: float, max_comment_bytes: int = 256 * 1024,
                 deadletter_raw_bytes: int = 64 * 1024) -> None:
        self.sink = sink
        self.dedupe = dedupe
        self.metrics = metrics
        self.timeout_s = timeout_s
        self.max_comment_bytes = max_comment_bytes
        self.deadletter_raw_bytes = deadletter_raw_bytes
        self.topics = {CommentEvent: T.physical(T.INCOMING, prefix),
                       AgencyReply: T.physical(T.AGENCY_REPLIES, prefix),
                       StateEvent: T.physical(T.STATE, prefix),
                       Invalid: T.physical(T.DEADLETTER, prefix)}
        self._pending: dict[str, _Write] = {}
        # read when scraped: no gauge update per write
        metrics.pending.set_function(lambda: len(self._pending))

    # -- records ----------------------------------------------------------------------------------
    @staticmethod
    def _headers(platform: str, webhook_id: str, verb: str | None = None) -> list[tuple[str, bytes]]:
        headers = [("civicmod-source", f"gateway:{platform}".encode()),
                   ("civicmod-webhook-id", webhook_id.encode("utf-8", "replace"))]
        if verb is not None:
            headers.append(("civicmod-verb", verb.encode()))
        return headers

    def _record(self, ev: Event, platform: str, webhook_id: str) -> Record:
        """The Kafka record of ``ev``; raises :class:`_Unusable` for an item that must be
        dead-lettered instead (too large, not encodable)."""
        topic = self.topics[type(ev)]
        if isinstance(ev, CommentEvent):
            try:
                value = ev.value
            except (ValueError, UnicodeError):
                raise _Unusable("gateway_unencodable", unencodable_error(ev.comment)) from None
            if len(value) > self.max_comment_bytes:
                raise _Unusable("gateway_item_too_large",
                                f"comment record has {len(value)} bytes, limit "
                                f"{self.max_comment_bytes} (kafka.max_comment_bytes)", value)
            return topic, ev.comment.id.encode(), value, self._headers(platform, webhook_id, ev.verb)
        if isinstance(ev, StateEvent):
            try:
                value = ev.value
            except (ValueError, UnicodeError):
                raise _Unusable("gateway_unencodable", unencodable_error(ev.state)) from None
            return (topic, ev.state.comment_id.encode(), value,
                    self._headers(platform, webhook_id, ev.state.verb))
        return self._dead_record(ev, platform, webhook_id)

    def _dead_record(self, ev: Invalid, platform: str, webhook_id: str) -> Record:
        dead = DeadLetter.of(ev.raw, ev.reason, ev.error, "gateway", f"webhook:{platform}",
                             self.deadletter_raw_bytes, key=webhook_id)
        key = ev.record_key if ev.record_key is not None else ev.key
        return (self.topics[Invalid], key.encode("utf-8", "replace"), dead.to_json(),
                self._headers(platform, webhook_id))

    @staticmethod
    def _as_invalid(ev: Event, platform: str, reason: str, error: str,
                    raw: bytes | None = None) -> Invalid:
        """``ev`` as a dead-letter item (keyed by its comment id when it has one)."""
        if isinstance(ev, Invalid):
            return Invalid(ev.raw, error, platform, reason, ev.record_key)
        model = ev.comment if isinstance(ev, CommentEvent) else ev.state
        record_key = ev.comment.id if isinstance(ev, CommentEvent) else ev.state.comment_id
        if raw is None:
            raw = _model_bytes(model)
        return Invalid(raw, error, platform, reason, record_key.encode("utf-8", "replace").decode())

    # -- writes -------------------------------------------------------------------------------------
    def _start(self, key: str, ev: Event, platform: str, webhook_id: str) -> _Write:
        """Begin writing ``ev`` (or its dead letter). The write is done once Kafka acknowledged
        it (its ``outcome``: written, agency_replies, state, invalid or rejected) or did not
        (its ``error``: BrokerUnavailable when the broker does not take the record). No task
        and no future per write: the sink's acknowledgement calls :meth:`_acked`, which wakes
        the requests waiting on it (a task only for a record Kafka refuses)."""
        w = _Write(key, ev, platform, webhook_id, time.monotonic())
        self._pending[key] = w
        try:
            try:
                record = self._record(ev, platform, webhook_id)
            except _Unusable as bad:
                w.ev = self._as_invalid(ev, platform, bad.reason, bad.error, bad.raw)
                record = self._dead_record(w.ev, platform, webhook_id)
            self.sink.submit_to(*record, functools.partial(self._acked, w))
        except Exception as exc:  # BrokerUnavailable (not connected), or a bug (500): reported
            self._finish(w, None, exc)  # to the request, never a key left "being written"
        return w

    def _acked(self, w: _Write, exc: BaseException | None) -> None:
        """The broker answered (``exc`` None: acknowledged), or the write was given up."""
        if exc is None:
            try:
                outcome = self._written(w, OUTCOMES[type(w.ev)])
            except Exception as bug:  # reaches the request as a 500, never a hung write
                self._finish(w, None, bug)
            else:
                self._finish(w, outcome, None)
        elif isinstance(exc, RecordRefused):
            task = asyncio.get_running_loop().create_task(self._refused(w, exc))
            task.add_done_callback(functools.partial(self._refused_done, w))
        else:
            self._finish(w, None, exc)

    async def _refused(self, w: _Write, exc: RecordRefused) -> str:
        """Kafka refused the record for good: write a dead letter instead (unless it was one)."""
        outcome = "rejected"
        if not isinstance(w.ev, Invalid):  # e.g. the topic's own limit is lower than the gateway's
            w.ev = self._as_invalid(w.ev, w.platform, "gateway_write_rejected",
                                    f"Kafka refused the record: {exc}")
            try:
                await self.sink.write(*self._dead_record(w.ev, w.platform, w.webhook_id))
                outcome = "invalid"
            except RecordRefused:
                pass
        if outcome == "rejected":
            log.warning("record refused by Kafka", extra={
                "webhook_id": w.webhook_id, "platform": w.platform, "error": str(exc)[:200]})
        return self._written(w, outcome)

    def _refused_done(self, w: _Write, task: asyncio.Task[str]) -> None:
        if task.cancelled():
            self._finish(w, None, BrokerUnavailable("write cancelled"))
        elif (exc := task.exception()) is not None:
            self._finish(w, None, exc)
        else:
            self._finish(w, task.result(), None)

    def _written(self, w: _Write, outcome: str) -> str:
        """Count an acknowledged write and record its dedupe key."""
        if isinstance(w.ev, Invalid) and outcome == "invalid":
            self.metrics.deadletters.labels(w.platform, w.ev.reason).inc()
        self.metrics.ack_seconds.observe(time.monotonic() - w.started)
        self.dedupe.remember(w.key, w.webhook_id)
        return outcome

    def _finish(self, w: _Write, outcome: str | None, error: BaseException | None) -> None:
        """The write is done: no longer pending, and the requests waiting on it are told."""
        w.outcome, w.error, w.done = outcome, error, True
        if self._pending.get(w.key) is w:
            del self._pending[w.key]
        waiting, w.waiting = w.waiting, []
        for wait in waiting:
            wait.one_done()

    @property
    def pending(self) -> int:
        return len(self._pending)

    async def ingest(self, platform: str, batch: Batch, webhook_id: str) -> IngestResult:
        """Write what is new in ``batch``; return the counts or raise :class:`IngestFailed`."""
        res = IngestResult()
        if batch.ignored:
            res.ignored = sum(batch.ignored.values())
            for reason, n in batch.ignored.items():
                self.metrics.ignored.labels(platform, reason).inc(n)
        for reason, n in batch.notes.items():
            self.metrics.notes.labels(platform, reason).inc(n)
        writes: list[tuple[_Write, bool]] = []
        keys: set[str] = set()
        for i, ev in enumerate(batch.events):
            if i and not i % SLICE:
                await asyncio.sleep(0)  # a large batch: let the other webhooks in between
            try:
                key = ev.key
                key.encode()
            except (ValueError, UnicodeError):  # e.g. a text UTF-8 cannot encode
                model = ev.comment if isinstance(ev, CommentEvent) else getattr(ev, "state", None)
                ev = self._as_invalid(ev, platform, "gateway_unencodable", unencodable_error(model))
                key = ev.key
            if key in keys or self.dedupe.contains(key):
                res.duplicates += 1
                continue
            keys.add(key)
            write = self._pending.get(key)
            if write is not None:
                writes.append((write, False))  # someone else is writing it: wait for that
            else:
                writes.append((self._start(key, ev, platform, webhook_id), True))
        if writes:
            await _all_done([w for w, _ in writes], self.timeout_s)
        bug: BaseException | None = None
        for write, mine in writes:
            if not write.done:
                res.failed += 1
            elif write.error is not None:
                res.failed += 1
                if not isinstance(write.error, BrokerUnavailable):
                    bug = write.error
            elif not mine:
                res.duplicates += 1
            else:
                outcome = write.outcome
                setattr(res, outcome, getattr(res, outcome) + 1)  # type: ignore[arg-type]
        for outcome, n in (("written", res.written), ("agency_reply", res.agency_replies),
                           ("state", res.state), ("invalid", res.invalid),
                           ("duplicate", res.duplicates), ("failed", res.failed),
                           ("rejected", res.rejected)):
            if n:
                self.metrics.event(platform, outcome, n)
        if bug is not None:  # not the broker: a bug in the gateway (answered 500, logged)
            raise bug
        if res.failed:
            raise IngestFailed(res)
        return res


class _Wait:
    """One request waiting for its writes: ``future`` is set once the last is done (or the
    timeout passed)."""

    __slots__ = ("future", "left")

    def __init__(self, left: int, future: asyncio.Future[None]) -> None:
        self.left, self.future = left, future

    def one_done(self) -> None:
        self.left -= 1
        if not self.left and not self.future.done():
            self.future.set_result(None)

    def expire(self) -> None:
        if not self.future.done():
            self.future.set_result(None)


async def _all_done(writes: list[_Write], timeout_s: float) -> None:
    """Return once every write is done or ``timeout_s`` passed (one future and one timer for
    the request; the writes tell it directly, without a callback turn each)."""
    pending = [w for w in writes if not w.done]
    if not pending:
        return
    loop = asyncio.get_running_loop()
    wait = _Wait(len(pending), loop.create_future())
    for w in pending:
        w.waiting.append(wait)
    timer = loop.call_later(timeout_s, wait.expire)
    try:
        await wait.future
    finally:
        timer.cancel()
        for w in pending:
            if not w.done:
                w.waiting.remove(wait)


@dataclass(slots=True)
class _Write:
    """One write in flight, then its result: what :meth:`Ingestor._acked` needs once Kafka
    answers, and the requests waiting on it (the one that started it, and any that sent the
    same comment meanwhile)."""

    key: str
    ev: Event
    platform: str
    webhook_id: str
    started: float
    done: bool = False
    outcome: str | None = None
    error: BaseException | None = None
    waiting: list[_Wait] = field(default_factory=list)


class _Unusable(Exception):
    def __init__(self, reason: str, error: str, raw: bytes | None = None) -> None:
        super().__init__(error)
        self.reason, self.error, self.raw = reason, error, raw


def _model_bytes(model: CommentEvent | StateEvent | object) -> bytes:
    """A record's JSON for its dead letter, ASCII so that a lone surrogate cannot break it."""
    try:
        data = model.model_dump(mode="json", by_alias=True, exclude_none=True)  # type: ignore[attr-defined]
        return json.dumps(data, ensure_ascii=True, separators=(",", ":")).encode("ascii")
    except Exception:
        text = repr(model).encode("utf-8", "replace")
        return b"<unserializable record sha256=" + hashlib.sha256(text).hexdigest().encode() + b">"
