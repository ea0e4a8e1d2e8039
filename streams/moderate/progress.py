"""Where each input partition stands: the batch in flight and the outcomes already given.

Kafka redelivers what a worker read but did not commit (after a crash, a SIGKILL, a rebalance).
Two promises depend on knowing what happened to those messages the first time:

- **Same comment, same outcome.** Before a batch's verdicts are sent, the outcome of each
  message and the signal values it was judged with are recorded here, keyed by its input
  position (``r|<partition>|<offset mod slots>``: a ring per partition, compacted). A message
  read again finds its entry and keeps its first outcome, even if the author's strike count
  grew, the policy was reloaded or the model's batch changed in between. Verdicts are only
  sent once these entries are acknowledged, so a verdict downstream always has its entry.
- **No poison loop.** Before a batch is judged its offsets are marked in flight
  (``f|<partition>``). A worker that finds a redelivered message inside another worker's
  in-flight range knows that worker stopped while judging it, and judges those messages one at
  a time, each marked on its own first, with the number of stops so far. A message that has
  stopped workers three times (its batch, then twice alone) is set aside (dead letter
  ``worker_crash`` and a held escalation) instead of stopping the partition forever.

The topic (``<app_id>-progress``, one partition, compacted) is read at start and followed, like
the signal logs; a worker given new partitions first catches up with it (``sync``), so it sees
the entries of the worker it replaces.
"""

from __future__ import annotations

import json
import logging
import math
import os
import socket
import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from civicmod.contract.topics import PROGRESS_LOG
from streams.kafka.state_table import KafkaTable

log = logging.getLogger("civicmod.worker.progress")

#: Entries kept per input partition: more than a worker can have read but not committed.
DEFAULT_SLOTS = 16_384


def incarnation() -> str:
    """This process's identity in the marks (host, pid and a random part: pids are reused)."""
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


@dataclass(frozen=True)
class Recalled:
    """The first judgment of the message at an input position."""

    offset: int
    digest: str
    outcome: str
    signals: dict[str, float]
    at: float


@dataclass(frozen=True)
class InFlight:
    """Offsets ``first``..``last`` of a partition were being judged by ``worker``; ``crashes``:
    how many stops were already attributed to this range before it was marked."""

    worker: str
    first: int
    last: int
    crashes: int

    @property
    def single(self) -> bool:
        return self.first == self.last


class Progress:
    """The worker's view of the progress topic and the records it will write to it."""

    def __init__(self, bootstrap: str, topic: str, me: str | None = None,
                 slots: int = DEFAULT_SLOTS) -> None:
        self.topic = topic
        self.me = me or incarnation()
        self.slots = slots
        self.recalls: dict[int, dict[int, Recalled]] = {}
        #: The latest mark of another worker (or an earlier run of this one) per partition. Our
        #: own marks never replace it: judging the redelivered messages before its range must
        #: not hide the range.
        self.foreign: dict[int, InFlight] = {}
        #: Entries of judged messages, to be written before their verdicts are sent.
        self.pending: list[tuple[bytes, bytes]] = []
        #: Records this worker wrote, by key: skipped (applied already) when read back.
        self.own: dict[str, bytes] = {}
        self.reader = KafkaTable(bootstrap, topic, None, PROGRESS_LOG, on_record=self._on_record,
                                 partitions=[0], log=log)

    # -- reading ----------------------------------------------------------------------------------
    def _on_record(self, key: str, value: bytes | None, timestamp_ms: int) -> None:
        if not value:
            return
        if self.own and self.own.pop(key, None) == value:
            return
        try:
            data = json.loads(value)
            kind, _, rest = key.partition("|")
            if kind == "r":
                self._remember(int(rest.split("|", 1)[0]), _recalled(data))
            elif kind == "f" and str(data["w"]) != self.me:
                self.foreign[int(rest)] = InFlight(str(data["w"]), int(data["a"]), int(data["b"]),
                                                   int(data["n"]))
        except (ValueError, KeyError, TypeError, AttributeError):
            log.warning("ignoring a malformed progress record", extra={"key": key[:80]})

    def _remember(self, partition: int, entry: Recalled) -> None:
        self.recalls.setdefault(partition, {})[entry.offset % self.slots] = entry

    def recall(self, partition: int | None, offset: int | None, digest: str) -> Recalled | None:
        """The first judgment of this message, if it was judged before (same text)."""
        if partition is None or offset is None:
            return None
        entry = self.recalls.get(partition, {}).get(offset % self.slots)
        if entry is None or entry.offset != offset or entry.digest != digest:
            return None
        return entry

    def judged(self, partition: int | None, offset: int | None) -> bool:
        """Was the message at this position judged before (its outcome recorded)?"""
        if partition is None or offset is None:
            return False
        entry = self.recalls.get(partition, {}).get(offset % self.slots)
        return entry is not None and entry.offset == offset

    def suspect(self, partition: int | None, offset: int | None) -> InFlight | None:
        """Another worker's in-flight mark covering this message: it stopped while judging it."""
        if partition is None or offset is None:
            return None
        mark = self.foreign.get(partition)
        if mark is None or not mark.first <= offset <= mark.last:
            return None
        return mark

    # -- writing ----------------------------------------------------------------------------------
    def mark(self, partition: int, first: int, last: int, crashes: int = 0) -> tuple[bytes, bytes]:
        """The in-flight mark for a batch's offsets of one partition."""
        value = {"w": self.me, "a": first, "b": last, "n": crashes}
        return self._own(f"f|{partition}", json.dumps(value).encode())

    def _own(self, key: str, value: bytes) -> tuple[bytes, bytes]:
        if len(self.own) < 100_000:  # bounded if the reader stalls; unmatched ones re-apply
            self.own[key] = value
        return key.encode(), value

    def entry(self, partition: int, offset: int, digest: str, outcome: str,
              signals: Mapping[str, float], at: float) -> None:
        """Record one message's first judgment (applied here at once, written by the stage
        with the batch's other state before its verdicts are sent)."""
        clean = {k: v for k, v in signals.items() if isinstance(v, int | float) and math.isfinite(v)}
        self._remember(partition, Recalled(offset, digest, outcome, clean, at))
        value = {"o": offset, "d": digest, "out": outcome, "s": clean, "at": round(at, 3)}
        self.pending.append(self._own(f"r|{partition}|{offset % self.slots}",
                                      json.dumps(value, separators=(",", ":")).encode()))

    # -- lifecycle -----------------------------------------------------------------------------------
    def follow(self) -> None:
        self.reader.start()

    async def stop(self) -> None:
        await self.reader.stop()


def _recalled(data: dict[str, object]) -> Recalled:
    signals = data.get("s") or {}
    if not isinstance(signals, dict):
        raise TypeError("signals must be a mapping")
    return Recalled(int(data["o"]), str(data["d"]), str(data["out"]),  # type: ignore[call-overload]
                    {str(k): float(v) for k, v in signals.items()}, float(data["at"]))  # type: ignore[arg-type]
