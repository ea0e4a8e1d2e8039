"""The demo feed: every comment gets its expected outcome through the worker's judge, questions
and problem reports are tagged, and the agency's replies answer them (one account never does)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest

from civicmod.contract.records import NEEDS_REPLY_TAGS, Comment, parse_comment
from civicmod.contract.settings import Settings
from civicmod.dev.demo import (
    ACCOUNT,
    DEMO_COMMENTS,
    DEMO_ENGAGEMENT,
    SILENT_ACCOUNT,
    agency_reply_messages,
    demo_agency_replies,
    demo_messages,
)
from civicmod.verdict.batch import judge_batch
from civicmod.verdict.configured import build_judge
from classifiers import load_classifier

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def verdicts(tmp_path_factory: pytest.TempPathFactory):
    """The demo comments judged as ``civicmod run`` judges them: default settings and policy,
    the fallback model (no detoxify weights here), the engagement classifier."""
    mp = pytest.MonkeyPatch()
    mp.setenv("TORCH_HOME", str(tmp_path_factory.mktemp("torch")))
    try:
        judge = build_judge(Settings(), load_classifier("auto"))
    finally:
        mp.undo()
    items = [(parse_comment(v, 10_000), e) for _, v, e in demo_messages(run="t", now=NOW)
             if not e.startswith("deadletter")]
    out = judge_batch(judge, [c for c, _ in items])
    return {v.comment.id: (v, expected) for v, (_, expected) in zip(out, items, strict=True)}


def test_every_demo_comment_gets_its_expected_outcome(verdicts):
    wrong = {v.comment.text: (v.outcome, expected, [r.id for r in v.reasons])
             for v, expected in verdicts.values() if v.outcome != expected}
    assert not wrong
    assert len(verdicts) == len(DEMO_COMMENTS)
    assert Counter(e for _, e in verdicts.values()) == Counter(e for *_, e in DEMO_COMMENTS)


def test_questions_and_reports_are_tagged_and_go_to_their_accounts(verdicts):
    tagged = {v.comment.text: (set(v.tags) & NEEDS_REPLY_TAGS, v.comment.account_id)
              for v, _ in verdicts.values()}
    for e in DEMO_ENGAGEMENT:
        tags, account = tagged[e.text]
        assert tags and account == e.account, (e.text, tags, account)
    # the base feed's questions and reports are tagged too; thanks and abuse are not
    assert tagged["Is the recycling centre open on bank holiday Monday?"][0] == {
        "engagement.question"}
    assert not tagged["Thank you to the gritting crews out at 4am this morning."][0]
    assert not tagged["You useless fucking idiots, fuck you all"][0]
    assert sum(bool(t) for t, _ in tagged.values()) >= len(DEMO_ENGAGEMENT) + 3


def test_agency_replies_answer_tagged_questions_later_and_one_account_never_replies(verdicts):
    replies = demo_agency_replies(run="t", now=NOW)
    assert len(replies) == sum(e.reply is not None for e in DEMO_ENGAGEMENT) == 4
    for reply in replies:
        asked, _ = verdicts[reply.parent_id]
        assert set(asked.tags) & NEEDS_REPLY_TAGS
        assert reply.account_id == asked.comment.account_id == ACCOUNT
        assert reply.thread_id == asked.comment.thread_id and reply.platform == asked.comment.platform
        assert reply.created_at is not None and asked.comment.created_at is not None
        assert asked.comment.created_at < reply.created_at <= NOW  # posted later, not in the future
        assert reply.id not in verdicts  # never moderated
    delays = sorted((r.created_at - verdicts[r.parent_id][0].comment.created_at).total_seconds()
                    for r in replies if r.created_at)
    assert delays == [600, 1500, 7200, 72000]  # 10 min, 25 min, 2 h, 20 h
    # the leisure trust is asked three things, days ago, and never answers
    silent = [v for v, _ in verdicts.values() if v.comment.account_id == SILENT_ACCOUNT]
    assert len(silent) == 3 and all(set(v.tags) & NEEDS_REPLY_TAGS for v in silent)
    assert not any(r.account_id == SILENT_ACCOUNT for r in replies)
    assert all((NOW - v.comment.created_at).days >= 2 for v in silent if v.comment.created_at)


def test_reply_messages_are_comment_records_and_cycle_with_the_feed():
    n = 3 * len(DEMO_COMMENTS)
    ids = {k for k, _, _ in demo_messages(n, 0, run="c", now=NOW)}
    messages = agency_reply_messages(n, run="c", now=NOW)
    assert len(messages) == 3 * 4 and len({k for k, _ in messages}) == len(messages)
    for key, value in messages:
        reply = Comment.model_validate_json(value)
        assert reply.id.encode() == key and reply.parent_id is not None
        assert reply.parent_id.encode() in ids


def test_the_feed_is_the_same_for_the_same_run_and_start():
    assert demo_messages(run="s", now=NOW) == demo_messages(run="s", now=NOW)
    assert agency_reply_messages(run="s", now=NOW) == agency_reply_messages(run="s", now=NOW)
