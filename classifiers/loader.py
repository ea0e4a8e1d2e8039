"""Pick and load the configured classifier; say loudly when it falls back or fails."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from civicmod.contract.settings import ClassifierSettings
from classifiers.base import Classifier, ClassifierError, nested
from classifiers.cascade import CascadeClassifier
from classifiers.engine import EngineOptions


class UnavailableClassifier:
    """Stands in for a model that failed to load: every call fails, so every comment that
    needed the model is escalated with a system reason (never published)."""

    labels: tuple[str, ...] = ()

    def __init__(self, name: str, error: str) -> None:
        self.name = name
        self.version = "unavailable"
        self.error = error

    def predict(self, texts: Sequence[str]) -> list[dict[str, float]]:
        raise ClassifierError(f"{self.name} is not loaded: {self.error}")


@dataclass(frozen=True)
class LoadedClassifier:
    classifier: Classifier | None
    #: Human-readable note on what was chosen and why (printed by the CLI, logged by workers).
    note: str
    fallback: bool = False
    #: Set when the configured model could not be loaded (health: degraded).
    error: str | None = None

    def runtime_info(self) -> dict[str, Any]:
        """Per model: the path it runs on and, when calibrated, what calibration chose and
        measured (``classifier.calibrate: auto``), for ``/health``."""
        return runtime_info(self.classifier)

    def cascade_counts(self) -> list[tuple[str, int, int]]:
        """(model, comments scored, comments deferred to the teacher) per cascade, for the
        worker's ``civicmod_worker_cascade_*_total``."""
        return [(c.name, c.stats.comments, c.stats.deferred) for c in _cascades(self.classifier)]

    @property
    def on_gpu(self) -> bool:
        """Whether a model behind the classifier runs on a GPU (the worker's batches grow)."""
        return any(info.get("device", "cpu") != "cpu" for info in self.runtime_info().values())


def _models(clf: Any) -> list[Any]:
    """The models that score, inside whatever wraps them (router, cascade)."""
    return [m for m in nested(clf) if not hasattr(m, "primary") and not hasattr(m, "models")]


def _cascades(clf: Any) -> list[CascadeClassifier]:
    return [m for m in nested(clf) if isinstance(m, CascadeClassifier)]


def runtime_info(clf: Classifier | None) -> dict[str, Any]:
    """``{model name: {version, runtime, precision, batch_size, streams, threads, calibration}}``
    for the engine-backed models behind ``clf`` (others: name and version only)."""
    out: dict[str, Any] = {}
    for model in _models(clf):
        info: dict[str, Any] = {"version": getattr(model, "version", None)}
        engine = getattr(model, "engine", None)
        if engine is not None and hasattr(engine, "options"):
            o = engine.options
            info.update(runtime=o.runtime, precision="int8" if o.quantize_int8 else o.precision,
                        device=engine.device, batch_size=o.max_batch_size,
                        streams=engine.streams, threads=engine.threads,
                        calibration=engine.calibration.report() if engine.calibration else None)
        out[getattr(model, "name", type(model).__name__)] = info
    for cascade in _cascades(clf):
        out[f"{cascade.name} cascade"] = {"version": cascade.version, "margin": cascade.margin,
                                          **cascade.stats.as_dict()}
    return out


def loaded_note(clf: Classifier) -> str:
    """``name version V`` and, for each calibrated model, what calibration chose."""
    notes = [f"{m.name}: {m.engine.calibration.describe()}" for m in _models(clf)
             if getattr(getattr(m, "engine", None), "calibration", None) is not None]
    return f"{clf.name} version {clf.version}" + (f" ({'; '.join(notes)})" if notes else "")


def engine_options(c: ClassifierSettings) -> EngineOptions:
    return EngineOptions(
        max_batch_size=c.max_batch_size, max_batch_tokens=c.max_batch_tokens,
        chunk_long_texts=c.chunk_long_texts, quantize_int8=c.quantize_int8, device=c.device,
        precision=c.precision,
        threads=c.threads, streams=c.streams, cache_size=c.cache_size, runtime=c.runtime,
        onnx_dir=c.onnx_dir,
        calibrate=c.calibrate, calibrate_budget_s=float(c.calibrate_budget_s),
        calibrate_precisions=tuple(c.calibrate_precisions),
        calibrate_runtimes=tuple(c.calibrate_runtimes), calibration_cache=c.calibration_cache,
    )


def pulled_model(model_dir: str | None, model_type: str) -> tuple[Path | None, Path | None]:
    """(checkpoint, hf dir) from a dir filled by ``civicmod models pull``, if present."""
    if not model_dir:
        return None, None
    root = Path(model_dir).expanduser() / f"detoxify-{model_type}"
    ckpt, hf = root / "model.ckpt", root / "hf"
    return (ckpt if ckpt.is_file() else None), (hf if hf.is_dir() else None)


def detoxify_files(model_type: str, c: ClassifierSettings) -> tuple[Path | None, Path | None]:
    """(checkpoint, hf dir) the settings give ``model_type``: ``classifier.checkpoint`` and
    ``huggingface_config_path`` for the configured model, else the pulled models dir."""
    ckpt, hf = pulled_model(c.model_dir, model_type)
    if model_type == c.detoxify_model:
        ckpt = Path(c.checkpoint) if c.checkpoint else ckpt
        hf = Path(c.huggingface_config_path) if c.huggingface_config_path else hf
    return ckpt, hf


def _detoxify(model_type: str, c: ClassifierSettings) -> Classifier:
    from classifiers.detoxify_model import DetoxifyClassifier

    if model_type == c.detoxify_model and c.teacher_checkpoint:
        return _cascade(model_type, c)
    return DetoxifyClassifier(model_type, *detoxify_files(model_type, c), engine_options(c))


