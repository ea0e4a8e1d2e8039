"""Layered policy files → one compiled policy per account, evaluated on comments.

Layers, in order: global default → organisation → account. A lower layer adds rules, replaces a
rule by id, disables (``disable: [id]``) or enables (``enable: [id]``) rules, replaces or extends
(``extend: true``) word lists and overrides settings. A rule marked ``locked`` cannot be replaced
or disabled below the level that set it, and the word lists it reads can only be extended there.

Everything is compiled at load: one automaton for all word lists, compiled regexes, conditions as
small node trees, rules sorted so a rule another refers to is evaluated first (loops are refused).

Loading is bounded: YAML files by ``civicmod.contract.yamlfile`` (size, nesting, aliases), conditions by
``rules.conditions.MAX_CONDITION_DEPTH``, word list files by :data:`MAX_WORDLIST_BYTES`, regexes
by their length and :data:`MAX_REGEX_REPEAT` (``(?:(?:a{1000}){1000}){1000}`` would take minutes
to compile). Nothing here recurses with the size of the input, and every mistake is a FileError.
"""

from __future__ import annotations

import hashlib
import json
import string
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, NamedTuple

import regex
from mypy_extensions import mypyc_attr

from civicmod.contract.records import Comment
from civicmod.contract.settings import PolicySettings
from civicmod.contract.yamlfile import FileError
from rules.base import RuleHit, Span
from rules.conditions import ConditionError, ConditionTooDeep, Env, Node, Regex, Words, compile_condition
from rules.context import BudgetExceeded, Context
from rules.detectors import Impersonation
from rules.native import SOURCE_DIR
from rules.policy_file import LoadedFile, PatternSpec, RuleSpec, load_policy_file
from rules.signals import SignalSpec, parse_signal
from rules.wordlists import BadTerm, TermIndex, WordList, read_terms

POLICIES_DIR = SOURCE_DIR / "policies"
DEFAULT_POLICY = POLICIES_DIR / "default.yaml"

DEFAULT_SHORTENERS = ("bit.ly", "tinyurl.com", "goo.gl", "is.gd", "cutt.ly", "rb.gy", "ow.ly", "t.ly",
                      "shorturl.at", "tiny.cc", "rebrand.ly", "buff.ly", "s.id", "v.gd")
DEFAULT_ALLOWED = ("gov.uk", "nhs.uk", "police.uk", "gov", "europa.eu")
#: The largest word list ``file:`` read (bytes).
MAX_WORDLIST_BYTES = 16 * 1024 * 1024
#: The most characters a pattern's counted repeats may stand for (``a{10}`` counts 10, nested
#: repeats multiply): the regex module's compile time grows with it.
MAX_REGEX_REPEAT = 100_000
#: The same, for all the patterns of a policy together (compiling costs about 1-5 µs each).
MAX_POLICY_REGEX_REPEAT = 500_000


def resolve_policy_path(name: str | Path) -> Path:
    """``builtin:default`` → the shipped default policy; anything else is a file path."""
    text = str(name)
    if text.startswith("builtin:"):
        return POLICIES_DIR / f"{text.split(':', 1)[1]}.yaml"
    return Path(text)


@dataclass(frozen=True)
class EffectiveSettings:
    official_names: tuple[str, ...] = ()
    official_author_ids: frozenset[str] = frozenset()
    allowed_domains: tuple[str, ...] = DEFAULT_ALLOWED
    denied_domains: tuple[str, ...] = ()
    shorteners: tuple[str, ...] = DEFAULT_SHORTENERS
    impersonation_threshold: float = 0.85
    regex_timeout_ms: float = 50.0
    regex_max_input_chars: int = 20_000
    #: The layers' choice for swearing (rules with ``action_from: profanity``); None: each such
    #: rule's own ``action``.
    profanity: str | None = None

    def choice(self, name: str) -> str | None:
        return getattr(self, name, None)


