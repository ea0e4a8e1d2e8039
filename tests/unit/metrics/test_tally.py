"""The aggregation without Kafka: counts per window, dedupe, joins in any order, overturns,
appeals, engagement, late records and forgetting."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from civicmod.contract.records import Action, Comment, DeadLetter, Decision, Verdict
from streams.metrics.facts import (
    Fact,
    action_fact,
    dead_fact,
    decision_fact,
    reply_fact,
    verdict_fact,
)
from streams.metrics.tally import Tally
from streams.metrics.windows import WindowKey, keys_for, window_start

from tally_kit import (
    KEEP_S,
    NOW,
    action,
    deadletter,
    decision,
    reason,
    reply,
    ts,
    verdict,
)

T_NOW = NOW.timestamp()


def fact(record: object) -> Fact:
    if isinstance(record, Verdict):
        return verdict_fact(record, T_NOW)
    if isinstance(record, Decision):
        return decision_fact(record)
    if isinstance(record, Action):
        return action_fact(record)
    if isinstance(record, Comment):
        return reply_fact(record, T_NOW)
    assert isinstance(record, DeadLetter)
    return dead_fact(record)


def _org(account: str) -> str:
    return "org-a" if account == "page:city" else "unassigned"


def tally_of(*records: object) -> Tally:
    t = Tally(keep_s=KEEP_S, lookback_s=30 * 86400, organisation_of=_org)
    for r in records:
        t.add(fact(r), T_NOW)
    return t


def day(t: Tally, account: str = "page:city", at=None):
    at = (at or ts(30)).timestamp()
    return t.aggregate(WindowKey("1d", window_start("1d", at), account), T_NOW)


def test_outcomes_reasons_and_latency_per_window():
    t = tally_of(
        verdict("1", "publish"),
        verdict("2", "hide", reasons=[reason("pii.phone", "hide")]),
        verdict("3", "escalate", reasons=[reason("abuse.borderline", "escalate")]),
        verdict("4", "publish", account="page:other"),
    )
    agg = day(t)
    assert agg.outcomes == {"publish": 1, "hide": 1, "escalate": 1}
    assert agg.reasons == {"pii.phone": {"hide": 1}, "abuse.borderline": {"escalate": 1}}
    assert agg.organisation == "org-a" and agg.platform == "facebook"
    assert agg.latency.count == 3 and agg.latency.quantile(0.5) == 2.5
    assert agg.decided_by == {"automated": 2}  # the escalation is not decided yet
    assert day(t, "page:other").outcomes == {"publish": 1}
    assert day(t, "page:other").organisation == "unassigned"
    # the same verdict lands in its minute and hour too
    minute = t.aggregate(keys_for(ts(30).timestamp(), "page:city")[0], T_NOW)
    assert minute.window == "1m" and minute.outcomes == {"publish": 1, "hide": 1, "escalate": 1}
    assert agg.key() == f"1d|{agg.start:%Y-%m-%dT%H:%MZ}|page:city".encode()


def test_a_redelivered_verdict_counts_once_and_an_edit_is_a_new_version():
    t = tally_of(verdict("1"))
    assert t.add(fact(verdict("1")), T_NOW) == "duplicate"
    assert t.add(fact(verdict("1", text="hello, edited")), T_NOW) == "new"
    assert day(t).outcomes == {"publish": 2}


def test_a_decision_read_before_its_verdict_moves_to_the_comments_window():
    early = ts(3 * 24 * 60)  # the comment arrived three days ago, decided now
    v = verdict("1", "escalate", received=early, reasons=[reason("abuse.x", "escalate")])
    d = decision("d1", "1", "hide", at=ts(1))
    t = tally_of(d)
    assert day(t, at=ts(1)).decisions == {"hide": 1}  # no verdict yet: by its own time
    t.take_dirty()
    t.add(fact(v), T_NOW)
    dirty = set(t.take_dirty())
    assert WindowKey("1d", window_start("1d", ts(1).timestamp()), "page:city") in dirty
    assert day(t, at=ts(1)).decisions == {}
    both = day(t, at=early)
    assert both.decisions == {"hide": 1} and both.decided_by == {"human": 1}
    assert both.decision_time.count == 1
    assert day(t, at=early) == day(tally_of(v, d), at=early).model_copy(
        update={"updated_at": both.updated_at})


def test_overturns_per_rule():
    hide_rule = [reason("pii.phone", "hide")]
    t = tally_of(
        # auto-hidden, published on appeal: overturned
        verdict("1", "hide", reasons=hide_rule),
        decision("d1", "1", "publish", appeal="ap1"),
        # auto-hidden, appeal upheld: reviewed only
        verdict("2", "hide", reasons=hide_rule),
        decision("d2", "2", "hide", appeal="ap2"),
        # escalated, a rule wanted to hide (downgraded), moderator publishes: overturned
        verdict("3", "escalate", reasons=[reason("new.rule", "hide")]),
        decision("d3", "3", "publish"),
        # held escalation confirmed by a hide: reviewed only
        verdict("4", "escalate", reasons=[reason("threat.maybe", "escalate")], hold=True,
                rule="threat.maybe"),
        decision("d4", "4", "hide"),
        # escalation by a rule that decides nothing itself: no overturn entry
        verdict("5", "escalate", reasons=[reason("abuse.borderline", "escalate")]),
        decision("d5", "5", "publish"),
        # auto-hidden, not reviewed yet
        verdict("6", "hide", reasons=hide_rule),
    )
    agg = day(t)
    assert {r: (o.reviewed, o.overturned) for r, o in agg.overturns.items()} == {
        "pii.phone": (2, 1), "new.rule": (1, 1), "threat.maybe": (1, 0)}
    assert agg.appeals == {"reversed": 1, "upheld": 1}
    assert agg.decided_by == {"human": 5, "automated": 1}
    assert agg.decisions == {"publish": 3, "hide": 2}
    assert agg.decision_time.count == 3  # the escalations; appeals are not decision times


def test_latest_final_decision_decides_an_overturn_and_appeals_compare_with_the_state_before():
    t = tally_of(
        verdict("1", "escalate", reasons=[reason("r", "hide")], decided=ts(29)),
        decision("d1", "1", "hide", at=ts(20)),
        decision("d2", "1", "publish", at=ts(10), appeal="ap"),  # reverses the moderator's hide
        decision("n1", "1", "note", at=ts(25)),
    )
    agg = day(t)
    assert agg.overturns["r"].model_dump() == {"reviewed": 1, "overturned": 1}
    assert agg.appeals == {"reversed": 1}
    assert agg.decisions == {"hide": 1, "publish": 1, "note": 1}
    # verdict → the first decision (a note is not one)
    assert agg.decision_time.sum_s == pytest.approx(60 * 9, abs=1)


def test_actions_and_time_to_action():
    t = tally_of(
        verdict("1", "hide", received=ts(30)),
        action("a1", "1", "hide", "failed", at=ts(29)),
        action("a1", "1", "hide", "done", at=ts(25)),  # the same action later done: both count
        action("a1", "1", "hide", "done", at=ts(24)),  # a repeat of the record: once
        action("b1", "9", "hide", "dry_run", at=ts(2)),  # its verdict unknown: own time
    )
    agg = day(t)
    assert agg.actions == {"hide.failed": 1, "hide.done": 1, "hide.dry_run": 1}
    assert agg.time_to_action.count == 1 and agg.time_to_action.sum_s == pytest.approx(300)


def test_engagement_questions_replies_and_gauges():
    q = ["engagement.question"]
    t = tally_of(
        verdict("q1", "publish", tags=q, received=ts(120)),
        verdict("q2", "escalate", tags=["engagement.report"], received=ts(60)),
        verdict("q3", "hide", tags=q, received=ts(60)),  # hidden: not a question to answer
        verdict("q4", "publish", tags=q, received=ts(90), account="page:other"),
        reply("r1", "q1", created=ts(100)),
        reply("r2", "q1", created=ts(50)),  # a second reply: the first one counts
        reply("r3", "q4", created=ts(10)),  # the other account's question: not ours
    )
    agg = day(t)
    e = agg.engagement
    assert (e.needs_reply, e.answered, e.replies) == (2, 1, 3)
    assert e.first_response.count == 1 and e.first_response.sum_s == pytest.approx(20 * 60)
    assert e.last_reply_at == ts(10)
    states = t.engagement(T_NOW, ["page:silent"])
    assert states["page:city"].unanswered == 1
    assert states["page:city"].oldest_unanswered_s == pytest.approx(3600)
    assert states["page:city"].last_reply_at == pytest.approx(ts(10).timestamp())
    assert states["page:other"].unanswered == 1  # r3 belongs to page:city, not to page:other
    assert states["page:silent"].unanswered == 0 and states["page:silent"].last_reply_at == 0


def test_a_reply_read_before_its_question_still_answers_it():
    v = verdict("q1", "publish", tags=["engagement.question"], received=ts(120))
    r = reply("r1", "q1", created=ts(100))
    a, b = tally_of(r, v), tally_of(v, r)
    assert day(a).engagement == day(b).engagement
    assert day(a).engagement.answered == 1


def test_questions_outside_the_lookback_are_not_unanswered():
    t = Tally(keep_s=KEEP_S, lookback_s=3600)
    t.add(fact(verdict("q1", tags=["engagement.question"], received=ts(120))), T_NOW)
    t.add(fact(verdict("q2", tags=["engagement.question"], received=ts(30))), T_NOW)
    assert t.engagement(T_NOW)["page:city"].unanswered == 1


def test_dead_letters_by_reason_account_from_the_raw_message_and_once_per_position():
    comment_json = b'{"id": "facebook:1", "account_id": "page:city", "platform": "facebook"}'
    t = tally_of(deadletter(1), deadletter(1), deadletter(2, "text_too_long", raw=comment_json))
    anon = day(t, "-", at=ts(3))
    assert anon.deadletters == {"invalid_json": 1} and anon.account_id == "-"
    assert day(t, at=ts(3)).deadletters == {"text_too_long": 1}


def test_records_for_closed_windows_are_late_and_open_ones_take_late_records():
    t = Tally(keep_s=KEEP_S)
    old = verdict("1", received=NOW - timedelta(days=40))
    assert t.add(fact(old), T_NOW) == "late"
    assert t.late["verdict"] == 1 and not t.open_windows()
    # three hours ago: its minute is closed (kept 2 h), its hour and day still open
    t.add(fact(verdict("2", received=ts(180))), T_NOW)
    assert sorted(k.window for k in t.open_windows()) == ["1d", "1h"]


def test_prune_closes_windows_and_forgets_old_facts():
    t = tally_of(verdict("1", received=ts(30)), decision("d1", "1", "publish", at=ts(10)))
    later = T_NOW + 3 * 3600
    t.prune(later)
    assert sorted(k.window for k in t.open_windows()) == ["1d", "1h"]
    t.prune(T_NOW + 40 * 86400)
    assert not t.verdicts and not t.decisions and not t.open_windows()


# -- order and repeats never change the result ---------------------------------------------------

def _records() -> list[object]:
    q = ["engagement.question"]
    return [
        verdict("1", "hide", reasons=[reason("pii", "hide")], received=ts(300)),
        verdict("1", "hide", text="edited", reasons=[reason("pii", "hide")], received=ts(100)),
        verdict("2", "escalate", reasons=[reason("x", "hide")], received=ts(90), tags=q),
        verdict("3", "publish", tags=q, received=ts(2000)),
        verdict("4", "escalate", hold=True, rule="held", reasons=[reason("held", "escalate")],
                received=ts(61)),
        decision("d1", "1", "publish", at=ts(50), appeal="a"),
        decision("d2", "2", "publish", at=ts(40)),
        decision("d3", "4", "hide", at=ts(30)),
        decision("d4", "4", "publish", at=ts(20), appeal="b"),
        decision("d5", "7", "hide", at=ts(5)),
        action("a1", "1", "hide", "done", at=ts(250)),
        action("a2", "1", "unhide", "done", at=ts(45)),
        action("a3", "4", "hide", "failed", at=ts(59)),
        action("a4", "8", "hide", "dry_run", at=ts(4)),
        reply("r1", "2", created=ts(80)),
        reply("r2", "3", created=ts(1000)),
        reply("r3", "3", created=ts(900), account="page:other"),
        deadletter(1), deadletter(2, "too_deep"),
    ]


def _snapshot(t: Tally) -> dict:
    keys = {k for r in _records() for k in keys_for(_at(r), getattr(fact(r), "account", "-"))}
    keys |= set(t.open_windows())
    return {k: t.aggregate(k, T_NOW).model_dump(exclude={"updated_at"}) for k in sorted(keys)}


def _at(record: object) -> float:
    return fact(record).at


EXPECTED = None


@given(st.permutations(list(range(len(_records())))),
       st.lists(st.integers(0, len(_records()) - 1), max_size=12))
def test_order_and_duplicates_do_not_change_the_result(order: list[int], repeats: list[int]):
    global EXPECTED
    records = _records()
    if EXPECTED is None:
        EXPECTED = _snapshot(tally_of(*records))
    sequence = [records[i] for i in order]
    for position, i in enumerate(repeats):  # repeats anywhere, also before the first copy
        sequence.insert((position * 7) % (len(sequence) + 1), records[i])
    assert _snapshot(tally_of(*sequence)) == EXPECTED


def test_the_reference_snapshot_has_everything_in_it():
    agg = day(tally_of(*_records()), at=ts(300))
    assert agg.outcomes == {"hide": 2, "escalate": 2}
    assert agg.appeals == {"reversed": 2}
    assert agg.engagement.needs_reply == 1 and agg.engagement.answered == 1
    assert agg.actions == {"hide.done": 1, "unhide.done": 1, "hide.failed": 1, "hide.dry_run": 1}


def test_first_response_counts_from_when_the_question_was_posted():
    """A question posted two hours before civicmod got it (a backlog, a poller catching up) and
    answered 30 min after posting: 30 min, not zero; a platform clock ahead of ours counts as
    the time civicmod received it."""
    from streams.metrics.facts import verdict_fact

    q = ["engagement.question"]
    late = verdict("q1", "publish", tags=q, received=ts(60)).model_copy(deep=True)
    late = late.model_copy(update={"comment": late.comment.model_copy(update={"created_at": ts(120)})})
    ahead = verdict("q2", "publish", tags=q, received=ts(60))
    ahead = ahead.model_copy(update={"comment": ahead.comment.model_copy(update={"created_at": ts(40)})})
    assert verdict_fact(ahead, 0).asked_at == ts(60).timestamp()
    t = tally_of(late, ahead, reply("r1", "q1", created=ts(90)), reply("r2", "q2", created=ts(50)))
    e = day(t).engagement
    assert e.first_response.count == 2
    assert e.first_response.sum_s == pytest.approx(30 * 60 + 10 * 60)
