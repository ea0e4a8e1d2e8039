"""Wrapped links → their destinations, from the payload alone (nothing is fetched).

Platforms rewrite the links people post: X wraps every link in ``t.co`` (the destination is in
the tweet's ``entities``), Meta and YouTube send some links through a redirect shim that carries
the destination in its query (``l.facebook.com/l.php?u=…``, ``l.instagram.com/?u=…``,
``youtube.com/redirect?q=…``). The comment text gets the destination, so link rules judge where
a link leads, not the wrapper (rules/detectors.py ``DEFAULT_WRAPPERS`` lists the same wrappers
for raw texts, e.g. backtests). What cannot be used is left as it was and counted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

#: Shims whose destination is in their own query: host pattern, path, query parameter.
_SHIM = re.compile(
    r"(?<![\w.@/:-])(?:https?://)?(?:"
    r"(?:l|lm)\.facebook\.com/l\.php\?|l\.instagram\.com/?\?|(?:www\.|m\.)?youtube\.com/redirect\?"
    r")[^\s<>\"']+", re.IGNORECASE)
_PARAM = {"facebook.com": "u", "instagram.com": "u", "youtube.com": "q"}
#: How many shims deep a destination is decoded (a shim linking to a shim).
MAX_UNWRAP = 3
#: A wrapped URL (``https://t.co/…``) longer than this is not one.
MAX_WRAPPED_CHARS = 256
#: A destination longer than this is not used (the wrapper is kept): a payload cannot make a
#: comment grow past its record limit this way.
MAX_DESTINATION_CHARS = 2048
_HTTP = re.compile(r"https?://[^\s\x00-\x1f\x7f<>\"']+", re.IGNORECASE)
_TRAILING = ".,;:!?)"


def usable_url(value: Any, limit: int) -> str | None:
    """``value`` when it is one http(s) URL with a host (no spaces, quotes or control
    characters) of at most ``limit`` characters, else None."""
    if not isinstance(value, str) or len(value) > limit or not _HTTP.fullmatch(value):
        return None
    try:
        host = urlsplit(value).hostname
    except ValueError:
        return None
    return value if host else None


def _shim_target(url: str) -> str | None:
    """The destination a shim URL carries in its query, or None."""
    try:
        parts = urlsplit(url if "://" in url else "https://" + url)
        host = (parts.hostname or "").lower()
    except ValueError:
        return None
    param = next((p for d, p in _PARAM.items() if host == d or host.endswith("." + d)), None)
    if param is None:
        return None
    values = parse_qs(parts.query).get(param)
    return usable_url(values[0], MAX_DESTINATION_CHARS) if values else None


def _destination(url: str) -> str | None:
    target = None
    for _ in range(MAX_UNWRAP):
        inner = _shim_target(url)
        if inner is None:
            break
        target = url = inner
        if not _SHIM.fullmatch(url):
            break
    return target


def unwrap_shims(text: str) -> str:
    """Each Meta / YouTube redirect shim in ``text`` replaced by the destination in its query
    (decoded); a shim without a usable destination (missing, not an http(s) URL) is kept."""
    if "facebook.com" not in text and "instagram.com" not in text and "youtube.com" not in text:
        return text

    def repl(m: re.Match[str]) -> str:
        url = m.group().rstrip(_TRAILING)
        target = _destination(url)
        return m.group() if target is None else target + m.group()[len(url):]

    return _SHIM.sub(repl, text)


def expand(text: str, mapping: Mapping[str, str]) -> str:
    """Each occurrence of a wrapped URL (a key of ``mapping``, e.g. ``https://t.co/abc``) that is
    not part of a longer URL replaced by its destination, in one pass (a destination is never
    expanded again)."""
    if not mapping or not text:
        return text
    keys = sorted(mapping, key=len, reverse=True)
    pattern = re.compile("(?:" + "|".join(map(re.escape, keys)) + r")(?![\w/%-])")
    return pattern.sub(lambda m: mapping[m.group()], text)


def x_url_entities(objects: Iterable[Any]) -> tuple[dict[str, str], int]:
    """``{url: expanded_url}`` from the ``entities.urls`` / ``entities.media`` /
    ``extended_entities.media`` of the given tweet objects (the tweet, its ``extended_tweet``),
    and how many entities could not be used (a wrong type, a URL that is not one, an
    over-long destination). An entity without ``expanded_url`` (null) is left alone."""
    found: dict[str, str] = {}
    bad = 0
    for obj in objects:
        if not isinstance(obj, dict):
            continue
        for group, kinds in (("entities", ("urls", "media")), ("extended_entities", ("media",))):
            entities = obj.get(group)
            if entities is None:
                continue
            if not isinstance(entities, dict):
                bad += 1
                continue
            for kind in kinds:
                items = entities.get(kind)
                if items is None:
                    continue
                if not isinstance(items, list):
                    bad += 1
                    continue
                for item in items:
                    if isinstance(item, dict) and item.get("expanded_url") is None \
                            and isinstance(item.get("url"), str):
                        continue  # nothing to expand
                    url = usable_url(item.get("url"), MAX_WRAPPED_CHARS) \
                        if isinstance(item, dict) else None
                    target = usable_url(item.get("expanded_url"), MAX_DESTINATION_CHARS) \
                        if isinstance(item, dict) else None
                    if url is None or target is None or found.get(url, target) != target:
                        bad += 1
                        continue
                    found[url] = target
    return found, bad
