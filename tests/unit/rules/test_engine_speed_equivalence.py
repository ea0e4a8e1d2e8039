"""The engine's speed-ups give exactly the answers of the plain code they replaced.

Each test holds the plain form as a reference (as it was written before the speed-up) and checks
the fast one against it: the impersonation bound (``ratio() = 2M/(la+lb)`` and ``quick_ratio()``
are upper bounds, so skipping ``ratio()`` below the threshold changes no result or message), the
span maps by shifts, the stretch-variant maps by slices, the span merge, the punctuation-class
regexes run by ``re``, and the digit count behind ``#digit``; later: the impersonation bounds from
letter sets and letter counts, the skeleton on bytes, the folding gates (spelled-out letters on
character classes, leet words read possessively, letter triples), punctuation marks looked for
before the scan, and ``any`` of word lists as one test.
"""

from __future__ import annotations

import difflib
import functools
import random
import re
from itertools import compress

import pytest
import regex
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civicmod.contract.records import Author, Comment
from rules.compiler import EffectiveSettings, _merge_spans, load_policy_set
from rules.conditions import AnyOf, RuleRef, Words
from rules.context import BudgetExceeded, Context, _list_mapper, _shift_mapper
from rules.detectors import Impersonation, quick_ratio
from rules.folding import (
    _AMBIG_U,
    _LEET_CHARS,
    _LEET_TOKEN,
    _RUN3,
    _SEP,
    _SKELETON_MULTI,
    _SKELETON_TABLE,
    _SPACED_GATE,
    _prefold,
    fold_state,
    has_stretch,
    skeleton,
    space_map,
    space_shifts,
    spaced_gate,
    stretch_variants_mapped,
)
from rules.prefilter import char_class, literal_chars

OFFICIAL = ("City of Example Council", "ExampleCouncil")


def _plain_check(names: tuple[str, ...], threshold: float, name: str) -> str | None:
    """``Impersonation._check`` as first written: ``ratio()`` for every official name."""
    pairs = [(skeleton(n), n) for n in names if len(skeleton(n)) >= 4]
    sk = skeleton(name)
    if len(sk) >= 4:
        for off, official in pairs:
            ratio = 1.0 if sk == off else difflib.SequenceMatcher(None, sk, off).ratio()
            if ratio >= threshold or (len(off) >= 8 and off in sk):
                return f"author name {name!r} resembles official {official!r} ({ratio:.2f})"
    return None


def _names(seed: int = 5, per_base: int = 400) -> list[str]:
    """Names near the official ones (edits, prefixes, affixes) and far from them."""
    rng = random.Random(seed)
    out = {"user 1", "bob", "ExampleCounciI", "City of Examp1e Council", "Examp1eCounci1",
           "The ExampleCouncil Fan Club", "Not the City of Example Council at all",
           "ExampleCouncil", "examplecouncil", "Example", "Council", "City", "xx", "",
           "Cty of Exmple Cncl", "City of Example Counci", "ExampleCouncilWatch 2026"}
    for base in (*OFFICIAL, "Example Council", "City Council", "cityofexamplecouncil"):
        for _ in range(per_base):
            s = list(base)
            for _ in range(rng.randint(0, 7)):
                i = rng.randrange(len(s) + 1)
                op = rng.random()
                if op < 0.4 and s:
                    s.pop(min(i, len(s) - 1))
                elif op < 0.7:
                    s.insert(i, rng.choice("abcdeilmnorstuxyz01 |"))
                elif s:
                    s[min(i, len(s) - 1)] = rng.choice("abcdeilmnorst1")
            name = "".join(s)
            out.update({name, f"The {name} Fan", name[: rng.randint(3, 30)]})
    return sorted(out)


@pytest.mark.parametrize("threshold", [0.85, 0.6, 0.95, 1.0, 1.2, 0.3])
def test_impersonation_bound_keeps_every_result_and_message(threshold: float):
    names = _names()
    imp = Impersonation(OFFICIAL, frozenset(), threshold)
    flagged = 0
    for name in names:
        want = _plain_check(OFFICIAL, threshold, name)
        assert imp._check(name) == want, name
        flagged += want is not None
    if threshold <= 1.0:  # both sides of the threshold are exercised
        assert 0 < flagged < len(names)


