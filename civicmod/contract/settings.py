"""Settings: one YAML file a person can read, with environment overrides.

Precedence (last wins): built-in defaults → the YAML file → ``CIVICMOD__SECTION__KEY`` env vars
→ ``KAFKA_BOOTSTRAP_SERVERS``. The file is ``--config PATH``, else ``$CIVICMOD_CONFIG``, else
``./civicmod.yaml`` when present. Errors name the file (or variable), the line and the field.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    ConfigDict,
    Field,
    ValidationError,
    ValidatorFunctionWrapHandler,
    field_validator,
    model_validator,
)

from civicmod.contract.actuator_settings import ActuatorSettings
from civicmod.contract.console_settings import ConsoleSettings
from civicmod.contract.gateway_settings import GatewaySettings, Section
from civicmod.contract.metrics_settings import MetricsSettings
from civicmod.contract.yamlfile import FileError, load_yaml, validate

ENV_PREFIX = "CIVICMOD__"

#: An ISO 639-1 (or 639-3) language code, lower case, as py3langid and platforms give them.
LangCode = Annotated[str, Field(pattern=r"^[a-z]{2,3}$")]


class KafkaSettings(Section):
    bootstrap_servers: str = "127.0.0.1:9092"
    partitions: Annotated[int, Field(ge=1, le=1000)] = 6
    replication_factor: Annotated[int, Field(ge=1)] = 1
    #: Prepended to every topic name (e.g. "staging."), to share one cluster between setups.
    topic_prefix: Annotated[str, Field(pattern=r"^[A-Za-z0-9._-]*$")] = ""
    #: The largest record civicmod writes: every producer's max request size and the
    #: ``max.message.bytes`` of the topics it creates are set to this together.
    max_record_bytes: Annotated[int, Field(ge=256 * 1024, le=64 * 1024 * 1024)] = 1_000_000
    #: A comment record larger than this is refused by the gateway and dead-lettered by the
    #: worker (its verdict, the comment plus reasons, must fit ``max_record_bytes``).
    max_comment_bytes: Annotated[int, Field(ge=16 * 1024)] = 256 * 1024
    #: How much of an unusable message a dead letter keeps (its full size and sha256 are kept).
    deadletter_raw_bytes: Annotated[int, Field(ge=1024)] = 64 * 1024

    @model_validator(mode="after")
    def _limits_fit(self) -> KafkaSettings:
        for name in ("max_comment_bytes", "deadletter_raw_bytes"):
            if getattr(self, name) * 2 > self.max_record_bytes:
                raise ValueError(f"kafka.{name} must be at most half of kafka.max_record_bytes "
                                 f"({self.max_record_bytes}) so that its record always fits")
        return self


class LocalKafkaSettings(Section):
    """The embedded single-node broker started by ``civicmod kafka start`` / ``civicmod run``."""

    version: str = "4.1.1"
    port: Annotated[int, Field(ge=1, le=65535)] = 9092
    controller_port: Annotated[int, Field(ge=1, le=65535)] = 9093
    heap: str = "512m"


class WorkerSettings(Section):
    app_id: str = "civicmod"
    web_enabled: bool = True
    web_host: str = "127.0.0.1"
    web_port: Annotated[int, Field(ge=1, le=65535)] = 6066
    #: Comments taken and judged together at most (under a backlog; otherwise a batch is what
    #: arrived within ``batch_within_s``). "auto": 512 without a model (each batch pays two
    #: acknowledged round trips and a fetch: 512 drained 1.37x as fast as 128 on 2 cores,
    #: docs/worker-profile.md, fourth pass), 128 with one on a CPU (its call on the whole batch
    #: must end within ``classifier.timeout_s``: 512 comments take 4-12 s on a CPU), 512 with one
    #: on a GPU (an H200 scored calls of 512 in ~55 ms; smaller calls waste it on launches).
    batch_size: Annotated[int, Field(ge=1, le=10_000)] | Literal["auto"] = "auto"
    batch_within_s: Annotated[float, Field(gt=0, le=60)] = 0.05
    max_text_chars: Annotated[int, Field(ge=1)] = 10_000
    metrics_interval_s: Annotated[float, Field(gt=0)] = 5.0
    commit_interval_s: Annotated[float, Field(gt=0)] = 1.0
    #: The producer's batch per partition, bytes: a batch of comments' verdicts for one
    #: partition should fit one (each further one waits for the previous one's answer); never
    #: more than ``kafka.max_record_bytes`` is used (the topics refuse larger record batches).
    producer_batch_bytes: Annotated[int, Field(ge=16_384, le=16 * 1024 * 1024)] = 262_144
    #: How soon the group notices a dead worker and hands its partitions to the others.
    session_timeout_s: Annotated[float, Field(ge=6, le=300)] = 30.0
    #: SIGTERM stops the worker within this many seconds, whatever it is waiting on (a hung
    #: classifier, a rebalance); the batch in flight is then not committed and is redelivered.
    shutdown_timeout_s: Annotated[float, Field(gt=0, le=600)] = 30.0
    loglevel: Literal["debug", "info", "warning", "error"] = "warning"

    @field_validator("batch_size", mode="wrap")
    @classmethod
    def _batch_size(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> int | str:
        try:  # one message at ``worker.batch_size``, not one per member of the union
            return handler(value)  # type: ignore[no-any-return]
        except ValidationError:
            raise ValueError(f"expected auto or an integer from 1 to 10000, got {value!r}") from None

    def batch_for(self, model: bool, gpu: bool = False) -> int:
        """``batch_size``, with "auto" resolved for a worker with or without a model, and for
        a model on a GPU."""
        if self.batch_size == "auto":
            return 128 if model and not gpu else 512
        return self.batch_size


class ExpectedLanguages(Section):
    """The languages an account's comments are expected in (e.g. a Welsh council: [en, cy]).

    Detection then chooses among those only, and a text too short to detect takes the first
    one. Empty: no narrowing (detection among all ~97 languages py3langid knows)."""

    default: list[LangCode] = Field(default_factory=list)
    #: Account id (as in comments' ``account_id``) → its languages, first = the usual one; an
    #: empty list turns narrowing off for that account.
    accounts: dict[str, list[LangCode]] = Field(default_factory=dict)

    def for_account(self, account_id: str | None) -> tuple[str, ...]:
        """The expected languages of ``account_id``, else ``default``."""
        langs = self.accounts.get(account_id, self.default) if account_id else self.default
        return tuple(dict.fromkeys(langs))


class ClassifierSettings(Section):
    #: auto: detoxify if its weights are found locally, else the small profanity-check model.
    backend: Literal["auto", "detoxify", "transformers", "profanity-check", "plugin", "none"] = "auto"
    #: backend plugin: ``package.module:factory``, called with these settings, returning an
    #: object with ``name``, ``version``, ``labels`` and ``predict(texts)`` (your own model).
    plugin: Annotated[str, Field(pattern=r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")] | None = None
    detoxify_model: Literal[
        "original", "unbiased", "multilingual", "original-small", "unbiased-small"
    ] = "original"
    #: Dir filled by `civicmod models pull` (one sub-dir per model).
    model_dir: str | None = None
    #: Local detoxify checkpoint (.ckpt); unset: model_dir, else torch hub's cache.
    checkpoint: str | None = None
    #: Local dir with config.json and tokenizer files, for fully offline detoxify.
    huggingface_config_path: str | None = None
    #: When ``checkpoint`` is a distilled student (``civicmod models distill``): its teacher's
    #: checkpoint and config dir. The student then runs as a cascade, the teacher re-scoring the
    #: comments the student scores near a threshold (docs/models.md, "the cascade").
    teacher_checkpoint: str | None = None
    teacher_config_path: str | None = None
    #: The cascade's band around each threshold, in log-odds; unset: the margin distillation measured.
    cascade_margin: Annotated[float, Field(ge=0, le=20)] | None = None
    #: backend transformers: a local sequence-classification model dir and its label names.
    transformers_path: str | None = None
    label_map: dict[str, str | None] = Field(default_factory=dict)
    transformers_languages: list[str] = Field(default_factory=lambda: ["en"])
    #: A second detoxify model for languages the first does not cover (e.g. multilingual).
    multilingual_model: Literal["multilingual"] | None = None
    detect_language: bool = True
    language_min_confidence: Annotated[float, Field(ge=0, le=1)] = 0.3
    #: Expected languages per account: narrow detection, and the language of short texts.
    languages: ExpectedLanguages = Field(default_factory=ExpectedLanguages)
    #: A comment in a language no loaded model covers: escalate (unless a rule decided) or
    #: score it with the primary model anyway.
    unsupported_language: Literal["escalate", "score"] = "escalate"
    timeout_s: Annotated[float, Field(gt=0)] = 10.0
    quantize_int8: bool = False
    #: "fp16"/"bf16": half-precision weights, for GPUs (several times faster there; scores
    #: change slightly, like int8: docs/models.md "Fidelity"). Excludes quantize_int8 and onnx.
    precision: Literal["fp32", "fp16", "bf16"] = "fp32"
    device: Literal["auto", "cpu", "cuda"] = "auto"
    #: torch threads per inference stream, and streams run at once (None: one single-threaded
    #: stream per core with torch; one stream using every core with onnx).
    threads: Annotated[int, Field(ge=1)] | None = None
    streams: Annotated[int, Field(ge=1)] | None = None
    #: "onnx": ONNX Runtime on CPU (extra `onnx`), the fastest CPU path; "torch" otherwise.
    runtime: Literal["torch", "onnx"] = "torch"
    #: Where exported ONNX models are cached (default: <civicmod home>/onnx).
    onnx_dir: str | None = None
    max_batch_size: Annotated[int, Field(ge=1)] = 16
    max_batch_tokens: Annotated[int, Field(ge=16)] = 8192
    chunk_long_texts: bool = True
    cache_size: Annotated[int, Field(ge=0)] = 50_000
    #: "auto": time runtime/precision/batch/streams at load, use the fastest, cached per CPU,
    #: model and libraries (docs/model-calibration.md); "off": the fields above as set.
    calibrate: Literal["off", "auto"] = "off"
    calibrate_budget_s: Annotated[float, Field(gt=0, le=600)] = 30.0
    #: int8 is a CPU candidate, fp16 and bf16 GPU candidates; fp32 both.
    calibrate_precisions: list[Literal["fp32", "int8", "fp16", "bf16"]] = Field(
        default_factory=lambda: ["fp32", "int8", "fp16"], min_length=1)
    calibrate_runtimes: list[Literal["onnx", "torch"]] = Field(
        default_factory=lambda: ["onnx", "torch"], min_length=1)
    calibration_cache: str | None = None


Score = Annotated[float, Field(ge=0, le=1)]


class LanguageThresholds(Section):
    """One language's thresholds: each label given here replaces the classifier's for comments
    in that language (its "*" included); labels not given keep the classifier's."""

    hide: dict[str, Score] = Field(default_factory=dict)
    escalate: dict[str, Score] = Field(default_factory=dict)


