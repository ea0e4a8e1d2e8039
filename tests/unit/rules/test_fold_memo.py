"""``fold_state`` remembers the last text it folded: a comment's text is folded for its signals
and again for its rules, the same ``str`` object both times."""

from __future__ import annotations

import pytest

from rules import folding, native
from rules.folding import fold, fold_state
from rules.signals import text_key


def test_the_same_text_object_is_folded_once(monkeypatch) -> None:
    if native.active():
        pytest.skip("counts a call inside rules.folding, which compiled code makes directly; "
                    "the plain-module pass (CIVICMOD_PURE_PYTHON=1) runs it")
    calls = []
    real = folding._fold_state
    monkeypatch.setattr(folding, "_fold_state", lambda t: calls.append(t) or real(t))
    text = "".join(["Fr", "ee m0ney at  ", "EXAMPLE dot com"])  # built, not interned
    key = text_key(text)
    assert fold_state(text) == real(text)
    assert len(calls) == 1 and key == text_key(text)


def test_another_text_is_never_answered_from_the_memo() -> None:
    a, b = "".join(["Spam", " spam"]), "".join(["Ham", " ham"])
    assert (fold(a), fold(b), fold(a)) == ("spam spam", "ham ham", "spam spam")
    equal = "".join(["Spam", " spam"])  # equal to a, another object: folded again, same answer
    assert equal is not a and fold_state(equal) == fold_state(a)
