"""The default policy's records duty: ``records.foi_request`` finds freedom-of-information,
environmental-information, subject-access and public-records requests (and not near misses), and
no lower layer can switch it off."""

from __future__ import annotations

from pathlib import Path

import pytest

from civicmod.contract.yamlfile import FileError
from rules import builtin_ruleset
from rules.compiler import load_policy_set

from policy_helpers import comment, write

RULES = builtin_ruleset(["City of Example Council"], official_author_ids=["official-1"])
RULE = "records.foi_request"

REQUESTS = [
    "Under the Freedom of Information Act 2000 please send me the pothole repair budget.",
    "This is an FOI request: how much was spent on consultants in 2025?",
    "FOI request - parking fines issued on Station Road",
    "I submitted a FOI to you last month and still no reply",
    "FOI: how many staff work in planning?",
    "I've FOI'd this twice now",
    "F.O.I. request re: library closures",
    "#FOIrequest bin contract",
    "FOIA request for all emails about the stadium deal",
    "Request under FOISA for the minutes of the licensing board",
    "EIR request: air quality readings for the high street",
    "Under the Environmental Information Regulations 2004 I request the flood report",
    "Under the EIR please provide the tree survey",
    "This is a subject access request under UK GDPR for my housing file",
    "I made a SAR to the council in March",
    "my SAR to the council is overdue",
    "I'll send another SAR under GDPR if I must",
    "DSAR for everything you hold on me",
    "I'm filing a public records request for the chief's emails",
    "open records request: body cam footage from 12 May",
    "freedom-of-information",
]

NEAR_MISSES = [
    "Wrap the leftovers in tin foil",
    "Your sarcasm is noted",
    "Sarah from the council was very helpful",
    "Les fois où j'ai appelé la mairie",
    "ma foi, quelle histoire",
    "il a foi en Dieu",
    "de bonne foi",
    "My eir broadband is down again",
    "The SAR helicopter landed on the beach",
    "Hong Kong SAR government statement",
    "SARS outbreak in 2003",
    "Eirik says hi",
    "freedom of speech matters",
    "It's a matter of public record",
    "foils and foibles",
    "Information about bin collections please",
    "Records are kept for seven years",
]


def _fired(text: str) -> list[str]:
    c = comment(text)
    hits = [h for h in RULES.evaluate(c) if h.rule_id == RULE]
    return [c.text[a:b] for h in hits for a, b in h.spans]


@pytest.mark.parametrize("text", REQUESTS)
def test_records_requests_are_found_with_their_spans(text: str):
    spans = _fired(text)
    assert spans, text


@pytest.mark.parametrize("text", NEAR_MISSES)
def test_near_misses_are_not_records_requests(text: str):
    assert _fired(text) == [], text


def test_the_rule_escalates_to_the_foi_queue_and_protects():
    rule = RULES.base.by_id[RULE]
    assert (rule.action, rule.queue, rule.priority, rule.hold, rule.protect, rule.locked) == (
        "escalate", "foi", 2, False, True, True)
    (hit,) = [h for h in RULES.evaluate(comment("FOI request: bins")) if h.rule_id == RULE]
    assert hit.protect and hit.tags == ("records_request",)
    assert hit.detail == "Possible freedom-of-information / records request: 'FOI request'"


def test_the_records_rule_is_locked_against_lower_layers(tmp_path: Path):
    org = write(tmp_path, "org.yaml", f"policy: o\nversion: 1\ndisable: [{RULE}]\n")
    with pytest.raises(FileError, match="locked"):
        load_policy_set(["builtin:default"], [org])
    org = write(tmp_path, "org2.yaml", "policy: o\nversion: 1\nlists:\n  records_request: [foo]\n")
    with pytest.raises(FileError, match="extend"):
        load_policy_set(["builtin:default"], [org])
    # extending its word list is fine
    org = write(tmp_path, "org3.yaml", "policy: o\nversion: 1\nlists:\n"
                                       "  records_request: {terms: [information request], extend: true}\n")
    ps = load_policy_set(["builtin:default"], [org])
    assert RULE in {h.rule_id for h in ps.evaluate(comment("an information request about parks"))}