class Thresholds(Section):
    """Model score at or above which a label hides / escalates a comment ("*" = any label)."""

    hide: dict[str, Score] = Field(default_factory=dict)
    escalate: dict[str, Score] = Field(default_factory=dict)
    #: Per language (the verdict's ``language.code``), e.g. written by ``civicmod eval --lang nl
    #: --write-thresholds civicmod.yaml`` from the agency's own labelled sample.
    languages: dict[LangCode, LanguageThresholds] = Field(default_factory=dict)

    def by_language(self) -> dict[str, dict[str, dict[str, float]]]:
        """{lang: {"hide": {...}, "escalate": {...}}} as plain dicts (``Judge.language_thresholds``)."""
        return {lang: {"hide": dict(t.hide), "escalate": dict(t.escalate)}
                for lang, t in self.languages.items()}


def _default_thresholds() -> dict[str, Thresholds]:
    return {
        # detoxify and other calibrated toxicity models
        "default": Thresholds(
            hide={"toxicity": 0.97, "severe_toxicity": 0.8, "threat": 0.9, "identity_attack": 0.9},
            escalate={"*": 0.7},
        ),
        # the small fallback model flags any swearing, criticism included: it never hides alone
        "alt-profanity-check": Thresholds(hide={}, escalate={"toxicity": 0.9}),
    }


