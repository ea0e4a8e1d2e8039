"""Shared by test_judge.py and test_moderator.py."""

from __future__ import annotations

import time
from collections.abc import Sequence

from civicmod.contract.records import Author, Comment
from civicmod.verdict.judge import Judge
from rules import builtin_ruleset


class FixedScores:
    name, version = "fixed", "1"

    def __init__(self, scores: dict[str, float], delay_s: float = 0.0, fail: bool = False,
                 short: bool = False) -> None:
        self.scores, self.delay_s, self.fail, self.short = scores, delay_s, fail, short
        self.labels = tuple(scores)  # the labels it returns are the ones it declares

    def predict(self, texts: Sequence[str]) -> list[dict[str, float]]:
        time.sleep(self.delay_s)
        if self.fail:
            raise MemoryError("out of memory")
        return [dict(self.scores) for _ in texts[: len(texts) - 1 if self.short else None]]


def judge(clf=None) -> Judge:
    return Judge(builtin_ruleset(["City of Example Council"]), clf,
                 hide_thresholds={"threat": 0.9}, escalate_thresholds={"*": 0.7})


def comment(text: str, i: int = 1, name: str = "Resident") -> Comment:
    return Comment(id=f"x:{i}", platform="x", account_id="acct",
                   author=Author(id="u", display_name=name), text=text)
