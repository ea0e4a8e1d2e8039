"""The small scikit-learn model shipped inside the alt-profanity-check package.

A linear SVM over a TF-IDF vectoriser, trained on Davidson et al. and Jigsaw data: fast and
offline, far weaker than detoxify. Its single probability is reported as ``toxicity``.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib import resources

from classifiers.base import files_digest


class ProfanityCheckClassifier:
    name = "alt-profanity-check"
    labels = ("toxicity",)
    languages = frozenset({"en"})

    def __init__(self) -> None:
        import joblib

        data = resources.files("profanity_check") / "data"
        paths = [data / "vectorizer.joblib", data / "model.joblib"]
        self._vectorizer = joblib.load(paths[0])
        self._model = joblib.load(paths[1])
        from importlib.metadata import version

        self.version = f"{version('alt-profanity-check')}+{files_digest(paths)}"  # type: ignore[arg-type]

    def predict(self, texts: Sequence[str]) -> list[dict[str, float]]:
        if not texts:
            return []
        probs = self._model.predict_proba(self._vectorizer.transform(list(texts)))[:, 1]
        return [{"toxicity": float(p)} for p in probs]
