"""Claims, decisions, undo, bulk decisions, legal holds, appeals and what ingest does to items,
on SQLite and PostgreSQL. Most tests share one database per module (users cost an argon2 hash
each); each works in its own ``lane-N`` queue or on its own items."""

from __future__ import annotations

import contextlib
import random
import threading
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from civicmod.contract import topics as T
from civicmod.contract.console_settings import ConsoleSettings
from civicmod.contract.records import CommentState, Decision
from streams.console import audit
from streams.console.cards import card
from streams.console.db import Database, now
from streams.console.ingest import IngestStats, apply_state, apply_verdict
from streams.console.models import Appeal, AuditRow, DecisionRow, Item, OutboxRow
from streams.console.permissions import Forbidden, Principal
from streams.console.review import Conflict, NotFound, Refused
from streams.console.runtime import Console

from console_kit import (
    ACCOUNT,
    ORG,
    OTHER_ACCOUNT,
    add_item,
    client,
    get_item,
    item_of,
    login,
    make_user,
    settings,
    unique,
    verdict,
)


@dataclass
class World:
    db: Database
    cs: ConsoleSettings
    console: Console
    mod1: Principal
    mod2: Principal
    lead: Principal
    auditor: Principal
    viewer: Principal

    @property
    def review(self) -> Any:
        return self.console.review


@pytest.fixture(scope="module")
def world(module_db_url: str) -> Any:
    db = Database(module_db_url)
    db.setup()
    cs = settings(bulk_max=5)
    w = World(db, cs, Console(db, cs),
              mod1=make_user(db, "mod1", (("moderator", None, None),)),
              mod2=make_user(db, "mod2", (("moderator", None, None),)),
              lead=make_user(db, "lead1", (("lead", None, None),)),
              auditor=make_user(db, "aud1", (("auditor", None, None),)),
              viewer=make_user(db, "viewer1", (("viewer", None, None),)))
    yield w
    db.dispose()


def _decisions_of(db: Database, item_id: int) -> list[DecisionRow]:
    with db.read() as s:
        return list(s.scalars(select(DecisionRow).where(DecisionRow.item_id == item_id)
                              .order_by(DecisionRow.decided_at)))


def _outbox_decisions(db: Database, comment_id: str) -> list[Decision]:
    with db.read() as s:
        rows = s.scalars(select(OutboxRow).where(OutboxRow.topic == T.DECISIONS,
                                                 OutboxRow.key == comment_id).order_by(OutboxRow.id))
        return [Decision.model_validate_json(r.value) for r in rows]


def _audit_types(db: Database, comment_id: str) -> list[str]:
    with db.read() as s:
        return list(s.scalars(select(AuditRow.type).where(AuditRow.comment_id == comment_id)
                              .order_by(AuditRow.seq)))


def _set(db: Database, item_id: int, **values: Any) -> None:
    with db.tx() as s:
        s.execute(update(Item).where(Item.id == item_id).values(**values))


# -- claims ----------------------------------------------------------------------------------------
def test_two_moderators_claim_one_item_exactly_one_wins(world: World) -> None:
    item_id = add_item(world.db, world.cs)
    won = world.review.claim(world.mod1, item_id)
    assert won.claimed_by == world.mod1.user_id
    with pytest.raises(Conflict) as exc:
        world.review.claim(world.mod2, item_id)
    assert "mod1" in str(exc.value)
    assert exc.value.details["claimed_by"] == "mod1"
    assert exc.value.details["lease_until"] is not None
    assert get_item(world.db, item_id).claimed_by == world.mod1.user_id
    # the holder renews; the claim is audited once, not per renewal
    world.review.claim(world.mod1, item_id)
    comment_id = get_item(world.db, item_id).comment_id
    assert _audit_types(world.db, comment_id) == ["claim"]
    # the other moderator cannot decide it either while the lease runs
    with pytest.raises(Conflict, match="mod1"):
        world.review.decide(world.mod2, item_id, "hide", "spam")
    # after the holder releases it, the other one gets it
    world.review.release(world.mod1, item_id)
    assert world.review.claim(world.mod2, item_id).claimed_by == world.mod2.user_id


