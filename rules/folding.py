"""Text folding that defeats common evasion, with an optional map back to the original offsets.

``fold(text)`` is the fast path used on every comment; ``fold_mapped(text)`` returns the same
string plus, for each of its characters, the offset of the original character it came from (only
computed for comments where a rule fired, to report spans). Both apply the same steps:

1. compatibility decomposition (the K of NFKC: fullwidth, ligatures, math letters, circled
   letters) with accents, zero-width and other format characters removed;
2. Cyrillic and Greek look-alikes folded to the Latin letter they imitate, then case folding;
3. leetspeak inside words (``sh1t``, ``@ss``, ``b!tch``; plain numbers such as ``A55`` are left);
4. letters spelled out with separators (``f u c k``, ``f.u.c.k``) joined;
5. everything that is not a letter or digit becomes one space.

The result is lower-case ASCII words separated by single spaces. Letters repeated three or more
times (``fuuuuck``) are handled by :func:`stretch_variants`. Word matching then happens on whole
words of this string, so a term is never found inside an innocent word (Scunthorpe, Essex).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from itertools import compress

#: Letters that imitate Latin ones (Unicode confusables, Cyrillic and Greek, both cases).
CONFUSABLES: dict[str, str] = {
    # Cyrillic capitals
    "А": "a", "В": "b", "С": "c", "Е": "e", "Н": "h", "І": "i", "Ј": "j", "К": "k", "М": "m",
    "О": "o", "Р": "p", "Ѕ": "s", "Т": "t", "Х": "x", "У": "y", "Ү": "y", "Ԁ": "d", "Ԛ": "q",
    "Ԝ": "w", "Ӏ": "l", "Ь": "b", "З": "3",
    # Cyrillic small
    "а": "a", "в": "b", "с": "c", "е": "e", "һ": "h", "н": "h", "і": "i", "ј": "j", "к": "k",
    "м": "m", "о": "o", "р": "p", "ѕ": "s", "т": "t", "х": "x", "у": "y", "ү": "y", "ԁ": "d",
    "ԛ": "q", "ԝ": "w", "ӏ": "l", "ь": "b", "п": "n", "г": "r", "ɡ": "g", "ѵ": "v", "з": "3",
    # Greek capitals
    "Α": "a", "Β": "b", "Ε": "e", "Ζ": "z", "Η": "h", "Ι": "i", "Κ": "k", "Μ": "m", "Ν": "n",
    "Ο": "o", "Ρ": "p", "Τ": "t", "Υ": "y", "Χ": "x",
    # Greek small
    "α": "a", "β": "b", "γ": "y", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o",
    "ρ": "p", "σ": "o", "ς": "c", "τ": "t", "υ": "u", "χ": "x", "ω": "w", "μ": "u",
    # Other common stand-ins
    "ı": "i", "ȷ": "j", "ℓ": "l", "ɑ": "a", "ο̄": "o", "ß": "ss",
}

#: Leetspeak, applied only inside words that also contain at least two letters.
LEET: dict[str, str] = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t",
                        "@": "a", "$": "s", "!": "i", "|": "l"}
_LEET_TABLE = str.maketrans(LEET)
_NOT_LETTERS = str.maketrans({c: None for c in "0123456789@$!|"})
_LEET_CHARS = "0-9@$!|"


def _build_unicode_table() -> dict[int, str | None]:
    table: dict[int, str | None] = {}
    for cp in range(0x80, 0x10000):
        if unicodedata.category(chr(cp)) in ("Mn", "Me", "Cf"):
            table[cp] = None
    for cp in range(0xE0000, 0xE0080):  # invisible tag characters
        table[cp] = None
    for src, dst in CONFUSABLES.items():
        if len(src) == 1:
            table[ord(src)] = dst
    return table


_UNI_TABLE = _build_unicode_table()
_FINAL_ASCII = {i: (chr(i) if chr(i).isalnum() else " ") for i in range(128)}
_NONALNUM = re.compile(r"[^a-z0-9]")
_LEET_TRIGGER = re.compile(
    rf"[a-z][{_LEET_CHARS}]+[a-z]|(?<![a-z0-9])[0-9$!|]+[a-z]|(?<![a-z0-9])@[a-z]{{1,3}}(?![a-z])")
_LEET_TOKEN = re.compile(rf"(?<![a-z{_LEET_CHARS}])[a-z{_LEET_CHARS}]*[{_LEET_CHARS}][a-z{_LEET_CHARS}]*")
_SEP = r"[\s.\-_*'’`~^\"+,/\\:]+"
_SPACED = re.compile(rf"(?<![a-z0-9])[a-z0-9](?:{_SEP}[a-z0-9](?![a-z0-9])){{2,}}")
_RUN3 = re.compile(r"([a-z])\1\1")
_SPACES = re.compile(r"^ +| +$|  +")
_RUN3_PLUS = re.compile(r"([a-z])\1\1+")


def _leet(m: re.Match[str]) -> str:
    tok = m.group()
    core = tok.rstrip("!|")
    if core.isalpha() or len(core.translate(_NOT_LETTERS)) < 2:
        return tok
    if core[0] == "@" and core[1:].isalpha() and len(core) > 3:
        return tok  # an @mention, not leet
    return core.translate(_LEET_TABLE) + tok[len(core):]


def _spaced(m: re.Match[str]) -> str:
    return "".join(ch for ch in m.group() if ch.isalnum())


def _prefold(text: str) -> str:
    if text.isascii():
        return text.lower()
    return unicodedata.normalize("NFKD", text).translate(_UNI_TABLE).casefold()


def fold(text: str) -> str:
    """The folded form of ``text``: lower-case ASCII words separated by single spaces."""
    return fold_state(text)[0]


def fold_state(text: str) -> tuple[str, str | None]:
    """``fold(text)`` and, when ``text`` is ASCII and no spelled-out letters were joined, the
    string just before spaces were collapsed: :func:`fold_mapped` then only maps the spaces."""
    ascii_text = text.isascii()
    s = text.lower() if ascii_text else _prefold(text)
    if _LEET_TRIGGER.search(s):
        s = _LEET_TOKEN.sub(_leet, s)
    if _SPACED.search(s):
        s = _SPACED.sub(_spaced, s)
        ascii_text = False
    s = s.translate(_FINAL_ASCII) if s.isascii() else _NONALNUM.sub(" ", s)
    return " ".join(s.split()), (s if ascii_text else None)


def _keep(s: str, idx: list[int], keep: list[bool]) -> tuple[str, list[int]]:
    return "".join(compress(s, keep)), list(compress(idx, keep))


def _collapse_spaces(s: str, idx: list[int]) -> list[int]:
    """Offsets after ``" ".join(s.split())``: delete the dropped spaces, right to left."""
    for m in reversed(list(_SPACES.finditer(s))):
        a, b = m.span()
        if a == 0 or b == len(s):
            del idx[a:b]
        else:
            del idx[a + 1:b]
    return idx


def fold_mapped(text: str, pre: str | None = None) -> tuple[str, list[int]]:
    """``fold(text)`` and, per output character, the offset of its source in ``text``.
    ``pre``: the second item of :func:`fold_state`, when it has one."""
    if pre is not None:
        return " ".join(pre.split()), _collapse_spaces(pre, list(range(len(pre))))
    if text.isascii():
        s, idx = text.lower(), list(range(len(text)))
    else:
        chars: list[str] = []
        idx = []
        for i, ch in enumerate(text):
            for c in _prefold(ch):
                chars.append(c)
                idx.append(i)
        s = "".join(chars)
    if _LEET_TRIGGER.search(s):
        s = _LEET_TOKEN.sub(_leet, s)  # one character for one: offsets unchanged
    if _SPACED.search(s):
        keep = [True] * len(s)
        for m in _SPACED.finditer(s):
            for j in range(m.start(), m.end()):
                keep[j] = s[j].isalnum()
        s, idx = _keep(s, idx, keep)
    s = s.translate(_FINAL_ASCII) if s.isascii() else _NONALNUM.sub(" ", s)
    return " ".join(s.split()), _collapse_spaces(s, idx)


def has_stretch(folded: str) -> bool:
    """True when some letter appears three or more times in a row."""
    return _RUN3.search(folded) is not None


def stretch_variants(folded: str) -> tuple[str, str]:
    """Letters repeated 3+ times squeezed to one and to two: ``fuuuck`` → ``fuck``, ``fuuck``;
    ``assss`` → ``as``, ``ass``. Word matching tries both, so either spelling is found."""
    return _RUN3_PLUS.sub(r"\1", folded), _RUN3_PLUS.sub(r"\1\1", folded)


def stretch_variants_mapped(folded: str, idx: list[int]
                            ) -> tuple[tuple[str, list[int], list[int]], ...]:
    """:func:`stretch_variants` with offset maps: per character, where it starts and where the
    run it stands for ends in the original (so a span covers all of "fuuuuck")."""
    out = []
    for width in (1, 2):
        keep = [True] * len(folded)
        last = list(idx)
        for m in _RUN3_PLUS.finditer(folded):
            last[m.start() + width - 1] = idx[m.end() - 1]
            for j in range(m.start() + width, m.end()):
                keep[j] = False
        s, starts = _keep(folded, idx, keep)
        _, ends = _keep(folded, last, keep)
        out.append((s, starts, ends))
    return tuple(out)


_SKELETON_MULTI = (("rn", "m"), ("vv", "w"))
_SKELETON_TABLE = str.maketrans({"l": "i", "1": "i", "|": "i", "!": "i", "0": "o", "3": "e",
                                 "5": "s", "4": "a", "@": "a", "$": "s", "7": "t"})


@lru_cache(maxsize=65_536)
def skeleton(name: str) -> str:
    """A name's look-alike skeleton: folded, leet and confusable letters merged (l/I/1 are one
    letter, rn looks like m), only letters and digits kept. Equal skeletons look alike."""
    s = _prefold(name).translate(_SKELETON_TABLE)
    for a, b in _SKELETON_MULTI:
        s = s.replace(a, b)
    return "".join(ch for ch in s if ch.isalnum() and ch.isascii())
