"""RE2 (``rules.linear``) finds exactly the spans the ``regex`` module finds, where it is used.

Every shipped pattern RE2 takes is compared with ``regex`` on the shipped test texts, the shared
datasets (when present) and generated ASCII texts built from the pattern's own words; the
patterns RE2 reads differently are refused; and the engine falls back to ``regex`` on non-ASCII
text, where ``\\s``, ``\\w`` and case folding differ.
"""

from __future__ import annotations

import re

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st
from test_rules_fastpaths import TEXTS, _dataset_texts, _shipped_patterns

from civicmod.contract.records import Author, Comment
from rules.compiler import _compile_regex, load_policy_set
from rules.conditions import Regex
from rules.folding import fold
from rules.linear import linear_pattern


def _regex_spans(pattern: regex.Pattern[str], text: str) -> list[tuple[int, int]]:
    return [m.span() for m in pattern.finditer(text)]


def _linear_shipped() -> list[tuple[regex.Pattern[str], object, str]]:
    out = []
    for src, field in _shipped_patterns():
        pat = _compile_regex(src, True)
        lin = linear_pattern(pat)
        if lin is not None:
            out.append((pat, lin, field))
    return out


LINEAR = _linear_shipped()


def test_most_shipped_patterns_run_on_re2():
    """The shipped patterns RE2 takes (a pattern it refuses still works, only slower)."""
    assert len(LINEAR) >= 0.75 * len(_shipped_patterns())


def test_shipped_patterns_find_the_same_spans_on_the_texts():
    texts = TEXTS + _dataset_texts(3000)
    folded = [fold(t) for t in texts]
    compared = 0
    for pat, lin, field in LINEAR:
        for raw, f in zip(texts, folded, strict=True):
            target = f if field == "text" else raw
            if not target.isascii():
                continue  # the engine hands non-ASCII text to regex
            assert lin.spans(target) == _regex_spans(pat, target), (pat.pattern[:60], target)
            compared += 1
    assert compared > len(LINEAR) * len(TEXTS) // 2


def _words_of(pattern: str) -> list[str]:
    return sorted(set(re.findall(r"[A-Za-z]+", pattern)))[:200] or ["a"]


#: Separators with every ASCII character RE2 and Python read differently as whitespace.
_SEPARATORS = [" ", "  ", "\n", "\t", "\x0b", "\x0c", "\r", "\x1c", "\x1f", ".", ",", "'", "?",
               "!", '"', "-", "_", "0", "9"]


@pytest.mark.parametrize("index", range(len(LINEAR)))
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_shipped_patterns_find_the_same_spans_on_generated_texts(index: int, data: st.DataObject):
    pat, lin, field = LINEAR[index]
    words = _words_of(pat.pattern)
    pieces = data.draw(st.lists(st.one_of(st.sampled_from(words), st.sampled_from(_SEPARATORS),
                                          st.sampled_from(["you", "u", "your", "I", "We", "FOI"])),
                                max_size=30))
    text = "".join(p if i % 2 == 0 else p.upper() if data.draw(st.booleans()) else p
                   for i, p in enumerate(pieces))
    target = fold(text) if field == "text" else text
    assert lin.spans(target) == _regex_spans(pat, target)


@settings(max_examples=300, deadline=None)
@given(text=st.text(st.characters(max_codepoint=127), max_size=40))
def test_rewritten_classes_equal_regexs(text: str):
    for src in (r"a\s+b", r"a[\s.]+b", r"\S+\s\S", r"x[^\s]y", r"\bno\b(?:[ \t]+\w+){0,2}",
                r"no(?:[^\S\n]+[\w']+){0,3}?[^\S\n]+x", r"\W\d\D[\W_]", r"[^\w\s]+"):
        pat = _compile_regex(src, True)
        lin = linear_pattern(pat)
        assert lin is not None, src
        assert lin.spans(text) == _regex_spans(pat, text), (src, text)


@settings(max_examples=300, deadline=None)
@given(text=st.text(st.sampled_from(list("ab \n\t.")), max_size=12))
def test_end_of_text_anchor_equals_regexs(text: str):
    """``\\Z`` (RE2's ``\\z``) matches only at the very end, also after a final newline, where
    ``$`` would match before it (``$`` itself stays with ``regex``)."""
    for src in (r"b\s*\Z", r"\bab?\Z", r"(?:a|b)+\s*\Z"):
        pat = _compile_regex(src, True)
        lin = linear_pattern(pat)
        assert lin is not None, src
        assert lin.spans(text) == _regex_spans(pat, text), (src, text)


@pytest.mark.parametrize("src", [
    r"end$", r"(?<=a)b", r"(?<!a)b", r"(a)\1", r"a*", r"\b", r"x?", r"(?m)^a",
    r"(?x) a b", r"(?s)a.b", r"[\sa]+", r"\p{L}+", r"caf[éÉ]", r"Straße",
    # found in review: RE2 reads these differently from regex
    r"\d{,3}x", r"(?:cat){1<=e<=1}", r"(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)\10", r"(?:[^[:alpha:]\s])+",
    r"x(?:a?|b)*", r"\bidiot(?:s?|z)*", r"x?(?-i:a|[^b])", r"(?i:a\s)", "a\ud800",
])
def test_patterns_re2_reads_differently_stay_with_regex(src: str):
    assert linear_pattern(_compile_regex(src, True)) is None


