"""Property-based fuzz of every webhook normalizer and the YouTube page parser (hypothesis).

Inputs: random JSON trees; realistic payloads with random subtrees replaced by hostile values
(lone surrogates, NUL, bidi controls, 10k combining marks, huge and non-finite numbers, deep
nesting, wrong types). Property: the function returns a Batch whose every event can be written
(``comment.to_json()`` encodes and reads back with the worker's parser; dead letters carry ASCII
raw bytes) or raises BadPayload / UnknownAccount; never anything else.
"""

from __future__ import annotations

from typing import Any

import hypothesis.strategies as st
from hypothesis import HealthCheck, given, settings
from test_gateway_hostile import PLATFORMS, leaves, outcome, replaced

SETTINGS = settings(max_examples=600, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much])

#: Strings as hostile as Unicode allows: lone surrogates (often), NUL, bidi controls, marks.
any_text = st.text(st.one_of(st.characters(exclude_categories=()), st.characters(categories=["Cs"]),
                             st.sampled_from("\x00\u202e\u2067\u0301\ufffe")), max_size=40)
hostile_text = st.one_of(
    any_text,
    st.sampled_from(["\ud800", "\udfff", "a\udc80b", "\x00", "\u202e\u2066evil\u2069", "\ufeff",
                     "e" + "\u0301" * 10_000, "\U0010ffff", "x" * 5000, "", " ", "null", "1e999",
                     "2026-11-21T11:58:02Z", "Sat Nov 21 11:58:02 +0000 2026", "1795262282000",
                     "-1", "NaN"]))
numbers = st.one_of(
    st.integers(),
    st.integers(min_value=-(10**5000), max_value=10**5000),
    st.sampled_from([10**19, 2**63, -(2**63) - 1, 10**400, 1795262282, 1795262282000, 0, -1]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([1e20, 1e300, float("inf"), float("-inf"), float("nan"), -0.0, 5e-324]))
scalars = st.one_of(st.none(), st.booleans(), numbers, hostile_text)


def deep(depth: int, leaf: Any = 0) -> Any:
    value = leaf
    for i in range(depth):
        value = [value] if i % 2 else {"a": value}
    return value


deep_values = st.builds(deep, st.integers(min_value=10, max_value=400), scalars)
json_trees = st.recursive(
    scalars,
    lambda children: st.one_of(st.lists(children, max_size=5),
                               st.dictionaries(hostile_text, children, max_size=5)),
    max_leaves=25)
values = st.one_of(scalars, json_trees, deep_values)


@st.composite
def mutated(draw: st.DrawFn, payload: dict) -> Any:
    """``payload`` with 1-4 changes: a string leaf replaced by hostile text (half the time, so
    that hostile text reaches the fields that become comments), any leaf by any value, or a
    container by a random tree."""
    paths = [path for path, _ in leaves(payload)]
    strings = [path for path, value in leaves(payload) if isinstance(value, str)]
    out = payload
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        mode = draw(st.sampled_from(["text", "text", "leaf", "subtree"]))
        path = draw(st.sampled_from(strings if mode == "text" else paths))
        if mode == "subtree":
            path = path[:draw(st.integers(min_value=1, max_value=len(path)))]
        try:
            out = replaced(out, path, draw(hostile_text if mode == "text" else values))
        except (KeyError, IndexError, TypeError):  # an earlier change removed the path
            continue
    return out


def payloads(platform: str) -> st.SearchStrategy[Any]:
    sample = PLATFORMS[platform][0]
    return st.one_of(mutated(sample), mutated(sample), mutated(sample), json_trees, deep_values,
                     st.dictionaries(hostile_text, values, max_size=6))


def check(platform: str, payload: Any) -> None:
    outcome(PLATFORMS[platform][1], payload)


@SETTINGS
@given(payloads("facebook"))
def test_normalize_facebook_never_fails_unexpectedly(payload: Any) -> None:
    check("facebook", payload)


@SETTINGS
@given(payloads("instagram"))
def test_normalize_instagram_never_fails_unexpectedly(payload: Any) -> None:
    check("instagram", payload)


@SETTINGS
@given(payloads("x"))
def test_normalize_x_never_fails_unexpectedly(payload: Any) -> None:
    check("x", payload)


@SETTINGS
@given(payloads("generic"))
def test_normalize_generic_never_fails_unexpectedly(payload: Any) -> None:
    check("generic", payload)


@SETTINGS
@given(payloads("youtube"))
def test_youtube_page_parser_never_fails_unexpectedly(payload: Any) -> None:
    check("youtube", payload)
