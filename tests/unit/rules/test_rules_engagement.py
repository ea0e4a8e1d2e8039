"""The default policy's engagement rules: questions and problem reports are tagged (tag only),
rhetorical questions and other comments are not, and the rules stay cheap and within budget."""

from __future__ import annotations

import pytest

from civicmod.contract.records import NEEDS_REPLY_TAGS, Author, Comment
from rules.compiler import load_policy_set

Q, R = "engagement.question", "engagement.report"

CASES = [
    ("When will the potholes on Station Road be repaired?", {Q, R}),
    ("Who do I contact about my council tax bill?", {Q}),
    ("Hi, how do I apply for a resident parking permit?", {Q}),
    ("Is the recycling centre open on bank holiday Monday?", {Q}),
    ("Is the leisure centre shut tomorrow", {Q}),
    ("What time does the tip close on Sundays?", {Q}),
    ("Any update on the Mill Lane roadworks?", {Q}),
    ("Anybody know whether the tip takes paint", {Q}),
    ("Could you please confirm the date of the next full council meeting", {Q}),
    ("Bin collection on Harrow Lane was missed again, third week running.", {R}),
    ("Our bins haven't been emptied for two weeks", {R}),
    ("The streetlight outside 14 Elm Close has been out for a week.", {R}),
    ("Someone has fly-tipped a mattress behind the shops on King St", {R}),
    ("Graffiti all over the underpass again", {R}),
    ("The road by the bridge is flooded and cars are getting stuck.", {R}),
    ("There's a huge hole in the pavement by the school gates", {R}),
    ("Broken paving slab outside the post office", {R}),
    ("The lift in Tower B is broken again and my neighbour uses a wheelchair.", {R}),
    ("A tree has come down across the footpath in Mill Woods.", {R}),
    ("Grass verges on the estate haven't been cut all summer.", {R}),
    # not tagged: rhetorical questions, criticism, thanks, statements
    ("Who even voted for this?", set()),
    ("How is this allowed?", set()),
    ("Are you serious? This is a joke.", set()),
    ("Do you even care about residents?", set()),
    ("What a waste of money.", set()),
    ("Who wore it better?", set()),
    ("Do they think we are stupid?", set()),
    ("The council is a disgrace and the leader should go.", set()),
    ("Thank you to the gritting crews out at 4am this morning.", set()),
    ("This is the third time the road is closed this month", set()),
]


@pytest.fixture(scope="module")
def policy():
    return load_policy_set().policy_for("acct")


def comment(text: str) -> Comment:
    return Comment(id="x:1", platform="x", account_id="acct", author=Author(id="u"), text=text)


@pytest.mark.parametrize(("text", "tags"), CASES)
def test_questions_and_reports_are_tagged(policy, text: str, tags: set[str]):
    ev = policy.evaluate(comment(text), {})
    assert not ev.errors
    assert {t for h in ev for t in h.tags} & NEEDS_REPLY_TAGS == tags
    for h in ev:
        if h.rule_id.startswith("engagement."):
            assert h.action is None and h.spans  # tag only, with the words it matched


def test_the_rules_are_tag_only_and_gated(policy):
    rules = {r.id: r for r in policy.rules}
    for rid in ("engagement.question", "engagement.report"):
        assert rules[rid].action == "tag" and rules[rid].tags == (rid,)
        assert rules[rid].trigger is not None  # skipped unless a cue or a question mark is there


def test_question_mark_detector_and_its_cheap_test(policy):
    ev = policy.evaluate(comment("Is the pool open？"), {})  # a fullwidth question mark
    assert "#question" in ev.ctx.features
    assert ev.ctx.detect("text.question_mark") == [(16, 17)]
    assert "#question" not in policy.evaluate(comment("Is the pool open"), {}).ctx.features


def test_long_hostile_text_stays_within_the_regex_budget(policy):
    """A comment near the size budget made of the patterns' own cues: no system.regex_budget."""
    text = ("who do i when will is the bins not been " * 500)[:19_900] + "?"
    ev = policy.evaluate(comment(text), {})
    assert not ev.errors, ev.errors
    text = ("Is the " + "very " * 3000 + "open")[:19_999] + "?"
    assert not policy.evaluate(comment(text), {}).errors
