"""Backtests replay the stream's signals through the same batch path as the worker: a strike
(a hidden comment) counts for the author's next comments."""

from __future__ import annotations

from civicmod.contract.records import Author, Comment
from civicmod.verdict.backtest import Row, run_backtest
from rules.compiler import load_policy_set


def _row(i: int, text: str, author: str = "a1") -> Row:
    return Row(Comment(id=f"generic:{i}", platform="generic", account_id="web:1",
                       author=Author(id=author), text=text))


def test_strikes_from_hidden_comments_reach_later_comments_of_the_author():
    rows = [_row(i, f"call me on 07700 900{i:03d}") for i in range(3)]  # three hides: strikes
    rows += [_row(3, "when are the bins collected?"), _row(4, "when are the bins collected?", "a2")]
    result = run_backtest(rows, load_policy_set(["builtin:default"]), samples=10)
    assert result.main.outcomes["hide"] == 3
    assert result.main.rules["abuse.repeat_offender"] == 1  # a1's fourth comment, not a2's
    escalated = result.main.samples["escalate"]
    assert [v.comment.author.id for v in escalated] == ["a1"]
