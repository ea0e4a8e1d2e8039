"""Evasion families (issue #14): spelled-out sentences, masked and look-alike swearing, veiled
threats. Each is judged through the batch path with the default policy and no model, and every
new normalisation keeps the innocent-word (Scunthorpe) list clean."""

from __future__ import annotations

from pathlib import Path

import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, given, settings
from test_rules_folding import INNOCENT

from civicmod.verdict.batch import judge_batch
from civicmod.verdict.judge import Judge
from rules.compiler import PolicySet, load_policy_set
from rules.folding import fold, fold_mapped, fold_state, segment

from policy_helpers import comment, fired


@pytest.fixture(scope="module")
def policy() -> PolicySet:
    return load_policy_set(["builtin:default"])


@pytest.fixture(scope="module")
def judge(policy: PolicySet) -> Judge:
    return Judge(policy, None)


def judged(judge: Judge, text: str) -> tuple[str, frozenset[str], bool]:
    """Outcome, the ids of the rules that fired (not the engagement model's tags), and whether
    the comment is held."""
    (v,) = judge_batch(judge, [comment(text)])
    held = v.escalation is not None and v.escalation.hold
    return v.outcome, frozenset(r.id for r in v.reasons if not r.id.startswith("model.")), held


def list_hits(policy: PolicySet, text: str) -> set[str]:
    f = fold(text)
    assert policy.base.index is not None
    return set(policy.base.index.scan((f,)))


# --- (a) letters spelled out across a whole sentence -------------------------------------------------
@pytest.mark.parametrize(("text", "plain"), [
    ("y o u  a r e  a  w a s t e  o f  s p a c e", "you are a waste of space"),
    ("y.o.u a.r.e a w.a.s.t.e o.f s.p.a.c.e", "you are a waste of space"),
    ("i w i l l k i l l y o u", "i will kill you"),
    ("i.w.i.l.l.k.i.l.l.y.o.u", "i will kill you"),
    ("I  w i l l  k i l l  y o u", "i will kill you"),
    ("I  w i l l k i l l  y o u", "i will kill you"),
    ("i-w-i-l-l-k-i-l-l-y-o-u", "i will kill you"),
    ("f u c k  y o u", "fuck you"),
    ("You are nothing but a w e t b a c k.", "you are nothing but a wetback"),
    ("I h a t e women.", "i hate women"),
])
def test_spelled_out_sentences_read_as_words(judge: Judge, text: str, plain: str):
    assert fold(text) == plain
    assert judged(judge, text) == judged(judge, plain)


@pytest.mark.parametrize("text", ["i w i l l k i l l y o u", "i.w.i.l.l.k.i.l.l.y.o.u",
                                  "I  w i l l  k i l l  y o u"])
def test_spelled_out_threats_are_hidden_with_the_span_as_written(policy: PolicySet, judge: Judge,
                                                                 text: str):
    outcome, ids, _ = judged(judge, text)
    assert outcome == "hide" and "abuse.threat" in ids
    (span,) = fired(policy, text)["abuse.threat"]
    assert span.lower().replace(" ", "").replace(".", "").endswith("killyou")


def test_spelled_out_insult_is_escalated(judge: Judge):
    outcome, ids, _ = judged(judge, "y o u  a r e  a  w a s t e  o f  s p a c e")
    assert outcome == "escalate" and "abuse.insult_directed" in ids


@pytest.mark.parametrize(("text", "folded"), [
    ("Waiting times at A E in the U K are a disgrace", "waiting times at a e in the u k are a disgrace"),
    ("U K  and  A E", "u k and a e"),
    ("the U K  A E", "the uk ae"),
    ("i a m here", "i am here"),
    ("options a b c or d", "options abc or d"),
    ("open 9 a m to 5 p m", "open 9am to 5pm"),
    ("RT d\n i\ni\n i\ni\n c\nk", "rt diiiick"),                   # not "d ii ii ck"
])
def test_ordinary_single_letters_are_left_alone(text: str, folded: str):
    assert fold(text) == folded


@pytest.mark.parametrize("word", INNOCENT)
def test_innocent_words_spelled_out_stay_clean(policy: PolicySet, word: str):
    for sep in (" ", ".", "-"):
        text = f"Visiting {sep.join(word)} next week"
        assert list_hits(policy, text) == list_hits(policy, f"Visiting {word} next week"), text


def test_segment_reads_only_known_words():
    assert segment("iwillkillyou") == ["i", "will", "kill", "you"]
    assert segment("scunthorpe") == ["scunthorpe"]
    assert segment("penistone") == ["penistone"]
    assert segment("xqzvbn") is None


def test_shipped_list_terms_spelled_out_fold_to_themselves():
    lists = Path(__file__).resolve().parents[3] / "rules" / "policies" / "lists"
    terms = {line.split("#", 1)[0].strip().strip("*") for p in lists.glob("*.txt")
             for line in p.read_text(encoding="utf-8").splitlines()}
    terms = {t for t in terms if t.isalpha() and len(t) >= 3}
    assert terms
    for term in sorted(terms):
        for sep in (" ", "."):
            assert fold(sep.join(term)) == term
            if segment("a" + term) != ["a" + term]:  # not "a mong": "among"
                assert fold(f"what a {sep.join(term)}") == f"what a {term}"


