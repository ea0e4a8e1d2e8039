"""Stateful signals: names rules can read (``signal.author_comments_10m``) and their windowed state.

The state is plain Python, fed with events: the stream (``streams/moderate/signal_log.py``) shares it
between workers through Kafka; backtests and ``civicmod rules test`` replay comments into it.

Signals (``<W>`` is a window: ``30s``, ``10m``, ``1h``, ``24h``, ``7d``; at most 7 days):

- ``author_comments_<W>``: the author's comments in the window, this one included (flooding);
- ``author_hidden_<W>``: the author's comments hidden in the window (expiring strikes);
- ``same_text_authors_<W>``: distinct authors who posted the same folded text in the window, this
  author included (coordinated campaigns);
- ``author_same_text_<W>``: times this author posted this same folded text in the window,
  this one included (copy-paste spam);
- ``author_first_seen_days``: days since the author's first comment was seen (0 for a new one);
- ``account_age_days``: from the platform's account creation date, else first seen.
"""

from __future__ import annotations

import hashlib
import math
import re
from bisect import bisect_left, bisect_right, insort
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from civicmod.contract.records import Comment
from rules.folding import fold

MAX_WINDOW_S = 7 * 86400
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_WINDOWED = ("author_comments", "author_hidden", "same_text_authors", "author_same_text")
_PLAIN = ("author_first_seen_days", "account_age_days")
_NAME = re.compile(rf"^({'|'.join(_WINDOWED)})_(\d+)([smhd])$")


class UnknownSignal(ValueError):
    pass


@dataclass(frozen=True)
class SignalSpec:
    """A parsed signal name: its kind and window in seconds (0 for plain signals)."""

    name: str
    kind: str
    window_s: int = 0

    @property
    def needs_text(self) -> bool:
        return self.kind in ("same_text_authors", "author_same_text")


def parse_signal(name: str) -> SignalSpec:
    """``author_comments_10m`` → SignalSpec(kind=author_comments, window_s=600)."""
    if name in _PLAIN:
        return SignalSpec(name, name)
    m = _NAME.match(name)
    if not m:
        raise UnknownSignal(
            f"unknown signal {name!r}: expected one of {', '.join(k + '_<window>' for k in _WINDOWED)}"
            f", {', '.join(_PLAIN)} (window like 10m, 24h, 7d)")
    window = int(m.group(2)) * _UNITS[m.group(3)]
    if not 0 < window <= MAX_WINDOW_S:
        raise UnknownSignal(f"signal {name!r}: window must be between 1s and 7d")
    return SignalSpec(name, m.group(1), window)


def author_key(comment: Comment) -> str:
    return f"{comment.platform}:{comment.author.id}"


def text_key(text: str) -> str:
    """Identity of a text for campaign detection: a hash of its folded form."""
    return hashlib.blake2b(fold(text).encode(), digest_size=8).hexdigest()


def _ts(dt: datetime | None, default: float) -> float:
    return dt.timestamp() if dt is not None else default


