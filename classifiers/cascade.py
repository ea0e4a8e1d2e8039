"""A distilled student that hands the comments it is unsure of to its teacher.

A student with fewer layers is several times faster than its teacher, but it moves some comments
across a threshold: on the teachers trained here it routed 95–97% of held-out comments as the
teacher did (docs/model-calibration.md), below the 99% the loader asks of a student on its own.
The comments it moves are the ones scored close to a threshold. The cascade scores every
comment with the student and re-scores with the teacher only those with a score within
``margin`` of a threshold that decides a route (any label's hide or escalate threshold, in any
language's table). A route can then differ from the teacher's only where the student is off by
more than ``margin``; ``civicmod models distill`` picks the smallest margin that keeps the
held-out agreement at the gate, and measures on other held-out comments what it defers.

The margin is in log-odds, the scale the student was trained on (the teacher's logits): a
student's error is about as large at 0.97 as at 0.7 there, while in probability it shrinks
toward 0 and 1. A probability margin wide enough for the 0.7 line (0.11, measured) took in every
score from 0.86 up around a 0.97 hide line and deferred 82% of Davidson's mostly offensive
tweets; in log-odds the band is narrow where scores crowd.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from classifiers.base import Classifier, ClassifierError, nested
from classifiers.evaluation import flagged, threshold

#: Margins (log-odds) ``choose_margin`` tries, smallest first (0 is the student alone).
MARGINS: tuple[float, ...] = tuple(round(0.05 * i, 2) for i in range(0, 121))
#: Scores are clipped to [EPS, 1 − EPS] before taking log-odds.
EPS = 1e-7


def log_odds(p: float) -> float:
    p = min(max(p, EPS), 1 - EPS)
    return math.log(p / (1 - p))


def route(scores: Mapping[str, float], hide: Mapping[str, float],
          escalate: Mapping[str, float]) -> str:
    """The route the verdict's model reasons give these scores (rules aside)."""
    if flagged(scores, hide):
        return "hide"
    return "escalate" if flagged(scores, escalate) else "publish"


def cut_points(labels: Iterable[str], tables: Iterable[Mapping[str, float]]) -> dict[str, tuple[float, ...]]:
    """Per label, the sorted thresholds at which some table changes a comment's route."""
    tables = list(tables)
    cuts: dict[str, tuple[float, ...]] = {}
    for label in labels:
        values = {v for t in tables if (v := threshold(t, label)) is not None}
        cuts[label] = tuple(sorted(values))
    return cuts


def logit_cuts(cuts: Mapping[str, Sequence[float]]) -> dict[str, tuple[float, ...]]:
    """The cut points in log-odds, sorted: the scale a margin is in (for :func:`near_logits`)."""
    return {label: tuple(log_odds(p) for p in sorted(points)) for label, points in cuts.items()}


def near(scores: Mapping[str, float], cuts: Mapping[str, Sequence[float]], margin: float) -> bool:
    """Whether any score lies within ``margin`` (log-odds) of one of its label's cut points (or
    is not a number: the teacher decides those too)."""
    return near_logits(scores, logit_cuts(cuts), margin)


def near_logits(scores: Mapping[str, float], cuts: Mapping[str, Sequence[float]],
                margin: float) -> bool:
    """:func:`near`, the cut points already in log-odds (computed once, not per comment)."""
    for label, value in scores.items():
        points = cuts.get(label, ())
        if not points:
            continue
        if not math.isfinite(value):
            return True
        x = log_odds(value)
        i = bisect.bisect_left(points, x)
        if (i < len(points) and points[i] - x < margin) or (i > 0 and x - points[i - 1] < margin):
            return True
    return False


def combine(teacher: Sequence[Mapping[str, float]], student: Sequence[Mapping[str, float]],
            cuts: Mapping[str, Sequence[float]], margin: float) -> tuple[list[Mapping[str, float]], int]:
    """The cascade's scores given both models' (offline, for choosing and measuring a margin):
    the teacher's where the student is near a cut point; and how many were deferred."""
    out, deferred = [], 0
    logits = logit_cuts(cuts)
    for t, s in zip(teacher, student, strict=True):
        if near_logits(s, logits, margin):
            out.append(t)
            deferred += 1
        else:
            out.append(s)
    return out, deferred


@dataclass
class CascadeStats:
    comments: int = 0
    deferred: int = 0
    #: Batches the student failed on (the teacher scored all of them).
    student_failures: int = 0

    def as_dict(self) -> dict[str, float]:
        share = self.deferred / self.comments if self.comments else 0.0
        return {"comments": self.comments, "deferred": self.deferred, "deferred_share": share,
                "student_failures": self.student_failures}


