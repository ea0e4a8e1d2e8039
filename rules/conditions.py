"""Conditions: the typed, loop-free expression tree under a rule's ``when`` / ``unless``.

Leaves (each a one-key mapping, or a comparison string):

- ``words: LIST`` / ``words: [LIST, ...]`` / ``words: {lists: [...], field: author.name, min: 2}``
- ``terms: [word or phrase, ...]``: an inline, anonymous word list
- ``regex: NAME`` (a named pattern) or ``regex: {pattern: "...", field: text.raw}``
- ``detect: pii.email | pii.phone | pii.uk_nino | pii.us_ssn | pii.payment_card | pii.iban |
  pii.any | link.any | link.shortener | link.unlisted | link.denied | impersonation``
- ``rule: RULE_ID``: another rule fired (rules may not refer to each other in a loop)
- ``"PATH OP VALUE"``: ``score.threat >= 0.8``, ``author.account_age_days < 7``,
  ``platform in [x, facebook]``, ``signal.author_comments_10m >= 8``

Combinators: ``all: [...]``, ``any: [...]``, ``not: {...}``, nested at most
:data:`MAX_CONDITION_DEPTH` deep (a deeper condition is refused at load, not compiled by
recursing until Python's limit).

Each node knows its *trigger*: the word lists of which at least one must have matched for it to
be true (None: it can be true without any). The engine skips a rule whose trigger lists found
nothing in the comment, so a clean comment costs one automaton pass and the few untriggered rules.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import regex
import yaml

from civicmod.contract.yamlfile import parse as parse_yaml
from rules.context import Context
from rules.linear import linear_pattern
from rules.prefilter import char_class, literal_chars, prefilter_for
from rules.signals import UnknownSignal, parse_signal

Span = tuple[int, int]

DETECTORS = ("pii.email", "pii.phone", "pii.uk_nino", "pii.us_ssn", "pii.payment_card", "pii.iban",
             "pii.any", "link.any", "link.shortener", "link.unlisted", "link.denied", "impersonation",
             "text.question_mark")


#: The deepest nesting of ``all`` / ``any`` / ``not`` in one condition (documented in docs/rules.md).
MAX_CONDITION_DEPTH = 32
#: The longest comparison string (``"PATH OP VALUE"``); a long ``in [...]`` list fits easily.
MAX_COMPARISON_CHARS = 20_000


class ConditionError(ValueError):
    """A condition that cannot be compiled; ``loc`` is its path inside the rule.
    ``ref``: for a reference to an unknown rule, the id referred to."""

    def __init__(self, loc: tuple[Any, ...], message: str, ref: str | None = None) -> None:
        super().__init__(message)
        self.loc = loc
        self.message = message
        self.ref = ref


class ConditionTooDeep(ConditionError):
    """``all`` / ``any`` / ``not`` nested deeper than :data:`MAX_CONDITION_DEPTH`."""


def _short(value: Any, limit: int = 80) -> str:
    """``repr(value)`` cut to ``limit`` characters: a message never carries a whole file."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


# --- the node types ---------------------------------------------------------------------------
@dataclass(eq=False)
class Node:
    def __post_init__(self) -> None:
        # set here, not as dataclass fields: compiled (mypyc) dataclasses leave those unset
        self.trigger: frozenset[str] | None = None
        self.uses_scores = False
        self.signals: frozenset[str] = frozenset()
        self.rule_refs: frozenset[str] = frozenset()
        #: What the engine calls: :meth:`_test`, or a closure doing the same with less lookup
        #: (set by the subclasses; combinators call their children's).
        self.fn: Callable[[Context], bool] = self._test

    def test(self, ctx: Context) -> bool:
        """Whether the node is true for the comment (as the engine runs it)."""
        return self.fn(ctx)

    def _test(self, ctx: Context) -> bool:
        """The plain form of the test, which the closures in :attr:`fn` stand in for."""
        raise NotImplementedError

    def spans(self, ctx: Context) -> list[Span]:
        """Spans in the original text that made this (true) node true."""
        return []


