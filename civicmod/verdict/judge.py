"""Turn rule hits and model scores into one explained Verdict. No Kafka: usable offline.

Conflicts resolve deterministically: the most severe action wins (hide > escalate > publish),
then priority (1 most urgent) among the reasons with that action, then policy order. One
exception: while a protecting rule (``protect: true``, e.g. a freedom-of-information request)
fires, no hide applies: each hide reason is downgraded to escalate with a note naming the
protecting rule, and the comment goes, visible, to that rule's queue and priority. A comment
the pipeline could not judge (model error or timeout, unusable scores, a regex over its budget,
a failing rule, signals unavailable, any error while building the verdict) is escalated with a
``system`` reason, never published; so is a comment in a language no loaded model covers, unless
a rule with an action fired (a tag-only rule decides nothing). Model thresholds are the
classifier's, a label in the table of the comment's language (``language_thresholds``)
replacing them. Tags (rules' ``tags``, the engagement classifier's notes) never change an
outcome.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from civicmod.contract.records import (
    SEVERITY,
    ClassifierInfo,
    Comment,
    Escalation,
    LanguageInfo,
    Outcome,
    Reason,
    Verdict,
    utcnow,
)
from civicmod.contract.wire import printable
from civicmod.verdict.engagement import EngagementTagger
from classifiers.base import Classifier
from classifiers.engagement import default_classifier
from classifiers.evaluation import threshold
from classifiers.routing import Assessment, checked, predict_checked
from rules.base import RuleHit
from rules.compiler import CompiledPolicy, Evaluation, PolicySet
from rules.guardrail import HideGuardrail
from rules.signals import SignalSpec

#: Reads the stateful signals a policy needs for one comment (the stream's tables).
SignalSource = Callable[[Comment, Sequence[SignalSpec]], Mapping[str, float]]


@dataclass
class Judge:
    """``ruleset``: a PolicySet / CompiledPolicy (policy files) or a plain ``RuleSet``."""

    ruleset: Any
    classifier: Classifier | None
    hide_thresholds: Mapping[str, float] = field(default_factory=lambda: {"*": 0.95})
    escalate_thresholds: Mapping[str, float] = field(default_factory=lambda: {"*": 0.6})
    policy_version: str | None = None
    signals: SignalSource | None = None
    guardrail: HideGuardrail | None = None
    #: Called with each verdict (the stream records strikes and flood counts from it).
    on_verdict: Callable[[Verdict], None] | None = None
    #: Tags questions and problem reports the ``engagement.*`` rules missed (tags only, never an
    #: outcome; ``civicmod.verdict.engagement``); None: the rules alone tag.
    engagement: EngagementTagger | None = field(default_factory=default_classifier)
    #: Per language: {"nl": {"hide": {...}, "escalate": {...}}}; a label given there replaces the
    #: hide/escalate tables for comments in that language (``Thresholds.by_language``).
    language_thresholds: Mapping[str, Mapping[str, Mapping[str, float]]] = field(default_factory=dict)

    def _policy(self, comment: Comment) -> CompiledPolicy | None:
        rs = self.ruleset
        if isinstance(rs, PolicySet):
            return rs.policy_for(comment.account_id)
        return rs if isinstance(rs, CompiledPolicy) else None

    def rules(self, comment: Comment, signals: Mapping[str, float] | None = None) -> list[RuleHit]:
        """The rule hits for ``comment``; ``signals``: values to use instead of reading the
        stream's (a redelivered comment is judged with the values it was first judged with)."""
        policy = self._policy(comment)
        if policy is None:
            return self.ruleset.apply(comment)
        values: Mapping[str, float] = signals or {}
        error = None
        if policy.signal_specs and self.signals is not None and signals is None:
            try:
                values = self.signals(comment, policy.signal_specs)
            except Exception as exc:
                error = f"{type(exc).__name__}: {exc}"
        try:
            ev = policy.evaluate(comment, values)
        except Exception as exc:  # the rules could not run at all: never publish
            return Unjudged(policy.version, f"rules failed: {type(exc).__name__}: {exc}")
        if error:
            ev.errors.append(("system.signals_unavailable", f"stateful signals failed: {error}"))
        return ev

    def needs_model(self, hits: Sequence[RuleHit]) -> bool:
        """The model is skipped when a rule already hides the comment (nothing it adds changes that),
        unless a protecting rule fired or may fire on its scores (the hide may not apply)."""
        if self.classifier is None:
            return False
        if not any(h.action == "hide" for h in hits):
            return True
        policy = getattr(hits, "policy", None)
        return any(h.protect for h in hits) or bool(getattr(policy, "protects_after_model", False))

    def limit(self, label: str, action: str, lang: str | None = None) -> tuple[float | None, bool]:
        """The threshold at which ``label`` triggers ``action`` for a comment in ``lang``, and
        whether it came from that language's table (else the classifier's)."""
        own = (self.language_thresholds.get(lang) or {}).get(action) if lang else None
        if own:
            found = threshold(own, label)
            if found is not None:
                return found, True
        base = self.hide_thresholds if action == "hide" else self.escalate_thresholds
        return threshold(base, label), False

    def _model_reasons(self, scores: Mapping[str, float], lang: str | None = None) -> list[Reason]:
        reasons = []
        for label, score in sorted(scores.items()):
            for action in ("hide", "escalate"):
                limit, by_lang = self.limit(label, action, lang)
                if limit is not None and score >= limit:
                    which = f" for language {lang}" if by_lang else ""
                    reasons.append(Reason(
                        source="model", id=f"model.{label}", label=label, score=round(score, 6),
                        action=action,
                        detail=f"{label} {score:.3f} >= {action} threshold {limit}{which}",
                    ))
                    break
        return reasons

    def decide(self, comment: Comment, hits: Sequence[RuleHit],
               scores: Mapping[str, float] | None, model_error: str | None = None,
               timings_ms: Mapping[str, float] | None = None,
               assessment: Assessment | None = None, notes: Sequence[Reason] = ()) -> Verdict:
        """``notes``: reasons without an action to add (the engagement classifier's tags)."""
        version = self.policy_version or getattr(self.ruleset, "version", "unversioned")
        system: list[tuple[str, str]] = []
        scored_by = self.classifier
        language = _language(assessment)
        if assessment is not None:
            if assessment.lang and comment.lang is None:
                comment = comment.model_copy(update={"lang": assessment.lang})
            scored_by = assessment.model or scored_by
            if assessment.error is not None:
                system.append(("system.invalid_scores", assessment.error))
            elif not assessment.covered and not decided(hits):  # the rules did not decide either
                system.append(("system.language_not_covered",
                               f"no loaded model covers language {assessment.lang!r}"))
        if isinstance(hits, Evaluation):
            try:
                hits.policy.finish(hits, scores)
            except Exception as exc:
                hits.errors.append(("system.rule_error", f"{type(exc).__name__}: {exc}"))
            version = hits.version
            system.extend(hits.errors)
            notes = [*notes, *(Reason(source="system", id=rid, label="tag_skipped", detail=detail)
                               for rid, detail in hits.notes)]
        elif isinstance(hits, Unjudged):
            version = hits.version
            system.extend(hits.errors)
        hits = list(hits)
        if self.guardrail is not None:
            hits = self.guardrail.review(hits, version)
        reasons = [
            Reason(source="rule", id=h.rule_id, label=h.label, action=h.action,
                   spans=list(h.spans) or None, detail=h.detail, policy=h.policy,
                   priority=h.priority if h.policy else None)
            for h in hits
        ]
        if model_error is not None:
            system.append(("system.classifier_failed", model_error))
        reasons += [Reason(source="system", id=rid, label="unjudged", action="escalate", detail=detail)
                    for rid, detail in system]
        if scores:
            lang = language.code if language else _base_lang(comment.lang)
            model = self._model_reasons(scores, lang)
            counter = _counter_speech(hits)
            reasons.extend(_stepped_down(model, counter.rule_id) if counter else model)
        guard = _protector(hits)
        if guard is not None:
            reasons = _protected(reasons, guard)
        notes = [n for n in notes if n.action is None]  # a note never decides
        reasons.extend(notes)
        outcome: Outcome = "publish"
        for reason in reasons:
            if reason.action and SEVERITY[reason.action] > SEVERITY[outcome]:
                outcome = reason.action
        clf = scored_by
        verdict = Verdict(
            comment=comment,
            outcome=outcome,
            reasons=reasons,
            policy_version=version,
            classifier=ClassifierInfo(name=clf.name, version=clf.version) if clf else None,
            scores={k: round(v, 6) for k, v in (scores or {}).items()},
            timings_ms=dict(timings_ms or {}),
            decided_at=utcnow(),
            escalation=_escalation(hits, system, reasons, guard) if outcome == "escalate" else None,
            tags=list(dict.fromkeys([*(t for h in hits for t in h.tags),
                                     *(n.label for n in notes if n.source == "model")])),
            language=language,
        )
        return verdict

    def version_for(self, comment: Comment) -> str:
        policy = self._policy(comment)
        if policy is not None:
            return policy.version
        return self.policy_version or getattr(self.ruleset, "version", "unversioned")

    def unjudged(self, comment: Comment, error: str, rule: str = "system.verdict_failed",
                 timings_ms: Mapping[str, float] | None = None) -> Verdict:
        """The verdict for a comment the pipeline could not judge: escalated and held, with the
        error as a system reason. Built from plain values, so it cannot fail as ``decide`` did."""
        reason = Reason(source="system", id=rule, label="unjudged", action="escalate",
                        detail=printable(error)[:1000])
        return Verdict(comment=comment, outcome="escalate", reasons=[reason],
                       policy_version=self.version_for(comment), decided_at=utcnow(),
                       timings_ms=dict(timings_ms or {}),
                       escalation=Escalation(queue="system", priority=2, hold=True, rule=rule))

    def kept(self, verdict: Verdict, outcome: Outcome, detail: str) -> Verdict:
        """``verdict`` with ``outcome`` instead of its own: a redelivered comment keeps the outcome
        it was first given (the reason ``system.redelivered`` says what judging again gave)."""
        if verdict.outcome == outcome:
            return verdict
        note = Reason(source="system", id="system.redelivered", label="redelivered", detail=detail)
        escalation = verdict.escalation
        if outcome == "escalate" and escalation is None:
            escalation = Escalation(queue="system", priority=2, hold=True, rule="system.redelivered")
        return verdict.model_copy(update={
            "outcome": outcome, "reasons": [*verdict.reasons, note],
            "escalation": escalation if outcome == "escalate" else None})


