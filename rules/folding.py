"""Text folding that defeats common evasion, with an optional map back to the original offsets.

``fold(text)`` is the fast path used on every comment; ``fold_mapped(text)`` returns the same
string plus, for each of its characters, the offset of the original character it came from (only
computed for comments where a rule fired, to report spans). Both apply the same steps:

1. compatibility decomposition (the K of NFKC: fullwidth, ligatures, math letters, circled
   letters) with accents, zero-width and other format characters removed;
2. Cyrillic and Greek look-alikes folded to the Latin letter they imitate, then case folding;
3. leetspeak inside words (``sh1t``, ``@ss``, ``b!tch``; plain numbers such as ``A55`` are left),
   and masked swear words (``f*ck``, ``f#ck``, ``sh*t``) restored when only one word of
   :data:`MASKED` fits (Cyrillic ``у``, a look-alike of both y and u, is read the same way);
4. letters spelled out with separators (``f u c k``, ``f.u.c.k``) joined; wider separators in
   a run are word ends (``y o u  a r e`` is "you are", ``y.o.u a.r.e`` too), and what is not
   already a word is split into English words when every piece is a known one and the split is
   not a guess between two words (``i.w.i.l.l.k.i.l.l.y.o.u`` is "i will kill you", ``a w e t
   b a c k`` is "a wetback"; ``s c u n t h o r p e`` and ``w e t b a c k`` stay whole);
5. everything that is not a letter or digit becomes one space.

The result is lower-case ASCII words separated by single spaces. Letters repeated three or more
times (``fuuuuck``) are handled by :func:`stretch_variants`. Word matching then happens on whole
words of this string, so a term is never found inside an innocent word (Scunthorpe, Essex).
"""

from __future__ import annotations

import math
import re
import unicodedata
from functools import lru_cache
from itertools import compress, pairwise

from rules.native import SOURCE_DIR

