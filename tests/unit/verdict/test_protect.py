"""Records duty through the one batch path (worker, backtests, ``civicmod rules test``): with the
default policy a freedom-of-information request is never hidden automatically; it escalates,
visible, to the ``foi`` queue, with every other reason still listed."""

from __future__ import annotations

import pytest

from civicmod.contract.records import Verdict
from civicmod.verdict.backtest import Row, run_backtest
from civicmod.verdict.batch import Item, decide_all, judge_batch, run_rules, score
from civicmod.verdict.judge import Judge
from rules import builtin_ruleset

from judge_fixtures import FixedScores
from policy_helpers import comment

RULES = builtin_ruleset(["City of Example Council"])
FOI = "records.foi_request"
TOXIC = {"toxicity": 0.99, "threat": 0.2, "insult": 0.97}


def _judge(scores: dict[str, float] | None = None) -> Judge:
    return Judge(RULES, FixedScores(scores) if scores is not None else None,
                 hide_thresholds={"*": 0.95}, escalate_thresholds={"*": 0.6})


def _one(text: str, scores: dict[str, float] | None = None) -> Verdict:
    (v,) = judge_batch(_judge(scores), [comment(text)])
    return v


def _assert_foi(v: Verdict) -> None:
    assert v.outcome == "escalate", v.reasons
    assert v.escalation is not None
    assert (v.escalation.queue, v.escalation.priority, v.escalation.hold, v.escalation.rule) == (
        "foi", 2, False, FOI)
    assert all(r.action != "hide" for r in v.reasons)
    assert "records_request" in v.tags


def test_foi_request_with_a_threat_is_escalated_not_hidden():
    text = "FOI request: release the budget or I'm going to kill you"
    assert _one(text.removeprefix("FOI request: ")).outcome == "hide"  # without it: hidden
    v = _one(text)
    _assert_foi(v)
    by_id = {r.id: r for r in v.reasons}
    assert {FOI, "abuse.threat"} <= set(by_id)
    threat = by_id["abuse.threat"]
    assert threat.spans and "hide prevented by protecting rule records.foi_request" in (threat.detail or "")
    assert "prevented the hide by abuse.threat" in (by_id[FOI].detail or "")


def test_foi_request_with_profanity_over_the_model_hide_threshold_is_escalated():
    v = _one("Under the Freedom of Information Act, how much did this fucking shambles cost?", TOXIC)
    _assert_foi(v)
    ids = {r.id for r in v.reasons}
    assert {FOI, "criticism.tag", "model.toxicity", "model.insult"} <= ids  # the swearing is shown
    model = next(r for r in v.reasons if r.id == "model.toxicity")
    assert model.action == "escalate" and "hide prevented" in (model.detail or "")
    assert v.scores["toxicity"] == 0.99


def test_plain_profane_comment_is_still_hidden():
    v = _one("how much did this fucking shambles cost?", TOXIC)
    assert v.outcome == "hide" and v.escalation is None
    assert next(r for r in v.reasons if r.id == "model.toxicity").action == "hide"
    assert FOI not in {r.id for r in v.reasons}


def test_foi_request_with_personal_data_stays_visible_in_the_foi_queue():
    # the requester's own address for the reply: the locked pii rule would hide it; the records
    # duty wins (escalated, not held), and the pii reason tells the FOI team it is there
    v = _one("This is a subject access request, please reply to jo@example.com")
    _assert_foi(v)
    assert "pii.email" in {r.id for r in v.reasons}


@pytest.mark.parametrize("text", [
    "Wrap it in tin foil", "Your sarcasm is noted, councillor", "The SAR helicopter was amazing",
])
def test_near_misses_are_judged_as_before(text: str):
    v = _one(text)
    assert FOI not in {r.id for r in v.reasons}
    assert v.escalation is None or v.escalation.queue != "foi"


def _key(v: Verdict) -> tuple:
    return (v.outcome, v.escalation, [(r.id, r.action, r.detail, r.spans) for r in v.reasons], v.tags)


TEXTS = [
    "FOI request: release the budget or I'm going to kill you",
    "I'm going to kill you",
    "EIR request for the flood data, call me on 07700 900123",
    "When are the bins collected?",
]


def test_worker_steps_and_backtest_give_the_judge_batch_verdicts():
    comments = [comment(t, cid=str(i)) for i, t in enumerate(TEXTS)]
    expected = judge_batch(_judge(TOXIC), comments)
    # the worker runs the same three steps, scoring in between (its executor; here synchronously)
    j = _judge(TOXIC)
    items = [Item(c) for c in comments]
    todo = run_rules(j, items)
    assert 0 in todo  # the FOI request with a hiding threat still goes to the model
    assert 1 not in todo  # a plain threat does not
    assessed, error = score(j, [items[i].comment for i in todo])
    got = decide_all(j, items, todo, assessed, error)
    assert [_key(v) for v in got] == [_key(v) for v in expected]
    # backtests (rules only, signals replayed) through the same path
    rows = [Row(c) for c in comments]
    result = run_backtest(rows, RULES, samples=10)
    assert result.main.outcomes == {"escalate": 2, "hide": 1, "publish": 1}
    assert result.main.rule_actions["abuse.threat"] == {"escalate": 1, "hide": 1}
    escalated = {v.comment.text: v for v in result.main.samples["escalate"]}
    for text in TEXTS[0], TEXTS[2]:
        _assert_foi(escalated[text])
    (single,) = judge_batch(_judge(), [comments[0]])
    assert _key(escalated[TEXTS[0]]) == _key(single)


# --- property: whenever the records rule fires, the outcome is not hide -------------------------
try:
    from hypothesis import given, settings
    from hypothesis import strategies as st
except ImportError:  # pragma: no cover - hypothesis is a test dependency
    given = None  # type: ignore[assignment]

FRAGMENTS = [
    "FOI request", "under the Freedom of Information Act", "EIR request", "subject access request",
    "public records request", "FOIA", "I made a SAR to the council", "I'm going to kill you",
    "I know where you live", "kys", "fucking", "shit", "idiot", "you absolute moron, councillor",
    "call me on 07700 900123", "jo@example.com", "card 4111 1111 1111 1111", "bit.ly/free-money",
    "claim your refund", "vermin", "migrants", '"', "the bins", "tin foil", "sarcasm", "!!!", "\n",
]

if given is None:  # pragma: no cover
    @pytest.mark.skip(reason="hypothesis is not installed")
    def test_property_needs_hypothesis() -> None:
        pass
else:
    @settings(max_examples=200, deadline=None)
    @given(parts=st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=6),
           toxicity=st.floats(0, 1), threat=st.floats(0, 1))
    def test_a_comment_the_records_rule_fires_on_is_never_hidden(parts: list[str], toxicity: float,
                                                                 threat: float):
        text = " ".join(parts)
        v = _one(text, {"toxicity": toxicity, "threat": threat})
        if FOI in {r.id for r in v.reasons}:
            _assert_foi(v)
        else:
            assert v.escalation is None or v.escalation.rule != FOI
