"""Pick the fastest path for this machine at load (``classifier.calibrate: auto``).

The same model runs at very different speeds on different CPU classes: int8 on an AVX-512 VNNI
CPU ran 11-13x the naive per-comment path, on an AVX2 CPU 5-6x (docs/model-calibration.md). So
instead of one fixed configuration, calibration times the candidate paths with the loaded model
on synthetic batches (token ids of comment-like lengths) within a time budget:

1. each allowed runtime x precision (ONNX Runtime / torch, int8 / fp32) at batch 16 with its
   default streams x threads split;
2. for the fastest (and any within 25% of it): the streams x threads splits, then batch sizes.

On a GPU the candidates are the precisions (fp32, fp16, bf16 as allowed) at batch 256, then
batch sizes from 64 to 1024 for the fastest, timed on a larger synthetic workload.

The winner is cached in a JSON file keyed by the CPU (model name, ISA flags, usable cores, any
ISA-restricting environment variable), the model's weights digest, the library versions and the
candidate space, so the next start reuses it without timing. A file lock makes workers that start
together measure once. The choice reaches the verdict through the classifier's version
(``<digest>+int8+onnx@b16/2x1``) and ``/health`` through :meth:`Calibration.report`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import random
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from classifiers.engine import EngineOptions, onnx_root, usable_cores

log = logging.getLogger(__name__)

#: Bumped when the search or the cache layout changes (old entries are then re-measured).
SCHEMA = 1
#: Set by the CPUID mask (civicmod/dev/cpuid_mask.c) while it hides the flags below from every
#: library in the process: /proc/cpuinfo still lists them, the process cannot use them.
MASK_ACTIVE = "CIVICMOD_CPUID_MASK_ACTIVE"
MASK_HIDES = ("avx512", "amx", "avx_vnni", "avx_ifma", "avx_ne_convert", "avx10")
#: Environment variables that restrict (or report) the instruction sets the libraries use.
ISA_ENV = ("ATEN_CPU_CAPABILITY", "ONEDNN_MAX_CPU_ISA", "DNNL_MAX_CPU_ISA",
           "MKL_ENABLE_INSTRUCTIONS", "FBGEMM_ENABLE_INSTRUCTIONS", MASK_ACTIVE)
#: CPU flags that change which kernels the libraries pick.
ISA_FLAGS = ("avx2", "fma", "avx_vnni", "avx512f", "avx512bw", "avx512vl", "avx512_vnni",
             "avx512_bf16", "amx_int8", "amx_bf16", "asimd", "sve", "i8mm")
BATCH_SIZES = (8, 16, 32, 64)
#: On a GPU: the first batch size tried, the sizes tried next, padded tokens allowed per row
#: of a batch (the token budget grows with the batch), and the synthetic workload's size.
GPU_FIRST_BATCH = 256
GPU_BATCH_SIZES = (64, 128, 512, 1024)
GPU_TOKENS_PER_ROW = 64
GPU_SEQUENCES = 4096
CPU_PRECISIONS = ("int8", "fp32")
GPU_PRECISIONS = ("fp16", "bf16", "fp32")
#: Synthetic workload: sequences per timed pass, and their token lengths (median ~24, like
#: comments on social media; a tail to 160).
SEQUENCES = 96


@dataclass(frozen=True)
class Plan:
    """One way to run the model: runtime, precision, batch size, streams x threads."""

    runtime: str
    int8: bool
    batch_size: int
    streams: int
    threads: int
    #: fp32, fp16 or bf16 (int8 is ``int8``); defaults keep older cache entries readable.
    precision: str = "fp32"
    device: str = "cpu"

    @property
    def tag(self) -> str:
        """``b16/2x1``: batch size, streams x threads (what the version shows after ``@``); on a
        GPU ``b256`` (one stream)."""
        if self.device != "cpu":
            return f"b{self.batch_size}"
        return f"b{self.batch_size}/{self.streams}x{self.threads}"

    @property
    def precision_name(self) -> str:
        return "int8" if self.int8 else self.precision

    @property
    def label(self) -> str:
        where = f" {self.device}" if self.device != "cpu" else ""
        return f"{self.runtime} {self.precision_name} {self.tag}{where}"


@dataclass(frozen=True)
class Calibration:
    """What calibration chose, from where ("measured" or "cached"), and what it measured."""

    plan: Plan
    source: str
    #: sequences/s per candidate label, in the order measured.
    rates: dict[str, float] = field(default_factory=dict)
    cpu: dict[str, Any] = field(default_factory=dict)
    key: str = ""
    seconds: float = 0.0
    measured_at: str = ""

    def apply(self, options: EngineOptions) -> EngineOptions:
        p = self.plan
        tokens = options.max_batch_tokens if p.device == "cpu" else gpu_batch_tokens(
            options, p.batch_size)
        return replace(options, runtime=p.runtime, quantize_int8=p.int8, precision=p.precision,
                       device=p.device, max_batch_size=p.batch_size, max_batch_tokens=tokens,
                       streams=p.streams, threads=p.threads, calibrate="off")

    def report(self) -> dict[str, Any]:
        """A JSON-ready summary for ``/health`` and logs."""
        p = self.plan
        best = self.rates.get(p.label)
        return {"runtime": p.runtime, "precision": p.precision_name, "device": p.device,
                "batch_size": p.batch_size, "streams": p.streams, "threads": p.threads,
                "source": self.source, "sequences_per_s": round(best, 1) if best else None,
                "cpu_class": self.cpu.get("class"), "isa_env": self.cpu.get("isa_env") or {},
                "measured_at": self.measured_at, "calibration_s": round(self.seconds, 1),
                "candidates": {k: round(v, 1) for k, v in self.rates.items()}}

    def describe(self) -> str:
        rate = self.rates.get(self.plan.label)
        speed = f", {rate:.0f} seq/s" if rate else ""
        return f"calibrated {self.source}: {self.plan.label}{speed} on {self.cpu.get('class')}"


# -- the machine ---------------------------------------------------------------------------
def cpu_info() -> dict[str, Any]:
    """CPU model, the ISA flags that matter (as this process sees them), usable cores, and
    ISA-restricting env vars."""
    model, flags = "unknown", set()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            name, _, value = line.partition(":")
            name = name.strip()
            if name == "model name" and model == "unknown":
                model = value.strip()
            elif name in {"flags", "Features"} and not flags:
                flags = set(value.split())
    if model == "unknown":
        import platform

        model = platform.processor() or platform.machine()
    mask = os.environ.get(MASK_ACTIVE) if "cpuid_mask" in os.environ.get("LD_PRELOAD", "") else None
    if mask in {"avx2", "avx2-vnni"}:
        keep = {"avx_vnni"} if mask == "avx2-vnni" else set()
        flags = {f for f in flags if f in keep or not f.startswith(MASK_HIDES)}
    isa = sorted(f for f in ISA_FLAGS if f in flags)
    env = {k: os.environ[k] for k in ISA_ENV if os.environ.get(k)}
    return {"model": model, "flags": isa, "cores": usable_cores(), "isa_env": env,
            "class": cpu_class(set(isa), env)}


def cpu_class(flags: set[str], env: dict[str, str] | None = None) -> str:
    """``amx``, ``avx512-vnni``, ``avx512``, ``avx2-vnni``, ``avx2``, ``arm`` or ``other``;
    ``+restricted`` when an ISA environment variable is set (the libraries may then use less)."""
    if "amx_int8" in flags:
        name = "amx"
    elif "avx512_vnni" in flags:
        name = "avx512-vnni"
    elif "avx512f" in flags:
        name = "avx512"
    elif "avx_vnni" in flags:
        name = "avx2-vnni"
    elif "avx2" in flags:
        name = "avx2"
    elif "asimd" in flags:
        name = "arm"
    else:
        name = "other"
    return name + ("+restricted" if env else "")


def gpu_info(device: str) -> dict[str, Any]:
    """The GPU as calibration keys it: name, compute capability and CUDA version (in the same
    fields as :func:`cpu_info`, so the cache and ``/health`` read both alike)."""
    import torch

    index = torch.device(device).index
    if index is None:
        index = torch.cuda.current_device()
    name = torch.cuda.get_device_name(index)
    major, minor = torch.cuda.get_device_capability(index)
    flags = [f"sm_{major}{minor}", f"cuda-{torch.version.cuda}"]
    return {"model": name, "flags": flags, "cores": usable_cores(), "isa_env": {},
            "class": f"cuda-sm_{major}{minor}"}


def gpu_batch_tokens(options: EngineOptions, batch_size: int) -> int:
    """A GPU batch's padded-token budget: the configured one, raised to
    ``GPU_TOKENS_PER_ROW`` per row so that short comments fill the batch."""
    return max(options.max_batch_tokens, batch_size * GPU_TOKENS_PER_ROW)


def library_versions() -> dict[str, str]:
    from importlib import metadata

    out = {}
    for dist in ("torch", "onnxruntime", "transformers", "onnx"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = "-"
    return out


def onnx_available() -> bool:
    try:
        import onnx  # noqa: F401
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


def allowed_precisions(options: EngineOptions, device: str) -> list[str]:
    """The precisions calibration may try on ``device``, the usually fastest first: int8 and
    fp32 on a CPU, fp16, bf16 and fp32 on a GPU; fp32 (the reference) where the list names
    none of the device's, so one configuration serves CPU and GPU machines alike."""
    if not options.calibrate_precisions:
        raise ValueError("classifier.calibrate_precisions is empty: allow fp32, int8, fp16, bf16")
    unknown = set(options.calibrate_precisions) - {*CPU_PRECISIONS, *GPU_PRECISIONS}
    if unknown:
        raise ValueError(f"unknown precisions {sorted(unknown)} in calibrate_precisions")
    order = CPU_PRECISIONS if device == "cpu" else GPU_PRECISIONS
    return [p for p in order if p in options.calibrate_precisions] or ["fp32"]


