"""Verdict logic: rule hits and model scores into one explained verdict, through the batch path."""

from __future__ import annotations

from pathlib import Path

import pytest

from civicmod.verdict.batch import judge_batch
from classifiers import ClassifierError, load_classifier

from judge_fixtures import FixedScores, comment, judge


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