def test_claim_conflict_over_http_names_the_holder(world: World) -> None:
    http = client(world.console)
    item_id = add_item(world.db, world.cs)
    world.review.claim(world.mod1, item_id)
    a = login(http, "mod2")
    r = a.post(f"/api/items/{item_id}/claim")
    assert r.status_code == 409, r.text
    assert r.json()["claimed_by"] == "mod1" and "mod1" in r.json()["detail"]


def test_an_expired_lease_returns_the_item(world: World) -> None:
    item_id = add_item(world.db, world.cs, queue="lane-1")
    world.review.claim(world.mod1, item_id)
    assert world.review.next_item(world.mod2, "lane-1") is None  # held by mod1
    _set(world.db, item_id, lease_until=now() - timedelta(seconds=1))
    nxt = world.review.next_item(world.mod2, "lane-1")
    assert nxt is not None and nxt.id == item_id and nxt.claimed_by == world.mod2.user_id
    with pytest.raises(Conflict, match="mod2"):
        world.review.claim(world.mod1, item_id)


def test_a_short_lease_setting_expires_by_itself(world: World) -> None:
    cs = settings(lease_s=0.001)
    console = Console(world.db, cs)
    item_id = add_item(world.db, cs)
    console.review.claim(world.mod1, item_id)
    lease = get_item(world.db, item_id).lease_until
    assert lease is not None
    _set(world.db, item_id, lease_until=lease - timedelta(seconds=1))  # no sleeping: the clock moved
    assert console.review.claim(world.mod2, item_id).claimed_by == world.mod2.user_id


def test_deciding_what_someone_else_decided_is_409_with_who_and_when(world: World) -> None:
    item_id = add_item(world.db, world.cs)
    first = world.review.decide(world.mod1, item_id, "hide", "spam")
    with pytest.raises(Conflict) as exc:
        world.review.decide(world.mod2, item_id, "publish", "no_violation")
    assert exc.value.details["decided_by"] == "mod1"
    assert exc.value.details["decision"] == "hide"
    assert exc.value.details["decided_at"].replace(tzinfo=None) == first.decided_at
    http = client(world.console)
    a = login(http, "mod2")
    r = a.post(f"/api/items/{item_id}/decide", json={"action": "publish", "reason_code": "no_violation"})
    assert r.status_code == 409
    body = r.json()
    assert body["decided_by"] == "mod1" and body["decision"] == "hide"
    assert body["decided_at"].startswith(first.decided_at.isoformat()[:19])
    assert "mod1" in body["detail"]
    r = a.post(f"/api/items/{item_id}/claim")
    assert r.status_code == 409 and r.json()["decided_by"] == "mod1"
    assert len(_decisions_of(world.db, item_id)) == 1


def test_decide_and_next_claims_the_most_urgent_then_oldest(world: World) -> None:
    base = now() - timedelta(hours=1)
    first = add_item(world.db, world.cs, queue="lane-2", priority=5, received_at=base)
    old_low = add_item(world.db, world.cs, queue="lane-2", priority=5,
                       received_at=base - timedelta(minutes=30))
    urgent_new = add_item(world.db, world.cs, queue="lane-2", priority=1,
                          received_at=base + timedelta(minutes=20))
    urgent_old = add_item(world.db, world.cs, queue="lane-2", priority=1,
                          received_at=base + timedelta(minutes=10))
    add_item(world.db, world.cs, queue="lane-3", priority=0)  # another queue: not next
    taken = add_item(world.db, world.cs, queue="lane-2", priority=0)
    world.review.claim(world.mod2, taken)  # claimed by someone else: skipped
    http = client(world.console)
    a = login(http, "mod1")
    order = []
    current = first
    for _ in range(4):
        r = a.post(f"/api/items/{current}/decide",
                   json={"action": "hide", "reason_code": "spam", "next": True})
        assert r.status_code == 200, r.text
        nxt = r.json()["next"]
        order.append(nxt)
        if nxt is None:
            break
        item = get_item(world.db, nxt)
        assert item.claimed_by == world.mod1.user_id and item.lease_until is not None
        current = nxt
    assert order == [urgent_old, urgent_new, old_low, None]