def test_impersonation_bound_near_the_threshold():
    """Names whose ratio is just above and just below 0.85 (and a containment with a low ratio,
    whose message still carries the ratio ``ratio()`` computes)."""
    imp = Impersonation(OFFICIAL, frozenset(), 0.85)
    near = [n for n in _names(seed=11, per_base=300)
            if 0.75 <= difflib.SequenceMatcher(None, skeleton(n), skeleton(OFFICIAL[1])).ratio() <= 0.95]
    assert len(near) > 20
    for name in near:
        assert imp._check(name) == _plain_check(OFFICIAL, 0.85, name), name
    long_name = "the real examplecouncil fan page of nobody official at all"
    got = imp._check(long_name)
    assert got == _plain_check(OFFICIAL, 0.85, long_name)
    assert got is not None and got.endswith("(0.44)")  # below the threshold: found by containment


def _plain_stretch_maps(folded: str, idx: list[int]) -> tuple[tuple[str, list[int], list[int]], ...]:
    """``stretch_variants_mapped`` as first written (keep flags and ``compress``)."""
    run = re.compile(r"([a-z])\1\1+")
    out = []
    for width in (1, 2):
        keep = [True] * len(folded)
        last = list(idx)
        for m in run.finditer(folded):
            last[m.start() + width - 1] = idx[m.end() - 1]
            for j in range(m.start() + width, m.end()):
                keep[j] = False
        out.append(("".join(compress(folded, keep)), list(compress(idx, keep)),
                    list(compress(last, keep))))
    return tuple(out)


def test_stretch_maps_by_slices_equal_the_plain_ones():
    rng = random.Random(3)
    for _ in range(20000):
        s = "".join(rng.choice("aab ooou") * rng.choice((1, 1, 1, 3, 4)) for _ in range(rng.randint(0, 20)))
        idx = sorted(rng.sample(range(1000), len(s)))
        assert stretch_variants_mapped(s, idx) == _plain_stretch_maps(s, idx), s


def test_span_maps_by_shifts_equal_the_offset_lists():
    rng = random.Random(1)
    pres = ["", " ", "  a", "a  ", "a  b   c", " a b ", "ab"]
    pres += ["".join(rng.choice("ab   ") for _ in range(rng.randint(0, 25))) for _ in range(5000)]
    for pre in pres:
        idx = space_map(pre)
        fast, plain = _shift_mapper(*space_shifts(pre)), _list_mapper(idx, idx)
        assert space_shifts(pre)[2] == len(idx) == len(" ".join(pre.split()))
        for start in range(len(idx) + 2):
            for end in range(start - 1, len(idx) + 2):
                assert fast(start, end) == plain(start, end), (pre, start, end)


def _plain_merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    if len(spans) < 2:
        return list(spans)
    out: list[tuple[int, int]] = []
    for a, b in sorted(set(spans)):
        if out and a < out[-1][1]:
            out[-1] = (out[-1][0], max(b, out[-1][1]))
        else:
            out.append((a, b))
    return out


def test_span_merge_equals_the_plain_one():
    rng = random.Random(2)
    for _ in range(30000):
        spans = []
        for _ in range(rng.randint(0, 6)):
            a = rng.randint(0, 15)
            spans.append((a, a + rng.randint(0, 5)))  # empty spans included
        assert _merge_spans(spans) == tuple(_plain_merge(spans)), spans


