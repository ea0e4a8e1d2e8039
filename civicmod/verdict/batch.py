"""The one batch path: comments in, one verdict each out, in three steps the worker, backtests and
``civicmod rules test`` all run.

1. :func:`run_rules` evaluates the rules of every item (reading the stateful signals, or the
   values a redelivered comment was first judged with) and says which items need the model.
2. The model scores those: :func:`score` here (synchronously), or the worker's executor under a
   timeout (``streams.moderate.moderator``). Either gives per-comment assessments or one error.
3. :func:`decide_all` turns hits and scores into verdicts (with the engagement classifier's
   tags, ``civicmod.verdict.engagement``), keeps a redelivered comment's first outcome, and
   reports each verdict to the stream's state (``Judge.on_verdict``: strikes).

Each item is guarded on its own at every step: whatever fails for one comment (any exception)
escalates that comment with a ``system`` reason; the others are unaffected.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from civicmod.contract.records import Comment, Outcome, Verdict
from civicmod.contract.wire import printable
from civicmod.verdict.engagement import engagement_notes
from civicmod.verdict.judge import Judge, Unjudged, assess
from classifiers.routing import Assessment
from rules.base import RuleHit


@dataclass
class Item:
    """One comment on its way through a batch."""

    comment: Comment
    #: A comment judged before (a redelivery): the signal values and outcome of that judgment.
    first_signals: Mapping[str, float] | None = None
    first_outcome: Outcome | None = None
    hits: Sequence[RuleHit] = ()
    assessment: Assessment | None = None
    verdict: Verdict | None = None
    #: What judging again gave, when the first outcome was kept instead.
    rejudged: Outcome | None = None
    #: The signal values the rules read (recorded with the first outcome).
    signals: dict[str, float] = field(default_factory=dict)
    #: This comment's own timings (e.g. ``since_produced``), beside the batch's.
    timings: dict[str, float] = field(default_factory=dict)


def describe(exc: BaseException) -> str:
    """``Type: message`` of an exception, on one line and encodable."""
    return printable(f"{type(exc).__name__}: {exc}".replace("\n", " "))[:500]


def run_rules(judge: Judge, items: Sequence[Item]) -> list[int]:
    """Step 1: every item's rule hits; returns the indices of the items that need the model."""
    todo = []
    for i, item in enumerate(items):
        try:
            item.hits = judge.rules(item.comment, item.first_signals)
        except Exception as exc:  # Judge.rules guards the policy; this is anything else
            item.hits = Unjudged(judge.version_for(item.comment), f"rules failed: {describe(exc)}")
        item.signals = dict(getattr(getattr(item.hits, "ctx", None), "signals", None) or {})
        try:
            needs = judge.needs_model(item.hits)
        except Exception:
            needs = judge.classifier is not None
        if needs:
            todo.append(i)
    return todo


def score(judge: Judge, comments: Sequence[Comment]) -> tuple[list[Assessment] | None, str | None]:
    """Step 2, synchronously: the assessments of ``comments``, or why the model failed."""
    if judge.classifier is None or not comments:
        return [], None
    try:
        return assess(judge.classifier, comments), None
    except Exception as exc:
        return None, f"classifier {judge.classifier.name} failed: {describe(exc)}"


def decide_all(judge: Judge, items: Sequence[Item], todo: Sequence[int],
               assessed: Sequence[Assessment] | None, model_error: str | None,
               timings: Mapping[str, float] | None = None) -> list[Verdict]:
    """Step 3: a verdict for every item (``item.verdict``), in order."""
    if assessed is not None:
        for i, a in zip(todo, assessed, strict=True):
            items[i].assessment = a
    needed = set(todo)
    try:
        notes = engagement_notes(judge.engagement, [it.comment for it in items],
                                 [it.hits for it in items], [it.assessment for it in items])
    except Exception:  # tags only: never worth a verdict
        notes = [[] for _ in items]
    out = []
    for i, item in enumerate(items):
        timing = {**(timings or {}), **item.timings}
        a = item.assessment
        try:
            verdict = judge.decide(item.comment, item.hits, a.scores if a else None,
                                   model_error if i in needed and model_error else None, timing, a,
                                   notes[i])
        except Exception as exc:
            verdict = judge.unjudged(item.comment, f"the verdict could not be built: "
                                     f"{describe(exc)}", timings_ms=timing)
        first = item.first_outcome
        if first is not None and first != verdict.outcome:
            item.rejudged = verdict.outcome
            verdict = judge.kept(verdict, first, f"redelivered: kept the first outcome {first!r}; "
                                                 f"judging again gave {verdict.outcome!r}")
        item.verdict = verdict
        out.append(verdict)
    return out


def report(judge: Judge, verdict: Verdict) -> None:
    """Tell the stream's state about a verdict that is going out (strikes for hides)."""
    if judge.on_verdict is not None:
        judge.on_verdict(verdict)


def judge_batch(judge: Judge, comments: Sequence[Comment]) -> list[Verdict]:
    """The three steps, synchronously: backtests, ``civicmod rules test``, tools."""
    items = [Item(c) for c in comments]
    t0 = time.perf_counter()
    todo = run_rules(judge, items)
    t1 = time.perf_counter()
    assessed, error = score(judge, [items[i].comment for i in todo])
    t2 = time.perf_counter()
    timings = {"rules": (t1 - t0) * 1000 / max(len(items), 1), "classifier": (t2 - t1) * 1000}
    verdicts = decide_all(judge, items, todo, assessed, error, timings)
    for v in verdicts:
        report(judge, v)
    return verdicts