def test_reason_codes_are_checked(world: World) -> None:
    item_id = add_item(world.db, world.cs)
    with pytest.raises(Refused, match="unknown reason"):
        world.review.decide(world.mod1, item_id, "hide", "i_dont_like_it")
    with pytest.raises(Refused, match="does not fit"):
        world.review.decide(world.mod1, item_id, "hide", "no_violation")
    with pytest.raises(Refused, match="does not fit"):
        world.review.decide(world.mod1, item_id, "publish", "hate")
    http = client(world.console)
    a = login(http, "mod1")
    for body in ({"action": "hide", "reason_code": "i_dont_like_it"},
                 {"action": "publish", "reason_code": "spam"},
                 {"action": "note", "reason_code": "other"},  # a note needs text
                 {"action": "frobnicate", "reason_code": "spam"}):
        r = a.post(f"/api/items/{item_id}/decide", json=body)
        assert r.status_code == 422, (body, r.text)
    assert _decisions_of(world.db, item_id) == []
    assert get_item(world.db, item_id).state == "open"
    r = a.post(f"/api/items/{item_id}/decide", json={"action": "hide", "reason_code": "harassment"})
    assert r.status_code == 200, r.text


def test_each_action_sets_the_item_and_sends_one_decision(world: World) -> None:
    cases = {"publish": ("no_violation", "decided", False), "hide": ("spam", "decided", True),
             "delete": ("threat", "decided", True), "restrict_author": ("harassment", "decided", True),
             "hold": ("spam", "open", True), "escalate": ("needs_lead", "open", False)}
    for action, (reason, state, held) in cases.items():
        item_id = add_item(world.db, world.cs)
        who = world.lead if action in ("delete", "restrict_author") else world.mod1
        row = world.review.decide(who, item_id, action, reason, "looked at it")
        item = get_item(world.db, item_id)
        assert (item.state, item.held) == (state, held), action
        assert item.last_decision_id == row.id
        assert item.claimed_by is None
        if action == "escalate":
            assert item.queue == "escalated" and item.priority <= 2
        sent = _outbox_decisions(world.db, item.comment_id)
        assert [(d.decision_id, d.action, d.reason_code, d.decided_by, d.comment_digest) for d in sent] == [
            (row.id, action, reason, who.username, item.digest)]
        assert _audit_types(world.db, item.comment_id)[-1] == "decision"
    # a note records text and changes nothing
    item_id = add_item(world.db, world.cs)
    world.review.decide(world.mod1, item_id, "note", "other", "called the resident")
    item = get_item(world.db, item_id)
    assert item.state == "open" and item.decision is None
    with pytest.raises(Refused):
        world.review.decide(world.mod1, item_id, "note", "other", "   ")


# -- concurrency -------------------------------------------------------------------------------------
def test_racing_claims_and_decisions_decide_each_item_once(db_url: str) -> None:
    db = Database(db_url)
    try:
        db.setup()
        cs = settings()
        console = Console(db, cs)
        moderators = [make_user(db, f"racer{i}", (("moderator", ORG, None),)) for i in range(20)]
        items = [add_item(db, cs) for _ in range(5)]
        start = threading.Barrier(len(moderators))
        errors: list[BaseException] = []
        won: Counter[int] = Counter()
        lock = threading.Lock()

        def work(who: Principal, seed: int) -> None:
            order = items[:]
            random.Random(seed).shuffle(order)
            try:
                start.wait()
                for item_id in order:
                    with contextlib.suppress(Conflict):
                        console.review.claim(who, item_id)
                    try:  # decide even when the claim was lost: the decision must lose too
                        console.review.decide(who, item_id, "hide", "spam")
                        with lock:
                            won[item_id] += 1
                    except Conflict:
                        pass
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(m, i)) for i, m in enumerate(moderators)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        assert won == {i: 1 for i in items}
        with db.read() as s:
            per_item = dict(s.execute(select(DecisionRow.item_id, func.count())
                                      .group_by(DecisionRow.item_id)).all())
            assert per_item == {i: 1 for i in items}
            states = set(s.scalars(select(Item.state)))
            assert states == {"decided"}
            sent = [Decision.model_validate_json(r.value) for r in
                    s.scalars(select(OutboxRow).where(OutboxRow.topic == T.DECISIONS))]
            decided_ids = set(s.scalars(select(DecisionRow.id)))
            assert sorted(d.decision_id for d in sent) == sorted(decided_ids)
            assert len({d.comment_id for d in sent}) == 5
            v = audit.verify(s)
            assert v.ok, v.problems
            assert s.scalar(select(func.count()).select_from(AuditRow)
                            .where(AuditRow.type == "decision")) == 5
    finally:
        db.dispose()