@dataclass
class CompiledRule:
    id: str
    description: str
    policy: str
    label: str
    action: str
    queue: str | None
    priority: int
    hold: bool
    tags: tuple[str, ...]
    reason: str | None
    condition: Node
    unless: Node | None
    locked: bool
    level: str
    source: str  # "file:line"
    fingerprint: str
    changed_at: float | None
    deferred: bool = False
    order: int = 0
    protect: bool = False

    def __post_init__(self) -> None:
        #: What the engine calls: the condition's own test where there is no ``unless`` (one
        #: call less).
        self.check: Callable[[Context], bool] = (self.condition.fn if self.unless is None
                                                 else self.test)
        self.hit_action = None if self.action == "tag" else self.action
        #: The fields of its RuleHit before the spans, the same for every hit.
        self.hit_head = (self.id, self.label, self.hit_action)
        #: The fields of its RuleHit after the detail, the same for every hit.
        self.hit_rest = (self.policy, self.priority, self.queue, self.hold, self.tags,
                         self.fingerprint, self.protect)
        self.quick_reason = quick_template(self.reason)

    @property
    def trigger(self) -> frozenset[str] | None:
        return self.condition.trigger

    @property
    def signals(self) -> frozenset[str]:
        return self.condition.signals | (self.unless.signals if self.unless else frozenset())

    def test(self, ctx: Context) -> bool:
        if not self.condition.fn(ctx):
            return False
        return not (self.unless is not None and self.unless.fn(ctx))


class _Attrs:
    """Lets a reason template say ``{score.threat}`` or ``{signal.author_comments_10m}``."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self._values = values

    def __getattr__(self, name: str) -> Any:
        value = self._values.get(name)
        if isinstance(value, float):
            return f"{value:g}"
        return "?" if value is None else value


_TEMPLATE_FIELDS = {"rule", "policy", "matched", "detail", "score", "signal", "author", "platform",
                    "account"}


@mypyc_attr(native_class=False)  # a list subclass: a plain class where compiled (docs/rules.md)
class Evaluation(list[RuleHit]):
    """The rule hits for one comment, plus what the judge needs to finish it after the model."""

    __slots__ = ("ctx", "policy")

    def __init__(self, policy: CompiledPolicy, ctx: Context, hits: Iterable[RuleHit] = ()) -> None:
        if hits:  # list.__new__ made it empty: no list.__init__ call for the common case
            self.extend(hits)
        self.policy = policy
        self.ctx = ctx

    @property
    def version(self) -> str:
        return self.policy.version

    @property
    def errors(self) -> list[tuple[str, str]]:
        return self.ctx.errors

    @property
    def notes(self) -> list[tuple[str, str]]:
        """Failures of tag-only rules: a tag lost, the outcome unchanged."""
        return self.ctx.notes


class DomainSets(NamedTuple):
    shorteners: frozenset[str]
    allowed: frozenset[str]
    denied: frozenset[str]


@dataclass
class CompiledPolicy:
    name: str
    version: str
    rules: list[CompiledRule]
    index: TermIndex | None
    settings: EffectiveSettings
    lists: dict[str, WordList]
    files: tuple[Path, ...]
    phase1: list[CompiledRule] = field(init=False)
    phase2: list[CompiledRule] = field(init=False)
    impersonation: Impersonation = field(init=False)
    signal_specs: tuple[SignalSpec, ...] = field(init=False)

    def __post_init__(self) -> None:
        self.phase1 = [r for r in self.rules if not r.deferred]
        self.phase2 = [r for r in self.rules if r.deferred]
        #: A protecting rule reads model scores: the model must run even after a hide rule fired.
        self.protects_after_model = any(r.protect for r in self.phase2)
        self._candidates: dict[frozenset[str], list[CompiledRule]] = {}
        #: Each phase-1 rule with its trigger (read once here, not per feature set).
        self._phase1_triggers = [(r, r.condition.trigger) for r in self.phase1]
        st = self.settings
        self.impersonation = Impersonation(st.official_names, st.official_author_ids,
                                           st.impersonation_threshold)
        #: The settings' domain lists as sets, for the link detectors.
        self.domain_sets = DomainSets(frozenset(st.shorteners), frozenset(st.allowed_domains),
                                      frozenset(st.denied_domains))
        names = sorted({s for r in self.rules for s in r.signals})
        self.signal_specs = tuple(parse_signal(n) for n in names)
        self.by_id = {r.id: r for r in self.rules}
        read = frozenset().union(*(r.condition.rule_refs | (r.unless.rule_refs if r.unless else frozenset())
                                   for r in self.rules))
        #: Tag-only rules no other rule reads: one that fails loses only its tag (a note), it
        #: cannot change an outcome, so it does not make the comment unjudged.
        self.tag_only = frozenset(r.id for r in self.rules if r.action == "tag" and r.id not in read)

    # --- evaluation ----------------------------------------------------------------------------
    def candidates(self, features: frozenset[str]) -> list[CompiledRule]:
        """Phase-1 rules that can fire given the comment's features (cached per feature set)."""
        got = self._candidates.get(features)
        if got is None:
            got = [r for r, trig in self._phase1_triggers if trig is None or not trig.isdisjoint(features)]
            if len(self._candidates) > 4096:
                self._candidates.clear()
            self._candidates[features] = got
        return got

    def _run(self, rules: Sequence[CompiledRule], ctx: Context, out: list[RuleHit],
             check: bool = True) -> None:
        fired = ctx.fired
        features = ctx.features
        for rule in rules:
            if check:
                trig = rule.condition.trigger
                if trig is not None and trig.isdisjoint(features):
                    continue
            try:
                ok = rule.check(ctx)
            except BudgetExceeded as over:
                (ctx.notes if rule.id in self.tag_only else ctx.errors).append(
                    ("system.regex_budget", f"rule {rule.id}: {over}"))
                continue
            except Exception as exc:  # a rule that fails must not let the comment through
                (ctx.notes if rule.id in self.tag_only else ctx.errors).append(
                    ("system.rule_error", f"rule {rule.id}: {type(exc).__name__}: {exc}"))
                continue
            if ok:
                fired[rule.id] = True
                out.append(self._hit(rule, ctx))

    def evaluate(self, comment: Comment, signals: Mapping[str, float] | None = None,
                 now: float | None = None) -> Evaluation:
        """Rules that do not read model scores; :meth:`finish` runs the others."""
        ctx = Context(self, comment, signals, now)
        out = Evaluation(self, ctx)
        self._run(self.candidates(ctx.features), ctx, out, check=False)
        return out

    def finish(self, evaluation: Evaluation, scores: Mapping[str, float] | None) -> Evaluation:
        """Add the hits of rules that read model scores (``scores`` None: the model was skipped)."""
        if self.phase2:
            evaluation.ctx.scores = scores or {}
            self._run(self.phase2, evaluation.ctx, evaluation)
        return evaluation

    def _hit(self, rule: CompiledRule, ctx: Context) -> RuleHit:
        """The hit of a rule that fired: only now are its spans mapped and its reason rendered."""
        spans = _merge_spans(rule.condition.spans(ctx))
        detail = rule.description
        if rule.reason:
            fast = rule.quick_reason
            detail = fast(rule, ctx, spans) if fast is not None else self._render(rule, ctx, spans)
        return _new_hit(RuleHit, (*rule.hit_head, spans, detail, *rule.hit_rest))

    def _render(self, rule: CompiledRule, ctx: Context, spans: Sequence[Span]) -> str:
        text = ctx.comment.text
        matched = _matched(text, spans)
        a = ctx.comment.author
        try:
            return rule.reason.format(  # type: ignore[union-attr]
                rule=rule.id, policy=rule.policy, matched=matched,
                detail=ctx.impersonation() or "", score=_Attrs(ctx.scores or {}),
                signal=_Attrs(ctx.signals), platform=ctx.comment.platform,
                account=ctx.comment.account_id,
                author=_Attrs({"id": a.id, "handle": a.handle, "display_name": a.display_name}))
        except Exception as exc:  # a template mistake must not lose the hit
            return f"{rule.description} (reason template failed: {exc})"


