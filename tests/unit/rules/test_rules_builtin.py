"""The shipped default policy (rules/policies/default.yaml) on the comments it is written for."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from civicmod.dev.demo import DEMO_COMMENTS, _comment
from civicmod.verdict.batch import judge_batch
from civicmod.verdict.judge import Judge
from rules import builtin_ruleset
from rules.compiler import load_policy_set

from policy_helpers import comment, write

RULES = builtin_ruleset(["City of Example Council"], official_author_ids=["official-1"])
SHARED = Path(__file__).resolve().parents[4] / "shared" / "datasets"


def outcome(text: str, **kw) -> tuple[str, set[str]]:
    (v,) = judge_batch(Judge(RULES, None), [comment(text, **kw)])
    return v.outcome, {r.id for r in v.reasons}


def test_swearing_at_the_council_goes_to_a_moderator_by_default():
    got, ids = outcome("What a shit show this consultation was, absolute fucking joke")
    assert got == "escalate" and "speech.profanity" in ids


def test_demo_feed_outcomes_without_a_model():
    for i, (platform, name, text, expected) in enumerate(DEMO_COMMENTS):
        (v,) = judge_batch(Judge(RULES, None), [_comment(i, platform, name, text)])
        if expected == "escalate" and not {r.id for r in v.reasons} & {"impersonation.official_name"}:
            expected = {"escalate", "publish"}  # the two profanity ones: the model decides those
        assert v.outcome in (expected if isinstance(expected, set) else {expected}), (text, v.reasons)


@pytest.mark.parametrize("text", [
    "I know where you live, councillor.",
    "I'm going to kill you",
    "someone should burn the town hall down",
    "I will k i l l you",
    "I'll k1ll every one of you",
    "kys",
])
def test_threats_are_hidden(text: str):
    got, ids = outcome(text)
    assert got == "hide" and "abuse.threat" in ids, text


@pytest.mark.parametrize("text", [
    "This policy will kill the high street",
    "The road is killing my tyres",
    "I'll find the form online",
    "The leader should resign, this is a shambles",
    "The council's parking policy is a disgrace and the cabinet member should resign.",
    "What a bloody shambles this consultation was, absolute joke",
    "Useless council, useless policies, waste of our money",
    "Scunthorpe and Penistone bus times please",
    "Our therapist group meets in Middlesex and Sussex",
])
def test_criticism_and_innocent_words_are_published(text: str):
    got, _ = outcome(text)
    assert got == "publish", text


def test_criticism_is_tagged_not_acted_on():
    (v,) = judge_batch(Judge(RULES, None), [comment("The council is a disgrace and the leader should go.")])
    assert v.outcome == "publish" and v.tags == ["criticism"]


@pytest.mark.parametrize("text", [
    "call me on 07700 900123", "write to jo@example.com", "my NI is AB 12 34 56 C",
    "ssn 123-45-6789", "card 4111 1111 1111 1111", "pay GB82 WEST 1234 5698 7654 32",
    "ring +33 6 12 34 56 78",
])
def test_personal_data_is_never_published(text: str):
    assert outcome(text)[0] == "hide"


def test_personal_data_rules_are_locked_against_lower_layers(tmp_path: Path):
    org = write(tmp_path, "org.yaml", "policy: o\nversion: 1\ndisable: [pii.phone]\n")
    from civicmod.contract.yamlfile import FileError

    with pytest.raises(FileError, match="locked"):
        load_policy_set(["builtin:default"], [org])


@pytest.mark.parametrize(("text", "rule"), [
    ("Council tax refund! Claim now https://bit.ly/x1", "scam.link"),
    ("DM me for crypto gains www.coinz.xyz/join", "scam.link"),
])
def test_scams_are_hidden(text: str, rule: str):
    got, ids = outcome(text)
    assert got == "hide" and rule in ids


def test_official_links_are_fine():
    assert outcome("Details: https://www.example.gov.uk/refunds")[0] == "publish"


def test_new_account_links_are_held_for_review():
    got, ids = outcome("great article www.localnews.example/story", age_days=2)
    assert got == "escalate" and "spam.new_account_link" in ids
    assert outcome("great article www.localnews.example/story", age_days=300)[0] == "publish"


@pytest.mark.parametrize("name", ["City of Exampie Council", "Clty of Example Counci1",
                                  "Сity оf Ехample Council"])
def test_impersonation_is_escalated_and_held(name: str):
    (v,) = judge_batch(Judge(RULES, None), [comment("Official notice", name=name)])
    assert v.outcome == "escalate" and v.escalation is not None and v.escalation.hold
    assert v.escalation.queue == "impersonation"


def test_the_real_account_is_not_impersonation():
    assert outcome("Official notice", name="City of Example Council", author_id="official-1")[0] == "publish"


def test_slurs_aimed_at_people_are_hidden_and_mentions_escalated():
    assert outcome("you are nothing but a n1gg3r")[0] == "hide"
    got, ids = outcome('He wrote "tranny" under my photo')
    assert got == "escalate" and "hate.slur" in ids
    # reported and condemned: counter-speech, published
    got, ids = outcome('He called me a "tranny", which is disgusting')
    assert got == "publish" and "speech.counter" in ids
    assert outcome("A hoe is a kind of garden tool")[0] == "publish"
    assert outcome("You will need a good garden hoe")[0] != "hide"  # ambiguous: a person decides


def test_hatecheck_non_hateful_cases_are_rarely_hidden():
    path = SHARED / "hatecheck_test_suite_cases.csv"
    if not path.is_file():
        pytest.skip(f"{path} not found (shared datasets absent)")
    judge = Judge(RULES, None)
    hidden, total = Counter(), Counter()
    with path.open(newline="", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["label_gold"] == "non-hateful"]
    for i, row in enumerate(rows):
        (v,) = judge_batch(judge, [comment(row["test_case"], cid=str(i))])
        total[row["functionality"]] += 1
        hidden[row["functionality"]] += v.outcome == "hide"
    share = sum(hidden.values()) / sum(total.values())
    print(f"HateCheck non-hateful hidden: {sum(hidden.values())}/{sum(total.values())} = {share:.1%}")
    assert share <= 0.05
    for functionality in ("counter_quote_nh", "ident_neutral_nh", "ident_pos_nh", "profanity_nh",
                          "slur_reclaimed_nh", "slur_homonym_nh", "negate_neg_nh"):
        assert hidden[functionality] == 0, functionality