# -- undo ----------------------------------------------------------------------------------------------
def test_undo_own_decision_within_the_window(world: World) -> None:
    item_id = add_item(world.db, world.cs, queue="lane-4", priority=4)
    row = world.review.decide(world.mod1, item_id, "hide", "spam")
    undo = world.review.undo(world.mod1, row.id)
    item = get_item(world.db, item_id)
    assert (item.state, item.queue, item.held, item.decision, item.decided_by) == (
        "open", "lane-4", False, None, None)
    assert item.last_decision_id == undo.id
    sent = _outbox_decisions(world.db, item.comment_id)
    assert [(d.action, d.undoes) for d in sent] == [("hide", None), ("publish", row.id)]
    assert [(d.action, d.undoes) for d in _decisions_of(world.db, item_id)] == [
        ("hide", None), ("publish", row.id)]
    with pytest.raises(Conflict, match="already undone"):
        world.review.undo(world.lead, row.id)
    with pytest.raises(Refused):  # an undo is not undone; decide again instead
        world.review.undo(world.mod1, undo.id)
    # the item can be decided again
    world.review.decide(world.mod2, item_id, "publish", "false_positive")
    assert get_item(world.db, item_id).decision == "publish"


def test_undo_of_a_held_item_hides_it_again(world: World) -> None:
    item_id = add_item(world.db, world.cs, hold=True)
    assert get_item(world.db, item_id).held
    row = world.review.decide(world.mod1, item_id, "publish", "no_violation")
    assert not get_item(world.db, item_id).held
    world.review.undo(world.mod1, row.id)
    item = get_item(world.db, item_id)
    assert item.held and item.state == "open"
    assert [d.action for d in _outbox_decisions(world.db, item.comment_id)] == ["publish", "hold"]
    # auto-hidden comments are held too
    hidden = add_item(world.db, world.cs, outcome="hide")
    row = world.review.decide(world.mod1, hidden, "publish", "false_positive")
    world.review.undo(world.mod1, row.id)
    item = get_item(world.db, hidden)
    assert item.held and item.queue == "auto_hidden"
    assert [d.action for d in _outbox_decisions(world.db, item.comment_id)] == ["publish", "hold"]


def test_undo_of_an_escalation_restores_queue_and_priority(world: World) -> None:
    item_id = add_item(world.db, world.cs, queue="lane-5", priority=7)
    row = world.review.decide(world.mod1, item_id, "escalate", "needs_lead")
    assert get_item(world.db, item_id).queue == "escalated"
    world.review.undo(world.mod1, row.id)
    item = get_item(world.db, item_id)
    assert (item.queue, item.priority, item.state) == ("lane-5", 7, "open")


def test_undo_after_the_window_needs_a_lead(world: World) -> None:
    item_id = add_item(world.db, world.cs)
    row = world.review.decide(world.mod1, item_id, "hide", "spam")
    with world.db.tx() as s:
        s.execute(update(DecisionRow).where(DecisionRow.id == row.id).values(
            decided_at=now() - timedelta(seconds=world.cs.undo_window_s + 5)))
    with pytest.raises(Forbidden):
        world.review.undo(world.mod1, row.id)
    with pytest.raises(Forbidden):
        world.review.undo(world.mod2, row.id)
    assert get_item(world.db, item_id).state == "decided"
    world.review.undo(world.lead, row.id)
    assert get_item(world.db, item_id).state == "open"