_new_hit = tuple.__new__


def _matched(text: str, spans: Sequence[Span]) -> str:
    if len(spans) == 1:  # the common case, without the generator and the dict
        a, b = spans[0]
        return repr(text[a:b])
    return ", ".join(dict.fromkeys(repr(text[a:b]) for a, b in spans)) or "-"


#: Reason-template fields :func:`quick_template` renders itself (plain strings).
_QUICK_FIELDS = {
    "matched": lambda rule, ctx, spans: _matched(ctx.comment.text, spans),
    "rule": lambda rule, ctx, spans: rule.id,
    "policy": lambda rule, ctx, spans: rule.policy,
    "detail": lambda rule, ctx, spans: ctx.impersonation() or "",
}


def quick_template(template: str | None) -> Any:
    """A renderer ``f(rule, ctx, spans) -> str`` equal to ``CompiledPolicy._render`` for a
    template whose fields are all plain ``{matched}``, ``{rule}``, ``{policy}`` or ``{detail}``
    (no format spec, conversion or attribute); None for any other template (rendered by
    ``str.format``). Only the fields the template names are computed."""
    if not template:
        return None
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError:
        return None
    pieces: list[Any] = []
    for literal, name, spec, conv in parts:
        if literal:
            pieces.append(literal)
        if name is None:
            continue
        if spec or conv or name not in _QUICK_FIELDS:
            return None
        pieces.append(_QUICK_FIELDS[name])
    if len(pieces) == 1 and isinstance(pieces[0], str):
        const = pieces[0]
        return lambda rule, ctx, spans: const
    if len(pieces) == 2 and isinstance(pieces[0], str) and not isinstance(pieces[1], str):
        head, get = pieces
        return lambda rule, ctx, spans: head + get(rule, ctx, spans)
    frozen = tuple(pieces)

    def render(rule: CompiledRule, ctx: Context, spans: Sequence[Span]) -> str:
        return "".join(p if isinstance(p, str) else p(rule, ctx, spans) for p in frozen)

    return render


