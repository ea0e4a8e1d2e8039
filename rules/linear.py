"""Policy regexes run by RE2 where RE2 finds exactly what the ``regex`` module finds.

RE2 (``google-re2``) matches in time linear in the text, without backtracking, and runs the long
word alternations of the shipped patterns several times faster than ``regex`` (docs/benchmarks.md
"Rule engine"). It reports the same leftmost-first spans as a backtracking engine, but it reads
some syntax differently; :func:`linear_pattern` hands it only patterns where the two agree on
every text it is given:

- only the flags the policy compiler sets (``V0``, ``UNICODE``, ``IGNORECASE``), and standard
  syntax that Python's ``re`` parser reads the same way (no ``regex``-only syntax, see
  :data:`rules.prefilter._REGEX_ONLY`); RE2 refuses look-arounds, back-references, atomic groups
  and possessive repeats itself;
- no ``$`` (Python's ``$`` also matches before a final newline; ``\\Z``, the end of the text, is
  RE2's ``\\z``), no match
  of the empty string (empty matches are stepped over differently), and no repeat whose body can
  match nothing (``regex`` ends such a loop at its first empty pass, RE2 tries on);
- no brace but a plain ``{n}``, ``{n,}``, ``{n,m}`` (``{,3}`` is text to RE2), no digit escape
  (``\\10`` is octal to RE2), no POSIX class, no class under a scoped flag group;
- no cased non-ASCII character in the pattern (case folding beyond ASCII is not compared);
- the text is ASCII (folded text always is; raw text and author names are looked at per call).
  On ASCII, ``\\b`` and ``.`` mean the same in both; ``\\s``, ``\\d``, ``\\w``, their negations
  and classes holding them are spelled out as the ASCII characters ``regex`` matches with them
  (``regex``'s ``\\s`` has ``\\v``, RE2's does not).

Any other pattern, and any non-ASCII text, runs as before under the ``regex`` module's time
budget. RE2 needs no time budget: it cannot backtrack; the input-size budget still applies.
``tests/unit/rules/test_linear_regex.py`` compares the two engines' spans on every shipped
pattern (the shared datasets, and generated texts).
"""

from __future__ import annotations

import re
import warnings
from typing import Any

import re2
import regex
from re2 import _re2

from rules.prefilter import _REGEX_ONLY, _p

#: The flags :func:`rules.compiler._compile_regex` sets; a pattern with any other (inline
#: ``(?m)``, ``(?s)``, ``(?x)``...) stays with ``regex``.
_ALLOWED_FLAGS = regex.V0 | regex.UNICODE | regex.IGNORECASE


Span = tuple[int, int]
_UNANCHORED = _re2.RE2.Anchor.UNANCHORED


class LinearPattern:
    """A pattern compiled by RE2, searched through its low-level ``Match`` on the text's ASCII
    bytes (byte offsets are character offsets): the ``re2`` module's ``finditer`` maps offsets
    for any UTF-8 and builds match objects, several times the cost of a search."""

    __slots__ = ("_match", "pattern")

    def __init__(self, pattern: str, compiled: Any) -> None:
        self.pattern = pattern
        self._match = compiled._regexp.Match

    def spans(self, text: str) -> list[Span]:
        """The spans ``regex``'s ``finditer`` gives, for an ASCII ``text``."""
        data = text.encode("ascii")
        match = self._match
        end = len(data)
        out: list[Span] = []
        pos = 0
        while True:
            span = match(_UNANCHORED, data, pos, end)[0]
            if span[0] < 0:
                return out
            out.append(span)
            pos = span[1]  # never empty (linear_pattern refuses empty matches): always moves on


class _Refused(Exception):
    """The pattern is not one RE2 reads the same way."""


_ASCII = [chr(c) for c in range(128)]
#: The only braces RE2 and ``regex`` read alike.
_REPEAT = re.compile(r"\{\d+(?:,\d*)?\}")
#: A scoped inline flag group (``(?i:...)``, ``(?-i:...)``).
_SCOPED_FLAGS = re.compile(r"\(\?[a-zA-Z]*-?[a-zA-Z]+:")
#: Escapes whose meaning depends on the engine (``regex``'s ``\s`` has ``\v``, RE2's does not).
_CLASS_ESCAPES = frozenset("sSdDwW")
_CLASS_ESCAPE = re.compile(r"\\[sSdDwW]")


def _members(source: str, flags: int) -> frozenset[str]:
    """The ASCII characters the class ``source`` matches, by ``regex`` under ``flags``."""
    cls = regex.compile(source, flags)
    return frozenset(c for c in _ASCII if cls.match(c))