def test_someone_elses_decision_is_undone_by_a_lead_only(world: World) -> None:
    item_id = add_item(world.db, world.cs)
    row = world.review.decide(world.mod1, item_id, "hide", "spam")
    with pytest.raises(Forbidden):
        world.review.undo(world.mod2, row.id)
    with pytest.raises(Forbidden):
        world.review.undo(world.viewer, row.id)
    world.review.undo(world.lead, row.id)
    assert get_item(world.db, item_id).state == "open"
    with pytest.raises(NotFound):
        world.review.undo(world.lead, "no-such-decision")


def test_a_deletion_cannot_be_undone(world: World) -> None:
    item_id = add_item(world.db, world.cs)
    row = world.review.decide(world.lead, item_id, "delete", "threat")
    with pytest.raises(Refused):
        world.review.undo(world.lead, row.id)
    item = get_item(world.db, item_id)
    assert item.state == "decided" and item.decision == "delete"
    assert [d.action for d in _outbox_decisions(world.db, item.comment_id)] == ["delete"]


def test_a_viewer_cannot_undo_their_old_own_decision_after_demotion(world: World) -> None:
    """Undoing is deciding: someone who lost the moderator role cannot undo, even their own."""
    who = make_user(world.db, unique("demoted"), (("moderator", None, None),))
    item_id = add_item(world.db, world.cs)
    row = world.review.decide(who, item_id, "hide", "spam")
    demoted = Principal(who.user_id, who.username, (world.viewer.grants[0],))
    with pytest.raises(Forbidden):
        world.review.undo(demoted, row.id)
    assert get_item(world.db, item_id).state == "decided"


# -- bulk ----------------------------------------------------------------------------------------------
def test_bulk_preview_confirm_and_limits(world: World) -> None:
    ids = [add_item(world.db, world.cs, queue="lane-6") for _ in range(3)]
    done = add_item(world.db, world.cs, queue="lane-6")
    world.review.decide(world.mod1, done, "publish", "no_violation")
    claimed = add_item(world.db, world.cs, queue="lane-6")
    world.review.claim(world.mod2, claimed)
    asked = [*ids, done, claimed]
    preview = world.review.bulk_preview(world.lead, [*asked, 999_999], "hide")
    assert preview["count"] == 3 and sorted(preview["items"]) == sorted(ids)
    assert {s["item"]: s["why"] for s in preview["skipped"]} == {
        done: "already decided", claimed: "claimed by another moderator", 999_999: "not found"}
    with pytest.raises(Conflict):  # the count the lead saw is not what would be decided
        world.review.bulk_decide(world.lead, asked, "hide", "spam", None, confirm_count=5)
    assert all(get_item(world.db, i).state == "open" for i in ids)
    with pytest.raises(Refused, match="at most 5"):
        world.review.bulk_decide(world.lead, [*asked, 999_999], "hide", "spam", None, confirm_count=3)
    with pytest.raises(Refused, match="bulk"):
        world.review.bulk_decide(world.lead, ids, "delete", "spam", None, confirm_count=3)
    with pytest.raises(Forbidden):
        world.review.bulk_decide(world.mod1, ids, "hide", "spam", None, confirm_count=3)
    with pytest.raises(Forbidden):
        world.review.bulk_preview(world.mod1, ids, "hide")
    rows = world.review.bulk_decide(world.lead, asked, "hide", "spam", "flood", confirm_count=3)
    assert sorted(r.item_id for r in rows) == sorted(ids)
    assert all(get_item(world.db, i).decision == "hide" for i in ids)
    assert get_item(world.db, claimed).state == "open"
    for i in ids:
        assert [d.action for d in _outbox_decisions(world.db, get_item(world.db, i).comment_id)] == ["hide"]


def test_bulk_is_all_or_nothing(world: World) -> None:
    ids = [add_item(world.db, world.cs, queue="lane-7") for _ in range(3)]
    with pytest.raises(Refused):  # a reason that does not fit: nothing is decided
        world.review.bulk_decide(world.lead, ids, "publish", "spam", None, confirm_count=3)
    assert all(get_item(world.db, i).state == "open" for i in ids)
    assert all(_decisions_of(world.db, i) == [] for i in ids)


