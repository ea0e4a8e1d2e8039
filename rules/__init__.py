"""Rule engine and policy language: a plain library (no Kafka, no Faust), usable offline and in
the stream. ``load_policy_set`` loads layered policy files; ``builtin_ruleset`` the default."""

from rules.base import RuleHit, RuleSet
from rules.builtin import builtin_ruleset
from rules.compiler import CompiledPolicy, EffectiveSettings, Evaluation, PolicySet, load_policy_set

__all__ = ["CompiledPolicy", "EffectiveSettings", "Evaluation", "PolicySet", "RuleHit",
           "RuleSet", "builtin_ruleset", "load_policy_set"]
