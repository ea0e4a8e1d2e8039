"""Fast batched inference for transformer sequence classifiers (detoxify and others).

What makes it fast on CPUs, while giving the same scores as the per-text call:
- tokenize once, without padding; sort by length and cut batches under a token budget, each
  padded only to its own longest sequence (length bucketing + dynamic padding);
- texts longer than the model's window are split into overlapping windows, each scored, and the
  text gets the maximum over its windows (detoxify itself truncates: see its issue 46);
- ``torch.inference_mode``, optional int8 dynamic quantization of the Linear layers, GPU when
  present;
- on a GPU, half-precision weights (``precision: fp16`` or ``bf16``), widths padded to a multiple
  of 8 for the tensor cores, inputs copied from pinned memory without waiting, and batches queued
  ahead of the one being read back (the host prepares batch n+1 while the GPU runs batch n);
- on CPU, parallel inference streams: one forward pass per core, each single-threaded, share the
  model (measured on 2 cores, int8: 2 streams x 1 thread ran ~25% faster than 1 stream x 2
  threads, whose small per-op parallel regions spend much of their time synchronizing);
- an LRU cache keyed on normalized text: spam waves repeat text.
"""

from __future__ import annotations

import os
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from classifiers.labels import canonical_label


@dataclass(frozen=True)
class EngineOptions:
    #: Small batches run fastest on CPU int8 (measured: 16 beat 64 by ~25%); raise it on GPU.
    max_batch_size: int = 16
    #: Padded tokens per batch; bounds memory and keeps long texts out of short batches.
    max_batch_tokens: int = 8192
    #: Long-text windows overlap by this many tokens.
    chunk_stride: int = 64
    #: Split long texts into windows (False: truncate like detoxify does).
    chunk_long_texts: bool = True
    quantize_int8: bool = False
    #: Weights and activations: "fp32", or "fp16"/"bf16" (half precision; for GPUs, where it
    #: runs several times faster; it changes scores slightly, like int8: docs/models.md). CPUs
    #: accept it too (bf16 can pay with AMX), but calibration does not try it there.
    precision: str = "fp32"
    device: str = "cpu"
    #: Torch intra-op threads per stream (None: the usable cores divided among the streams).
    threads: int | None = None
    #: Forward passes run at once on CPU (None: one per usable core, at most 4, with torch;
    #: one with ONNX Runtime, which threads well on its own; GPU: always 1).
    streams: int | None = None
    #: "torch", or "onnx": ONNX Runtime on CPU, the model exported once into ``onnx_dir``.
    runtime: str = "torch"
    onnx_dir: str | None = None
    cache_size: int = 50_000
    #: "auto": time the candidate paths at load and use the fastest (cached on disk per machine,
    #: model and libraries; applied by ``classifiers.calibration.build_engine``); "off": the
    #: options above as given.
    calibrate: str = "off"
    #: Seconds calibration may spend (exports and quantization of a model not yet cached on
    #: disk come on top the first time).
    calibrate_budget_s: float = 30.0
    #: Precisions calibration may choose ("int8", CPU only, and "fp16"/"bf16", GPU only, change
    #: scores: docs/models.md "Fidelity").
    calibrate_precisions: tuple[str, ...] = ("fp32", "int8", "fp16")
    #: Runtimes calibration may choose ("onnx" only where onnxruntime is installed).
    calibrate_runtimes: tuple[str, ...] = ("onnx", "torch")
    #: The calibration cache file (None: ``calibration.json`` in the ONNX model dir).
    calibration_cache: str | None = None


PRECISIONS = ("fp32", "fp16", "bf16")
#: Batches a GPU engine queues ahead of the one it reads back (bounds pinned host memory).
GPU_QUEUE_DEPTH = 8
#: A batch of at least PAD_MIN_ROWS ends before a sequence over PAD_RATIO x its shortest.
PAD_RATIO = 2.0
PAD_MIN_ROWS = 8


def variant_suffix(options: EngineOptions) -> str:
    """What a classifier's version adds for a path that changes its scores: ``+int8``,
    ``+fp16``/``+bf16``, and ``+onnx`` (ONNX Runtime's int8 quantizes differently from torch's)."""
    half = f"+{options.precision}" if options.precision != "fp32" else ""
    return (("+int8" if options.quantize_int8 else "") + half
            + ("+onnx" if options.runtime == "onnx" else ""))