@dataclass(eq=False)
class Words(Node):
    lists: tuple[str, ...] = ()
    on_names: bool = False
    min: int = 1

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.on_names and self.min >= 1:
            self.trigger = frozenset(self.lists)
        if not self.on_names and self.min == 1:  # the common case, as one closure
            if len(self.lists) == 1:
                name = self.lists[0]
                self.fn = lambda ctx: name in ctx.hits
            else:
                names = self.lists

                def test(ctx: Context) -> bool:
                    hits = ctx.hits
                    for n in names:  # noqa: SIM110 (a plain loop is faster on the hot path)
                        if n in hits:
                            return True
                    return False

                self.fn = test

    def _hits(self, ctx: Context) -> list:
        hits = ctx.name_hits() if self.on_names else ctx.hits
        if len(self.lists) == 1:
            return hits.get(self.lists[0], [])
        return [h for n in self.lists for h in hits.get(n, ())]

    def _test(self, ctx: Context) -> bool:
        hits = ctx.name_hits() if self.on_names else ctx.hits
        if self.min == 1:
            for n in self.lists:  # noqa: SIM110 (a plain loop is faster on the hot path)
                if n in hits:
                    return True
            return False
        return len(self._hits(ctx)) >= self.min

    def spans(self, ctx: Context) -> list[Span]:
        if self.on_names:
            return []
        lists = self.lists
        return ctx.list_spans(ctx.hits.get(lists[0], ()) if len(lists) == 1 else self._hits(ctx))


#: The most characters of a punctuation class looked for one by one before scanning for them.
_MAX_MARKS = 8


@dataclass(eq=False)
class Regex(Node):
    name: str = ""
    pattern: regex.Pattern[str] | None = None
    field: str = "text"

    def __post_init__(self) -> None:
        super().__post_init__()
        #: The pattern compiled by RE2 where it finds the same spans (``rules.linear``).
        self.linear = linear_pattern(self.pattern) if self.pattern is not None else None
        #: A cheap test that the pattern cannot match (``rules.prefilter``); None: always run.
        #: Read only before ``regex`` runs: RE2 finds no match sooner than the test finds no
        #: literal (docs/benchmarks.md "Rule engine").
        self.prefilter = (prefilter_for(self.pattern.pattern, self.field == "text")
                          if self.pattern is not None else None)
        #: The pattern as run (kept with its flags: a pattern written in lower case can still
        #: name capitals, e.g. ``\x4b`` or a range ``[0-a]``, so IGNORECASE is never dropped).
        self.run_pattern = self.pattern
        self.match_fn: Callable[[Context], list[Span]] = self._matches
        if self.pattern is not None:
            key = ("re", self.pattern.pattern, self.field)  # Context.regex_matches' cache key
            args = (self.run_pattern, self.field, self.prefilter, self.linear)
            chars = literal_chars(self.pattern.pattern)
            if chars is None:
                def matches(ctx: Context) -> list[Span]:
                    got = ctx._cache.get(key)
                    return got if got is not None else ctx.regex_matches(*args)

                def test(ctx: Context) -> bool:
                    got = ctx._cache.get(key)
                    return bool(got if got is not None else ctx.regex_matches(*args))
            else:  # a class of punctuation marks (``["“”«»]``): the same spans from ``re``
                scan = char_class(chars).finditer
                fld = self.field
                #: A few marks are looked for one by one (``in``, a fast search) before the scan:
                #: most comments hold none of them.
                marks = tuple(sorted(chars)) if len(chars) <= _MAX_MARKS else ()

                def matches(ctx: Context) -> list[Span]:
                    got = ctx._cache.get(key)
                    if got is None:
                        target = ctx.field_text(fld)
                        if len(target) > ctx.policy.settings.regex_max_input_chars:
                            return ctx.regex_matches(*args)  # over the input budget: raises
                        if marks:
                            for mark in marks:
                                if mark in target:
                                    break
                            else:
                                ctx._cache[key] = got = []
                                return got
                        got = ctx._cache[key] = [m.span() for m in scan(target)]
                    return got

                def test(ctx: Context) -> bool:
                    return bool(matches(ctx))

            self.match_fn = matches
            self.fn = test

    def matches(self, ctx: Context) -> list[Span]:
        """Match spans in the field's own text (folded text offsets for ``text``)."""
        return self.match_fn(ctx)

    def _matches(self, ctx: Context) -> list[Span]:
        return ctx.regex_matches(self.run_pattern, self.field, self.prefilter,  # type: ignore[arg-type]
                                 self.linear)

    def _test(self, ctx: Context) -> bool:
        return bool(self._matches(ctx))

    def spans(self, ctx: Context) -> list[Span]:
        found = self.matches(ctx)
        if self.field == "text.raw":
            return list(found)
        if self.field == "text":
            mapper = ctx.span_mapper(0)
            return [s for s in (mapper(a, b) for a, b in found) if s is not None]
        return []


