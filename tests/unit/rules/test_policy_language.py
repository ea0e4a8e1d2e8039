"""The policy language: validation errors with file/line/field, conditions, actions, precedence."""

from __future__ import annotations

from pathlib import Path

import pytest

from civicmod.contract.yamlfile import FileError
from civicmod.verdict.batch import judge_batch
from civicmod.verdict.judge import Judge

from policy_helpers import comment, fired, policy, write

BASE = """
policy: t
version: 3
lists:
  insults: [idiot, moron]
  staff: [councillor, you]
rules:
  - id: insult.staff
    description: insult aimed at staff
    policy: abuse.staff
    when:
      all:
        - words: insults
        - words: staff
    action: escalate
    queue: staff-abuse
    priority: 2
    hold: true
    reason: "Insult {matched} ({policy})"
"""


def test_loads_and_explains_with_spans_and_reason(tmp_path: Path):
    ps = policy(tmp_path, BASE)
    assert ps.version.startswith("t@3#")
    (hit,) = ps.evaluate(comment("You absolute idiot, councillor"))
    assert hit.rule_id == "insult.staff" and hit.action == "escalate" and hit.policy == "abuse.staff"
    assert (hit.queue, hit.priority, hit.hold) == ("staff-abuse", 2, True)
    text = "You absolute idiot, councillor"
    assert [text[a:b] for a, b in hit.spans] == ["You", "idiot", "councillor"]
    assert hit.detail == "Insult 'You', 'idiot', 'councillor' (abuse.staff)"


@pytest.mark.parametrize(("body", "line", "field", "message"), [
    (BASE.replace("    action: escalate\n", "    action: delete\n"), 14, "rules.0.action", "Input should be"),
    (BASE.replace("        - words: staff\n", "        - words: staf\n"), 13,
     "rules.0.when.all.1.words", "no word list named 'staf'"),
    (BASE.replace("        - words: staff\n", "        - 'score.threat >> 0.8'\n"), 13,
     "rules.0.when.all.1", "cannot read"),
    (BASE.replace("        - words: staff\n", "        - 'author.followers < many'\n"), 13,
     "rules.0.when.all.1", "is a number"),
    (BASE.replace("        - words: staff\n", "        - 'signal.author_posts_10m > 3'\n"), 13,
     "rules.0.when.all.1", "unknown signal"),
    (BASE.replace("        - words: staff\n", "        - detect: pii.passport\n"), 13,
     "rules.0.when.all.1.detect", "unknown detector"),
    (BASE.replace("        - words: staff\n", "        - regex: '(unclosed'\n"), 13,
     "rules.0.when.all.1.regex", "invalid regular expression"),
    (BASE.replace("    hold: true\n", "    hold: true\n    colour: red\n"), 18, "rules.0.colour",
     "Extra inputs"),
    (BASE.replace('    reason: "Insult {matched} ({policy})"', '    reason: "{who}"'), 18,
     "rules.0.reason", "unknown placeholder"),
    (BASE.replace("    action: escalate\n", "    action: hide\n"), 7, "rules.0", "only apply to action"),
    (BASE.replace("  staff: [councillor, you]\n", "  staff: [councillor, no]\n"), 5, "lists.staff.terms",
     "quote it"),
    (BASE.replace("version: 3\n", ""), 1, "version", "Field required"),
])
def test_mistakes_name_file_line_and_field(tmp_path: Path, body: str, line: int, field: str, message: str):
    with pytest.raises(FileError) as err:
        policy(tmp_path, body)
    assert err.value.path.endswith("p.yaml")
    assert err.value.field == field, str(err.value)
    assert message in err.value.message, str(err.value)
    assert err.value.line == line, str(err.value)
    assert str(err.value).startswith(f"{err.value.path}:{line}: {field}:")


