"""Issue #14's defects, each through the batch path the worker runs (``judge_batch``) with the
default policy: no unjudged publish, swearing as a per-layer policy choice, counter-speech never
hidden, and a model's scores stepped down where a rule recognises counter-speech."""

from __future__ import annotations

from pathlib import Path

import pytest

from civicmod.contract.records import Verdict
from civicmod.verdict.batch import judge_batch
from civicmod.verdict.judge import Judge
from classifiers.routing import LanguageRouter
from rules.compiler import PolicySet, load_policy_set

from judge_fixtures import FixedScores
from policy_helpers import comment, write

CLEAN = {"toxicity": 0.01}


class English(FixedScores):
    languages = frozenset({"en"})


def _policy(tmp_path: Path | None = None, layer: str | None = None) -> PolicySet:
    layers = [write(tmp_path, "org.yaml", layer)] if layer and tmp_path else []
    return load_policy_set(["builtin:default"], layers)


def _judge(policy: PolicySet, scores: dict[str, float] | None = None, routed: bool = False) -> Judge:
    clf = English(scores or CLEAN) if scores is not None or routed else None
    if routed:
        clf = LanguageRouter(clf, detect_language=False)
    return Judge(policy, clf, {"toxicity": 0.97}, {"toxicity": 0.9}, engagement=None)


def _one(judge: Judge, text: str, lang: str | None = None) -> Verdict:
    c = comment(text)
    if lang:
        c = c.model_copy(update={"lang": lang})
    (v,) = judge_batch(judge, [c])
    return v


def _acting(v: Verdict) -> list[str]:
    return [r.id for r in v.reasons if r.action in ("hide", "escalate")]


PUBLISH_SWEARING = """
    policy: relaxed
    version: "1"
    settings: {profanity: publish}
"""


# -- 1. nothing unjudged is published ----------------------------------------------------------

@pytest.mark.parametrize("layer", [None, PUBLISH_SWEARING])
def test_uncovered_language_with_a_swear_word_is_escalated_not_published(tmp_path, layer):
    judge = _judge(_policy(tmp_path, layer), routed=True)
    v = _one(judge, "Diese Scheiße vom Rathaus ist ein Skandal, fuck", lang="de")
    assert v.outcome == "escalate"
    assert "system.language_not_covered" in _acting(v) or "speech.profanity" in _acting(v)
    assert not v.scores
    # the same text without the swear word: escalated too, unscored
    v = _one(judge, "Dieses Projekt vom Rathaus ist ein Skandal", lang="de")
    assert (v.outcome, _acting(v)) == ("escalate", ["system.language_not_covered"])


def test_a_tag_only_rule_never_decides_for_an_uncovered_language(tmp_path):
    judge = _judge(_policy(tmp_path, PUBLISH_SWEARING), routed=True)
    v = _one(judge, "Dit is een fucking schande van de gemeente", lang="nl")
    assert "profanity" in v.tags  # tagged by speech.profanity, which only tags here
    assert _acting(v) == ["system.language_not_covered"]
    assert v.outcome == "escalate"


# -- 5. swearing is a policy choice per layer ----------------------------------------------------

@pytest.mark.parametrize(("choice", "outcome"), [(None, "escalate"), ("publish", "publish"),
                                                  ("escalate", "escalate"), ("hide", "hide")])
def test_profanity_follows_the_layers_choice(tmp_path, choice, outcome):
    layer = f'policy: org\nversion: "1"\nsettings: {{profanity: {choice}}}\n' if choice else None
    judge = _judge(_policy(tmp_path, layer))
    v = _one(judge, "This consultation is a fucking shambles")
    assert v.outcome == outcome
    assert "profanity" in v.tags and "criticism" in v.tags
    if outcome == "escalate":
        assert v.escalation is not None and v.escalation.queue == "civility"


def test_leet_and_zero_width_swearing_at_the_council_is_not_published_by_default():
    judge = _judge(_policy())
    for text in ("f\u200bu\u200bc\u200bk the council", "sh1t council, resign"):
        v = _one(judge, text)
        assert v.outcome == "escalate", text
        assert "speech.profanity" in _acting(v)


@pytest.mark.parametrize("text", [
    "Useless, incompetent council. Resign, all of them. What a disgrace.",
    "The bloody bins are late again, what a shambles",
])
def test_criticism_without_strong_swearing_is_published(text):
    v = _one(_judge(_policy(), CLEAN), text)
    assert v.outcome == "publish"
    assert "criticism" in v.tags


# -- 3. negation, quotation, reporting and counter-speech ------------------------------------------

@pytest.mark.parametrize("text", [
    "Don't ever kill yourself, no matter what.",
    "It hurts to see all these people saying Muslim lives are worthless.",
    "You can write \"I'll slaughter any woman like you\", but I will take you to court for that.",
    "Statements like \"immigrants are vermin\" are deeply hurtful.",
])
def test_counter_speech_is_never_hidden(text):
    v = _one(_judge(_policy(), CLEAN), text)
    assert v.outcome != "hide", (text, _acting(v))


@pytest.mark.parametrize("text", [
    "No woman deserves to die.",
    "I would never hurt any disabled person.",
    "She should be kicked off the platform for saying \"Muslims should all be killed\".",
    "It's really not okay to be calling people trannies.",
    "Calling gay people cockroaches is such a horrible thing to do.",
])
def test_clear_counter_speech_is_published(text):
    v = _one(_judge(_policy(), CLEAN), text)
    assert v.outcome == "publish", (text, _acting(v))
    assert "counter_speech" in v.tags


@pytest.mark.parametrize(("text", "outcome"), [
    ("I will kill you.", "hide"),
    ("Muslims are vermin.", "hide"),
    ("Someone should shoot the lot of them.", "escalate"),
    ("Immigrants are scum and should all be hanged.", "hide"),
])
def test_abuse_without_counter_speech_is_still_acted_on(text, outcome):
    v = _one(_judge(_policy(), CLEAN), text)
    assert v.outcome == outcome, (text, _acting(v))
    assert "counter_speech" not in v.tags


def test_a_quoted_threat_goes_to_a_moderator_not_published():
    v = _one(_judge(_policy(), CLEAN), 'He wrote "I will kill you" to me and it is not okay')
    assert v.outcome == "escalate"
    assert "abuse.threat_quoted" in _acting(v)


@pytest.mark.parametrize(("score", "stepped", "plain"), [(0.95, None, "escalate"),
                                                        (0.99, "escalate", "hide")])
def test_the_models_reasons_step_down_one_step_for_counter_speech(score, stepped, plain):
    judge = _judge(_policy(), {"toxicity": score})
    counter = _one(judge, "It's really not okay to be calling people bitch.")
    model = next(r for r in counter.reasons if r.source == "model")
    assert model.action == stepped and "stepped down" in (model.detail or "")
    assert counter.outcome == (stepped or "publish")
    # the same score without counter-speech: the model's own action stands
    v = _one(judge, "What a bitch that woman is.")
    assert v.outcome == plain
    assert any(r.source == "model" and r.action == plain for r in v.reasons)
