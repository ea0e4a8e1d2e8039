"""Verdict logic and the per-batch moderation step, without a broker."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from civicmod.contract.records import Author, Comment
from civicmod.contract.topics import DEADLETTER, OUTCOME_TOPICS
from civicmod.verdict.batch import judge_batch
from civicmod.verdict.judge import Judge
from classifiers import ClassifierError, load_classifier
from rules import builtin_ruleset
from streams.moderate.moderator import Moderator, RawMessage


class FixedScores:
    name, version = "fixed", "1"

    def __init__(self, scores: dict[str, float], delay_s: float = 0.0, fail: bool = False,
                 short: bool = False) -> None:
        self.scores, self.delay_s, self.fail, self.short = scores, delay_s, fail, short
        self.labels = tuple(scores)  # the labels it returns are the ones it declares

    def predict(self, texts: Sequence[str]) -> list[dict[str, float]]:
        time.sleep(self.delay_s)
        if self.fail:
            raise MemoryError("out of memory")
        return [dict(self.scores) for _ in texts[: len(texts) - 1 if self.short else None]]


def judge(clf=None) -> Judge:
    return Judge(builtin_ruleset(["City of Example Council"]), clf,
                 hide_thresholds={"threat": 0.9}, escalate_thresholds={"*": 0.7})


def comment(text: str, i: int = 1, name: str = "Resident") -> Comment:
    return Comment(id=f"x:{i}", platform="x", account_id="acct",
                   author=Author(id="u", display_name=name), text=text)


def test_clean_comment_published_with_scores_and_classifier():
    (v,) = judge_batch(judge(FixedScores({"toxicity": 0.1, "threat": 0.0})), [comment("Nice park")])
    assert v.outcome == "publish" and v.reasons == []
    assert v.scores == {"toxicity": 0.1, "threat": 0.0}
    assert v.classifier is not None and v.classifier.name == "fixed"


def test_model_thresholds_escalate_and_hide():
    (v,) = judge_batch(judge(FixedScores({"toxicity": 0.8, "threat": 0.1})), [comment("meh")])
    assert v.outcome == "escalate"
    assert [(r.source, r.label, r.action) for r in v.reasons] == [("model", "toxicity", "escalate")]
    (v,) = judge_batch(judge(FixedScores({"toxicity": 0.8, "threat": 0.95})), [comment("meh")])
    assert v.outcome == "hide"


def test_most_severe_action_wins_and_every_reason_is_listed():
    text = "I know where you live"
    (v,) = judge_batch(judge(FixedScores({"toxicity": 0.1})), [comment(text, name="City of Exampie Council")])
    assert v.outcome == "hide"
    assert {r.id for r in v.reasons} == {"abuse.threat", "impersonation.official_name"}
    threat = next(r for r in v.reasons if r.id == "abuse.threat")
    assert threat.spans == [(0, len(text))]


def test_model_failure_escalates_never_publishes():
    (v,) = judge_batch(judge(FixedScores({}, fail=True)), [comment("Nice park")])
    assert v.outcome == "escalate"
    assert v.reasons[0].source == "system" and "MemoryError" in (v.reasons[0].detail or "")


def _moderator(clf, timeout_s: float = 5.0) -> Moderator:
    return Moderator(judge(clf), ThreadPoolExecutor(1), max_text_chars=100, timeout_s=timeout_s)


def _msgs(*values: bytes) -> list[RawMessage]:
    return [RawMessage(f"k{i}".encode(), v, "comments.incoming", 0, i, time.time())
            for i, v in enumerate(values)]


@pytest.mark.parametrize("clf", [FixedScores({}, delay_s=0.5), FixedScores({}, fail=True),
                                 FixedScores({"toxicity": 0.0}, short=True)],
                         ids=["timeout", "exception", "wrong-length"])
def test_moderator_escalates_every_comment_the_model_could_not_judge(clf):
    msgs = _msgs(comment("a", 1).to_json(), comment("b", 2).to_json())
    mod = _moderator(clf, timeout_s=0.1)
    assert not mod.stats.failing()
    outs = asyncio.run(mod.process(msgs))
    assert [o.topic for o in outs] == [OUTCOME_TOPICS["escalate"]] * 2
    assert mod.stats.failing() and mod.stats.classifier_failures == 1  # /health: degraded
    for o in outs:
        reasons = json.loads(o.value)["reasons"]
        assert reasons[0]["id"] == "system.classifier_failed"


def test_moderator_dead_letters_bad_input_with_source_and_raw_bytes():
    mod = _moderator(FixedScores({"toxicity": 0.0}))
    msgs = _msgs(b"{oops", comment("fine", 3).to_json(), comment("y" * 101, 4).to_json())
    msgs.append(RawMessage(b"tomb", None, "comments.incoming", 2, 99, None))
    outs = asyncio.run(mod.process(msgs))
    dead = [json.loads(o.value) for o in outs if o.topic == DEADLETTER]
    assert [d["reason"] for d in dead] == ["invalid_json", "text_too_long", "empty_message"]
    assert base64.b64decode(dead[0]["raw_base64"]) == b"{oops"
    assert (dead[0]["source_partition"], dead[0]["source_offset"]) == (0, 0)
    assert dead[2]["source_offset"] == 99
    assert [o.topic for o in outs if o.topic != DEADLETTER] == [OUTCOME_TOPICS["publish"]]
    assert mod.stats.deadletters == {"invalid_json": 1, "text_too_long": 1, "empty_message": 1}
    assert mod.stats.outcomes == {"publish": 1}


def test_auto_falls_back_loudly_without_detoxify_weights(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    loaded = load_classifier("auto")
    assert loaded.fallback and "NOT AVAILABLE" in loaded.note
    assert loaded.classifier is not None and loaded.classifier.name == "alt-profanity-check"
    (scores,) = loaded.classifier.predict(["you are a fucking idiot"])
    assert scores["toxicity"] > 0.9
    assert loaded.classifier.predict(["Thanks for fixing the streetlight"])[0]["toxicity"] < 0.5


def test_explicit_detoxify_that_fails_to_load_runs_degraded(tmp_path: Path):
    loaded = load_classifier("detoxify", checkpoint=str(tmp_path / "missing.ckpt"))
    assert loaded.error and "missing.ckpt" in loaded.error and "FAILED TO LOAD" in loaded.note
    assert loaded.classifier is not None
    with pytest.raises(ClassifierError, match="not loaded"):
        loaded.classifier.predict(["anything"])
