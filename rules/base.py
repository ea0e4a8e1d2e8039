"""Rules and the result of applying them to a comment."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from civicmod.schema import Comment, Outcome

Span = tuple[int, int]


@dataclass(frozen=True)
class RuleHit:
    """One rule that fired, with the text spans it matched (offsets into ``comment.text``)."""

    rule_id: str
    label: str
    action: Outcome
    spans: tuple[Span, ...] = ()
    detail: str | None = None


@dataclass(frozen=True)
class Rule:
    """A named check; ``match`` returns the hit, or None when the rule does not fire."""

    id: str
    label: str
    action: Outcome
    match: Callable[[Comment], RuleHit | None]
    description: str = ""


@dataclass(frozen=True)
class RuleSet:
    """An ordered set of rules with a version recorded in every verdict."""

    version: str
    rules: Sequence[Rule] = field(default_factory=tuple)

    def apply(self, comment: Comment) -> list[RuleHit]:
        hits = []
        for rule in self.rules:
            hit = rule.match(comment)
            if hit is not None:
                hits.append(hit)
        return hits