def test_case_sensitive_scope_is_kept():
    lin = linear_pattern(_compile_regex(r"(?-i:\bFOI\b)", True))
    assert lin is not None
    assert lin.spans("an FOI request") == [(3, 6)]
    assert lin.spans("foi") == []


def _policy_with(pattern: str, field: str):
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "p.yaml"
        path.write_text(
            "policy: t\nversion: 1\nrules:\n  - id: t.rx\n    description: test\n    policy: t\n"
            f"    when: {{regex: {{pattern: '{pattern}', field: {field}}}}}\n"
            "    action: escalate\n    reason: 'matched {matched}'\n")
        return load_policy_set([path]).policy_for("a")


def _comment(text: str) -> Comment:
    return Comment(id="x:1", platform="x", account_id="a", author=Author(id="u1"), text=text)


def test_engine_uses_re2_on_ascii_and_regex_on_other_text():
    policy = _policy_with(r"a\sb", "text.raw")
    node = policy.rules[0].condition
    assert isinstance(node, Regex) and node.linear is not None
    # U+00A0 is whitespace to regex and not to RE2: non-ASCII text must go to regex
    hit = policy.evaluate(_comment("x a\u00a0b y"))
    assert [h.spans for h in hit] == [((2, 5),)]
    hit = policy.evaluate(_comment("x a\x0bb y"))  # ASCII: RE2 with \s rewritten (its own lacks \v)
    assert [h.spans for h in hit] == [((2, 5),)]
    assert list(policy.evaluate(_comment("x ab y"))) == []


def test_re2_keeps_the_input_size_budget():
    policy = _policy_with(r"\bzz\b", "text.raw")
    assert policy.rules[0].condition.linear is not None
    ev = policy.evaluate(_comment("zz " * 20_000))
    assert list(ev) == []
    assert [code for code, _ in ev.errors] == ["system.regex_budget"]


def test_re2_runs_a_catastrophic_pattern_that_regex_must_give_up_on():
    """``(a|aa)+b`` backtracks exponentially in ``regex`` (stopped by the time budget: the comment
    is unjudged); RE2 answers at once on ASCII text."""
    policy = _policy_with(r"(a|aa)+b", "text.raw")
    assert policy.rules[0].condition.linear is not None
    ev = policy.evaluate(_comment("b " + "a" * 40 + "c"))  # "b": past the literal prefilter
    assert list(ev) == [] and ev.errors == []
    ev = policy.evaluate(_comment("b " + "a" * 40 + "\u00e9"))  # non-ASCII: regex, under its budget
    assert [code for code, _ in ev.errors] == ["system.regex_budget"]


_ATOMS = ["a", "b", "A", "B", " ", "-", "_", "1", ".", "\\w", "\\W", "\\s", "\\S", "\\d", "\\D",
          "\\b", "\\B", "^", "\\A", "[a-c]", "[^a-z]", "[A-z]", "[\\w]", "[\\s-]", "[\\]a]",
          "[^\\W\\d]", "[^\\s]", "[Z-a]", "[^A-Z]", "\\x41", "[\\\\s]", "[^b]", "[\\s\\S]"]
_QUANTIFIERS = ["*", "+", "?", "*?", "+?", "??", "{0,2}", "{1,2}", "{2}", "{1,}?", "{2,}"]
_PATTERNS = st.recursive(
    st.sampled_from(_ATOMS),
    lambda inner: st.one_of(
        st.lists(inner, min_size=2, max_size=3).map("".join),
        st.lists(inner, min_size=2, max_size=3).map(lambda xs: "(?:" + "|".join(xs) + ")"),
        st.tuples(st.sampled_from(["(?i:", "(?-i:", "("]), inner).map(lambda t: t[0] + t[1] + ")"),
        st.tuples(inner, st.sampled_from(_QUANTIFIERS)).map(lambda t: "(?:" + t[0] + ")" + t[1])),
    max_leaves=8)


@settings(max_examples=400, deadline=None)
@given(src=_PATTERNS, ignore_case=st.booleans(),
       texts=st.lists(st.text("aAbBZz _-1\t\x0b\x1c[]`.\n\\^", max_size=12), min_size=1, max_size=5))
def test_generated_patterns_re2_takes_find_the_same_spans(src: str, ignore_case: bool, texts: list[str]):
    """Random patterns over the syntax RE2 and regex might read differently: where
    linear_pattern takes one, its spans equal regex's on every text."""
    try:
        pat = _compile_regex(src, ignore_case)
    except ValueError:
        return
    lin = linear_pattern(pat)
    if lin is None:
        return
    for text in texts:
        assert lin.spans(text) == _regex_spans(pat, text), (src, ignore_case, text)
