"""Backtests: run a policy (and optionally a second one) over recorded comments, offline.

Comments come from JSON lines (``civicmod.comment/1`` records, or any object with a ``text``),
CSV files (a text column, optional group and label columns) or any iterable of Comments.
Stateful signals are replayed in input order through an in-memory ``SignalState``, so flooding,
strikes and campaign rules behave as they would have on that stream.

Rules only by default (``civicmod rules backtest``); with ``make_judge`` building the worker's
Judge (``civicmod.verdict.configured.build_judge``: policy layers, classifier, thresholds,
guardrail) and the worker's batch size, the full decision runs exactly as the worker would
(``civicmod backtest``). With labels, :class:`Tally` counts outcomes of harmful and clean rows.
"""

from __future__ import annotations

import csv
import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from civicmod.contract.records import Author, Comment, Verdict
from civicmod.verdict.batch import judge_batch
from civicmod.verdict.judge import Judge
from rules.compiler import PolicySet
from rules.signals import SignalSpec, SignalState, comment_event, hidden_event

TEXT_COLUMNS = ("text", "comment", "tweet", "test_case", "message", "body")


@dataclass(frozen=True)
class Row:
    comment: Comment
    group: str | None = None
    #: True: harmful, False: clean, None: unlabelled.
    label: bool | None = None


def is_positive(value: object, positive: Iterable[str]) -> bool:
    """A label value is positive when, stripped and lower-cased, it is one of ``positive``."""
    return str(value).strip().lower() in {p.strip().lower() for p in positive}


def _comment_from(data: dict[str, Any], n: int) -> Comment:
    if "schema" in data or "author" in data:
        return Comment.model_validate(data)
    return Comment(id=f"generic:row{n}", platform="generic",
                   account_id=str(data.get("account_id", "backtest")),
                   author=Author(id=str(data.get("author_id", f"row{n}")),
                                 display_name=data.get("author_name")),
                   text=str(data["text"]))


def read_rows(path: Path, text_column: str | None = None, group_column: str | None = None,
              account: str = "backtest", label_column: str | None = None,
              positive: Iterable[str] = ()) -> Iterator[Row]:
    """Comments from a .jsonl or .csv file (CSV: ``text_column`` or the first known text column);
    ``label_column``: each row's label, harmful when its value is one of ``positive``."""
    positive = tuple(positive)
    if path.suffix.lower() in (".jsonl", ".json", ".ndjson"):
        with path.open(encoding="utf-8") as fh:
            for n, line in enumerate(fh):
                if line.strip():
                    data = json.loads(line)
                    group = str(data.get(group_column)) if group_column and group_column in data else None
                    if label_column and label_column not in data:
                        raise ValueError(f"{path}: line {n + 1} has no field {label_column!r}")
                    label = is_positive(data[label_column], positive) if label_column else None
                    yield Row(_comment_from(data, n), group, label)
        return
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        cols = reader.fieldnames or []
        col = text_column or next((c for c in TEXT_COLUMNS if c in cols), None)
        if col is None or col not in cols:
            raise ValueError(f"{path}: no text column (have {', '.join(cols)}); use --text-column")
        for wanted in (group_column, label_column):
            if wanted and wanted not in cols:
                raise ValueError(f"{path}: no column {wanted!r} (have {', '.join(cols)})")
        for n, rec in enumerate(reader):
            author = rec.get("author_id") or f"row{n}"
            yield Row(Comment(id=f"generic:row{n}", platform="generic",
                              account_id=rec.get("account_id") or account,
                              author=Author(id=author, display_name=rec.get("author_name") or None),
                              text=rec[col] or ""),
                      rec.get(group_column) if group_column else None,
                      is_positive(rec[label_column], positive) if label_column else None)