def _merge_spans(spans: Sequence[Span]) -> tuple[Span, ...]:
    """Spans sorted, duplicates dropped and overlapping ones joined."""
    n = len(spans)
    if n < 2:
        return tuple(spans)
    if n == 2:  # the common case, without the set, the sort and the loop
        p, q = spans
        if q < p:
            p, q = q, p
        elif p == q:
            return (p,)
        if q[0] < p[1]:
            return ((p[0], q[1] if q[1] > p[1] else p[1]),)
        return (p, q)
    ordered = iter(sorted(set(spans)))
    out: list[Span] = []
    last_a, last_b = next(ordered)
    for a, b in ordered:
        if a < last_b:
            if b > last_b:
                last_b = b
        else:
            out.append((last_a, last_b))
            last_a, last_b = a, b
    out.append((last_a, last_b))
    return tuple(out)


# --- assembling layers ---------------------------------------------------------------------------
@dataclass
class _ListDef:
    words: WordList
    file: LoadedFile
    loc: tuple[Any, ...]
    replaced_at: list[tuple[LoadedFile, tuple[Any, ...]]] = field(default_factory=list)


def _line(f: LoadedFile, loc: tuple[Any, ...]) -> str:
    err = f.error(loc, "")
    return f"{f.path}:{err.line}" if err.line else str(f.path)


def _changed_at(value: date | datetime | None) -> float | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()
    return datetime(value.year, value.month, value.day, tzinfo=UTC).timestamp()


_REPEAT = regex.compile(r"\{(\d*)(?:,(\d*))?\}")


def regex_repeat_weight(pattern: str) -> int:
    r"""About how many characters ``pattern`` stands for once its counted repeats are expanded
    (``(?:a{100}){100}``: 10,000), read without compiling it and without recursion.

    Sequences add, repeats multiply; ``*``, ``+`` and ``?`` count once. Escapes, ``\p{..}``-style
    escapes and character classes are skipped. An over-estimate is fine: it only bounds work."""
    cap = MAX_REGEX_REPEAT * 1000  # past the budget, how far past does not matter
    stack: list[int] = [0]  # per open group: the weight of what it holds so far
    last = 0  # the weight of the atom just read (what a quantifier applies to)
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "\\":
            i += 2
            if i - 1 < n and pattern[i - 1] in "pPNxuUg" and i < n and pattern[i] == "{":
                end = pattern.find("}", i)
                i = n if end < 0 else end + 1
            last = 1
            stack[-1] += 1
            continue
        if c == "[":
            i += 1
            if i < n and pattern[i] == "^":
                i += 1
            if i < n and pattern[i] == "]":
                i += 1
            while i < n and pattern[i] != "]":
                if pattern[i] == "\\":
                    i += 1
                elif pattern[i] == "[" and pattern.startswith(":", i + 1):
                    end = pattern.find(":]", i + 2)
                    i = i if end < 0 else end + 1
                i += 1
            i += 1
            last = 1
            stack[-1] += 1
            continue
        if c == "(":
            stack.append(0)
            i += 1
            continue
        if c == ")" and len(stack) > 1:  # an unbalanced one is a literal (and a compile error)
            last = max(stack.pop(), 1)
            stack[-1] += last
            i += 1
            continue
        if c == "{":
            m = _REPEAT.match(pattern, i)
            if m is not None and (m.group(1) or m.group(2)):
                count = max(int(m.group(1) or 0), int(m.group(2) or 0), 1)
                stack[-1] = min(stack[-1] + last * (count - 1), cap)  # the atom counted once already
                last = min(last * count, cap)
                i = m.end()
                continue
        last = 1
        stack[-1] += 1
        i += 1
    return min(sum(stack), cap)