def check_precision(options: EngineOptions) -> None:
    """Reject combinations no path runs: half precision with int8 or with ONNX Runtime."""
    if options.precision not in PRECISIONS:
        raise ValueError(f"unknown precision {options.precision!r}: one of {', '.join(PRECISIONS)}")
    if options.precision != "fp32" and options.quantize_int8:
        raise ValueError(f"precision {options.precision} and int8 quantization exclude each other")
    if options.precision != "fp32" and options.runtime == "onnx":
        raise ValueError(f"precision {options.precision} runs with runtime 'torch' only")


class LRUCache:
    """A small thread-safe LRU map."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._data: OrderedDict[str, dict[str, float]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: str) -> dict[str, float] | None:
        with self._lock:
            value = self._data.get(key)
            if value is None:
                self.misses += 1
                return None
            self._data.move_to_end(key)
            self.hits += 1
            return value

    def put(self, key: str, value: dict[str, float]) -> None:
        if self.capacity <= 0:
            return
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.capacity:
                self._data.popitem(last=False)


def _special_tokens(tokenizer: Any) -> tuple[list[int], list[int]]:
    """The ids a tokenizer puts before and after a single text ([CLS] … [SEP], <s> … </s>)."""
    bare = tokenizer("civic", add_special_tokens=False)["input_ids"]
    full = tokenizer("civic", add_special_tokens=True)["input_ids"]
    for start in range(len(full) - len(bare) + 1):
        if full[start:start + len(bare)] == bare:
            return list(full[:start]), list(full[start + len(bare):])
    raise ValueError(f"cannot locate the text inside {type(tokenizer).__name__}'s special tokens")


def usable_cores() -> int:
    """CPUs this process may run on (its affinity mask; ``os.cpu_count()`` where unknown)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def plan_threads(device: str, streams: int | None, threads: int | None,
                 cores: int | None = None, runtime: str = "torch") -> tuple[int, int]:
    """(streams, threads per stream): with torch on CPU one single-threaded stream per core
    unless told otherwise; on GPU, and with ONNX Runtime, one stream."""
    cores = cores or usable_cores()
    if device != "cpu" or runtime == "onnx":
        return streams or 1, threads or cores
    n = streams or max(1, min(cores, 4))
    return n, threads or max(1, cores // n)


def _default_onnx_dir() -> Any:
    from civicmod.contract.settings import home_dir

    return home_dir() / "onnx"


def onnx_root(options: EngineOptions) -> Any:
    """The directory exported ONNX models (and the calibration cache) live in."""
    from pathlib import Path

    return Path(options.onnx_dir).expanduser() if options.onnx_dir else _default_onnx_dir()


def resolve_device(device: str) -> str:
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return device


def engine_device(options: EngineOptions) -> str:
    """The device an engine with ``options`` runs on: ``device`` resolved, except that ONNX
    Runtime runs on the CPU here, so ``auto`` with ``runtime: onnx`` means the CPU."""
    if options.device == "auto" and options.runtime == "onnx":
        return "cpu"
    return resolve_device(options.device)


class SequenceClassifierEngine:
    """Scores texts with a Hugging Face sequence-classification model and its tokenizer."""

    def __init__(self, model: Any, tokenizer: Any, labels: Sequence[str],
                 activation: str = "sigmoid", options: EngineOptions | None = None,
                 model_key: str = "") -> None:
        import torch

        self.options = opts = options or EngineOptions()
        check_precision(opts)
        #: What calibration chose and measured: set by ``classifiers.calibration.build_engine``,
        #: which applies ``calibrate: auto`` (None when it is off).
        self.calibration: Any = None
        self.runtime = opts.runtime
        # ONNX Runtime runs on CPU here: "auto" means the CPU for it
        self.device = engine_device(opts)
        self.streams, self.threads = plan_threads(self.device, opts.streams, opts.threads,
                                                  runtime=self.runtime)
        self._pool = (ThreadPoolExecutor(self.streams, thread_name_prefix="civicmod-infer")
                      if self.streams > 1 else None)
        model = model.eval()
        self.onnx: Any = None
        if self.runtime == "onnx":
            self.onnx = self._onnx_runner(model, tokenizer, model_key)
        elif self.runtime != "torch":
            raise ValueError(f"unknown runtime {self.runtime!r}: 'torch' or 'onnx'")
        elif opts.quantize_int8:
            if self.device != "cpu":
                raise ValueError("int8 dynamic quantization runs on CPU only")
            model = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear},
                                                           dtype=torch.qint8)
        if self.onnx is None and (opts.precision != "fp32" or self.device != "cpu"):
            # a copy: ``.to()`` converts and moves a module in place, and the model may serve
            # other engines (calibration builds several from one)
            import copy

            model = copy.deepcopy(model)
            if opts.precision != "fp32":
                model = model.to(getattr(torch, {"fp16": "float16",
                                                 "bf16": "bfloat16"}[opts.precision]))
        self.model = model.to(self.device) if self.onnx is None else None  # ORT has its own copy
        self._model_key = model_key
        self.tokenizer = tokenizer
        self.labels = tuple(canonical_label(lab) for lab in labels)
        self.activation = activation
        self.window = min(int(getattr(tokenizer, "model_max_length", 512) or 512),
                          int(getattr(model.config, "max_position_embeddings", 512)))
        if getattr(model.config, "model_type", "") in {"roberta", "xlm-roberta", "camembert"}:
            self.window = min(self.window, model.config.max_position_embeddings - 2)
        self._prefix, self._suffix = _special_tokens(tokenizer)
        self.cache = LRUCache(opts.cache_size)
        self._lowercase = bool(getattr(tokenizer, "do_lower_case", False))
        self._lock = threading.Lock()  # one predict() at a time per engine (its streams inside)
        #: Batches queued on a GPU ahead of the one read back (0: each read back at once).
        self.queue_depth = GPU_QUEUE_DEPTH

    # -- keys and windows -----------------------------------------------------------------
    def cache_key(self, text: str) -> str:
        """Normalized text: runs of whitespace collapsed (no tokenizer sees them), case folded
        for uncased models. Two texts with one key get identical model inputs."""
        key = " ".join(unicodedata.normalize("NFC", text).split())
        return key.lower() if self._lowercase else key

    def _windows(self, ids: list[int]) -> list[list[int]]:
        room = self.window - len(self._prefix) - len(self._suffix)
        if len(ids) <= room:
            spans = [ids]
        elif not self.options.chunk_long_texts:
            spans = [ids[:room]]
        else:
            step = max(1, room - self.options.chunk_stride)
            spans = [ids[i:i + room] for i in range(0, max(1, len(ids) - self.options.chunk_stride), step)]
        return [[*self._prefix, *s, *self._suffix] for s in spans]

    def _onnx_runner(self, model: Any, tokenizer: Any, model_key: str) -> Any:

        from classifiers.onnx_runtime import OnnxRunner, ensure_model

        if self.device != "cpu":
            raise ValueError("runtime 'onnx' runs on CPU here; use runtime 'torch' on a GPU")
        if not model_key:
            raise ValueError("runtime 'onnx' needs a model key (the weights digest) to cache by")
        names = ["input_ids", "attention_mask"]
        if "token_type_ids" in tokenizer.model_input_names:
            names.append("token_type_ids")
        path = ensure_model(model, names, model_key, onnx_root(self.options), self.options.quantize_int8)
        return OnnxRunner(path, self.threads)

    def replan(self, max_batch_size: int, streams: int, threads: int,
               max_batch_tokens: int | None = None) -> None:
        """Change the batch size (and token budget) and the streams x threads split
        (calibration tries several)."""
        from dataclasses import replace

        with self._lock:
            self.options = replace(self.options, max_batch_size=max_batch_size, streams=streams,
                                   threads=threads,
                                   max_batch_tokens=max_batch_tokens or self.options.max_batch_tokens)
            self.streams, self.threads = streams, threads
            if self._pool is not None:
                self._pool.shutdown()
            self._pool = (ThreadPoolExecutor(streams, thread_name_prefix="civicmod-infer")
                          if streams > 1 else None)
            if self.onnx is not None and self.onnx.threads != threads:
                from classifiers.onnx_runtime import OnnxRunner

                self.onnx = OnnxRunner(self.onnx.path, threads)

    def version_suffix(self) -> str:
        """What the classifier's version adds: the score-changing variant (``+int8``,
        ``+onnx``) and, when calibration chose the path, ``@b<batch>/<streams>x<threads>``."""
        suffix = variant_suffix(self.options)
        return suffix + (f"@{self.calibration.plan.tag}" if self.calibration is not None else "")

    # -- inference ------------------------------------------------------------------------
    def _set_threads(self) -> None:
        """Torch's intra-op thread count is process-wide: set ours before each run (a no-op
        unless something else changed it)."""
        import torch

        if torch.get_num_threads() != self.threads:
            torch.set_num_threads(self.threads)

    def _padded(self, seqs: list[list[int]], multiple: int = 1) -> tuple[Any, Any]:
        """(ids, attention mask) as int64 numpy arrays, padded to the longest sequence rounded
        up to ``multiple`` (but not past the model's window)."""
        import numpy as np

        pad = self.tokenizer.pad_token_id or 0
        longest = max(len(s) for s in seqs)
        width = -(-longest // multiple) * multiple
        if width > self.window:  # never past the model's positions (a window not a multiple)
            width = longest
        ids = np.full((len(seqs), width), pad, dtype=np.int64)
        mask = np.zeros((len(seqs), width), dtype=np.int64)
        for i, s in enumerate(seqs):
            ids[i, : len(s)] = s
            mask[i, : len(s)] = 1
        return ids, mask

    def _launch(self, seqs: list[list[int]]) -> Callable[[], list[list[float]]]:
        """Run the torch model on one batch; a function giving its rows of probabilities. On a
        GPU the work is queued and nothing waits here: the probabilities are copied into
        pinned host memory right behind the batch's own kernels, and the function waits for
        that batch's event only (a plain ``.cpu()`` would wait for every batch queued since)."""
        import torch

        gpu = self.device != "cpu"
        ids_np, mask_np = self._padded(seqs, 8 if gpu else 1)
        ids, mask = torch.from_numpy(ids_np), torch.from_numpy(mask_np)
        if gpu:  # pinned: the copy runs asynchronously, in order on the stream
            ids = ids.pin_memory().to(self.device, non_blocking=True)
            mask = mask.pin_memory().to(self.device, non_blocking=True)
        inputs: dict[str, Any] = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self.tokenizer.model_input_names:
            inputs["token_type_ids"] = torch.zeros_like(ids)
        with torch.inference_mode():
            logits = self.model(**inputs)[0].float()
            probs = torch.sigmoid(logits) if self.activation == "sigmoid" else logits.softmax(-1)
            if not gpu:
                return probs.tolist
            host = torch.empty(probs.shape, dtype=probs.dtype, pin_memory=True)
            host.copy_(probs, non_blocking=True)
        done = torch.cuda.Event()
        done.record(torch.cuda.current_stream(self.device))  # the model's device's stream

        def rows() -> list[list[float]]:
            done.synchronize()
            return host.tolist()

        return rows

    def _forward(self, seqs: list[list[int]]) -> list[list[float]]:
        if self.onnx is not None:
            return self._forward_onnx(seqs)
        return self._launch(seqs)()

    def _pipelined(self, batches: Iterable[list[list[int]]]) -> Iterator[list[list[float]]]:
        """Each batch's rows, in order, with up to ``queue_depth`` batches queued ahead of the
        one read back: the host pads and launches while the device computes."""
        from collections import deque

        queued: deque[Any] = deque()
        for batch in batches:
            queued.append(self._launch(batch))
            if len(queued) > self.queue_depth:
                yield queued.popleft()()
        while queued:
            yield queued.popleft()()

    def _forward_onnx(self, seqs: list[list[int]]) -> list[list[float]]:
        import numpy as np

        ids, mask = self._padded(seqs)
        logits = self.onnx({"input_ids": ids, "attention_mask": mask,
                            "token_type_ids": np.zeros_like(ids)}).astype(np.float64)
        if self.activation == "sigmoid":
            probs = 1.0 / (1.0 + np.exp(-logits))
        else:
            e = np.exp(logits - logits.max(axis=-1, keepdims=True))
            probs = e / e.sum(axis=-1, keepdims=True)
        return probs.tolist()

    def _batches(self, seqs: list[list[int]]) -> list[list[int]]:
        """Indices of ``seqs`` grouped into length-sorted batches under the size/token budgets.
        A batch of ``PAD_MIN_ROWS`` or more also ends before a sequence over ``PAD_RATIO`` times
        its shortest: with large (GPU) batches, one long comment would otherwise pad hundreds of
        short ones to its length."""
        order = sorted(range(len(seqs)), key=lambda i: len(seqs[i]))
        batches: list[list[int]] = []
        current: list[int] = []
        shortest = 0
        for i in order:
            width = len(seqs[i])  # sorted ascending: the newest is the widest
            if current and (len(current) >= self.options.max_batch_size
                            or width * (len(current) + 1) > self.options.max_batch_tokens
                            or (width > PAD_RATIO * shortest and len(current) >= PAD_MIN_ROWS)):
                batches.append(current)
                current = []
            if not current:
                shortest = width
            current.append(i)
        if current:
            batches.append(current)
        return batches

    def score_windows(self, seqs: list[list[int]],
                      progress: Callable[[int], None] | None = None) -> list[list[float] | None]:
        """Model outputs for token-id windows (special tokens included), in input order."""
        scores: list[list[float] | None] = [None] * len(seqs)
        with self._lock:
            self._set_threads()
            batches = self._batches(seqs)
            rows: Iterable[list[list[float]]]
            if self.device != "cpu" and self.onnx is None:
                rows = self._pipelined([[seqs[j] for j in b] for b in batches])
            elif self._pool is None or len(batches) == 1:
                rows = map(self._forward, ([seqs[j] for j in b] for b in batches))
            else:  # widest first, so the streams finish together
                batches.sort(key=lambda b: -len(seqs[b[-1]]) * len(b))
                rows = self._pool.map(self._forward, [[seqs[j] for j in b] for b in batches])
            for batch, batch_rows in zip(batches, rows, strict=True):
                for j, row in zip(batch, batch_rows, strict=True):
                    scores[j] = row
                if progress:
                    progress(len(batch))
        return scores

    def encode(self, texts: Sequence[str]) -> list[list[int]]:
        """Token ids of each text, no special tokens, not truncated. Straight from the Rust
        tokenizer (no offsets computed, nothing else converted to Python) where it is a fast one
        with no truncation or padding configured; else through the Hugging Face wrapper."""
        backend = getattr(self.tokenizer, "backend_tokenizer", None)
        if (backend is not None and hasattr(backend, "encode_batch_fast")
                and backend.truncation is None and backend.padding is None):
            return [e.ids for e in backend.encode_batch_fast(list(texts), add_special_tokens=False)]
        return self.tokenizer(list(texts), add_special_tokens=False, truncation=False,
                              padding=False, verbose=False, return_attention_mask=False,
                              return_token_type_ids=False)["input_ids"]

    def _score_texts(self, texts: list[str],
                     progress: Callable[[int], None] | None) -> list[list[float]]:
        """Each text's scores: the maximum over its windows."""
        seqs: list[list[int]] = []
        owner: list[int] = []  # seqs[j] belongs to texts[owner[j]]
        for n, ids in enumerate(self.encode(texts)):
            for window in self._windows(ids):
                seqs.append(window)
                owner.append(n)
        best: list[list[float] | None] = [None] * len(texts)
        for n, row in zip(owner, self.score_windows(seqs, progress), strict=True):
            assert row is not None
            prev = best[n]
            best[n] = row if prev is None else [max(a, b) for a, b in zip(prev, row, strict=True)]
        return best  # type: ignore[return-value]  # every text has a window, every window a row

    def predict(self, texts: Sequence[str],
                progress: Callable[[int], None] | None = None) -> list[dict[str, float]]:
        """Scores for each text (label → probability), in input order."""
        keys = [self.cache_key(t) for t in texts]
        results: list[dict[str, float] | None] = [self.cache.get(k) for k in keys]
        todo: dict[str, list[int]] = {}
        for i, (key, hit) in enumerate(zip(keys, results, strict=True)):
            if hit is None:
                todo.setdefault(key, []).append(i)
        if todo:
            firsts = [idxs[0] for idxs in todo.values()]
            best = self._score_texts([texts[i] for i in firsts], progress)
            for n, (key, idxs) in enumerate(todo.items()):
                value = dict(zip(self.labels, best[n], strict=True))
                self.cache.put(key, value)
                for i in idxs:
                    results[i] = value
        missing = [i for i, r in enumerate(results) if r is None]
        if missing:  # cannot happen unless the model skipped inputs; never drop silently
            raise RuntimeError(f"no scores for {len(missing)} of {len(texts)} texts")
        return [dict(r) for r in results]  # type: ignore[arg-type]
