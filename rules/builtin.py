"""The shipped default policy (``rules/policies/default.yaml``) as a ready-to-use rule set."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from rules.compiler import DEFAULT_ALLOWED, EffectiveSettings, PolicySet, load_policy_set


@lru_cache(maxsize=16)
def _cached(names: tuple[str, ...], ids: tuple[str, ...], allowed: tuple[str, ...]) -> PolicySet:
    return load_policy_set(("builtin:default",), base_settings=EffectiveSettings(
        official_names=names, official_author_ids=frozenset(ids), allowed_domains=allowed))


def builtin_ruleset(official_names: Iterable[str] = (), official_author_ids: Iterable[str] = (),
                    allowed_domains: Iterable[str] = DEFAULT_ALLOWED) -> PolicySet:
    """The default policy, given the agency's official names (impersonation) and the domains
    allowed when the policy file does not list its own."""
    return _cached(tuple(official_names), tuple(official_author_ids), tuple(allowed_domains))
