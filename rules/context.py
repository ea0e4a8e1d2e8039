"""What the conditions of one policy read about one comment, computed once and only if asked."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import regex

from civicmod.contract.records import Comment
from rules.detectors import PII_DETECTORS, Link, domain_in, links
from rules.folding import (
    fold,
    fold_mapped,
    fold_state,
    has_stretch,
    space_map,
    stretch_variants,
    stretch_variants_mapped,
)
from rules.prefilter import probe as casefold_probe
from rules.wordlists import ListHit

if TYPE_CHECKING:
    from rules.compiler import CompiledPolicy

Span = tuple[int, int]
_DIGIT = re.compile(r"\d")
_DOT_LETTER = re.compile(r"\.[A-Za-z]")
#: Question marks as people type them (ASCII, fullwidth, Arabic, Greek question mark).
_QUESTION = re.compile("[?\uff1f\u061f\u037e]")
_DIGIT_RUN8 = re.compile(r"\d(?:[\s().\-/]{0,3}\d){7}")
_AT_DOMAIN = re.compile(r"@\s*[A-Za-z0-9-]+\s*\.")
_ASCII_DIGITS = "0123456789"
_NUMERIC = frozenset({"phone", "uk_nino", "us_ssn", "payment_card", "iban"})
#: Detectors that need eight or more digits in one run (separators allowed).
_RUN8 = frozenset({"phone", "us_ssn", "payment_card"})


class BudgetExceeded(Exception):
    """A regular expression ran past its time or input-size budget."""


class Context:
    """Per-comment evaluation state: folded text, word-list hits, detector and regex results,
    signal values and model scores, which rules fired, and the errors met on the way."""

    __slots__ = ("_cache", "_mapped", "_pre", "comment", "errors", "features", "fired", "hits", "notes",
                 "now", "policy", "scores", "signals", "variants")

    def __init__(self, policy: CompiledPolicy, comment: Comment,
                 signals: Mapping[str, float] | None = None, now: float | None = None) -> None:
        self.policy = policy
        self.comment = comment
        f, self._pre = fold_state(comment.text)
        self.variants: tuple[str, ...] = (f, *stretch_variants(f)) if has_stretch(f) else (f,)
        self.hits: dict[str, list[ListHit]] = policy.index.scan(self.variants) if policy.index else {}
        text = comment.text
        feats = set(self.hits)
        if "." in text and _DOT_LETTER.search(text):
            feats.add("#dot")
        if ("@" in text and _AT_DOMAIN.search(text)) or (
                ("(" in text or "[" in text) and ("(at)" in (low := text.lower()) or "[at]" in low)):
            feats.add("#at")
        if "?" in text or (not text.isascii() and _QUESTION.search(text)):
            feats.add("#question")
        if _DIGIT.search(text) and sum(map(text.count, _ASCII_DIGITS)) >= 6:
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
        self._mapped: tuple[tuple[list[int], list[int]], ...] | None = None

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
            st = self.policy.settings
            if which == "shortener":  # a platform's wrapper (t.co) is never one by itself
                found = [lk for lk in found if not lk.opaque and domain_in(lk.domain, st.shorteners)]
            elif which == "unlisted":
                found = [lk for lk in found if not domain_in(lk.domain, st.allowed_domains)]
            elif which == "denied":
                found = [lk for lk in found if domain_in(lk.domain, st.denied_domains)]
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
                      prefilter: Callable[[str], bool] | None = None) -> list[tuple[int, int]]:
        """Matches of a policy regex, under the policy's time and input-size budget.
        ``prefilter``: a test that the pattern cannot match (``rules.prefilter``); when it says
        so, the regex does not run (the input-size budget still applies)."""
        key = ("re", pattern.pattern, field)
        got = self._cache.get(key)
        if got is not None:
            return got
        target = self.field_text(field)
        st = self.policy.settings
        if len(target) > st.regex_max_input_chars:
            raise BudgetExceeded(f"{field} has {len(target)} characters, over the regex input "
                                 f"budget of {st.regex_max_input_chars}")
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
        a = self.comment.author
        if field == "text":
            return self.variants[0]
        if field == "text.raw":
            return self.comment.text
        if field == "author.display_name":
            return a.display_name or ""
        if field == "author.handle":
            return a.handle or ""
        raise KeyError(field)

    # --- offsets back into the original text -----------------------------------------------------
    def offset_maps(self) -> tuple[tuple[list[int], list[int]], ...]:
        """Per folded variant: for each character, the offsets in ``comment.text`` where it
        starts and where what it stands for ends."""
        if self._mapped is None:
            if self._pre is not None and len(self.variants) == 1 and self._pre.isascii():
                idx = space_map(self._pre)  # fold_mapped's map without its folded string
                self._mapped = ((idx, idx),)
                return self._mapped
            f, idx = fold_mapped(self.comment.text, self._pre)
            extra = stretch_variants_mapped(f, idx) if len(self.variants) > 1 else ()
            self._mapped = ((idx, idx), *((a, b) for _, a, b in extra))
        return self._mapped

    def original_span(self, variant: int, start: int, end: int) -> Span | None:
        """The span in ``comment.text`` that folded-variant offsets ``[start, end)`` came from."""
        maps = self.offset_maps()
        if variant >= len(maps) or end <= start or end > len(maps[variant][0]):
            return None
        starts, ends = maps[variant]
        return starts[start], ends[end - 1] + 1
