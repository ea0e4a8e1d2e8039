"""Layered policies: global → organisation → account, and locked rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from civicmod.contract.yamlfile import FileError
from rules.compiler import load_policy_set

from policy_helpers import comment, write

GLOBAL = """
policy: global
version: 1
lists:
  pii_words: [passport number]
  rude: [idiot]
rules:
  - id: pii.words
    description: personal data wording
    policy: privacy.personal_data
    when: {words: pii_words}
    action: hide
    locked: true
  - id: rude
    description: rude
    policy: abuse
    when: {words: rude}
    action: escalate
  - id: spare
    description: shipped off, for layers to switch on
    policy: other
    when: {terms: [bins]}
    action: tag
    tags: [bins]
    enabled: false
"""


def layers(tmp_path: Path, org: str | None = None, account: str | None = None):
    g = write(tmp_path, "global.yaml", GLOBAL)
    o = [write(tmp_path, "org.yaml", org)] if org else []
    a = {"page:a": [write(tmp_path, "acct.yaml", account)]} if account else {}
    return load_policy_set([g], o, a)


def ids(ps, text: str, account: str = "page:1") -> set[str]:
    return {h.rule_id for h in ps.evaluate(comment(text, account=account))}


def test_organisation_adds_replaces_disables_and_enables(tmp_path: Path):
    ps = layers(tmp_path, org="""
        policy: org
        version: 7
        lists:
          rude: {terms: [moron], extend: true}
        disable: [rude]
        enable: [spare]
        rules:
          - id: org.rule
            description: organisation rule
            policy: org.thing
            when: {terms: [potholes]}
            action: tag
            tags: [roads]
        """)
    assert ps.version.startswith("global@1+org@7#")
    assert ids(ps, "idiot moron") == set()
    assert ids(ps, "bins and potholes") == {"spare", "org.rule"}


def test_account_layer_applies_to_that_account_only(tmp_path: Path):
    ps = layers(tmp_path, account="""
        policy: acct
        version: 1
        disable: [rude]
        settings:
          official_names: [Example Parks]
        """)
    assert ids(ps, "idiot", account="page:a") == set()
    assert ids(ps, "idiot", account="page:b") == {"rude"}
    assert ps.policy_for("page:a").version != ps.version
    assert ps.policy_for("page:a").settings.official_names == ("Example Parks",)


@pytest.mark.parametrize(("level", "body", "field", "message"), [
    ("org", "policy: o\nversion: 1\ndisable: [pii.words]\n", "disable.0", "cannot switch it off"),
    ("account", "policy: a\nversion: 1\ndisable: [pii.words]\n", "disable.0", "cannot switch it off"),
    ("org", "policy: o\nversion: 1\nrules:\n  - id: pii.words\n    description: weaker\n"
            "    policy: p\n    when: {terms: [nothing]}\n    action: tag\n    tags: [x]\n",
     "rules.0.id", "cannot replace it"),
    ("org", "policy: o\nversion: 1\nlists:\n  pii_words: [something else]\n", "lists.pii_words",
     "may extend it"),
])
def test_locked_rules_cannot_be_switched_off_below_their_level(tmp_path: Path, level: str, body: str,
                                                               field: str, message: str):
    with pytest.raises(FileError) as err:
        layers(tmp_path, **{"org" if level == "org" else "account": body})
    assert err.value.field == field and message in err.value.message
    assert err.value.path.endswith(("org.yaml", "acct.yaml")) and err.value.line is not None
    assert "global.yaml" in err.value.message, "the message says where the lock was set"


def test_locked_rule_lists_may_be_extended(tmp_path: Path):
    ps = layers(tmp_path, org="policy: o\nversion: 1\nlists:\n  pii_words: {terms: [nhs number], "
                              "extend: true}\n")
    assert ids(ps, "my nhs number is") == {"pii.words"}
    assert ids(ps, "my passport number is") == {"pii.words"}


def test_a_locked_rule_can_be_changed_at_its_own_level(tmp_path: Path):
    g = write(tmp_path, "global.yaml", GLOBAL)
    g2 = write(tmp_path, "global2.yaml", "policy: g2\nversion: 1\ndisable: [pii.words]\n")
    ps = load_policy_set([g, g2])
    assert ids(ps, "passport number") == set()


def test_unknown_rule_to_disable(tmp_path: Path):
    with pytest.raises(FileError, match="no rule 'nope'") as err:
        layers(tmp_path, org="policy: o\nversion: 1\ndisable: [nope]\n")
    assert err.value.line == 3


def test_disabling_a_rule_another_refers_to(tmp_path: Path):
    with pytest.raises(FileError, match="disabled in this layering"):
        layers(tmp_path, org="""
            policy: o
            version: 1
            disable: [rude]
            rules:
              - id: follow
                description: follows rude
                policy: x
                when: {rule: rude}
                action: tag
                tags: [x]
            """)
