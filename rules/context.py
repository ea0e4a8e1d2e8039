"""What the conditions of one policy read about one comment, computed once and only if asked."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

import regex

from civicmod.contract.records import Comment
from rules.detectors import PII_DETECTORS, Link, in_domains, links
from rules.folding import (
    fold,
    fold_mapped,
    fold_state,
    has_stretch,
    space_map,
    space_shifts,
    stretch_runs,
    stretch_variants,
    stretch_variants_mapped,
)
from rules.linear import LinearPattern
from rules.prefilter import probe as casefold_probe
from rules.wordlists import ListHit

if TYPE_CHECKING:
    from rules.compiler import CompiledPolicy

Span = tuple[int, int]
_DOT_LETTER = re.compile(r"\.[A-Za-z]")
#: Question marks as people type them (ASCII, fullwidth, Arabic, Greek question mark).
_QUESTION = re.compile("[?\uff1f\u061f\u037e]")
_DIGIT_RUN8 = re.compile(r"\d(?:[\s().\-/]{0,3}\d){7}")
_AT_DOMAIN = re.compile(r"@\s*[A-Za-z0-9-]+\s*\.")
#: Every byte but the ASCII digits (deleted to count them).
_NOT_ASCII_DIGIT = bytes(b for b in range(256) if not 0x30 <= b <= 0x39)
_NUMERIC = frozenset({"phone", "uk_nino", "us_ssn", "payment_card", "iban"})
#: Detectors that need eight or more digits in one run (separators allowed).
_RUN8 = frozenset({"phone", "us_ssn", "payment_card"})


_UNSET = object()


class BudgetExceeded(Exception):
    """A regular expression ran past its time or input-size budget."""


class Context:
    """Per-comment evaluation state: folded text, word-list hits, detector and regex results,
    signal values and model scores, which rules fired, and the errors met on the way."""

    __slots__ = ("_cache", "_mapped", "_mappers", "_pre", "comment", "errors", "features", "fired", "hits",
                 "notes", "now", "policy", "scores", "signals", "variants")

    def __init__(self, policy: CompiledPolicy, comment: Comment,
                 signals: Mapping[str, float] | None = None, now: float | None = None) -> None:
        self.policy = policy
        self.comment = comment
        text = comment.text
        f, self._pre = fold_state(text)
        self.variants: tuple[str, ...] = (f, *stretch_variants(f)) if has_stretch(f) else (f,)
        index = policy.index  # an index without terms scans to {} (TermIndex.scan)
        self.hits: dict[str, list[ListHit]] = index.scan(self.variants) if index is not None else {}
        feats = set(self.hits)
        if "." in text and _DOT_LETTER.search(text):
            feats.add("#dot")
        if ("@" in text and _AT_DOMAIN.search(text)) or (
                ("(" in text or "[" in text) and ("(at)" in (low := text.lower()) or "[at]" in low)):
            feats.add("#at")
        if "?" in text or (not text.isascii() and _QUESTION.search(text)):
            feats.add("#question")
        if len(text.encode("utf-8", "surrogatepass").translate(
                None, _NOT_ASCII_DIGIT)) >= 6:  # UTF-8: other characters' bytes are all >= 0x80
            feats.add("#digit")
            if _DIGIT_RUN8.search(text):
                feats.add("#digits8")
        #: Word lists that matched plus the cheap character tests (#dot, #at, #digit, #question).
        self.features = frozenset(feats)
        self.signals: Mapping[str, float] = signals or {}
        self.scores: Mapping[str, float] | None = None
        self.fired: dict[str, bool] = {}
        self.errors: list[tuple[str, str]] = []
        #: Failures of tag-only rules (``CompiledPolicy.tag_only``): noted, never escalating.
        self.notes: list[tuple[str, str]] = []
        self.now = now
        self._cache: dict[Any, Any] = {}
        self._mapped: list[tuple[list[int], list[int]] | None] | None = None
        self._mappers: list[SpanMapper | None] | None = None

    # --- text features ------------------------------------------------------------------------
    def detect(self, name: str) -> list[Span]:
        """Spans of a built-in text detector (``pii.email``, ``link.shortener``, ...)."""
        got = self._cache.get(name)
        if got is None:
            got = self._cache[name] = self._detect(name)
        return got

    def _detect(self, name: str) -> list[Span]:
        text = self.comment.text
        kind, _, which = name.partition(".")
        if kind == "pii":
            if which == "any":
                return sorted({s for n in PII_DETECTORS for s in self.detect("pii." + n)})
            if which in _NUMERIC and "#digit" not in self.features:
                return []
            if which in _RUN8 and "#digits8" not in self.features:
                return []
            return PII_DETECTORS[which](text)
        if kind == "link":
            found = self.links()
            sets = self.policy.domain_sets
            if which == "shortener":  # a platform's wrapper (t.co) is never one by itself
                found = [lk for lk in found if not lk.opaque and in_domains(lk.domain, sets.shorteners)]
            elif which == "unlisted":
                found = [lk for lk in found if not in_domains(lk.domain, sets.allowed)]
            elif which == "denied":
                found = [lk for lk in found if in_domains(lk.domain, sets.denied)]
            return [(lk.start, lk.end) for lk in found]
        if name == "text.question_mark":
            return [(m.start(), m.end()) for m in _QUESTION.finditer(text)]
        raise KeyError(name)

    def links(self) -> list[Link]:
        got = self._cache.get("links")
        if got is None:
            got = self._cache["links"] = links(self.comment.text)
        return got

    def impersonation(self) -> str | None:
        if "imp" not in self._cache:
            a = self.comment.author
            self._cache["imp"] = self.policy.impersonation(a.id, (a.display_name, a.handle))
        return self._cache["imp"]

    def name_hits(self) -> dict[str, list[ListHit]]:
        """Word-list hits in the author's display name and handle (folded, joined by ' | ')."""
        got = self._cache.get("names")
        if got is None:
            a = self.comment.author
            folded = fold(" ".join(n for n in (a.display_name, a.handle) if n))
            got = self._cache["names"] = self.policy.index.scan((folded,)) if self.policy.index else {}
        return got

    def regex_matches(self, pattern: regex.Pattern[str], field: str,
                      prefilter: Callable[[str], bool] | None = None,
                      linear: LinearPattern | None = None) -> list[tuple[int, int]]:
        """Matches of a policy regex, under the policy's time and input-size budget.
        ``linear``: the same pattern compiled by RE2 (``rules.linear``), run instead on ASCII
        text. ``prefilter``: a test that the pattern cannot match (``rules.prefilter``), read
        before ``regex`` runs; when it says so, the regex does not run (the input-size budget
        still applies)."""
        key = ("re", pattern.pattern, field)
        got = self._cache.get(key)
        if got is not None:
            return got
        target = self.field_text(field)
        st = self.policy.settings
        if len(target) > st.regex_max_input_chars:
            raise BudgetExceeded(f"{field} has {len(target)} characters, over the regex input "
                                 f"budget of {st.regex_max_input_chars}")
        if linear is not None and target.isascii():
            self._cache[key] = got = linear.spans(target)
            return got
        if prefilter is not None:
            if field == "text":  # folded: lower-case ASCII words, read with a space each end
                probe = self._cache.get("padded")
                if probe is None:
                    probe = self._cache["padded"] = " " + target + " "
            else:
                probe = self._cache.get(("cf", field))
                if probe is None:
                    probe = self._cache[("cf", field)] = casefold_probe(target)
            if not prefilter(probe):
                self._cache[key] = got = []
                return got
        try:
            got = [m.span() for m in pattern.finditer(target, timeout=st.regex_timeout_ms / 1000)]
        except TimeoutError as exc:
            raise BudgetExceeded(f"regex ran past its {st.regex_timeout_ms:g} ms budget") from exc
        self._cache[key] = got
        return got

    def field_text(self, field: str) -> str:
        if field == "text":
            return self.variants[0]
        if field == "text.raw":
            return self.comment.text
        a = self.comment.author
        if field == "author.display_name":
            return a.display_name or ""
        if field == "author.handle":
            return a.handle or ""
        raise KeyError(field)

    # --- offsets back into the original text -----------------------------------------------------
    def offset_maps(self) -> tuple[tuple[list[int], list[int]], ...]:
        """Per folded variant: for each character, the offsets in ``comment.text`` where it
        starts and where what it stands for ends."""
        return tuple(self.variant_map(v) for v in range(len(self.variants)))

    def variant_map(self, variant: int) -> tuple[list[int], list[int]]:
        """:meth:`offset_maps` of one variant, computed when first asked for (most spans are
        in the folded text itself; the stretch variants' maps are built only for their hits)."""
        maps = self._mapped
        if maps is None:
            maps = self._mapped = [None] * len(self.variants)
        got = maps[variant]
        if got is None:
            if variant == 0:
                pre = self._pre
                if pre is not None and pre.isascii():
                    idx = space_map(pre)  # fold_mapped's map without its folded string
                else:
                    idx = fold_mapped(self.comment.text, pre)[1]
                got = maps[0] = (idx, idx)
            else:
                idx = self.variant_map(0)[0]
                for v, (_, a, b) in enumerate(stretch_variants_mapped(self.variants[0], idx), 1):
                    maps[v] = (a, b)
                got = maps[variant]
        return got  # type: ignore[return-value]

    def _shifts(self) -> tuple[list[int], list[int], int] | None:
        """:func:`rules.folding.space_shifts` of the folded text, when it is ASCII text whose
        folding changed characters one for one (None otherwise: the offset lists map it)."""
        got = self._cache.get(("map", "shifts"), _UNSET)
        if got is _UNSET:
            pre = self._pre
            got = self._cache[("map", "shifts")] = (
                space_shifts(pre) if pre is not None and pre.isascii() else None)
        return got

    def list_spans(self, hits: Iterable[ListHit]) -> list[Span]:
        """Spans in ``comment.text`` of word-list hits: each hit through :meth:`span_mapper`,
        with the common case (the folded text of ASCII text) in this one loop."""
        out: list[Span] = []
        shifts = self._shifts()
        if shifts is None:
            current, mapper = -1, None
            for variant, start, end, _ in hits:
                if variant != current:
                    mapper, current = self.span_mapper(variant), variant
                span = mapper(start, end)  # type: ignore[misc]
                if span is not None:
                    out.append(span)
            return out
        breaks, sh, n = shifts
        for variant, start, end, _ in hits:
            if variant:  # a stretch variant's hit
                span = self.span_mapper(variant)(start, end)
                if span is not None:
                    out.append(span)
            elif end <= n and start < end:
                out.append((start + sh[bisect_right(breaks, start)], end + sh[bisect_right(breaks, end - 1)])
                           if breaks else (start, end))
        return out

    def span_mapper(self, variant: int) -> SpanMapper:
        """A function ``(start, end) -> span in comment.text`` (None for an empty or
        out-of-range span) for offsets in folded variant ``variant``, the same as reading
        :meth:`variant_map`. For ASCII text whose folding only changed characters one for one,
        the folded text is ``comment.text`` less some spaces: the map is a few shifts
        (:func:`rules.folding.space_shifts`), not a list as long as the text."""
        mappers = self._mappers
        if mappers is None:
            mappers = self._mappers = [None] * len(self.variants)
        got = mappers[variant]
        if got is None:
            shifts = self._shifts()
            if shifts is None:
                got = _list_mapper(*self.variant_map(variant))
            elif variant == 0:
                got = _shift_mapper(*shifts)
            else:  # a stretch variant: squeezed runs, then the folded text's shifts
                runs = self._cache.get(("map", "runs"))
                if runs is None:
                    runs = self._cache[("map", "runs")] = stretch_runs(self.variants[0])
                got = _squeeze_mapper(runs, variant, len(self.variants[variant]), *shifts)
            mappers[variant] = got
        return got