def gpu_candidates(options: EngineOptions, device: str) -> list[str]:
    """Precisions to time on the GPU (bf16 only where the GPU computes in it, not emulated)."""
    import torch

    with torch.cuda.device(torch.device(device)):
        try:
            bf16 = torch.cuda.is_bf16_supported(including_emulation=False)
        except TypeError:  # an older torch: no emulation to leave out
            bf16 = torch.cuda.is_bf16_supported()
    return [p for p in allowed_precisions(options, device) if p != "bf16" or bf16] or ["fp32"]


def candidates(options: EngineOptions, model_key: str) -> list[tuple[str, bool]]:
    """(runtime, int8) pairs to try on a CPU, the usually fastest first."""
    precisions = allowed_precisions(options, "cpu")
    unknown = set(options.calibrate_runtimes) - {"onnx", "torch"}
    if unknown or not options.calibrate_runtimes:
        raise ValueError(f"calibrate_runtimes {list(options.calibrate_runtimes)}: "
                         "allow onnx, torch or both")
    runtimes = [r for r in ("onnx", "torch") if r in options.calibrate_runtimes
                and (r == "torch" or (model_key and onnx_available()))]
    if not runtimes:
        raise ValueError("calibrate_runtimes allows only onnx, and onnxruntime is not installed")
    return [(r, p == "int8") for p in precisions for r in runtimes]