def test_broken_yaml_names_the_line(tmp_path: Path):
    with pytest.raises(FileError, match="invalid YAML") as err:
        policy(tmp_path, "policy: t\nversion: 1\nrules: [\n")
    assert err.value.line is not None


def test_combinators_and_comparisons(tmp_path: Path):
    ps = policy(tmp_path, """
        policy: t
        version: 1
        rules:
          - id: newcomer.link
            description: new account, not on x, with a link, unless it is a reply
            policy: spam.links
            when:
              all:
                - detect: link.any
                - any:
                    - "author.account_age_days < 7"
                    - "author.followers <= 3"
                - not: {any: ["platform == x", "platform in [youtube]"]}
            unless: "is_reply == true"
            action: escalate
        """)
    assert "newcomer.link" in fired(ps, "see www.a.example/x", age_days=1)
    assert fired(ps, "see www.a.example/x", age_days=100) == {}
    assert fired(ps, "see www.a.example/x", age_days=1, platform="x") == {}
    assert fired(ps, "no link", age_days=1) == {}


SCORES = """
policy: t
version: 1
lists:
  staff: [councillor]
rules:
  - id: toxic.staff
    description: toxic and about staff
    policy: abuse.staff
    when: {all: ["score.toxicity >= 0.8", {words: staff}]}
    action: hide
    reason: "toxicity {score.toxicity}"
  - id: follow.up
    description: refers to another rule
    policy: abuse.staff
    when: {rule: toxic.staff}
    action: tag
    tags: [staff-abuse]
"""


class Fixed:
    name, version, labels = "fixed", "1", ("toxicity",)

    def __init__(self, score: float) -> None:
        self.score = score

    def predict(self, texts):
        return [{"toxicity": self.score} for _ in texts]


def test_rules_on_model_scores_run_after_the_model(tmp_path: Path):
    ps = policy(tmp_path, SCORES)
    assert [r.id for r in ps.base.phase2] == ["toxic.staff", "follow.up"]
    (v,) = judge_batch(Judge(ps, Fixed(0.9), {}, {}), [comment("the councillor is vile")])
    assert v.outcome == "hide" and v.tags == ["staff-abuse"]
    assert [r.id for r in v.reasons] == ["toxic.staff", "follow.up"]
    assert v.reasons[0].detail == "toxicity 0.9"
    (v,) = judge_batch(Judge(ps, Fixed(0.5), {}, {}), [comment("the councillor is vile")])
    assert v.outcome == "publish" and v.reasons == []
    (v,) = judge_batch(Judge(ps, None, {}, {}), [comment("the councillor is vile")])
    assert v.outcome == "publish", "without a model, score conditions are false"


def test_rules_referring_to_each_other_in_a_loop_are_refused(tmp_path: Path):
    with pytest.raises(FileError, match="loop") as err:
        policy(tmp_path, """
            policy: t
            version: 1
            rules:
              - id: a
                description: a
                policy: x
                when: {rule: b}
                action: tag
                tags: [a]
              - id: b
                description: b
                policy: x
                when: {rule: a}
                action: tag
                tags: [b]
            """)
    assert err.value.line in (7, 13)


PRECEDENCE = """
policy: t
version: 1
lists:
  w: [bins]
rules:
  - id: tag.it
    description: tag
    policy: p.tag
    when: {words: w}
    action: tag
    tags: [bins]
  - id: publish.it
    description: explicitly fine
    policy: p.publish
    when: {words: w}
    action: publish
  - id: esc.low
    description: low priority
    policy: p.esc
    when: {words: w}
    action: escalate
    queue: general
    priority: 7
  - id: esc.high
    description: high priority
    policy: p.esc
    when: {words: w}
    action: escalate
    queue: urgent
    priority: 1
  - id: esc.hold
    description: asks to hold
    policy: p.esc
    when: {words: w}
    action: escalate
    queue: other
    priority: 4
    hold: true
"""