def _compile_regex(pattern: str, ignore_case: bool, max_chars: int = 2000,
                   budget: list[int] | None = None) -> regex.Pattern[str]:
    """Compile a policy's pattern within the size budgets; ``budget``: what is left of the
    policy's :data:`MAX_POLICY_REGEX_REPEAT` (decremented)."""
    if len(pattern) > max_chars:
        raise ValueError(f"pattern has {len(pattern)} characters, over the size budget of {max_chars}")
    weight = regex_repeat_weight(pattern)
    if weight > MAX_REGEX_REPEAT:
        raise ValueError(f"pattern repeats stand for about {weight:,} characters, over the budget of "
                         f"{MAX_REGEX_REPEAT:,}; use smaller {{n}} counts")
    if budget is not None:
        budget[0] -= max(weight, 1)
        if budget[0] < 0:
            raise ValueError(f"the policy's patterns together stand for more than "
                             f"{MAX_POLICY_REGEX_REPEAT:,} characters (counting repeats); use fewer "
                             "or smaller patterns")
    try:
        return regex.compile(pattern, regex.V0 | (regex.IGNORECASE if ignore_case else 0))
    except regex.error as bad:
        raise ValueError(f"invalid regular expression: {bad}") from bad
    except (OverflowError, RecursionError, ValueError, TypeError) as exc:
        raise ValueError(f"invalid regular expression: {type(exc).__name__}: {exc}") from exc


def _walk(node: Node) -> Iterable[Node]:
    """The node and all below it (iteratively: depth is bounded, but this never needs to be)."""
    todo = [node]
    while todo:
        nd = todo.pop()
        yield nd
        child = getattr(nd, "child", None)
        if child is not None:
            todo.append(child)
        todo.extend(reversed(getattr(nd, "children", ())))


def _read_word_list(f: LoadedFile, loc: tuple[Any, ...], path: Path) -> list[str]:
    """The terms of a word list file; a FileError (at the list's ``file:``) when it cannot be."""
    try:
        size = path.stat().st_size
        if size > MAX_WORDLIST_BYTES:
            raise f.error((*loc, "file"), f"word list file {path} has {size:,} bytes, over the limit "
                                          f"of {MAX_WORDLIST_BYTES:,}")
        return read_terms(path)
    except UnicodeDecodeError as undecodable:
        raise f.error((*loc, "file"), f"word list file {path} is not UTF-8 text (byte "
                                      f"0x{undecodable.object[undecodable.start]:02x} at offset "
                                      f"{undecodable.start})") from undecodable
    except OSError as exc:
        raise f.error((*loc, "file"), f"cannot read word list file {path}: "
                                      f"{exc.strerror or exc}") from exc


def compile_layers(files: Sequence[LoadedFile], base_settings: EffectiveSettings | None = None
                   ) -> CompiledPolicy:
    """Put layers together (in the order given, which must go global → account) and compile.

    Raises FileError (file, line, field) on a mistake; never RecursionError."""
    try:
        return _compile_layers(files, base_settings)
    except RecursionError as exc:  # a safety net: inputs are bounded so that this does not happen
        names = ", ".join(str(f.path) for f in files) or "policy"
        raise FileError(names, None, None, "the policy is nested too deeply to compile") from exc


