"""A minimal built-in rule set: threats, personal data, scam links and impersonation.

This is the pipeline's floor, not the agency policy language (that lives in policy files):
few rules, each cheap and explainable, with the spans it matched.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable
from urllib.parse import urlsplit

from civicmod.schema import Comment
from rules.base import Rule, RuleHit, RuleSet

_WILL = r"(?:(?:i|we)(?:'m| am|'re| are)? (?:going to|gonna|will)|i'?ll|we'?ll|gonna)"
_THREAT = re.compile(
    rf"\b{_WILL}\s+(?:kill|hurt|stab|shoot|burn|bomb)\s+(?:you|u|him|her|them|every|all|your|the)\b"
    rf"|\b{_WILL}\s+(?:find|get)\s+(?:you|u|him|her|them)\b"
    r"|\b(?:kill|stab|shoot) (?:you|u|all of you|every one of you)\b"
    r"|\bburn (?:it|(?:the|your)(?: \w+){1,3}) down\b"
    r"|\bi know where you live\b"
    r"|\b(?:bomb|shoot up) (?:the|your) (?:council|office|town hall|station|building)\b",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
_PHONE = re.compile(r"(?<![\w+])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{2,5}\)[\s.-]?)?\d[\d\s.-]{6,16}\d(?!\w)")
_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>\"']+|\b[a-z0-9-]+\.(?:ly|gd|gl|co|io|xyz|top)/\S+",
                  re.IGNORECASE)
_SCAM_WORDS = re.compile(
    r"\b(?:refund|rebate|claim (?:your|now)|compensation|crypto|bitcoin|btc|wallet|giveaway|"
    r"verify your (?:account|details)|dm me|whatsapp me|investment)\b",
    re.IGNORECASE,
)
SHORTENERS = frozenset({
    "bit.ly", "tinyurl.com", "goo.gl", "is.gd", "cutt.ly", "rb.gy", "ow.ly", "t.ly", "shorturl.at",
    "tiny.cc", "rebrand.ly", "buff.ly",
})
ALLOWED_DOMAINS = frozenset({"gov.uk", "nhs.uk", "police.uk", "gov", "europa.eu"})

_CONFUSABLES = str.maketrans({
    "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "х": "x", "у": "y", "і": "i", "ј": "j",
    "ѕ": "s", "ԁ": "d", "ɡ": "g", "һ": "h", "ӏ": "l", "α": "a", "ε": "e", "ο": "o", "ρ": "p",
    "τ": "t", "υ": "u", "ν": "v", "κ": "k", "ι": "i", "0": "o", "1": "l", "3": "e", "5": "s",
    "|": "l",
})


def skeleton(name: str) -> str:
    """Lower-case, NFKC, confusables folded, only letters kept: 'Clty of Exampie' ≈ official."""
    folded = unicodedata.normalize("NFKC", name).lower().translate(_CONFUSABLES)
    return "".join(ch for ch in folded if ch.isalpha())


def _regex_rule(rule_id: str, label: str, action: str, pattern: re.Pattern[str],
                accept=lambda m: True, detail: str | None = None) -> Rule:
    def match(comment: Comment) -> RuleHit | None:
        spans = tuple(m.span() for m in pattern.finditer(comment.text) if accept(m))
        return RuleHit(rule_id, label, action, spans, detail) if spans else None  # type: ignore[arg-type]

    return Rule(rule_id, label, action, match, pattern.pattern[:80])  # type: ignore[arg-type]


def _is_phone(m: re.Match[str]) -> bool:
    digits = sum(ch.isdigit() for ch in m.group())
    return 9 <= digits <= 15


def _domain(url: str) -> str:
    host = urlsplit(url if "://" in url else "http://" + url).hostname or ""
    return host.removeprefix("www.")


def _allowed(host: str, allowed: Iterable[str]) -> bool:
    return any(host == d or host.endswith("." + d) for d in allowed)


def _scam_rule(allowed: frozenset[str]) -> Rule:
    def match(comment: Comment) -> RuleHit | None:
        links = [m for m in _URL.finditer(comment.text) if not _allowed(_domain(m.group()), allowed)]
        if not links:
            return None
        shortened = [m for m in links if _domain(m.group()) in SHORTENERS]
        bait = list(_SCAM_WORDS.finditer(comment.text))
        if not (shortened or bait):
            return None
        spans = tuple(m.span() for m in (*links, *bait))
        why = "link shortener" if shortened else "link with scam wording"
        return RuleHit("scam.link", "scam", "hide", tuple(sorted(spans)), why)

    return Rule("scam.link", "scam", "hide", match, "non-allowlisted link with scam bait or shortener")


def _impersonation_rule(official_names: Iterable[str], official_ids: Iterable[str]) -> Rule:
    official = {skeleton(n) for n in official_names if skeleton(n)}
    ids = set(official_ids)

    def match(comment: Comment) -> RuleHit | None:
        if comment.author.id in ids or not official:
            return None
        for shown in (comment.author.display_name, comment.author.handle):
            sk = skeleton(shown or "")
            if len(sk) < 4:
                continue
            best = max(official, key=lambda o: difflib.SequenceMatcher(None, sk, o).ratio())
            ratio = difflib.SequenceMatcher(None, sk, best).ratio()
            if ratio >= 0.85:
                return RuleHit("impersonation.official_name", "impersonation", "escalate", (),
                               f"author name {shown!r} resembles an official account ({ratio:.2f})")
        return None

    return Rule("impersonation.official_name", "impersonation", "escalate", match,
                "author name close to an official account name")


def builtin_ruleset(official_names: Iterable[str] = (), official_author_ids: Iterable[str] = (),
                    version: str = "builtin-1",
                    allowed_domains: Iterable[str] = ALLOWED_DOMAINS) -> RuleSet:
    """The built-in rules, parameterised by the agency's official names and allowlisted domains."""
    return RuleSet(version, (
        _regex_rule("abuse.threat", "threat", "hide", _THREAT),
        _regex_rule("pii.email", "personal_data", "hide", _EMAIL),
        _regex_rule("pii.phone", "personal_data", "hide", _PHONE, _is_phone),
        _scam_rule(frozenset(allowed_domains)),
        _impersonation_rule(official_names, official_author_ids),
    ))
