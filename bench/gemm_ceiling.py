"""The arithmetic ceiling of a BERT classifier on this CPU: comments/s its matrix products allow.

A BERT encoder's time is almost all matrix products: per token and layer 4·H² (attention
projections) + 2·H·I (feed-forward) multiply-adds, plus 2·L·H for attention over L tokens. This
script measures the fastest rate each library reaches here for the model's largest product
(M=512 token rows, K=hidden, N=intermediate, the feed-forward's first layer, on all cores), in
fp32 (torch) and int8 (torch's dynamic quantization, ONNX Runtime's MatMulInteger path), and
divides: the resulting comments/s is what the model could reach if everything but its matrix
products took no time. The classifier benchmark prints it beside its rows, so a goal above it
(10x naive on an AVX2 CPU) can be seen to be out of reach for that model, not only unmet.

Run: ``.venv/bin/python bench/gemm_ceiling.py [--threads N]`` (under the CPUID mask to see the
AVX2 class: ``LD_PRELOAD=... CIVICMOD_CPUID_MASK=avx2``, or through
``bench/classifier_throughput.py --isa avx2``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from benchkit import median_seconds  # bench/ is on sys.path when run as a script

ROWS = 512  # token rows per product: a batch of 16 comments of ~32 tokens


@dataclass(frozen=True)
class Encoder:
    """The shape that sets a BERT encoder's arithmetic."""

    layers: int
    hidden: int
    intermediate: int

    def macs(self, tokens: int) -> float:
        """Multiply-adds for one sequence of ``tokens`` tokens (the matrix products only)."""
        h, i = self.hidden, self.intermediate
        return self.layers * (tokens * (4 * h * h + 2 * h * i) + 2 * tokens * tokens * h)

    @classmethod
    def of(cls, config: object) -> Encoder:
        return cls(config.num_hidden_layers, config.hidden_size, config.intermediate_size)  # type: ignore[attr-defined]


def _best_gmacs(run: Callable[[], object], macs: float, repeat: int) -> float:
    """GMAC/s of the median of ``repeat`` timed calls (after two untimed)."""
    return macs / median_seconds(run, repeat, warmups=2) / 1e9


def torch_peaks(k: int, n: int, threads: int, repeat: int = 9) -> dict[str, float]:
    """GMAC/s of one [ROWS x k] @ [k x n] product: fp32, and int8 by dynamic quantization."""
    import torch

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    x = torch.randn(ROWS, k)
    layer = torch.nn.Linear(k, n).eval()
    qlayer = torch.ao.quantization.quantize_dynamic(torch.nn.Sequential(layer), {torch.nn.Linear},
                                                    dtype=torch.qint8).eval()
    macs = ROWS * k * n
    with torch.inference_mode():
        return {"torch fp32": _best_gmacs(lambda: layer(x), macs, repeat),
                "torch int8": _best_gmacs(lambda: qlayer(x), macs, repeat)}


def onnx_peaks(k: int, n: int, threads: int, repeat: int = 9) -> dict[str, float]:
    """GMAC/s of the same product in ONNX Runtime, fp32 and dynamically quantized to int8
    (empty when onnx or onnxruntime is not installed)."""
    try:
        import numpy as np
        import onnx
        import onnxruntime as ort
        from onnx import TensorProto, helper, numpy_helper
        from onnxruntime.quantization import QuantType, quantize_dynamic
    except ImportError:
        return {}
    import logging

    logging.getLogger().setLevel(logging.ERROR)  # quantize_dynamic's pre-processing advice
    rng = np.random.default_rng(0)
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["y"])], "gemm",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, k])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, n])],
        [numpy_helper.from_array(rng.standard_normal((k, n), dtype=np.float32), "w")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    x = rng.standard_normal((ROWS, k), dtype=np.float32)
    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        fp32, int8 = Path(tmp) / "fp32.onnx", Path(tmp) / "int8.onnx"
        onnx.save(model, fp32)
        quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8)
        for label, path in (("onnx fp32", fp32), ("onnx int8", int8)):
            opts = ort.SessionOptions()
            opts.intra_op_num_threads = threads
            session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
            out[label] = _best_gmacs(lambda s=session: s.run(None, {"x": x}), ROWS * k * n, repeat)
    return out


def peaks(encoder: Encoder, threads: int, onnx: bool = True) -> dict[str, float]:
    """GMAC/s per library and precision for the encoder's feed-forward product."""
    out = torch_peaks(encoder.hidden, encoder.intermediate, threads)
    if onnx:
        out.update(onnx_peaks(encoder.hidden, encoder.intermediate, threads))
    return out


def ceiling_lines(encoder: Encoder, lengths: Sequence[int], measured: dict[str, float],
                  naive_rate: float | None = None) -> list[str]:
    """The report: MACs per comment, each peak, and the comments/s ceiling it implies."""
    per_comment = statistics.fmean(encoder.macs(n) for n in lengths)
    lines = [f"arithmetic ceiling: {per_comment / 1e9:.3g} GMAC per comment (mean over "
             f"{len(lengths)} texts' token counts; {encoder.layers} layers, hidden "
             f"{encoder.hidden}, intermediate {encoder.intermediate})"]
    if naive_rate:
        lines.append(f"  naive path: {naive_rate * per_comment / 1e9:.3g} GMAC/s")
    for label, gmacs in sorted(measured.items(), key=lambda kv: -kv[1]):
        ceiling = gmacs * 1e9 / per_comment
        vs = f" = {ceiling / naive_rate:.1f}x naive" if naive_rate else ""
        lines.append(f"  {label:<10} peak {gmacs:7.0f} GMAC/s ({ROWS}x{encoder.hidden}x"
                     f"{encoder.intermediate}) -> at most {ceiling:7.1f} comments/s{vs}")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--tokens", type=int, default=24, help="tokens per comment (median ~24)")
    args = ap.parse_args(argv)
    warnings.filterwarnings("ignore")
    bert_base = Encoder(layers=12, hidden=768, intermediate=3072)
    for line in ceiling_lines(bert_base, [args.tokens], peaks(bert_base, args.threads)):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