#: Cheap character tests computed once per comment; detectors that need them are skipped
#: (like a word-list trigger) when the comment lacks them.
DETECTOR_TRIGGERS: dict[str, frozenset[str]] = {
    "pii.email": frozenset({"#at"}),
    "pii.phone": frozenset({"#digits8"}), "pii.uk_nino": frozenset({"#digit"}),
    "pii.us_ssn": frozenset({"#digits8"}), "pii.payment_card": frozenset({"#digits8"}),
    "pii.iban": frozenset({"#digit"}), "pii.any": frozenset({"#at", "#digit"}),
    "link.any": frozenset({"#dot"}), "link.shortener": frozenset({"#dot"}),
    "link.unlisted": frozenset({"#dot"}), "link.denied": frozenset({"#dot"}),
    "text.question_mark": frozenset({"#question"}),
}


@dataclass(eq=False)
class Detect(Node):
    name: str = ""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.trigger = DETECTOR_TRIGGERS.get(self.name)
        name = self.name
        if name == "impersonation":
            self.fn = lambda ctx: ctx.impersonation() is not None
        else:
            def test(ctx: Context) -> bool:
                got = ctx._cache.get(name)  # Context.detect's cache
                return bool(got if got is not None else ctx.detect(name))

            self.fn = test

    def _test(self, ctx: Context) -> bool:
        if self.name == "impersonation":
            return ctx.impersonation() is not None
        return bool(ctx.detect(self.name))

    def spans(self, ctx: Context) -> list[Span]:
        return [] if self.name == "impersonation" else list(ctx.detect(self.name))


@dataclass(eq=False)
class RuleRef(Node):
    rule_id: str = ""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.rule_refs = frozenset({self.rule_id})
        rid = self.rule_id
        self.fn = lambda ctx: ctx.fired.get(rid, False)

    def _test(self, ctx: Context) -> bool:
        return ctx.fired.get(self.rule_id, False)


@dataclass(eq=False)
class Compare(Node):
    path: str = ""
    op: Callable[[Any, Any], bool] = operator.eq
    value: Any = None
    getter: Callable[[Context], Any] = lambda ctx: None
    #: For ``signal.<name>``: the signal's name (read straight from ``ctx.signals``).
    signal: str | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        op, value, getter, name = self.op, self.value, self.getter, self.signal
        if name is not None:
            def test(ctx: Context) -> bool:
                got = ctx.signals.get(name)
                return got is not None and op(got, value)
        else:
            def test(ctx: Context) -> bool:
                got = getter(ctx)
                return got is not None and op(got, value)
        self.fn = test

    def _test(self, ctx: Context) -> bool:
        got = self.getter(ctx)
        if got is None:
            return False
        return self.op(got, self.value)


@dataclass(eq=False)
class All(Node):
    children: tuple[Node, ...] = ()

    def __post_init__(self) -> None:
        super().__post_init__()
        triggers = [c.trigger for c in self.children if c.trigger is not None]
        self.trigger = min(triggers, key=len) if triggers else None
        tests = tuple(c.fn for c in self.children)
        if len(tests) == 2:
            a, b = tests
            self.fn = lambda ctx: a(ctx) and b(ctx)
        elif tests:
            def test(ctx: Context) -> bool:
                for t in tests:  # noqa: SIM110 (a plain loop is faster on the hot path)
                    if not t(ctx):
                        return False
                return True

            self.fn = test

    def _test(self, ctx: Context) -> bool:
        for c in self.children:  # noqa: SIM110 (a plain loop is faster on the hot path)
            if not c.fn(ctx):
                return False
        return True

    def spans(self, ctx: Context) -> list[Span]:
        return [s for c in self.children for s in c.spans(ctx)]


