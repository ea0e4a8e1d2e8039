"""Stateful signals: names, windows and the windowed state itself (no broker)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civicmod.contract.records import Author, Comment
from rules.signals import (
    SignalSpec,
    SignalState,
    UnknownSignal,
    comment_event,
    hidden_event,
    parse_signal,
    text_key,
)


def _c(author: str, text: str = "hello there", cid: str = "1") -> Comment:
    return Comment(id=f"x:{cid}", platform="x", account_id="a", author=Author(id=author), text=text)


def test_signal_names():
    assert parse_signal("author_comments_10m").window_s == 600
    assert parse_signal("author_hidden_7d").window_s == 7 * 86400
    assert parse_signal("same_text_authors_1h").needs_text
    assert parse_signal("account_age_days").window_s == 0
    for bad in ("author_comments", "author_comments_8d", "followers_10m", "author_comments_0m"):
        with pytest.raises(UnknownSignal):
            parse_signal(bad)


def test_windows_expire_and_redelivered_events_count_once():
    st = SignalState()
    specs = [parse_signal(n) for n in ("author_comments_10m", "author_hidden_24h", "author_hidden_7d")]
    for i in range(4):
        st.apply(comment_event(_c("a", cid=str(i)), 1000.0 + i, False))
    st.apply(comment_event(_c("a", cid="3"), 1003.0, False))  # redelivery of comment 3
    st.apply(hidden_event(_c("a", cid="2"), 1002.0))
    assert st.values(specs, _c("a", cid="9"), 1010.0) == {
        "author_comments_10m": 5.0, "author_hidden_24h": 1.0, "author_hidden_7d": 1.0}
    later = st.values(specs, _c("a", cid="9"), 1000.0 + 2 * 86400)
    assert later == {"author_comments_10m": 1.0, "author_hidden_24h": 0.0, "author_hidden_7d": 1.0}
    st.expire(1000.0 + 8 * 86400)
    assert st.authors == {}


def test_same_text_from_distinct_authors_and_first_seen():
    st = SignalState()
    specs = [parse_signal(n) for n in ("same_text_authors_1h", "author_same_text_1h",
                                       "author_first_seen_days")]
    for i, author in enumerate(["a", "b", "c", "c"]):
        st.apply(comment_event(_c(author, "Stop the new car park!!", str(i)), 100.0 + i, True))
    v = st.values(specs, _c("c", "stop the NEW car park", "9"), 86500.0)
    assert v == {"same_text_authors_1h": 0 + 1.0, "author_same_text_1h": 1.0,
                 "author_first_seen_days": pytest.approx(1.0, abs=0.01)}
    v = st.values(specs, _c("c", "stop the NEW car park", "9"), 200.0)
    assert v["same_text_authors_1h"] == 3.0 and v["author_same_text_1h"] == 3.0
    assert text_key("Stop the new car park!!") == text_key("stop the NEW car park")


# --- the windowed logs against the plain scans they replaced ------------------------------------
class _Plain:
    """The state as plain lists, each window a scan (what ``SignalState`` answered before its
    logs were searched): the reference for the property tests below."""

    def __init__(self, max_per_key: int) -> None:
        self.max = max_per_key
        self.comments: dict[str, list[tuple[float, str]]] = {}
        self.hidden: dict[str, list[tuple[float, str]]] = {}
        self.posts: dict[str, list[tuple[float, str, str]]] = {}
        self.first: dict[str, float] = {}

    def comment(self, author: str, text: str | None, ts: float, cid: str) -> None:
        self.first[author] = min(self.first.get(author, ts), ts)
        log = self.comments.setdefault(author, [])
        if all(i != cid for _, i in log):
            log.append((ts, cid))
            if len(log) > self.max:
                log.remove(min(log, key=lambda e: e[0]))  # the oldest (of equal times: the first in)
        if text is not None:
            posts = self.posts.setdefault(text, [])
            if all(i != cid for _, _, i in posts):
                posts.append((ts, author, cid))
                if len(posts) > self.max:
                    posts.remove(min(posts, key=lambda e: e[0]))

    def hide(self, author: str, ts: float, cid: str) -> None:
        self.first.setdefault(author, ts)
        log = self.hidden.setdefault(author, [])
        if all(i != cid for _, i in log):
            log.append((ts, cid))

    def expire(self, horizon: float) -> None:
        for logs in (self.comments, self.hidden, self.posts):
            for log in logs.values():
                log[:] = [e for e in log if e[0] >= horizon]
        for author in list(self.first):
            if not self.comments.get(author) and not self.hidden.get(author) and self.first[author] < horizon:
                del self.first[author]

    def values(self, author: str, text: str, cid: str, now: float, window: float) -> dict[str, float]:
        h = now - window
        posts = [(ts, au) for ts, au, i in self.posts.get(text, []) if ts >= h and i != cid]
        return {
            "comments": float(sum(1 for ts, i in self.comments.get(author, []) if ts >= h and i != cid) + 1),
            "hidden": float(sum(1 for ts, i in self.hidden.get(author, []) if ts >= h and i != cid)),
            "authors": float(len({au for _, au in posts} | {author})),
            "same": float(sum(1 for _, au in posts if au == author) + 1),
            "first": max(0.0, (now - self.first[author]) / 86400) if author in self.first else 0.0,
        }


def _author_of(cid: int) -> str:
    return f"x:a{cid % 3}"  # a comment has one author, whoever reads it


_EVENT = st.tuples(st.sampled_from(["c", "c", "c", "h"]), st.integers(0, 12),
                   st.sampled_from(["t1", "t2", None]), st.integers(0, 40))
_QUERY = st.tuples(st.integers(0, 14), st.sampled_from(["t1", "t2", "t3"]), st.integers(0, 60),
                   st.sampled_from([5, 20, 1000]))


def _check(events, queries, max_per_key: int, expire_at: float | None = None) -> None:
    st_, plain = SignalState(max_per_key=max_per_key, retention_s=10), _Plain(max_per_key)
    specs = {"comments": parse_signal("author_comments_1h"), "hidden": parse_signal("author_hidden_1h"),
             "authors": parse_signal("same_text_authors_1h"), "same": parse_signal("author_same_text_1h"),
             "first": parse_signal("author_first_seen_days")}
    for kind, cid, text, ts in events:
        author, ident = _author_of(cid), f"x:{cid}"
        if kind == "c":
            st_.apply({"k": "c", "a": author, "ts": float(ts), "id": ident, **({"t": text} if text else {})})
            plain.comment(author, text, float(ts), ident)
        else:
            st_.apply({"k": "h", "a": author, "ts": float(ts), "id": ident})
            plain.hide(author, float(ts), ident)
    if expire_at is not None:
        st_.expire(expire_at)
        plain.expire(expire_at - 10)
        assert set(st_.authors) == set(plain.first)
    for cid, text, now, window in queries:
        now = max(now, expire_at or 0)
        author = _author_of(cid)
        comment = Comment(id=f"x:{cid}", platform="x", account_id="a",
                          author=Author(id=author.removeprefix("x:")), text="any")
        for name, spec in specs.items():
            spec = SignalSpec(spec.name, spec.kind, window) if name != "first" else spec
            got = st_.values([spec], comment, float(now), text)[spec.name]
            want = plain.values(author, text, f"x:{cid}", float(now), window)[name]
            assert got == pytest.approx(want), name


@settings(max_examples=300, deadline=None)
@given(st.lists(_EVENT, max_size=60), st.lists(_QUERY, min_size=1, max_size=8))
def test_windowed_counts_equal_plain_scans_for_events_in_any_order(events, queries):
    """Late and redelivered events, several windows: the searched logs count what a scan of
    every event counts."""
    _check(events, queries, max_per_key=2000)


@settings(max_examples=300, deadline=None)
@given(st.lists(_EVENT, max_size=60), st.lists(_QUERY, min_size=1, max_size=8))
def test_windowed_counts_equal_plain_scans_when_keys_are_capped(events, queries):
    """At most ``max_per_key`` events a key (the oldest go first; more than 64 dropped also
    compacts the lists): still what a scan counts."""
    events = sorted(events, key=lambda e: e[3])  # in time order: "first in" is "oldest"
    _check(events * 3, queries, max_per_key=3)
    _check([(k, c + 13 * j, t, ts + j) for j in range(5) for k, c, t, ts in events] * 2, queries,
           max_per_key=4)
    _check(events, queries, max_per_key=3, expire_at=30)  # what is older than 20 is forgotten


def test_a_flood_keeps_the_latest_events_of_a_key():
    """One author posting one text 300 times, capped at 50 a key: the logs drop the oldest
    one by one and compact themselves, and still count what a scan counts."""
    flood = [("c", 3 * i + k, "t1", i // 4) for i in range(300) for k in (0, 1)]  # 2 authors
    _check([*flood, ("c", 2, "t1", 70)], [(0, "t1", 75, w) for w in (1, 5, 20, 1000)]
           + [(1, "t1", 80, 10), (2, "t1", 75, 5)], max_per_key=50)


def test_an_event_with_a_non_finite_time_is_refused_and_changes_nothing():
    st_ = SignalState()
    st_.apply(comment_event(_c("a", cid="1"), 100.0, True))
    for bad in (float("nan"), float("inf")):
        with pytest.raises(ValueError, match="non-finite"):
            st_.apply({"k": "c", "a": "x:a", "ts": bad, "id": "x:2", "t": text_key("hello there")})
    spec = parse_signal("author_comments_1h")
    assert st_.values([spec], _c("a", cid="9"), 200.0) == {"author_comments_1h": 2.0}