#: Folded-variant offsets ``(start, end)`` → the span of ``comment.text`` they came from.
SpanMapper = Callable[[int, int], "Span | None"]


def _list_mapper(starts: list[int], ends: list[int]) -> SpanMapper:
    n = len(starts)

    def mapper(start: int, end: int) -> Span | None:
        if end <= n and start < end:
            return starts[start], ends[end - 1] + 1
        return None

    return mapper


def _shift_mapper(breaks: list[int], shifts: list[int], n: int) -> SpanMapper:
    """Offset ``j`` → ``j + shifts[number of breaks <= j]``."""
    if not breaks:
        def identity(start: int, end: int) -> Span | None:
            return (start, end) if end <= n and start < end else None

        return identity

    def mapper(start: int, end: int) -> Span | None:
        if end <= n and start < end:
            return start + shifts[bisect_right(breaks, start)], end + shifts[bisect_right(breaks, end - 1)]
        return None

    return mapper


def _squeeze_mapper(runs: list[tuple[int, int]], width: int, n: int, breaks0: list[int],
                    shifts0: list[int], _n0: int) -> SpanMapper:
    """The span mapper of stretch variant ``width`` (1 or 2 letters kept of each run ``[a, b)``
    of the folded text), for ASCII text: variant offset ``j`` is folded offset ``j + removed``
    (the letters squeezed out before it), which comes from ``comment.text`` as in
    :func:`_shift_mapper`; a span that ends on the last kept letter of a run ends where the
    run ends (``stretch_variants_mapped``'s ``ends``)."""
    breaks: list[int] = []  # variant offsets just after the kept letters of each run
    removed = [0]
    run_last: list[int] = []  # folded offset of each run's last letter
    total = 0
    for a, b in runs:
        breaks.append(a - total + width)
        total += b - a - width
        removed.append(total)
        run_last.append(b - 1)

    def mapper(start: int, end: int) -> Span | None:
        if not (end <= n and start < end):
            return None
        p = start + removed[bisect_right(breaks, start)]
        last = end - 1
        k = bisect_right(breaks, last)
        q = run_last[k] if k < len(breaks) and breaks[k] == last + 1 else last + removed[k]
        return p + shifts0[bisect_right(breaks0, p)], q + shifts0[bisect_right(breaks0, q)] + 1

    return mapper
