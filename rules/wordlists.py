"""Named word lists compiled into one Aho-Corasick automaton over folded text.

A term is a word or phrase, matched on whole words of the folded text (see ``rules.folding``):
``sex`` is found in "sex offender" but never in "Middlesex" or "Sussex". A ``*`` at either end
lets the match run into the rest of the word (``fuck*`` finds "fucking"); a list's ``except``
words are innocent words such a wildcard must not report ("cockermouth" for ``cock*``).

Every list of a policy goes into one automaton, built once at load: one pass over a comment finds
the hits of all lists, however many thousands of terms they hold.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import ahocorasick

from rules.folding import fold


@dataclass(frozen=True)
class WordList:
    """A named list of terms, as written by the policy author, with innocent-word exceptions."""

    name: str
    terms: tuple[str, ...]
    exceptions: tuple[str, ...] = ()
    description: str = ""

    def extended(self, more: Iterable[str], more_exceptions: Iterable[str] = ()) -> WordList:
        return WordList(self.name, tuple(dict.fromkeys((*self.terms, *more))),
                        tuple(dict.fromkeys((*self.exceptions, *more_exceptions))), self.description)


def read_terms(path: Path) -> list[str]:
    """One term per line; blank lines and ``#`` comments are skipped."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            out.append(line)
    return out


class BadTerm(ValueError):
    """A term that cannot be matched (nothing left after folding, or a misplaced ``*``)."""


#: One automaton value entry: (list name, term, start and stop of the hit relative to the end
#: offset the automaton reports in the padded text, whether the match runs to word ends: a
#: wildcard, or a list with exceptions).
_Entry = tuple[str, str, int, int, bool]


def term_key(term: str) -> str:
    """The automaton key of a term: its folded form between word-boundary spaces."""
    raw = term.strip()
    head, tail = raw.startswith("*"), raw.endswith("*") and len(raw) > 1
    core = raw.strip("*")
    if "*" in core:
        raise BadTerm(f"term {term!r}: '*' is only allowed at the start or end")
    folded = fold(core)
    if not folded:
        raise BadTerm(f"term {term!r} has no letters or digits to match")
    return ("" if head else " ") + folded + ("" if tail else " ")


#: One term found: (variant, start, end, term); offsets into the folded variant ``variant``
#: (0: the folded text, 1 and 2: its stretch variants, see ``rules.folding``).
ListHit = tuple[int, int, int, str]


@dataclass
class TermIndex:
    """All word lists of a policy in one automaton; :meth:`scan` returns hits per list name."""

    lists: Mapping[str, WordList]
    names: list[str] = field(init=False)
    _auto: ahocorasick.Automaton | None = field(init=False)
    _exceptions: dict[str, frozenset[str]] = field(init=False)

    def __post_init__(self) -> None:
        self._auto = None  # set here: a compiled dataclass leaves init=False defaults unset
        self.names = list(self.lists)
        entries: dict[str, list[_Entry]] = {}
        self._exceptions = {}
        for name in self.names:
            wl = self.lists[name]
            if wl.exceptions:
                self._exceptions[name] = frozenset(fold(e) for e in wl.exceptions)
            for term in wl.terms:
                try:
                    key = term_key(term)
                except BadTerm as exc:
                    raise BadTerm(f"list {name}: {exc}") from exc
                lead, trail = int(key.startswith(" ")), int(key.endswith(" "))
                # in the text (the padded text less its lead space): start = end - len + lead
                entries.setdefault(key, []).append(
                    (name, term, lead - len(key), -trail,
                     not (lead and trail) or name in self._exceptions))
        if entries:
            auto = ahocorasick.Automaton()
            for key, value in entries.items():
                auto.add_word(key, tuple(value))
            auto.make_automaton()
            self._auto = auto

    def __len__(self) -> int:
        return len(self._auto) if self._auto is not None else 0

    def scan(self, variants: Sequence[str]) -> dict[str, list[ListHit]]:
        """Hits per list name over the folded text and its stretch variants."""
        found: dict[str, list[ListHit]] = {}
        auto = self._auto
        if auto is None:
            return found
        excs = self._exceptions
        for vi, text in enumerate(variants):
            padded = " " + text + " "
            for end, entries in auto.iter(padded):
                for name, term, start, stop, to_word_ends in entries:
                    if to_word_ends:
                        start = text.rfind(" ", 0, end + start) + 1
                        sp = text.find(" ", end + stop)
                        stop = len(text) if sp < 0 else sp
                        exc = excs.get(name)
                        if exc and text[start:stop] in exc:
                            continue
                        hit = (vi, start, stop, term)
                    else:
                        hit = (vi, end + start, end + stop, term)
                    got = found.get(name)
                    if got is None:
                        found[name] = [hit]
                    else:
                        got.append(hit)
        return found
