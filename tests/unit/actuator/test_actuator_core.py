"""The actuator without Kafka: intents from records, the ledger's newest-wins rules, and the
executor against the fake platforms (dry run, live calls, tokens, deletion rules)."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import pytest

from civicmod.contract.actuator_settings import ActuatorSettings
from civicmod.contract.records import Author, Comment, Decision, Escalation, Verdict
from civicmod.dev.platform_fakes import FakeGraph, FakeX
from streams.actuator import intents as I
from streams.actuator.executor import Executor
from streams.actuator.ledger import Entry, apply
from streams.actuator.limits import Limiter
from streams.actuator.platforms import make_client

T0 = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


def _verdict(outcome: str = "hide", hold: bool = False, cid: str = "facebook:1_2",
             at: datetime = T0) -> Verdict:
    c = Comment(id=cid, platform=cid.split(":")[0], account_id="fb:page", author=Author(id="u1"),
                text="call me on 07700 900123")
    esc = Escalation(queue="default", priority=5, hold=hold) if outcome == "escalate" else None
    return Verdict(comment=c, outcome=outcome, reasons=[], policy_version="p1", decided_at=at,  # type: ignore[arg-type]
                   escalation=esc)


def _decision(action: str, role: str = "moderator", at: datetime = T0 + timedelta(minutes=5),
              cid: str = "facebook:1_2") -> Decision:
    return Decision(decision_id=f"d-{action}-{at.timestamp()}", comment_id=cid, comment_digest="x",
                    platform=cid.split(":")[0], account_id="fb:page", action=action,  # type: ignore[arg-type]
                    reason_code="spam", decided_by="mod1", role=role, decided_at=at, author_id="u1")


# -- intents ------------------------------------------------------------------------------------------
def test_what_each_record_asks_for() -> None:
    assert I.from_verdict(_verdict("hide")).want == "hidden"  # type: ignore[union-attr]
    assert I.from_verdict(_verdict("escalate", hold=True)).requested_by == "verdict:escalate-hold"  # type: ignore[union-attr]
    assert I.from_verdict(_verdict("escalate", hold=False)) is None
    assert I.from_verdict(_verdict("publish")) is None
    assert I.from_decision(_decision("publish")).want == "visible"  # type: ignore[union-attr]
    assert I.from_decision(_decision("hold")).want == "hidden"  # type: ignore[union-attr]
    banned = I.from_decision(_decision("restrict_author"))
    assert banned is not None and banned.want == "hidden" and banned.restrict_author
    assert banned.author_id == "u1"
    assert I.from_decision(_decision("note")) is None and I.from_decision(_decision("escalate")) is None


def test_only_a_leads_delete_deletes() -> None:
    by_mod = I.from_decision(_decision("delete", role="moderator"))
    assert by_mod is not None and by_mod.want == "hidden" and "not a lead" in (by_mod.refused or "")
    by_lead = I.from_decision(_decision("delete", role="lead"))
    assert by_lead is not None and by_lead.want == "deleted"


# -- the ledger ---------------------------------------------------------------------------------------
def test_newest_wins_and_repeats_change_nothing() -> None:
    hide = I.from_verdict(_verdict("hide"))
    publish = I.from_decision(_decision("publish"))
    assert hide is not None and publish is not None
    e1 = apply(None, hide)
    assert e1 is not None and (e1.want, e1.status, e1.kind) == ("hidden", "pending", "hide")
    assert apply(e1, hide) is None  # redelivered
    e1.done, e1.status = "hidden", "done"
    e2 = apply(e1, publish)
    assert e2 is not None and (e2.want, e2.kind, e2.status) == ("visible", "unhide", "pending")
    assert apply(e2, hide) is None  # the verdict read after the moderator's decision: too old
    assert e2.action_id != e1.action_id and apply(None, hide).action_id == e1.action_id  # type: ignore[union-attr]


def test_already_so_needs_no_call_and_deleted_stays_deleted() -> None:
    hide = I.from_verdict(_verdict("hide"))
    e = apply(None, hide)  # type: ignore[arg-type]
    assert e is not None
    e.done, e.status = "hidden", "done"
    held = apply(e, I.from_decision(_decision("hold")))  # type: ignore[arg-type]
    assert held is not None and held.status == "done"  # hidden already
    never_hidden = apply(None, I.from_decision(_decision("publish")))  # type: ignore[arg-type]
    assert never_hidden is not None and never_hidden.status == "done"
    gone = apply(None, I.from_decision(_decision("delete", role="lead")))  # type: ignore[arg-type]
    assert gone is not None and gone.kind == "delete"
    gone.done, gone.status = "deleted", "done"
    assert apply(gone, I.from_decision(_decision("publish", at=T0 + timedelta(hours=1)))) is None  # type: ignore[arg-type]


def test_entries_survive_the_topic() -> None:
    e = apply(None, I.from_decision(_decision("restrict_author")))  # type: ignore[arg-type]
    assert e is not None
    assert Entry.from_json(e.to_json()) == e


# -- the executor against the fakes ------------------------------------------------------------------
def _settings(fb_url: str, x_url: str, **account) -> ActuatorSettings:  # type: ignore[no-untyped-def]
    fb = {"platform": "facebook", "owner_id": "page1", "token": {"env": "TEST_FB_TOKEN"}, "live": True}
    return ActuatorSettings.model_validate({
        "accounts": {"fb:page": fb | account,
                     "x:acct": {"platform": "x", "token": {"env": "TEST_X_TOKEN"}, "live": True}},
        "base_urls": {"facebook": fb_url, "x": x_url}})


@pytest.fixture
def fakes(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TEST_FB_TOKEN", "fb-secret-token")
    monkeypatch.setenv("TEST_X_TOKEN", "x-secret-token")
    with FakeGraph(tokens={"fb-secret-token"}) as fb, FakeX(tokens={"x-secret-token"}) as x:
        fb.add_comment("1_2", owner="page1", author="u1")
        x.add_comment("99")
        yield fb, x


def _run(settings: ActuatorSettings, entries: list[Entry]):  # type: ignore[no-untyped-def]
    async def go():  # type: ignore[no-untyped-def]
        clients = {p: make_client(p, settings.base_urls[p]) for p in ("facebook", "x")}
        ex = Executor(settings, clients, Limiter({}))
        steps = []
        try:
            for e in entries:
                planned = ex.plan(e)
                if planned is not None:
                    steps.append(planned)
                    continue
                if await ex.confirm(e):
                    steps.append(None)
                    continue
                e.attempts += 1
                steps.append(await ex.call(e.kind, [e]))  # type: ignore[arg-type]
        finally:
            for c in clients.values():
                await c.close()
        return ex, steps
    return asyncio.run(go())


def test_a_live_hide_is_done_once_and_recorded(fakes) -> None:  # type: ignore[no-untyped-def]
    fb, x = fakes
    e = apply(None, I.from_verdict(_verdict("hide")))  # type: ignore[arg-type]
    _, (step,) = _run(_settings(fb.url, x.url), [e])  # type: ignore[list-item]
    assert fb.comments["1_2"].hidden and fb.count("POST", "1_2") == 1
    assert (e.status, e.done) == ("done", "hidden")
    (action,) = step.actions
    assert (action.kind, action.status, action.action_id) == ("hide", "done", e.action_id)
    # after a restart with the attempt on record: the platform says it is hidden, no second POST
    again = Entry.from_json(e.to_json())
    again.status, again.done = "pending", None
    _, (confirmed,) = _run(_settings(fb.url, x.url), [again])  # type: ignore[list-item]
    assert confirmed is None and fb.count("POST", "1_2") == 1


def test_dry_run_makes_no_write_call(fakes) -> None:  # type: ignore[no-untyped-def]
    fb, x = fakes
    e = apply(None, I.from_verdict(_verdict("hide")))  # type: ignore[arg-type]
    _, (step,) = _run(_settings(fb.url, x.url, live=False), [e])  # type: ignore[list-item]
    assert fb.requests == [] and not fb.comments["1_2"].hidden
    assert e.status == "dry_run" and step.actions[0].status == "dry_run"


def test_an_expired_token_keeps_the_action_waiting_and_says_so(fakes, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    fb, x = fakes
    monkeypatch.setenv("TEST_FB_TOKEN", "expired-token-value")
    e = apply(None, I.from_verdict(_verdict("hide")))  # type: ignore[arg-type]
    ex, (step,) = _run(_settings(fb.url, x.url), [e])  # type: ignore[list-item]
    assert e.status == "waiting" and e.open and e.error_code == "190"
    assert "fb:page" in ex.failing
    assert step.actions[0].status == "failed" and step.actions[0].error_code == "190"
    assert step.audit[0]["type"] == "actuator.account_failing"
    assert "expired-token-value" not in repr(step) and "expired-token-value" not in repr(e)


def test_deletion_needs_the_account_to_allow_it(fakes) -> None:  # type: ignore[no-untyped-def]
    fb, x = fakes
    e = apply(None, I.from_decision(_decision("delete", role="lead")))  # type: ignore[arg-type]
    _run(_settings(fb.url, x.url), [e])
    assert fb.count("DELETE", "1_2") == 0 and fb.comments["1_2"].hidden and e.done == "hidden"
    assert any("allow_delete" in n for n in e.notes)
    e2 = apply(None, I.from_decision(_decision("delete", role="lead", at=T0 + timedelta(hours=2))))  # type: ignore[arg-type]
    _run(_settings(fb.url, x.url, allow_delete=True), [e2])
    assert fb.comments["1_2"].deleted and e2.done == "deleted"


def test_x_cannot_delete_a_reply_and_says_so(fakes) -> None:  # type: ignore[no-untyped-def]
    fb, x = fakes
    d = _decision("delete", role="lead", cid="x:99").model_copy(update={"account_id": "x:acct"})
    e = apply(None, I.from_decision(d))  # type: ignore[arg-type]
    settings = _settings(fb.url, x.url)
    settings.accounts["x:acct"] = settings.accounts["x:acct"].model_copy(update={"allow_delete": True})
    _, (step,) = _run(settings, [e])  # type: ignore[list-item]
    assert e.status == "skipped" and step.actions[0].status == "skipped" and x.requests == []
    # where deletion is not allowed, it is hidden instead, which X can do
    e2 = apply(None, I.from_decision(d))  # type: ignore[arg-type]
    _run(_settings(fb.url, x.url), [e2])
    assert e2.done == "hidden" and x.comments["99"].hidden


def test_the_youtube_quota_counts_the_pollers_spending_and_remembers_its_own() -> None:
    """Records of ``platform.quota`` (as the gateway's poller writes them) count against the
    actuator's budget; its own record restores what it spent before a restart."""
    from civicmod.contract.settings import Settings
    from streams.actuator.platforms.base import Endpoint
    from streams.actuator.service import Actuator

    now = datetime(2026, 12, 2, 18, 0, tzinfo=UTC).timestamp()
    act = Actuator(Settings(), clients={}, clock=lambda: now)
    quota = act.limiter.quota_for("youtube")
    assert quota is not None and quota.budget == 10_000
    endpoint = Endpoint("youtube", "set_moderation_status")
    act._on_quota_record("youtube|gateway", b'{"day": "2026-12-02", "used": 9960}', 0)
    assert act.limiter.wait_s(endpoint, "yt:city", 50) > 0  # 9,960 + 50 > 10,000: wait for the reset
    act._on_quota_record("youtube|gateway", b'{"day": "2026-12-01", "used": 10000}', 0)  # yesterday
    assert quota.spent_total == 9960
    fresh = Actuator(Settings(), clients={}, clock=lambda: now)
    fresh._on_quota_record("youtube|actuator", b'{"day": "2026-12-02", "used": 400}', 0)
    assert fresh.limiter.quota_for("youtube").own == 400  # type: ignore[union-attr]


def test_restricting_an_author_hides_the_comment_then_blocks_them(fakes) -> None:  # type: ignore[no-untyped-def]
    fb, x = fakes
    e = apply(None, I.from_decision(_decision("restrict_author")))  # type: ignore[arg-type]
    assert e is not None and e.kind == "hide"
    _, (first,) = _run(_settings(fb.url, x.url), [e])  # type: ignore[list-item]
    assert fb.comments["1_2"].hidden and e.open and e.kind == "restrict_author"  # the ban is next
    assert [a.kind for a in first.actions] == ["hide"]
    _, (second,) = _run(_settings(fb.url, x.url), [e])  # type: ignore[list-item]
    assert fb.blocked == {"page1": {"u1"}} and e.status == "done" and e.restricted
    assert [(a.kind, a.status) for a in second.actions] == [("restrict_author", "done")]
    assert second.actions[0].action_id == f"{e.action_id}-ban"


def test_the_scheduler_looks_only_at_open_entries_and_old_settled_ones_are_forgotten() -> None:
    from civicmod.contract.settings import Settings
    from streams.actuator.service import Actuator

    now = datetime(2026, 12, 2, 18, 0, tzinfo=UTC).timestamp()
    act = Actuator(Settings(), clients={}, clock=lambda: now)
    act.partitions, act.owned = 1, {0}
    old = Entry("facebook:old_1", "facebook", "fb:page", "hidden", now - 40 * 86400, "verdict:hide", "a",
                done="hidden", status="done")
    recent = Entry("facebook:new_1", "facebook", "fb:page", "hidden", now - 60, "verdict:hide", "b",
                   done="hidden", status="done")
    waiting = Entry("facebook:todo_1", "facebook", "fb:page", "hidden", now - 40 * 86400, "verdict:hide", "c")
    for e in (old, recent, waiting):
        act._on_ledger_record(e.comment_id, json.dumps(e.to_json()).encode(), 0)
    assert act.open_ids == {"facebook:todo_1"}
    groups, _ = act.ready_groups()
    assert [[e.comment_id for e in g] for g in groups] == [["facebook:todo_1"]]
    assert act.prune() == 1 and set(act.entries) == {"facebook:new_1", "facebook:todo_1"}
