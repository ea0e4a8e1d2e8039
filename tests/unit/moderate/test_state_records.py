"""The worker's state records: a batch's signal events go out as one record that another worker
applies in full, a worker skips its own records when it reads them back, and progress entries
read back are not parsed again."""

from __future__ import annotations

import json
from types import SimpleNamespace

from civicmod.contract.records import Author, Comment
from rules.signals import author_key
from streams.moderate import progress as progress_module
from streams.moderate import signal_log
from streams.moderate.progress import Progress
from streams.moderate.signal_log import StreamSignals


def _app() -> SimpleNamespace:
    return SimpleNamespace(conf=SimpleNamespace(id="civicmod"),
                           topic=lambda name, **_: SimpleNamespace(get_topic_name=lambda: name))


def _signals(worker: str) -> StreamSignals:
    return StreamSignals(_app(), "localhost:1", lambda c: [], worker_id=worker, clock=lambda: 1e9)


def _comment(i: int, author: str = "u") -> Comment:
    return Comment(id=f"x:{i}", platform="x", account_id="acct", author=Author(id=author),
                   text=f"comment {i}")


def _ids(signals: StreamSignals, comment: Comment) -> set[str]:
    state = signals.state.authors.get(author_key(comment))
    return set(state.comments.at) if state else set()


def test_a_batch_of_events_is_one_record_and_another_worker_applies_all_of_it() -> None:
    one, two = _signals("one"), _signals("two")
    comments = [_comment(i) for i in range(5)]
    for c in comments:
        one.values(c, [])
    (record,) = one.drain()
    assert record.topic == "signals" and record.partition == 0
    events = json.loads(record.value)
    assert [e["id"] for e in events] == [c.id for c in comments]
    two._on_signal(record.key.decode(), record.value, 0)
    assert _ids(two, comments[0]) == {c.id for c in comments}
    assert two.events_seen == 5
    assert one.drain() == []  # nothing twice


def test_a_malformed_event_skips_only_itself() -> None:
    one, two = _signals("one"), _signals("two")
    comments = [_comment(i) for i in range(3)]
    for c in comments:
        one.values(c, [])
    (record,) = one.drain()
    events = json.loads(record.value)
    bad = [{"k": "c", "a": "x:u", "ts": "NaN", "id": "x:bad"}, {"k": "c", "ts": 1.0}, "junk"]
    two._on_signal("mixed", json.dumps([events[0], *bad, *events[1:]]).encode(), 0)
    assert _ids(two, comments[0]) == {c.id for c in comments}, "the good events around them"
    assert (two.events_seen, two.events_refused) == (3, 3)
    two._on_signal("not-json", b"{", 0)
    assert two.events_refused == 4


def test_records_are_split_to_stay_small(monkeypatch) -> None:
    monkeypatch.setattr(signal_log, "EVENTS_PER_RECORD", 2)
    one = _signals("one")
    for i in range(5):
        one.values(_comment(i), [])
    records = one.drain()
    assert [len(json.loads(r.value)) for r in records] == [2, 2, 1]
    assert len({r.key for r in records}) == 3


def test_a_worker_skips_its_own_records_read_back_but_not_others() -> None:
    one = _signals("one")
    one.values(_comment(1), [])
    (mine,) = one.drain()
    applied: list[dict] = []

    class Recording:  # the worker's signal state, each applied event noted (compiled: not patchable)
        def __init__(self, state) -> None:
            self.state = state

        def apply(self, event: dict) -> None:
            applied.append(event)
            self.state.apply(event)

        def __getattr__(self, name: str):
            return getattr(self.state, name)

    one.state = Recording(one.state)  # type: ignore[assignment]
    one._on_signal(mine.key.decode(), mine.value, 0)
    assert applied == [] and one.own == {}, "its own events were applied when judged"
    other = _signals("two")
    other.values(_comment(2, author="v"), [])
    (theirs,) = other.drain()
    one._on_signal(theirs.key.decode(), theirs.value, 0)
    assert [e["id"] for e in applied] == ["x:2"]
    # an older worker's single-event record is still read
    legacy = json.dumps({"k": "c", "a": "w", "ts": 1e9, "id": "x:3"}).encode()
    one._on_signal("c|x:3", legacy, 0)
    assert [e["id"] for e in applied] == ["x:2", "x:3"]


def test_progress_entries_read_back_are_not_parsed_again_but_a_changed_one_is() -> None:
    progress = Progress("localhost:1", "civicmod-progress", me="me")
    progress.entry(0, 7, "d1", "publish", {}, 1e9)
    ((key, value),) = progress.records()
    progress.recalls.clear()  # so a parse would show
    progress._on_record(key.decode(), value, 0)
    assert progress.recalls == {} and progress.own == {}
    changed = value.replace(b"publish", b"escalate")
    progress._on_record(key.decode(), changed, 0)  # another worker's write to the same key
    assert progress.recall(0, 7, "d1").outcome == "escalate"