class ReplaySignals:
    """Signals computed by replaying the comments in order (a stand-in for the stream's tables)."""

    def __init__(self, start: float = 1_700_000_000.0, step_s: float = 1.0) -> None:
        self.state = SignalState()
        self.clock = start
        self.step_s = step_s
        self._needs_text = False

    def now_for(self, comment: Comment) -> float:
        if comment.created_at is not None:
            return comment.created_at.timestamp()
        self.clock += self.step_s
        return self.clock

    def __call__(self, comment: Comment, specs: Iterable[SignalSpec]) -> dict[str, float]:
        specs = list(specs)
        now = self.now_for(comment)
        self._needs_text = any(s.needs_text for s in specs)
        values = self.state.values(specs, comment, now)
        self.state.apply(comment_event(comment, now, self._needs_text))
        self._last = now
        return values

    def on_verdict(self, verdict: Verdict) -> None:
        if verdict.outcome == "hide":
            self.state.apply(hidden_event(verdict.comment, getattr(self, "_last", self.clock)))


@dataclass
class Tally:
    """Outcomes of labelled rows: what happened to the harmful ones and to the clean ones."""

    harmful: Counter[str] = field(default_factory=Counter)
    clean: Counter[str] = field(default_factory=Counter)
    #: Clean rows kept from publication, by the reason that decided (moderator load, false hides).
    clean_reasons: Counter[str] = field(default_factory=Counter)
    #: Published although the configured model gave no scores (e.g. a language it does not cover).
    unscored_published: int = 0

    def add(self, verdict: Verdict, label: bool, unscored: bool) -> None:
        (self.harmful if label else self.clean)[verdict.outcome] += 1
        if not label and verdict.outcome != "publish":
            self.clean_reasons[deciding_reason(verdict)] += 1
        self.unscored_published += unscored

    @property
    def n_harmful(self) -> int:
        return sum(self.harmful.values())

    @property
    def n_clean(self) -> int:
        return sum(self.clean.values())

    def share(self, which: str, outcome: str) -> float:
        counts = self.harmful if which == "harmful" else self.clean
        n = sum(counts.values())
        return counts[outcome] / n if n else float("nan")

    @property
    def precision(self) -> float:
        """Of the rows not published, the share that was harmful."""
        caught = self.n_harmful - self.harmful["publish"]
        stopped = caught + self.n_clean - self.clean["publish"]
        return caught / stopped if stopped else float("nan")

    @property
    def recall(self) -> float:
        """Of the harmful rows, the share not published."""
        n = self.n_harmful
        return (n - self.harmful["publish"]) / n if n else float("nan")

    @property
    def load_per_1000_clean(self) -> float:
        """Escalations per 1,000 clean comments: the moderator load false alarms make."""
        n = self.n_clean
        return self.clean["escalate"] * 1000 / n if n else float("nan")

    def as_dict(self) -> dict[str, Any]:
        def share(which: str) -> dict[str, float]:
            return {o: _r(self.share(which, o)) for o in ("hide", "escalate", "publish")}

        return {"harmful": self.n_harmful, "clean": self.n_clean, "harmful_shares": share("harmful"),
                "clean_shares": share("clean"), "precision_not_published": _r(self.precision),
                "recall_not_published": _r(self.recall),
                "escalations_per_1000_clean": _r(self.load_per_1000_clean, 1),
                "unscored_published": self.unscored_published,
                "clean_kept_by": dict(self.clean_reasons.most_common())}


def _r(x: float, digits: int = 4) -> float | None:
    return None if x != x else round(x, digits)


def deciding_reason(verdict: Verdict) -> str:
    """The id of the first reason whose action is the verdict's outcome (the one that decided)."""
    return next((r.id for r in verdict.reasons if r.action == verdict.outcome), "-")