class PolicyFiles(Section):
    """Policy files per layer, applied global → organisation → account (see docs/rules.md)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, serialize_by_alias=True)

    global_: list[str] = Field(default_factory=lambda: ["builtin:default"], alias="global")
    organisation: list[str] = Field(default_factory=list)
    #: Account id (as in comments' ``account_id``) → its own override files.
    accounts: dict[str, list[str]] = Field(default_factory=dict)


class GuardrailSettings(Section):
    """New hide rules: a rule changed in the last ``recent_hours`` that hides more than
    ``max_hide_share`` of the last ``window`` comments is downgraded to escalate, with an alert."""

    max_hide_share: Annotated[float, Field(gt=0, le=1)] = 0.05
    window: Annotated[int, Field(ge=10)] = 1000
    min_comments: Annotated[int, Field(ge=1)] = 100
    recent_hours: Annotated[float, Field(gt=0)] = 24.0
    enabled: bool = True


class PolicySettings(Section):
    files: PolicyFiles = Field(default_factory=PolicyFiles)
    #: How often the worker checks the policy files for changes (hot reload); 0: never.
    reload_interval_s: Annotated[float, Field(ge=0)] = 2.0
    guardrail: GuardrailSettings = Field(default_factory=GuardrailSettings)
    #: Per classifier name (see the verdict's classifier.name), else "default".
    thresholds: dict[str, Thresholds] = Field(default_factory=_default_thresholds)
    #: The agency's official names and handles, for the impersonation rule.
    official_names: list[str] = Field(
        default_factory=lambda: ["City of Example Council", "ExampleCouncil"]
    )
    official_author_ids: list[str] = Field(default_factory=list)

    def thresholds_for(self, classifier_name: str | None) -> Thresholds:
        return self.thresholds.get(classifier_name or "", self.thresholds.get("default", Thresholds()))


class Settings(Section):
    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    local_kafka: LocalKafkaSettings = Field(default_factory=LocalKafkaSettings)
    worker: WorkerSettings = Field(default_factory=WorkerSettings)
    classifier: ClassifierSettings = Field(default_factory=ClassifierSettings)
    policy: PolicySettings = Field(default_factory=PolicySettings)
    gateway: GatewaySettings = Field(default_factory=GatewaySettings)
    console: ConsoleSettings = Field(default_factory=ConsoleSettings)
    actuator: ActuatorSettings = Field(default_factory=ActuatorSettings)
    metrics: MetricsSettings = Field(default_factory=MetricsSettings)
    #: Where the file came from (None: defaults only); not a setting.
    source: str | None = None


def home_dir() -> Path:
    """civicmod's cache/state dir, outside any checkout: ``$CIVICMOD_HOME`` or ~/.cache/civicmod."""
    base = os.environ.get("CIVICMOD_HOME") or Path(
        os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    ) / "civicmod"
    return Path(base).expanduser()


