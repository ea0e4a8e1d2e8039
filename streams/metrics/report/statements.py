"""EU DSA statements of reasons (fields of the Transparency Database API), one per comment
hidden or deleted: automatic hides from the verdicts, moderators' hides and deletions from the
decisions.

A statement carries no personal data: no author, no moderator, no comment text. Rule details
are written by templates that may quote the matched words, so facts are built from the
structured fields (rule id, label, policy section, model scores) and a detail is kept only with
its quotes cut out and anything that looks like contact data removed; the model checks again.

The ground is ``DECISION_GROUND_INCOMPATIBLE_CONTENT`` (the agency's house rules, by policy
section) unless ``legal_grounds`` names a legal ground for the policy section or reason code:
policy files say nothing about the law, so only the agency can say a rule enforces one.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from civicmod.contract.records import Decision, Reason, Verdict

Visibility = Literal[
    "DECISION_VISIBILITY_CONTENT_REMOVED", "DECISION_VISIBILITY_CONTENT_DISABLED",
    "DECISION_VISIBILITY_CONTENT_DEMOTED", "DECISION_VISIBILITY_CONTENT_AGE_RESTRICTED",
    "DECISION_VISIBILITY_CONTENT_INTERACTION_RESTRICTED", "DECISION_VISIBILITY_CONTENT_LABELLED",
    "DECISION_VISIBILITY_OTHER",
]
Category = Literal[
    "STATEMENT_CATEGORY_ANIMAL_WELFARE", "STATEMENT_CATEGORY_CONSUMER_INFORMATION",
    "STATEMENT_CATEGORY_CYBER_VIOLENCE", "STATEMENT_CATEGORY_CYBER_VIOLENCE_AGAINST_WOMEN",
    "STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS",
    "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH",
    "STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS",
    "STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS",
    "STATEMENT_CATEGORY_PROTECTION_OF_MINORS", "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY",
    "STATEMENT_CATEGORY_SCAMS_AND_FRAUD", "STATEMENT_CATEGORY_SELF_HARM",
    "STATEMENT_CATEGORY_SCOPE_OF_PLATFORM_SERVICE",
    "STATEMENT_CATEGORY_UNSAFE_AND_PROHIBITED_PRODUCTS", "STATEMENT_CATEGORY_VIOLENCE",
    "STATEMENT_CATEGORY_PORNOGRAPHY_OR_SEXUALIZED_CONTENT",
]
AutomatedDecision = Literal["AUTOMATED_DECISION_FULLY", "AUTOMATED_DECISION_PARTIALLY",
                            "AUTOMATED_DECISION_NOT_AUTOMATED"]
YesNo = Literal["Yes", "No"]

#: Contact data a statement must never carry (e-mail addresses, phone numbers, links, handles).
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}\b")
#: A run of 9+ digits with spaces, brackets or dashes (not a dotted version or an ISO date).
PHONE = re.compile(r"(?<![\w.])\+?\(?\d(?:[ ()-]*\d){8,}(?![\w.])")
URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
HANDLE = re.compile(r"(?<![\w@])@\w{2,}")
#: What a rule's reason template quotes from the comment (``repr`` of each matched span).
QUOTED = re.compile(r"""'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|“[^”]*”""")


def _no_contact_data(text: str | None) -> str | None:
    if text and (EMAIL.search(text) or PHONE.search(text) or URL.search(text) or HANDLE.search(text)):
        raise ValueError("contains contact data (e-mail, phone, link or handle): no personal data "
                         "in a statement of reasons")
    return text


