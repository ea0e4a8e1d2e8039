"""Route each comment to a model that covers its language.

A comment's language is the platform's ``lang`` when given, else detected. English-only models
take English and undetermined text; a multilingual model takes the languages it was trained on;
a comment in a language no loaded model covers gets no scores (``covered=False``) and the
verdict logic escalates it unless a rule already decided.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from classifiers.base import Classifier
from classifiers.language import detect


@dataclass(frozen=True)
class Assessment:
    scores: dict[str, float] | None
    lang: str | None
    model: Classifier | None

    @property
    def covered(self) -> bool:
        return self.scores is not None


def _languages(clf: Classifier) -> frozenset[str]:
    return frozenset(getattr(clf, "languages", frozenset({"en"})))


class LanguageRouter:
    """``primary`` first, ``secondary`` (e.g. detoxify multilingual) for what it adds."""

    def __init__(self, primary: Classifier, secondary: Classifier | None = None,
                 detect_language: bool = True, min_confidence: float = 0.3,
                 uncovered: str = "escalate") -> None:
        """``uncovered``: "escalate" leaves uncovered languages unscored; "score" sends them
        to the primary model anyway."""
        self.primary = primary
        self.uncovered = uncovered
        self.secondary = secondary
        self.detect_language = detect_language
        self.min_confidence = min_confidence
        self.name = primary.name
        self.version = primary.version
        self.labels = primary.labels

    def language(self, text: str, declared: str | None = None) -> str | None:
        if declared:
            return declared.split("-", 1)[0].lower()
        return detect(text, self.min_confidence) if self.detect_language else None

    def _model_for(self, lang: str | None) -> Classifier | None:
        if lang is None or lang in _languages(self.primary):
            return self.primary
        if self.secondary is not None and lang in _languages(self.secondary):
            return self.secondary
        return self.primary if self.uncovered == "score" else None

    def assess(self, texts: Sequence[str],
               declared: Sequence[str | None] | None = None) -> list[Assessment]:
        langs = [self.language(t, declared[i] if declared else None) for i, t in enumerate(texts)]
        models = [self._model_for(lang) for lang in langs]
        scores: list[dict[str, float] | None] = [None] * len(texts)
        for model in {id(m): m for m in models if m is not None}.values():
            idx = [i for i, m in enumerate(models) if m is model]
            for i, s in zip(idx, model.predict([texts[i] for i in idx]), strict=True):
                scores[i] = s
        return [Assessment(s, lang, m) for s, lang, m in zip(scores, langs, models, strict=True)]

    def predict(self, texts: Sequence[str]) -> list[dict[str, float]]:
        return [a.scores or {} for a in self.assess(texts)]