def _compile_layers(files: Sequence[LoadedFile], base_settings: EffectiveSettings | None
                    ) -> CompiledPolicy:
    files = sorted(files, key=lambda f: f.rank)
    lists: dict[str, _ListDef] = {}
    patterns: dict[str, tuple[PatternSpec, LoadedFile, tuple[Any, ...]]] = {}
    rules: dict[str, tuple[RuleSpec, LoadedFile, int]] = {}
    enabled: dict[str, bool] = {}
    locks: dict[str, tuple[LoadedFile, int]] = {}
    settings: dict[str, Any] = {}
    extra_files: list[Path] = []

    for f in files:
        settings.update(f.spec.settings.model_dump(exclude_none=True))
        for name, raw in f.spec.lists.items():
            spec = raw
            loc: tuple[Any, ...] = ("lists", name)
            terms = list(spec.terms)
            if spec.file:
                path = f.resolve(spec.file)
                if not path.is_file():
                    raise f.error((*loc, "file"), f"word list file not found: {path}")
                extra_files.append(path)
                terms += _read_word_list(f, loc, path)
            if not terms and not spec.extend:
                raise f.error(loc, "a word list needs 'terms' or a 'file'")
            if name in lists and spec.extend:
                lists[name].words = lists[name].words.extended(terms, spec.except_)
            else:
                if spec.extend:
                    raise f.error((*loc, "extend"), f"no list {name!r} above this layer to extend")
                wl = WordList(name, tuple(dict.fromkeys(terms)), tuple(spec.except_), spec.description)
                if name in lists:
                    lists[name].replaced_at.append((f, loc))
                    lists[name].words = wl
                else:
                    lists[name] = _ListDef(wl, f, loc)
        for name, p in f.spec.patterns.items():
            patterns[name] = (p, f, ("patterns", name))
        for i, r in enumerate(f.spec.rules):
            lock = locks.get(r.id)
            if lock and lock[0].rank < f.rank:
                raise f.error(("rules", i, "id"),
                              f"rule {r.id} is locked by the {lock[0].level} policy "
                              f"({_line(lock[0], ('rules', lock[1]))}); the {f.level} policy "
                              "cannot replace it")
            rules[r.id] = (r, f, i)
            enabled[r.id] = r.enabled
            if r.locked and r.id not in locks:
                locks[r.id] = (f, i)
        for key in ("disable", "enable"):
            for j, rid in enumerate(getattr(f.spec, key)):
                if rid not in rules:
                    raise f.error((key, j), f"no rule {rid!r} above this layer to {key}")
                lock = locks.get(rid)
                if key == "disable" and lock and lock[0].rank < f.rank:
                    raise f.error((key, j),
                                  f"rule {rid} is locked by the {lock[0].level} policy "
                                  f"({_line(lock[0], ('rules', lock[1]))}); the {f.level} policy "
                                  "cannot switch it off")
                enabled[rid] = key == "enable"

    # settings and shared pieces
    base = base_settings or EffectiveSettings()
    st = EffectiveSettings(
        official_names=tuple(dict.fromkeys((*settings.get("official_names", ()), *base.official_names))),
        official_author_ids=frozenset((*settings.get("official_author_ids", ()),
                                       *base.official_author_ids)),
        allowed_domains=tuple(settings.get("allowed_domains", base.allowed_domains)),
        denied_domains=tuple(settings.get("denied_domains", base.denied_domains)),
        shorteners=tuple(settings.get("shorteners", base.shorteners)),
        impersonation_threshold=settings.get("impersonation_threshold", base.impersonation_threshold),
        regex_timeout_ms=settings.get("regex_timeout_ms", base.regex_timeout_ms),
        regex_max_input_chars=settings.get("regex_max_input_chars", base.regex_max_input_chars),
        profanity=settings.get("profanity", base.profanity),
    )
    compiled_patterns: dict[str, regex.Pattern[str]] = {}
    regex_budget = [MAX_POLICY_REGEX_REPEAT]
    for name, (p, f, loc) in patterns.items():
        try:
            compiled_patterns[name] = _compile_regex(p.source, p.ignore_case, budget=regex_budget)
        except ValueError as bad_regex:
            raise f.error((*loc, "regex"), str(bad_regex)) from bad_regex
    word_lists = {n: d.words for n, d in lists.items()}
    inline_count = [0]

    def add_inline(terms: list[str], loc: tuple[Any, ...]) -> str:
        inline_count[0] += 1
        name = f"_inline{inline_count[0]}"
        word_lists[name] = WordList(name, tuple(terms))
        return name

    live = [rid for rid in rules if enabled[rid]]
    env = Env(lists=word_lists, patterns=compiled_patterns,
              pattern_fields={n: p.field for n, (p, _, _) in patterns.items()},
              rule_ids=set(live), add_inline_list=add_inline,
              compile_regex=lambda pat, ic: _compile_regex(pat, ic, budget=regex_budget))

    compiled: dict[str, CompiledRule] = {}
    for rid in live:
        r, f, i = rules[rid]
        base_loc = ("rules", i)
        try:
            cond = compile_condition(r.when, (*base_loc, "when"), env)
            unless = compile_condition(r.unless, (*base_loc, "unless"), env) if r.unless is not None else None
        except ConditionTooDeep as deep:
            raise f.error(deep.loc, f"rule {rid}: {deep.message}") from deep
        except ConditionError as wrong:
            if wrong.ref is not None and wrong.ref in rules:
                raise f.error(wrong.loc, f"refers to rule {wrong.ref!r}, which is disabled in this "
                                         "layering") from wrong
            raise f.error(wrong.loc, wrong.message) from wrong
        if r.reason:
            try:
                used = {fld.split(".")[0].split("[")[0]
                        for _, fld, _, _ in string.Formatter().parse(r.reason) if fld}
            except ValueError as bad_template:
                raise f.error((*base_loc, "reason"), f"bad reason template: {bad_template}") from bad_template
            unknown = used - _TEMPLATE_FIELDS
            if unknown:
                raise f.error((*base_loc, "reason"),
                              f"unknown placeholder(s) {', '.join(sorted(unknown))}; use "
                              f"{', '.join(sorted(_TEMPLATE_FIELDS))}")
        nodes = [*_walk(cond), *(_walk(unless) if unless else ())]
        used_lists = sorted({n for nd in nodes if isinstance(nd, Words) for n in nd.lists})
        used_patterns = sorted({nd.pattern.pattern for nd in nodes
                                if isinstance(nd, Regex) and nd.pattern is not None})
        action, queue, hold, tags = _chosen(r, st)
        # ``protect`` and ``action_from`` only count when set, so rules written before them keep
        # their fingerprints; the chosen action counts (a layer that turns on hiding changes it)
        skip = {"changed"} | (set() if r.protect else {"protect"}) \
            | (set() if r.action_from else {"action_from"})
        finger = hashlib.sha256(json.dumps(
            [r.model_dump(mode="json", exclude=skip),
             {n: word_lists[n].terms for n in used_lists}, used_patterns,
             *([action] if r.action_from else [])],
            sort_keys=True, default=str).encode()).hexdigest()[:12]
        err_line = f.error(base_loc, "").line
        compiled[rid] = CompiledRule(
            id=rid, description=r.description, policy=r.policy, label=r.label or r.policy,
            action=action, queue=queue, priority=r.priority, hold=hold, tags=tags,
            reason=r.reason, condition=cond, unless=unless, locked=r.locked, level=f.level,
            source=f"{f.path}:{err_line}", fingerprint=finger, changed_at=_changed_at(r.changed),
            protect=r.protect,
        )
        if r.locked or rid in locks:
            for n in used_lists:
                d = lists.get(n)
                if d is None:
                    continue
                lock_file, lock_index = locks.get(rid, (f, i))
                where = _line(lock_file, ("rules", lock_index))
                for g, gloc in d.replaced_at:
                    if g.rank > lock_file.rank:
                        raise g.error(gloc, f"list {n!r} is read by rule {rid}, locked by the "
                                            f"{lock_file.level} policy ({where}); "
                                            f"the {g.level} policy may extend it (extend: true) but "
                                            "not replace it")

    ordered = _topological(compiled, rules)
    for i, rule in enumerate(ordered):
        rule.order = i
        refs = {nd.rule_id for nd in _walk(rule.condition) if hasattr(nd, "rule_id")}
        if rule.unless:
            refs |= {nd.rule_id for nd in _walk(rule.unless) if hasattr(nd, "rule_id")}
        rule.deferred = (rule.condition.uses_scores or bool(rule.unless and rule.unless.uses_scores)
                         or any(compiled[x].deferred for x in refs))
    try:
        index = TermIndex(word_lists) if word_lists else None
    except BadTerm as exc:
        name = str(exc).split(":", 1)[0].removeprefix("list ")
        d = lists.get(name)
        if d is not None:
            g, gloc = (d.replaced_at[-1] if d.replaced_at else (d.file, d.loc))
            raise g.error(gloc, str(exc)) from exc
        raise FileError(files[-1].path, None, None, str(exc)) from exc

    digest = hashlib.sha256()
    for f in files:
        digest.update(f.text.encode())
    for extra in extra_files:
        digest.update(extra.read_bytes())
    label = "+".join(f"{f.spec.policy}@{f.spec.version}" for f in files)
    return CompiledPolicy(name=files[-1].spec.policy, version=f"{label}#{digest.hexdigest()[:8]}",
                          rules=ordered, index=index, settings=st, lists=word_lists,
                          files=tuple(dict.fromkeys([*(f.path for f in files), *extra_files])))


