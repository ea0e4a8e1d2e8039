"""What citizens are talking about: the week's top terms per account, and the ones rising
against the week before.

Terms are words and two-word phrases (scikit-learn's TF-IDF vectoriser), ranked by how many of
the week's comments use them, then by their TF-IDF weight; a term used by exactly the same
comments as one ranked above it adds nothing and is left out. Each term's share of comments this
week against last week says whether it is rising. Only terms
written by at least ``min_authors`` different people count (a name, or one person's campaign,
is not a topic), and e-mail addresses, links, @handles, numbers and the authors' own names are
taken out before counting, so no term carries personal data.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer, strip_accents_unicode

#: Words that say nothing about a topic on an agency's page (besides English stop words).
EXTRA_STOP_WORDS = frozenset({
    "council", "councils", "please", "thanks", "thank", "just", "like", "know", "think", "get",
    "got", "really", "people", "need", "needs", "did", "does", "don", "doesn", "didn", "isn",
    "im", "ive", "going", "want", "make", "say", "said", "day", "today", "week", "time", "year",
    "years", "good", "great", "bad", "lot", "way", "new", "yes", "ok", "okay", "hi", "hello",
    "dear", "still", "again", "ll", "ve", "re", "st", "nd", "rd", "th", "went", "go", "goes",
    "keeps", "keep", "getting", "weeks", "days", "months", "twice", "near", "nearly",
    "everywhere", "ago", "update", "anyone", "someone", "thing", "things", "lots",
})
#: Words of scikit-learn's list that are topics on a council's page ("fire station", "Mill Lane").
TOPICAL = frozenset({"bill", "fire", "mill", "empty", "interest", "system", "bottom", "front", "side",
                     "amount", "thick", "thin"})
STOP_WORDS = frozenset((ENGLISH_STOP_WORDS - TOPICAL) | EXTRA_STOP_WORDS)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}\b")
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_HANDLE = re.compile(r"@\w+")
#: Words of letters only (two or more): numbers (phones, house numbers, dates) never make a term.
TOKEN = r"(?u)\b[^\W\d_][^\W\d_]+\b"


@dataclass(frozen=True)
class Doc:
    """One comment: its text and who wrote it (used to count distinct authors, never shown)."""

    text: str
    author: str


@dataclass(frozen=True)
class Term:
    term: str
    #: Mean TF-IDF weight over this week's comments (the ranking).
    weight: float
    #: Comments that use the term this week and the week before.
    this_week: int
    last_week: int
    #: Share this week ÷ share last week (add-one smoothed): above 1 means rising.
    lift: float
    #: Different authors who used it this week.
    authors: int

    @property
    def rising(self) -> bool:
        return self.lift >= 1.5 and self.this_week > self.last_week

    @property
    def is_new(self) -> bool:
        return self.last_week == 0


@dataclass(frozen=True)
class Trends:
    account_id: str
    comments_this_week: int
    comments_last_week: int
    #: The week's top terms (most comments, then weight).
    top: list[Term]
    #: Terms whose share grew most against last week.
    rising: list[Term]


def clean(text: str, names: Iterable[str] = ()) -> str:
    """The text without contact data, links, handles and the given personal names."""
    text = _EMAIL.sub(" ", text)
    text = _URL.sub(" ", text)
    text = _HANDLE.sub(" ", text)
    for name in names:
        if name:
            text = re.sub(rf"(?i)\b{re.escape(name)}\b", " ", text)
    return text


def _name_words(names: Iterable[str]) -> set[str]:
    words: set[str] = set()
    for name in names:
        words.update(w.lower() for w in re.findall(r"[^\W\d_]{2,}", name))
    return words


def analyzer(stop: frozenset[str]) -> Callable[[str], list[str]]:
    """Words and two-word phrases of adjacent words, neither end a stop word (so a phrase is
    something written, never two words left side by side once the stop words are gone)."""
    token = re.compile(TOKEN)

    def analyse(text: str) -> list[str]:
        words = token.findall(strip_accents_unicode(clean(text).lower()))
        grams = [w for w in words if w not in stop]
        grams += [f"{a} {b}" for a, b in pairwise(words) if a not in stop and b not in stop]
        return grams

    return analyse


def trends(account_id: str, this_week: Sequence[Doc], last_week: Sequence[Doc], *,
           top_n: int = 10, min_authors: int = 3, names: Iterable[str] = ()) -> Trends:
    """The top and rising terms of ``this_week``'s comments against ``last_week``'s.
    ``names``: authors' names and handles, never reported as terms."""
    stop = STOP_WORDS | _name_words(names)
    empty = Trends(account_id, len(this_week), len(last_week), [], [])
    if len(this_week) < min_authors:
        return empty
    vec = TfidfVectorizer(analyzer=analyzer(stop), sublinear_tf=True)
    try:
        matrix = vec.fit_transform([d.text for d in (*this_week, *last_week)])
    except ValueError:  # nothing left but stop words
        return empty
    vocab = vec.get_feature_names_out()
    n_this, n_last = len(this_week), len(last_week)
    current, previous = matrix[:n_this].tocsc(), matrix[n_this:].tocsc()
    weights = current.mean(axis=0).A1
    df_this = current.getnnz(axis=0)
    df_last = previous.getnnz(axis=0) if n_last else [0] * len(vocab)
    terms: list[Term] = []
    seen: set[frozenset[int]] = set()
    # most comments first; at a tie a phrase before a word (it says more), then by weight
    order = sorted(range(len(vocab)),
                   key=lambda j: (-df_this[j], " " not in vocab[j], -weights[j], vocab[j]))
    for j in order:
        if df_this[j] < min_authors:  # fewer comments than authors needed: none of the rest count
            break
        rows = current[:, j].nonzero()[0]
        authors = len({this_week[i].author for i in rows})
        if authors < min_authors:
            continue
        docs = frozenset(rows.tolist())
        if docs in seen:  # exactly the comments of a term already listed: it adds nothing
            continue
        seen.add(docs)
        lift = ((len(rows) + 1) / (n_this + 2)) / ((df_last[j] + 1) / (n_last + 2))
        terms.append(Term(str(vocab[j]), round(float(weights[j]), 4), len(rows), int(df_last[j]),
                          round(float(lift), 2), authors))
    terms = _drop_covered(terms)
    top = terms[:top_n]
    rising = sorted((t for t in terms if t.rising), key=lambda t: (-t.lift, -t.this_week, t.term))
    return Trends(account_id, n_this, n_last, top, rising[:top_n])


def _drop_covered(terms: list[Term]) -> list[Term]:
    """Drop a word when a phrase containing it is used in as many comments this week
    (``pothole`` beside ``pothole repairs`` would say the same thing twice)."""
    phrases = [t for t in terms if " " in t.term]
    return [t for t in terms if " " in t.term
            or not any(t.term in p.term.split() and p.this_week >= t.this_week for p in phrases)]
