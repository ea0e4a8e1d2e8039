"""Stateful signals for the rules, kept in Faust global tables shared by every worker.

Each judged comment becomes a small event (``rules.signals.comment_event``; a hidden one also a
strike, ``hidden_event``) written to the changelog of the ``signals`` GlobalTable, keyed by
``<kind>|<comment id>``. Every worker follows the whole changelog
(Faust recovers it at start, then keeps reading it as a standby) and folds each event into its
in-memory
``rules.signals.SignalState``, which answers the rules' questions (author comments in the last
10 minutes, strikes in 24 h, distinct authors of the same text...). Events carry their comment id,
so there is no read-modify-write race between workers and a redelivered comment counts once.
A worker applies its own events at once, others' within the changelog round trip (well under a
second on a healthy cluster). The changelog keeps 7 days, the longest window a signal may use.

Only what the loaded policy reads is recorded: no signal rule, no events; text signals only
when a rule reads ``same_text_authors_*`` or ``author_same_text_*``.

The ``rule-first-seen`` GlobalTable keeps when each hide rule's exact content was first seen,
for the new-rule guardrail (``rules.guardrail``), so a restart does not make rules look new.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

from civicmod.schema import Comment, Verdict
from rules.guardrail import HideGuardrail
from rules.signals import MAX_WINDOW_S, SignalSpec, SignalState, comment_event, hidden_event, text_key

log = logging.getLogger("civicmod.signals")

SIGNALS_TABLE = "signals"
RULES_TABLE = "rule-first-seen"


def changelog_name(app_id: str, table: str) -> str:
    """Faust's changelog topic name for a table of app ``app_id``."""
    return f"{app_id}-{table}-changelog"


def ensure_changelogs(bootstrap: str, app_id: str, replication_factor: int = 1,
                      timeout_s: float = 30.0) -> list[str]:
    """Create the tables' changelog topics (the app does not declare topics itself)."""
    from kafka import KafkaAdminClient

    configs = {
        changelog_name(app_id, SIGNALS_TABLE): {"cleanup.policy": "delete",
                                                "retention.ms": str(int(MAX_WINDOW_S * 1000))},
        changelog_name(app_id, RULES_TABLE): {"cleanup.policy": "compact"},
    }
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="civicmod-admin",
                             request_timeout_ms=int(timeout_s * 1000))
    try:
        missing = [n for n in configs if n not in set(admin.list_topics())]
        if missing:
            admin.create_topics({n: {"num_partitions": 1, "replication_factor": replication_factor,
                                     "configs": configs[n]} for n in missing}, raise_errors=False)
        admin.wait_for_topics(list(configs), timeout_ms=int(timeout_s * 1000))
        return missing
    finally:
        admin.close()


class StreamSignals:
    """The worker's view of the signals; the Judge reads it and reports verdicts to it."""

    def __init__(self, app: Any, needed: Callable[[Comment], Sequence[SignalSpec]],
                 guardrail: HideGuardrail | None = None, clock: Callable[[], float] = time.time,
                 worker_id: str = "worker") -> None:
        self.state = SignalState()
        self.worker_id = worker_id
        self._seq = 0
        self.needed = needed
        self.guardrail = guardrail
        self.clock = clock
        self.pending: list[tuple[bytes, bytes]] = []
        self.events_seen = 0
        self.table = app.GlobalTable(
            SIGNALS_TABLE, key_type=bytes, value_type=bytes, partitions=1, use_partitioner=True,
            synchronize_all_active_partitions=True, recovery_buffer_size=1,
            on_changelog_event=self._on_signal_event)
        self.rules_table = app.GlobalTable(
            RULES_TABLE, key_type=bytes, value_type=bytes, partitions=1, use_partitioner=True,
            synchronize_all_active_partitions=True, recovery_buffer_size=1,
            on_changelog_event=self._on_rule_event)

    # --- changelog → state -------------------------------------------------------------------
    async def _on_signal_event(self, event: Any) -> None:
        value = event.message.value
        if not value:
            return
        try:
            events = json.loads(value)
            for ev in events if isinstance(events, list) else [events]:
                self.state.apply(ev)
                self.events_seen += 1
        except (ValueError, KeyError, TypeError):
            log.warning("ignoring a malformed signal event at offset %s", event.message.offset)

    async def _on_rule_event(self, event: Any) -> None:
        if self.guardrail is None or not event.message.value:
            return
        try:
            self.guardrail.remember(event.message.key.decode(), float(event.message.value))
        except (ValueError, AttributeError):
            return

    # --- what the Judge calls ----------------------------------------------------------------------
    def values(self, comment: Comment, specs: Sequence[SignalSpec]) -> dict[str, float]:
        """The signals for ``comment``, then record it (so the next comment of the same batch
        already counts it)."""
        with_text = any(s.needs_text for s in specs)
        now = self.clock()
        values = self.state.values(specs, comment, now, text_key(comment.text) if with_text else None)
        self._record(comment_event(comment, now, with_text), comment.id)
        return values

    def on_verdict(self, verdict: Verdict) -> None:
        """A hidden comment is a strike for its author."""
        if verdict.outcome == "hide" and self.needed(verdict.comment):
            self._record(hidden_event(verdict.comment, self.clock()), verdict.comment.id)

    def _record(self, event: dict[str, object], comment_id: str) -> None:
        self.state.apply(event)  # this worker sees its own events at once
        self.pending.append((f"{event['k']}|{comment_id}".encode(), json.dumps(event).encode()))

    # --- what the agent and timers call --------------------------------------------------------
    async def flush(self) -> int:
        """Send the batch's pending events (and new rule first-seen times) to the changelogs;
        Faust flushes the producer before it commits the offsets they came from."""
        pending, self.pending = self.pending, []
        topic = self.table.changelog_topic
        for key, value in pending:  # the changelog has one partition
            await topic.send(key=key, value=value, partition=0)
        if self.guardrail is not None and self.guardrail.new_first_seen:
            fresh, self.guardrail.new_first_seen = self.guardrail.new_first_seen, []
            for fp, ts in fresh:
                await self.rules_table.changelog_topic.send(key=fp.encode(), value=repr(ts).encode(),
                                                            partition=0)
        return len(pending)

    def expire(self) -> None:
        """Forget events older than the longest window (state and the table's local copy)."""
        now = self.clock()
        self.state.expire(now)
        raw = getattr(self.table.data, "data", None)
        if isinstance(raw, dict):
            horizon = now - MAX_WINDOW_S
            for key in [k for k, v in raw.items() if _older(v, horizon)]:
                raw.pop(key, None)


def _older(value: Any, horizon: float) -> bool:
    try:
        events = json.loads(value)
        events = events if isinstance(events, list) else [events]
        return all(float(ev["ts"]) < horizon for ev in events)
    except (ValueError, KeyError, TypeError):
        return True
