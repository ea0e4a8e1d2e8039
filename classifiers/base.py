"""The interface every classifier backend implements."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable


class ClassifierError(RuntimeError):
    """A classifier could not be loaded or could not score a batch."""


@runtime_checkable
class Classifier(Protocol):
    """A batch of texts in, one ``{label: probability}`` dict per text out."""

    name: str
    version: str
    labels: tuple[str, ...]

    def predict(self, texts: Sequence[str]) -> list[dict[str, float]]: ...


def nested(clf: object) -> Iterator[object]:
    """``clf`` and every classifier inside it, outermost first: a language router's
    ``primary`` and ``secondary``, a cascade's ``models`` (student, then teacher)."""
    if clf is None:
        return
    yield clf
    for inner in (getattr(clf, "primary", None), getattr(clf, "secondary", None),
                  *getattr(clf, "models", ())):
        yield from nested(inner)


def files_digest(paths: Iterable[Path], length: int = 12) -> str:
    """Version of a model: a short hash of its weight files' bytes."""
    h = hashlib.sha256()
    for path in sorted(paths):
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
    return h.hexdigest()[:length]
