"""The rule engine's fast paths give the same answers as the slow ones they stand in front of.

Prefilters (``rules.prefilter``) may only skip a regex that would find nothing; the cheap gates
in folding and the detectors may only skip work that would change nothing; the quick reason
renderer and the offset map must equal ``str.format`` and ``_collapse_spaces``.
"""

from __future__ import annotations

import csv
import json
import random
import re
from pathlib import Path

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from rules import detectors, folding
from rules.compiler import DEFAULT_POLICY, _compile_regex, quick_template
from rules.folding import fold, fold_state
from rules.policy_file import load_policy_file
from rules.prefilter import compile_prefilter, probe, required_literals

from policy_helpers import comment, policy

DATASETS = Path(__file__).resolve().parents[3].parent / "shared" / "datasets"

#: Texts that hit the shipped patterns, the gates' edge cases, and look-alikes.
TEXTS = [
    "I'm going to kill you", "kys", "You'll end up in hospital", "accidents happen",
    'he said "you are vermin"', "it's not okay to call people that", "no one deserves to die",
    "İ KNOW WHERE YOU LIVE", "FOI request please", "Is the tip open on Monday?",
    "the lift in Tower B is broken again", "pot holes everywhere", "u r a f*cking id1ot",
    "f u c k you", "y o u  a r e  s c u m", "sh1t", "@ss", "b!tch", "QQ 12 34 56 C",
    "GB82 WEST 1234 5698 7654 32", "&#128514;&#128514; lol", "call 07700 900123",
    "you're all animals", "these people are a plague", "", " ", "  spaced  out  ",
    "why would you say that", "I don't hate gay people", "stop calling them that",
]


def _dataset_texts(limit: int = 4000) -> list[str]:
    out: list[str] = []
    for name, column in (("davidson_labeled_data.csv", "tweet"),
                         ("hatecheck_test_suite_cases.csv", "test_case"),
                         ("surge_toxicity_en.csv", "text")):
        path = DATASETS / name
        if path.is_file():
            with path.open(newline="", encoding="utf-8") as fh:
                out += [row[column] for _, row in zip(range(limit), csv.DictReader(fh), strict=False)]
    return out


@pytest.fixture(scope="module")
def texts() -> list[str]:
    return TEXTS + _dataset_texts()


def _shipped_patterns() -> list[tuple[str, str]]:
    spec = load_policy_file(DEFAULT_POLICY, "global").spec
    out = [(p.source, p.field) for p in spec.patterns.values()]
    for rule in spec.rules:  # inline patterns
        for m in re.finditer(r"'pattern': '((?:[^'\\]|\\.)*)'(?:, 'field': '([\w.]+)')?",
                             repr(rule.when)):
            out.append((m.group(1).encode().decode("unicode_escape"), m.group(2) or "text"))
    return out


def test_every_shipped_pattern_has_a_prefilter():
    assert all(required_literals(src, field == "text") for src, field in _shipped_patterns())


def test_prefilters_never_skip_a_match(texts: list[str]):
    folded = [fold(t) for t in texts]
    for src, field in _shipped_patterns():
        pat = _compile_regex(src, True)
        pf = compile_prefilter(src, field == "text")
        assert pf is not None
        for raw, f in zip(texts, folded, strict=True):
            target, seen = (f, " " + f + " ") if field == "text" else (raw, probe(raw))
            if pat.search(target):
                assert pf(seen), (src[:60], raw)


def test_prefilter_reads_word_boundaries_and_case():
    assert required_literals(r"\bkys\b", folded=True) == (frozenset({" kys "}),)
    assert required_literals(r"\bkys\b") == (frozenset({"kys"}),)
    pf = compile_prefilter(r"\bthis is\b")
    assert pf is not None and pf(probe("THİS İS"))  # İ matches i under IGNORECASE
    assert regex.search(r"\bthis is\b", "THİS İS", regex.IGNORECASE)
    assert not pf(probe("nothing here"))


@pytest.mark.parametrize("pattern", [r"[[:alpha:]]+", r"\p{L}+x", r"(?:abc){e<=1}", r"\w+",
                                     r"a|\d", r"(?|(a)|(b))"])
def test_no_prefilter_where_it_cannot_be_sure(pattern: str):
    assert required_literals(pattern) is None


def test_space_map_equals_collapse_spaces(texts: list[str]):
    rng = random.Random(5)
    pres = [p for p in (fold_state(t)[1] for t in texts) if p is not None]
    pres += ["".join(rng.choice("ab  ") for _ in range(rng.randint(0, 20))) for _ in range(3000)]
    for pre in pres:
        assert folding.space_map(pre) == folding._collapse_spaces(pre, list(range(len(pre))))


def test_cheap_gates_are_implied_by_what_they_guard(texts: list[str]):
    leet = re.compile(r"[a-z][0-9@$!|]+[a-z]|(?<![a-z0-9])[0-9$!|]+[a-z]"
                      r"|(?<![a-z0-9])@[a-z]{1,3}(?![a-z])")  # the trigger as first written
    rng = random.Random(7)
    fuzz = ["".join(rng.choice("ab01@$!| .-*\n") for _ in range(rng.randint(0, 12)))
            for _ in range(20000)]
    fuzz += ["".join(rng.choice("AbCd0123456789 -") for _ in range(rng.randint(5, 30)))
             for _ in range(20000)]
    for t in texts + fuzz:
        low = t.lower()
        assert bool(folding._LEET_TRIGGER.search(low)) == bool(leet.search(low)), t
        if folding._SPACED.search(low):
            assert folding._SPACED_GATE.search(low), t
        if detectors._NINO.search(t):
            assert detectors._NINO_TAIL.search(t), t
        if detectors._IBAN.search(t):
            assert detectors._IBAN_START.search(t), t


@pytest.mark.parametrize("template", ["Threat: {matched}", "{detail}", "{rule} in {policy}: {matched}!",
                                      "no fields {{braces}}", "{matched!r}", "{score.threat}",
                                      "{matched:>5}"])
def test_quick_reason_equals_format(template: str, tmp_path: Path):
    ps = policy(tmp_path, f"""
        policy: t
        version: 1
        rules:
          - id: abuse.threat
            description: scum
            policy: abuse
            when: {{terms: [you, scum]}}
            action: escalate
            reason: {json.dumps(template)}
        """, official_names=("City of Example Council",))
    rule = ps.base.by_id["abuse.threat"]
    ctx = ps.base.evaluate(comment("you are scum", name="City of Examp1e Counci1"), {}).ctx
    assert ctx.impersonation()  # so that {detail} renders something
    spans = [(0, 3), (8, 12)]
    fast = quick_template(template)
    if fast is None:
        assert any(x in template for x in ("!r", ":>", "score"))
        return
    matched = ", ".join(dict.fromkeys(repr(ctx.comment.text[a:b]) for a, b in spans))
    want = template.format(matched=matched, rule=rule.id, policy=rule.policy, detail=ctx.impersonation())
    assert fast(rule, ctx, spans) == want == ps.base._render(rule, ctx, spans)


@settings(max_examples=400, deadline=None)
@given(domain=st.from_regex(r"(?:[a-z]{1,3}\.){0,3}[a-z]{0,3}\.?", fullmatch=True),
       domains=st.lists(st.from_regex(r"(?:[a-z]{1,3}\.){0,2}[a-z]{0,3}", fullmatch=True), max_size=6))
def test_in_domains_is_the_domain_or_a_subdomain_of_one(domain: str, domains: list[str]):
    want = any(domain == d or domain.endswith("." + d) for d in domains)
    assert detectors.in_domains(domain, frozenset(domains)) == want
