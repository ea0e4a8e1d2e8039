"""EU DSA statements of reasons from automatic hides and moderators' decisions."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from civicmod.contract.records import Author, ClassifierInfo, Comment, Decision, Reason, Verdict
from streams.metrics.report.statements import (
    Statement,
    files_statement,
    from_auto_hide,
    from_decision,
    policy_category,
    scrub,
)

AT = datetime(2026, 11, 20, 14, 5, tzinfo=UTC)
TEXT = "I know where you live, Mr Smith, call 07700 900123"


def comment(cid: str = "facebook:123_456", text: str = TEXT) -> Comment:
    return Comment(id=cid, platform="facebook", account_id="page:council",
                   author=Author(id="fb-user-99", handle="angry.resident", display_name="Pat Angry"),
                   text=text, lang="en-GB", created_at=AT - timedelta(days=1, minutes=3),
                   received_at=AT - timedelta(days=1))


def hide_verdict(**kw) -> Verdict:
    reasons = kw.pop("reasons", [
        Reason(source="rule", id="abuse.threat", label="threat", action="hide", policy="abuse.threat",
               priority=1, detail="Threat of violence: 'i know where you live', 'Mr Smith'"),
        Reason(source="model", id="model.threat", label="threat", score=0.97, action="hide",
               detail="threat 0.970 >= hide threshold 0.9"),
    ])
    return Verdict(comment=comment(), outcome="hide", reasons=reasons,
                   policy_version="civicmod-default@2026.11.1",
                   classifier=ClassifierInfo(name="detoxify-original", version="1"), decided_at=AT, **kw)


def decision(action: str = "delete", **kw) -> Decision:
    c = comment()
    base = dict(decision_id="dec-1", comment_id=c.id, comment_digest=c.digest(), platform="facebook",
                account_id="page:council", action=action, reason_code="threat",
                note="the author is Pat, lives at 4 Elm Grove", decided_by="m.okafor",
                role="moderator", decided_at=AT + timedelta(hours=3), author_id="fb-user-99")
    base.update(kw)
    return Decision(**base)


def _no_personal_data(payload: str) -> None:
    for secret in ("07700", "900123", "Smith", "know where you live", "fb-user-99", "angry.resident",
                   "Pat", "m.okafor", "Elm Grove", "123_456"):
        assert secret not in payload, secret


def test_auto_hide_statement():
    filed = from_auto_hide(hide_verdict())
    s = filed.statement
    assert s.decision_visibility == ["DECISION_VISIBILITY_CONTENT_DISABLED"]
    assert s.decision_ground == "DECISION_GROUND_INCOMPATIBLE_CONTENT"
    assert s.incompatible_content_ground == "abuse.threat"
    assert "abuse.threat" in s.incompatible_content_explanation
    assert s.category == "STATEMENT_CATEGORY_VIOLENCE"
    assert s.content_type == ["CONTENT_TYPE_TEXT"] and s.content_language == "EN"
    assert str(s.content_date) == "2026-11-19" and str(s.application_date) == "2026-11-20"
    assert (s.source_type, s.automated_detection, s.automated_decision) == (
        "SOURCE_VOLUNTARY", "Yes", "AUTOMATED_DECISION_FULLY")
    assert "abuse.threat" in s.decision_facts and "threat 0.970" in s.decision_facts
    assert re.fullmatch(r"[A-Za-z0-9_-]{1,500}", s.puid)
    assert (filed.account_id, filed.origin, filed.basis) == ("page:council", "auto_hide", "abuse.threat")
    payload = s.to_json()
    _no_personal_data(payload)
    assert json.loads(payload)["decision_ground"] == "DECISION_GROUND_INCOMPATIBLE_CONTENT"
    assert "illegal_content_legal_ground" not in json.loads(payload)  # no nulls written


def test_moderator_decision_flagged_by_a_rule_is_partly_automated():
    flagged = hide_verdict().model_copy(update={"outcome": "escalate", "reasons": [
        Reason(source="rule", id="abuse.staff", label="abuse", action="escalate", policy="abuse.staff",
               detail="Insult aimed at a person: 'idiot'")]})
    filed = from_decision(decision("delete"), flagged, reason_labels={"threat": "Threat of violence"})
    s = filed.statement
    assert s.decision_visibility == ["DECISION_VISIBILITY_CONTENT_REMOVED"]
    assert (s.automated_detection, s.automated_decision) == ("Yes", "AUTOMATED_DECISION_PARTIALLY")
    assert s.category == "STATEMENT_CATEGORY_VIOLENCE"  # the moderator's reason code decides
    assert "Threat of violence" in s.incompatible_content_ground
    assert "abuse.staff" in s.decision_facts and "idiot" not in s.decision_facts
    assert filed.origin == "moderator"
    _no_personal_data(s.to_json())


def test_moderator_decision_nothing_flagged_is_not_automated():
    s = from_decision(decision("hide", reason_code="spam")).statement
    assert s.decision_visibility == ["DECISION_VISIBILITY_CONTENT_DISABLED"]
    assert (s.automated_detection, s.automated_decision) == ("No", "AUTOMATED_DECISION_NOT_AUTOMATED")
    assert s.category == "STATEMENT_CATEGORY_SCOPE_OF_PLATFORM_SERVICE"
    assert str(s.content_date) == str(s.application_date)  # no verdict: the decision's day


def test_each_statement_has_its_own_puid():
    a = from_auto_hide(hide_verdict()).statement.puid
    b = from_decision(decision("delete")).statement.puid
    c = from_decision(decision("delete", decision_id="dec-2")).statement.puid
    assert len({a, b, c}) == 3
    assert a.split("-")[1] == b.split("-")[1]  # the same comment's hash joins them


def test_illegal_content_only_where_the_agency_names_the_law():
    grounds = {"abuse.threat": "Malicious Communications Act 1988 s.1"}
    s = from_auto_hide(hide_verdict(), grounds).statement
    assert s.decision_ground == "DECISION_GROUND_ILLEGAL_CONTENT"
    assert s.illegal_content_legal_ground == "Malicious Communications Act 1988 s.1"
    assert s.illegal_content_explanation and s.incompatible_content_ground is None
    assert from_decision(decision(reason_code="spam"), None, grounds).statement.decision_ground == (
        "DECISION_GROUND_INCOMPATIBLE_CONTENT")


def test_which_decisions_get_a_statement():
    assert files_statement(decision("hide")) and files_statement(decision("delete"))
    assert not files_statement(decision("publish"))
    assert not files_statement(decision("hold"))
    assert not files_statement(decision("hide", appeal_id="ap-1"))  # an appeal upheld: no new hide
    assert not files_statement(decision("hold", undoes="dec-0", reason_code="undo"))
    with pytest.raises(ValueError):
        from_decision(decision("publish"))


def test_categories_by_policy_section():
    assert policy_category("spam.scam") == "STATEMENT_CATEGORY_SCAMS_AND_FRAUD"
    assert policy_category("spam.flooding") == "STATEMENT_CATEGORY_SCOPE_OF_PLATFORM_SERVICE"
    assert policy_category("hate.slur") == "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH"
    assert policy_category("privacy.personal_data") == (
        "STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS")
    assert policy_category("abuse.staff") == "STATEMENT_CATEGORY_CYBER_VIOLENCE"
    assert policy_category("local.house_rule") == "STATEMENT_CATEGORY_SCOPE_OF_PLATFORM_SERVICE"


def test_scrub_cuts_quotes_and_contact_data():
    assert scrub("Slur aimed at people: 'x', \"y\"") == "Slur aimed at people: …"
    assert scrub("Scam link: see www.bad.example or mail a@b.com") == "Scam link: see … or mail …"
    assert scrub("Contains a phone number") == "Contains a phone number"
    assert scrub("'only a quote'") is None


def _valid(**over):
    base = dict(decision_visibility=["DECISION_VISIBILITY_CONTENT_DISABLED"],
                decision_ground="DECISION_GROUND_INCOMPATIBLE_CONTENT",
                incompatible_content_ground="abuse.threat", incompatible_content_explanation="why",
                category="STATEMENT_CATEGORY_VIOLENCE", content_type=["CONTENT_TYPE_TEXT"],
                content_date="2026-11-19", application_date="2026-11-20", decision_facts="facts",
                source_type="SOURCE_VOLUNTARY", automated_detection="Yes",
                automated_decision="AUTOMATED_DECISION_FULLY", puid="cm-abc")
    base.update(over)
    return Statement(**base)


@pytest.mark.parametrize("over", [
    {"decision_facts": "the author wrote to jo@example.com"},
    {"decision_facts": "call +44 20 7946 0958"},
    {"decision_ground": "DECISION_GROUND_ILLEGAL_CONTENT"},  # without its legal ground
    {"incompatible_content_ground": None},
    {"puid": "has spaces and ü"},
    {"puid": "x" * 501},
    {"decision_visibility": []},
    {"category": "STATEMENT_CATEGORY_MADE_UP"},
    {"automated_decision": "Yes"},
    {"application_date": "2026-11-18"},  # before the content
    {"decision_facts": "x" * 5001},
])
def test_the_model_refuses_what_the_database_would(over):
    _valid()
    with pytest.raises(ValidationError):
        _valid(**over)