def _chosen(r: RuleSpec, st: EffectiveSettings) -> tuple[str, str | None, bool, tuple[str, ...]]:
    """(action, queue, hold, tags) of a rule, its action taken from the layers' choice when it
    has ``action_from``: ``publish`` tags only; ``hide`` has no queue."""
    tags = tuple(r.tags)
    choice = st.choice(r.action_from) if r.action_from else None
    if choice is None:
        return r.action, r.queue, r.hold, tags
    if choice == "publish":
        return "tag", None, False, tags
    if choice == "hide":
        return "hide", None, False, tags
    return "escalate", r.queue or "review", r.hold, tags


def _topological(compiled: dict[str, CompiledRule],
                 specs: Mapping[str, tuple[RuleSpec, LoadedFile, int]]) -> list[CompiledRule]:
    """Rules ordered so that a rule comes after those it refers to; a loop is a FileError.
    Depth first, iteratively: a chain of thousands of rules referring to each other is fine."""
    order: list[CompiledRule] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def refs(rule: CompiledRule) -> Iterator[str]:
        nodes = [*_walk(rule.condition), *(_walk(rule.unless) if rule.unless else ())]
        return iter(sorted({nd.rule_id for nd in nodes if hasattr(nd, "rule_id")}))

    for root in compiled:
        if state.get(root) == 2:
            continue
        state[root] = 1
        path = [root]
        stack = [refs(compiled[root])]
        while stack:
            ref = next(stack[-1], None)
            if ref is None:
                stack.pop()
                rid = path.pop()
                state[rid] = 2
                order.append(compiled[rid])
            elif state.get(ref) == 1:
                cycle = " → ".join([*path[path.index(ref):], ref])
                _, f, i = specs[ref]
                raise f.error(("rules", i, "when"), f"rules refer to each other in a loop: {cycle}")
            elif state.get(ref) != 2:
                state[ref] = 1
                path.append(ref)
                stack.append(refs(compiled[ref]))
    return order


