"""Any local Hugging Face sequence-classification model (e.g. unitary/toxic-bert, textdetox
multilingual models), mapped onto civicmod's labels, scored by the batched engine."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from classifiers.base import ClassifierError, files_digest
from classifiers.calibration import build_engine
from classifiers.engine import EngineOptions
from classifiers.labels import canonical_label


class TransformersClassifier:
    """``path``: a dir saved with ``save_pretrained`` (config, weights, tokenizer).

    ``label_map`` renames the model's labels (``{"toxic": "toxicity", "neutral": null}``: null
    drops a label); unmapped labels keep their canonical names. Multi-label models
    (``problem_type: multi_label_classification``) use sigmoid, others softmax.
    """

    def __init__(self, path: str | Path, label_map: Mapping[str, str | None] | None = None,
                 languages: Sequence[str] = ("en",), options: EngineOptions | None = None) -> None:
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        root = Path(path)
        try:
            model = AutoModelForSequenceClassification.from_pretrained(root, local_files_only=True)
            tokenizer = AutoTokenizer.from_pretrained(root, local_files_only=True)
        except (OSError, ValueError) as exc:
            raise ClassifierError(f"cannot load a sequence-classification model from {root}: {exc}") from exc
        names = [model.config.id2label[i] for i in range(model.config.num_labels)]
        mapping = {canonical_label(k): v for k, v in (label_map or {}).items()}
        labels = [mapping.get(canonical_label(n), canonical_label(n)) for n in names]
        self._keep = [(i, lab) for i, lab in enumerate(labels) if lab]
        if not self._keep:
            raise ClassifierError(f"label_map drops every label of {root} ({names})")
        multi = model.config.problem_type == "multi_label_classification"
        options = options or EngineOptions()
        weights = [p for p in root.iterdir() if p.suffix in {".safetensors", ".bin"}]
        digest = files_digest(weights)
        self.engine = build_engine(model, tokenizer, [n for n in names],
                                   "sigmoid" if multi else "softmax", options, model_key=digest)
        self.name = f"transformers-{root.name}"
        self.labels = tuple(lab for _, lab in self._keep)
        self.languages = frozenset(languages)
        self.version = digest + self.engine.version_suffix()

    def predict(self, texts: Sequence[str]) -> list[dict[str, float]]:
        raw_labels = self.engine.labels
        out = []
        for scores in self.engine.predict(texts):
            out.append({lab: scores[raw_labels[i]] for i, lab in self._keep})
        return out
