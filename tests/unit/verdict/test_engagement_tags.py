"""Engagement tags on the batch path: rules and the classifier tag, and no outcome changes."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from civicmod.contract.records import NEEDS_REPLY_TAGS, Author, Comment
from civicmod.dev.demo import DEMO_COMMENTS
from civicmod.verdict.batch import judge_batch
from civicmod.verdict.judge import Judge
from classifiers.engagement import load_seed
from classifiers.routing import LanguageRouter
from rules.compiler import load_policy_set

WITHOUT_ENGAGEMENT_RULES = """\
policy: no-engagement
version: "1"
description: the default policy without its engagement rules
disable: [engagement.question, engagement.report]
"""

GERMAN = [
    "Überall Graffiti an der Unterführung, schon wieder! Wann macht die Stadt das weg?",
    "Wann wird die Straße vor der Schule endlich repariert?",
    "Die Mülltonnen wurden diese Woche wieder nicht geleert.",
    "Ihr seid eine Schande, tretet zurück!",
]


class EnglishOnly:
    """A toxicity model that covers English only (like detoxify original)."""

    name, version, labels, languages = "en-model", "1", ("toxicity",), frozenset({"en"})

    def predict(self, texts: Sequence[str]) -> list[dict[str, float]]:
        return [{"toxicity": 0.9 if "idiot" in t.lower() else 0.05} for t in texts]


def comment(text: str, i: int = 1, lang: str | None = None) -> Comment:
    return Comment(id=f"x:{i}", platform="x", account_id="acct", author=Author(id=f"u{i}"),
                   text=text, lang=lang)


def test_a_german_comment_with_only_an_engagement_tag_is_still_escalated():
    """Issue #14: a tag-only rule decides nothing; a language no model covers is escalated."""
    judge = Judge(load_policy_set(), LanguageRouter(EnglishOnly()),
                  escalate_thresholds={"toxicity": 0.7})
    (v,) = judge_batch(judge, [comment(GERMAN[0])])
    assert v.comment.lang == "de"
    assert "engagement.report" in v.tags  # the rule fired (Graffiti) ...
    assert {r.id: r.action for r in v.reasons} == {
        "engagement.report": None, "system.language_not_covered": "escalate"}
    assert v.outcome == "escalate"  # ... and decided nothing
    assert v.escalation is not None and v.escalation.rule == "system.language_not_covered"


def test_rules_tag_questions_and_reports():
    judge = Judge(load_policy_set(), None, engagement=None)
    texts = ["Who do I contact about a broken streetlight?",
             "Bin collection on Harrow Lane was missed again, third week running.",
             "Who even voted for this?", "Lovely to see the park gates repainted, thank you!"]
    tags = [set(v.tags) & NEEDS_REPLY_TAGS for v in judge_batch(
        judge, [comment(t, i) for i, t in enumerate(texts)])]
    assert tags == [{"engagement.question", "engagement.report"}, {"engagement.report"}, set(), set()]


def test_the_classifier_tags_what_the_rules_miss_and_says_so():
    judge = Judge(load_policy_set(), None)
    (missed, rule, hidden) = judge_batch(judge, [
        comment("The lights on Elm Road have been dark since Friday", 1),
        comment("Graffiti all over the underpass", 2),
        comment("There's a pothole, call me on 07700 900123", 3),
    ])
    assert missed.outcome == "publish" and missed.tags == ["engagement.report"]
    (reason,) = missed.reasons
    assert (reason.source, reason.id, reason.action) == ("model", "model.engagement.report", None)
    assert reason.score is not None and reason.score >= 0.6
    assert "civicmod-engagement" in (reason.detail or "")
    assert [r.id for r in rule.reasons] == ["engagement.report"]  # the rule's tag: no model run
    assert hidden.outcome == "hide"
    assert not any(r.source == "model" for r in hidden.reasons)  # a hidden comment: not owed a reply


def test_a_failing_classifier_changes_nothing_but_a_note():
    class Broken:
        name, threshold, version = "broken", 0.5, "0"

        def tag(self, texts, langs=None):
            raise MemoryError("out of memory")

    judge = Judge(load_policy_set(), None, engagement=Broken())
    (v,) = judge_batch(judge, [comment("The lights on Elm Road have been dark since Friday")])
    assert v.outcome == "publish" and v.tags == []
    assert [(r.id, r.action) for r in v.reasons] == [("system.engagement_failed", None)]


def test_engagement_tags_never_change_an_outcome(tmp_path: Path):
    """Every demo comment, every seed example and some German comments, judged with the default
    policy (rules and classifier) and with its engagement rules switched off and no classifier:
    the same outcome and escalation, with and without a language-routing model."""
    layer = tmp_path / "no-engagement.yaml"
    layer.write_text(WITHOUT_ENGAGEMENT_RULES)
    texts = ([t for _, _, t, _ in DEMO_COMMENTS] + [e.text for e in load_seed()] + GERMAN
             + ["You useless idiot, when will you fix the road?"])
    comments = [comment(t, i) for i, t in enumerate(texts)]
    for clf in (None, LanguageRouter(EnglishOnly())):
        limits = {"toxicity": 0.7}
        with_tags = judge_batch(Judge(load_policy_set(), clf, escalate_thresholds=limits), comments)
        without = judge_batch(Judge(load_policy_set(organisation_files=[layer]), clf,
                                    escalate_thresholds=limits, engagement=None), comments)
        tagged = sum(bool(NEEDS_REPLY_TAGS & set(v.tags)) for v in with_tags)
        assert tagged > 150  # the comparison is not vacuous
        assert not any(NEEDS_REPLY_TAGS & set(v.tags) for v in without)
        for a, b in zip(with_tags, without, strict=True):
            assert (a.outcome, a.escalation) == (b.outcome, b.escalation), a.comment.text
        if clf is not None:
            assert sum(v.outcome == "escalate" for v in with_tags[-5:-1]) == 4  # German: all