def assess(classifier: Classifier, comments: Sequence[Comment]) -> list[Assessment]:
    """Score comments, each one's scores validated (``Assessment.error`` when unusable); a
    language-routing classifier also says which model covered each. Raises when the model
    fails for the whole batch."""
    texts = [c.text for c in comments]
    routed = getattr(classifier, "assess", None)
    if routed is not None:
        out = list(routed(texts, [c.lang for c in comments],
                          accounts=[c.account_id for c in comments]))
        if len(out) != len(texts):
            raise ValueError(f"classifier returned {len(out)} results for {len(texts)} texts")
        return out
    return [checked(classifier, raw) for raw in predict_checked(classifier, texts)]


class Unjudged(list[RuleHit]):
    """No hits because the rules could not run; ``errors`` says why."""

    def __init__(self, version: str, error: str) -> None:
        super().__init__()
        self.version = version
        self.errors = [("system.rule_error", error)]


def _base_lang(lang: str | None) -> str | None:
    """``en-GB`` → ``en``."""
    return lang.split("-", 1)[0].lower() if lang else None


def _language(assessment: Assessment | None) -> LanguageInfo | None:
    """The verdict's ``language``: what the router determined for the comment, if anything."""
    found = assessment.language if assessment is not None else None
    if found is None:
        return None
    conf = found.confidence
    return LanguageInfo(code=found.code, source=found.source,
                        confidence=min(max(float(conf), 0.0), 1.0) if conf is not None else None)