def test_bulk_over_http(world: World) -> None:
    ids = [add_item(world.db, world.cs, queue="lane-8") for _ in range(2)]
    http = client(world.console)
    lead = login(http, "lead1")
    r = lead.post("/api/bulk/preview", json={"item_ids": ids, "action": "hide"})
    assert r.status_code == 200 and r.json()["count"] == 2
    r = lead.post("/api/bulk/decide", json={"item_ids": ids, "action": "delete", "reason_code": "spam",
                                            "confirm_count": 2})
    assert r.status_code == 422
    r = lead.post("/api/bulk/decide", json={"item_ids": ids, "action": "hide", "reason_code": "spam",
                                            "confirm_count": 1})
    assert r.status_code == 409
    r = lead.post("/api/bulk/decide", json={"item_ids": list(range(1, 7)), "action": "hide",
                                            "reason_code": "spam", "confirm_count": 2})
    assert r.status_code == 422
    r = lead.post("/api/bulk/decide", json={"item_ids": ids, "action": "hide", "reason_code": "spam",
                                            "confirm_count": 2})
    assert r.status_code == 200 and r.json()["decided"] == 2


# -- legal holds ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("scope", ["item", "author", "account"])
def test_a_legal_hold_blocks_deletion_until_released(world: World, scope: str) -> None:
    author = unique("author")
    account = OTHER_ACCOUNT if scope == "account" else ACCOUNT
    item_id = add_item(world.db, world.cs, author=author, account=account)
    item = get_item(world.db, item_id)
    value = {"item": item.comment_id, "author": f"facebook:{author}", "account": account}[scope]
    hold = world.review.place_hold(world.auditor, scope, value, "FOI-2026-0042", organisation=ORG)
    other = add_item(world.db, world.cs, author=unique("author"))  # outside the hold
    with pytest.raises(Refused, match="legal hold"):
        world.review.decide(world.lead, item_id, "delete", "threat")
    assert get_item(world.db, item_id).state == "open"
    with world.db.read() as s:
        shown = card(s, get_item(world.db, item_id), world.cs)
    assert [h["id"] for h in shown["legal_holds"]] == [hold.id]
    world.review.decide(world.lead, other, "delete", "threat")  # not held: deleted
    world.review.decide(world.mod1, item_id, "hold", "spam")  # hiding is still allowed
    world.review.release_hold(world.auditor, hold.id)
    with pytest.raises(NotFound):
        world.review.release_hold(world.auditor, hold.id)
    world.review.decide(world.lead, item_id, "delete", "threat")
    assert get_item(world.db, item_id).decision == "delete"
    with world.db.read() as s:
        types = [r.type for r in s.scalars(select(AuditRow).where(
            AuditRow.type.in_(["legal_hold.placed", "legal_hold.released"])))
            if r.details.get("hold") == hold.id]
    assert types == ["legal_hold.placed", "legal_hold.released"]


def test_a_legal_hold_needs_a_reason_and_the_role(world: World) -> None:
    item_id = add_item(world.db, world.cs)
    comment_id = get_item(world.db, item_id).comment_id
    with pytest.raises(Refused):
        world.review.place_hold(world.auditor, "item", comment_id, "   ")
    with pytest.raises(Refused):
        world.review.place_hold(world.auditor, "planet", comment_id, "FOI-1")
    with pytest.raises(Forbidden):
        world.review.place_hold(world.mod1, "item", comment_id, "FOI-1")
    hold = world.review.place_hold(world.lead, "item", comment_id, "FOI-1")
    with pytest.raises(Forbidden):
        world.review.release_hold(world.mod1, hold.id)
    world.review.release_hold(world.lead, hold.id)