def test_a_batch_s_entries_are_one_record_per_partition_that_another_worker_recalls() -> None:
    one = Progress("localhost:1", "civicmod-progress", me="one")
    for offset in (10, 11, 12):
        one.entry(0, offset, f"d{offset}", "publish", {"author_comments_10m": 2.0}, 1e9)
    one.entry(3, 40, "d40", "hide", {"bad": float("nan")}, 1e9 + 0.12345)
    records = one.records()
    assert [k for k, _ in records] == [b"c|0|10-12", b"c|3|40-40"]
    assert one.records() == [] and one.pending == []  # nothing twice
    two = Progress("localhost:1", "civicmod-progress", me="two")
    for key, value in records:
        two._on_record(key.decode(), value, 0)
    assert two.recall(0, 11, "d11").signals == {"author_comments_10m": 2.0}
    assert two.recall(3, 40, "d40").outcome == "hide"
    assert two.recall(3, 40, "d40").signals == {}  # non-finite values are not recorded
    assert two.recall(3, 40, "d40").at == 1e9 + 0.123
    assert two.recall(0, 11, "other digest") is None and two.recall(0, 13, "d13") is None


def test_chunks_are_split_to_stay_small(monkeypatch) -> None:
    monkeypatch.setattr(progress_module, "CHUNK_ENTRIES", 2)
    progress = Progress("localhost:1", "civicmod-progress", me="me")
    for offset in range(5):
        progress.entry(1, offset, "d", "publish", {}, 1e9)
    records = progress.records()
    assert [k for k, _ in records] == [b"c|1|0-1", b"c|1|2-3", b"c|1|4-4"]
    assert [len(json.loads(v)["e"]) for _, v in records] == [2, 2, 1]


def test_chunks_out_of_the_ring_are_deleted_and_readers_forget_them() -> None:
    """The compacted topic stays bounded: a chunk ``slots`` behind a newer one of its partition
    gets a tombstone, from whichever worker writes that partition next (here after a restart,
    from the chunks it read), and a reader of the tombstone stops tracking it."""
    first = Progress("localhost:1", "civicmod-progress", me="first", slots=100)
    first.entry(0, 0, "d0", "publish", {}, 1e9)
    first.entry(0, 1, "d1", "publish", {}, 1e9)
    old = first.records()
    first.entry(0, 60, "d60", "publish", {}, 1e9)
    assert [v for _, v in first.records()][-1] is not None  # 59 behind: kept
    restarted = Progress("localhost:1", "civicmod-progress", me="again", slots=100)
    reader = Progress("localhost:1", "civicmod-progress", me="reader", slots=100)
    for p in (restarted, reader):
        p._on_record(old[0][0].decode(), old[0][1], 0)
    assert list(reader.chunks[0]) == ["c|0|0-1"]
    restarted.entry(0, 101, "d101", "publish", {}, 1e9)
    records = restarted.records()
    assert records[-1] == (b"c|0|0-1", None)  # its last offset (1) is 100 behind 101
    assert restarted.recall(0, 0, "d0") is not None  # in memory until the ring reuses its slot
    assert restarted.recall(0, 1, "d1") is None  # reused by offset 101
    reader._on_record("c|0|0-1", None, 0)
    assert reader.chunks[0] == {}


def test_a_legacy_entry_per_message_is_still_recalled() -> None:
    progress = Progress("localhost:1", "civicmod-progress", me="me")
    legacy = json.dumps({"o": 7, "d": "d7", "out": "escalate", "s": {"x": 1}, "at": 1e9}).encode()
    progress._on_record("r|2|7", legacy, 0)
    assert progress.recall(2, 7, "d7").outcome == "escalate"


def test_a_malformed_chunk_is_ignored_and_logged(caplog) -> None:
    progress = Progress("localhost:1", "civicmod-progress", me="me")
    progress._on_record("c|0|5", b'{"e": [[5, "d", "publish"]]}', 0)
    progress._on_record("c|0|6", b'{"e": "nope"}', 0)
    assert progress.recalls == {} and "malformed progress record" in caplog.text


def test_a_later_chunk_from_the_same_offset_does_not_delete_the_earlier_one() -> None:
    """A worker that judged offsets again without having read the first chunk (its catch-up
    timed out) writes a chunk with the same first offset: both stay on the compacted topic, and
    the offsets only the first one holds are still recalled."""
    first = Progress("localhost:1", "civicmod-progress", me="first")
    for offset in (100, 101, 102):
        first.entry(0, offset, f"d{offset}", "publish", {}, 1e9)
    second = Progress("localhost:1", "civicmod-progress", me="second")
    second.entry(0, 100, "d100", "escalate", {}, 1e9)
    (a,), (b,) = first.records(), second.records()
    assert a[0] != b[0]
    reader = Progress("localhost:1", "civicmod-progress", me="reader")
    for key, value in (a, b):
        reader._on_record(key.decode(), value, 0)
    assert reader.recall(0, 100, "d100").outcome == "escalate"  # the later judgment
    assert reader.recall(0, 102, "d102").outcome == "publish"