def decided(hits: Sequence[RuleHit]) -> bool:
    """Whether a rule that hides or escalates fired. A tag-only rule (``criticism``,
    ``engagement.*``, swearing where the policy publishes it) or a ``publish`` rule decides
    nothing: a comment no model covers is escalated all the same."""
    return any(h.action in ("hide", "escalate") for h in hits)


#: A rule that recognises counter-speech tags the comment with this (``speech.counter``).
COUNTER_SPEECH = "counter_speech"


def _counter_speech(hits: Sequence[RuleHit]) -> RuleHit | None:
    return next((h for h in hits if COUNTER_SPEECH in h.tags), None)


def _stepped_down(reasons: Sequence[Reason], rule_id: str) -> list[Reason]:
    """Model reasons one step down: hide to escalate, escalate to a note. A model reads words,
    not who says them; where a rule recognises counter-speech (quoting, reporting, negating or
    condemning abuse) its scores alone never hide the comment nor send it to a moderator."""
    out = []
    for r in reasons:
        action = {"hide": "escalate", "escalate": None}.get(r.action or "", r.action)
        out.append(r.model_copy(update={"action": action, "detail": _noted(
            r.detail, f"counter-speech ({rule_id}): {r.action} stepped down to "
                      f"{action or 'a note'}")}))
    return out


