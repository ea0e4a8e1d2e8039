"""Language identification for routing (py3langid: small, offline, ~20 µs a comment)."""

from __future__ import annotations

from functools import cache


@cache
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect(text: str, min_confidence: float = 0.3, min_chars: int = 12) -> str | None:
    """ISO 639-1 code, or None when the text is too short or the guess too unsure to act on."""
    letters = sum(ch.isalpha() for ch in text)
    if letters < min_chars:
        return None
    lang, prob = _identifier().classify(text)
    return str(lang) if prob >= min_confidence else None