def test_only_punctuation_classes_run_by_re():
    assert literal_chars('["“”«»]') == frozenset('"“”«»')
    assert literal_chars(r"\?") == frozenset("?")
    for pattern in ("[a\"]", '[^"]', '["]+', "a", "[Ⓐ]", "[[:punct:]]", r"\p{P}", "[Kk]", "ſ", "[0-9]"):
        assert literal_chars(pattern) is None, pattern
    texts = ['he said "you are vermin"', "«non» “quoted” ”", "no quotes", "", "ſ K İ ı \"", "\"" * 50]
    for pattern in ('["“”«»]', r"\?", "[!?.]"):
        chars = literal_chars(pattern)
        assert chars is not None
        slow = regex.compile(pattern, regex.V0 | regex.IGNORECASE)
        for text in texts:
            assert [m.span() for m in char_class(chars).finditer(text)] == \
                   [m.span() for m in slow.finditer(text)], (pattern, text)


def _policy(tmp_path, max_chars: int = 20_000):
    org = tmp_path / "org.yaml"
    org.write_text(
        "policy: t\nversion: 1\nsettings:\n  regex_max_input_chars: " + str(max_chars) + "\n"
        "patterns:\n  quoted2: {regex: '[\"“”«»]', field: text.raw}\n"
        "rules:\n  - id: t.quoted\n    description: quotes\n    policy: t.quoted\n"
        "    when: {regex: quoted2}\n    action: tag\n    tags: [quoted]\n    reason: 'Quotes: {matched}'\n")
    return load_policy_set(["builtin:default"], [org], base_settings=EffectiveSettings(
        official_names=OFFICIAL)).base


def _comment(text: str) -> Comment:
    return Comment(id="x:1", platform="x", account_id="a", text=text,
                   author=Author(id="u1", display_name="user 1", handle="user1"))


def test_punctuation_class_rule_spans_and_budget(tmp_path):
    policy = _policy(tmp_path)
    hits = {h.rule_id: h for h in policy.evaluate(_comment('he said “go away” and "stop"'))}
    assert hits["t.quoted"].spans == ((8, 9), (16, 17), (22, 23), (27, 28))
    assert hits["t.quoted"].detail == "Quotes: '“', '”', '\"'"
    small = _policy(tmp_path, max_chars=10)
    ev = small.evaluate(_comment('"' + "a" * 40))
    assert "t.quoted" not in {h.rule_id for h in ev}
    assert any(kind == "system.regex_budget" and "t.quoted" in msg for kind, msg in ev.notes + ev.errors)
    ctx = Context(small, _comment('"' + "a" * 40))
    node = small.by_id["t.quoted"].condition
    with pytest.raises(BudgetExceeded):
        node.test(ctx)


def test_digit_count_feature_equals_counting_characters(tmp_path):
    policy = _policy(tmp_path)
    texts = ["12345", "123456", "&#128514; lol", "٣٣٣٣٣٣٣ 12345", "１２３４５６", "\ud800 123456",
             "a1b2c3d4e5f6", "no digits", "phone 07700 900123", "é1é2é3é4é5"]
    for text in texts:
        want = any(c.isdigit() for c in text) and sum(map(text.count, "0123456789")) >= 6
        assert ("#digit" in Context(policy, _comment(text)).features) == want, text


def test_lazy_span_maps_equal_the_full_offset_maps(tmp_path):
    """Per variant, the span mapper reads the same offsets as the full maps of ``fold_mapped``
    and the stretch variants (ASCII, stretched, spelled-out and non-ASCII comments)."""
    policy = _policy(tmp_path)
    texts = ["RT @user:  you  are   a fuuuuck  idiot!!", "f u c k you", "Ｙｏｕ ａｒｅ scum",
             "  leading spaces and trailing  ", "shiiiit   happens", "plain text", "",
             "y o u  a r e  s c u m", "naïve café ſhit"]
    for text in texts:
        ctx = Context(policy, _comment(text))
        for variant, (starts, ends) in enumerate(ctx.offset_maps()):
            plain = _list_mapper(starts, ends)
            mapper = ctx.span_mapper(variant)
            for start in range(len(starts) + 2):
                for end in range(start, len(starts) + 2):
                    assert mapper(start, end) == plain(start, end), (text, variant, start, end)
        _, pre = fold_state(text)
        if pre is not None and pre.isascii():
            assert ctx.offset_maps()[0][0] == space_map(pre)
        # list_spans maps word-list hits as the per-variant mappers do, whatever the variant
        hits = [(v, a, b, "t") for v in range(len(ctx.variants))
                for a in range(len(ctx.variants[v]) + 2) for b in range(a, len(ctx.variants[v]) + 2)]
        want = [s for s in (_list_mapper(*ctx.variant_map(v))(a, b) for v, a, b, _ in hits) if s is not None]
        assert Context(policy, _comment(text)).list_spans(hits) == want, text