# -- appeals -------------------------------------------------------------------------------------------
def test_only_hidden_comments_can_be_appealed(world: World) -> None:
    open_item = add_item(world.db, world.cs)
    with pytest.raises(Refused):
        world.review.appeal(world.mod1, open_item, "please", "staff")
    published = add_item(world.db, world.cs)
    world.review.decide(world.mod1, published, "publish", "no_violation")
    with pytest.raises(Refused):
        world.review.appeal(world.mod1, published, "please", "staff")
    deleted = add_item(world.db, world.cs)
    world.review.decide(world.lead, deleted, "delete", "threat")
    with pytest.raises(Refused):
        world.review.appeal(world.mod1, deleted, "please", "staff")
    hidden = add_item(world.db, world.cs)
    world.review.decide(world.mod1, hidden, "hide", "spam")
    with pytest.raises(Refused):
        world.review.appeal(world.mod1, hidden, "   ", "staff")
    with pytest.raises(Forbidden):
        world.review.appeal(world.viewer, hidden, "please", "staff")
    world.review.appeal(world.mod2, hidden, "please", "staff")
    with pytest.raises(Conflict):
        world.review.appeal(world.mod2, hidden, "again", "staff")


def test_an_appeal_reopens_and_a_different_moderator_decides_it(world: World) -> None:
    item_id = add_item(world.db, world.cs, queue="lane-9")
    first = world.review.decide(world.mod1, item_id, "hide", "harassment")
    appeal = world.review.appeal(world.mod2, item_id, "I was quoting the councillor", "staff")
    item = get_item(world.db, item_id)
    assert (item.state, item.queue, item.appeal_id, item.held) == ("open", "appeals", appeal.id, True)
    assert [i.id for i in world.review.list_items(world.mod2, "appeals", limit=500)].count(item_id) == 1
    with pytest.raises(Refused, match="different moderator"):
        world.review.decide(world.mod1, item_id, "publish", "appeal_upheld")
    with client(world.console) as http:
        r = login(http, "mod1").post(f"/api/items/{item_id}/decide",
                                     json={"action": "hide", "reason_code": "harassment"})
    assert r.status_code == 422 and "different moderator" in r.json()["detail"]
    assert get_item(world.db, item_id).state == "open"
    outcome = world.review.decide(world.mod2, item_id, "publish", "appeal_upheld")
    item = get_item(world.db, item_id)
    assert (item.state, item.decision, item.appeal_id, item.held) == ("decided", "publish", None, False)
    with world.db.read() as s:
        a = s.get(Appeal, appeal.id)
        assert a is not None
        assert (a.first_decision_id, a.first_reason, a.first_decided_by) == (
            first.id, "harassment", world.mod1.user_id)
        assert (a.outcome, a.outcome_reason, a.outcome_decision_id, a.decided_by) == (
            "publish", "appeal_upheld", outcome.id, world.mod2.user_id)
        shown = card(s, item, world.cs)
    [ap] = shown["appeals"]
    assert (ap["first_decided_by"], ap["first_reason"], ap["outcome"], ap["outcome_reason"],
            ap["decided_by"]) == ("mod1", "harassment", "publish", "appeal_upheld", "mod2")
    assert ap["statement"] == "I was quoting the councillor"
    assert [d["action"] for d in shown["decisions"]] == ["hide", "publish"]
    sent = _outbox_decisions(world.db, item.comment_id)
    assert [(d.action, d.appeal_id) for d in sent] == [("hide", None), ("publish", str(appeal.id))]


def test_an_auto_hidden_comment_is_appealable_by_anyone_who_did_not_hide_it(world: World) -> None:
    item_id = add_item(world.db, world.cs, outcome="hide")
    appeal = world.review.appeal(world.mod1, item_id, "it was a joke", "api")
    assert appeal.first_decided_by is None
    world.review.decide(world.mod1, item_id, "hide", "harassment")  # upheld by the one who entered it
    with world.db.read() as s:
        a = s.get(Appeal, appeal.id)
        assert a is not None and (a.outcome, a.outcome_reason) == ("hide", "harassment")