# --- policy sets (per account) -----------------------------------------------------------------
@dataclass
class PolicySet:
    """The compiled policy for the organisation, and one per account that has its own layer."""

    base: CompiledPolicy
    accounts: dict[str, CompiledPolicy] = field(default_factory=dict)

    @property
    def version(self) -> str:
        return self.base.version

    @property
    def files(self) -> tuple[Path, ...]:
        out = list(self.base.files)
        for p in self.accounts.values():
            out.extend(p.files)
        return tuple(dict.fromkeys(out))

    @property
    def policies(self) -> list[CompiledPolicy]:
        return [self.base, *self.accounts.values()]

    @property
    def signal_specs(self) -> tuple[SignalSpec, ...]:
        specs = {s.name: s for p in self.policies for s in p.signal_specs}
        return tuple(specs[n] for n in sorted(specs))

    def policy_for(self, account_id: str) -> CompiledPolicy:
        return self.accounts.get(account_id, self.base)

    def evaluate(self, comment: Comment, signals: Mapping[str, float] | None = None,
                 now: float | None = None) -> Evaluation:
        return self.policy_for(comment.account_id).evaluate(comment, signals, now)

    def apply(self, comment: Comment) -> Evaluation:
        """RuleSet-compatible: hits without signals or model scores."""
        return self.evaluate(comment)


def load_policy_set(global_files: Sequence[str | Path] = ("builtin:default",),
                    organisation_files: Sequence[str | Path] = (),
                    account_files: Mapping[str, Sequence[str | Path]] | None = None,
                    base_settings: EffectiveSettings | None = None) -> PolicySet:
    """Load, layer and compile; raise FileError (file, line, field) on the first mistake."""
    loaded = [load_policy_file(resolve_policy_path(p), "global") for p in global_files]
    loaded += [load_policy_file(resolve_policy_path(p), "organisation") for p in organisation_files]
    if not loaded:
        raise FileError("policy", None, "policy.files.global", "no policy file given")
    base = compile_layers(loaded, base_settings)
    accounts = {}
    for account, paths in (account_files or {}).items():
        extra = [load_policy_file(resolve_policy_path(p), "account", account) for p in paths]
        accounts[account] = compile_layers([*loaded, *extra], base_settings)
    return PolicySet(base, accounts)


def load_configured(policy: PolicySettings) -> PolicySet:
    """Load the layers named in settings (``civicmod.contract.settings.PolicySettings``)."""
    files = policy.files
    return load_policy_set(files.global_, files.organisation, files.accounts, EffectiveSettings(
        official_names=tuple(policy.official_names),
        official_author_ids=frozenset(policy.official_author_ids)))