class _Log:
    """One key's events (timestamp, comment id) in time order, a late one inserted in place:
    a window's count is a binary search, not a scan, so an author who floods (the case the
    signals are for) costs what a quiet one does. Each comment id is counted once."""

    __slots__ = ("at", "ids", "start", "times")

    def __init__(self) -> None:
        self.times: list[float] = []
        self.ids: list[str] = []
        #: comment id → its timestamp, for the events still in the log
        self.at: dict[str, float] = {}
        #: events before this index are gone (the lists are compacted now and then)
        self.start = 0

    def __len__(self) -> int:
        return len(self.times) - self.start

    def add(self, ts: float, cid: str) -> int | None:
        """Insert an event; its index, or None when this comment id is already here."""
        if cid in self.at:
            return None
        self.at[cid] = ts
        times = self.times
        if not times or ts >= times[-1]:
            times.append(ts)
            self.ids.append(cid)
            return len(times) - 1
        i = bisect_right(times, ts, self.start)
        times.insert(i, ts)
        self.ids.insert(i, cid)
        return i

    def count_since(self, horizon: float, exclude: str) -> int:
        """Events at or after ``horizon``, not counting comment ``exclude``."""
        n = len(self.times) - bisect_left(self.times, horizon, self.start)
        ts = self.at.get(exclude)
        return n - 1 if ts is not None and ts >= horizon else n

    def drop_to(self, end: int) -> bool:
        """Forget the events before index ``end``; True when the lists were compacted (the
        first ``end`` items deleted)."""
        for i in range(self.start, end):
            del self.at[self.ids[i]]
        self.start = end
        if end > 64 and end * 2 > len(self.times):
            del self.times[:end]
            del self.ids[:end]
            self.start = 0
            return True
        return False

    def expire(self, horizon: float) -> None:
        self.drop_to(bisect_left(self.times, horizon, self.start))

    def trim(self, keep: int) -> None:
        """Keep the ``keep`` latest events."""
        if len(self) > keep:
            self.drop_to(len(self.times) - keep)


class _TextLog(_Log):
    """The posts of one text, with each post's author: per author, the times of their posts
    (sorted), and every author's latest time (sorted), so "distinct authors in the window" and
    "this author's posts in the window" are binary searches too."""

    __slots__ = ("by_author", "lasts", "who")

    def __init__(self) -> None:
        super().__init__()
        self.who: list[str] = []
        self.by_author: dict[str, list[float]] = {}
        self.lasts: list[float] = []

    def post(self, ts: float, cid: str, author: str) -> None:
        i = self.add(ts, cid)
        if i is None:
            return
        self.who.insert(i, author)
        mine = self.by_author.get(author)
        if mine is None:
            self.by_author[author] = [ts]
            insort(self.lasts, ts)
            return
        last = mine[-1]
        insort(mine, ts)
        if mine[-1] != last:
            del self.lasts[bisect_left(self.lasts, last)]
            insort(self.lasts, mine[-1])

    def drop_to(self, end: int) -> bool:
        times, who = self.times, self.who
        for i in range(self.start, end):  # the oldest of all: the oldest of its author's too
            author, mine = who[i], self.by_author[who[i]]
            if len(mine) == 1:
                del self.lasts[bisect_left(self.lasts, mine[0])]
                del self.by_author[author]
            else:
                del mine[bisect_left(mine, times[i])]
        if super().drop_to(end):
            del who[:end]
            return True
        return False

    def authors_since(self, horizon: float, akey: str) -> int:
        """Distinct authors other than ``akey`` with a post at or after ``horizon``."""
        n = len(self.lasts) - bisect_left(self.lasts, horizon)
        mine = self.by_author.get(akey)
        return n - 1 if mine is not None and mine[-1] >= horizon else n

    def author_posts_since(self, horizon: float, akey: str, exclude: str) -> int:
        """``akey``'s posts at or after ``horizon``, not counting comment ``exclude``."""
        mine = self.by_author.get(akey)
        if mine is None:
            return 0
        n = len(mine) - bisect_left(mine, horizon)
        ts = self.at.get(exclude)
        if ts is not None and ts >= horizon:
            i = bisect_left(self.times, ts, self.start)
            while i < len(self.times) and self.times[i] == ts:
                if self.ids[i] == exclude:
                    return n - 1 if self.who[i] == akey else n
                i += 1
        return n


@dataclass
class _Author:
    first: float
    comments: _Log = field(default_factory=_Log)
    hidden: _Log = field(default_factory=_Log)


