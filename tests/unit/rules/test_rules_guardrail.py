"""New hide rules that hide too much are downgraded to escalate, with an alert."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from civicmod.verdict.batch import judge_batch
from civicmod.verdict.judge import Judge
from rules.base import RuleHit
from rules.guardrail import HideGuardrail

from policy_helpers import comment, policy

BINS = """
policy: t
version: 1
rules:
  - id: hide.bins
    description: a new rule that is far too broad
    policy: test.broad
    when: {terms: [bins]}
    action: hide
"""


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def _rule(fp: str, changed_at: float | None = None):
    return SimpleNamespace(id=f"rule-{fp}", fingerprint=fp, action="hide", changed_at=changed_at)


def _hit(fp: str) -> RuleHit:
    return RuleHit(f"rule-{fp}", "x", "hide", fingerprint=fp, detail="why")


def test_recent_rule_over_its_share_is_downgraded_once_enough_comments_were_seen():
    clock = Clock()
    g = HideGuardrail(max_share=0.1, window=50, min_comments=20, clock=clock)
    g.register([_rule("new")])
    outs = []
    for i in range(40):
        hits = [_hit("new")] if i % 4 == 0 else []  # 25% of traffic
        outs.append(g.review(hits, "v1"))
    assert outs[0][0].action == "hide", "too few comments seen yet"
    downgraded = [h for out in outs[20:] for h in out]
    assert downgraded and all(h.action == "escalate" and h.queue == "guardrail" for h in downgraded)
    assert "guardrail" in (downgraded[0].detail or "")
    (alert,) = g.drain_alerts()  # one alert, not one per comment
    assert alert["rule"] == "rule-new" and alert["share"] > 0.1 and alert["policy_version"] == "v1"


def test_the_share_counts_only_the_last_window_of_comments():
    clock = Clock()
    g = HideGuardrail(max_share=0.1, window=20, min_comments=5, clock=clock)
    g.register([_rule("new")])
    burst = [g.review([_hit("new")]) for _ in range(20)]  # every comment: over its share
    assert burst[-1][0].action == "escalate"
    for _ in range(40):  # quiet traffic pushes the burst out of the window
        assert g.review([]) == []
    (out,) = g.review([_hit("new")])
    assert out.action == "hide", "1 of the last 20 comments: under its share again"
    assert g.share("new") == 1 / 20


def test_established_rules_and_rules_under_their_share_are_left_alone():
    clock = Clock()
    g = HideGuardrail(max_share=0.1, window=50, min_comments=10, clock=clock)
    g.register([_rule("old")], baseline=True)  # the policy the worker started with
    g.register([_rule("rare")])
    for i in range(40):
        out = g.review([_hit("old")] + ([_hit("rare")] if i % 20 == 0 else []))
        assert all(h.action == "hide" for h in out)
    assert g.drain_alerts() == []


def test_a_rule_stops_being_new_after_the_recent_window():
    clock = Clock()
    g = HideGuardrail(max_share=0.1, window=20, min_comments=5, recent_s=3600, clock=clock)
    g.register([_rule("new")])
    assert g.review([_hit("new")] * 1)[0].action == "hide"  # 1 comment < min_comments
    for _ in range(10):
        g.review([_hit("new")])
    assert g.review([_hit("new")])[0].action == "escalate"
    clock.now += 3601
    assert g.review([_hit("new")])[0].action == "hide"


def test_changed_date_and_recorded_first_seen():
    clock = Clock()
    g = HideGuardrail(max_share=0.1, window=20, min_comments=5, clock=clock)
    g.register([_rule("dated", changed_at=clock.now - 60)], baseline=True)  # changed: a minute ago
    for _ in range(6):
        out = g.review([_hit("dated")])
    assert out[0].action == "escalate"
    g2 = HideGuardrail(max_share=0.1, window=20, min_comments=5, clock=clock)
    g2.register([_rule("edited")], baseline=True)
    g2.remember("edited", clock.now - 120)  # the cluster saw this content 2 minutes ago
    for _ in range(6):
        out = g2.review([_hit("edited")])
    assert out[0].action == "escalate"


def test_judge_applies_the_guardrail_to_a_reloaded_rule(tmp_path: Path):
    ps = policy(tmp_path, BINS)
    g = HideGuardrail(max_share=0.05, window=100, min_comments=10)
    g.register(ps.base.rules)  # as after a hot reload: new from now
    judge = Judge(ps, None, guardrail=g)
    verdicts = judge_batch(judge, [comment(f"bins {i}" if i % 2 else f"hello {i}", cid=str(i))
                            for i in range(30)])
    assert verdicts[1].outcome == "hide"
    assert verdicts[29].outcome == "escalate"
    assert verdicts[29].escalation is not None and verdicts[29].escalation.queue == "guardrail"
    assert [a["rule"] for a in g.drain_alerts()] == ["hide.bins"]
