"""Detoxify models (Unitary), offline, through civicmod's fast batched engine.

Detoxify's own loader downloads weights from GitHub releases and calls the Hugging Face hub for
the config and tokenizer even when given a local checkpoint. This loader reads the same
checkpoint layout but takes the config/tokenizer from a local directory, builds the model the
way detoxify does (``from_pretrained(None, config=..., state_dict=...)``) and scores through
:class:`~classifiers.engine.SequenceClassifierEngine`; ``tests/test_classifier_fidelity.py``
checks the scores against ``detoxify.Detoxify(...).predict`` text by text.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from classifiers.base import ClassifierError, files_digest
from classifiers.calibration import build_engine
from classifiers.engine import EngineOptions
from classifiers.labels import canonical_label

#: detoxify release → (download URL file name, Hugging Face architecture it was trained from)
MODELS: dict[str, tuple[str, str]] = {
    "original": ("v0.1-alpha/toxic_original-c1212f89.ckpt", "bert-base-uncased"),
    "unbiased": ("v0.3-alpha/toxic_debiased-c7548aa0.ckpt", "roberta-base"),
    "multilingual": ("v0.4-alpha/multilingual_debiased-0b549669.ckpt", "xlm-roberta-base"),
    "original-small": ("v0.1.2/original-albert-0e1d6498.ckpt", "albert-base-v2"),
    "unbiased-small": ("v0.1.2/unbiased-albert-c8519128.ckpt", "albert-base-v2"),
}
#: Where a distilled student (classifiers/distill.py) keeps its own facts in its checkpoint's config.
META_KEY = "distilled"
DOWNLOAD_BASE = "https://github.com/unitaryai/detoxify/releases/download/"
#: Languages each release was trained on (detoxify's README); others are "not covered".
LANGUAGES: dict[str, frozenset[str]] = {
    "multilingual": frozenset({"en", "fr", "es", "it", "pt", "tr", "ru"}),
}


def languages_for(model_type: str) -> frozenset[str]:
    return LANGUAGES.get(model_type, frozenset({"en"}))


def hub_dir() -> Path:
    """torch hub's directory, computed the way torch does, without importing torch."""
    if os.environ.get("TORCH_HOME"):
        return Path(os.environ["TORCH_HOME"]) / "hub"
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "torch" / "hub"


def hub_checkpoint(model_type: str) -> Path | None:
    """Where torch hub caches detoxify's download for ``model_type``, if it is there."""
    entry = MODELS.get(model_type)
    if entry is None:
        return None
    path = hub_dir() / "checkpoints" / entry[0].rsplit("/", 1)[-1]
    return path if path.is_file() else None


def read_checkpoint(path: Path) -> dict[str, Any]:
    """Load a detoxify checkpoint; tensors and plain data only (no pickled code)."""
    import torch

    try:
        loaded = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise ClassifierError(f"cannot read checkpoint {path}: {exc}") from exc
    if not isinstance(loaded, dict) or "config" not in loaded or "state_dict" not in loaded:
        raise ClassifierError(f"{path} is not a detoxify checkpoint (needs 'config' and 'state_dict')")
    return loaded


def student_meta(loaded: dict[str, Any]) -> dict[str, Any] | None:
    """A checkpoint's distillation facts, or None for a model that is not a student."""
    meta = loaded.get("config", {}).get(META_KEY)
    return dict(meta) if isinstance(meta, dict) else None


def build_model(loaded: dict[str, Any], hf_dir: str | Path | None) -> tuple[Any, Any, list[str]]:
    """(model, tokenizer, label names) from a checkpoint dict and a local config/tokenizer dir."""
    import transformers

    args = loaded["config"]["arch"]["args"]
    classes = [canonical_label(c) for c in loaded["config"]["dataset"]["args"]["classes"]]
    source = str(hf_dir) if hf_dir else args["model_type"]
    local = hf_dir is not None or Path(source).is_dir()
    try:
        model_class = getattr(transformers, args["model_name"])
        config = model_class.config_class.from_pretrained(
            source, num_labels=args["num_classes"], local_files_only=local)
        model = model_class.from_pretrained(None, config=config, state_dict=loaded["state_dict"])
        tokenizer = getattr(transformers, args["tokenizer_name"]).from_pretrained(
            source, local_files_only=local)
    except (OSError, ValueError, AttributeError, KeyError) as exc:
        hint = "" if local else (" (no local config: set classifier.huggingface_config_path, "
                                 "or run `civicmod models pull` on a connected machine)")
        raise ClassifierError(f"cannot build {args.get('model_name')} from {source}: {exc}{hint}") from exc
    return model, tokenizer, classes


class DetoxifyClassifier:
    """A detoxify release scored by the batched engine."""

    def __init__(self, model_type: str, checkpoint: str | Path | None = None,
                 huggingface_config_path: str | Path | None = None,
                 options: EngineOptions | None = None, *, allow_failed_student: bool = False) -> None:
        path = Path(checkpoint) if checkpoint else hub_checkpoint(model_type)
        if path is None:
            path = download_checkpoint(model_type)
        if not path.is_file():
            raise ClassifierError(f"detoxify {model_type!r} could not be loaded: no file {path}")
        loaded = read_checkpoint(path)
        student = student_meta(loaded)
        if student is not None and not student.get("passed") and not allow_failed_student:
            raise ClassifierError(
                f"{path} is a distilled student that failed its fidelity check (it routes "
                f"{student.get('agreement', 0):.2%} of held-out comments as its teacher does); "
                "see report.json beside it, distil again or use the teacher")
        model, tokenizer, classes = build_model(loaded, huggingface_config_path)
        options = options or EngineOptions()
        digest = files_digest([path])
        #: the weight file's hash (a student's meta names its teacher's)
        self.digest = digest
        self.engine = build_engine(model, tokenizer, classes, "sigmoid", options, model_key=digest)
        self.name = f"detoxify-{model_type}"
        self.labels = self.engine.labels
        self.languages = languages_for(model_type)
        #: a student says what it is: "+student-3of12" (docs/model-calibration.md, distillation)
        self.student = student
        origin = f"+student-{student['layers']}of{student['teacher_layers']}" if student else ""
        self.version = digest + origin + self.engine.version_suffix()

    def predict(self, texts: Sequence[str]) -> list[dict[str, float]]:
        return self.engine.predict(texts)


def download_checkpoint(model_type: str) -> Path:
    """Fetch a release into torch hub's cache (needs internet; `civicmod models pull` too)."""
    entry = MODELS.get(model_type)
    if entry is None:
        raise ClassifierError(f"unknown detoxify model {model_type!r}; one of {sorted(MODELS)}")
    import torch

    target = hub_dir() / "checkpoints" / entry[0].rsplit("/", 1)[-1]
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        torch.hub.download_url_to_file(DOWNLOAD_BASE + entry[0], str(target), progress=False)
    except Exception as exc:
        raise ClassifierError(
            f"detoxify {model_type!r} weights are not on this machine and could not be "
            f"downloaded ({type(exc).__name__}: {exc}); see README 'Models' for offline use"
        ) from exc
    return target