def test_stretch_variant_mappers_equal_their_offset_lists(tmp_path):
    """Random ASCII comments with runs of letters, spaces and punctuation: every span of every
    stretch variant maps as the variant's offset lists say."""
    policy = _policy(tmp_path)
    rng = random.Random(9)
    words = ["fuuuck", "shiiit", "yoooou", "aaaa", "ok", "lmaooooo", "zzz", "hello", "!!", "...",
             "a", "bb", "sooo", "x1", "@@", "'", " ", "  "]
    seen = 0
    for _ in range(1500):
        text = "".join(rng.choice(words) + rng.choice([" ", "  ", ", ", "", "   "])
                       for _ in range(rng.randint(1, 8)))
        ctx = Context(policy, _comment(("  " if rng.random() < 0.3 else "") + text))
        if len(ctx.variants) == 1 or ctx._pre is None or not ctx._pre.isascii():
            continue
        seen += 1
        for variant in range(len(ctx.variants)):
            starts, ends = ctx.variant_map(variant)
            assert len(starts) == len(ctx.variants[variant])
            plain, mapper = _list_mapper(starts, ends), ctx.span_mapper(variant)
            for start in range(len(starts) + 2):
                for end in range(start, len(starts) + 2):
                    assert mapper(start, end) == plain(start, end), (ctx.comment.text, variant, start, end)
    assert seen > 500


# --- impersonation: letter-count bounds and the skeleton on bytes -------------------------------------
_PROPERTY = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
#: Letters the skeleton merges or joins (l/1/|/!, rn, vv, leet) and some that it drops or keeps.
_NAME_CHARS = st.sampled_from(list("rnvwmlLI1|!iI0oO3eE5sS4aA@$7tT xX-._cCuUpPyY"
                                   "\u0443\u0440\u00e9\u200b\uff25"))
_NAMES = st.one_of(st.text(_NAME_CHARS, max_size=30), st.text(max_size=20),
                   st.sampled_from(["ExampleCouncil", "City of Example Council", "ExarnpleCounciI"]))


def _plain_skeleton(name: str) -> str:
    """``skeleton`` as first written: str steps, then a generator over the characters."""
    s = _prefold(name).replace(_AMBIG_U, "y").translate(_SKELETON_TABLE)
    for a, b in _SKELETON_MULTI:
        s = s.replace(a, b)
    return "".join(ch for ch in s if ch.isalnum() and ch.isascii())


@_PROPERTY
@given(_NAMES)
def test_skeleton_on_bytes_equals_the_plain_one(name: str):
    assert skeleton.__wrapped__(name) == _plain_skeleton(name)


@_PROPERTY
@given(st.text(_NAME_CHARS, min_size=1, max_size=30), st.text(_NAME_CHARS, min_size=1, max_size=30))
def test_quick_ratio_from_counts_equals_difflib(a: str, b: str):
    from collections import Counter

    want = difflib.SequenceMatcher(None, a, b).quick_ratio()
    assert quick_ratio(Counter(a), Counter(b), len(a) + len(b)) == want


@_PROPERTY
@given(_NAMES, st.sampled_from([0.85, 0.5, 0.7, 0.95, 1.0]),
       st.sampled_from([OFFICIAL, ("ExampleCouncil",), ("Abc", "ExampleCouncil", "Rn Vv Ltd"),
                        ("Cornwall Council", "C0rnwaII", "x")]))
