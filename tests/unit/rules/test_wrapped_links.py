"""Platform link wrappers in the rules: t.co is never a shortener signal by itself, and a shim that
carries its destination (l.facebook.com/l.php?u=…, youtube.com/redirect?q=…) is judged by the
destination. Verdicts through judge_batch with the default policy, as the worker runs it."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civicmod.verdict.batch import judge_batch
from civicmod.verdict.judge import Judge
from rules import builtin_ruleset
from rules.compiler import EffectiveSettings, load_policy_set
from rules.detectors import links

from policy_helpers import comment, fired, policy

RULES = builtin_ruleset(["City of Example Council"], official_author_ids=["official-1"])
SHARED = Path(__file__).resolve().parents[4] / "shared" / "datasets"
FB = "https://l.facebook.com/l.php?u={}&h=AT0xYz"


def verdict(text: str, rules=RULES, **kw) -> tuple[str, dict[str, list[str]]]:
    """(outcome, rule id → matched texts)."""
    c = comment(text, **kw)
    (v,) = judge_batch(Judge(rules, None), [c])
    return v.outcome, {r.id: [c.text[a:b] for a, b in r.spans or ()] for r in v.reasons}


def test_a_tco_link_alone_is_published() -> None:
    got, reasons = verdict("details: https://t.co/abc123")
    assert got == "publish" and "scam.link" not in reasons


def test_tco_is_no_shortener_even_where_a_policy_lists_it() -> None:
    rules = load_policy_set(("builtin:default",), base_settings=EffectiveSettings(
        shorteners=("t.co", "bit.ly")))
    assert verdict("details: https://t.co/abc123", rules)[0] == "publish"
    got, reasons = verdict("details: https://bit.ly/abc123", rules)
    assert got == "hide" and reasons["scam.link"] == ["https://bit.ly/abc123"]


def test_scam_wording_with_a_tco_link_is_still_hidden() -> None:
    got, reasons = verdict("claim your refund now https://t.co/abc")
    assert got == "hide" and "https://t.co/abc" in reasons["scam.link"]


def test_a_new_account_posting_a_tco_link_is_still_escalated() -> None:
    got, reasons = verdict("look at this https://t.co/abc", age_days=2)
    assert got == "escalate" and reasons["spam.new_account_link"] == ["https://t.co/abc"]


def test_facebook_shim_to_a_shortener_is_hidden_as_a_shortener() -> None:
    link = FB.format("https%3A%2F%2Fbit.ly%2F3xYz")
    got, reasons = verdict(f"have a look {link}")
    assert got == "hide" and reasons["scam.link"] == [link]  # the span: the link as written


def test_facebook_shim_to_gov_uk_is_allowlisted() -> None:
    link = "https://lm.facebook.com/l.php?u=https%3A%2F%2Fwww.gov.uk%2Fcouncil-tax-refund"
    got, reasons = verdict(f"claim your refund now {link}", age_days=2)
    assert got == "publish" and not {"scam.link", "spam.new_account_link"} & set(reasons)


def test_shims_to_denied_domains_and_youtube_redirects_are_judged_by_destination(tmp_path) -> None:
    ps = policy(tmp_path, """
        policy: t
        version: 1
        rules:
          - {id: t.short, description: d, policy: t.l, when: {detect: link.shortener}, action: tag, tags: [l]}
          - {id: t.open, description: d, policy: t.l, when: {detect: link.unlisted}, action: tag, tags: [l]}
          - {id: t.deny, description: d, policy: t.l, when: {detect: link.denied}, action: tag, tags: [l]}
          - {id: t.count, description: d, policy: t.l, when: "links.unlisted >= 1", action: tag, tags: [l]}
        """, denied_domains=("quickcoin.xyz",), shorteners=("bit.ly", "t.co"))
    yt = "https://www.youtube.com/redirect?event=comments&q=https%3A%2F%2Fquickcoin.xyz%2Fjoin"
    assert set(fired(ps, f"free money {yt}")) == {"t.deny", "t.open", "t.count"}
    assert set(fired(ps, "https://l.instagram.com/?u=https%3A%2F%2Fbit.ly%2Fq&e=AT")) == {
        "t.short", "t.open", "t.count"}
    assert set(fired(ps, "https://t.co/abc")) == {"t.open", "t.count"}  # cheap gates hold
    assert set(fired(ps, FB.format("https%3A%2F%2Fgov.uk%2Fx"))) == set()
    assert fired(ps, "no links here") == {}


@pytest.mark.parametrize(("url", "domain", "via", "opaque"), [
    ("https://t.co/abc", "t.co", "t.co", True),
    (FB.format("https%3A%2F%2Fbit.ly%2Fx"), "bit.ly", "l.facebook.com", False),
    ("https://l.facebook.com/l.php?h=AT0", "l.facebook.com", "l.facebook.com", True),
    (FB.format("javascript%3Aalert(1)"), "l.facebook.com", "l.facebook.com", True),
    (FB.format("https%3A%2F%2Fl.instagram.com%2F%3Fu%3Dhttps%253A%252F%252Fwww.gov.uk%252Fa"),
     "gov.uk", "l.facebook.com", False),
    (FB.format("https%3A%2F%2Ft.co%2Fxyz"), "t.co", "l.facebook.com", True),
    ("https://www.youtube.com/watch?v=1", "youtube.com", None, False),
    ("https://www.facebook.com/l.php?u=https%3A%2F%2Fbit.ly%2Fx", "facebook.com", None, False),
])
def test_link_destinations(url: str, domain: str, via: str | None, opaque: bool) -> None:
    (lk,) = links(f"see {url} now")
    assert (lk.url, lk.domain, lk.via, lk.opaque) == (url, domain, via, opaque)


def test_davidson_tweets_with_tco_links_are_not_hidden_for_the_link_alone() -> None:
    """The measured defect (issue #14): bare http://t.co links in raw tweets were hidden as
    shortener links. A t.co link now only adds to scam wording, never hides on its own."""
    path = SHARED / "davidson_labeled_data.csv"
    if not path.is_file():
        pytest.skip(f"{path} not found (shared datasets absent)")
    with path.open(newline="", encoding="utf-8") as fh:
        texts = [r["tweet"] for r in csv.DictReader(fh) if "t.co/" in r["tweet"]][:1500]
    judge = Judge(RULES, None)
    cs = [comment(t, cid=str(i)) for i, t in enumerate(texts)]
    scam = [c.text for c, v in zip(cs, judge_batch(judge, cs), strict=True)
            if any(r.id == "scam.link" for r in v.reasons)]
    # each one also has scam wording: without its links, scam.bait fires
    stripped = [comment(re.sub(r"https?://t\.co/\S*", "", t), cid=str(i))
                for i, t in enumerate(scam)]
    for text, v in zip(scam, judge_batch(judge, stripped), strict=True):
        assert "scam.bait" in {r.id for r in v.reasons}, text
    assert len(scam) <= len(texts) // 100


# -- the fast path of _host is urlsplit's answer -------------------------------------------------
_URL_PIECES = [*"abcXYZ019.-/?#&=:@[]%_~!$'()*+,;", "http://", "https://", "HTTP://", "hTtPs://",
               "ftp://", "www.", "WWW.", " ", "\t", "\n", "\x00", "é", "\u202e", "ı", "K"]


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(_URL_PIECES), max_size=14).map("".join), st.booleans())
def test_host_fast_path_equals_urlsplit(url: str, bare: bool) -> None:
    from rules.detectors import _SCHEME, _host, _host_split

    schemed = url if _SCHEME.match(url) else "http://" + url if bare else None
    expected = None if schemed is None else _host_split(schemed)
    got = _host(url, bare)
    assert got == expected
    if got is not None and expected is not None:
        assert tuple(got[1]) == tuple(expected[1]) and type(got[1]) is type(expected[1])


def test_host_fast_path_examples() -> None:
    from rules.detectors import _host

    assert _host("HTTPS://WWW.Example.org/a/b?x=1&y=?#frag") == (
        "example.org", ("https", "WWW.Example.org", "/a/b", "x=1&y=?", "frag"))
    assert _host("quickcoin.xyz/join")[0] == "quickcoin.xyz"  # bare: http:// assumed
    assert _host("quickcoin.xyz/join", bare=False) is None
    assert _host("http://user@host.com:8080/x")[0] == "host.com"  # the slow path still
    assert _host("http:///nohost") is None and _host("ftp://files.example") is None