def _cascade(model_type: str, c: ClassifierSettings) -> Classifier:
    """``classifier.checkpoint`` (a distilled student) with ``teacher_checkpoint`` behind it."""
    from classifiers.detoxify_model import DetoxifyClassifier

    options = engine_options(c)
    student = DetoxifyClassifier(model_type, *detoxify_files(model_type, c), options,
                                 allow_failed_student=True)
    meta = student.student
    if meta is None:
        raise ClassifierError(f"classifier.teacher_checkpoint is set but classifier.checkpoint "
                              f"({c.checkpoint}) is not a distilled student")
    teacher = DetoxifyClassifier(model_type, c.teacher_checkpoint, c.teacher_config_path, options)
    if teacher.digest != meta.get("teacher"):
        raise ClassifierError(
            f"classifier.teacher_checkpoint {c.teacher_checkpoint} (weights {teacher.digest}) is not "
            f"the model the student was distilled from ({meta.get('teacher')})")
    measured = meta.get("cascade") or {}
    margin = c.cascade_margin if c.cascade_margin is not None else measured.get("margin")
    if margin is None:
        raise ClassifierError(
            f"{c.checkpoint}: distillation found no cascade margin reaching its agreement gate; "
            "set classifier.cascade_margin yourself or distil again")
    if c.cascade_margin is None and not measured.get("passed"):
        raise ClassifierError(
            f"{c.checkpoint}: its cascade (margin {margin}) deferred {measured.get('deferred', 0):.1%} "
            f"of held-out comments and routed {measured.get('agreement', 0):.2%} as the teacher "
            "does, failing distillation's check; see report.json, or set classifier.cascade_margin")
    student.name = f"{teacher.name} student"
    return CascadeClassifier(student, teacher, float(margin), meta.get("cuts") or {})


def _configured(c: ClassifierSettings) -> Classifier:
    if c.backend == "profanity-check":
        from classifiers.profanity import ProfanityCheckClassifier

        return ProfanityCheckClassifier()
    if c.backend == "detoxify":
        return _detoxify(c.detoxify_model, c)
    if c.backend == "plugin":
        return _plugin(c)
    if c.backend == "transformers":
        from classifiers.transformers_model import TransformersClassifier

        if not c.transformers_path:
            raise ClassifierError("classifier.backend is transformers but transformers_path is unset")
        return TransformersClassifier(c.transformers_path, c.label_map, c.transformers_languages,
                                      engine_options(c))
    raise ClassifierError(f"unknown classifier backend {c.backend!r}")


def _plugin(c: ClassifierSettings) -> Classifier:
    """``classifier.plugin: package.module:factory``: an agency's own model."""
    import importlib

    if not c.plugin:
        raise ClassifierError("classifier.backend is plugin but classifier.plugin is unset")
    module, _, attr = c.plugin.partition(":")
    try:
        factory = getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError) as exc:
        raise ClassifierError(f"classifier.plugin {c.plugin!r}: {exc}") from exc
    clf = factory(c)
    missing = [a for a in ("name", "version", "labels", "predict") if not hasattr(clf, a)]
    if missing:
        raise ClassifierError(f"classifier.plugin {c.plugin!r} returned an object without "
                              f"{', '.join(missing)}")
    return clf


def _route(primary: Classifier, c: ClassifierSettings) -> Classifier:
    from classifiers.routing import LanguageRouter

    secondary = None
    if c.multilingual_model and c.multilingual_model != getattr(primary, "name", ""):
        secondary = _detoxify(c.multilingual_model, c)
    return LanguageRouter(primary, secondary, c.detect_language, c.language_min_confidence,
                          c.unsupported_language, c.languages)


def load_from_settings(c: ClassifierSettings) -> LoadedClassifier:
    """Load what ``classifier`` settings ask for. Never raises for a model that fails to load:
    the worker runs degraded and escalates what it cannot score."""
    if c.backend == "none":
        return LoadedClassifier(None, "no classifier: rules only")
    if c.backend == "auto":
        from classifiers.detoxify_model import hub_checkpoint

        local = c.checkpoint or pulled_model(c.model_dir, c.detoxify_model)[0] \
            or hub_checkpoint(c.detoxify_model)
        reason = "no detoxify weights on this machine"
        if local:
            try:
                clf = _route(_detoxify(c.detoxify_model, c), c)
                return LoadedClassifier(clf, loaded_note(clf))
            except (ClassifierError, OSError, RuntimeError, ValueError) as exc:
                reason = str(exc)
        from classifiers.profanity import ProfanityCheckClassifier

        return LoadedClassifier(
            _route(ProfanityCheckClassifier(), c),
            f"DETOXIFY NOT AVAILABLE ({reason}); using the small alt-profanity-check model instead. "
            "Download weights with `civicmod models pull` or set classifier.checkpoint (see README).",
            fallback=True,
        )
    try:
        clf = _route(_configured(c), c)
    except (ClassifierError, OSError, RuntimeError, ValueError) as exc:
        name = f"detoxify-{c.detoxify_model}" if c.backend == "detoxify" else c.backend
        return LoadedClassifier(UnavailableClassifier(name, str(exc)),
                                f"CLASSIFIER FAILED TO LOAD ({exc}); comments that need it are escalated",
                                error=str(exc))
    return LoadedClassifier(clf, loaded_note(clf))


def load_classifier(backend: str, **overrides: Any) -> LoadedClassifier:
    """Convenience for tools and tests: ``load_classifier("detoxify", checkpoint=...)``."""
    return load_from_settings(ClassifierSettings(backend=backend, **overrides))  # type: ignore[arg-type]
