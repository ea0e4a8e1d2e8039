"""Engagement tags from the small classifier, for the comments the ``engagement.*`` rules missed.

Runs once per batch on the one batch path (``civicmod.verdict.batch.decide_all``), so the worker,
backtests and ``civicmod rules test`` tag alike. A tag never changes an outcome: each one is a
``model`` reason with no action, plus the tag on the verdict. Skipped for comments a rule already
tagged ``engagement.*`` or hides (a hidden comment is not owed a reply). If the classifier fails,
the batch gets no model tags and each comment it would have looked at carries a
``system.engagement_failed`` note (no action): the outcome is what it would have been.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Protocol

from civicmod.contract.records import NEEDS_REPLY_TAGS, Comment, Reason
from classifiers.routing import Assessment
from rules.base import RuleHit

log = logging.getLogger("civicmod.verdict")


class EngagementTagger(Protocol):
    name: str
    threshold: float

    @property
    def version(self) -> str: ...

    def tag(self, texts: Sequence[str], langs: Sequence[str | None] | None = None
            ) -> list[tuple[str, float] | None]: ...


def wants_tagging(hits: Sequence[RuleHit]) -> bool:
    """No rule tagged the comment as needing a reply, and none hides it."""
    return not any(h.action == "hide" or NEEDS_REPLY_TAGS.intersection(h.tags) for h in hits)


def language(comment: Comment, assessment: Assessment | None) -> str | None:
    lang = (assessment.lang if assessment is not None else None) or comment.lang
    return lang.split("-", 1)[0].lower() if lang else None


def engagement_notes(tagger: EngagementTagger | None, comments: Sequence[Comment],
                     hits: Sequence[Sequence[RuleHit]],
                     assessments: Sequence[Assessment | None]) -> list[list[Reason]]:
    """For each comment, the reasons to add: a ``model.engagement.*`` reason (no action) when
    the classifier tags it; nothing otherwise."""
    out: list[list[Reason]] = [[] for _ in comments]
    if tagger is None:
        return out
    todo = [i for i, h in enumerate(hits) if wants_tagging(h)]
    if not todo:
        return out
    try:
        tags = tagger.tag([comments[i].text for i in todo],
                          [language(comments[i], assessments[i]) for i in todo])
        if len(tags) != len(todo):
            raise ValueError(f"{len(tags)} results for {len(todo)} texts")
        version = tagger.version
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"[:300]
        log.warning("engagement classifier failed", extra={"error": error, "comments": len(todo)})
        for i in todo:
            out[i].append(Reason(source="system", id="system.engagement_failed",
                                 label="engagement_unavailable",
                                 detail=f"engagement classifier failed: {error}"))
        return out
    for i, found in zip(todo, tags, strict=True):
        if found is None:
            continue
        tag, p = found
        out[i].append(Reason(
            source="model", id=f"model.{tag}", label=tag, score=round(p, 6),
            detail=f"{tagger.name} {version}: {tag.split('.', 1)[-1]} {p:.3f} >= "
                   f"{tagger.threshold}"))
    return out