def test_impersonation_bounds_keep_every_result_and_message(name: str, threshold: float,
                                                             officials: tuple[str, ...]):
    """The letter-set and letter-count bounds skip only names ``ratio()`` would reject, the
    official a name is reported against is the one it resembles (official names too short to
    compare are left out), and the answer is cached."""
    imp = Impersonation(officials, frozenset(), threshold)
    want = _plain_check(officials, threshold, name)
    assert imp._check(name) == want
    assert imp._check(name) == want  # from the cache


def test_impersonation_names_the_official_the_name_resembles():
    """An official name too short to compare ("Abc") is left out without shifting the others:
    the message names "ExampleCouncil", not the name before it."""
    imp = Impersonation(("Abc", "ExampleCouncil", "Rn Vv Ltd"), frozenset(), 0.85)
    assert imp._check("ExampleCounciI") == \
        "author name 'ExampleCounciI' resembles official 'ExampleCouncil' (1.00)"


def test_impersonation_letter_bounds_on_new_authors():
    """New authors' names close in length to an official name but not in letters (the bound
    skips them) and anagrams of it (same letters, ``ratio()`` decides), against the plain loop."""
    rng = random.Random(3)
    imp = Impersonation(OFFICIAL, frozenset(), 0.85)
    off = skeleton(OFFICIAL[1])
    names = [f"Resident {i}" for i in range(300)] + [f"resident{i}" for i in range(300)]
    for _ in range(300):
        letters = list(off)
        rng.shuffle(letters)
        names.append("".join(letters))
        k = rng.randint(0, 4)
        names.append(off[: len(off) - k] + "".join(rng.choice("xyzq") for _ in range(k)))
    flagged = 0
    for name in names:
        want = _plain_check(OFFICIAL, 0.85, name)
        assert imp._check(name) == want, name
        flagged += want is not None
    assert 0 < flagged < len(names)


# --- folding gates, punctuation marks -----------------------------------------------------------------
#: Characters the folding steps treat apart: letters, digits, leet marks, separators, masks,
#: capitals, newlines, non-ASCII letters and spaces.
_FOLD_CHARS = st.sampled_from(list("aabbzz019@$!|  .-_*'’`~^\"+,/\\:\t\n\x1cA#%é\u0430\u00a0"))
_FOLD_TEXTS = st.one_of(st.text(_FOLD_CHARS, max_size=40), st.text(max_size=30))


@_PROPERTY
@given(_FOLD_TEXTS)
def test_folding_gates_equal_their_patterns(text: str):
    """The spelled-out gate on character classes, the leet words read possessively and the
    letter-triple test give what the plain patterns give, on ASCII and non-ASCII text."""
    for s in (text, text.lower()):
        assert spaced_gate(s) == (_SPACED_GATE.search(s) is not None)
        assert has_stretch(s) == (_RUN3.search(s) is not None)
        plain = re.compile(rf"(?<![a-z{_LEET_CHARS}])[a-z{_LEET_CHARS}]*[{_LEET_CHARS}][a-z{_LEET_CHARS}]*")
        assert [m.span() for m in _LEET_TOKEN.finditer(s)] == [m.span() for m in plain.finditer(s)]


def test_letter_triples_of_every_character():
    """Every character three times (a triple of a non-letter first, then of a letter)."""
    for code in [*range(128), 0xE9, 0x430, 0x17F, 0x212A]:
        c = chr(code)
        for text in (c * 3, "ab" + c * 3, c * 2 + " " + c, "000" + c * 3, "\n\n\n" + c * 4, c * 2,
                     "000 " * 5 + c * 3, "!!!000###" + c * 3 + "x", "1111 2222" + c * 2):
            assert has_stretch(text) == (_RUN3.search(text) is not None), repr(text)


def test_spaced_gate_classes_cover_every_ascii_character():
    """Each ASCII character is in the gate's class of the pattern's class it belongs to."""
    gate = re.compile(rf"{_SEP[:-1]}[a-z0-9]{_SEP}[a-z0-9](?![a-z0-9])")
    for code in range(128):
        for text in (f" a{chr(code)}b", f" a {chr(code)}", f"{chr(code)}a b", f" a b{chr(code)}"):
            assert spaced_gate(text) == (gate.search(text) is not None), repr(text)