# -- ingest ----------------------------------------------------------------------------------------------
def test_ingest_state_edit_and_redelivery(world: World) -> None:
    stats = IngestStats()
    v = verdict(text="first version, rude")
    cid = v.comment.id
    with world.db.tx() as s:
        assert apply_verdict(s, v, world.cs, stats)
    first = item_of(world.db, v)
    with world.db.tx() as s:  # redelivered: nothing changes
        assert not apply_verdict(s, v, world.cs, stats)
    assert stats.duplicate == 1
    world.review.claim(world.mod1, first)
    edited = verdict(comment_id=cid, text="second version, still rude")
    with world.db.tx() as s:
        assert apply_verdict(s, edited, world.cs, stats)
    second = item_of(world.db, edited)
    old = get_item(world.db, first)
    assert (old.state, old.claimed_by) == ("superseded", None)
    assert get_item(world.db, second).state == "open"
    with pytest.raises(Conflict, match="superseded"):
        world.review.decide(world.mod1, first, "hide", "spam")
    world.review.decide(world.mod1, second, "hide", "spam")
    for again in (v, edited):  # a redelivery of either version changes nothing
        with world.db.tx() as s:
            assert not apply_verdict(s, again, world.cs, stats)
    assert get_item(world.db, second).state == "decided"
    assert get_item(world.db, first).state == "superseded"
    with world.db.read() as s:
        assert s.scalar(select(func.count()).select_from(Item).where(Item.comment_id == cid)) == 2
    assert len(_outbox_decisions(world.db, cid)) == 1


def test_a_platform_removal_closes_open_items(world: World) -> None:
    open_id = add_item(world.db, world.cs)
    decided_id = add_item(world.db, world.cs)
    world.review.decide(world.mod1, decided_id, "hide", "spam")
    stats = IngestStats()
    for item_id in (open_id, decided_id):
        item = get_item(world.db, item_id)
        state = CommentState(comment_id=item.comment_id, platform="facebook", account_id=ACCOUNT,
                             verb="remove", received_at=now())
        with world.db.tx() as s:
            assert apply_state(s, state, stats) == [item_id]
        with world.db.tx() as s:  # redelivered: the same
            apply_state(s, state, stats)
    opened, decided = get_item(world.db, open_id), get_item(world.db, decided_id)
    assert (opened.state, opened.platform_state) == ("platform_removed", "removed")
    assert (decided.state, decided.platform_state, decided.decision) == ("decided", "removed", "hide")
    with pytest.raises(Conflict, match="platform"):
        world.review.decide(world.mod1, open_id, "hide", "spam")
    hidden = add_item(world.db, world.cs)
    item = get_item(world.db, hidden)
    with world.db.tx() as s:
        apply_state(s, CommentState(comment_id=item.comment_id, platform="facebook", account_id=ACCOUNT,
                                    verb="hide", received_at=now()), stats)
    item = get_item(world.db, hidden)
    assert (item.state, item.platform_state) == ("open", "hidden")


def test_values_at_their_column_limits_work_everywhere(world: World) -> None:
    """The longest comment id, account and author an item holds also fit every other table
    (audit, holds, restrictions, outbox) on PostgreSQL, which refuses what does not fit."""
    long_id = "facebook:" + "1234567890" * 29 + "1"
    account = "page:" + "x" * 195
    author = "a" * 200
    assert (len(long_id), len(account)) == (300, 200)
    item_id = add_item(world.db, world.cs, comment_id=long_id, account=account, author=author)
    item = get_item(world.db, item_id)
    assert (item.comment_id, item.account_id, item.author_id) == (long_id, account, author)
    admin = make_user(world.db, unique("admin"), (("admin", None, None),))
    row = world.review.decide(admin, item_id, "hide", "spam")
    world.review.undo(admin, row.id)
    for scope, value in (("item", long_id), ("account", account), ("author", f"facebook:{author}")):
        hold = world.review.place_hold(admin, scope, value, "FOI-7")
        world.review.release_hold(admin, hold.id)
    world.review.decide(admin, item_id, "restrict_author", "spam")
    with pytest.raises(Refused):  # longer than any item's id: refused, not a database error
        world.review.place_hold(admin, "item", long_id + "9", "FOI-7")
    with pytest.raises(Refused):
        world.review.place_hold(admin, "account", account + "9", "FOI-7")
    with world.db.read() as s:
        assert audit.verify(s).ok
