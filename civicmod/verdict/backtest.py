"""Backtests: run a policy (and optionally a second one) over recorded comments, offline.

Comments come from JSON lines (``civicmod.comment/1`` records, or any object with a ``text``),
CSV files (a text column, optional group and label columns) or any iterable of Comments.
Stateful signals are replayed in input order through an in-memory ``SignalState``, so flooding,
strikes and campaign rules behave as they would have on that stream.
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


def _comment_from(data: dict[str, Any], n: int) -> Comment:
    if "schema" in data or "author" in data:
        return Comment.model_validate(data)
    return Comment(id=f"generic:row{n}", platform="generic",
                   account_id=str(data.get("account_id", "backtest")),
                   author=Author(id=str(data.get("author_id", f"row{n}")),
                                 display_name=data.get("author_name")),
                   text=str(data["text"]))


def read_rows(path: Path, text_column: str | None = None, group_column: str | None = None,
              account: str = "backtest") -> Iterator[Row]:
    """Comments from a .jsonl or .csv file (CSV: ``text_column`` or the first known text column)."""
    if path.suffix.lower() in (".jsonl", ".json", ".ndjson"):
        with path.open(encoding="utf-8") as fh:
            for n, line in enumerate(fh):
                if line.strip():
                    data = json.loads(line)
                    group = str(data.get(group_column)) if group_column and group_column in data else None
                    yield Row(_comment_from(data, n), group)
        return
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        cols = reader.fieldnames or []
        col = text_column or next((c for c in TEXT_COLUMNS if c in cols), None)
        if col is None or col not in cols:
            raise ValueError(f"{path}: no text column (have {', '.join(cols)}); use --text-column")
        if group_column and group_column not in cols:
            raise ValueError(f"{path}: no column {group_column!r}")
        for n, rec in enumerate(reader):
            author = rec.get("author_id") or f"row{n}"
            yield Row(Comment(id=f"generic:row{n}", platform="generic",
                              account_id=rec.get("account_id") or account,
                              author=Author(id=author, display_name=rec.get("author_name") or None),
                              text=rec[col] or ""),
                      rec.get(group_column) if group_column else None)


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
class Summary:
    """Counts of one policy's outcomes, per rule and per group."""

    version: str
    outcomes: Counter[str] = field(default_factory=Counter)
    rules: Counter[str] = field(default_factory=Counter)
    rule_actions: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    groups: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    samples: dict[str, list[Verdict]] = field(default_factory=lambda: defaultdict(list))
    system: Counter[str] = field(default_factory=Counter)

    def add(self, verdict: Verdict, group: str | None, keep: int) -> None:
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


def _judge(policy: PolicySet, thresholds: tuple[dict[str, float], dict[str, float]] | None) -> Judge:
    replay = ReplaySignals()
    hide, esc = thresholds or ({}, {})
    return Judge(policy, None, hide, esc, signals=replay, on_verdict=replay.on_verdict)


def run_backtest(rows: Iterable[Row], policy: PolicySet, compare: PolicySet | None = None,
                 samples: int = 5, keep_changed: int = 1000,
                 progress: Callable[[int], None] | None = None) -> BacktestResult:
    """Judge every row with ``policy`` (and ``compare``); no model (rules only)."""
    main_judge = _judge(policy, None)
    other_judge = _judge(compare, None) if compare is not None else None
    result = BacktestResult(0, Summary(policy.version),
                            Summary(compare.version) if compare is not None else None)
    for row in rows:
        c = row.comment
        (v,) = judge_batch(main_judge, [c])  # one at a time: the signals replay in order
        result.main.add(v, row.group, samples)
        if other_judge is not None and result.other is not None:
            (w,) = judge_batch(other_judge, [c])
            result.other.add(w, row.group, samples)
            if v.outcome != w.outcome:
                result.changes[(v.outcome, w.outcome)] += 1
                if len(result.changed) < keep_changed:
                    result.changed.append((v, w))
        result.total += 1
        if progress is not None:
            progress(1)
    return result

