"""Tumbling windows (1 min, 1 h, 1 day, aligned on UTC epoch multiples): which windows a time
falls in, and whether a window is still open (takes late records) at a given time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from civicmod.contract.records import WINDOW_SECONDS

WINDOWS: tuple[str, ...] = tuple(WINDOW_SECONDS)


@dataclass(frozen=True, order=True)
class WindowKey:
    """One window of one account: ``start`` in epoch seconds."""

    window: str
    start: int
    account: str

    @property
    def end(self) -> int:
        return self.start + WINDOW_SECONDS[self.window]

    def start_dt(self) -> datetime:
        return datetime.fromtimestamp(self.start, UTC)

    def end_dt(self) -> datetime:
        return datetime.fromtimestamp(self.end, UTC)


def window_start(window: str, at: float) -> int:
    """The start (epoch seconds) of the ``window`` holding time ``at`` (epoch seconds)."""
    size = WINDOW_SECONDS[window]
    return int(at // size) * size


def keys_for(at: float, account: str) -> list[WindowKey]:
    """The 1m, 1h and 1d windows of ``account`` holding time ``at``."""
    return [WindowKey(w, window_start(w, at), account) for w in WINDOWS]


def is_open(key: WindowKey, now: float, keep_s: dict[str, float]) -> bool:
    """True while ``key`` still takes records: until ``keep_s[window]`` after its end."""
    return key.end + keep_s[key.window] >= now


def epoch(dt: datetime) -> float:
    """Epoch seconds of an aware datetime (a naive one is taken as UTC)."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.timestamp()
