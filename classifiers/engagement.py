"""A small engagement classifier: does a comment ask the agency a question or report a problem?

Complements the tag-only ``engagement.*`` rules of the default policy (which are precise but
literal): word n-gram TF-IDF and a logistic regression (scikit-learn), trained at
first use on a bundled seed set written for civicmod (``classifiers/data/engagement_seed.tsv``,
a few hundred short English comments: questions, problem reports, and others: thanks,
statements, criticism, rhetorical questions such as "who even voted for this?"). Training takes
a fraction of a second and the fitted model is cached for the process. English only: a comment
in another language is never tagged. Its held-out precision and recall are measured by
``tests/unit/classifiers/test_engagement_classifier.py`` and reported in docs/engagement.md.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Any

from classifiers.language import detect

SEED = Path(__file__).resolve().parent / "data" / "engagement_seed.tsv"
#: Seed label → verdict tag (``civicmod.contract.records.NEEDS_REPLY_TAGS``).
TAGS = {"question": "engagement.question", "report": "engagement.report"}
LABELS = ("question", "report", "other")


@dataclass(frozen=True)
class Example:
    label: str
    text: str


def load_seed(path: Path = SEED) -> list[Example]:
    """The examples of a seed file (``<label><TAB><text>`` lines; ``#`` starts a comment);
    raises ValueError naming the file and line of a malformed one."""
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        label, sep, text = line.partition("\t")
        if not sep or label not in LABELS or not text.strip():
            raise ValueError(f"{path}:{n}: expected <{'|'.join(LABELS)}><TAB><text>")
        out.append(Example(label, text.strip()))
    return out


def train(examples: Sequence[Example]) -> Any:
    """A fitted scikit-learn pipeline (word n-gram TF-IDF → logistic regression)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    # Word unigrams and bigrams, with one-letter words ("i", "a") and the question mark as
    # tokens: as good on the held-out split as character n-grams, at a sixth of the cost.
    features = TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True,
                               token_pattern=r"(?u)\b\w+\b|\?")
    model = make_pipeline(features, LogisticRegression(C=30.0, max_iter=3000))
    model.fit([e.text.lower() for e in examples], [e.label for e in examples])
    return model


def split(examples: Sequence[Example], test_share: float = 0.25, seed: int = 13
          ) -> tuple[list[Example], list[Example]]:
    """A deterministic split, stratified by label: (train, held out)."""
    from sklearn.model_selection import train_test_split

    fit, held = train_test_split(list(examples), test_size=test_share, random_state=seed,
                                 stratify=[e.label for e in examples])
    return list(fit), list(held)


def seed_digest(path: Path = SEED) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


@cache
def _fitted(path: str, digest: str) -> Any:
    """The model trained on the seed file at ``path`` (``digest``: its content, so an edited
    file is trained again)."""
    return train(load_seed(Path(path)))


@dataclass(frozen=True)
class Scorer:
    """The fitted pipeline's ``predict_proba`` in plain Python: TF-IDF (sublinear tf, l2 norm)
    times the regression's weights, then softmax. scikit-learn's own call costs ~1–1.5 ms
    whatever the batch (input validation, sparse matrices), which the worker's small batches
    paid per comment; this costs ~10–20 µs a text and agrees with it to ~1e-15."""

    analyzer: Callable[[str], list[str]]
    #: term → (idf × the regression's weight of each class)
    weights: dict[str, tuple[float, ...]]
    idf: dict[str, float]
    intercept: tuple[float, ...]
    classes: tuple[str, ...]

    @classmethod
    def of(cls, pipeline: Any) -> Scorer:
        vec, reg = pipeline[0], pipeline[-1]
        if (vec.norm != "l2" or not vec.sublinear_tf or not vec.use_idf or vec.binary
                or len(reg.classes_) != 3):
            raise ValueError("Scorer reproduces a 3-class multinomial l2/sublinear TF-IDF "
                             "pipeline only")
        coef = reg.coef_
        weights, idf = {}, {}
        for term, j in vec.vocabulary_.items():
            idf[term] = float(vec.idf_[j])
            weights[term] = tuple(float(vec.idf_[j] * coef[k, j]) for k in range(coef.shape[0]))
        return cls(_word_grams(vec), weights, idf,
                   tuple(float(b) for b in reg.intercept_), tuple(str(c) for c in reg.classes_))

    def proba(self, text: str) -> dict[str, float]:
        idf = self.idf
        terms = [t for t in self.analyzer(text) if t in idf]
        z0, z1, z2 = self.intercept
        if terms:
            weights = self.weights
            a0 = a1 = a2 = norm2 = 0.0
            seen = set(terms)
            counts = Counter(terms) if len(seen) != len(terms) else None
            for term in seen:
                # sublinear tf: 1 + log(count); the usual count of 1 needs no log
                tf = 1.0 + math.log(counts[term]) if counts is not None else 1.0
                w0, w1, w2 = weights[term]
                a0 += tf * w0
                a1 += tf * w1
                a2 += tf * w2
                v = tf * idf[term]
                norm2 += v * v
            norm = math.sqrt(norm2)
            z0, z1, z2 = z0 + a0 / norm, z1 + a1 / norm, z2 + a2 / norm
        top = max(z0, z1, z2)
        e0, e1, e2 = math.exp(z0 - top), math.exp(z1 - top), math.exp(z2 - top)
        total = e0 + e1 + e2
        c0, c1, c2 = self.classes
        return {c0: e0 / total, c1: e1 / total, c2: e2 / total}


