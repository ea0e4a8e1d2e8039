"""Detoxify models (Unitary), loaded through detoxify's own loading code."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from classifiers.base import ClassifierError, files_digest


def hub_checkpoint(model_type: str) -> Path | None:
    """Where torch hub caches detoxify's download for ``model_type``, if it is there."""
    import torch
    from detoxify.detoxify import MODEL_URLS

    url = MODEL_URLS.get(model_type)
    if url is None:
        return None
    path = Path(torch.hub.get_dir()) / "checkpoints" / url.rsplit("/", 1)[-1]
    return path if path.is_file() else None


class DetoxifyClassifier:
    """``detoxify.Detoxify`` from a local checkpoint (or its standard download when online)."""

    def __init__(self, model_type: str, checkpoint: str | None = None,
                 huggingface_config_path: str | None = None) -> None:
        from detoxify import Detoxify

        path = Path(checkpoint) if checkpoint else hub_checkpoint(model_type)
        try:
            self._model = Detoxify(
                model_type=model_type,
                checkpoint=str(path) if path else None,
                huggingface_config_path=huggingface_config_path,
            )
        except Exception as exc:
            raise ClassifierError(f"detoxify {model_type!r} could not be loaded: {exc}") from exc
        self.name = f"detoxify-{model_type}"
        self.labels = tuple(self._model.class_names)
        self.version = files_digest([path]) if path else "hub"

    def predict(self, texts: Sequence[str]) -> list[dict[str, float]]:
        if not texts:
            return []
        out = self._model.predict(list(texts))
        if len(texts) == 1:
            return [{k: float(v) for k, v in out.items()}]
        return [{k: float(v[i]) for k, v in out.items()} for i in range(len(texts))]