def _explicit(members: frozenset[str]) -> str:
    if not members:
        raise _Refused("a class that matches no ASCII character")
    codes = sorted(map(ord, members))
    parts, a = [], 0
    while a < len(codes):  # runs of consecutive characters as ranges
        b = a
        while b + 1 < len(codes) and codes[b + 1] == codes[b] + 1:
            b += 1
        parts.append(f"\\x{codes[a]:02x}" + (f"-\\x{codes[b]:02x}" if b > a else ""))
        a = b + 1
    return "[" + "".join(parts) + "]"


def _class_end(pattern: str, i: int) -> int:
    """The index of the ``]`` closing the class that opens at ``pattern[i]``."""
    j = i + 1
    if j < len(pattern) and pattern[j] == "^":
        j += 1
    if j < len(pattern) and pattern[j] == "]":
        j += 1  # a ']' first in a class is a literal
    while j < len(pattern):
        if pattern[j] == "\\":
            j += 2
            continue
        if pattern[j] == "]":
            return j
        j += 1
    raise _Refused("unterminated class")


def _rewrite(pattern: str, flags: int) -> str:
    """``pattern`` for RE2, the same on ASCII text: ``\\s``, ``\\d``, ``\\w`` and their negations,
    and classes that hold them, spelled out as the ASCII characters ``regex`` matches with them.
    ``\\Z`` becomes RE2's ``\\z``. Raises :class:`_Refused` for ``$``, ``\\z``, digit escapes,
    braces other than plain repeats, and a class whose letters' case the spelling would fix (a
    class escape and letters)."""
    plain = flags & ~regex.IGNORECASE
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "\\":
            if i + 1 >= n:
                raise _Refused("trailing backslash")
            nxt = pattern[i + 1]
            if nxt == "Z":  # the end of the text: RE2's \\z
                out.append("\\z")
                i += 2
                continue
            if nxt == "z":
                raise _Refused("\\z is not Python syntax")
            if nxt.isdigit():  # regex: a back-reference (\\10 too); RE2: \\10 is octal
                raise _Refused("back-reference or octal escape")
            out.append(_explicit(_members(pattern[i:i + 2], plain)) if nxt in _CLASS_ESCAPES
                       else pattern[i:i + 2])
            i += 2
        elif ch == "[":
            j = _class_end(pattern, i)
            source = pattern[i:j + 1]
            if _CLASS_ESCAPE.search(source.replace("\\\\", "")):
                members = _members(source, plain)
                if members != _members(source, plain | regex.IGNORECASE):
                    raise _Refused("a class with a class escape and letters")
                out.append(_explicit(members))
            else:
                out.append(source)  # RE2 reads it the same, with the same case flags
            i = j + 1
        elif ch == "$":
            raise _Refused("end anchor")
        elif ch == "{":
            m = _REPEAT.match(pattern, i)
            if m is None:  # "{,3}" (RE2: literal text), fuzzy "{1<=e<=1}", a literal brace
                raise _Refused("a brace that is not a plain {n}, {n,} or {n,m} repeat")
            out.append(m.group())
            i = m.end()
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def linear_pattern(pattern: regex.Pattern[str]) -> LinearPattern | None:
    """A compiled RE2 pattern that finds the same spans as ``pattern`` on ASCII text, or None."""
    text = pattern.pattern
    if not isinstance(text, str) or pattern.flags & ~_ALLOWED_FLAGS:
        return None
    if any(tok in text for tok in _REGEX_ONLY) or "[:" in text:  # POSIX classes, anywhere
        return None
    if _SCOPED_FLAGS.search(text) and ("[" in text or _CLASS_ESCAPE.search(text)):
        return None  # a class or class escape under a scoped flag: regex reads some differently
    if any(not c.isascii() and (c.lower() != c or c.upper() != c or c.casefold() != c) for c in text):
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            parsed = _p.parse(text)
        if parsed.getwidth()[0] == 0 or _empty_loop(parsed):
            return None
        rewritten = _rewrite(text, pattern.flags)
    except Exception:
        return None
    options = re2.Options()
    options.case_sensitive = not pattern.flags & regex.IGNORECASE
    options.log_errors = False
    options.never_capture = True  # only the whole match's span is read
    try:
        return LinearPattern(text, re2.compile(rewritten, options))
    except Exception:  # re2.error, or a lone surrogate RE2 cannot encode
        return None


def _empty_loop(parsed: Any) -> bool:
    """True when some repeat of more than one pass has a body that can match nothing
    (``(?:a?|b)*``): ``regex`` ends such a loop at its first empty pass, RE2 tries the next
    alternative, and their spans differ."""
    todo = [parsed]
    while todo:
        node = todo.pop()
        for op, av in node:
            name = str(op)
            if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
                _lo, hi, body = av
                if hi > 1 and body.getwidth()[0] == 0:
                    return True
                todo.append(body)
            elif name == "SUBPATTERN":
                todo.append(av[-1])
            elif name == "BRANCH":
                todo.extend(av[1])
            elif name in ("ASSERT", "ASSERT_NOT", "ATOMIC_GROUP"):
                todo.append(av[-1])
    return False
