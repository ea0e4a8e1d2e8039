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
from classifiers.scores import InvalidScores, validate_scores


@dataclass(frozen=True)
class Assessment:
    scores: dict[str, float] | None
    lang: str | None
    model: Classifier | None
    #: Set when the model returned unusable scores for this comment (``scores`` is then None).
    error: str | None = None

    @property
    def covered(self) -> bool:
        return self.scores is not None or self.error is not None


def checked(model: Classifier, raw: object, lang: str | None = None) -> Assessment:
    """An Assessment of ``model``'s output for one comment, its scores validated."""
    try:
        return Assessment(validate_scores(raw, getattr(model, "labels", ())), lang, model)
    except InvalidScores as exc:
        return Assessment(None, lang, model, f"{getattr(model, 'name', 'classifier')} returned "
                                             f"unusable scores: {exc}")


def predict_checked(model: Classifier, texts: Sequence[str]) -> list[object]:
    """``model.predict(texts)``, refusing an answer of the wrong shape for the whole batch."""
    out = model.predict(texts)
    if not isinstance(out, list | tuple) or len(out) != len(texts):
        size = len(out) if isinstance(out, list | tuple) else type(out).__name__
        raise InvalidScores(f"{getattr(model, 'name', 'classifier')} returned {size} results "
                            f"for {len(texts)} texts")
    return list(out)


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
        out = [Assessment(None, lang, None) for lang in langs]  # uncovered unless a model scores it
        for model in {id(m): m for m in models if m is not None}.values():
            idx = [i for i, m in enumerate(models) if m is model]
            for i, raw in zip(idx, predict_checked(model, [texts[i] for i in idx]), strict=True):
                out[i] = checked(model, raw, langs[i])
        return out

    def predict(self, texts: Sequence[str]) -> list[dict[str, float]]:
        return [a.scores or {} for a in self.assess(texts)]
