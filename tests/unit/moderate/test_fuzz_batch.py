"""Property-based fuzzing of the comment parser and the whole batch step (hypothesis).

Random bytes, random JSON trees and valid comments with hostile Unicode (unpaired surrogates,
NUL, bidi controls, 10k combining marks, deep nesting, huge numbers): the parser only ever raises
``MalformedComment``; the batch step never raises, answers every message exactly once (a verdict
that reads back under its own schema, or a dead letter), never publishes a comment whose
scores were garbage, and every record fits the size limit.
"""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from civicmod.contract.records import Comment, DeadLetter, MalformedComment, Verdict, parse_comment
from civicmod.contract.topics import DEADLETTER
from civicmod.verdict.judge import Judge
from rules import builtin_ruleset
from streams.moderate.moderator import Moderator, RawMessage

from fault_classifier import FaultClassifier

MAX_RECORD = 300_000
MAX_COMMENT = 100_000

HOSTILE = st.sampled_from(["\ud800", "\udfff", "\x00", "\u202e", "\u2066", "\u200b", "\ufeff",
                           "\u0301" * 10_000, "\U0001F600", "\x1b[31m", "\r\n", "\\", '"',
                           "FAULT-NAN", "FAULT-NONE", "FAULT-EMPTY", "FAULT-WRONGLABEL",
                           "kill you", "07700 900123", "https://bit.ly/x"])
TEXT = st.lists(st.one_of(st.text(max_size=40), HOSTILE), max_size=6).map("".join)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT,
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(TEXT, kids, max_size=4),
    max_leaves=20)


def _comment_json(text: str, name: str, extra: object) -> bytes:
    record = {"schema": "civicmod.comment/1", "id": "x:1", "platform": "x", "account_id": "acct",
              "author": {"id": "u1", "display_name": name}, "text": text, "extra": extra}
    # ensure_ascii writes unpaired surrogates as \\ud800 escapes, as a hostile producer would
    return json.dumps(record, ensure_ascii=True).encode()


def _deep(n: int) -> bytes:
    return b"[" * n + b"]" * n


RAW = st.one_of(
    st.binary(max_size=300),
    JSON.map(lambda v: json.dumps(v, ensure_ascii=True).encode()),
    st.builds(_comment_json, TEXT, TEXT, JSON),
    st.integers(60, 70_000).map(_deep),
    st.integers(300, 5_000).map(lambda n: b'{"n": ' + b"9" * n + b"}"),
    st.sampled_from([b'{"n": NaN}', b'{"n": -Infinity}', b'{"n": 1e999}', b"\xff\xfe", b""]),
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(RAW)
def test_parser_only_raises_malformed_comment(raw: bytes):
    try:
        c = parse_comment(raw, 20_000, MAX_COMMENT)
    except MalformedComment as exc:
        assert exc.reason and exc.error
        return
    assert parse_comment(c.to_json(), 20_000) == c  # a parsed comment always encodes again


def _moderator() -> Moderator:
    judge = Judge(builtin_ruleset(["City of Example Council"]), FaultClassifier(),
                  hide_thresholds={"threat": 0.9}, escalate_thresholds={"*": 0.7})
    return Moderator(judge, ThreadPoolExecutor(1), max_text_chars=20_000, timeout_s=5.0,
                     max_comment_bytes=MAX_COMMENT, max_record_bytes=MAX_RECORD)


MOD = _moderator()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(RAW, min_size=1, max_size=12))
def test_batch_step_answers_every_message_once(values: list[bytes]):
    batch = [RawMessage(f"k{i}".encode(), v or None, "comments.incoming", 0, i, None)
             for i, v in enumerate(values)]
    outs = asyncio.run(MOD.process(batch))
    assert sorted(o.source.offset for o in outs if o.source) == list(range(len(batch)))
    for o in outs:
        assert len(o.value) <= MAX_RECORD
        if o.topic == DEADLETTER:
            assert DeadLetter.model_validate_json(o.value).reason
            continue
        v = Verdict.model_validate_json(o.value)
        if any(f"FAULT-{f}" in v.comment.text for f in ("NAN", "NONE", "EMPTY", "WRONGLABEL")):
            assert v.outcome != "publish", v.reasons  # garbage scores never publish
        if v.outcome == "publish":
            assert v.scores, "nothing is published unscored by the model"


@settings(max_examples=100, deadline=None)
@given(TEXT, TEXT)
@example("", "\ud800\udfff")  # a pair, written as two escapes: one valid character
@example("\udfff\ud800", "")  # the wrong order: two unpaired surrogates
def test_valid_comments_with_hostile_unicode_are_judged_or_refused_with_a_reason(text, name):
    raw = _comment_json(text, name, None)
    (out,) = asyncio.run(MOD.process([RawMessage(b"k", raw, "comments.incoming", 0, 0, None)]))
    # what a reader decodes: a high + low surrogate written as two escapes is one valid character
    decoded = json.loads(raw)
    decoded_text = decoded["text"] + decoded["author"]["display_name"]
    encodable = all(not 0xD800 <= ord(ch) <= 0xDFFF for ch in decoded_text)
    if out.topic == DEADLETTER:
        reason = DeadLetter.model_validate_json(out.value).reason
        if len(raw) > MAX_COMMENT:
            assert reason == "message_too_large"
        else:
            assert reason == ("invalid_unicode" if not encodable else "text_too_long"), reason
    else:
        assert encodable
        assert Verdict.model_validate_json(out.value).comment == Comment.model_validate_json(
            json.dumps(json.loads(raw)))
