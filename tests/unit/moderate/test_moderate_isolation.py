"""One bad message never stops the others: the batch step without a broker.

Every poison kind measured against the real worker (lone surrogates, 100k-deep JSON, records
over the size limit, garbage scores, a failing verdict) goes through ``Moderator.process`` in
the middle of good comments: each good comment gets a verdict that reads back under its own
schema, each poison a dead letter with its reason or an escalation with a system reason, and
every record fits the topic's size limit.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from civicmod.contract.records import Author, Comment, DeadLetter, Verdict
from civicmod.contract.topics import DEADLETTER, OUTCOME_TOPICS
from civicmod.verdict.judge import Judge
from rules import builtin_ruleset
from streams.moderate.moderator import Moderator, RawMessage
from streams.moderate.progress import Progress

from fault_classifier import FaultClassifier

MAX_RECORD = 1_000_000
MAX_COMMENT = 256 * 1024
RAW_CAP = 64 * 1024


def comment(text: str, i: int, **author: str) -> Comment:
    return Comment(id=f"x:{i}", platform="x", account_id="acct",
                   author=Author(id=f"u{i % 7}", **author), text=text)


def moderator(clf=None, **kw) -> Moderator:
    judge = Judge(builtin_ruleset(["City of Example Council"]), clf,
                  hide_thresholds={"threat": 0.9}, escalate_thresholds={"*": 0.7})
    opts = {"max_comment_bytes": MAX_COMMENT, "max_record_bytes": MAX_RECORD,
            "deadletter_raw_bytes": RAW_CAP} | kw
    return Moderator(judge, ThreadPoolExecutor(1), max_text_chars=10_000, timeout_s=5.0, **opts)


def msgs(*values: bytes | None) -> list[RawMessage]:
    return [RawMessage(f"k{i}".encode(), v, "comments.incoming", 0, i, None)
            for i, v in enumerate(values)]


def raw_comment(i: int, **fields: object) -> bytes:
    base = {"schema": "civicmod.comment/1", "id": f"x:{i}", "platform": "x", "account_id": "acct",
            "author": {"id": f"u{i}"}, "text": "A fine comment about the library"}
    for k, v in fields.items():
        if k.startswith("author_"):
            base["author"][k[7:]] = v  # type: ignore[index]
        else:
            base[k] = v
    return json.dumps(base).encode()


POISON = {
    # value → the dead-letter reason it must get
    "lone surrogate in text": (raw_comment(101).replace(b"A fine", b"\\ud800 fine"), "invalid_unicode"),
    "lone surrogate in display name": (raw_comment(102, author_display_name="PLACEHOLDER")
                                       .replace(b"PLACEHOLDER", b"\\udfff"), "invalid_unicode"),
    "lone surrogate in a key": (b'{"\\ud800": 1}', "invalid_unicode"),
    "100k-deep JSON": (b"[" * 100_000 + b"]" * 100_000, "too_deep"),
    "30k-deep object": (b'{"a":' * 30_000 + b"1" + b"}" * 30_000, "too_deep"),
    "770 KB malformed": (b"{" + b"x" * 770_000, "message_too_large"),
    "1 MB display name": (raw_comment(103, author_display_name="N" * 1_000_000), "message_too_large"),
    "NaN number": (raw_comment(104).replace(b'"account_id"', b'"n": NaN, "account_id"'), "invalid_json"),
    "1e400 number": (raw_comment(105).replace(b'"account_id"', b'"n": 1e400, "account_id"'),
                     "invalid_json"),
    "a 5000-digit integer": (raw_comment(106).replace(b'"account_id"', b'"n": ' + b"9" * 5000
                                                      + b', "account_id"'), "invalid_json"),
    "not UTF-8": (b"\xff\xfe{}", "invalid_utf8"),
    "tombstone": (None, "empty_message"),
}


def check_outputs(outs, max_record: int = MAX_RECORD) -> tuple[list[Verdict], list[DeadLetter]]:
    verdicts, dead = [], []
    for o in outs:
        assert len(o.value) <= max_record, (o.topic, len(o.value))
        if o.topic == DEADLETTER:
            dead.append(DeadLetter.model_validate_json(o.value))
        else:
            v = Verdict.model_validate_json(o.value)  # a verdict always reads back
            assert o.topic == OUTCOME_TOPICS[v.outcome]
            verdicts.append(v)
    return verdicts, dead


@pytest.mark.parametrize("kind", sorted(POISON))
def test_each_poison_is_dead_lettered_and_the_rest_judged(kind: str):
    value, reason = POISON[kind]
    good = [comment("Thanks for fixing the streetlight", i).to_json() for i in range(5)]
    mod = moderator(FaultClassifier())
    outs = asyncio.run(mod.process(msgs(*good[:2], value, *good[2:])))
    verdicts, dead = check_outputs(outs)
    assert sorted(v.comment.id for v in verdicts) == [f"x:{i}" for i in range(5)]
    assert all(v.outcome == "publish" for v in verdicts)
    assert [d.reason for d in dead] == [reason]
    d = dead[0]
    assert (d.source_partition, d.source_offset) == (0, 2) and d.error
    raw = value or b""
    assert d.raw_size == len(raw) and d.raw_sha256 == hashlib.sha256(raw).hexdigest()
    assert base64.b64decode(d.raw_base64) == raw[:RAW_CAP]
    assert d.raw_truncated == (len(raw) > RAW_CAP)
    assert mod.stats.deadletters == {reason: 1}


def test_hostile_but_valid_unicode_is_judged_not_dropped():
    texts = ["nul\x00byte", "bidi \u202egnp.exe\u202c", "e" + "\u0301" * 9_990,
             "emoji \U0001F600 as escapes", "\ufeffbom", "zero\u200bwidth"]
    raws = [comment(t, i).to_json() for i, t in enumerate(texts)]
    raws[3] = raws[3].replace("\U0001F600".encode(), b"\\ud83d\\ude00")  # a valid pair
    outs = asyncio.run(moderator(FaultClassifier()).process(msgs(*raws)))
    verdicts, dead = check_outputs(outs)
    assert not dead and len(verdicts) == len(texts)


@pytest.mark.parametrize("fault", ["NAN", "INF", "EMPTY", "NONE", "WRONGLABEL", "MISSING", "STRING",
                                   "RANGE", "BOOL"])
def test_garbage_scores_escalate_never_publish(fault: str):
    raws = [comment("Nice park", 1).to_json(), comment(f"Nice park FAULT-{fault}", 2).to_json(),
            comment("Nice pool", 3).to_json()]
    mod = moderator(FaultClassifier())
    verdicts, _dead = check_outputs(asyncio.run(mod.process(msgs(*raws))))
    by_id = {v.comment.id: v for v in verdicts}
    bad = by_id["x:2"]
    assert bad.outcome == "escalate" and bad.escalation and bad.escalation.queue == "system"
    assert [r.id for r in bad.reasons] == ["system.invalid_scores"]
    assert bad.scores == {}
    assert by_id["x:1"].outcome == by_id["x:3"].outcome == "publish"  # the others keep theirs
    assert mod.stats.unjudged == {"system.invalid_scores": 1}


@pytest.mark.parametrize("fault", ["RAISE", "SHORT"])
def test_a_failing_or_short_model_batch_escalates_the_whole_batch(fault: str):
    raws = [comment("Nice park", 1).to_json(), comment(f"Nice FAULT-{fault}", 2).to_json()]
    verdicts, _ = check_outputs(asyncio.run(moderator(FaultClassifier()).process(msgs(*raws))))
    assert {v.outcome for v in verdicts} == {"escalate"}
    assert all(v.reasons[-1].id == "system.classifier_failed" for v in verdicts)


def test_a_verdict_that_cannot_be_built_escalates_that_comment_only(monkeypatch):
    mod = moderator(FaultClassifier())
    decide = mod.judge.decide

    def flaky(c, *a, **kw):
        if "boom" in c.text:
            raise ZeroDivisionError("a bug in one rule's reason template")
        return decide(c, *a, **kw)

    monkeypatch.setattr(mod.judge, "decide", flaky)
    raws = [comment("fine", 1).to_json(), comment("boom", 2).to_json()]
    verdicts, _ = check_outputs(asyncio.run(mod.process(msgs(*raws))))
    by_id = {v.comment.id: v for v in verdicts}
    assert by_id["x:1"].outcome == "publish"
    assert by_id["x:2"].outcome == "escalate"
    assert by_id["x:2"].reasons[0].id == "system.verdict_failed"
    assert "ZeroDivisionError" in (by_id["x:2"].reasons[0].detail or "")


def test_rules_raising_anything_escalate_that_comment(monkeypatch):
    mod = moderator(FaultClassifier())
    rules = mod.judge.rules

    def flaky(c, *a):
        if "boom" in c.text:
            raise RecursionError("maximum recursion depth exceeded")
        return rules(c, *a)

    monkeypatch.setattr(mod.judge, "rules", flaky)
    raws = [comment("fine", 1).to_json(), comment("boom", 2).to_json()]
    verdicts, _ = check_outputs(asyncio.run(mod.process(msgs(*raws))))
    by_id = {v.comment.id: v for v in verdicts}
    assert by_id["x:1"].outcome == "publish" and by_id["x:2"].outcome == "escalate"
    assert any(r.id == "system.rule_error" for r in by_id["x:2"].reasons)


def test_a_verdict_over_the_record_limit_becomes_a_small_escalation():
    # many fired spans make a verdict larger than a (tiny) record limit; the comment fits
    text = " ".join(f"call 07700 900{i:03d}" for i in range(300))
    raw = comment(text, 1).to_json()
    limit = len(raw) + 700  # room for an escalation's one reason, not for 300 spans
    mod = moderator(FaultClassifier(), max_record_bytes=limit, max_comment_bytes=len(raw))
    verdicts, dead = check_outputs(asyncio.run(mod.process(msgs(raw))), max_record=limit)
    assert not dead
    (v,) = verdicts
    assert v.outcome == "escalate" and v.reasons[0].id == "system.verdict_failed"
    assert "exceeds kafka.max_record_bytes" in (v.reasons[0].detail or "")


def test_unencodable_text_that_slipped_past_the_parser_is_escalated_or_dead_lettered(monkeypatch):
    """Defence in depth: if a lone surrogate ever reached a verdict, the comment still gets a
    record that encodes (here: a dead letter, as no verdict for it can be encoded)."""
    import streams.moderate.moderator as m

    real = m.parse_comment

    def lenient(raw, *a, **kw):
        c = real(raw, *a, **kw)
        return c.model_copy(update={"text": c.text + "\ud800"}) if b"slip" in raw else c

    monkeypatch.setattr(m, "parse_comment", lenient)
    mod = moderator(FaultClassifier())
    outs = asyncio.run(mod.process(msgs(comment("ok", 1).to_json(), comment("slip", 2).to_json())))
    verdicts, dead = check_outputs(outs)
    assert [v.comment.id for v in verdicts] == ["x:1"]
    assert [d.reason for d in dead] == ["verdict_failed"]
    assert "not serialisable" in dead[0].error and len(outs) == 2


class _Progress(Progress):
    """A Progress without a reader (no broker)."""

    def __init__(self) -> None:
        self.me, self.slots, self.recalls, self.foreign, self.pending = "me", 16, {}, {}, []
        self.own, self.chunks = {}, {}


def test_a_redelivered_comment_keeps_its_first_outcome_and_signal_values():
    progress = _Progress()
    mod = moderator(FaultClassifier(), progress=progress)
    first = asyncio.run(mod.process(msgs(comment("Nice park", 1).to_json())))
    (v1,), _ = check_outputs(first)
    assert v1.outcome == "publish" and len(progress.pending) == 1
    # meanwhile the policy changed its mind about this text: judging again would escalate
    progress.pending.clear()
    entry = progress.recall(0, 0, v1.comment.digest())
    assert entry is not None and entry.outcome == "publish"
    mod.judge.escalate_thresholds = {"*": 0.0}
    (v2,), _ = check_outputs(asyncio.run(mod.process(msgs(comment("Nice park", 1).to_json()))))
    assert v2.outcome == "publish"
    assert v2.reasons[-1].id == "system.redelivered" and "gave 'escalate'" in v2.reasons[-1].detail
    assert mod.stats.recalled == 1 and mod.stats.recalled_differed == 1
    assert progress.pending == []  # the first entry stands
    # an edit (other text at the same position is impossible in Kafka; a new digest) is judged afresh
    (v3,), _ = check_outputs(asyncio.run(mod.process(msgs(comment("Nice park!", 1).to_json()))))
    assert v3.outcome == "escalate"
