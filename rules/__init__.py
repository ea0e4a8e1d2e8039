"""Rule-based filters: a plain library (no Kafka, no Faust), usable offline and in the stream."""

from rules.base import Rule, RuleHit, RuleSet
from rules.builtin import builtin_ruleset

__all__ = ["Rule", "RuleHit", "RuleSet", "builtin_ruleset"]