def _protector(hits: Sequence[RuleHit]) -> RuleHit | None:
    """The most urgent protecting rule that fired (ties: policy order), if any."""
    guards = [h for h in hits if h.protect]
    return min(guards, key=lambda h: h.priority) if guards else None


def _noted(detail: str | None, note: str) -> str:
    return f"{detail} [{note}]" if detail else note


def _protected(reasons: Sequence[Reason], guard: RuleHit) -> list[Reason]:
    """``reasons`` with every hide downgraded to escalate, each saying which protecting rule
    prevented it, and the protecting rule's reason saying which hides it prevented. Every reason
    stays listed: the moderator sees what the protection overrode."""
    prevented = [r.id for r in reasons if r.action == "hide"]
    if not prevented:
        return list(reasons)
    queue = guard.queue or "review"
    out = []
    for r in reasons:
        if r.action == "hide":
            r = r.model_copy(update={"action": "escalate", "detail": _noted(
                r.detail, f"hide prevented by protecting rule {guard.rule_id}")})
        elif r.source == "rule" and r.id == guard.rule_id:
            r = r.model_copy(update={"detail": _noted(
                r.detail, f"protecting rule: prevented the hide by {', '.join(prevented)}; "
                          f"escalated to queue {queue}, not hidden meanwhile")})
        out.append(r)
    return out


def _escalation(hits: Sequence[RuleHit], system: Sequence[tuple[str, str]],
                reasons: Sequence[Reason], guard: RuleHit | None = None) -> Escalation:
    """Queue and priority of the most urgent escalating rule (ties: policy order); hold when any
    escalating rule asks for it. Without such a rule: the system or model review queue. A
    protecting rule routes instead, with its own queue and priority, never held."""
    if guard is not None:
        return Escalation(queue=guard.queue or "review", priority=guard.priority, hold=False,
                          rule=guard.rule_id)
    esc = [h for h in hits if h.action == "escalate"]
    if esc:
        best = min(esc, key=lambda h: h.priority)  # min is stable: the first of equals wins
        return Escalation(queue=best.queue or "review", priority=best.priority,
                          hold=any(h.hold for h in esc), rule=best.rule_id)
    if system:
        return Escalation(queue="system", priority=2, hold=True, rule=system[0][0])
    model = next((r.id for r in reasons if r.source == "model" and r.action == "escalate"), None)
    return Escalation(queue="review", priority=5, hold=False, rule=model)
