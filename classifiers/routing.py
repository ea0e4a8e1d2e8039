"""Route each comment to a model that covers its language.

A comment's language is the platform's ``lang`` when given, else detected: among the account's
expected languages when the settings name some (``classifier.languages``), a text too short to
detect then taking the account's first language. English-only models
take English and undetermined text; a multilingual model takes the languages it was trained on;
a comment in a language no loaded model covers gets no scores (``covered=False``) and the
verdict logic escalates it unless a rule already decided.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from classifiers.base import Classifier
from classifiers.language import Language, Source, check_languages, identify
from classifiers.scores import InvalidScores, validate_scores


class ExpectedLanguages(Protocol):
    """``classifier.languages`` (``civicmod.contract.settings.ExpectedLanguages``)."""

    default: Sequence[str]
    accounts: dict[str, list[str]]

    def for_account(self, account_id: str | None) -> tuple[str, ...]: ...


@dataclass(frozen=True)
class Assessment:
    scores: dict[str, float] | None
    lang: str | None
    model: Classifier | None
    #: Set when the model returned unusable scores for this comment (``scores`` is then None).
    error: str | None = None
    #: py3langid's probability for ``lang`` (None unless detected).
    confidence: float | None = None
    #: Where ``lang`` came from: "platform", "detected" or "account" (None when ``lang`` is).
    source: Source | None = None

    @property
    def covered(self) -> bool:
        return self.scores is not None or self.error is not None

    @property
    def language(self) -> Language | None:
        if self.lang is None or self.source is None:
            return None
        return Language(self.lang, self.confidence, self.source)


def checked(model: Classifier, raw: object, lang: str | Language | None = None) -> Assessment:
    """An Assessment of ``model``'s output for one comment, its scores validated."""
    code, conf, source = ((lang.code, lang.confidence, lang.source) if isinstance(lang, Language)
                          else (lang, None, None))
    try:
        return Assessment(validate_scores(raw, getattr(model, "labels", ())), code, model,
                          confidence=conf, source=source)
    except InvalidScores as exc:
        return Assessment(None, code, model, f"{getattr(model, 'name', 'classifier')} returned "
                                             f"unusable scores: {exc}", conf, source)


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
                 uncovered: str = "escalate", languages: ExpectedLanguages | None = None) -> None:
        """``uncovered``: "escalate" leaves uncovered languages unscored; "score" sends them
        to the primary model anyway. ``languages``: the expected languages per account
        (``classifier.languages``); a code py3langid cannot detect raises ValueError."""
        self.primary = primary
        self.uncovered = uncovered
        self.secondary = secondary
        self.detect_language = detect_language
        self.min_confidence = min_confidence
        self.languages = languages
        if languages is not None and detect_language:
            check_languages(languages.default, "classifier.languages.default")
            for account, langs in languages.accounts.items():
                check_languages(langs, f"classifier.languages.accounts.{account}")
        self.name = primary.name
        self.version = primary.version
        self.labels = primary.labels

    def expected(self, account_id: str | None) -> tuple[str, ...]:
        """The languages ``account_id``'s comments are expected in (empty: any)."""
        return self.languages.for_account(account_id) if self.languages is not None else ()

    def identify(self, text: str, declared: str | None = None,
                 account_id: str | None = None) -> Language | None:
        """The platform's ``lang`` when given; else detected among the account's expected
        languages (all when none), a text too short or unsure taking the account's first."""
        if declared:
            return Language(declared.split("-", 1)[0].lower(), None, "platform")
        expected = self.expected(account_id)
        if not self.detect_language:
            return Language(expected[0], None, "account") if expected else None
        return identify(text, expected, self.min_confidence)

    def language(self, text: str, declared: str | None = None,
                 account_id: str | None = None) -> str | None:
        found = self.identify(text, declared, account_id)
        return found.code if found else None

    def model_for(self, lang: str | None) -> Classifier | None:
        """The model that scores comments in ``lang`` (None: not covered, escalated)."""
        return self._model_for(lang)

    def _model_for(self, lang: str | None) -> Classifier | None:
        if lang is None or lang in _languages(self.primary):
            return self.primary
        if self.secondary is not None and lang in _languages(self.secondary):
            return self.secondary
        return self.primary if self.uncovered == "score" else None

    def assess(self, texts: Sequence[str], declared: Sequence[str | None] | None = None,
               accounts: Sequence[str | None] | None = None) -> list[Assessment]:
        """``declared``: each comment's platform ``lang``; ``accounts``: its ``account_id``."""
        langs = [self.identify(t, declared[i] if declared else None,
                               accounts[i] if accounts else None) for i, t in enumerate(texts)]
        models = [self._model_for(lang.code if lang else None) for lang in langs]
        out = [checked_none(lang) for lang in langs]  # uncovered unless a model scores it
        for model in {id(m): m for m in models if m is not None}.values():
            idx = [i for i, m in enumerate(models) if m is model]
            for i, raw in zip(idx, predict_checked(model, [texts[i] for i in idx]), strict=True):
                out[i] = checked(model, raw, langs[i])
        return out

    def predict(self, texts: Sequence[str]) -> list[dict[str, float]]:
        return [a.scores or {} for a in self.assess(texts)]


def checked_none(lang: Language | None) -> Assessment:
    """The Assessment of a comment no model scored (its language none covers)."""
    if lang is None:
        return Assessment(None, None, None)
    return Assessment(None, lang.code, None, confidence=lang.confidence, source=lang.source)
