"""Idempotent consumption of verdict topics under at-least-once delivery.

The moderate agent may emit a verdict twice for one comment version after a crash (it
re-processes from the last committed offset). Consumers drop the repeats with :class:`Deduper`,
keyed on the comment id plus its text digest, so an edit (new text) still counts as new.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from civicmod.contract.records import version_key


def verdict_key(record: Mapping[str, Any]) -> str:
    """The identity of a judged comment version, from a decoded verdict record."""
    comment = record["comment"]
    return version_key(comment["id"], comment["text"])


class Deduper:
    """Remembers the last ``capacity`` keys (least recently seen forgotten first)."""

    def __init__(self, capacity: int = 1_000_000) -> None:
        self.capacity = capacity
        self._seen: OrderedDict[str, None] = OrderedDict()
        self.dropped = 0

    def first_time(self, key: str) -> bool:
        """True the first time ``key`` is offered, False for a repeat within the window."""
        if key in self._seen:
            self._seen.move_to_end(key)
            self.dropped += 1
            return False
        self._seen[key] = None
        if len(self._seen) > self.capacity:
            self._seen.popitem(last=False)
        return True

    def filter(self, records: Iterable[Mapping[str, Any]]) -> Iterator[Mapping[str, Any]]:
        for record in records:
            if self.first_time(verdict_key(record)):
                yield record
