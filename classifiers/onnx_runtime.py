"""ONNX Runtime for the engine's forward pass (``classifier.runtime: onnx``), the fastest CPU path.

The torch model is exported once to ONNX (fp32, dynamic batch and sequence axes) and, for int8,
quantized with ONNX Runtime's dynamic quantization; both files are cached under
``<onnx_dir>/<model key>/`` (the key is the weights digest), written to a temporary name and
renamed, so concurrent workers never read half a file. Measured on 2 cores with bert-base int8,
ONNX Runtime ran ~1.2x faster than torch's dynamic int8 (docs/benchmarks.md). Needs the
``onnx`` extra (``pip install 'civicmod[onnx]'``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

OPSET = 17


class OnnxUnavailable(RuntimeError):
    """ONNX Runtime (or the exporter's dependencies) is not installed."""


def _require() -> Any:
    try:
        import onnxruntime
    except ImportError as exc:
        raise OnnxUnavailable("classifier.runtime 'onnx' needs onnxruntime and onnx: "
                              "pip install 'civicmod[onnx]'") from exc
    return onnxruntime


def export(model: Any, input_names: Sequence[str], path: Path) -> Path:
    """Export a (fp32, eval-mode) sequence classifier to ``path`` with dynamic axes."""
    import torch

    _require()
    dummy = torch.ones((2, 8), dtype=torch.long)
    args = tuple(dummy if n != "token_type_ids" else torch.zeros_like(dummy) for n in input_names)
    axes = {n: {0: "batch", 1: "sequence"} for n in input_names}
    axes["logits"] = {0: "batch"}
    with _staging(path) as tmp, torch.inference_mode(), warnings.catch_warnings():
        # tracing notes on shape-dependent branches: none changes the graph for a padded
        # batch with a mask (tests/test_classifier_fidelity.py checks varied shapes)
        warnings.simplefilter("ignore")
        torch.onnx.export(model, args, str(tmp), input_names=list(input_names),
                          output_names=["logits"], dynamic_axes=axes, opset_version=OPSET,
                          dynamo=False)
    return path


def quantize(src: Path, dst: Path) -> Path:
    """Int8 dynamic quantization of ``src``'s weights (activations quantized per batch)."""
    _require()
    from onnxruntime.quantization import QuantType, quantize_dynamic

    root = logging.getLogger()
    quiet = _DropMessage("pre-processing before quantization")  # advice for static quantization
    root.addFilter(quiet)
    try:
        with _staging(dst) as tmp:
            quantize_dynamic(str(src), str(tmp), weight_type=QuantType.QInt8)
    finally:
        root.removeFilter(quiet)
    return dst


class _DropMessage(logging.Filter):
    def __init__(self, fragment: str) -> None:
        super().__init__()
        self.fragment = fragment

    def filter(self, record: logging.LogRecord) -> bool:
        return self.fragment not in record.getMessage()


@contextlib.contextmanager
def _staging(path: Path) -> Iterator[Path]:
    """A temporary file beside ``path``, renamed onto it when the block succeeds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def ensure_model(model: Any, input_names: Sequence[str], key: str, onnx_dir: Path,
                 int8: bool) -> Path:
    """The cached ONNX file for ``model`` (exported, and quantized for int8, on first use)."""
    root = Path(onnx_dir).expanduser() / key
    fp32 = root / "model.onnx"
    if not fp32.is_file():
        export(model, input_names, fp32)
    if not int8:
        return fp32
    q = root / "model.int8.onnx"
    if not q.is_file():
        quantize(fp32, q)
    return q


class OnnxRunner:
    """One ONNX Runtime session: int64 id/mask arrays in, float32 logits out."""

    def __init__(self, path: Path, threads: int) -> None:
        ort = _require()
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
        self.input_names = [i.name for i in self.session.get_inputs()]
        self.path = path
        self.threads = threads

    def __call__(self, inputs: dict[str, Any]) -> Any:
        return self.session.run(None, {n: inputs[n] for n in self.input_names})[0]
