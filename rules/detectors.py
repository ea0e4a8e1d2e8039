"""Built-in detectors: personal data (with checksums), links, impersonation.

Each text detector takes the comment text and returns the spans (offsets into that text) it found;
a cheap character test runs first so that most comments cost one ``in`` or one short search.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import SplitResult, parse_qs, urlsplit

from rules.folding import skeleton

Span = tuple[int, int]

_DIGIT = re.compile(r"\d")

# --- e-mail -----------------------------------------------------------------------------------
_EMAIL = re.compile(
    r"(?<![\w.+-])[\w.+-]+\s*(?:@|\(at\)|\[at\])\s*[A-Za-z0-9-]+"
    r"(?:\s*(?:\.|\(dot\)|\[dot\])\s*[A-Za-z0-9-]+)*\s*(?:\.|\(dot\)|\[dot\])\s*[A-Za-z]{2,}\b",
    re.IGNORECASE,
)


_EMAIL_LOCAL = re.compile(r"[\w.+-]+$")
_EMAIL_DOMAIN = re.compile(r"[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")


def emails(text: str) -> list[Span]:
    """user@example.org, and spelled-out forms like "jo (at) example (dot) com"."""
    lower = text.lower()
    if "(at)" in lower or "[at]" in lower:
        return [m.span() for m in _EMAIL.finditer(text)]
    out = []
    at = text.find("@")
    while at > 0:
        local = _EMAIL_LOCAL.search(text, max(0, at - 64), at)
        domain = _EMAIL_DOMAIN.match(text, at + 1)
        if local and domain:
            out.append((local.start(), domain.end()))
        at = text.find("@", at + 1)
    return out


# --- phone numbers ----------------------------------------------------------------------------
_PHONE = re.compile(r"(?<![\w+])(?:\+|00)?\(?\d[\d\s().\-/]{5,22}\d(?![\w])")
_US = re.compile(r"(?:\+?1[\s.-]?)?\(?[2-9]\d{2}\)?[\s.-]?\d{3}[\s.-]\d{4}")


def _phone_ok(s: str) -> bool:
    digits = re.sub(r"\D", "", s)
    if s.startswith("+"):
        return 8 <= len(digits) <= 15
    if s.startswith("00"):
        return 8 <= len(digits) - 2 <= 15
    if digits.startswith("0"):
        # national numbers: UK 10-11 digits, France 10, Germany/Italy/Spain 9-12
        groups = re.split(r"[\s().\-/]+", s.strip("()"))
        return 10 <= len(digits) <= 12 or (len(digits) == 9 and len(groups) > 1)
    return _US.fullmatch(s) is not None


def phones(text: str) -> list[Span]:
    """International (+44 ..., 0033 ...), UK (07700 900123), US ((555) 123-4567) and European
    national formats (06 12 34 56 78, 030 12345678)."""
    if not _DIGIT.search(text):
        return []
    out = []
    for m in _PHONE.finditer(text):
        s = m.group().rstrip(" .-/")
        if _phone_ok(s):
            out.append((m.start(), m.start() + len(s)))
    return out


# --- UK National Insurance numbers ---------------------------------------------------------------
_NINO = re.compile(r"\b([A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z])\s?(\d{2})\s?(\d{2})\s?(\d{2})\s?([A-D])\b",
                   re.IGNORECASE)
_NINO_BAD_PREFIX = frozenset({"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"})


#: The digits and suffix letter every NINO ends with (a cheap test that starts at a digit).
_NINO_TAIL = re.compile(r"\d\d\s?\d\d\s?\d\d\s?[A-D]\b", re.IGNORECASE)


def uk_ninos(text: str) -> list[Span]:
    if not _NINO_TAIL.search(text):
        return []
    return [m.span() for m in _NINO.finditer(text) if m.group(1).upper() not in _NINO_BAD_PREFIX]


# --- US Social Security numbers ------------------------------------------------------------------
_SSN = re.compile(r"(\d{3})([- ])(\d{2})\2(\d{4})")
_SSN_BARE = re.compile(r"(?i)\b(?:ssn|social security(?: number| no\.?)?)\W{0,3}"
                       r"((?!000|666|9\d\d)\d{3}(?!00)\d{2}(?!0000)\d{4})\b")


def us_ssns(text: str) -> list[Span]:
    """123-45-6789 (valid area, group, serial), or nine digits right after "SSN"."""
    if not _DIGIT.search(text):
        return []
    spans = []
    for m in _SSN.finditer(text):
        a, b = m.span()
        area, group, serial = m.group(1), m.group(3), m.group(4)
        if (a and (text[a - 1].isdigit() or text[a - 1] == "-")) or \
                (b < len(text) and (text[b].isdigit() or text[b] == "-")):
            continue
        if area in ("000", "666") or area[0] == "9" or group == "00" or serial == "0000":
            continue
        spans.append((a, b))
    if "ssn" in text.lower() or "social security" in text.lower():
        spans += [m.span(1) for m in _SSN_BARE.finditer(text)]
    return sorted(set(spans))


# --- payment cards -----------------------------------------------------------------------------
_CARD = re.compile(r"\d(?:[ -]?\d){12,18}")
_CARD_PREFIX = re.compile(
    r"4|5[1-5]|2(?:2[2-9]|[3-6]\d|7[01]|720)|3[47]|3(?:0[0-5]|[68])|6(?:011|5|4[4-9]|2)|35|5[06-9]")


def luhn_ok(digits: str) -> bool:
    """The Luhn (mod 10) checksum of a card number."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def payment_cards(text: str) -> list[Span]:
    """13-19 digit numbers with a card-issuer prefix and a valid Luhn checksum."""
    if not _DIGIT.search(text):
        return []
    out = []
    for m in _CARD.finditer(text):
        a, b = m.span()
        if (a and text[a - 1] in "-0123456789") or (b < len(text) and text[b] in "-0123456789"):
            continue
        digits = re.sub(r"\D", "", m.group())
        if _CARD_PREFIX.match(digits) and len(set(digits)) > 1 and luhn_ok(digits):
            out.append(m.span())
    return out


