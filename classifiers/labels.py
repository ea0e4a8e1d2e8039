"""The one label set every classifier reports on."""

from __future__ import annotations

#: Detoxify's label names (a model reports the subset it has).
LABELS: tuple[str, ...] = (
    "toxicity", "severe_toxicity", "obscene", "threat", "insult", "identity_attack",
    "sexual_explicit",
)

_ALIASES = {
    "toxic": "toxicity",
    "severe_toxic": "severe_toxicity",
    "identity_hate": "identity_attack",
    "sexually_explicit": "sexual_explicit",
}


def canonical_label(name: str) -> str:
    """Map a model's own label name to civicmod's (``toxic`` → ``toxicity``); others unchanged."""
    key = name.strip().lower().replace(" ", "_").replace("-", "_")
    return _ALIASES.get(key, key)