#: Letters that imitate Latin ones (Unicode confusables, Cyrillic and Greek, both cases).
CONFUSABLES: dict[str, str] = {
    # Cyrillic capitals
    "А": "a", "В": "b", "С": "c", "Е": "e", "Н": "h", "І": "i", "Ј": "j", "К": "k", "М": "m",
    "О": "o", "Р": "p", "Ѕ": "s", "Т": "t", "Х": "x", "У": "\ue001", "Ү": "y", "Ԁ": "d", "Ԛ": "q",
    "Ԝ": "w", "Ӏ": "l", "Ь": "b", "З": "3",
    # Cyrillic small
    "а": "a", "в": "b", "с": "c", "е": "e", "һ": "h", "н": "h", "і": "i", "ј": "j", "к": "k",
    "м": "m", "о": "o", "р": "p", "ѕ": "s", "т": "t", "х": "x", "у": "\ue001", "ү": "y", "ԁ": "d",
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


#: Swear words and insults as people mask them (``f*ck``, ``c**t``, ``sh#t``): a masked word
#: becomes the one word of this list it can stand for (none when two fit: ``s***``).
MASKED: tuple[str, ...] = (
    "fuck", "fucks", "fucked", "fucker", "fuckers", "fucking", "fuckin", "fuckwit", "motherfucker",
    "shit", "shits", "shite", "shitty", "shithead", "bullshit", "crap", "cunt", "cunts", "twat",
    "twats", "wanker", "wankers", "bitch", "bitches", "bastard", "bastards", "bollocks", "arse",
    "arsehole", "asshole", "ass", "piss", "pissed", "prick", "dick", "dickhead", "cock", "bellend",
    "knobhead", "tosser", "slut", "whore", "damn", "hell", "bloody", "bugger",
)
_MASK_CHARS = "*#%"
_MASK_TRIGGER = re.compile(rf"[a-z][{_MASK_CHARS}]")
_MASK_WORD = frozenset("abcdefghijklmnopqrstuvwxyz" + _MASK_CHARS)
_MASKED_BY_LEN: dict[int, tuple[str, ...]] = {}
for _w in MASKED:
    _MASKED_BY_LEN[len(_w)] = (*_MASKED_BY_LEN.get(len(_w), ()), _w)
#: Stand-in for a look-alike that reads as two letters (Cyrillic у: y or u), settled per word.
_AMBIG_U = "\ue001"
_AMBIG_TOKEN = re.compile(rf"[a-z{_AMBIG_U}]*{_AMBIG_U}[a-z{_AMBIG_U}]*")
_MASKED_SET = frozenset(MASKED)

_UNI_TABLE = _build_unicode_table()
_FINAL_ASCII = {i: (chr(i) if chr(i).isalnum() else " ") for i in range(128)}
#: The same as a bytes table (``bytes.translate`` is many times faster than ``str.translate``).
_FINAL_BYTES = bytes(i if i < 128 and chr(i).isalnum() else 32 for i in range(256))
_NONALNUM = re.compile(r"[^a-z0-9]")
#: Leetspeak inside a word, at the start of one, or a short "@ss": ``[a-z][L]+[a-z]``,
#: ``(?<![a-z0-9])[0-9$!|]+[a-z]``, ``(?<![a-z0-9])@[a-z]{1,3}(?![a-z])``, written to start
#: with one leet character (each alternative's look-behinds after it) so that ``re`` skips
#: ahead to one (a pattern that starts with an alternation is tried at every position).
_LEET_TRIGGER = re.compile(
    rf"[{_LEET_CHARS}](?:(?<=[a-z].)[{_LEET_CHARS}]*[a-z]"
    r"|(?<=[0-9$!|])(?<![a-z0-9].)[0-9$!|]*[a-z]"
    r"|(?<=@)(?<![a-z0-9]@)[a-z]{1,3}(?![a-z]))")
#: A whole word of letters and leet characters that holds a leet character. Its letters before
#: the first leet character are read possessively (``*+``): giving them back cannot help, a leet
#: character must follow, so words without one fail without backtracking through them.
_LEET_TOKEN = re.compile(rf"(?<![a-z{_LEET_CHARS}])[a-z]*+[{_LEET_CHARS}][a-z{_LEET_CHARS}]*")
_SEP = r"[\s.\-_*'’`~^\"+,/\\:]+"
_SPACED = re.compile(rf"(?<![a-z0-9])[a-z0-9](?:{_SEP}[a-z0-9](?![a-z0-9])){{2,}}")
#: What every :data:`_SPACED` run holds (its second letter between separators, a third after
#: it), starting with a separator so that ``re`` skips ahead: the cheap test before it.
_SPACED_GATE = re.compile(rf"{_SEP[:-1]}[a-z0-9]{_SEP}[a-z0-9](?![a-z0-9])")
#: :data:`_SPACED_GATE` for ASCII text, on its characters' classes (``A``: ``[a-z0-9]``, ``S``:
#: one separator of :data:`_SEP`, ``O``: any other): the pattern then starts with a literal,
#: which ``re`` finds by a fast string search instead of trying it at every separator.
_GATE_BYTES = bytes(65 if re.fullmatch("[a-z0-9]", chr(b)) else
                    83 if b < 128 and re.fullmatch(_SEP[:-1], chr(b)) else 79 for b in range(256))
_GATE_CLASSES = re.compile(rb"SAS+A(?!A)")


def spaced_gate(s: str) -> bool:
    """``_SPACED_GATE.search(s) is not None``, on character classes when ``s`` is ASCII."""
    if s.isascii():
        return _GATE_CLASSES.search(s.encode("ascii").translate(_GATE_BYTES)) is not None
    return _SPACED_GATE.search(s) is not None


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


def _unmasked(core: str) -> str | None:
    """The one word of :data:`MASKED` that ``core`` can stand for. A mask only at the end needs
    two characters ("f***", "a**"; not a footnote's "costs*")."""
    head = core.rstrip(_MASK_CHARS)
    if not any(c in _MASK_CHARS for c in head) and len(core) - len(head) < 2:
        return None
    fits = [w for w in _MASKED_BY_LEN.get(len(core), ())
            if all(c in _MASK_CHARS or c == t for c, t in zip(core, w, strict=True))]
    return fits[0] if len(fits) == 1 else None


def _unmask(tok: str) -> str:
    word = _unmasked(tok)
    if word is not None:
        return word
    core = tok.rstrip(_MASK_CHARS)  # "sh*t*": the trailing mask may be punctuation
    if core != tok and (word := _unmasked(core)) is not None:
        return word + tok[len(core):]
    return tok


def _unmask_all(s: str) -> str:
    """Masked words restored: each word of letters and masks that starts with a letter, has a
    mask after a letter, and does not follow a digit."""
    out: list[str] = []
    last = seen = 0
    n = len(s)
    for m in _MASK_TRIGGER.finditer(s):
        a = m.start()
        if a < seen:
            continue
        while a > 0 and s[a - 1] in _MASK_WORD:
            a -= 1
        b = m.end()
        while b < n and s[b] in _MASK_WORD:
            b += 1
        seen = b
        if s[a] in _MASK_CHARS or (a > 0 and s[a - 1].isdigit()):
            continue
        out.append(s[last:a])
        out.append(_unmask(s[a:b]))
        last = b
    out.append(s[last:])
    return "".join(out)


def _ambiguous(m: re.Match[str]) -> str:
    tok = m.group()
    as_u = tok.replace(_AMBIG_U, "u")
    return as_u if as_u in _MASKED_SET else tok.replace(_AMBIG_U, "y")


def _words_step(s: str) -> str:
    """Step 3 (one character for one: offsets unchanged): look-alikes read two ways, leetspeak,
    masked swear words."""
    if _AMBIG_U in s:
        s = _AMBIG_TOKEN.sub(_ambiguous, s)
    if _LEET_TRIGGER.search(s):
        s = _LEET_TOKEN.sub(_leet, s)
    if ("*" in s or "#" in s or "%" in s) and _MASK_TRIGGER.search(s):
        s = _unmask_all(s)
    return s


# --- step 4: letters spelled out ------------------------------------------------------------------
_MAX_WORD = 24
#: Longer spelled-out runs are joined but not split into words (the split costs O(letters)).
_MAX_SEGMENT = 400


@lru_cache(maxsize=1)
def _vocabulary() -> dict[str, float]:
    """Word → cost of reading it (Zipf: the log of its frequency rank), for :func:`segment`."""
    from rules._vocab_en import WORDS

    words = WORDS.split()
    costs = {w: math.log(rank + 2) for rank, w in enumerate(words)}
    extra = math.log(len(words) // 4)
    for w in (*MASKED, *_EXTRA_WORDS, *_shipped_terms()):
        costs.setdefault(w, extra)
    return costs


def _shipped_terms() -> list[str]:
    """The one-word terms of the shipped word lists (``rules/policies/lists``), so that a
    spelled-out slur reads as one word."""
    out = []
    for path in sorted((SOURCE_DIR / "policies" / "lists").glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            term = line.split("#", 1)[0].strip().strip("*")
            if term.isalpha() and term.isascii():
                out.append(term.lower())
    return out


#: Words the frequency list lacks: abuse that a spelled-out sentence carries, and place names that
#: must stay whole (never "penis tone").
_EXTRA_WORDS = (
    "idiot", "idiots", "moron", "morons", "scum", "scumbag", "pillock", "muppet", "kys", "morgue",
    "mortuary", "coffin", "bodybag", "useless", "worthless", "vermin", "stab", "strangle",
    "behead", "lynch", "slaughter", "execute", "exterminate", "eradicate", "torch", "punch",
    "smash", "hurt", "shiitake", "scunthorpe", "penistone",
    "middlesex", "sussex", "cockermouth", "shitterton", "essex", "arsenal", "clitheroe", "lightwater",
)


def segment(letters: str) -> list[str] | None:
    """``letters`` read as English words (``iwillkillyou`` → i, will, kill, you), the cheapest
    reading by word frequency; None when some piece would not be a known word."""
    costs = _vocabulary()
    n = len(letters)
    best: list[float] = [0.0] + [math.inf] * n
    back = [0] * (n + 1)
    for end in range(1, n + 1):
        for start in range(max(0, end - _MAX_WORD), end):
            if best[start] == math.inf:
                continue
            c = costs.get(letters[start:end])
            if c is not None and best[start] + c + 1.0 < best[end]:
                best[end], back[end] = best[start] + c + 1.0, start
    if best[n] == math.inf:
        return None
    out = []
    while n:
        out.append(letters[back[n]:n])
        n = back[n]
    return out[::-1]


def _split(letters: str, sentence: bool) -> list[int]:
    """Where ``letters`` (a spelled-out run, or one word of a spelled-out sentence) splits into
    words: offsets of the last letter of each word but the last. A split of a whole run needs
    three words or a one-letter one ("a wetback", "i will kill you"), never "wet back"."""
    if not 3 <= len(letters) <= _MAX_SEGMENT or not letters.isalpha():
        return []
    if letters in _vocabulary():
        return []  # a word already ("among", "cocktail")
    words = segment(letters)
    if not sentence and words and len(words) == 2 and min(map(len, words)) > 1:
        words = None
    if not words and letters[0] in "aiu" and letters[1:] in _vocabulary():
        words = [letters[0], letters[1:]]  # "a spics", whatever "asp ics" costs
    if not words or len(words) < 2:
        return []
    ends, k = [], -1
    for w in words[:-1]:
        k += len(w)
        ends.append(k)
    return ends


def _spaced_drops(s: str) -> list[tuple[int, int]]:
    """The separator spans step 4 removes from ``s``; the separators it keeps become spaces.

    In a run, separators wider than the narrowest (more whitespace: ``y o u  a r e``, ``y.o.u
    a.r.e``) end words, unless they are too many to be word ends; words are then split further
    when they read as several English words (:func:`segment`)."""
    drops: list[tuple[int, int]] = []
    for m in _SPACED.finditer(s):
        pos = [i for i in range(m.start(), m.end()) if s[i].isalnum()]
        seps = list(pairwise(pos))
        width = [s.count(" ", a + 1, b) + s.count("\t", a + 1, b) + s.count("\n", a + 1, b)
                 for a, b in seps]
        narrow = min(width)
        cut = [w > narrow for w in width]
        if sum(cut) * 5 > len(cut) * 2:  # "d\n i\ni\n i": words are not one or two letters
            cut = [False] * len(cut)
        sentence = any(cut)
        start = 0
        for j in (*(j for j, c in enumerate(cut) if c), len(pos) - 1):
            word = "".join(s[i] for i in pos[start:j + 1])
            for k in _split(word, sentence):
                cut[start + k] = True
            start = j + 1
        drops.extend((a + 1, b) for (a, b), c in zip(seps, cut, strict=True) if not c)
    return drops


def _drop(s: str, drops: list[tuple[int, int]]) -> str:
    out, last = [], 0
    for a, b in drops:
        out.append(s[last:a])
        last = b
    out.append(s[last:])
    return "".join(out)


def _prefold(text: str) -> str:
    if text.isascii():
        return text.lower()
    return unicodedata.normalize("NFKD", text).translate(_UNI_TABLE).casefold()


def fold(text: str) -> str:
    """The folded form of ``text``: lower-case ASCII words separated by single spaces."""
    return fold_state(text)[0]


#: The last text folded and its result: a comment's text is folded for its stateful signals
#: (``signals.text_key``) and then for its rules, the same ``str`` object both times.
_last_fold: tuple[str, tuple[str, str | None]] = ("", ("", None))


def fold_state(text: str) -> tuple[str, str | None]:
    """``fold(text)`` and, when ``text`` is ASCII and no spelled-out letters were joined, the
    string just before spaces were collapsed: :func:`fold_mapped` then only maps the spaces."""
    global _last_fold
    last = _last_fold  # one read: another thread may replace it, never half of it
    if last[0] is text:
        return last[1]
    result = _fold_state(text)
    _last_fold = (text, result)
    return result


def _fold_state(text: str) -> tuple[str, str | None]:
    ascii_text = text.isascii()
    s = _words_step(text.lower() if ascii_text else _prefold(text))
    if spaced_gate(s) and _SPACED.search(s):
        s = _drop(s, _spaced_drops(s))
        ascii_text = False
    s = s.encode().translate(_FINAL_BYTES).decode() if s.isascii() else _NONALNUM.sub(" ", s)
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


_SPACE_FLAG = bytes(1 if i == 32 else 0 for i in range(256))


def space_map(pre: str) -> list[int]:
    """``_collapse_spaces(pre, list(range(len(pre))))`` for an ASCII ``pre`` of letters, digits
    and spaces, with byte flags in one integer instead of a loop: a space is dropped when it
    starts the text, follows a space, or ends it."""
    core = pre.rstrip(" ")
    n = len(core)
    if " " not in core:
        return list(range(n))
    ones = int.from_bytes(b"\x01" * n, "little")
    space = int.from_bytes(core.encode("ascii").translate(_SPACE_FLAG), "little")
    drop = ((space & (space << 8)) | (space & 1)) & ones
    return list(compress(range(n), (ones ^ drop).to_bytes(n, "little")))


def space_shifts(pre: str) -> tuple[list[int], list[int], int]:
    """:func:`space_map` as shifts: ``(breaks, shifts, n)`` such that folded offset ``j < n``
    comes from ``pre[j + shifts[bisect_right(breaks, j)]]``; ``breaks`` are the folded offsets
    after which spaces were dropped (leading ones, and all but the first of a run)."""
    core = pre.rstrip(" ")
    breaks: list[int] = []
    shifts = [0]
    dropped = len(core) - len(core.lstrip(" "))
    if dropped:
        breaks.append(0)
        shifts.append(dropped)
    find = core.find
    a = find("  ", dropped)  # each run of spaces (str.find: no match objects to build)
    while a >= 0:
        b = a + 2
        while core[b] == " ":  # the run ends before the end: core ends with a non-space
            b += 1
        breaks.append(a + 1 - dropped)
        dropped += b - a - 1
        shifts.append(dropped)
        a = find("  ", b)
    return breaks, shifts, len(core) - dropped


def fold_mapped(text: str, pre: str | None = None) -> tuple[str, list[int]]:
    """``fold(text)`` and, per output character, the offset of its source in ``text``.
    ``pre``: the second item of :func:`fold_state`, when it has one."""
    if pre is not None:
        if pre.isascii():
            return " ".join(pre.split()), space_map(pre)
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
    s = _words_step(s)  # one character for one: offsets unchanged
    if spaced_gate(s) and _SPACED.search(s):
        keep = [True] * len(s)
        for a, b in _spaced_drops(s):
            keep[a:b] = [False] * (b - a)
        s, idx = _keep(s, idx, keep)
    s = s.translate(_FINAL_ASCII) if s.isascii() else _NONALNUM.sub(" ", s)
    return " ".join(s.split()), _collapse_spaces(s, idx)


#: Any character three times in a row (``re`` finds it faster than ``([a-z])\1\1``, whose class
#: it tests at every position).
_TRIPLE = re.compile(r"(.)\1\1")


#: Triples of other characters (digits: "1000") passed over before :data:`_RUN3` takes over
#: (a text of many such triples costs one scan, not a loop over them).
_TRIPLE_TRIES = 3


def has_stretch(folded: str) -> bool:
    """True when some letter appears three or more times in a row (``_RUN3.search``). The
    first triples of any character are looked at; no letter triple starts before the end of a
    triple of another character (its next two positions start with that character)."""
    search = _TRIPLE.search
    pos = 0
    for _ in range(_TRIPLE_TRIES):
        m = search(folded, pos)
        if m is None:
            return False
        if "a" <= m.group(1) <= "z":
            return True
        pos = m.end()
    return _RUN3.search(folded, pos) is not None


def stretch_variants(folded: str) -> tuple[str, str]:
    """Letters repeated 3+ times squeezed to one and to two: ``fuuuck`` → ``fuck``, ``fuuck``;
    ``assss`` → ``as``, ``ass``. Word matching tries both, so either spelling is found."""
    return _RUN3_PLUS.sub(r"\1", folded), _RUN3_PLUS.sub(r"\1\1", folded)


def stretch_variants_mapped(folded: str, idx: list[int]
                            ) -> tuple[tuple[str, list[int], list[int]], ...]:
    """:func:`stretch_variants` with offset maps: per character, where it starts and where the
    run it stands for ends in the original (so a span covers all of "fuuuuck")."""
    runs = stretch_runs(folded)
    return tuple(_squeezed(folded, idx, runs, width) for width in (1, 2))


def stretch_runs(folded: str) -> list[tuple[int, int]]:
    """The runs of 3+ repeated letters that :func:`stretch_variants` squeezes, as spans."""
    return [m.span() for m in _RUN3_PLUS.finditer(folded)]


def _squeezed(folded: str, idx: list[int], runs: list[tuple[int, int]], width: int
              ) -> tuple[str, list[int], list[int]]:
    """One stretch variant and its maps: each run ``[a, b)`` keeps ``width`` letters, the last
    of which ends where the run ends; slices between runs are copied as they are."""
    parts: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    last = 0
    for a, b in runs:
        keep = a + width
        parts.append(folded[last:keep])
        starts += idx[last:keep]
        ends += idx[last:keep - 1]
        ends.append(idx[b - 1])
        last = b
    parts.append(folded[last:])
    starts += idx[last:]
    ends += idx[last:]
    return "".join(parts), starts, ends


#: Every byte but the ASCII letters and digits (deleted by :func:`skeleton`).
_NOT_ASCII_ALNUM = bytes(b for b in range(256) if not (b < 128 and chr(b).isalnum()))
_SKELETON_MULTI = (("rn", "m"), ("vv", "w"))
_SKELETON_TABLE = str.maketrans({"l": "i", "1": "i", "|": "i", "!": "i", "0": "o", "3": "e",
                                 "5": "s", "4": "a", "@": "a", "$": "s", "7": "t"})
#: :data:`_SKELETON_TABLE` and :data:`_SKELETON_MULTI` for ASCII names, as bytes.
_SKELETON_BYTES = bytes(ord(chr(b).translate(_SKELETON_TABLE)) for b in range(256))
_SKELETON_MULTI_BYTES = tuple((a.encode(), b.encode()) for a, b in _SKELETON_MULTI)


@lru_cache(maxsize=65_536)
def skeleton(name: str) -> str:
    """A name's look-alike skeleton: folded, leet and confusable letters merged (l/I/1 are one
    letter, rn looks like m), only letters and digits kept. Equal skeletons look alike."""
    if name.isascii():  # the same steps on bytes
        raw = name.lower().encode("ascii").translate(_SKELETON_BYTES)
        for ab, bb in _SKELETON_MULTI_BYTES:
            raw = raw.replace(ab, bb)
        return raw.translate(None, _NOT_ASCII_ALNUM).decode("ascii")
    s = _prefold(name).replace(_AMBIG_U, "y").translate(_SKELETON_TABLE)
    for a, b in _SKELETON_MULTI:
        s = s.replace(a, b)
    # only ASCII letters and digits kept: the others dropped by the encoding, then the bytes
    return s.encode("ascii", "ignore").translate(None, _NOT_ASCII_ALNUM).decode("ascii")
