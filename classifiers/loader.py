"""Pick and load the configured classifier, saying loudly when it falls back."""

from __future__ import annotations

from dataclasses import dataclass

from classifiers.base import Classifier, ClassifierError


@dataclass(frozen=True)
class LoadedClassifier:
    classifier: Classifier | None
    #: Human-readable note on what was chosen and why (printed by the CLI, logged by workers).
    note: str
    fallback: bool = False


def load_classifier(backend: str, detoxify_model: str = "original", checkpoint: str | None = None,
                    huggingface_config_path: str | None = None) -> LoadedClassifier:
    """Load ``backend``: ``detoxify``, ``profanity-check``, ``none`` or ``auto``.

    ``auto`` uses detoxify when its weights are on this machine and otherwise the small model
    shipped in alt-profanity-check. An explicit ``detoxify`` that cannot load raises.
    """
    if backend == "none":
        return LoadedClassifier(None, "no classifier: rules only")
    if backend == "profanity-check":
        from classifiers.profanity import ProfanityCheckClassifier

        return LoadedClassifier(ProfanityCheckClassifier(), "alt-profanity-check (small sklearn model)")
    if backend == "detoxify":
        from classifiers.detoxify_model import DetoxifyClassifier

        clf = DetoxifyClassifier(detoxify_model, checkpoint, huggingface_config_path)
        return LoadedClassifier(clf, f"{clf.name} version {clf.version}")
    if backend != "auto":
        raise ClassifierError(f"unknown classifier backend {backend!r}")
    from classifiers.detoxify_model import DetoxifyClassifier, hub_checkpoint

    found = checkpoint or hub_checkpoint(detoxify_model)
    reason = "no detoxify weights on this machine"
    if found:
        try:
            clf = DetoxifyClassifier(detoxify_model, checkpoint, huggingface_config_path)
            return LoadedClassifier(clf, f"{clf.name} version {clf.version}")
        except ClassifierError as exc:
            reason = str(exc)
    from classifiers.profanity import ProfanityCheckClassifier

    return LoadedClassifier(
        ProfanityCheckClassifier(),
        f"DETOXIFY NOT AVAILABLE ({reason}); using the small alt-profanity-check model instead. "
        "Download weights with a connected machine or set classifier.checkpoint (see README).",
        fallback=True,
    )
