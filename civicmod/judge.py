"""Turn rule hits and model scores into one explained Verdict. No Kafka: usable offline.

Conflicts resolve by severity (hide > escalate > publish). A comment the model should have
scored but could not (error, timeout) is escalated with a ``system`` reason, never published.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from civicmod.schema import (
    SEVERITY,
    ClassifierInfo,
    Comment,
    Outcome,
    Reason,
    Verdict,
    utcnow,
)
from classifiers.base import Classifier
from rules.base import RuleHit, RuleSet


def _threshold(table: Mapping[str, float], label: str) -> float | None:
    return table.get(label, table.get("*"))


@dataclass
class Judge:
    ruleset: RuleSet
    classifier: Classifier | None
    hide_thresholds: Mapping[str, float] = field(default_factory=lambda: {"*": 0.95})
    escalate_thresholds: Mapping[str, float] = field(default_factory=lambda: {"*": 0.6})
    policy_version: str = "builtin-1"

    def rules(self, comment: Comment) -> list[RuleHit]:
        return self.ruleset.apply(comment)

    def needs_model(self, hits: Sequence[RuleHit]) -> bool:
        """The model is skipped when a rule already hides the comment (nothing it adds changes that)."""
        return self.classifier is not None and not any(h.action == "hide" for h in hits)

    def _model_reasons(self, scores: Mapping[str, float]) -> list[Reason]:
        reasons = []
        for label, score in sorted(scores.items()):
            for action, table in (("hide", self.hide_thresholds),
                                  ("escalate", self.escalate_thresholds)):
                limit = _threshold(table, label)
                if limit is not None and score >= limit:
                    reasons.append(Reason(
                        source="model", id=f"model.{label}", label=label, score=round(score, 6),
                        action=action, detail=f"{label} {score:.3f} >= {action} threshold {limit}",
                    ))
                    break
        return reasons

    def decide(self, comment: Comment, hits: Sequence[RuleHit],
               scores: Mapping[str, float] | None, model_error: str | None = None,
               timings_ms: Mapping[str, float] | None = None) -> Verdict:
        reasons = [
            Reason(source="rule", id=h.rule_id, label=h.label, action=h.action,
                   spans=list(h.spans) or None, detail=h.detail)
            for h in hits
        ]
        if model_error is not None:
            reasons.append(Reason(source="system", id="system.classifier_failed", label="unjudged",
                                  action="escalate", detail=model_error))
        if scores:
            reasons.extend(self._model_reasons(scores))
        outcome: Outcome = "publish"
        for reason in reasons:
            if reason.action and SEVERITY[reason.action] > SEVERITY[outcome]:
                outcome = reason.action
        clf = self.classifier
        return Verdict(
            comment=comment,
            outcome=outcome,
            reasons=reasons,
            policy_version=self.policy_version,
            classifier=ClassifierInfo(name=clf.name, version=clf.version) if clf else None,
            scores={k: round(v, 6) for k, v in (scores or {}).items()},
            timings_ms=dict(timings_ms or {}),
            decided_at=utcnow(),
        )

    def judge(self, comments: Sequence[Comment]) -> list[Verdict]:
        """Synchronous batch path for backtests and evaluation (the stream has its own)."""
        t0 = time.perf_counter()
        hits = [self.rules(c) for c in comments]
        t1 = time.perf_counter()
        todo = [i for i, h in enumerate(hits) if self.needs_model(h)]
        scores: dict[int, dict[str, float]] = {}
        error = None
        if todo and self.classifier is not None:
            try:
                out = self.classifier.predict([comments[i].text for i in todo])
                scores = dict(zip(todo, out, strict=True))
            except Exception as exc:
                error = f"{type(exc).__name__}: {exc}"
        t2 = time.perf_counter()
        timings = {"rules": (t1 - t0) * 1000 / max(len(comments), 1),
                   "classifier": (t2 - t1) * 1000}
        return [
            self.decide(c, hits[i], scores.get(i), error if i in todo and error else None, timings)
            for i, c in enumerate(comments)
        ]
