"""The "needs a reply" queue, on SQLite and PostgreSQL: questions and problem reports from the
verdict topics (not hidden ones), agency replies that close them (also when read first), what
closes them otherwise, and the comms staff's API: scoped, authorised, audited."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from civicmod.contract import topics as T
from civicmod.contract.records import Comment, CommentState, DeadLetter, MetricsSnapshot
from streams.console.db import Database, now
from streams.console.ingest import Ingest, Raw
from streams.console.models import AgencyReply, AuditRow, Item, ReplyItem
from streams.console.runtime import Console

from console_kit import (
    ACCOUNT,
    ORG,
    OTHER_ACCOUNT,
    OTHER_ORG,
    OTHER_ORG_ACCOUNT,
    client,
    item_of,
    login,
    make_user,
    settings,
    unique,
    verdict,
)

_offsets = itertools.count()
QUESTION = ["engagement.question"]


@pytest.fixture(scope="module")
def db(module_db_url: str) -> Any:
    database = Database(module_db_url)
    database.setup()
    yield database
    database.dispose()


def _raw(topic: str, value: bytes) -> Raw:
    return (topic, 0, next(_offsets), b"k", value)


def _ingest(db: Database, **overrides: Any) -> Ingest:
    return Ingest(db, settings(**overrides), "127.0.0.1:1")  # apply() never reaches Kafka


def _reply(parent: str | None, *, account: str = ACCOUNT, at: datetime | None = None,
           thread: str | None = None) -> bytes:
    return Comment(id=f"facebook:{unique('reply')}", platform="facebook", account_id=account,
                   parent_id=parent, thread_id=thread, author={"id": "page", "display_name": "The page"},
                   text="Thanks for asking: collections resume on Monday.",
                   created_at=at or datetime.now(UTC), received_at=at or datetime.now(UTC)).to_json()


def _question(**kw: Any) -> Any:
    kw.setdefault("outcome", "publish")
    kw.setdefault("text", "When will the bins on Harrow Lane be collected?")
    kw.setdefault("tags", QUESTION)
    return verdict(**kw)


def _reply_item(db: Database, comment_id: str) -> ReplyItem | None:
    with db.read() as s:
        return s.scalar(select(ReplyItem).where(ReplyItem.comment_id == comment_id))


def test_a_published_question_lands_in_the_reply_queue_once(db: Database) -> None:
    ingest = _ingest(db)
    q = _question(tags=["engagement.question", "engagement.report", "civic.bins"])
    plain = verdict(outcome="publish", text="Thanks, lovely park")
    dead, changes = ingest.apply([_raw(T.PUBLISHED, q.to_json()), _raw(T.PUBLISHED, plain.to_json())])
    assert not dead
    item = _reply_item(db, q.comment.id)
    assert item is not None and item.state == "open" and item.organisation == ORG
    assert item.tags == ["engagement.question", "engagement.report"]
    assert _reply_item(db, plain.comment.id) is None
    assert {"type": "reply.new", "comment_id": q.comment.id} in changes
    # redelivered, and an edit of the same question: still one item, nothing announced
    edited = q.model_copy(update={"comment": q.comment.model_copy(update={"text": "When? Anyone?"})})
    dead, changes = ingest.apply([_raw(T.PUBLISHED, q.to_json()), _raw(T.PUBLISHED, edited.to_json())])
    assert not dead and not [c for c in changes if c["type"] == "reply.new"]
    with db.read() as s:
        assert len(s.scalars(select(ReplyItem).where(ReplyItem.comment_id == q.comment.id)).all()) == 1


def test_hidden_questions_do_not_wait_for_a_reply_but_visible_escalations_do(db: Database) -> None:
    ingest = _ingest(db)
    hidden = _question(outcome="hide")
    held = _question(outcome="escalate", hold=True)
    visible = _question(outcome="escalate", hold=False)
    dead, _ = ingest.apply([_raw(T.AUTO_HIDDEN, hidden.to_json()), _raw(T.ESCALATIONS, held.to_json()),
                            _raw(T.ESCALATIONS, visible.to_json())])
    assert not dead
    assert _reply_item(db, hidden.comment.id) is None and _reply_item(db, held.comment.id) is None
    assert _reply_item(db, visible.comment.id) is not None  # and it is a review item as well
    with db.read() as s:
        assert s.scalar(select(Item.id).where(Item.comment_id == visible.comment.id)) is not None


def test_an_agency_reply_answers_its_question_and_records_the_first_response_time(db: Database) -> None:
    ingest = _ingest(db)
    asked = datetime.now(UTC) - timedelta(hours=3)
    q = _question(received_at=asked)
    other = _question(received_at=asked)
    ingest.apply([_raw(T.PUBLISHED, q.to_json()), _raw(T.PUBLISHED, other.to_json())])
    first, later = asked + timedelta(hours=2), asked + timedelta(hours=2, minutes=30)
    dead, changes = ingest.apply([
        _raw(T.AGENCY_REPLIES, _reply(q.comment.id, at=later)),
        _raw(T.AGENCY_REPLIES, _reply(q.comment.id, at=first)),  # the earlier reply counts
        _raw(T.AGENCY_REPLIES, _reply(other.comment.id, account=OTHER_ACCOUNT)),  # another page
    ])
    assert not dead
    item = _reply_item(db, q.comment.id)
    assert item is not None and item.state == "answered"
    assert item.first_response_s == pytest.approx(2 * 3600, abs=1)
    assert {"type": "reply.answered", "comment_id": q.comment.id} in changes
    other_item = _reply_item(db, other.comment.id)
    assert other_item is not None and other_item.state == "open"
    # a redelivered reply changes nothing
    before = ingest.stats.replies_answered
    ingest.apply([_raw(T.AGENCY_REPLIES, _reply(q.comment.id, at=later))])
    assert ingest.stats.replies_answered == before


def test_a_reply_read_before_its_question_closes_it_when_the_question_arrives(db: Database) -> None:
    ingest = _ingest(db)
    asked = datetime.now(UTC) - timedelta(minutes=50)
    q = _question(received_at=asked)
    same_batch = _question(received_at=asked)
    in_thread = _question(received_at=asked)
    ingest.apply([_raw(T.AGENCY_REPLIES, _reply(q.comment.id, at=asked + timedelta(minutes=20)))])
    with db.read() as s:
        assert s.scalar(select(AgencyReply.reply_id).where(AgencyReply.parent_id == q.comment.id))
    dead, changes = ingest.apply([
        _raw(T.AGENCY_REPLIES, _reply(same_batch.comment.id, at=asked + timedelta(minutes=5))),
        _raw(T.PUBLISHED, same_batch.to_json()),
        # a reply deeper in the conversation the question started (X: the question's id is the thread)
        _raw(T.AGENCY_REPLIES, _reply("facebook:someone-else", thread=in_thread.comment.id,
                                      at=asked + timedelta(minutes=9))),
    ])
    assert not dead
    dead, changes = ingest.apply([_raw(T.PUBLISHED, q.to_json()), _raw(T.PUBLISHED, in_thread.to_json())])
    assert not dead
    for v, minutes in ((q, 20), (same_batch, 5), (in_thread, 9)):
        item = _reply_item(db, v.comment.id)
        assert item is not None and item.state == "answered", v.comment.id
        assert item.first_response_s == pytest.approx(minutes * 60, abs=1)
    assert not [c for c in changes if c["type"] == "reply.new"]  # answered on arrival


def test_removed_on_the_platform_or_hidden_by_a_moderator_leaves_the_queue(db: Database) -> None:
    ingest = _ingest(db)
    removed, hidden = _question(), _question(outcome="escalate")
    ingest.apply([_raw(T.PUBLISHED, removed.to_json()), _raw(T.ESCALATIONS, hidden.to_json())])
    item_id = item_of(db, hidden)
    state = CommentState(comment_id=removed.comment.id, platform="facebook", account_id=ACCOUNT,
                         verb="remove", received_at=now())
    ingest.apply([_raw(T.STATE, state.to_json())])
    assert _reply_item(db, removed.comment.id).state == "removed"  # type: ignore[union-attr]
    assert _reply_item(db, hidden.comment.id).state == "open"  # type: ignore[union-attr]
    console = Console(db, ingest.settings)
    mod = make_user(db, grants=(("moderator", ORG, None),))
    console.review.decide(mod, item_id, "hide", "harassment")
    assert _reply_item(db, hidden.comment.id).state == "hidden"  # type: ignore[union-attr]


def test_unreadable_replies_are_dead_lettered_and_worker_snapshots_skipped(db: Database) -> None:
    ingest = _ingest(db)
    snapshot = MetricsSnapshot(worker="w-1", at=datetime.now(UTC), classifier="m", policy_version="p")
    good = _question()
    dead, _ = ingest.apply([
        _raw(T.AGENCY_REPLIES, b'{"schema": "civicmod.comment/1", "id": "nope"}'),
        _raw(T.AGENCY_REPLIES, b"not json"),
        _raw(T.METRICS, snapshot.to_json()),
        _raw(T.PUBLISHED, good.to_json()),
    ])
    assert [d.reason for d in dead] == ["invalid_schema", "invalid_json"]
    assert all(isinstance(d, DeadLetter) and d.stage == "console" for d in dead)
    assert ingest.stats.snapshots_skipped == 1
    assert _reply_item(db, good.comment.id) is not None  # the bad ones stopped nothing


# -- the comms staff's API ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def api(db: Database) -> Any:
    cs = settings(organisations={
        ORG: {"name": "City of A", "accounts": [ACCOUNT, OTHER_ACCOUNT], "reply_target_hours": 2},
        OTHER_ORG: {"name": "County of B", "accounts": [OTHER_ORG_ACCOUNT]}})
    console = Console(db, cs)
    http = client(console)
    users = {name: make_user(db, unique(name), grants) for name, grants in {
        "comms": (("comms", ORG, None),), "comms_b": (("comms", OTHER_ORG, None),),
        "comms_acct": (("comms", None, OTHER_ACCOUNT),), "lead": (("lead", ORG, None),),
        "moderator": (("moderator", ORG, None),), "viewer": (("viewer", ORG, None),)}.items()}
    actors = {name: login(http, p.username) for name, p in users.items()}
    return console, actors


def _asked(console: Console, *, account: str = ACCOUNT, hours_ago: float = 0.0) -> tuple[str, int]:
    v = _question(account=account, received_at=datetime.now(UTC) - timedelta(hours=hours_ago))
    Ingest(console.db, console.settings, "127.0.0.1:1").apply([_raw(T.PUBLISHED, v.to_json())])
    item = _reply_item(console.db, v.comment.id)
    assert item is not None
    return v.comment.id, item.id


def test_comms_staff_see_the_questions_of_their_scope_and_nothing_else(api: Any) -> None:
    console, a = api
    mine, mine_id = _asked(console, hours_ago=3)  # past the organisation's 2 h target
    theirs, theirs_id = _asked(console, account=OTHER_ORG_ACCOUNT)
    other_account, _ = _asked(console, account=OTHER_ACCOUNT)
    rows = a["comms"].get("/api/replies", params={"limit": 500}).json()
    shown = {r["comment_id"]: r for r in rows}
    assert mine in shown and other_account in shown and theirs not in shown
    row = shown[mine]
    assert row["overdue"] and row["target_s"] == 7200 and row["age_s"] > 3 * 3600 - 60
    assert row["platform"] == "facebook" and row["account_id"] == ACCOUNT
    assert row["url"].startswith("https://www.facebook.com/")
    assert row["tags"] == ["engagement.question"] and row["author"] == "@someone"
    assert theirs in {r["comment_id"] for r in a["comms_b"].get("/api/replies").json()}
    # an account grant: that account only
    assert {r["account_id"] for r in a["comms_acct"].get("/api/replies").json()} == {OTHER_ACCOUNT}
    # leads work the queue too; moderators and viewers do not
    assert mine in {r["comment_id"] for r in a["lead"].get("/api/replies", params={"limit": 500}).json()}
    for who in ("moderator", "viewer"):
        assert a[who].get("/api/replies").status_code == 403
        # (an item one may not see does not exist for them, as everywhere in the console)
        assert a[who].post(f"/api/replies/{mine_id}/no-reply",
                           json={"reason": "duplicate"}).status_code == 404
    # comms staff see no moderation items
    assert a["comms"].get("/api/items").json() == []
    summary = a["comms"].get("/api/replies/summary").json()
    acct = next(x for x in summary["accounts"] if x["account_id"] == ACCOUNT)
    assert acct["open"] >= 1 and acct["overdue"] >= 1 and summary["open"] >= 2
    assert theirs_id  # (used above)


def test_no_reply_needed_is_authorised_scoped_validated_and_audited(api: Any) -> None:
    console, a = api
    comment_id, item_id = _asked(console)
    url = f"/api/replies/{item_id}/no-reply"
    assert a["comms_b"].post(url, json={"reason": "duplicate"}).status_code == 404  # not in scope
    assert a["comms"].post(url, json={"reason": "duplicate"}, csrf=False).status_code == 403
    assert a["comms"].post(url, json={"reason": "because"}).status_code == 422
    assert a["comms"].post(url, json={"reason": "other"}).status_code == 422  # needs a note
    r = a["comms"].post(url, json={"reason": "answered_elsewhere", "note": "Rang them back"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["state"] == "no_reply_needed" and body["close_reason"] == "answered_elsewhere"
    assert body["closed_by"] == a["comms"].username
    again = a["lead"].post(url, json={"reason": "duplicate"})
    assert again.status_code == 409 and again.json()["state"] == "no_reply_needed"
    with console.db.read() as s:
        events = s.scalars(select(AuditRow).where(AuditRow.comment_id == comment_id)).all()
    assert [(e.type, e.actor, e.details["reason"]) for e in events] == [
        ("reply.no_reply_needed", a["comms"].username, "answered_elsewhere")]
    assert comment_id not in {r["comment_id"] for r in a["comms"].get("/api/replies",
                                                                      params={"limit": 500}).json()}
    closed = a["comms"].get("/api/replies", params={"state": "no_reply_needed", "limit": 500}).json()
    assert comment_id in {r["comment_id"] for r in closed}


def test_comms_role_can_be_granted_through_the_api(api: Any, db: Database) -> None:
    console, _a = api
    admin = make_user(db, unique("admin"), (("admin", None, None),))
    actor = login(client(console), admin.username)
    newcomer = make_user(db, unique("new"))
    r = actor.post(f"/api/users/{newcomer.user_id}/grants", json={"role": "comms", "organisation": ORG})
    assert r.status_code == 200, r.text
    me = login(client(console), newcomer.username).get("/api/me").json()
    assert me["grants"] == [{"role": "comms", "organisation": ORG, "account_id": None}]
    assert {r["code"] for r in me["no_reply_reasons"]} >= {"answered_elsewhere", "other"}


def test_agency_replies_are_kept_only_for_a_while(db: Database) -> None:
    from streams.console import retention

    ingest = _ingest(db, replies={"keep_replies_days": 14})
    old = datetime.now(UTC) - timedelta(days=15)
    ingest.apply([_raw(T.AGENCY_REPLIES, _reply("facebook:long-gone", at=old)),
                  _raw(T.AGENCY_REPLIES, _reply("facebook:recent"))])
    assert retention.purge(db, ingest.settings).agency_replies >= 1
    with db.read() as s:
        kept = set(s.scalars(select(AgencyReply.parent_id)))
    assert "facebook:recent" in kept and "facebook:long-gone" not in kept