def test_most_severe_action_wins_then_priority(tmp_path: Path):
    ps = policy(tmp_path, PRECEDENCE)
    # the rules' tags alone (the engagement classifier would add engagement.report here)
    (v,) = judge_batch(Judge(ps, None, engagement=None), [comment("bins again")])
    assert v.outcome == "escalate"
    assert v.escalation is not None
    assert (v.escalation.queue, v.escalation.priority, v.escalation.rule) == ("urgent", 1, "esc.high")
    assert v.escalation.hold, "any escalating rule may ask to hold the comment"
    assert v.tags == ["bins"]
    assert {r.id: r.action for r in v.reasons} == {
        "tag.it": None, "publish.it": "publish", "esc.low": "escalate", "esc.high": "escalate",
        "esc.hold": "escalate"}
    hide = PRECEDENCE + """
  - id: hide.it
    description: hide
    policy: p.hide
    when: {words: w}
    action: hide
    priority: 9
"""
    (v,) = judge_batch(Judge(policy(tmp_path, hide, name="h.yaml"), None), [comment("bins again")])
    assert v.outcome == "hide" and v.escalation is None


def test_same_priority_ties_resolve_in_policy_order(tmp_path: Path):
    body = PRECEDENCE.replace("    priority: 1\n", "    priority: 7\n").replace(
        "    priority: 4\n", "    priority: 7\n")
    for _ in range(3):
        (v,) = judge_batch(Judge(policy(tmp_path, body), None), [comment("bins again")])
        assert v.escalation is not None and v.escalation.rule == "esc.low"


def test_a_failing_rule_escalates_with_a_system_reason(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    ps = policy(tmp_path, BASE)
    rule = ps.base.rules[0]

    def boom(ctx):
        raise RuntimeError("boom")

    monkeypatch.setattr(rule, "check", boom)  # what the engine calls (CompiledRule.check)
    (v,) = judge_batch(Judge(ps, None), [comment("idiot councillor")])
    assert v.outcome == "escalate"
    assert v.reasons[0].id == "system.rule_error" and "boom" in (v.reasons[0].detail or "")


def test_signals_failure_escalates(tmp_path: Path):
    ps = policy(tmp_path, """
        policy: t
        version: 1
        rules:
          - id: flood
            description: flood
            policy: spam.flood
            when: "signal.author_comments_10m >= 5"
            action: escalate
        """)

    def broken(comment, specs):
        raise ConnectionError("table unavailable")

    (v,) = judge_batch(Judge(ps, None, signals=broken), [comment("hello")])
    assert v.outcome == "escalate" and v.reasons[0].id == "system.signals_unavailable"
    (v,) = judge_batch(Judge(ps, None, signals=lambda c, s: {"author_comments_10m": 6.0}), [comment("hi")])
    assert [r.id for r in v.reasons] == ["flood"]
    assert [s.name for s in ps.base.signal_specs] == ["author_comments_10m"]


def test_list_file_not_found(tmp_path: Path):
    path = write(tmp_path, "p.yaml", "policy: t\nversion: 1\nlists:\n  w: {file: nope.txt}\n")
    from rules.compiler import load_policy_set

    with pytest.raises(FileError, match="word list file not found") as err:
        load_policy_set([path])
    assert (err.value.line, err.value.field) == (4, "lists.w.file")


def test_rules_that_cannot_run_at_all_escalate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    ps = policy(tmp_path, BASE)

    class Broken:  # the account's policy, failing before any rule (compiled classes can't be patched)
        signal_specs = ps.base.signal_specs
        version = ps.base.version

        def evaluate(self, *args, **kwargs):
            raise UnicodeError("cannot fold")

    judge = Judge(ps, None)
    monkeypatch.setattr(judge, "_policy", lambda c: Broken())
    (v,) = judge_batch(judge, [comment("idiot councillor")])
    assert v.outcome == "escalate" and v.reasons[0].id == "system.rule_error"
    assert v.policy_version == ps.version
