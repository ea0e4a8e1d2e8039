"""The worker's state records: a batch's signal events go out as one record that another worker
applies in full, a worker skips its own records when it reads them back, and progress entries
read back are not parsed again."""

from __future__ import annotations

import json
from types import SimpleNamespace

from civicmod.contract.records import Author, Comment
from rules.signals import author_key
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
    return set(state.ids) if state else set()


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
    applied = []
    one.state.apply = applied.append  # type: ignore[method-assign]
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
    ((key, value),) = progress.pending
    progress.recalls.clear()  # so a parse would show
    progress._on_record(key.decode(), value, 0)
    assert progress.recalls == {} and progress.own == {}
    changed = value.replace(b"publish", b"escalate")
    progress._on_record(key.decode(), changed, 0)  # another worker's write to the same slot
    assert progress.recall(0, 7, "d1").outcome == "escalate"
