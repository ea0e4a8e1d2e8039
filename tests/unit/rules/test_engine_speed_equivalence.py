"""The engine's speed-ups give exactly the answers of the plain code they replaced.

Each test holds the plain form as a reference (as it was written before the speed-up) and checks
the fast one against it: the impersonation bound (``ratio() = 2M/(la+lb)`` and ``quick_ratio()``
are upper bounds, so skipping ``ratio()`` below the threshold changes no result or message), the
span maps by shifts, the stretch-variant maps by slices, the span merge, the punctuation-class
regexes run by ``re``, and the digit count behind ``#digit``.
"""

from __future__ import annotations

import difflib
import random
import re
from itertools import compress

import pytest
import regex

from civicmod.contract.records import Author, Comment
from rules.compiler import EffectiveSettings, _merge_spans, load_policy_set
from rules.context import BudgetExceeded, Context, _list_mapper, _shift_mapper
from rules.detectors import Impersonation
from rules.folding import fold_state, skeleton, space_map, space_shifts, stretch_variants_mapped
from rules.prefilter import char_class, literal_chars

OFFICIAL = ("City of Example Council", "ExampleCouncil")


def _plain_check(names: tuple[str, ...], threshold: float, name: str) -> str | None:
    """``Impersonation._check`` as first written: ``ratio()`` for every official name."""
    skeletons = tuple(s for s in (skeleton(n) for n in names) if len(s) >= 4)
    sk = skeleton(name)
    if len(sk) >= 4:
        for off, official in zip(skeletons, names, strict=False):
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
