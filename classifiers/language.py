"""Language identification for routing (py3langid: small, offline, ~20 µs a comment).

An account may expect a few languages only (a Welsh council: en, cy): detection then chooses
among those (py3langid's ``set_languages``, one identifier cached per set; the global identifier
stays unrestricted), so slang or dialect is no longer taken for a language nobody writes there.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

Source = Literal["platform", "detected", "account"]

#: py3langid's "no linguistic content" (digits, symbols): undetermined, not a language.
NO_LANGUAGE = "zxx"


@dataclass(frozen=True)
class Language:
    """A comment's language, how sure detection was (None unless detected) and where it came from."""

    code: str
    confidence: float | None
    source: Source


def _identifier(languages: frozenset[str] | None = None) -> Any:
    """py3langid's identifier, restricted to ``languages`` when given (one cached per set)."""
    return _cached_identifier(languages or None)


@cache
def _cached_identifier(languages: frozenset[str] | None) -> Any:
    if not languages:
        from py3langid.langid import MODEL_FILE, LanguageIdentifier

        # reading the model decompresses it: ~0.7 s, so once per process (see ``preload``)
        return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    ident = copy.copy(_cached_identifier(None))  # set_languages rebinds, never mutates, arrays
    ident.set_languages(sorted(languages))
    return ident


def preload(language_sets: Iterable[Iterable[str]] = ()) -> None:
    """Load the identifier and the restricted ones for ``language_sets`` now, so that the first
    comments that need them do not wait for the model to be read (a worker calls this before it
    joins its consumer group)."""
    _identifier()
    for langs in language_sets:
        _identifier(frozenset(langs))


def known_languages() -> frozenset[str]:
    """Every language code py3langid can detect."""
    return frozenset(str(c) for c in _identifier().nb_classes)


def check_languages(languages: Iterable[str], field: str = "classifier.languages") -> None:
    """Raise ValueError naming ``field`` when a code is one py3langid cannot detect."""
    wanted = set(languages)
    if not wanted:
        return
    unknown = sorted(wanted - known_languages())
    if unknown:
        raise ValueError(f"{field}: py3langid cannot detect {', '.join(unknown)}; "
                         f"known codes: {', '.join(sorted(known_languages()))}")


def letters(text: str) -> int:
    return sum(ch.isalpha() for ch in text)


def classify(text: str, languages: Iterable[str] = ()) -> tuple[str, float]:
    """py3langid's best guess and its probability, among ``languages`` when given."""
    lang, prob = _identifier(frozenset(languages) or None).classify(text)
    return str(lang), float(prob)


def identify(text: str, expected: Iterable[str] = (), min_confidence: float = 0.3,
             min_chars: int = 12) -> Language | None:
    """The language of ``text``: detected among ``expected`` (all languages when empty); a text
    under ``min_chars`` letters, a guess under ``min_confidence`` or without evidence, and any
    text when only one language is expected, takes the first expected language (source
    "account"); None without expected languages."""
    expected = tuple(dict.fromkeys(expected))
    if letters(text) >= min_chars and len(expected) != 1:  # one language: nothing to detect
        lang, prob = classify(text, expected)
        uniform = prob <= 1 / (len(expected) or len(known_languages())) + 1e-6  # no evidence
        if prob >= min_confidence and not uniform and lang != NO_LANGUAGE:
            return Language(lang, round(prob, 4), "detected")
    return Language(expected[0], None, "account") if expected else None


def detect(text: str, min_confidence: float = 0.3, min_chars: int = 12) -> str | None:
    """ISO 639-1 code, or None when the text is too short or the guess too unsure to act on."""
    found = identify(text, (), min_confidence, min_chars)
    return found.code if found else None