class Statement(BaseModel):
    """One statement of reasons as the DSA Transparency Database API takes it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    decision_visibility: Annotated[list[Visibility], Field(min_length=1)]
    decision_ground: Literal["DECISION_GROUND_ILLEGAL_CONTENT", "DECISION_GROUND_INCOMPATIBLE_CONTENT"]
    illegal_content_legal_ground: Annotated[str, Field(max_length=500)] | None = None
    illegal_content_explanation: Annotated[str, Field(max_length=2000)] | None = None
    incompatible_content_ground: Annotated[str, Field(max_length=500)] | None = None
    incompatible_content_explanation: Annotated[str, Field(max_length=2000)] | None = None
    incompatible_content_illegal: YesNo | None = None
    category: Category
    content_type: Annotated[list[Literal["CONTENT_TYPE_TEXT", "CONTENT_TYPE_IMAGE",
                                         "CONTENT_TYPE_VIDEO", "CONTENT_TYPE_OTHER"]],
                            Field(min_length=1)]
    content_language: Annotated[str, Field(pattern=r"^[A-Z]{2}$")] | None = None
    content_date: date
    application_date: date
    decision_facts: Annotated[str, Field(min_length=1, max_length=5000)]
    source_type: Literal["SOURCE_ARTICLE_16", "SOURCE_TRUSTED_FLAGGER", "SOURCE_TYPE_OTHER_NOTIFICATION",
                         "SOURCE_VOLUNTARY"]
    automated_detection: YesNo
    automated_decision: AutomatedDecision
    puid: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,500}$")]

    @field_validator("decision_facts", "illegal_content_explanation",
                     "incompatible_content_explanation")
    @classmethod
    def _free_text(cls, v: str | None) -> str | None:
        return _no_contact_data(v)

    @model_validator(mode="after")
    def _ground_and_dates(self) -> Statement:
        if self.decision_ground == "DECISION_GROUND_ILLEGAL_CONTENT":
            if not (self.illegal_content_legal_ground and self.illegal_content_explanation):
                raise ValueError("ILLEGAL_CONTENT needs illegal_content_legal_ground and "
                                 "illegal_content_explanation")
        elif not (self.incompatible_content_ground and self.incompatible_content_explanation):
            raise ValueError("INCOMPATIBLE_CONTENT needs incompatible_content_ground and "
                             "incompatible_content_explanation")
        if self.application_date < self.content_date:
            raise ValueError("application_date is before content_date")
        return self

    def to_json(self) -> str:
        return self.model_dump_json(exclude_none=True)


@dataclass(frozen=True)
class Filed:
    """A statement with what the report counts it by (never written into the statement)."""

    statement: Statement
    account_id: str
    platform: str
    #: ``auto_hide`` (the pipeline hid it) or ``moderator`` (a moderator hid or deleted it).
    origin: Literal["auto_hide", "moderator"]
    #: The rule id, model reason or reason code the statement rests on.
    basis: str


# -- categories --------------------------------------------------------------------------------
#: Policy section (or its first part) → category.
POLICY_CATEGORIES: dict[str, Category] = {
    "abuse.threat": "STATEMENT_CATEGORY_VIOLENCE",
    "abuse.incitement": "STATEMENT_CATEGORY_VIOLENCE",
    "abuse": "STATEMENT_CATEGORY_CYBER_VIOLENCE",
    "hate": "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH",
    "privacy": "STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS",
    "spam.scam": "STATEMENT_CATEGORY_SCAMS_AND_FRAUD",
    "spam": "STATEMENT_CATEGORY_SCOPE_OF_PLATFORM_SERVICE",
    "integrity.impersonation": "STATEMENT_CATEGORY_SCAMS_AND_FRAUD",
    "sexual": "STATEMENT_CATEGORY_PORNOGRAPHY_OR_SEXUALIZED_CONTENT",
}
#: Model label → category.
MODEL_CATEGORIES: dict[str, Category] = {
    "threat": "STATEMENT_CATEGORY_VIOLENCE",
    "identity_attack": "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH",
    "identity_hate": "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH",
    "insult": "STATEMENT_CATEGORY_CYBER_VIOLENCE",
    "sexual_explicit": "STATEMENT_CATEGORY_PORNOGRAPHY_OR_SEXUALIZED_CONTENT",
}
#: A moderator's reason code (``console.reason_codes``) → category.
REASON_CODE_CATEGORIES: dict[str, Category] = {
    "threat": "STATEMENT_CATEGORY_VIOLENCE",
    "harassment": "STATEMENT_CATEGORY_CYBER_VIOLENCE",
    "hate": "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH",
    "spam": "STATEMENT_CATEGORY_SCOPE_OF_PLATFORM_SERVICE",
    "scam": "STATEMENT_CATEGORY_SCAMS_AND_FRAUD",
    "personal_data": "STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS",
    "impersonation": "STATEMENT_CATEGORY_SCAMS_AND_FRAUD",
    "sexual_content": "STATEMENT_CATEGORY_PORNOGRAPHY_OR_SEXUALIZED_CONTENT",
    "illegal_content": "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH",
}
DEFAULT_CATEGORY: Category = "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH"
HOUSE_RULES_CATEGORY: Category = "STATEMENT_CATEGORY_SCOPE_OF_PLATFORM_SERVICE"


def policy_category(policy: str) -> Category:
    """The category of a policy section: its longest listed prefix (``spam.scam`` before
    ``spam``); house rules nobody listed count as the platform's scope."""
    parts = policy.split(".")
    for n in range(len(parts), 0, -1):
        hit = POLICY_CATEGORIES.get(".".join(parts[:n]))
        if hit:
            return hit
    return HOUSE_RULES_CATEGORY