@dataclass(eq=False)
class AnyOf(Node):
    children: tuple[Node, ...] = ()

    def __post_init__(self) -> None:
        super().__post_init__()
        triggers = [c.trigger for c in self.children]
        if triggers and all(t is not None for t in triggers):
            self.trigger = frozenset().union(*triggers)  # type: ignore[arg-type]
        tests = tuple(c.fn for c in self.children)
        if len(tests) > 1 and all(type(c) is Words and not c.on_names and c.min == 1
                                  for c in self.children):
            # any of several word lists (a cheap gate): one test, whether any of them matched
            names = frozenset(n for c in self.children for n in c.lists)  # type: ignore[attr-defined]
            self.fn = lambda ctx: not names.isdisjoint(ctx.hits)
        elif len(tests) == 2:
            a, b = tests
            self.fn = lambda ctx: a(ctx) or b(ctx)
        elif tests:
            def test(ctx: Context) -> bool:
                for t in tests:  # noqa: SIM110 (a plain loop is faster on the hot path)
                    if t(ctx):
                        return True
                return False

            self.fn = test

    def _test(self, ctx: Context) -> bool:
        for c in self.children:  # noqa: SIM110 (a plain loop is faster on the hot path)
            if c.fn(ctx):
                return True
        return False

    def spans(self, ctx: Context) -> list[Span]:
        return [s for c in self.children if c.fn(ctx) for s in c.spans(ctx)]


@dataclass(eq=False)
class Not(Node):
    child: Node | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.child is not None:
            t = self.child.fn
            self.fn = lambda ctx: not t(ctx)

    def _test(self, ctx: Context) -> bool:
        return not self.child.fn(ctx)  # type: ignore[union-attr]


# --- comparisons ------------------------------------------------------------------------------
_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le,
    ">": operator.gt, ">=": operator.ge,
    "in": lambda a, b: a in b, "not in": lambda a, b: a not in b,
}
_COMPARE = re.compile(r"^\s*([a-z_][a-z0-9_.]*)\s*(==|!=|>=|<=|>|<|not in|in)\s*(.+?)\s*$")


def _age_days(ctx: Context) -> float | None:
    a = ctx.comment.author
    if a.created_at is None:
        return None
    ref = ctx.comment.created_at or datetime.now(UTC)
    return (ref - a.created_at).total_seconds() / 86400


#: Comment fields a comparison may read: path → (type, getter).
FIELDS: dict[str, tuple[type, Callable[[Context], Any]]] = {
    "platform": (str, lambda c: c.comment.platform),
    "account": (str, lambda c: c.comment.account_id),
    "thread": (str, lambda c: c.comment.thread_id),
    "lang": (str, lambda c: c.comment.lang),
    "is_reply": (bool, lambda c: c.comment.parent_id is not None),
    "text.length": (int, lambda c: len(c.comment.text)),
    "text.words": (int, lambda c: c.variants[0].count(" ") + 1 if c.variants[0] else 0),
    "author.id": (str, lambda c: c.comment.author.id),
    "author.handle": (str, lambda c: c.comment.author.handle),
    "author.display_name": (str, lambda c: c.comment.author.display_name),
    "author.followers": (int, lambda c: c.comment.author.followers),
    "author.default_avatar": (bool, lambda c: c.comment.author.default_avatar),
    "author.account_age_days": (float, _age_days),
    "links.count": (int, lambda c: len(c.links())),
    "links.unlisted": (int, lambda c: len(c.detect("link.unlisted"))),
}


def _typed(value: Any, kind: type, path: str, op: str) -> Any:
    def one(v: Any) -> Any:
        if kind is bool:
            if not isinstance(v, bool):
                raise ValueError(f"{path} is true/false, not {v!r}")
            return v
        if kind in (int, float):
            if isinstance(v, bool) or not isinstance(v, int | float):
                raise ValueError(f"{path} is a number, not {v!r}")
            return v
        return str(v)

    if op in ("in", "not in"):
        if not isinstance(value, list):
            raise ValueError(f"'{op}' needs a list, like [a, b]")
        return frozenset(one(v) for v in value)
    if kind in (str, bool) and op not in ("==", "!="):
        raise ValueError(f"{path} can only be compared with ==, !=, in, not in")
    return one(value)


