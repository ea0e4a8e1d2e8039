"""What the console's ingest does with a batch (``Ingest.apply``, the consumer's own path, without
a broker), on SQLite and PostgreSQL: published comments kept as thread context, platform states
that arrive before their verdicts, what the actuator carried out on the platform (newest record
per action id wins), and the purge of what is kept only for a while."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from civicmod.contract import topics as T
from civicmod.contract.records import Action, CommentState, DeadLetter
from streams.console import retention
from streams.console.cards import card, platform_statuses
from streams.console.db import Database, now
from streams.console.ingest import CONTEXT_TEXT_CHARS, Ingest, Raw
from streams.console.models import ContextComment, Item, OutboxRow, PlatformAction, PlatformState
from streams.console.outbox import enqueue

from console_kit import ACCOUNT, OTHER_ORG_ACCOUNT, get_item, item_of, settings, unique, verdict

_offsets = itertools.count()


@pytest.fixture(scope="module")
def db(module_db_url: str) -> Any:
    database = Database(module_db_url)
    database.setup()
    yield database
    database.dispose()


def _raw(topic: str, value: bytes, key: str = "k") -> Raw:
    return (topic, 0, next(_offsets), key.encode(), value)


def _state(comment_id: str, verb: str = "remove") -> bytes:
    return CommentState(comment_id=comment_id, platform="facebook", account_id=ACCOUNT, verb=verb,
                        received_at=now()).to_json()


def _action(comment_id: str, *, status: str = "done", kind: str = "hide", action_id: str | None = None,
            at: datetime | None = None, error_code: str | None = None, error: str | None = None,
            requested_by: str = "verdict:hide", attempts: int = 1) -> bytes:
    return Action(action_id=action_id or unique("act"), comment_id=comment_id, platform="facebook",
                  account_id=ACCOUNT, kind=kind, requested_by=requested_by, status=status,
                  attempts=attempts, error_code=error_code, error=error,
                  at=at or datetime.now(UTC)).to_json()


def _shown(db: Database, ingest: Ingest, v: Any) -> dict[str, Any]:
    with db.read() as s:
        return card(s, get_item(db, item_of(db, v)), ingest.settings)


def _ingest(db: Database, **overrides: Any) -> Ingest:
    return Ingest(db, settings(**overrides), "127.0.0.1:1")  # apply() never reaches Kafka


def test_a_published_parent_is_shown_on_its_replys_card(db: Database) -> None:
    ingest = _ingest(db)
    parent = verdict(outcome="publish", text="When will the bins on Harrow Lane be collected?",
                     handle="@resident")
    child = verdict(text="Because the council is useless", parent_id=parent.comment.id)
    dead, _ = ingest.apply([_raw(T.PUBLISHED, parent.to_json()), _raw(T.ESCALATIONS, child.to_json())])
    assert not dead and ingest.stats.context == 1
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Item)
                        .where(Item.comment_id == parent.comment.id)) == 0  # not for review
        shown = card(s, get_item(db, item_of(db, child)), ingest.settings)
    assert shown["parent"] == {"comment_id": parent.comment.id, "author": "@resident",
                               "text": "When will the bins on Harrow Lane be collected?"}


def test_context_is_edited_in_place_and_cut_and_stays_within_its_account(db: Database) -> None:
    ingest = _ingest(db)
    cid = f"facebook:{unique('p')}"
    first = verdict(comment_id=cid, outcome="publish", text="first words")
    edited = verdict(comment_id=cid, outcome="publish", text="x" * (CONTEXT_TEXT_CHARS + 500))
    # both versions in one batch (one statement may not touch a row twice on PostgreSQL), then
    # a redelivery of the first alone
    assert ingest.apply([_raw(T.PUBLISHED, first.to_json()), _raw(T.PUBLISHED, edited.to_json())])[0] == []
    with db.read() as s:
        row = s.get(ContextComment, cid)
        assert row is not None and row.text == "x" * CONTEXT_TEXT_CHARS
    # a reply in another organisation's account never sees this account's comment
    elsewhere = verdict(account=OTHER_ORG_ACCOUNT, parent_id=cid)
    ingest.apply([_raw(T.ESCALATIONS, elsewhere.to_json())])
    with db.read() as s:
        shown = card(s, get_item(db, item_of(db, elsewhere)), ingest.settings)
    assert shown["parent"] == {"comment_id": cid, "text": None, "author": None}


def test_context_days_zero_keeps_no_published_comment(db: Database) -> None:
    ingest = _ingest(db, context_days=0)
    v = verdict(outcome="publish", text="nothing to keep")
    # (still read: a published question goes to the "needs a reply" queue; see test_console_replies)
    ingest.apply([_raw(T.PUBLISHED, v.to_json())])
    with db.read() as s:
        assert s.get(ContextComment, v.comment.id) is None


def test_a_removal_read_before_its_verdict_closes_the_item_when_it_comes(db: Database) -> None:
    ingest = _ingest(db)
    removed = verdict(text="removed by the page before we judged it")
    hidden = verdict(text="hidden by the page before we judged it")
    ingest.apply([_raw(T.STATE, _state(removed.comment.id)),
                  _raw(T.STATE, _state(hidden.comment.id, "hide"))])
    assert ingest.stats.state_updates == 0  # no item yet
    _, changes = ingest.apply([_raw(T.ESCALATIONS, removed.to_json()),
                               _raw(T.ESCALATIONS, hidden.to_json())])
    gone, kept = get_item(db, item_of(db, removed)), get_item(db, item_of(db, hidden))
    assert (gone.state, gone.platform_state) == ("platform_removed", "removed")
    assert (kept.state, kept.platform_state) == ("open", "hidden")
    assert [c["type"] for c in changes] == ["item.new"]  # only the open one is announced
    # an edit of the removed comment cannot reopen it either
    edited = verdict(comment_id=removed.comment.id, text="removed, then an edit arrives")
    ingest.apply([_raw(T.ESCALATIONS, edited.to_json())])
    assert get_item(db, item_of(db, edited)).state == "platform_removed"


def test_a_removal_after_the_verdict_still_closes_it_and_is_remembered(db: Database) -> None:
    ingest = _ingest(db)
    v = verdict()
    ingest.apply([_raw(T.ESCALATIONS, v.to_json())])
    ingest.apply([_raw(T.STATE, _state(v.comment.id))])
    assert get_item(db, item_of(db, v)).state == "platform_removed"
    with db.read() as s:
        row = s.get(PlatformState, v.comment.id)
        assert row is not None and row.state == "removed"


def test_purge_deletes_only_what_is_past_its_keeping_time(db: Database) -> None:
    cs = settings(context_days=14, outbox_keep_days=7)
    ingest = Ingest(db, cs, "127.0.0.1:1")
    old, recent = (verdict(outcome="publish", text=t) for t in ("old", "recent"))
    old_state, recent_state = f"facebook:{unique('s')}", f"facebook:{unique('s')}"
    ingest.apply([_raw(T.PUBLISHED, old.to_json()), _raw(T.PUBLISHED, recent.to_json()),
                  _raw(T.STATE, _state(old_state)), _raw(T.STATE, _state(recent_state))])
    topic = f"test.purge.{unique('t')}"
    with db.tx() as s:
        rows = [enqueue(s, topic, "k", b"v") for _ in range(5)]
        s.flush()
        ids = [r.id for r in rows]
    long_ago = now() - timedelta(days=30)
    with db.tx() as s:
        s.execute(update(ContextComment).where(ContextComment.comment_id == old.comment.id)
                  .values(received_at=long_ago))
        s.execute(update(PlatformState).where(PlatformState.comment_id == old_state)
                  .values(at=long_ago))
        # published long ago: rows 0-1 on partition 0, row 2 refused (-1), row 3 the newest on
        # partition 0 (reconcile starts after it); row 4 still waiting to be published
        for i, partition in zip(ids[:4], (0, 0, -1, 0), strict=True):
            s.execute(update(OutboxRow).where(OutboxRow.id == i).values(
                published_at=long_ago, partition=partition, offset=i if partition >= 0 else -1))
    gone = retention.purge(db, cs)
    assert gone.context >= 1 and gone.platform_states >= 1 and gone.outbox >= 2
    with db.read() as s:
        assert s.get(ContextComment, old.comment.id) is None
        assert s.get(ContextComment, recent.comment.id) is not None
        assert s.get(PlatformState, old_state) is None and s.get(PlatformState, recent_state)
        left = set(s.scalars(select(OutboxRow.id).where(OutboxRow.topic == topic)))
    assert left == {ids[2], ids[3], ids[4]}
    assert retention.purge(db, cs).outbox == 0  # nothing more to do


# -- moderation.actions: what the actuator carried out on the platform -------------------------------
def test_an_action_shows_on_its_items_card_and_row_and_is_announced(db: Database) -> None:
    ingest = _ingest(db)
    v = verdict(outcome="hide", text="hidden by the pipeline, then on the platform")
    ingest.apply([_raw(T.AUTO_HIDDEN, v.to_json())])
    at = datetime(2026, 12, 9, 10, 0, 5, tzinfo=UTC)
    dead, changes = ingest.apply([_raw(T.ACTIONS, _action(v.comment.id, action_id="a-shown", at=at),
                                       key=f"{v.comment.id}|hide")])
    assert dead == [] and ingest.stats.actions == 1
    assert changes == [{"type": "item.platform_action", "comment_id": v.comment.id}]
    shown = _shown(db, ingest, v)
    assert shown["platform_status"] == "hidden on the platform" and shown["platform_warning"] is False
    assert [(a["action_id"], a["kind"], a["status"], a["requested_by"], a["at"])
            for a in shown["platform_actions"]] == [("a-shown", "hide", "done", "verdict:hide", at)]
    with db.read() as s:  # a page of rows: one query for all of them
        assert platform_statuses(s, [v.comment.id, "facebook:nothing-done"]) == {
            v.comment.id: ("hidden on the platform", False)}


def test_failed_then_done_for_one_action_id_shows_done(db: Database) -> None:
    ingest = _ingest(db)
    v = verdict(outcome="hide", text="the token expired, then it was renewed")
    ingest.apply([_raw(T.AUTO_HIDDEN, v.to_json())])
    t = datetime.now(UTC)
    ingest.apply([_raw(T.ACTIONS, _action(v.comment.id, action_id="a-190", status="failed", at=t,
                                          error_code="190", error="token expired"))])
    failed = _shown(db, ingest, v)
    assert failed["platform_status"] == "hide failed: token expired (190)"
    assert failed["platform_warning"] is True
    renewed = _action(v.comment.id, action_id="a-190", at=t + timedelta(seconds=30), attempts=2)
    _, changes = ingest.apply([_raw(T.ACTIONS, renewed)])
    assert changes == [{"type": "item.platform_action", "comment_id": v.comment.id}]
    done = _shown(db, ingest, v)
    assert done["platform_status"] == "hidden on the platform" and done["platform_warning"] is False
    assert [(a["status"], a["error_code"], a["error"], a["attempts"]) for a in done["platform_actions"]] == [
        ("done", None, None, 2)]


def test_an_older_record_after_a_newer_one_changes_nothing(db: Database) -> None:
    ingest = _ingest(db)
    v = verdict(outcome="hide", text="records overtaken on the topic")
    ingest.apply([_raw(T.AUTO_HIDDEN, v.to_json())])
    t = datetime.now(UTC)
    ingest.apply([_raw(T.ACTIONS, _action(v.comment.id, action_id="a-late", at=t))])
    before = ingest.stats.actions_unchanged
    _, changes = ingest.apply([_raw(T.ACTIONS, _action(v.comment.id, action_id="a-late", status="failed",
                                                       at=t - timedelta(minutes=1), error_code="190",
                                                       error="token expired"))])
    assert changes == [] and ingest.stats.actions_unchanged == before + 1
    assert _shown(db, ingest, v)["platform_status"] == "hidden on the platform"
    # in one batch too, whatever the order (and one statement touches each row once)
    other = verdict(outcome="hide", text="three records of one action in one batch")
    ingest.apply([_raw(T.AUTO_HIDDEN, other.to_json())])
    records = [_action(other.comment.id, action_id="a-batch", status=status, at=t + timedelta(seconds=n),
                       error_code=code) for status, n, code in (("failed", 1, "190"), ("done", 9, None),
                                                                ("failed", 5, "2"))]
    _, changes = ingest.apply([_raw(T.ACTIONS, r) for r in records])
    assert changes == [{"type": "item.platform_action", "comment_id": other.comment.id}]
    assert [a["status"] for a in _shown(db, ingest, other)["platform_actions"]] == ["done"]


def test_a_redelivered_action_changes_nothing(db: Database) -> None:
    ingest = _ingest(db)
    v = verdict(text="escalated and held", hold=True)
    ingest.apply([_raw(T.ESCALATIONS, v.to_json())])
    record = _action(v.comment.id, action_id="a-twice", status="dry_run",
                     requested_by="verdict:escalate-hold")
    ingest.apply([_raw(T.ACTIONS, record)])
    with db.read() as s:
        stored = s.get(PlatformAction, "a-twice")
        assert stored is not None
        first = {c: getattr(stored, c) for c in ("kind", "status", "attempts", "at", "requested_by")}
    stats = (ingest.stats.actions, ingest.stats.actions_unchanged)
    dead, changes = ingest.apply([_raw(T.ACTIONS, record)])  # after a crash: read again
    assert (dead, changes) == ([], [])
    assert (ingest.stats.actions, ingest.stats.actions_unchanged) == (stats[0], stats[1] + 1)
    with db.read() as s:
        stored = s.get(PlatformAction, "a-twice")
        assert stored is not None
        assert {c: getattr(stored, c) for c in first} == first
    shown = _shown(db, ingest, v)
    assert shown["platform_status"] == "dry run: would hide" and len(shown["platform_actions"]) == 1


def test_an_action_before_its_item_is_kept_and_shown_when_the_item_comes(db: Database) -> None:
    ingest = _ingest(db)
    v = verdict(outcome="hide", text="the actuator was quicker than the console")
    _, changes = ingest.apply([_raw(T.ACTIONS, _action(v.comment.id, kind="delete", status="skipped",
                                                       error_code="unsupported",
                                                       error="x" * 700))])
    assert changes == []  # no item shows it yet
    with db.read() as s:
        kept = s.scalar(select(PlatformAction).where(PlatformAction.comment_id == v.comment.id))
        assert kept is not None and kept.error == "x" * 500
    ingest.apply([_raw(T.AUTO_HIDDEN, v.to_json())])
    status = _shown(db, ingest, v)["platform_status"]
    assert status.startswith("delete skipped: xxx") and status.endswith("… (unsupported)")


def test_malformed_actions_are_dead_lettered_with_their_reason(db: Database) -> None:
    ingest = _ingest(db)
    v = verdict(outcome="hide", text="a good action between bad ones")
    ingest.apply([_raw(T.AUTO_HIDDEN, v.to_json())])
    good = _action(v.comment.id, action_id="a-good")
    wrong_status = json.loads(_action(v.comment.id))
    wrong_status["status"] = "exploded"
    no_comment = json.loads(_action(v.comment.id))
    del no_comment["comment_id"]
    dead, changes = ingest.apply([
        _raw(T.ACTIONS, b"{not json", key="bad-json"),
        _raw(T.ACTIONS, json.dumps(wrong_status).encode(), key="bad-status"),
        _raw(T.ACTIONS, good),
        _raw(T.ACTIONS, json.dumps(no_comment).encode(), key="no-comment"),
        _raw(T.ACTIONS, _action(v.comment.id, action_id="a" * 65), key="long-id")])
    assert [(d.key, d.reason, d.stage, d.source_topic) for d in dead] == [
        ("bad-json", "invalid_json", "console", T.ACTIONS),
        ("bad-status", "invalid_schema", "console", T.ACTIONS),
        ("no-comment", "invalid_schema", "console", T.ACTIONS),
        ("long-id", "field_too_long", "console", T.ACTIONS)]
    assert all(isinstance(d, DeadLetter) and d.raw_base64 for d in dead)
    assert "status" in dead[1].error and "comment_id" in dead[2].error
    assert changes == [{"type": "item.platform_action", "comment_id": v.comment.id}]  # the good one
    assert [a["action_id"] for a in _shown(db, ingest, v)["platform_actions"]] == ["a-good"]
