"""Regression tests from a review of ``rules.prefilter``: a prefilter must never skip a regex
that would match (a false skip publishes a threat or slur).

Each case is a pattern, a text the ``regex`` module (as the policy compiler runs it) matches,
and the probe the prefilter reads for that field.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import regex

from rules.compiler import _compile_regex
from rules.prefilter import compile_prefilter, probe, required_literals

from policy_helpers import fired, policy

#: (pattern, field text the regex runs on): raw fields, read through ``probe``.
RAW_CASES = [
    # regex's IGNORECASE matches "I" with dotless "ı", whose case fold is itself
    (r"\bI WILL FIND YOU\b", "ı will fınd you"),
    (r"KILL", "kıll"),
    # fuzzy constraints ``re`` reads as literal text (the exclusion list only knew "{e", "{i"...)
    (r"(?:kill){1<=e<=2}", "kiss"),
    (r"(?:kill){2i+2d+1s<=4}", "kiss"),
    # a NUL literal is the prefilter's own word-boundary mark
    (r"kill\x00you", "kill\x00you"),
    (r"kill\0you", "kill\x00you"),
    (r"a[\x00-\x05]b", "a\x00b"),
    # unassigned in Python's Unicode tables (so "caseless"), a case of ß in regex's newer ones
    ("x\U0001df95", "xß"),
]


@pytest.mark.parametrize(("pattern", "text"), RAW_CASES)
def test_no_false_skip_on_raw_fields(pattern: str, text: str):
    assert _compile_regex(pattern, True).search(text)  # the case is a real match
    pf = compile_prefilter(pattern, folded=False)
    assert pf is None or pf(probe(text)), required_literals(pattern)


def test_fuzzy_constraints_get_no_prefilter():
    assert required_literals(r"(?:kill){1<=e<=2}") is None
    assert required_literals(r"(?:kill){2i+2d+1s<=4}") is None


def test_probe_reads_dotless_i_as_i():
    assert probe("KıLL") == "kill"
    pf = compile_prefilter(r"\bKILL YOU\b")
    assert pf is not None and pf(probe("kıll you")) and not pf(probe("nothing here"))


def test_raw_field_rule_fires_end_to_end(tmp_path: Path):
    ps = policy(tmp_path, r"""
        policy: t
        version: 1
        rules:
          - id: find
            description: raw threat
            policy: threats
            when: {regex: {pattern: '\bI WILL FIND YOU\b', field: text.raw}}
            action: hide
    """)
    assert "find" in fired(ps, "ı will fınd you")
    assert "find" in fired(ps, "I WILL FIND YOU")
    assert "find" not in fired(ps, "nothing here")


#: Lower-case sources that still name capitals: on folded (lower-case) text they match only
#: under IGNORECASE, so ``conditions.Regex`` must not drop the flag for them.
CASE_SENSITIVE_LOWER = [r"\x4bill", r"\113ill", r"\u004bill", r"[\x41-\x5a]ill", r"k[0-a]ll",
                        r"\p{lu}ill", r"[[:upper:]]ill"]


@pytest.mark.parametrize("pattern", CASE_SENSITIVE_LOWER)
def test_lower_case_source_can_still_need_ignorecase(pattern: str):
    assert pattern == pattern.lower()
    assert regex.search(pattern, "kill", regex.V0 | regex.IGNORECASE)
    assert not regex.search(pattern, "kill", regex.V0)


def test_folded_rule_with_escaped_capital_fires(tmp_path: Path):
    ps = policy(tmp_path, r"""
        policy: t
        version: 1
        rules:
          - id: k
            description: escaped capital
            policy: threats
            when: {regex: '\b\x4bill you\b'}
            action: hide
    """)
    assert "k" in fired(ps, "kill you")