@dataclass
class SignalState:
    """Windowed per-author and per-text logs; every event carries the comment id, so a
    redelivered or re-read event is counted once."""

    retention_s: float = MAX_WINDOW_S
    max_per_key: int = 2000
    authors: dict[str, _Author] = field(default_factory=dict)
    texts: dict[str, _TextLog] = field(default_factory=dict)

    def record_comment(self, author: str, text: str | None, ts: float, comment_id: str) -> None:
        a = self.authors.get(author)
        if a is None:
            a = self.authors[author] = _Author(first=ts)
        a.first = min(a.first, ts)
        if a.comments.add(ts, comment_id) is not None:
            a.comments.trim(self.max_per_key)
        if text is not None:
            t = self.texts.get(text)
            if t is None:
                t = self.texts[text] = _TextLog()
            t.post(ts, comment_id, author)
            t.trim(self.max_per_key)

    def record_hidden(self, author: str, ts: float, comment_id: str) -> None:
        a = self.authors.get(author)
        if a is None:
            a = self.authors[author] = _Author(first=ts)
        a.hidden.add(ts, comment_id)

    def apply(self, event: Mapping[str, object]) -> None:
        """Fold one wire event (see :func:`comment_event`, :func:`hidden_event`) into the state."""
        kind, author, ts, cid = event.get("k"), str(event["a"]), float(event["ts"]), str(event["id"])  # type: ignore[arg-type]
        if not math.isfinite(ts):  # it would unsort a log (NaN compares false with every time)
            raise ValueError(f"signal event with a non-finite time: {ts}")
        if kind == "c":
            text = event.get("t")
            self.record_comment(author, str(text) if text else None, ts, cid)
        elif kind == "h":
            self.record_hidden(author, ts, cid)

    def expire(self, now: float) -> None:
        """Drop what is older than the retention (call now and then)."""
        horizon = now - self.retention_s
        for key in list(self.authors):
            a = self.authors[key]
            a.comments.expire(horizon)
            a.hidden.expire(horizon)
            if not a.comments and not a.hidden and a.first < horizon:
                del self.authors[key]
        for key in list(self.texts):
            t = self.texts[key]
            t.expire(horizon)
            if not t:
                del self.texts[key]

    def values(self, specs: Iterable[SignalSpec], comment: Comment, now: float,
               text: str | None = None) -> dict[str, float]:
        """The signals' values for ``comment`` (its own event counted once, recorded or not)."""
        akey = author_key(comment)
        a = self.authors.get(akey)
        out: dict[str, float] = {}
        cid = comment.id
        for spec in specs:
            horizon = now - spec.window_s
            if spec.kind == "author_comments":
                out[spec.name] = float((a.comments.count_since(horizon, cid) if a else 0) + 1)
            elif spec.kind == "author_hidden":
                out[spec.name] = float(a.hidden.count_since(horizon, cid) if a else 0)
            elif spec.kind in ("same_text_authors", "author_same_text"):
                tkey = text if text is not None else text_key(comment.text)
                t = self.texts.get(tkey)
                if spec.kind == "same_text_authors":  # the others, and this author
                    out[spec.name] = float((t.authors_since(horizon, akey) if t else 0) + 1)
                else:
                    out[spec.name] = float(
                        (t.author_posts_since(horizon, akey, cid) if t else 0) + 1)
            elif spec.kind == "author_first_seen_days":
                out[spec.name] = max(0.0, (now - a.first) / 86400) if a else 0.0
            elif spec.kind == "account_age_days":
                created = comment.author.created_at
                if created is not None:
                    out[spec.name] = max(0.0, (now - created.timestamp()) / 86400)
                else:
                    out[spec.name] = max(0.0, (now - a.first) / 86400) if a else 0.0
        return out


def comment_event(comment: Comment, ts: float, with_text: bool) -> dict[str, object]:
    """The wire form of "this author posted this comment" (``t``: text key, when needed)."""
    ev: dict[str, object] = {"k": "c", "a": author_key(comment), "ts": ts, "id": comment.id}
    if with_text:
        ev["t"] = text_key(comment.text)
    return ev


def hidden_event(comment: Comment, ts: float) -> dict[str, object]:
    """The wire form of a strike: this author's comment was hidden."""
    return {"k": "h", "a": author_key(comment), "ts": ts, "id": comment.id}