def _set_path(tree: dict[str, Any], keys: list[str], value: Any) -> None:
    for key in keys[:-1]:
        nxt = tree.setdefault(key, {})
        if not isinstance(nxt, dict):
            nxt = tree[key] = {}
        tree = nxt
    tree[keys[-1]] = value


def env_overrides(env: Mapping[str, str]) -> dict[str, Any]:
    """``CIVICMOD__WORKER__BATCH_SIZE=32`` → {"worker": {"batch_size": 32}} (values parsed as YAML)."""
    out: dict[str, Any] = {}
    for name, raw in env.items():
        if not name.startswith(ENV_PREFIX):
            continue
        keys = [k.lower() for k in name[len(ENV_PREFIX):].split("__") if k]
        if not keys:
            continue
        try:
            value = yaml.safe_load(raw) if raw != "" else None
        except yaml.YAMLError:
            value = raw
        _set_path(out, keys, value)
    if env.get("KAFKA_BOOTSTRAP_SERVERS"):
        _set_path(out, ["kafka", "bootstrap_servers"], env["KAFKA_BOOTSTRAP_SERVERS"])
    return out


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def find_config(explicit: str | Path | None, env: Mapping[str, str]) -> Path | None:
    if explicit:
        return Path(explicit)
    if env.get("CIVICMOD_CONFIG"):
        return Path(env["CIVICMOD_CONFIG"])
    local = Path("civicmod.yaml")
    return local if local.is_file() else None


def load_settings(path: str | Path | None = None, env: Mapping[str, str] | None = None) -> Settings:
    """Load settings; raise :class:`FileError` naming file, line and field on any mistake."""
    env = os.environ if env is None else env
    cfg = find_config(path, env)
    data: Any = {}
    node = None
    if cfg is not None:
        if not cfg.is_file():
            raise FileError(cfg, None, None, "config file not found")
        data, node = load_yaml(cfg)
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise FileError(cfg, 1, None, "the top level must be a mapping of sections")
        validate(Settings, data, cfg, node)  # file alone first: errors point at its lines
    overrides = env_overrides(env)
    if overrides:
        names = ", ".join(sorted(n for n in env if n.startswith(ENV_PREFIX)))
        label = f"environment ({names or 'KAFKA_BOOTSTRAP_SERVERS'})"
        data = _merge(data, overrides)
        settings = validate(Settings, data, label, None)
    else:
        settings = validate(Settings, data, cfg or "defaults", node)
    return settings.model_copy(update={"source": str(cfg) if cfg else None})
