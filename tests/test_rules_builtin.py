"""The built-in rules fire on what they target, with spans, and stay quiet otherwise."""

from __future__ import annotations

import pytest

from civicmod.schema import Author, Comment
from rules import builtin_ruleset
from rules.builtin import skeleton

RULES = builtin_ruleset(["City of Example Council"], official_author_ids=["official-1"])


def comment(text: str, name: str = "Resident", author_id: str = "u1") -> Comment:
    return Comment(id="facebook:1", platform="facebook", account_id="page:1",
                   author=Author(id=author_id, display_name=name), text=text)


def fired(text: str, **kw: str) -> dict[str, tuple[tuple[int, int], ...]]:
    return {h.rule_id: h.spans for h in RULES.apply(comment(text, **kw))}


@pytest.mark.parametrize("text", [
    "I know where you live, councillor.",
    "I'm going to kill you",
    "someone should burn the town hall down",
    "I will shoot the council office staff",
])
def test_threats(text: str):
    assert "abuse.threat" in fired(text)


@pytest.mark.parametrize("text", [
    "This policy will kill the high street",
    "The road is killing my tyres",
    "I'll find the form online",
])
def test_not_threats(text: str):
    assert "abuse.threat" not in fired(text)


@pytest.mark.parametrize(("text", "match"), [
    ("call me on 07700 900123 please", "07700 900123"),
    ("ring +44 20 7946 0958", "+44 20 7946 0958"),
    ("US office (555) 123-4567", "(555) 123-4567"),
])
def test_phone_numbers_with_spans(text: str, match: str):
    ((start, end),) = fired(text)["pii.phone"]
    assert match in text[max(0, start - 1):end]


@pytest.mark.parametrize("text", ["Road closed 2024-2026", "Budget of 1500000 pounds", "Route 66"])
def test_not_phone_numbers(text: str):
    assert "pii.phone" not in fired(text)


def test_email_span():
    text = "write to jo.bloggs+council@example.co.uk today"
    ((start, end),) = fired(text)["pii.email"]
    assert text[start:end] == "jo.bloggs+council@example.co.uk"


def test_scam_links_but_not_official_links():
    assert "scam.link" in fired("Refund due! claim now https://bit.ly/x1")
    assert "scam.link" in fired("DM me for crypto gains www.coinz.xyz/join")
    assert "scam.link" not in fired("Details: https://www.example.gov.uk/refunds")
    assert "scam.link" not in fired("Interesting article https://news.example.org/roads")


@pytest.mark.parametrize("name", ["City of Exampie Council", "Clty of Example Counci1",
                                  "Сity оf Ехample Council"])  # Cyrillic С, о, Е, х
def test_impersonation_of_official_names(name: str):
    assert "impersonation.official_name" in fired("Official notice", name=name)


def test_the_real_account_and_ordinary_names_are_not_impersonation():
    assert not fired("Official notice", name="City of Example Council", author_id="official-1")
    assert not fired("hello", name="Example Street Residents Association")


def test_skeleton_folds_confusables():
    assert skeleton("Сity оf Ехample") == skeleton("City of Example")
    assert skeleton("C1ty 0f") == "cltyof"