# --- (b) swearing at the agency behind leet, masks, zero-width and look-alike letters ------------
@pytest.mark.parametrize(("text", "plain"), [
    ("f#ck the c0uncil", "fuck the council"),
    ("f*ck the council", "fuck the council"),
    ("f**k the council", "fuck the council"),
    ("F***ing council", "fucking council"),
    ("f\u200bu\u200bc\u200bk the council", "fuck the council"),
    ("sh!te council", "shite council"),
    ("sh*t council", "shit council"),
    ("what a sh%t show", "what a shit show"),
    ("f\u0443ck the council", "fuck the council"),          # Cyrillic у for u
    ("\u0455\u04bb\u0456te council", "shite council"),      # Cyrillic ѕ, һ, і
    ("ｆｕｃｋ the council", "fuck the council"),           # fullwidth
    ("fu\u00adck the c\u043euncil", "fuck the council"),    # soft hyphen, Cyrillic о
])
def test_disguised_swearing_is_judged_as_written_plainly(policy: PolicySet, judge: Judge, text: str,
                                                         plain: str):
    assert fold(text) == fold(plain)
    assert "profanity" in list_hits(policy, text)
    assert judged(judge, text) == judged(judge, plain)


@pytest.mark.parametrize(("text", "written"), [
    ("f#ck the c0uncil", "f#ck"), ("what a sh*t show", "sh*t"), ("f\u0443ck them", "f\u0443ck"),
    ("F***ing council", "F***ing"),
])
def test_disguised_swearing_is_reported_as_written(policy: PolicySet, text: str, written: str):
    spans = {s for found in fired(policy, text).values() for s in found}
    assert written in spans


@pytest.mark.parametrize(("text", "folded"), [
    ("5* hotel, costs* apply", "5 hotel costs apply"),
    ("it was *really* good", "it was really good"),
    ("s*** happens", "s happens"),                          # shit or slut: none chosen
    ("\u0443ou are welcome", "you are welcome"),            # Cyrillic у for y
    ("The A55 is closed", "the a55 is closed"),
])
def test_masks_and_look_alikes_leave_other_words_alone(text: str, folded: str):
    assert fold(text) == folded


# --- (c) veiled threats ---------------------------------------------------------------------------
@pytest.mark.parametrize("text", [
    "You'll end up in hospital",
    "keep it up and you will end up in A&E",
    "Someone will end up in a box",
    "somebody's going to end up in the morgue",
    "one of your staff will end up in the ground",
    "someone will end up in a ditch",
    "Accidents happen...",
    "accidents happen, councillor",
    "It would be a shame if something happened to you",
    "it'd be a shame if something happened to your family",
    "Be a shame if your house caught fire",
    "You won't be so brave when I see you",
    "you wont be so mouthy face to face",
    "We know where your kids go to school",
    "we know where you live",
    "y o u ' l l  e n d  u p  i n  h o s p i t a l",
])
def test_veiled_threats_are_escalated_and_held(judge: Judge, text: str):
    outcome, ids, held = judged(judge, text)
    assert "abuse.implicit_threat" in ids, text
    assert outcome in ("escalate", "hide") and (held or outcome == "hide"), text


def test_veiled_threat_goes_to_the_safety_queue(judge: Judge):
    (v,) = judge_batch(judge, [comment("We know where your kids go to school")])
    assert v.outcome == "escalate" and v.escalation is not None
    assert v.escalation.queue == "safety" and v.escalation.hold and v.escalation.priority <= 2


@pytest.mark.parametrize("text", [
    "the waste will end up in landfill",
    "the road will end up in a worse state",
    "kids end up in hospital because of this junction",
    "someone will end up in hospital because of this junction",
    "Someone is going to end up dead on this road if you don't fix it",
    "accidents happen at this junction every week",
    "Accidents happen here all the time, please install a crossing",
    "it would be a shame if something happened to the library",
    "you won't be so smug when the election comes",
    "we know where the money goes",
    "you'll end up paying more council tax",
    "you could end up in court for this",
    "what a shame if the bins are missed again",
])
def test_civic_text_is_not_a_veiled_threat(judge: Judge, text: str):
    _, ids, _ = judged(judge, text)
    assert "abuse.implicit_threat" not in ids, text


# --- properties -----------------------------------------------------------------------------------
_EVASIVE = st.text(alphabet=st.sampled_from(list("abcfikuy .-*#%!@$013\u200b\u0443\u0455\u00ad\n")),
                   max_size=60)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=80), _EVASIVE))
def test_folding_never_raises_and_maps_every_character(text: str):
    folded = fold(text)
    assert folded == folded.strip() and "  " not in folded
    assert all(ch == " " or (ch.isascii() and ch.isalnum() and not ch.isupper()) for ch in folded)
    mapped, idx = fold_mapped(text)
    assert mapped == folded and len(idx) == len(folded)
    assert idx == sorted(idx) and all(0 <= i < len(text) for i in idx)
    _, pre = fold_state(text)
    assert fold_mapped(text, pre) == (mapped, idx)
