"""The worker's per-batch moderation step, without a broker: what the model could not judge is
escalated; bad input is dead-lettered with its source and raw bytes."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from civicmod.contract.topics import DEADLETTER, OUTCOME_TOPICS
from streams.moderate.moderator import Moderator, RawMessage

from judge_fixtures import FixedScores, comment, judge


def _moderator(clf, timeout_s: float = 5.0) -> Moderator:
    return Moderator(judge(clf), ThreadPoolExecutor(1), max_text_chars=100, timeout_s=timeout_s)


def _msgs(*values: bytes) -> list[RawMessage]:
    return [RawMessage(f"k{i}".encode(), v, "comments.incoming", 0, i, time.time())
            for i, v in enumerate(values)]


@pytest.mark.parametrize("clf", [FixedScores({}, delay_s=0.5), FixedScores({}, fail=True),
                                 FixedScores({"toxicity": 0.0}, short=True)],
                         ids=["timeout", "exception", "wrong-length"])
def test_moderator_escalates_every_comment_the_model_could_not_judge(clf):
    msgs = _msgs(comment("a", 1).to_json(), comment("b", 2).to_json())
    mod = _moderator(clf, timeout_s=0.1)
    assert not mod.stats.failing()
    outs = asyncio.run(mod.process(msgs))
    assert [o.topic for o in outs] == [OUTCOME_TOPICS["escalate"]] * 2
    assert mod.stats.failing() and mod.stats.classifier_failures == 1  # /health: degraded
    for o in outs:
        reasons = json.loads(o.value)["reasons"]
        assert reasons[0]["id"] == "system.classifier_failed"


def test_moderator_dead_letters_bad_input_with_source_and_raw_bytes():
    mod = _moderator(FixedScores({"toxicity": 0.0}))
    msgs = _msgs(b"{oops", comment("fine", 3).to_json(), comment("y" * 101, 4).to_json())
    msgs.append(RawMessage(b"tomb", None, "comments.incoming", 2, 99, None))
    outs = asyncio.run(mod.process(msgs))
    dead = [json.loads(o.value) for o in outs if o.topic == DEADLETTER]
    assert [d["reason"] for d in dead] == ["invalid_json", "text_too_long", "empty_message"]
    assert base64.b64decode(dead[0]["raw_base64"]) == b"{oops"
    assert (dead[0]["source_partition"], dead[0]["source_offset"]) == (0, 0)
    assert dead[2]["source_offset"] == 99
    assert [o.topic for o in outs if o.topic != DEADLETTER] == [OUTCOME_TOPICS["publish"]]
    assert mod.stats.deadletters == {"invalid_json": 1, "text_too_long": 1, "empty_message": 1}
    assert mod.stats.outcomes == {"publish": 1}


def test_a_large_batch_lets_the_event_loop_run_between_chunks_of_rules_with_the_same_verdicts():
    """The producer sends the batch's marks while its rules run: the loop gets a turn after every
    ``RULES_CHUNK`` comments. Which comments need the model is kept across the chunks: each gets
    its own scores (a comment a rule hides is not scored)."""
    from civicmod.verdict.batch import judge_batch
    from streams.moderate.moderator import RULES_CHUNK

    texts = [("you are an idiot and I will find you" if i % 7 == 3 else f"nice park {i}")
             for i in range(2 * RULES_CHUNK + 5)]
    comments = [comment(t, i) for i, t in enumerate(texts)]
    mod = _moderator(FixedScores({"toxicity": 0.2}))
    mod.judge.rules = _counting(mod.judge.rules, judged := [])  # type: ignore[method-assign]
    turns: list[int] = []

    async def scenario():
        loop = asyncio.get_running_loop()
        loop.call_soon(lambda: turns.append(len(judged)))
        return await mod.process(_msgs(*(c.to_json() for c in comments)))

    outs = asyncio.run(scenario())
    assert turns == [RULES_CHUNK], "the loop ran after the first chunk, not after every rule"
    expected = judge_batch(_moderator(FixedScores({"toxicity": 0.2})).judge, comments)
    got = [json.loads(o.value) for o in outs]
    assert [v["outcome"] for v in got] == [v.outcome for v in expected]
    assert [v.get("scores", {}) for v in got] == [v.scores for v in expected]
    assert any(v.scores for v in expected) and any(not v.scores for v in expected)


def _counting(rules, judged: list):
    def counted(c, signals=None):
        judged.append(c.id)
        return rules(c, signals)
    return counted