def compile_compare(text: str, loc: tuple[Any, ...]) -> Compare:
    if len(text) > MAX_COMPARISON_CHARS:
        raise ConditionError(loc, f"a comparison of {len(text):,} characters is over the limit of "
                                  f"{MAX_COMPARISON_CHARS:,}")
    m = _COMPARE.match(text)
    if not m:
        raise ConditionError(loc, f"cannot read condition {_short(text)}: expected 'PATH OP VALUE' "
                                  "(e.g. 'score.threat >= 0.8')")
    path, op, raw = m.groups()
    try:
        value, _ = parse_yaml(raw, max_depth=4)  # within limits: the value may be hostile too
    except (yaml.YAMLError, RecursionError) as unreadable:
        raise ConditionError(loc, f"cannot read the value {_short(raw)}") from unreadable
    node: Compare
    try:
        if path.startswith("score."):
            label = path[6:]
            if not label:
                raise ValueError("score needs a label, like score.threat")
            def score(c: Context, label: str = label) -> Any:
                return c.scores.get(label) if c.scores else None

            node = Compare(path, _OPS[op], _typed(value, float, path, op), score)
            node.uses_scores = True
        elif path.startswith("signal."):
            try:
                spec = parse_signal(path[7:])
            except UnknownSignal as unknown:
                raise ValueError(str(unknown)) from unknown

            def signal(c: Context, name: str = spec.name) -> Any:
                return c.signals.get(name)

            node = Compare(path, _OPS[op], _typed(value, float, path, op), signal, signal=spec.name)
            node.signals = frozenset({spec.name})
        elif path in FIELDS:
            kind, getter = FIELDS[path]
            node = Compare(path, _OPS[op], _typed(value, kind, path, op), getter)
        else:
            raise ValueError(f"unknown field {path!r}; known: {', '.join(FIELDS)}, score.<label>, "
                             "signal.<name>")
    except ValueError as exc:
        raise ConditionError(loc, str(exc)) from exc
    return node


# --- compiling a tree -------------------------------------------------------------------------
@dataclass
class Env:
    """What a condition may refer to: the layered lists, patterns and rule ids."""

    lists: Mapping[str, Any]
    patterns: Mapping[str, regex.Pattern[str]]
    pattern_fields: Mapping[str, str]
    rule_ids: set[str]
    add_inline_list: Callable[[list[str], tuple[Any, ...]], str]
    compile_regex: Callable[[str, bool], regex.Pattern[str]] | None = None


def _finish(node: Node, children: tuple[Node, ...]) -> Node:
    node.uses_scores = node.uses_scores or any(c.uses_scores for c in children)
    node.signals = node.signals.union(*(c.signals for c in children))
    node.rule_refs = node.rule_refs.union(*(c.rule_refs for c in children))
    return node


