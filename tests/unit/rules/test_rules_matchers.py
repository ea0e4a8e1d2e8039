"""Word lists, regexes under budget, and link matching, through small policies."""

from __future__ import annotations

from pathlib import Path

import pytest

from civicmod.verdict.batch import judge_batch
from rules.folding import fold
from rules.wordlists import TermIndex, WordList

from policy_helpers import comment, fired, policy

WORDS = """
policy: t
version: 1
lists:
  swear: {terms: ["fuck*", shit, ass, "kill yourself"], except: [fuckington]}
rules:
  - id: swear
    description: swearing
    policy: test.swear
    when: {words: swear}
    action: escalate
"""


@pytest.mark.parametrize(("text", "match"), [
    ("oh SHIT", "SHIT"),
    ("what the fuuuuck", "fuuuuck"),
    ("you absolute fucking clown", "fucking"),
    ("you @ss", "@ss"),
    ("sh1t happens", "sh1t"),
    ("f.u.c.k this", "f.u.c.k"),
    ("ѕһіt", "ѕһіt"),
    ("just kill   YOURSELF", "kill   YOURSELF"),
    ("assssss", "assssss"),
])
def test_word_lists_find_evasions_with_original_spans(tmp_path: Path, text: str, match: str):
    assert fired(policy(tmp_path, WORDS), text) == {"swear": [match]}


@pytest.mark.parametrize("text", ["Scunthorpe", "class assessment", "Fuckington Road",
                                  "as we said", "Shitterton parish"])
def test_word_lists_stay_out_of_innocent_words(tmp_path: Path, text: str):
    assert fired(policy(tmp_path, WORDS), text) == {}


def test_thousands_of_terms_compile_to_one_automaton():
    terms = tuple(f"term{i}x" for i in range(5000))
    index = TermIndex({"a": WordList("a", terms), "b": WordList("b", ("term42x", "other"))})
    assert len(index) == 5001  # one key per distinct term, shared by both lists
    hits = index.scan((fold("say term42x and term4999x"),))
    assert sorted(h[3] for h in hits["a"]) == ["term42x", "term4999x"]
    assert [h[3] for h in hits["b"]] == ["term42x"]


def test_word_list_from_file_and_min_count(tmp_path: Path):
    (tmp_path / "words.txt").write_text("# comment\nalpha\n\nbeta gamma\n")
    ps = policy(tmp_path, """
        policy: t
        version: 1
        lists:
          greek: {file: words.txt}
        rules:
          - id: two
            description: two hits
            policy: test.count
            when: {words: {lists: [greek], min: 2}}
            action: tag
            tags: [greek]
        """)
    assert fired(ps, "alpha then beta gamma") == {"two": ["alpha", "beta gamma"]}
    assert fired(ps, "alpha only") == {}


def test_author_name_field(tmp_path: Path):
    ps = policy(tmp_path, """
        policy: t
        version: 1
        lists:
          bad_names: [crypto king]
        rules:
          - id: name
            description: spam name
            policy: spam.name
            when: {words: {lists: [bad_names], field: author.name}}
            action: escalate
        """)
    assert "name" in fired(ps, "hello", name="CRYPT0 K1NG official")
    assert fired(ps, "crypto king", name="Ann") == {}


BUDGET = """
policy: t
version: 1
settings:
  regex_timeout_ms: 20
  regex_max_input_chars: 500
patterns:
  catastrophic: {regex: '^(a|a)*$', field: text.raw}
rules:
  - id: slow
    description: a pattern that backtracks forever on some inputs
    policy: test.slow
    when: {regex: catastrophic}
    action: hide
"""


def test_regex_over_its_time_budget_escalates_with_a_system_reason(tmp_path: Path):
    from civicmod.verdict.judge import Judge

    ps = policy(tmp_path, BUDGET)
    judge = Judge(ps, None)
    (verdict,) = judge_batch(judge, [comment("a" * 40 + "!")])
    assert verdict.outcome == "escalate"
    (reason,) = verdict.reasons
    assert reason.source == "system" and reason.id == "system.regex_budget"
    assert "slow" in (reason.detail or "") and "20 ms" in (reason.detail or "")
    (ok,) = judge_batch(judge, [comment("aaaa")])
    assert ok.outcome == "hide"


TAG_BUDGET = BUDGET.replace("action: hide", "action: tag\n    tags: [slow.tag]")


def test_a_tag_only_rule_over_its_budget_loses_its_tag_not_the_verdict(tmp_path: Path):
    """A tag cannot change an outcome: a tag-only rule that fails is noted (no action), and the
    comment keeps the outcome the other rules give it."""
    from civicmod.verdict.judge import Judge

    (verdict,) = judge_batch(Judge(policy(tmp_path, TAG_BUDGET), None), [comment("a" * 40 + "!")])
    assert verdict.outcome == "publish"
    (note,) = verdict.reasons
    assert (note.id, note.action, note.label) == ("system.regex_budget", None, "tag_skipped")
    assert "slow" in (note.detail or "") and verdict.tags == []


def test_a_failing_tag_rule_another_rule_reads_still_escalates(tmp_path: Path):
    """When an action rule depends on the tag rule (``rule: slow``), its failure could hide a
    decision: the comment is unjudged, escalated."""
    from civicmod.verdict.judge import Judge

    text = TAG_BUDGET + """  - id: uses-slow
    description: reads the tag rule
    policy: test.slow
    when: {rule: slow}
    action: hide
"""
    (verdict,) = judge_batch(Judge(policy(tmp_path, text), None), [comment("a" * 40 + "!")])
    assert verdict.outcome == "escalate"
    assert verdict.reasons[0].id == "system.regex_budget" and verdict.reasons[0].action == "escalate"


def test_regex_over_its_size_budget_escalates(tmp_path: Path):
    from civicmod.verdict.judge import Judge

    (verdict,) = judge_batch(Judge(policy(tmp_path, BUDGET), None), [comment("x" * 600)])
    assert verdict.outcome == "escalate"
    assert verdict.reasons[0].id == "system.regex_budget"
    assert "input budget of 500" in (verdict.reasons[0].detail or "")


def test_pattern_over_the_size_budget_is_refused_at_load(tmp_path: Path):
    from civicmod.contract.yamlfile import FileError

    body = BUDGET.replace("'^(a|a)*$'", "'" + "a" * 2100 + "'")
    with pytest.raises(FileError, match="size budget"):
        policy(tmp_path, body)


LINKS = """
policy: t
version: 1
settings:
  allowed_domains: [gov.uk, example.org]
  denied_domains: [evil.example]
rules:
  - id: short
    description: shortener
    policy: spam.links
    when: {detect: link.shortener}
    action: hide
  - id: unlisted
    description: not allowlisted
    policy: spam.links
    when: {detect: link.unlisted}
    action: escalate
  - id: denied
    description: denylisted
    policy: spam.links
    when: {detect: link.denied}
    action: hide
"""


@pytest.mark.parametrize(("text", "rules"), [
    ("see https://www.example.gov.uk/bins", set()),
    ("see news.example.org/a", set()),
    ("see https://bit.ly/x1", {"short", "unlisted"}),
    ("see tinyurl.com/abc", {"short", "unlisted"}),
    ("see www.quickcoin.xyz/join", {"unlisted"}),
    ("see http://login.evil.example/x", {"denied", "unlisted"}),
    ("no link here. Really.", set()),
])
def test_links_allow_deny_and_shorteners(tmp_path: Path, text: str, rules: set[str]):
    assert set(fired(policy(tmp_path, LINKS), text)) == rules