def splits(cores: int) -> list[tuple[int, int]]:
    """streams x threads splits worth trying on ``cores`` cores."""
    out = [(min(cores, 4), max(1, cores // min(cores, 4))), (1, cores)]
    if cores >= 4:
        out.append((2, cores // 2))
    return list(dict.fromkeys(out))


def cache_key(cpu: dict[str, Any], model_key: str, options: EngineOptions,
              space: Sequence[Any], device: str = "cpu") -> str:
    """The cache entry's key: the machine (``cpu_info`` or ``gpu_info``), the model, the
    libraries, the candidates and the device kind."""
    blob = json.dumps({"schema": SCHEMA, "cpu": {k: cpu[k] for k in ("model", "flags", "cores",
                                                                      "isa_env")},
                       "model": model_key, "libs": library_versions(),
                       "space": [list(c) if isinstance(c, tuple) else c for c in space],
                       "device": "cpu" if device == "cpu" else "cuda"}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:20]


def cache_path(options: EngineOptions) -> Path:
    if options.calibration_cache:
        return Path(options.calibration_cache).expanduser()
    return onnx_root(options) / "calibration.json"


# -- the cache -------------------------------------------------------------------------------
def read_cache(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        log.warning("calibration cache %s unreadable (%s): measuring again", path, exc)
        return {}
    entries = data.get("entries") if isinstance(data, dict) else None
    return entries if isinstance(entries, dict) else {}


def write_cache(path: Path, key: str, entry: dict[str, Any]) -> None:
    """Add ``entry`` under ``key``, written to a temporary file and renamed."""
    entries = read_cache(path)
    entries[key] = entry
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as fh:
            json.dump({"schema": SCHEMA, "entries": entries}, fh, indent=1, sort_keys=True)
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


def from_entry(entry: dict[str, Any], key: str) -> Calibration | None:
    try:
        plan = Plan(**entry["plan"])
        return Calibration(plan, "cached", {str(k): float(v) for k, v in entry["rates"].items()},
                           dict(entry["cpu"]), key, float(entry["seconds"]), str(entry["measured_at"]))
    except (KeyError, TypeError, ValueError):
        return None


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """An exclusive lock beside the cache file: workers starting together measure once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # not on POSIX: no lock
        yield
        return
    with open(path.with_name(path.name + ".lock"), "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


# -- measuring -------------------------------------------------------------------------------
def synthetic_windows(tokenizer: Any, prefix: list[int], suffix: list[int], count: int = SEQUENCES,
                      seed: int = 0, vocab: int | None = None) -> list[list[int]]:
    """Token-id sequences with comment-like lengths (log-normal, median 24, cut at 4..160).
    The ids do not change the compute; the structural tokens are only kept out of the text.
    ``vocab``: the model's embedding size (the tokenizer's may be smaller)."""
    rng = random.Random(seed)
    size = vocab or int(getattr(tokenizer, "vocab_size", 0) or len(tokenizer))
    special = {getattr(tokenizer, f"{name}_token_id", None)
               for name in ("pad", "cls", "sep", "mask", "unk", "bos", "eos")}
    pool = [t for t in range(min(1000, size // 4), size) if t not in special] \
        or [t for t in range(size) if t not in special] or [0]
    out = []
    for _ in range(count):
        n = int(min(160, max(4, rng.lognormvariate(3.2, 0.6))))
        out.append([*prefix, *(rng.choice(pool) for _ in range(n)), *suffix])
    return out


def time_pass(run: Callable[[], object], repeats: int = 2) -> float:
    """Best wall time of ``repeats`` passes after a warm-up (best: least disturbed by others)."""
    run()
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - t0)
    return best


def search(build: Callable[[str, bool, int, int, int], Any], space: Sequence[tuple[str, bool]],
           seqs: list[list[int]], cores: int, budget_s: float,
           clock: Callable[[], float] = time.monotonic,
           timer: Callable[[Callable[[], object]], float] = time_pass,
           ) -> tuple[Plan | None, dict[str, float]]:
    """Time the candidates (``build(runtime, int8, batch, streams, threads)`` returns an engine
    with ``score_windows`` and ``replan``) until ``budget_s`` of timing is spent (building a
    candidate, e.g. a first ONNX export, does not count); the fastest plan."""
    deadline = clock() + budget_s
    rates: dict[str, float] = {}
    plans: dict[str, Plan] = {}

    def measure(engine: Any, plan: Plan) -> None:
        if plan.label in rates:
            return
        engine.replan(plan.batch_size, plan.streams, plan.threads)
        rates[plan.label] = len(seqs) / timer(lambda: engine.score_windows(seqs))
        plans[plan.label] = plan
        log.info("calibration: %s %.1f seq/s", plan.label, rates[plan.label])

    first = splits(cores)
    engines: dict[tuple[str, bool], Any] = {}
    for runtime, int8 in space:  # stage 1: runtime x precision at the defaults
        if rates and clock() > deadline:
            break
        streams, threads = first[0] if runtime == "torch" else (1, cores)
        plan = Plan(runtime, int8, 16, streams, threads)
        started = clock()
        try:
            engines[runtime, int8] = build(runtime, int8, 16, streams, threads)
        except Exception as exc:  # a path that cannot load is not a candidate
            log.warning("calibration: %s unavailable: %s", plan.label, exc)
            continue
        finally:
            deadline += clock() - started
        measure(engines[runtime, int8], plan)
    if not rates:
        return None, rates
    top = max(rates.values())
    finalists = sorted(((r, plans[k]) for k, r in rates.items() if r >= 0.75 * top),
                       key=lambda x: -x[0])
    for _, base in finalists:  # stage 2: splits, then batch sizes at the best split
        engine = engines[base.runtime, base.int8]
        for streams, threads in first:
            if clock() > deadline:
                break
            measure(engine, replace(base, streams=streams, threads=threads))
        mine = [p for p in plans.values() if (p.runtime, p.int8) == (base.runtime, base.int8)]
        best = max(mine, key=lambda p: rates[p.label])
        for batch in BATCH_SIZES:
            if clock() > deadline:
                break
            measure(engine, replace(best, batch_size=batch))
    winner = max(plans.values(), key=lambda p: rates[p.label])
    return winner, rates


def calibration_device(options: EngineOptions) -> str:
    """Where calibration times the model: the GPU where the engine would use one and torch
    (the GPU's runtime) is among ``calibrate_runtimes``; else the CPU (``device: auto`` with
    ``runtime: onnx`` means the CPU, as it does for the engine)."""
    from classifiers.engine import engine_device

    device = engine_device(options)
    if device != "cpu" and "torch" not in options.calibrate_runtimes:
        log.warning("calibration: calibrate_runtimes %s leaves out torch, the GPU's runtime: "
                    "calibrating for the CPU", list(options.calibrate_runtimes))
        return "cpu"
    return device


def search_gpu(build: Callable[[str, int], Any], precisions: Sequence[str], seqs: list[list[int]],
               budget_s: float, clock: Callable[[], float] = time.monotonic,
               timer: Callable[[Callable[[], object]], float] = time_pass,
               tokens: Callable[[int], int] = lambda batch: batch * GPU_TOKENS_PER_ROW,
               ) -> tuple[Plan | None, dict[str, float]]:
    """The GPU search (``build(precision, batch)`` returns an engine): each precision at
    ``GPU_FIRST_BATCH``, then the batch sizes for those within 25% of the fastest, until
    ``budget_s`` of timing is spent (building a candidate does not count). ``tokens(batch)``:
    the padded-token budget of a batch that size."""
    deadline = clock() + budget_s
    rates: dict[str, float] = {}
    plans: dict[str, Plan] = {}
    engines: dict[str, Any] = {}

    def measure(precision: str, batch: int) -> None:
        engine = engines[precision]
        plan = Plan("torch", False, batch, 1, engine.threads, precision, engine.device)
        if plan.label in rates:
            return
        engine.replan(batch, 1, engine.threads, tokens(batch))
        try:
            rates[plan.label] = len(seqs) / timer(lambda: engine.score_windows(seqs))
        except Exception as exc:  # e.g. out of GPU memory at a large batch: not a candidate
            log.warning("calibration: %s failed: %s", plan.label, exc)
            return
        plans[plan.label] = plan
        log.info("calibration: %s %.1f seq/s", plan.label, rates[plan.label])

    for precision in precisions:
        if rates and clock() > deadline:
            break
        started = clock()
        try:
            engines[precision] = build(precision, GPU_FIRST_BATCH)
        except Exception as exc:  # a precision this GPU or model cannot run is no candidate
            log.warning("calibration: torch %s unavailable: %s", precision, exc)
            continue
        finally:
            deadline += clock() - started
        measure(precision, GPU_FIRST_BATCH)
    if not rates:
        return None, rates
    top = max(rates.values())
    finalists = [p for p in sorted(plans.values(), key=lambda p: -rates[p.label])
                 if rates[p.label] >= 0.75 * top]
    for base in finalists:
        for batch in GPU_BATCH_SIZES:
            if clock() > deadline:
                break
            measure(base.precision, batch)
    return max(plans.values(), key=lambda p: rates[p.label]), rates


def calibrate(model: Any, tokenizer: Any, labels: Sequence[str], activation: str,
              options: EngineOptions, model_key: str) -> Calibration:
    """The cached choice for this machine and model, else measure it (and cache it)."""
    from datetime import UTC, datetime

    from classifiers.engine import SequenceClassifierEngine, _special_tokens, plan_threads

    device = calibration_device(options)
    gpu = device != "cpu"
    cpu = gpu_info(device) if gpu else cpu_info()
    space: Sequence[Any] = gpu_candidates(options, device) if gpu else candidates(options, model_key)
    key = cache_key(cpu, model_key, options, space, device)
    path = cache_path(options)
    with locked(path):
        found = from_entry(read_cache(path).get(key, {}), key) if model_key else None
        if found is not None:
            log.info("calibration: %s (cache %s)", found.describe(), path)
            return found
        probe = replace(options, calibrate="off", cache_size=0, device="cpu", precision="fp32")

        def build(runtime: str, int8: bool, batch: int, streams: int, threads: int) -> Any:
            return SequenceClassifierEngine(
                model, tokenizer, labels, activation,
                replace(probe, runtime=runtime, quantize_int8=int8, max_batch_size=batch,
                        streams=streams, threads=threads), model_key)

        def build_gpu(precision: str, batch: int) -> Any:
            return SequenceClassifierEngine(
                model, tokenizer, labels, activation,
                replace(probe, device=device, runtime="torch", quantize_int8=False,
                        precision=precision, max_batch_size=batch,
                        max_batch_tokens=gpu_batch_tokens(options, batch)), model_key)

        started = time.monotonic()
        seqs = synthetic_windows(tokenizer, *_special_tokens(tokenizer),
                                 count=GPU_SEQUENCES if gpu else SEQUENCES,
                                 vocab=getattr(getattr(model, "config", None), "vocab_size", None))
        if gpu:
            plan, rates = search_gpu(build_gpu, space, seqs, options.calibrate_budget_s,
                                     tokens=lambda batch: gpu_batch_tokens(options, batch))
        else:
            plan, rates = search(build, space, seqs, cpu["cores"], options.calibrate_budget_s)
        seconds = time.monotonic() - started
        if plan is None:  # nothing loaded: the configured path, which will say why it fails
            streams, threads = plan_threads(device, options.streams, options.threads,
                                            runtime=options.runtime)
            plan = Plan(options.runtime, options.quantize_int8, options.max_batch_size,
                        streams, threads, options.precision, device)
            return Calibration(plan, "fallback", rates, cpu, key, seconds)
        result = Calibration(plan, "measured", rates, cpu, key, seconds,
                             datetime.now(UTC).isoformat(timespec="seconds"))
        if model_key:  # without a weights digest there is nothing to key the cache by
            entry = {"plan": asdict(plan), "rates": rates, "cpu": cpu, "seconds": seconds,
                     "measured_at": result.measured_at, "libs": library_versions(),
                     "model": model_key}
            try:
                write_cache(path, key, entry)
            except OSError as exc:
                log.warning("calibration cache %s not written: %s", path, exc)
        log.info("calibration: %s in %.0f s", result.describe(), seconds)
        return result


def build_engine(model: Any, tokenizer: Any, labels: Sequence[str], activation: str,
                 options: EngineOptions, model_key: str) -> Any:
    """A :class:`~classifiers.engine.SequenceClassifierEngine` on the configured path, or with
    ``calibrate: auto`` on the calibrated one (``engine.calibration`` says which)."""
    from classifiers.engine import SequenceClassifierEngine

    chosen = None
    if options.calibrate == "auto":
        chosen = calibrate(model.eval(), tokenizer, labels, activation, options, model_key)
        options = chosen.apply(options)
    engine = SequenceClassifierEngine(model, tokenizer, labels, activation, options, model_key)
    engine.calibration = chosen
    return engine
