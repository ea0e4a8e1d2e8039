"""The Judge the configuration asks for: one builder for the worker and for offline backtests,
so a backtest decides exactly as the worker would."""

from __future__ import annotations

from civicmod.contract.settings import Settings
from civicmod.verdict.judge import Judge
from classifiers.cascade import bind_thresholds
from classifiers.loader import LoadedClassifier
from rules.compiler import PolicySet, load_configured
from rules.guardrail import HideGuardrail


def build_guardrail(settings: Settings) -> HideGuardrail | None:
    g = settings.policy.guardrail
    if not g.enabled:
        return None
    return HideGuardrail(max_share=g.max_hide_share, window=g.window, min_comments=g.min_comments,
                         recent_s=g.recent_hours * 3600)


def build_judge(settings: Settings, loaded: LoadedClassifier, policies: PolicySet | None = None,
                guardrail: HideGuardrail | None = None) -> Judge:
    """The Judge for the configured policy layers (``policy.files``) and classifier."""
    policy = settings.policy
    clf = loaded.classifier
    limits = policy.thresholds_for(clf.name if clf else None)
    languages = limits.by_language()
    # a cascade defers around the thresholds this judge applies (classifiers/cascade.py)
    bind_thresholds(clf, [limits.hide, limits.escalate,
                          *(t for lang in languages.values() for t in lang.values())])
    ruleset = policies if policies is not None else load_configured(policy)
    if guardrail is not None:
        for compiled in ruleset.policies:
            guardrail.register(compiled.rules, baseline=True)
    return Judge(
        ruleset=ruleset,
        classifier=clf,
        hide_thresholds=limits.hide,
        escalate_thresholds=limits.escalate,
        language_thresholds=languages,
        guardrail=guardrail,
    )