def compile_condition(data: Any, loc: tuple[Any, ...], env: Env, depth: int = 0) -> Node:
    """Compile one condition; raise ConditionError with the location of the mistake.

    ``depth``: how many ``all`` / ``any`` / ``not`` enclose ``data``; past
    :data:`MAX_CONDITION_DEPTH` the condition is refused (:class:`ConditionTooDeep`)."""
    if isinstance(data, str):
        return compile_compare(data, loc)
    if not isinstance(data, dict) or not data:
        raise ConditionError(loc, "a condition is a comparison string or a mapping with one of "
                                  "all, any, not, words, terms, regex, detect, rule")
    keys = set(data)
    if keys & {"all", "any", "not"}:
        if len(keys) != 1:
            raise ConditionError(loc, f"'{next(iter(keys & {'all', 'any', 'not'}))}' must be alone "
                                      f"in its mapping (found {_keys(keys)})")
        (key, value), = data.items()
        if depth >= MAX_CONDITION_DEPTH:
            raise ConditionTooDeep(loc, f"conditions nested deeper than {MAX_CONDITION_DEPTH} levels "
                                        "of all/any/not; write it flatter (or split it into rules "
                                        "joined with 'rule:')")
        if key == "not":
            child = compile_condition(value, (*loc, "not"), env, depth + 1)
            return _finish(Not(child=child), (child,))
        if not isinstance(value, list) or not value:
            raise ConditionError((*loc, key), f"'{key}' needs a non-empty list of conditions")
        children = tuple(compile_condition(v, (*loc, key, i), env, depth + 1)
                         for i, v in enumerate(value))
        node: Node = All(children=children) if key == "all" else AnyOf(children=children)
        return _finish(node, children)
    if len(keys) != 1:
        raise ConditionError(loc, f"one condition per mapping, found {_keys(keys)}; "
                                  "wrap several in 'all' or 'any'")
    (key, value), = data.items()
    here = (*loc, key)
    if key == "words":
        return _words(value, here, env)
    if key == "terms":
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            raise ConditionError(here, "'terms' needs a list of words or phrases")
        return Words(lists=(env.add_inline_list(value, here),))
    if key == "regex":
        return _regex(value, here, env)
    if key == "detect":
        if not isinstance(value, str) or value not in DETECTORS:
            raise ConditionError(here, f"unknown detector {_short(value)}; known: {', '.join(DETECTORS)}")
        return Detect(name=value)
    if key == "rule":
        if not isinstance(value, str):
            raise ConditionError(here, f"'rule' names a rule id, not {_short(value)}")
        if value not in env.rule_ids:
            raise ConditionError(here, f"no rule with id {_short(value)}", ref=value)
        return RuleRef(rule_id=value)
    raise ConditionError(here, f"unknown condition {_short(key)}; use all, any, not, words, terms, "
                               "regex, detect, rule or a comparison string")


def _keys(keys: set[Any]) -> str:
    """The keys of a mapping, for a message (YAML keys need not be strings, nor few)."""
    names = sorted((k if len(k) <= 40 else k[:37] + "...") if isinstance(k, str) else _short(k, 40)
                   for k in keys)
    return ", ".join(names[:10]) + (f" and {len(names) - 10} more" if len(names) > 10 else "")


def _words(value: Any, loc: tuple[Any, ...], env: Env) -> Node:
    on_names, minimum = False, 1
    if isinstance(value, dict):
        extra = set(value) - {"lists", "field", "min"}
        if extra:
            raise ConditionError(loc, f"unknown key(s) {_keys(extra)}; use lists, field, min")
        fld = value.get("field", "text")
        if fld not in ("text", "author.name"):
            raise ConditionError((*loc, "field"), "field is 'text' or 'author.name'")
        on_names = fld == "author.name"
        minimum = value.get("min", 1)
        if not isinstance(minimum, int) or minimum < 1:
            raise ConditionError((*loc, "min"), "min is a whole number >= 1")
        value = value.get("lists")
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise ConditionError(loc, "'words' names a list, or several: words: [slurs, threats]")
    for n in names:
        if n not in env.lists:
            raise ConditionError(loc, f"no word list named {_short(n)}; known: "
                                      f"{', '.join(sorted(env.lists))}")
    return Words(lists=tuple(names), on_names=on_names, min=minimum)


def _regex(value: Any, loc: tuple[Any, ...], env: Env) -> Node:
    if isinstance(value, str) and value in env.patterns:
        return Regex(name=value, pattern=env.patterns[value], field=env.pattern_fields[value])
    fld = "text"
    if isinstance(value, dict):
        extra = set(value) - {"pattern", "field"}
        if extra:
            raise ConditionError(loc, f"unknown key(s) {_keys(extra)}; use pattern, field")
        fld = value.get("field", "text")
        if fld not in ("text", "text.raw", "author.display_name", "author.handle"):
            raise ConditionError((*loc, "field"),
                                 "field is text, text.raw, author.display_name or author.handle")
        value = value.get("pattern")
        if isinstance(value, str) and value in env.patterns:
            return Regex(name=value, pattern=env.patterns[value], field=fld)
    if not isinstance(value, str) or not value:
        raise ConditionError(loc, "'regex' names a pattern or gives one: regex: {pattern: '...'}")
    assert env.compile_regex is not None
    try:
        pat = env.compile_regex(value, True)
    except ValueError as exc:
        raise ConditionError(loc, str(exc)) from exc
    return Regex(name=value[:40], pattern=pat, field=fld)