def reason_category(reason: Reason) -> Category:
    if reason.source == "model":
        return MODEL_CATEGORIES.get(reason.label, DEFAULT_CATEGORY)
    return policy_category(reason.policy or reason.id)


# -- helpers -----------------------------------------------------------------------------------
def puid(comment_id: str, decision: str) -> str:
    """Unique per statement and never reused: a hash of the comment id (the same for every
    statement about one comment, so they can be joined) and one of the decision."""
    c = hashlib.sha256(comment_id.encode()).hexdigest()[:32]
    d = hashlib.sha256(decision.encode()).hexdigest()[:12]
    return f"cm-{c}-{d}"


def scrub(detail: str | None) -> str | None:
    """A rule detail without what it quotes from the comment and without contact data."""
    if not detail:
        return None
    text = QUOTED.sub("…", detail)
    for pattern in (EMAIL, URL, PHONE, HANDLE):
        text = pattern.sub("…", text)
    text = re.sub(r"(?:…[\s,]*)+…", "…", text).strip(" ,")
    return text if text.strip(" :…") else None


def _describe(reason: Reason) -> str:
    if reason.source == "model":
        return scrub(reason.detail) or f"model score for {reason.label}"
    where = f"house rule {reason.policy}" if reason.policy else f"rule {reason.id}"
    text = f"{where} (rule {reason.id}, {reason.label})"
    detail = scrub(reason.detail)
    return f"{text}: {detail}" if detail else text


def _primary(reasons: list[Reason]) -> Reason:
    """The reason a hide rests on: a rule before the model, the most urgent rule first."""
    return min(reasons, key=lambda r: (r.source != "rule", r.priority or 5, r.id))


def _content_date(verdict: Verdict | None, fallback: datetime) -> date:
    c = verdict.comment if verdict else None
    when = (c.created_at or c.received_at) if c else None
    return min((when or fallback).date(), fallback.date())


def _lang(verdict: Verdict | None) -> str | None:
    lang = verdict.comment.lang if verdict else None
    return lang[:2].upper() if lang and re.fullmatch(r"[A-Za-z]{2}([_-].*)?", lang) else None


def _ground(key: str, house_rule: str, explanation: str,
            legal_grounds: Mapping[str, str]) -> dict[str, str]:
    legal = legal_grounds.get(key)
    if legal:
        return {"decision_ground": "DECISION_GROUND_ILLEGAL_CONTENT",
                "illegal_content_legal_ground": legal[:500],
                "illegal_content_explanation": explanation[:2000]}
    return {"decision_ground": "DECISION_GROUND_INCOMPATIBLE_CONTENT",
            "incompatible_content_ground": house_rule[:500],
            "incompatible_content_explanation": explanation[:2000],
            "incompatible_content_illegal": "No"}


