"""Rules and the result of applying them to a comment."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from civicmod.contract.records import Comment, Outcome

Span = tuple[int, int]


class RuleHit(NamedTuple):
    """One rule that fired, with the text spans it matched (offsets into ``comment.text``).

    ``action`` is None for a rule that only tags. ``priority`` (1 most urgent .. 9) breaks ties
    between rules with the same action; ``queue`` and ``hold`` route an escalation. ``protect``
    (escalate rules only): the comment is never hidden automatically while this rule fires; the
    verdict escalates to this rule's queue and priority, not held (``civicmod.verdict.judge``).
    (A named tuple: immutable and cheap to build on the hot path.)
    """

    rule_id: str
    label: str
    action: Outcome | None
    spans: tuple[Span, ...] = ()
    detail: str | None = None
    policy: str | None = None
    priority: int = 5
    queue: str | None = None
    hold: bool = False
    tags: tuple[str, ...] = ()
    fingerprint: str | None = None
    protect: bool = False


@dataclass(frozen=True)
class RuleSet:
    """Rules written as Python functions (each returns its hit, or None when it does not fire),
    with a version recorded in every verdict; policy files are ``rules.compiler.PolicySet``."""

    version: str
    rules: Sequence[Callable[[Comment], RuleHit | None]] = field(default_factory=tuple)

    def apply(self, comment: Comment) -> list[RuleHit]:
        return [hit for rule in self.rules if (hit := rule(comment)) is not None]