# --- IBAN ----------------------------------------------------------------------------------------
IBAN_LENGTHS: dict[str, int] = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BR": 29, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28, "EE": 20,
    "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27,
    "GT": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30,
    "KZ": 20, "LB": 28, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MD": 24, "ME": 22,
    "MK": 19, "MR": 27, "MT": 31, "MU": 30, "NL": 18, "NO": 15, "PK": 24, "PL": 28, "PS": 29,
    "PT": 25, "QA": 29, "RO": 24, "RS": 22, "SA": 24, "SE": 24, "SI": 19, "SK": 24, "SM": 27,
    "TN": 24, "TR": 26, "UA": 29, "VG": 24, "XK": 20,
}
_IBAN = re.compile(r"\b([A-Z]{2})\d{2}(?: ?[A-Z0-9]){11,30}", re.IGNORECASE)


def iban_ok(iban: str) -> bool:
    """Country length and the ISO 13616 mod-97 checksum of a compact, upper-case IBAN."""
    if IBAN_LENGTHS.get(iban[:2]) != len(iban) or not iban.isalnum():
        return False
    moved = iban[4:] + iban[:4]
    return int("".join(str(int(ch, 36)) for ch in moved)) % 97 == 1


#: Two letters, two digits and eleven more characters: what every IBAN match starts with,
#: searched from its first digit (a cheap test).
_IBAN_START = re.compile(r"\d(?<=[A-Z]{2}\d)\d(?: ?[A-Z0-9]){11}", re.IGNORECASE)


