"""Where each input partition stands: the batch in flight and the outcomes already given.

Kafka redelivers what a worker read but did not commit (after a crash, a SIGKILL, a rebalance).
Two promises depend on knowing what happened to those messages the first time:

- **Same comment, same outcome.** Before a batch's verdicts are sent, the outcome of each
  message and the signal values it was judged with are recorded here: one record per batch and
  input partition (``c|<partition>|<first>-<last offset>``, a list of entries), not one per message.
  A chunk whose last offset is ``slots`` or more behind a newer chunk of its partition is
  deleted (a tombstone), so the compacted topic keeps about ``slots`` entries per partition.
  A message read again finds its entry and keeps its first outcome, even if the author's strike
  count grew, the policy was reloaded or the model's batch changed in between. Verdicts are only
  sent once these entries are acknowledged, so a verdict downstream always has its entry.
  (Earlier workers wrote one record per message, ``r|<partition>|<offset mod slots>``; those
  are still read.)
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
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from civicmod.contract.topics import PROGRESS_LOG
from civicmod.contract.wire import dumps
from streams.kafka.state_table import KafkaTable

log = logging.getLogger("civicmod.worker.progress")

#: Entries kept per input partition: more than a worker can have read but not committed.
DEFAULT_SLOTS = 16_384
#: Entries per chunk record at most (a batch's share of a partition is usually far fewer).
CHUNK_ENTRIES = 1_000


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
        #: Entries of judged messages (partition, entry), written as chunks before their verdicts.
        self.pending: list[tuple[int, list[Any]]] = []
        #: Records this worker wrote, by key: skipped (applied already) when read back.
        self.own: dict[str, bytes] = {}
        #: The live chunks per partition, oldest first: key -> last offset.
        self.chunks: dict[int, OrderedDict[str, int]] = {}
        self.reader = KafkaTable(bootstrap, topic, None, PROGRESS_LOG, on_record=self._on_record,
                                 partitions=[0], log=log)

    # -- reading ----------------------------------------------------------------------------------
    def _on_record(self, key: str, value: bytes | None, timestamp_ms: int) -> None:
        if not value:
            if key.startswith("c|"):  # a deleted chunk
                self._untrack(key)
            return
        if self.own and self.own.pop(key, None) == value:
            return
        try:
            data = json.loads(value)
            kind, _, rest = key.partition("|")
            if kind == "c":
                partition = int(rest.split("|", 1)[0])
                entries = [_row(row) for row in data["e"]]
                for entry in entries:
                    self._remember(partition, entry)
                if entries:
                    self._track(partition, max(e.offset for e in entries), key)
            elif kind == "r":
                self._remember(int(rest.split("|", 1)[0]), _recalled(data))
            elif kind == "f" and str(data["w"]) != self.me:
                self.foreign[int(rest)] = InFlight(str(data["w"]), int(data["a"]), int(data["b"]),
                                                   int(data["n"]))
        except (ValueError, KeyError, TypeError, AttributeError):
            log.warning("ignoring a malformed progress record", extra={"key": key[:80]})

    def _remember(self, partition: int, entry: Recalled) -> None:
        self.recalls.setdefault(partition, {})[entry.offset % self.slots] = entry

    def _track(self, partition: int, last: int, key: str) -> None:
        chunks = self.chunks.setdefault(partition, OrderedDict())
        chunks[key] = last
        chunks.move_to_end(key)

    def _untrack(self, key: str) -> None:
        _, _, rest = key.partition("|")
        partition = rest.split("|", 1)[0]
        if partition.isdigit():
            self.chunks.get(int(partition), OrderedDict()).pop(key, None)

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
        return self._own(f"f|{partition}", dumps(value))

    def _own(self, key: str, value: bytes) -> tuple[bytes, bytes]:
        if len(self.own) < 100_000:  # bounded if the reader stalls; unmatched ones re-apply
            self.own[key] = value
        return key.encode(), value

    def entry(self, partition: int, offset: int, digest: str, outcome: str,
              signals: Mapping[str, float], at: float) -> None:
        """Record one message's first judgment (applied here at once, written by the stage
        with the batch's other state before its verdicts are sent: :meth:`records`)."""
        clean = {k: v for k, v in signals.items() if isinstance(v, int | float) and math.isfinite(v)}
        self._remember(partition, Recalled(offset, digest, outcome, clean, at))
        self.pending.append((partition, [offset, digest, outcome, clean, round(at, 3)]))

    def records(self) -> list[tuple[bytes, bytes | None]]:
        """The pending entries as chunk records (one per partition, split at
        ``CHUNK_ENTRIES``), then tombstones for chunks that fell out of the ring."""
        pending, self.pending = self.pending, []
        by_partition: dict[int, list[list[Any]]] = {}
        for partition, row in pending:
            by_partition.setdefault(partition, []).append(row)
        out: list[tuple[bytes, bytes | None]] = []
        for partition, rows in by_partition.items():
            for i in range(0, len(rows), CHUNK_ENTRIES):
                part = rows[i:i + CHUNK_ENTRIES]
                first, last = min(r[0] for r in part), max(r[0] for r in part)
                key = f"c|{partition}|{first}-{last}"  # a chunk with other offsets never replaces it
                out.append(self._own(key, dumps({"e": part})))
                self._track(partition, last, key)
            out += self._expired(partition, max(r[0] for r in rows))
        return out

    def _expired(self, partition: int, newest: int) -> list[tuple[bytes, bytes | None]]:
        """Tombstones for the chunks of ``partition`` entirely ``slots`` or more behind ``newest``."""
        chunks = self.chunks.get(partition)
        gone: list[tuple[bytes, bytes | None]] = []
        while chunks:
            key, last = next(iter(chunks.items()))
            if last > newest - self.slots:
                break
            del chunks[key]
            gone.append((key.encode(), None))
        return gone

    # -- lifecycle -----------------------------------------------------------------------------------
    def follow(self) -> None:
        self.reader.start()

    async def stop(self) -> None:
        await self.reader.stop()


def _row(row: list[Any]) -> Recalled:
    """One entry of a chunk: [offset, digest, outcome, signals, at]."""
    offset, digest, outcome, signals, at = row
    if not isinstance(signals, dict):
        raise TypeError("signals must be a mapping")
    return Recalled(int(offset), str(digest), str(outcome),
                    {str(k): float(v) for k, v in signals.items()}, float(at))


def _recalled(data: dict[str, object]) -> Recalled:
    signals = data.get("s") or {}
    if not isinstance(signals, dict):
        raise TypeError("signals must be a mapping")
    return Recalled(int(data["o"]), str(data["d"]), str(data["out"]),  # type: ignore[call-overload]
                    {str(k): float(v) for k, v in signals.items()}, float(data["at"]))  # type: ignore[arg-type]