@dataclass
class Summary:
    """Counts of one policy's outcomes, per rule and per group."""

    version: str
    outcomes: Counter[str] = field(default_factory=Counter)
    rules: Counter[str] = field(default_factory=Counter)
    rule_actions: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    groups: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    samples: dict[str, list[Verdict]] = field(default_factory=lambda: defaultdict(list))
    system: Counter[str] = field(default_factory=Counter)
    #: Labelled rows: "all", and each group.
    labelled: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    #: Published although the configured model gave no scores.
    unscored_published: int = 0
    #: Clean rows kept from publication: a few per deciding reason.
    clean_samples: dict[str, list[Verdict]] = field(default_factory=lambda: defaultdict(list))

    def add(self, verdict: Verdict, group: str | None, keep: int, label: bool | None = None,
            model: bool = False) -> None:
        """``model``: a classifier was configured (a publish without its scores is counted)."""
        unscored = model and verdict.outcome == "publish" and not verdict.scores
        self.unscored_published += unscored
        if label is not None:
            for key in ("all", group) if group is not None else ("all",):
                self.labelled[key].add(verdict, label, unscored)
            if not label and verdict.outcome != "publish":
                shown = self.clean_samples[deciding_reason(verdict)]
                if len(shown) < keep:
                    shown.append(verdict)
        self.outcomes[verdict.outcome] += 1
        for r in verdict.reasons:
            if r.source == "rule":
                self.rules[r.id] += 1
                self.rule_actions[r.id][r.action or "tag"] += 1
            elif r.source == "system":
                self.system[r.id] += 1
        if group is not None:
            self.groups[group][verdict.outcome] += 1
        if len(self.samples[verdict.outcome]) < keep:
            self.samples[verdict.outcome].append(verdict)


@dataclass
class BacktestResult:
    total: int
    main: Summary
    other: Summary | None = None
    changes: Counter[tuple[str, str]] = field(default_factory=Counter)
    changed: list[tuple[Verdict, Verdict]] = field(default_factory=list)


def rules_only(policy: PolicySet) -> Judge:
    """A Judge with the policy's rules and no model (``civicmod rules backtest``)."""
    return Judge(policy, None, {}, {})


def replaying(judge: Judge) -> Judge:
    """``judge`` reading its stateful signals from a replay of the rows, in order."""
    replay = ReplaySignals()
    judge.signals = replay
    judge.on_verdict = replay.on_verdict
    return judge


def run_backtest(rows: Iterable[Row], policy: PolicySet, compare: PolicySet | None = None,
                 samples: int = 5, keep_changed: int = 1000,
                 progress: Callable[[int], None] | None = None,
                 make_judge: Callable[[PolicySet], Judge] = rules_only,
                 batch_size: int = 1,
                 each: Callable[[Row, Verdict], None] | None = None) -> BacktestResult:
    """Judge every row with ``policy`` (and ``compare``) through the worker's batch path, in
    batches of ``batch_size`` (the worker's, for the same signal timing); ``make_judge`` builds
    each Judge (default: rules only); ``each`` sees every row's verdict (``policy``'s)."""
    main_judge = replaying(make_judge(policy))
    other_judge = replaying(make_judge(compare)) if compare is not None else None
    model = main_judge.classifier is not None
    result = BacktestResult(0, Summary(policy.version),
                            Summary(compare.version) if compare is not None else None)
    for chunk in _chunks(rows, max(1, batch_size)):
        comments = [r.comment for r in chunk]
        verdicts = judge_batch(main_judge, comments)
        others = judge_batch(other_judge, comments) if other_judge is not None else None
        for i, (row, v) in enumerate(zip(chunk, verdicts, strict=True)):
            result.main.add(v, row.group, samples, row.label, model)
            if each is not None:
                each(row, v)
            if others is not None and result.other is not None:
                w = others[i]
                result.other.add(w, row.group, samples, row.label, model)
                if v.outcome != w.outcome:
                    result.changes[(v.outcome, w.outcome)] += 1
                    if len(result.changed) < keep_changed:
                        result.changed.append((v, w))
            result.total += 1
        if progress is not None:
            progress(len(chunk))
    return result


def _chunks(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    chunk: list[Row] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
