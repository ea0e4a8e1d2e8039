"""Stateful signals: names, windows and the windowed state itself (no broker)."""

from __future__ import annotations

import pytest

from civicmod.contract.records import Author, Comment
from rules.signals import SignalState, UnknownSignal, comment_event, hidden_event, parse_signal, text_key


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