def _word_grams(vec: Any) -> Callable[[str], list[str]]:
    """The vectorizer's analyzer (lower case, its token pattern, word 1- and 2-grams) without
    scikit-learn's per-call layers; any other configuration keeps scikit-learn's own."""
    if (vec.analyzer != "word" or vec.ngram_range != (1, 2) or vec.tokenizer is not None
            or vec.preprocessor is not None or vec.stop_words is not None
            or vec.strip_accents is not None or not vec.lowercase):
        return vec.build_analyzer()  # type: ignore[no-any-return]
    findall = re.compile(vec.token_pattern).findall

    def grams(text: str) -> list[str]:
        tokens = findall(text.lower())
        return tokens + [f"{a} {b}" for a, b in itertools.pairwise(tokens)]

    return grams


@cache
def _scorer(path: str, digest: str) -> Scorer:
    return Scorer.of(_fitted(path, digest))


@dataclass
class EngagementClassifier:
    """``tag`` says, for each comment, which engagement tag it gets (or None), and how sure.

    ``threshold``: the probability a tag needs (the default keeps precision high: a wrong tag
    costs comms staff time). ``languages``: the languages it was trained on; a comment whose
    language is unknown is tagged only if it is detected as one of them (or is too short to
    tell), and detection runs only on the comments it would tag."""

    threshold: float = 0.7
    seed_path: Path = SEED
    languages: frozenset[str] = field(default_factory=lambda: frozenset({"en"}))
    name: str = "civicmod-engagement"
    labels: tuple[str, ...] = ("question", "report")

    @cached_property
    def digest(self) -> str:
        """The seed file's digest, read once (not at every batch)."""
        return seed_digest(self.seed_path)

    @cached_property
    def version(self) -> str:
        import sklearn

        return f"{self.digest}+sklearn{sklearn.__version__}"

    def _model(self) -> Any:
        return _fitted(str(self.seed_path), self.digest)

    def predict(self, texts: Sequence[str]) -> list[dict[str, float]]:
        """``{"question": p, "report": p}`` for each text."""
        if not texts:
            return []
        scorer = _scorer(str(self.seed_path), self.digest)
        labels = self.labels
        out = []
        for t in texts:
            p = scorer.proba(t.lower())
            out.append({label: p[label] for label in labels})
        return out

    def tag(self, texts: Sequence[str], langs: Sequence[str | None] | None = None
            ) -> list[tuple[str, float] | None]:
        """(tag, probability) for each text the classifier is confident about, else None."""
        langs = list(langs) if langs is not None else [None] * len(texts)
        todo = [i for i, lang in enumerate(langs) if lang is None or lang in self.languages]
        out: list[tuple[str, float] | None] = [None] * len(texts)
        for i, scores in zip(todo, self.predict([texts[i] for i in todo]), strict=True):
            label, p = max(scores.items(), key=lambda kv: kv[1])
            if p < self.threshold:
                continue
            if langs[i] is None and (found := detect(texts[i])) is not None \
                    and found not in self.languages:
                continue
            out[i] = (TAGS[label], p)
        return out


@cache
def default_classifier() -> EngagementClassifier:
    """The shared classifier with the bundled seed set (trained at its first use)."""
    return EngagementClassifier()
