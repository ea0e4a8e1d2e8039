"""Stateful signals for the rules, kept in two Kafka topics that every worker follows.

Each judged comment becomes a small event (``rules.signals.comment_event``; a hidden one also a
strike, ``hidden_event``) written to the ``signals`` log topic: a batch's events go together, as
one JSON list keyed by ``<worker>|<sequence>`` (older workers wrote one event per record, keyed
``<kind>|<comment id>``; both are read).
Every worker reads the whole log at start (the ``moderate`` agent waits until it has, up to
``READY_TIMEOUT_S``), then keeps following it, folding each event into its in-memory
``rules.signals.SignalState``, which answers the rules' questions (author comments in the last
10 minutes, strikes in 24 h, distinct authors of the same text...). Events carry their comment id,
so there is no read-modify-write race between workers and a redelivered comment counts once.
A worker applies its own events at once (and skips them when it reads them back), others'
within the log round trip (well under a second on a healthy cluster). The log keeps 7 days,
the longest window a signal may use.

The logs are read with a plain consumer outside the consumer group, not as Faust tables: a
Faust table makes every rebalance a recovery, and a worker restarted while comments were
arriving sometimes skipped or stalled on them (Faust drops what it fetched during recovery).

Only what the loaded policy reads is recorded: no signal rule, no events; text signals only
when a rule reads ``same_text_authors_*`` or ``author_same_text_*``.

The ``rule-first-seen`` topic (compacted) keeps when each hide rule's exact content was first
seen, for the new-rule guardrail (``rules.guardrail``), so a restart does not make rules look new.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from civicmod.contract import topics as T
from civicmod.contract.records import Comment, Verdict
from civicmod.contract.wire import dumps
from rules.guardrail import HideGuardrail
from rules.signals import SignalSpec, SignalState, comment_event, hidden_event, text_key
from streams.kafka.state_table import KafkaTable
from streams.moderate.moderator import Output

log = logging.getLogger("civicmod.signals")

#: Events per record on the signals log (~100 bytes each: far below the record size limit).
EVENTS_PER_RECORD = 256
#: How long the agent waits for the signal logs to be read before judging anyway.
READY_TIMEOUT_S = 120.0


class StreamSignals:
    """The worker's view of the signals; the Judge reads it and reports verdicts to it."""

    def __init__(self, app: Any, bootstrap: str, needed: Callable[[Comment], Sequence[SignalSpec]],
                 guardrail: HideGuardrail | None = None, clock: Callable[[], float] = time.time,
                 worker_id: str = "worker") -> None:
        self.state = SignalState()
        self.worker_id = worker_id
        self.needed = needed
        self.guardrail = guardrail
        self.clock = clock
        #: Events judged since the last drain (applied here already), written as one record.
        self.pending: list[dict[str, object]] = []
        #: Records this worker wrote, by key: skipped (already applied) when read back.
        self.own: dict[str, bytes] = {}
        self._sequence = 0
        self._writer = f"{worker_id}-{uuid.uuid4().hex[:6]}"
        self.events_seen = 0
        #: Events (or whole records that were not JSON) read back and refused as malformed.
        self.events_refused = 0
        app_id = app.conf.id
        self.signals_topic = app.topic(T.state_log(app_id, T.SIGNALS_LOG), key_type=bytes,
                                       value_type=bytes)
        self.rules_topic = app.topic(T.state_log(app_id, T.RULES_LOG), key_type=bytes,
                                     value_type=bytes)
        self._readers = [
            KafkaTable(bootstrap, self.signals_topic.get_topic_name(), None, "signals",
                       on_record=self._on_signal, partitions=[0], log=log),
            KafkaTable(bootstrap, self.rules_topic.get_topic_name(), None, "rule-first-seen",
                       on_record=self._on_rule, partitions=[0], log=log),
        ]

    # --- the logs → state ---------------------------------------------------------------------
    def follow(self) -> None:
        """Start reading both logs from the beginning, then following them (in the loop)."""
        for reader in self._readers:
            reader.start()

    async def wait_ready(self, timeout_s: float = READY_TIMEOUT_S) -> bool:
        """Wait until both logs have been read up to where they ended at start."""
        try:
            await asyncio.wait_for(asyncio.gather(*(r.loaded.wait() for r in self._readers)),
                                   timeout_s)
            return True
        except TimeoutError:
            log.warning("signal logs not read within %.0f s: judging with what has been read "
                        "(%d events)", timeout_s, self.events_seen)
            return False

    def reader_tasks(self) -> list[Any]:
        return [r.task for r in self._readers]

    async def stop(self) -> None:
        for reader in self._readers:
            await reader.stop()

    def _on_signal(self, key: str, value: bytes | None, timestamp_ms: int) -> None:
        if not value:
            return
        if self.own and self.own.pop(key, None) == value:  # ours, applied when judged
            self.events_seen += value.count(b'"k":')
            return
        try:
            events = json.loads(value)
        except ValueError:
            self.events_refused += 1
            log.warning("ignoring a signal record that is not JSON %r", key[:80])
            return
        for ev in events if isinstance(events, list) else [events]:
            try:  # one bad event skips only itself
                self.state.apply(ev)
                self.events_seen += 1
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                self.events_refused += 1
                log.warning("ignoring a malformed signal event in %r: %s", key[:80],
                            f"{type(exc).__name__}: {exc}"[:200])

    def _on_rule(self, key: str, value: bytes | None, timestamp_ms: int) -> None:
        if self.guardrail is None or not value:
            return
        try:
            self.guardrail.remember(key, float(value))
        except ValueError:
            return

    # --- what the Judge calls ----------------------------------------------------------------------
    def values(self, comment: Comment, specs: Sequence[SignalSpec]) -> dict[str, float]:
        """The signals for ``comment``, then record it (so the next comment of the same batch
        already counts it)."""
        key = text_key(comment.text) if any(s.needs_text for s in specs) else None
        now = self.clock()
        values = self.state.values(specs, comment, now, key)
        event = comment_event(comment, now, False)
        if key is not None:
            event["t"] = key  # the same key, folded once
        self._record(event, comment.id)
        return values

    def on_verdict(self, verdict: Verdict) -> None:
        """A hidden comment is a strike for its author."""
        if verdict.outcome == "hide" and self.needed(verdict.comment):
            self._record(hidden_event(verdict.comment, self.clock()), verdict.comment.id)

    def _record(self, event: dict[str, object], comment_id: str) -> None:
        self.state.apply(event)  # this worker sees its own events at once
        self.pending.append(event)

    # --- what the stage and timers call --------------------------------------------------------
    def drain(self) -> list[Output]:
        """The pending events (one record: a JSON list) and new rule first-seen times as
        records for the logs (one partition each); the stage writes them before the batch's
        verdicts."""
        pending, self.pending = self.pending, []
        out = []
        for i in range(0, len(pending), EVENTS_PER_RECORD):
            self._sequence += 1
            key = f"{self._writer}|{self._sequence}"
            value = dumps(pending[i:i + EVENTS_PER_RECORD])
            if len(self.own) < 10_000:  # bounded if the reader stalls; unmatched ones re-apply
                self.own[key] = value
            out.append(Output(T.SIGNALS_LOG, key.encode(), value, partition=0))
        if self.guardrail is not None and self.guardrail.new_first_seen:
            fresh, self.guardrail.new_first_seen = self.guardrail.new_first_seen, []
            out += [Output(T.RULES_LOG, fp.encode(), repr(ts).encode(), partition=0) for fp, ts in fresh]
        return out

    def expire(self) -> None:
        """Forget events older than the longest window."""
        self.state.expire(self.clock())