# -- builders ----------------------------------------------------------------------------------
def from_auto_hide(verdict: Verdict, legal_grounds: Mapping[str, str] | None = None) -> Filed:
    """The statement of a comment the pipeline hid by itself (``moderation.auto_hidden``)."""
    hides = [r for r in verdict.reasons if r.action == "hide"] or list(verdict.reasons)
    if not hides:
        raise ValueError(f"verdict for {verdict.comment.id} has no reasons")
    main = _primary(hides)
    section = main.policy or main.id
    explanation = (f"The comment breaks section {section} ({main.label}) of the agency's published "
                   f"moderation policy, version {verdict.policy_version}.")
    facts = (f"Hidden automatically under moderation policy {verdict.policy_version}. Reasons: "
             + "; ".join(_describe(r) for r in hides) + ".")
    if verdict.classifier and any(r.source == "model" for r in hides):
        facts += f" Model: {verdict.classifier.name} {verdict.classifier.version}."
    statement = Statement(
        decision_visibility=["DECISION_VISIBILITY_CONTENT_DISABLED"],
        **_ground(section, section, explanation, legal_grounds or {}),
        category=reason_category(main),
        content_type=["CONTENT_TYPE_TEXT"],
        content_language=_lang(verdict),
        content_date=_content_date(verdict, verdict.decided_at),
        application_date=verdict.decided_at.date(),
        decision_facts=facts[:5000],
        source_type="SOURCE_VOLUNTARY",
        automated_detection="Yes",
        automated_decision="AUTOMATED_DECISION_FULLY",
        puid=puid(verdict.comment.id, f"auto:{verdict.dedupe_key}"),
    )
    return Filed(statement, verdict.comment.account_id, verdict.comment.platform, "auto_hide", main.id)


#: Decisions that restrict a comment, and how.
DECISION_VISIBILITY: dict[str, Visibility] = {
    "hide": "DECISION_VISIBILITY_CONTENT_DISABLED",
    "delete": "DECISION_VISIBILITY_CONTENT_REMOVED",
}


def files_statement(decision: Decision) -> bool:
    """Whether a moderator's decision gets a statement: a hide or delete of its own (an
    appeal's answer or an undo restores an earlier decision, which has one already)."""
    return (decision.action in DECISION_VISIBILITY and decision.appeal_id is None
            and decision.undoes is None)


def from_decision(decision: Decision, flagged: Verdict | None = None,
                  legal_grounds: Mapping[str, str] | None = None,
                  reason_labels: Mapping[str, str] | None = None) -> Filed:
    """The statement of a moderator's hide or delete; ``flagged``: the verdict that sent the
    comment to the moderators (a rule or the model flagged it: partly automated)."""
    if decision.action not in DECISION_VISIBILITY:
        raise ValueError(f"decision {decision.decision_id} is a {decision.action!r}, not a hide or delete")
    flags = [r for r in (flagged.reasons if flagged else []) if r.source in ("rule", "model")
             and r.action in ("escalate", "hide")]
    code = decision.reason_code
    label = (reason_labels or {}).get(code, code.replace("_", " "))
    verb = "deleted" if decision.action == "delete" else "hid"
    explanation = f"A moderator found the comment breaks the agency's house rule on {label} ({code})."
    facts = f"A moderator {verb} the comment; reason: {label} ({code})."
    if flags:
        facts += " It had been flagged for review by " + "; ".join(_describe(r) for r in flags) + "."
        if flagged is not None:
            facts += f" Moderation policy {flagged.policy_version}."
    else:
        facts += " No automated means flagged it."
    category = REASON_CODE_CATEGORIES.get(code) or (
        reason_category(_primary(flags)) if flags else HOUSE_RULES_CATEGORY)
    statement = Statement(
        decision_visibility=[DECISION_VISIBILITY[decision.action]],
        **_ground(code, f"house rule: {label} ({code})", explanation, legal_grounds or {}),
        category=category,
        content_type=["CONTENT_TYPE_TEXT"],
        content_language=_lang(flagged),
        content_date=_content_date(flagged, decision.decided_at),
        application_date=decision.decided_at.date(),
        decision_facts=facts[:5000],
        source_type="SOURCE_VOLUNTARY",
        automated_detection="Yes" if flags else "No",
        automated_decision="AUTOMATED_DECISION_PARTIALLY" if flags else "AUTOMATED_DECISION_NOT_AUTOMATED",
        puid=puid(decision.comment_id, f"decision:{decision.decision_id}"),
    )
    return Filed(statement, decision.account_id, decision.platform, "moderator", code)
