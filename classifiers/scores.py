"""Check what a classifier returned before anything reads it.

A backend may return garbage: NaN or infinities (a broken checkpoint, fp16 overflow), values
outside [0, 1], an empty mapping, None, labels it did not declare, strings, booleans. Each
comment's scores go through :func:`validate_scores`; what fails is an :class:`InvalidScores`
for that comment alone, which the verdict logic escalates with a system reason (never publish).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Collection, Mapping


class InvalidScores(ValueError):
    """One comment's scores are unusable; the message says why (no comment text in it)."""


def validate_scores(raw: object, labels: Collection[str] = ()) -> dict[str, float]:
    """``raw`` as ``{label: probability}``: a non-empty mapping of string labels to finite real
    numbers within [0, 1]; when ``labels`` is given, exactly those labels."""
    if not isinstance(raw, Mapping):
        raise InvalidScores(f"expected a mapping of label to score, got {type(raw).__name__}")
    if not raw:
        raise InvalidScores("no scores")
    out: dict[str, float] = {}
    for label, value in raw.items():
        if not isinstance(label, str) or not label:
            raise InvalidScores(f"label {label!r:.40} is not a non-empty string")
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise InvalidScores(f"score of {label[:40]!r} is a {type(value).__name__}, not a number")
        score = float(value)
        if not math.isfinite(score) or not 0.0 <= score <= 1.0:
            raise InvalidScores(f"score of {label[:40]!r} is {score!r}, not within [0, 1]")
        out[label] = score
    if labels:
        missing = sorted(set(labels) - out.keys())
        unknown = sorted(out.keys() - set(labels))
        if missing or unknown:
            raise InvalidScores("labels do not match the model's: "
                                + "; ".join(filter(None, [
                                    f"missing {', '.join(missing)[:200]}" if missing else "",
                                    f"unexpected {', '.join(unknown)[:200]}" if unknown else ""])))
    return out