def ibans(text: str) -> list[Span]:
    if not _IBAN_START.search(text):
        return []
    out = []
    for m in _IBAN.finditer(text):
        want = IBAN_LENGTHS.get(m.group(1).upper())
        if want is None:
            continue
        chars, end = [], m.start()
        for j in range(m.start(), m.end()):
            if text[j] != " ":
                chars.append(text[j].upper())
                end = j + 1
                if len(chars) == want:
                    break
        if len(chars) == want and iban_ok("".join(chars)):
            out.append((m.start(), end))
    return out


#: Personal-data detectors by name (``pii.<name>`` in policies).
PII_DETECTORS: dict[str, Callable[[str], list[Span]]] = {
    "email": emails,
    "phone": phones,
    "uk_nino": uk_ninos,
    "us_ssn": us_ssns,
    "payment_card": payment_cards,
    "iban": ibans,
}


# --- links -------------------------------------------------------------------------------------
_TLDS = ("com|net|org|info|biz|io|co|ly|gd|gl|me|xyz|top|club|online|site|shop|app|link|live|"
         "uk|us|eu|de|fr|nl|es|it|ie|ru|cn|tk|ml|ga|cf|gq|ws|cc|tv|gov|edu")
_URL = re.compile(
    rf"\b(?:https?://|www\.)[^\s<>\"']+|\b(?:[a-z0-9-]+\.)+(?:{_TLDS})\b(?:/[^\s<>\"']*)?",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Link:
    start: int
    end: int
    url: str
    #: The host the link leads to (``www.`` removed): for a wrapped link whose destination is in
    #: its URL (``l.facebook.com/l.php?u=…``), the destination's host.
    domain: str
    #: The wrapper the link went through (``t.co``, ``l.facebook.com``); None when not wrapped.
    via: str | None = None
    #: The link ends in a wrapper whose destination is unknown here (a bare ``t.co`` link):
    #: ``domain`` is the wrapper's, which is never a shortener signal.
    opaque: bool = False


@dataclass(frozen=True)
class Wrapper:
    """A platform's link wrapper: links posted on the platform are rewritten through it."""

    domain: str
    #: The path that wraps (``/l.php``); None: every path of the domain.
    path: str | None = None
    #: The query parameter that holds the destination; None: the destination is not in the URL
    #: (only the platform's payload has it: X ``entities.urls[].expanded_url``).
    param: str | None = None


#: Platform link wrappers. Never a shortener signal by themselves: where the URL carries its
#: destination, the link detectors judge the destination (a decoded bit.ly is a shortener, a
#: decoded gov.uk page is allowlisted); otherwise (a bare ``t.co`` link, e.g. in a backtest of raw
#: tweets) it is an ordinary link to a site that is not allowlisted. The gateway replaces wrapped
#: links by their destinations before rules run (docs/gateway.md, "Wrapped links").
DEFAULT_WRAPPERS: tuple[Wrapper, ...] = (
    Wrapper("t.co"),                               # X: every link in a tweet
    Wrapper("l.facebook.com", "/l.php", "u"),      # Facebook link shim (desktop)
    Wrapper("lm.facebook.com", "/l.php", "u"),     # Facebook link shim (mobile)
    Wrapper("l.instagram.com", "/", "u"),          # Instagram link shim
    Wrapper("youtube.com", "/redirect", "q"),      # YouTube (www., m.) outbound redirect
)
#: How many wrappers deep a destination is decoded (a shim linking to a shim).
MAX_UNWRAP = 3
_NOT_IN_URL = re.compile(r"[\s\x00-\x1f\x7f<>\"']")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")


def _wrapper(domain: str, parts: SplitResult) -> Wrapper | None:
    for w in DEFAULT_WRAPPERS:
        if (domain == w.domain or domain.endswith("." + w.domain)) and (
                w.path is None or (parts.path or "/") == w.path):
            return w
    return None


#: The common URL, on the fast path of :func:`_host`: http(s)://host[/path][?query][#fragment]
#: whose host is plain letters, digits, dots and hyphens (no user, port or IPv6 literal), all
#: printable ASCII. ``urlsplit`` gives the same parts for it (tests/unit/rules property test).
_PLAIN_URL = re.compile(r"(?i:(https?))://([A-Za-z0-9.-]*)(/[^?#]*)?(?:\?([^#]*))?(?:#(.*))?",
                        re.ASCII | re.DOTALL)
_PRINTABLE = re.compile(r"[!-~]*")


def _host(url: str, bare: bool = True) -> tuple[str, SplitResult] | None:
    """(host without ``www.``, parts) of an http(s) URL (``bare``: or of a URL without scheme)."""
    if not _SCHEME.match(url):
        if not bare:
            return None
        url = "http://" + url
    if _PRINTABLE.fullmatch(url) is not None:  # ~2.7x faster than urlsplit + .hostname
        m = _PLAIN_URL.fullmatch(url)
        if m is not None:
            scheme, netloc, path, query, fragment = m.groups()
            if not netloc:
                return None
            return netloc.lower().removeprefix("www."), SplitResult(
                scheme.lower(), netloc, path or "", query or "", fragment or "")
    return _host_split(url)


def _host_split(url: str) -> tuple[str, SplitResult] | None:
    """:func:`_host` by ``urlsplit``, for every URL (``url`` has a scheme)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:  # e.g. a malformed IPv6 literal
        return None
    if not host or parts.scheme.lower() not in ("http", "https"):
        return None
    return host.lower().removeprefix("www."), parts


def unwrap(url: str) -> tuple[str, str | None, bool]:
    """(the host ``url`` leads to, the first wrapper it went through or None, whether it ends
    in a wrapper whose destination is unknown), never fetching anything: a wrapper whose
    destination parameter is missing, or not an http(s) URL, leads to itself."""
    got = _host(url)
    if got is None:
        return "", None, False
    domain, parts = got
    via = None
    for _ in range(MAX_UNWRAP):
        w = _wrapper(domain, parts)
        if w is None:
            return domain, via, False
        via = via or domain
        target = parse_qs(parts.query).get(w.param, [""])[0] if w.param else ""
        inner = _host(target, bare=False) if target and not _NOT_IN_URL.search(target) else None
        if inner is None:
            return domain, via, True
        domain, parts = inner
    return domain, via, _wrapper(domain, parts) is not None


_DOT_LETTER = re.compile(r"\.[A-Za-z]")
_SPACE = re.compile(r"\s")
_SPACE_BEFORE = re.compile(r"\s(?=\S*$)")


def links(text: str) -> list[Link]:
    """Links written in the text, with full URLs or bare domains ("quickcoin.xyz/join").
    Only the whitespace-separated tokens that hold a "." followed by a letter are examined."""
    out: list[Link] = []
    pos = 0
    while True:
        dot = _DOT_LETTER.search(text, pos)
        if dot is None:
            return out
        before = _SPACE_BEFORE.search(text, max(0, dot.start() - 300), dot.start())
        start = before.end() if before else max(0, dot.start() - 300)
        after = _SPACE.search(text, dot.end())
        end = after.start() if after else len(text)
        for m in _URL.finditer(text, start, end):
            url = m.group().rstrip(".,;:!?)")
            domain, via, opaque = unwrap(url)
            out.append(Link(m.start(), m.start() + len(url), url, domain, via, opaque))
        pos = end


def in_domains(domain: str, domains: frozenset[str]) -> bool:
    """True when ``domain`` is one of ``domains`` or a subdomain of one (gov.uk ⊃ example.gov.uk):
    the domain and each of its parents looked up once."""
    if domain in domains:
        return True
    dot = domain.find(".")
    while dot >= 0:
        if domain[dot + 1:] in domains:
            return True
        dot = domain.find(".", dot + 1)
    return False


# --- impersonation ----------------------------------------------------------------------------
_MISSING = object()


def quick_ratio(a: Counter[str], b: Counter[str], length: int) -> float:
    """``SequenceMatcher(None, x, y).quick_ratio()`` from the letter counts of ``x`` and ``y``
    and ``length = len(x) + len(y) > 0``: the matches of both multisets, ``2.0 * M / length``."""
    matches = 0
    for ch, n in a.items():
        m = b.get(ch)
        if m:
            matches += n if n < m else m
    return 2.0 * matches / length


def _not_in(skel: str) -> bytes:
    """The bytes that are not letters of ``skel`` (ASCII), for ``bytes.translate``'s delete."""
    have = set(skel.encode("ascii"))
    return bytes(b for b in range(256) if b not in have)


@dataclass
class Impersonation:
    """Author names that look like the agency's official names, after confusable folding."""

    official_names: tuple[str, ...]
    official_ids: frozenset[str]
    threshold: float = 0.85

    def __post_init__(self) -> None:
        # official names whose skeleton is too short to compare (under 4) are left out, each
        # kept skeleton paired with its own name (the message names the official it resembles)
        pairs = [(s, n) for s, n in ((skeleton(n), n) for n in self.official_names) if len(s) >= 4]
        self._skeletons = tuple(s for s, _ in pairs)
        #: Per official name: its skeleton, the name, its letter counts
        #: (``SequenceMatcher.quick_ratio``'s ``fullbcount``, counted once instead of once per
        #: name checked) and the bytes that are not among its letters (deleted to count a
        #: name's letters it has at all).
        self._officials = tuple((off, official, Counter(off), _not_in(off)) for off, official in pairs)
        self._cache: dict[str, str | None] = {}
        self._by_names: dict[tuple[str | None, ...], str | None] = {}

    def _check(self, name: str) -> str | None:
        result = self._cache.get(name, _MISSING)
        if result is not _MISSING:
            return result  # type: ignore[return-value]
        result = None
        sk = skeleton(name)
        la = len(sk)
        if la >= 4:
            threshold = self.threshold
            raw = counts = None
            # ratio() = 2M/(la+lb), M the letters of the matching blocks; each bound below is an
            # M' >= M, so a name whose 2M'/(la+lb) is under the threshold cannot reach it
            for off, official, off_counts, off_absent in self._officials:
                lb = len(off)
                contained = lb >= 8 and off in sk
                if sk == off:
                    ratio = 1.0
                elif not contained and 2.0 * (la if la < lb else lb) / (la + lb) < threshold:
                    continue  # M <= min(la, lb)
                else:
                    if not contained:
                        if raw is None:
                            raw = sk.encode("ascii")  # a skeleton is ASCII letters and digits
                        shared = len(raw.translate(None, off_absent))
                        if 2.0 * (shared if shared < lb else lb) / (la + lb) < threshold:
                            continue  # M <= the letters of the name that the official has at all
                        if counts is None:
                            counts = Counter(sk)
                        if quick_ratio(counts, off_counts, la + lb) < threshold:
                            continue  # quick_ratio() is an upper bound of ratio()
                    ratio = difflib.SequenceMatcher(None, sk, off).ratio()
                if ratio >= threshold or contained:
                    result = f"author name {name!r} resembles official {official!r} ({ratio:.2f})"
                    break
        if len(self._cache) > 50_000:
            self._cache.clear()
        self._cache[name] = result
        return result

    def __call__(self, author_id: str, names: Iterable[str | None]) -> str | None:
        """A description of the resemblance, or None (official accounts are never flagged)."""
        if author_id in self.official_ids or not self._skeletons:
            return None
        key = tuple(names)
        result = self._by_names.get(key, _MISSING)
        if result is not _MISSING:
            return result  # type: ignore[return-value]
        result = None
        for name in key:
            if name:
                result = self._check(name)
                if result:
                    break
        if len(self._by_names) > 50_000:
            self._by_names.clear()
        self._by_names[key] = result
        return result