class CascadeClassifier:
    """Scores as ``teacher`` would, ``student`` doing the work where it is sure (module doc).

    Its name and labels are the teacher's (so the teacher's thresholds apply); its version
    names both models and the margin. Cut points come from the thresholds in use: the verdict's
    builder calls :meth:`bind` with its tables (``bind_thresholds``)."""

    def __init__(self, student: Classifier, teacher: Classifier, margin: float,
                 cuts: Mapping[str, Sequence[float]]) -> None:
        if not 0 <= margin <= 20:
            raise ClassifierError(f"cascade margin (log-odds) must be between 0 and 20, not {margin}")
        missing = set(teacher.labels) - set(student.labels)
        if missing:
            raise ClassifierError(f"the student lacks the teacher's labels {sorted(missing)}")
        self.student, self.teacher, self.margin = student, teacher, margin
        self.name = teacher.name
        self.labels = teacher.labels
        self.languages = getattr(teacher, "languages", frozenset({"en"}))
        self.version = f"{student.version}+cascade-m{margin:g}-{teacher.version}"
        self._set_cuts(cuts)
        self.stats = CascadeStats()

    @property
    def models(self) -> list[Classifier]:
        return [self.student, self.teacher]

    def _set_cuts(self, cuts: Mapping[str, Sequence[float]]) -> None:
        self.cuts = {k: tuple(sorted(v)) for k, v in cuts.items()}
        self._logits = logit_cuts(self.cuts)  # once here, not for every comment

    def bind(self, tables: Iterable[Mapping[str, float]]) -> None:
        """Defer around the thresholds of these tables (the ones the verdict applies)."""
        self._set_cuts(cut_points(self.labels, tables))

    def unsure(self, text: str, scores: Mapping[str, float]) -> bool:
        """Whether the teacher re-scores this comment, given the student's ``scores``."""
        return near_logits(scores, self._logits, self.margin)

    def predict(self, texts: Sequence[str]) -> list[dict[str, float]]:
        self.stats.comments += len(texts)
        try:
            scores = self.student.predict(texts)
        except ClassifierError:
            self.stats.student_failures += 1
            self.stats.deferred += len(texts)
            return self.teacher.predict(texts)
        unsure = [i for i, s in enumerate(scores) if self.unsure(texts[i], s)]
        if unsure:
            self.stats.deferred += len(unsure)
            for i, t in zip(unsure, self.teacher.predict([texts[i] for i in unsure]), strict=True):
                scores[i] = t
        return scores


def bind_thresholds(clf: object, tables: Iterable[Mapping[str, float]]) -> None:
    """Point every cascade behind ``clf`` (the language router included) at these tables."""
    tables = list(tables)
    for inner in nested(clf):
        if isinstance(inner, CascadeClassifier):
            inner.bind(tables)


@dataclass
class CascadeChoice:
    """The margin ``choose_margin`` picked on one half of the held-out comments, and what it
    gave on the other half."""

    margin: float | None
    #: On the measuring half: routes shared with the teacher, share deferred to the teacher.
    agreement: float
    deferred: float
    n: int
    #: Held-out scoring time, student over teacher (the cascade's speed-up is
    #: 1 / (cost + deferred)).
    cost: float
    speedup: float
    passed: bool


#: One-sided z of the guard ``choose_margin`` puts on its target (95%).
GUARD_Z = 1.645


def guarded(target: float, n: int, z: float = GUARD_Z) -> float:
    """The agreement ``n`` comments must show for their population's to be at least ``target``
    with a one-sided confidence of ``z`` (normal approximation at ``target``); all of them
    where fewer comments cannot show that much."""
    return min(1.0, target + z * math.sqrt(target * (1 - target) / n)) if n else 1.0


def choose_margin(teacher: Sequence[Mapping[str, float]], student: Sequence[Mapping[str, float]],
                  hide: Mapping[str, float], escalate: Mapping[str, float], target: float,
                  cost: float, max_deferred: float) -> CascadeChoice:
    """Smallest margin whose cascade routes enough of the even-indexed comments as the teacher
    does (``target`` plus a guard for their number, :func:`guarded`: the smallest margin that
    just reaches ``target`` on a thousand comments falls short on the next thousand about half
    the time), then measured on the odd-indexed ones, which did not choose it. Passes when
    that half reaches ``target`` deferring at most ``max_deferred``."""
    labels = list(teacher[0]) if teacher else []
    cuts = cut_points(labels, (hide, escalate))

    routes = [route(t, hide, escalate) for t in teacher]

    def agreement(idx: Sequence[int], margin: float) -> tuple[float, float]:
        mixed, deferred = combine([teacher[i] for i in idx], [student[i] for i in idx], cuts, margin)
        same = sum(routes[i] == route(m, hide, escalate) for i, m in zip(idx, mixed, strict=True))
        return same / len(idx), deferred / len(idx)

    choose, measure = list(range(0, len(teacher), 2)), list(range(1, len(teacher), 2))
    if not choose or not measure:
        raise ClassifierError("too few held-out comments to choose a cascade margin")
    needed = guarded(target, len(choose))
    margin = next((m for m in MARGINS if agreement(choose, m)[0] >= needed), None)
    if margin is None:
        return CascadeChoice(None, 0.0, 1.0, len(measure), cost, 0.0, False)
    agreed, deferred = agreement(measure, margin)
    speedup = 1.0 / (cost + deferred) if cost + deferred > 0 else math.inf
    return CascadeChoice(margin, agreed, deferred, len(measure), cost, speedup,
                         agreed >= target and deferred <= max_deferred)