def _marks_policy(tmp_path, pattern: str, max_chars: int = 20_000):
    org = tmp_path / "marks.yaml"
    org.write_text(
        "policy: t\nversion: 1\nsettings:\n  regex_max_input_chars: " + str(max_chars) + "\n"
        "patterns:\n  marks: {regex: '" + pattern.replace("'", "''") + "', field: text.raw}\n"
        "rules:\n  - id: t.marks\n    description: marks\n    policy: t.marks\n"
        "    when: {regex: marks}\n    action: tag\n    tags: [marks]\n")
    return load_policy_set(["builtin:default"], [org], base_settings=EffectiveSettings(
        official_names=OFFICIAL)).base


@pytest.mark.parametrize("pattern", ['["“”«»]', "[!?.,;:()\\[\\]{}\"'“”«»-]", "[?]"])
def test_punctuation_marks_looked_for_first_keep_the_spans(tmp_path, pattern: str):
    """A class of a few marks (looked for one by one first) or of many (scanned at once): the
    spans are the ``regex`` module's, with and without marks in the text, and the input-size
    budget still applies to a text without any mark."""
    assert literal_chars(pattern) is not None  # run by ``re``, not by the regex module
    policy = _marks_policy(tmp_path, pattern)
    node = policy.by_id["t.marks"].condition
    compiled = regex.compile(pattern, regex.V0 | regex.IGNORECASE)
    rng = random.Random(7)
    pieces = ["a", "b", " ", '"', "“", "”", "«", "»", "?", "!", ".", "(", "]", "'", "-", "é", "\n"]
    for _ in range(400):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        ctx = Context(policy, _comment(text))
        want = [m.span() for m in compiled.finditer(text)]
        assert node.test(ctx) == bool(want)
        assert node.matches(ctx) == want
    small = _marks_policy(tmp_path, pattern, max_chars=10)
    ctx = Context(small, _comment("a" * 40))
    with pytest.raises(BudgetExceeded):
        small.by_id["t.marks"].condition.test(ctx)


# --- conditions ---------------------------------------------------------------------------------------
@functools.cache
def _bare_context() -> Context:
    """A real context (the compiled engine checks the type) whose hits a test sets itself."""
    policy = load_policy_set(["builtin:default"]).base
    return Context(policy, Comment(id="x:1", platform="x", account_id="a",
                                   author=Author(id="u", display_name="U"), text="x"))


@_PROPERTY
@given(st.lists(st.lists(st.sampled_from("abcdef"), min_size=1, max_size=3), min_size=2, max_size=6),
       st.sets(st.sampled_from("abcdefgh")))
def test_any_of_word_lists_as_one_test_equals_each_child(lists: list[list[str]], matched: set[str]):
    """``any`` of word-list leaves is one test of the lists that matched: the same answer as its
    children one by one (and as the plain loop, kept when another kind of child is there)."""
    ctx = _bare_context()
    ctx.hits, ctx.fired = {n: [(0, 0, 1, n)] for n in matched}, {"r": False}
    children = tuple(Words(lists=tuple(ls)) for ls in lists)
    want = any(Words._test(c, ctx) for c in children)  # the class's own test, not the closure
    assert AnyOf(children=children).test(ctx) == want
    mixed = AnyOf(children=(*children, RuleRef(rule_id="r")))
    assert mixed.test(ctx) == want


def test_candidates_equal_the_rules_whose_trigger_is_met(tmp_path):
    """Candidates from the triggers read at load: the phase-1 rules whose trigger is None or
    meets the features, in order, for random feature sets (each computed, then from the cache)."""
    policy = _policy(tmp_path)
    names = [*sorted({n for r in policy.phase1 if r.trigger for n in r.trigger}), "#none"]
    rng = random.Random(12)
    for _ in range(300):
        features = frozenset(rng.sample(names, rng.randint(0, 6)))
        want = [r for r in policy.phase1 if r.trigger is None or not r.trigger.isdisjoint(features)]
        assert policy.candidates(features) == want
        assert policy.candidates(features) == want
