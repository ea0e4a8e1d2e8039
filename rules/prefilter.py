"""Literal prefilters for policy regexes: a cheap test that a pattern cannot match.

For a pattern, :func:`required_literals` finds a set of strings one of which every match must
contain (``\\b(?:kill|stab) you\\b``: "kill you", "stab you"). When none of them is in the text
(compared case-folded), the regex would find nothing, so it need not run. The set is read from
the pattern's parse tree (Python's ``re`` parser; a pattern it reads differently from the
``regex`` module, or cannot read, gets no prefilter and always runs).

Only a necessary condition is derived: a prefilter may let through a text the regex then does not
match, never the reverse. ``tests/unit/rules/test_rules_fastpaths.py`` checks that on the shipped
policy's patterns and on the shared datasets.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
import warnings
from collections.abc import Callable, Iterable
from functools import lru_cache

try:  # Python 3.11+
    from re import _constants as _c  # type: ignore[attr-defined]
    from re import _parser as _p  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - older Pythons
    import sre_constants as _c  # type: ignore[no-redef]
    import sre_parse as _p  # type: ignore[no-redef]

import ahocorasick

#: The most strings an exact set may hold (cross products grow fast).
_MAX_SET = 256
#: The most strings a requirement (an alternation of requirements) may hold.
_MAX_REQUIRED = 4096
#: The most strings whose pairwise containment is checked (the check costs the square).
_MAX_MINIMAL = 64
#: The most requirements a piece of a pattern keeps.
_KEEP = 6
#: The most requirements of one pattern ranked against each other.
_MAX_RANKED = 16
#: The largest character class expanded into single characters.
_MAX_CLASS = 16
#: Syntax the ``regex`` module reads differently from ``re`` (POSIX classes, Unicode properties,
#: set operations, fuzzy matching, branch reset): such patterns get no prefilter.
_REGEX_ONLY = ("[[:", "\\p", "\\P", "\\N", "\\X", "\\m", "\\M", "\\G", "\\K", "(?|", "(?V", "(?r",
               "(?f", "(?e", "(?b", "(?p", "(?(DEFINE", "--", "&&", "~~", "||", "{e", "{i", "{d",
               "{s", "(?*", "(?+")

_Set = frozenset[str]
#: The most parse-tree pieces read for one pattern: past it, no prefilter (loading a hostile
#: policy stays bounded; every shipped pattern needs far fewer).
_MAX_WORK = 20_000


class _TooMuch(Exception):
    """The pattern is too big to analyse within :data:`_MAX_WORK`."""


class _Unsure(Exception):
    """The pattern holds a literal ``{``: where ``re`` reads one, ``regex`` may read a fuzzy
    constraint (``(?:kill){1<=e<=2}``, ``{2i+1s<=4}``) that makes the rest optional."""


def _ok(s: _Set | None) -> bool:
    return bool(s) and "" not in s  # type: ignore[operator]


@lru_cache(maxsize=65_536)
def _score(s: _Set) -> tuple[int, int]:
    """Selectivity of a requirement: its shortest string (a lone punctuation mark counts as
    three letters: "?" is rarer than "do"), then fewer strings."""
    short = min(len(x) if len(x) > 1 or x.isalnum() or x.isspace() else 3 for x in s)
    return short, -len(s)


def _better(a: _Set | None, b: _Set | None) -> _Set | None:
    if not _ok(a):
        return b if _ok(b) else None
    if not _ok(b):
        return a
    return a if _score(a) >= _score(b) else b  # type: ignore[arg-type]


def _exact_class(items: list) -> _Set | None:
    chars: set[str] = set()
    for op, av in items:
        if op is _c.LITERAL and av:
            chars.add(chr(av))
        elif op is _c.RANGE and av[0] and av[1] - av[0] < _MAX_CLASS:
            chars.update(chr(x) for x in range(av[0], av[1] + 1))
        else:  # NEGATE, CATEGORY, a wide range
            return None
        if len(chars) > _MAX_CLASS:
            return None
    return frozenset(chars)


def _cross(a: _Set, b: _Set) -> _Set | None:
    if len(a) == 1 == len(b):  # the common case: a literal character after another
        (x,), (y,) = a, b
        return frozenset((x + y,))
    if len(a) * len(b) > _MAX_SET:
        return None
    return frozenset(x + y for x, y in itertools.product(a, b))


class _Node:
    """A parsed piece: ``exact``, every string it can match (None: too many or unknown), and
    ``required``, sets of strings such that every match contains a string of each set."""

    __slots__ = ("exact", "required")

    def __init__(self, exact: _Set | None, required: Iterable[_Set | None] = ()) -> None:
        self.exact = exact
        req = {r for r in required if _ok(r)}
        if _ok(exact):
            req.add(exact)  # type: ignore[arg-type]
        #: The most selective few, best first (keeping every one would cost the square).
        self.required: list[_Set] = (sorted(req, key=_score, reverse=True)[:_KEEP]
                                     if len(req) > 1 else list(req))

    def best(self) -> _Set | None:
        return self.required[0] if self.required else None


_EMPTY = _Node(frozenset({""}))
#: ``\b`` stands in the strings as this mark until :func:`_bounded` reads it.
_MARK = "\x00"
_BOUNDARY = _Node(frozenset({_MARK}))
_WORD = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
_UNKNOWN = _Node(None)


def _seq(items: Iterable, budget: list[int]) -> _Node:
    """A sequence: the requirements of its pieces, and of each run of consecutive exact pieces
    (their cross product: ``kill you`` out of ``kill``, `` ``, ``you``)."""
    exact: _Set | None = frozenset({""})
    required: list[_Set | None] = []
    run: _Set | None = frozenset({""})
    for op, av in items:
        part = _item(op, av, budget)
        budget[0] -= len(part.exact or ()) + sum(map(len, part.required))  # set work
        required.extend(part.required)
        if part.exact is None:
            required.append(run)
            run = frozenset({""})
        else:
            longer = _cross(run, part.exact) if run is not None else None
            if longer is None:  # too many strings: keep the run so far, start again here
                required.append(run)
                longer = part.exact
            run = longer
        exact = _cross(exact, part.exact) if exact is not None and part.exact is not None else None
    required.append(run)
    return _Node(exact, required)


def _item(op, av, budget: list[int]) -> _Node:
    budget[0] -= 1
    if budget[0] < 0:
        raise _TooMuch
    if op is _c.LITERAL:
        if av == 0x7B:  # "{"
            raise _Unsure
        return _Node(frozenset({chr(av)})) if av else _UNKNOWN  # NUL is the \b mark's
    if op is _c.IN:
        return _Node(_exact_class(av))
    if op is _c.AT and av is _c.AT_BOUNDARY:
        return _BOUNDARY
    if op in (_c.AT, _c.ASSERT, _c.ASSERT_NOT):
        return _EMPTY  # zero width: adds nothing to what is matched
    if op is _c.SUBPATTERN:
        return _seq(av[-1], budget)
    if op is getattr(_c, "ATOMIC_GROUP", None):
        return _seq(av, budget)
    if op is _c.BRANCH:
        nodes = [_seq(b, budget) for b in av[1]]
        exact = None
        if all(n.exact is not None for n in nodes):
            exact = frozenset().union(*(n.exact for n in nodes))  # type: ignore[misc]
            if len(exact) > _MAX_SET:
                exact = None
        # a match is one alternative's: one requirement of each alternative, joined, is one of
        # the whole (the best of each; then the second best of each, where it has one)
        eithers: list[_Set | None] = []
        if all(n.required for n in nodes):
            for k in range(2):
                either = frozenset().union(*(n.required[min(k, len(n.required) - 1)]
                                             for n in nodes))
                eithers.append(either if len(either) <= _MAX_REQUIRED else None)
        return _Node(exact, eithers)
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", None)):
        lo, hi, sub = av
        inner = _seq(sub, budget)
        if lo == 0:
            if hi == 1 and inner.exact is not None and len(inner.exact) < _MAX_SET:
                return _Node(inner.exact | {""})
            return _UNKNOWN
        exact = None
        if lo == hi and lo <= 4 and inner.exact is not None:
            exact = frozenset({""})
            for _ in range(lo):
                exact = _cross(exact, inner.exact) if exact is not None else None
        return _Node(exact, inner.required)
    return _UNKNOWN  # ANY, CATEGORY, back-references, conditionals, ...


def _caseless(lit: str) -> bool:
    """A literal whose case-folded form finds every way the ``regex`` module's IGNORECASE
    matches it: ASCII, or non-ASCII characters without case (’, “, «); never U+0307, which
    :func:`probe` removes (``"İ".casefold()`` is ``"i\u0307"``, and ``İ`` matches ``i``)."""
    return all(c.isascii() or (c.lower() == c == c.upper() == c.casefold() and c != "\u0307"
                               and unicodedata.category(c) != "Cn")  # regex's tables are newer
               for c in lit)


def probe(text: str) -> str:
    """The form of ``text`` a prefilter reads: case-folded, U+0307 removed, dotless ``ı`` read
    as ``i`` (``regex``'s IGNORECASE matches ``I`` with ``ı``, whose case fold is itself)."""
    text = text.casefold()
    if "\u0307" in text:
        text = text.replace("\u0307", "")
    return text.replace("\u0131", "i") if "\u0131" in text else text


def _bounded(lit: str, folded: bool) -> str:
    """A string with its ``\b`` marks read: on folded text (``[a-z0-9]`` words between single
    spaces, searched with a space at each end), a mark at an end of the string next to a letter
    or digit is that space; every other mark is dropped (a weaker test, never a wrong one)."""
    if _MARK not in lit:
        return lit
    while _MARK * 2 in lit:
        lit = lit.replace(_MARK * 2, _MARK)
    if not folded:
        return lit.replace(_MARK, "")
    core = lit.strip(_MARK).replace(_MARK, "")
    if not core:
        return ""
    head = " " if lit[0] == _MARK and core[0] in _WORD else ""
    tail = " " if lit[-1] == _MARK and core[-1] in _WORD else ""
    return head + core + tail


def _minimal(strings: Iterable[str], folded: bool = False) -> frozenset[str]:
    """Case-folded, ``\b`` read (:func:`_bounded`), without strings that contain a shorter one
    (it would be found first)."""
    every = {_bounded(x.casefold(), folded) for x in strings}
    if len(every) > _MAX_MINIMAL:  # the pairwise check costs len² (a hostile pattern): skip it
        return frozenset(every)
    out: list[str] = []
    for s in sorted(every, key=len):
        if not any(o in s for o in out):
            out.append(s)
    return frozenset(out)


#: The most requirements a prefilter tests (the most selective ones).
MAX_REQUIREMENTS = 3


def required_literals(pattern: str, folded: bool = False) -> tuple[frozenset[str], ...] | None:
    """Sets of case-folded strings such that every match of ``pattern`` contains a string of
    each set (most selective first); None when none is known (the pattern must always run).
    ``folded``: the pattern runs on folded text, which the test then reads with a space at
    each end (word boundaries become those spaces)."""
    if any(s in pattern for s in _REGEX_ONLY):
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            tree = _p.parse(pattern)
    except Exception:
        return None
    try:
        top = _seq(tree, [_MAX_WORK])
    except (_TooMuch, _Unsure):
        return None
    sets = {_minimal(r, folded) for r in top.required}
    sets = {s for s in sets if _ok(s) and all(map(_caseless, s))}
    if not sets:
        return None
    ranked = sorted(sets, key=lambda s: (_score(s), sorted(s)), reverse=True)
    kept: list[frozenset[str]] = []
    for b in ranked[:_MAX_RANKED]:  # a set every string of a kept one contains adds nothing
        if not any(len(a) * len(b) <= _MAX_MINIMAL ** 2 and all(any(x in y for x in b) for y in a)
                   for a in kept):
            kept.append(b)
    return tuple(kept[:MAX_REQUIREMENTS])


def _one_of(lits: frozenset[str]) -> Callable[[str], bool]:
    if len(lits) <= 8:
        ordered = tuple(sorted(lits, key=lambda s: (-len(s), s)))

        def test(text: str) -> bool:
            for s in ordered:  # noqa: SIM110 (a plain loop is faster on the hot path)
                if s in text:
                    return True
            return False

        return test
    auto = ahocorasick.Automaton()
    for s in lits:
        auto.add_word(s, None)
    auto.make_automaton()
    it = auto.iter

    def test_auto(text: str) -> bool:
        for _ in it(text):
            return True
        return False

    return test_auto


@lru_cache(maxsize=4096)
def prefilter_for(pattern: str, folded: bool = False) -> Callable[[str], bool] | None:
    """:func:`compile_prefilter`, once per pattern (policies share patterns across layers)."""
    return compile_prefilter(pattern, folded)


def compile_prefilter(pattern: str, folded: bool = False) -> Callable[[str], bool] | None:
    """A test ``f(probe) -> bool``: False only when ``pattern`` cannot match the text. ``probe``:
    the text as :func:`probe` returns it, or (``folded``) the folded text with a space at each
    end. None when the pattern has no prefilter."""
    sets = required_literals(pattern, folded)
    if sets is None:
        return None
    tests = tuple(_one_of(s) for s in sets)
    if len(tests) == 1:
        return tests[0]

    def test_all(text: str) -> bool:
        for t in tests:  # noqa: SIM110
            if not t(text):
                return False
        return True

    return test_all


#: Character categories without case (punctuation and non-letter symbols): a regex that is one of
#: them matches the same characters with or without IGNORECASE, in ``re`` and in ``regex``.
_CASELESS_CATEGORIES = frozenset({"Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po", "Sm", "Sc", "Sk"})


def literal_chars(pattern: str) -> frozenset[str] | None:
    """The characters of a pattern that is one character class of punctuation marks (``["“”«»]``)
    or one such character, else None. Such a pattern matches exactly those characters, one at a
    time: ``re`` finds the same spans as ``regex`` (a linear scan that needs no time budget)."""
    if any(s in pattern for s in _REGEX_ONLY):
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            tree = list(_p.parse(pattern))
    except Exception:
        return None
    if len(tree) != 1:
        return None
    op, av = tree[0]
    items = [(op, av)] if op is _c.LITERAL else av if op is _c.IN else None
    if not items or any(o is not _c.LITERAL for o, _ in items):
        return None
    chars = frozenset(chr(v) for _, v in items)
    if not all(unicodedata.category(c) in _CASELESS_CATEGORIES for c in chars):
        return None
    return chars


def char_class(chars: frozenset[str]) -> re.Pattern[str]:
    """A stdlib pattern matching exactly ``chars``, one at a time."""
    return re.compile("[" + "".join(re.escape(c) for c in sorted(chars)) + "]")
