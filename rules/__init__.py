"""Rule engine and policy language: a plain library (no Kafka, no Faust), usable offline and in
the stream. ``load_policy_set`` loads layered policy files; ``builtin_ruleset`` the default.
Where ``python -m rules.native_build build`` has compiled the hot modules, those load (rules/native.py)."""

from rules import native

native.activate(__path__)  # before any other submodule is imported

from rules.base import RuleHit, RuleSet  # noqa: E402
from rules.builtin import builtin_ruleset  # noqa: E402
from rules.compiler import CompiledPolicy, EffectiveSettings, Evaluation, PolicySet, load_policy_set  # noqa: E402

__all__ = ["CompiledPolicy", "EffectiveSettings", "Evaluation", "PolicySet", "RuleHit",
           "RuleSet", "builtin_ruleset", "load_policy_set"]
