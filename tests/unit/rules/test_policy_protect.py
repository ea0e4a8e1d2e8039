"""``protect: true``: a rule that keeps a comment from being hidden automatically (records duties).
Validation of the option, and what a protecting rule does to a verdict, on a small policy."""

from __future__ import annotations

from pathlib import Path

import pytest

from civicmod.contract.yamlfile import FileError
from civicmod.verdict.batch import judge_batch
from civicmod.verdict.judge import Judge

from judge_fixtures import FixedScores
from policy_helpers import comment, policy

POLICY = """
policy: t
version: 1
lists:
  swears: [damn, bloody]
  staff: [you, councillor]
rules:
  - id: abuse.swearing
    description: swearing is hidden (a strict test policy)
    policy: abuse.swearing
    when: {words: swears}
    action: hide
    priority: 1
    reason: "Swearing: {matched}"
  - id: abuse.staff
    description: aimed at staff, urgent and held
    policy: abuse.staff
    when: {words: staff}
    action: escalate
    queue: staff-abuse
    priority: 1
    hold: true
  - id: records.request
    description: a records request is never hidden automatically
    policy: records.foi
    when: {terms: [foi request]}
    action: escalate
    queue: foi
    priority: 2
    protect: true
    reason: "Records request: {matched}"
"""


def _verdict(tmp_path: Path, text: str, body: str = POLICY, scores: dict[str, float] | None = None):
    clf = FixedScores(scores) if scores is not None else None
    (v,) = judge_batch(Judge(policy(tmp_path, body), clf, hide_thresholds={"toxicity": 0.9},
                             escalate_thresholds={"toxicity": 0.6}), [comment(text)])
    return v


def test_protect_caps_the_outcome_at_escalate_and_routes_to_its_queue(tmp_path: Path):
    v = _verdict(tmp_path, "Bloody councillor, this is an FOI request for the damn budget")
    assert v.outcome == "escalate"
    assert v.escalation is not None
    # the protecting rule's queue and priority, not the priority-1 held staff rule's; never held
    assert (v.escalation.queue, v.escalation.priority, v.escalation.hold, v.escalation.rule) == (
        "foi", 2, False, "records.request")
    by_id = {r.id: r for r in v.reasons}
    assert set(by_id) == {"abuse.swearing", "abuse.staff", "records.request"}  # every rule listed
    swear = by_id["abuse.swearing"]
    assert swear.action == "escalate" and swear.spans  # the moderator still sees the swearing
    assert "hide prevented by protecting rule records.request" in (swear.detail or "")
    assert (swear.detail or "").startswith("Swearing: 'Bloody', 'damn'")
    guard = by_id["records.request"]
    assert "prevented the hide by abuse.swearing" in (guard.detail or "")
    assert all(r.action != "hide" for r in v.reasons)


def test_without_the_protecting_rule_the_hide_stands(tmp_path: Path):
    v = _verdict(tmp_path, "Bloody councillor, where is the damn budget")
    assert v.outcome == "hide" and v.escalation is None


def test_protecting_rule_alone_adds_no_note(tmp_path: Path):
    v = _verdict(tmp_path, "This is an FOI request for the parks budget")
    assert v.outcome == "escalate" and v.escalation is not None
    assert (v.escalation.queue, v.escalation.hold) == ("foi", False)
    (r,) = v.reasons
    assert r.detail == "Records request: 'FOI request'"


def test_protect_overrides_model_hide_thresholds(tmp_path: Path):
    v = _verdict(tmp_path, "FOI request: the parks budget", scores={"toxicity": 0.97})
    assert v.outcome == "escalate" and v.escalation is not None and v.escalation.queue == "foi"
    model = next(r for r in v.reasons if r.source == "model")
    assert model.action == "escalate" and "hide prevented by protecting rule" in (model.detail or "")
    assert _verdict(tmp_path, "the parks budget", scores={"toxicity": 0.97}).outcome == "hide"


def test_the_model_still_runs_when_a_protecting_rule_fired_beside_a_hide(tmp_path: Path):
    v = _verdict(tmp_path, "damn FOI request", scores={"toxicity": 0.97})
    assert v.scores == {"toxicity": 0.97}  # the moderator gets the scores too
    assert v.outcome == "escalate"
    skipped = _verdict(tmp_path, "damn budget", scores={"toxicity": 0.97})
    assert skipped.outcome == "hide" and skipped.scores == {}  # hidden by a rule: no model


def test_protecting_rule_on_model_scores_runs_after_a_hide_rule(tmp_path: Path):
    body = POLICY.replace("    when: {terms: [foi request]}\n",
                          "    when: {all: [{terms: [foi request]}, 'score.toxicity >= 0']}\n")
    v = _verdict(tmp_path, "damn FOI request", body, scores={"toxicity": 0.2})
    assert v.outcome == "escalate" and v.escalation is not None and v.escalation.queue == "foi"


def test_most_urgent_protecting_rule_routes(tmp_path: Path):
    body = POLICY + """
  - id: records.sar
    description: subject access
    policy: records.sar
    when: {terms: [subject access]}
    action: escalate
    queue: data-protection
    priority: 1
    protect: true
"""
    v = _verdict(tmp_path, "damn: FOI request and subject access request", body)
    assert v.escalation is not None
    assert (v.escalation.queue, v.escalation.priority, v.escalation.rule) == (
        "data-protection", 1, "records.sar")


def test_protect_travels_on_the_hit(tmp_path: Path):
    ps = policy(tmp_path, POLICY)
    hits = {h.rule_id: h for h in ps.evaluate(comment("damn FOI request"))}
    assert hits["records.request"].protect is True and hits["abuse.swearing"].protect is False


def test_protect_false_leaves_the_fingerprint_alone(tmp_path: Path):
    a = policy(tmp_path, POLICY, name="a.yaml").base.by_id["abuse.staff"].fingerprint
    b = policy(tmp_path, POLICY.replace("    hold: true\n", "    hold: true\n    protect: false\n"),
               name="b.yaml").base.by_id["abuse.staff"].fingerprint
    assert a == b


@pytest.mark.parametrize(("old", "new", "field", "message"), [
    ("    action: hide\n", "    action: hide\n    protect: true\n", "rules.0.protect",
     "'protect' only applies to action 'escalate' (found 'hide')"),
    ("    action: hide\n", "    action: publish\n    protect: true\n", "rules.0.protect",
     "(found 'publish')"),
    ("    action: hide\n", "    action: tag\n    tags: [x]\n    protect: true\n", "rules.0.protect",
     "(found 'tag')"),
    ("    hold: true\n", "    hold: true\n    protect: true\n", "rules.1.protect", "contradict"),
    ("    protect: true\n", "    protect: maybe\n", "rules.2.protect", "valid boolean"),
])
def test_misuse_names_file_line_and_field(tmp_path: Path, old: str, new: str, field: str, message: str):
    body = POLICY.replace(old, new, 1)
    line = next(n for n, text in enumerate(body.lstrip().splitlines(), 1) if "protect:" in text)
    with pytest.raises(FileError) as err:
        policy(tmp_path, body)
    assert err.value.path.endswith("p.yaml")
    assert (err.value.line, err.value.field) == (line, field), str(err.value)
    assert message in err.value.message, str(err.value)
    assert str(err.value).startswith(f"{err.value.path}:{line}: {field}:")
