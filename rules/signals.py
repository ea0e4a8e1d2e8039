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
import re
from collections import deque
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


@dataclass
class _Author:
    first: float
    comments: deque[tuple[float, str]] = field(default_factory=deque)
    hidden: deque[tuple[float, str]] = field(default_factory=deque)
    ids: set[str] = field(default_factory=set)
    hidden_ids: set[str] = field(default_factory=set)


@dataclass
class _Text:
    posts: deque[tuple[float, str, str]] = field(default_factory=deque)  # (ts, author, comment id)
    ids: set[str] = field(default_factory=set)


def _expire(log: deque, ids: set[str], horizon: float, id_at: int) -> None:
    while log and log[0][0] < horizon:
        ids.discard(log.popleft()[id_at])


@dataclass
class SignalState:
    """Windowed per-author and per-text logs; every event carries the comment id, so a
    redelivered or re-read event is counted once."""

    retention_s: float = MAX_WINDOW_S
    max_per_key: int = 2000
    authors: dict[str, _Author] = field(default_factory=dict)
    texts: dict[str, _Text] = field(default_factory=dict)

    def record_comment(self, author: str, text: str | None, ts: float, comment_id: str) -> None:
        a = self.authors.get(author)
        if a is None:
            a = self.authors[author] = _Author(first=ts)
        a.first = min(a.first, ts)
        if comment_id not in a.ids:
            a.ids.add(comment_id)
            a.comments.append((ts, comment_id))
            if len(a.comments) > self.max_per_key:
                a.ids.discard(a.comments.popleft()[1])
        if text is not None:
            t = self.texts.setdefault(text, _Text())
            if comment_id not in t.ids:
                t.ids.add(comment_id)
                t.posts.append((ts, author, comment_id))
                if len(t.posts) > self.max_per_key:
                    t.ids.discard(t.posts.popleft()[2])

    def record_hidden(self, author: str, ts: float, comment_id: str) -> None:
        a = self.authors.get(author)
        if a is None:
            a = self.authors[author] = _Author(first=ts)
        if comment_id not in a.hidden_ids:
            a.hidden_ids.add(comment_id)
            a.hidden.append((ts, comment_id))

    def apply(self, event: Mapping[str, object]) -> None:
        """Fold one wire event (see :func:`comment_event`, :func:`hidden_event`) into the state."""
        kind, author, ts, cid = event.get("k"), str(event["a"]), float(event["ts"]), str(event["id"])  # type: ignore[arg-type]
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
            _expire(a.comments, a.ids, horizon, 1)
            _expire(a.hidden, a.hidden_ids, horizon, 1)
            if not a.comments and not a.hidden and a.first < horizon:
                del self.authors[key]
        for key in list(self.texts):
            t = self.texts[key]
            _expire(t.posts, t.ids, horizon, 2)
            if not t.posts:
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
                n = sum(1 for ts, i in a.comments if ts >= horizon and i != cid) if a else 0
                out[spec.name] = float(n + 1)
            elif spec.kind == "author_hidden":
                out[spec.name] = float(sum(1 for ts, i in a.hidden if ts >= horizon and i != cid)
                                       if a else 0)
            elif spec.kind in ("same_text_authors", "author_same_text"):
                tkey = text if text is not None else text_key(comment.text)
                t = self.texts.get(tkey)
                posts = [(ts, au) for ts, au, i in t.posts if ts >= horizon and i != cid] if t else []
                if spec.kind == "same_text_authors":
                    out[spec.name] = float(len({au for _, au in posts} | {akey}))
                else:
                    out[spec.name] = float(sum(1 for _, au in posts if au == akey) + 1)
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
