"""Classifier throughput: naive per-comment detoxify vs civicmod's batched engine.

Model: detoxify "original"'s architecture (bert-base-uncased, the same compute), random weights
built locally in detoxify's checkpoint layout (no weights can be downloaded here), or real
weights with ``--checkpoint`` and ``--hf-dir``. Texts: a seeded sample of the Davidson tweets,
so comment lengths are real. All paths are measured in one run; each figure is the median over
``--repeat`` passes, and the ratios are against the naive path measured in the same run:

(a) naive        ``Detoxify(...).predict(text)`` one comment at a time (detoxify's own code)
(b) fp32         civicmod engine, torch: length-sorted batches, dynamic padding, inference_mode,
                 one single-threaded inference stream per core
(c) int8         the same with torch dynamic int8 quantization of the Linear layers
(d) onnx fp32    the engine on ONNX Runtime (the model exported once, cached)
(e) onnx int8    ONNX Runtime with its dynamic int8 quantization
(f) fastest path + cache on a stream with repeats (``--repeat-share`` of texts seen before),
    the spam-wave case; reported separately because it depends on the traffic

Run: ``.venv/bin/python bench/classifier_throughput.py [--dataset PATH] [--n 256] [--repeat 3]``
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import random
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

DEFAULT_DATASET = REPO.parent / "shared" / "datasets" / "davidson_labeled_data.csv"


def load_texts(path: Path, n: int, seed: int) -> list[str]:
    with open(path, newline="", encoding="utf-8") as fh:
        tweets = [row["tweet"] for row in csv.DictReader(fh)]
    return random.Random(seed).sample(tweets, n)


def rate(fn: Callable[[], object], count: int, repeat: int) -> float:
    """Median comments/s over ``repeat`` timed passes (after one untimed warm-up)."""
    fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return count / statistics.median(times)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dataset", type=Path, default=DEFAULT_DATASET)
    ap.add_argument("--n", type=int, default=256, help="comments per pass for the batched paths")
    ap.add_argument("--n-naive", type=int, default=64, help="comments per pass for the naive path")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--repeat-share", type=float, default=0.5)
    ap.add_argument("--checkpoint", type=Path, help="a real detoxify .ckpt (default: random bert-base)")
    ap.add_argument("--hf-dir", type=Path, help="its Hugging Face config/tokenizer dir")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--no-onnx", action="store_true", help="skip the ONNX Runtime paths")
    args = ap.parse_args(argv)
    if not args.dataset.is_file():
        print(f"dataset not found: {args.dataset} (pass --dataset)", file=sys.stderr)
        return 2
    warnings.filterwarnings("ignore")
    import torch
    from detoxify import Detoxify

    from civicmod.dev.synthetic_models import build_detoxify_checkpoint
    from classifiers.detoxify_model import DetoxifyClassifier
    from classifiers.engine import EngineOptions

    torch.set_num_threads(args.threads)
    texts = load_texts(args.dataset, args.n, args.seed)
    naive_texts = texts[: args.n_naive]
    with tempfile.TemporaryDirectory() as tmp:
        if args.checkpoint:
            ckpt, hf = args.checkpoint, args.hf_dir
            model_desc = f"checkpoint {ckpt}"
        else:
            print("building a random bert-base checkpoint in detoxify's layout ...", file=sys.stderr)
            ckpt, hf = build_detoxify_checkpoint(tmp, arch="bert-base", seed=args.seed)
            model_desc = "bert-base-uncased architecture, random weights (detoxify 'original' layout)"
        ref = Detoxify(checkpoint=str(ckpt), huggingface_config_path=str(hf) if hf else None)
        tokens = [len(ref.tokenizer(t)["input_ids"]) for t in texts]

        def naive() -> None:
            if torch.get_num_threads() != args.threads:  # the engine sets its own count
                torch.set_num_threads(args.threads)
            for t in naive_texts:
                ref.predict(t)

        variants = {"b": ("fp32", EngineOptions(cache_size=0)),
                    "c": ("int8", EngineOptions(cache_size=0, quantize_int8=True))}
        if not args.no_onnx:
            onnx_dir = str(Path(tmp) / "onnx")
            variants["d"] = ("onnx fp32", EngineOptions(cache_size=0, runtime="onnx",
                                                        onnx_dir=onnx_dir))
            variants["e"] = ("onnx int8", EngineOptions(cache_size=0, runtime="onnx",
                                                        onnx_dir=onnx_dir, quantize_int8=True))
        paths: list[tuple[str, Callable[[], object], int]] = [
            (f"(a) naive Detoxify.predict, one at a time, {args.threads} thread(s)", naive,
             len(naive_texts))]
        options: dict[str, EngineOptions] = {}
        for letter, (label, opts) in variants.items():
            print(f"loading {label} ...", file=sys.stderr)
            clf = DetoxifyClassifier("original", ckpt, hf, opts)
            plan = f"{clf.engine.streams}x{clf.engine.threads} thr"
            name = f"({letter}) civicmod {label}, batched, {plan}"
            options[name] = opts
            paths.append((name, lambda clf=clf: clf.predict(texts), len(texts)))
        if torch.cuda.is_available():
            gpu = DetoxifyClassifier("original", ckpt, hf, EngineOptions(cache_size=0, device="cuda",
                                                                         max_batch_size=64))
            paths.append((f"(g) civicmod fp32 on {torch.cuda.get_device_name()}",
                          lambda: gpu.predict(texts), len(texts)))
        rows: list[tuple[str, float]] = []
        for name, fn, count in paths:
            print(f"timing {name} ...", file=sys.stderr)
            rows.append((name, rate(fn, count, args.repeat)))

        # spam wave: a stream where a share of comments repeat earlier text
        rng = random.Random(args.seed)
        stream = [rng.choice(texts[: max(1, len(texts) // 8)]) if rng.random() < args.repeat_share else t
                  for t in texts]
        best_name = max(rows[1:], key=lambda r: r[1])[0]
        fastest = options[best_name]
        cached = DetoxifyClassifier("original", ckpt, hf, EngineOptions(
            quantize_int8=fastest.quantize_int8, runtime=fastest.runtime, onnx_dir=fastest.onnx_dir))

        def with_cache() -> None:
            cached.engine.cache = type(cached.engine.cache)(50_000)
            cached.predict(stream[: len(stream) // 2])
            cached.predict(stream[len(stream) // 2:])

        cache_rate = rate(with_cache, len(stream), args.repeat)

    base = rows[0][1]
    print(f"\nclassifier throughput: {model_desc}")
    print(f"machine: {os.cpu_count()} CPUs, torch threads {args.threads}, {platform.platform()}, "
          f"torch {torch.__version__}")
    print(f"texts: {len(texts)} Davidson tweets (seed {args.seed}), tokens per text median "
          f"{statistics.median(tokens):.0f}, p90 {sorted(tokens)[int(0.9 * len(tokens))]}, "
          f"max {max(tokens)}; naive path on the first {len(naive_texts)}; median of {args.repeat} passes")
    print(f"{'path':<58} {'comments/s':>11} {'vs naive':>9}")
    for name, value in rows:
        print(f"{name:<58} {value:>11.1f} {value / base:>8.1f}x")
    best = dict(rows)[best_name]
    print(f"fastest uncached path: {best_name.split(' ', 1)[1]} at {best:.1f}/s = {best / base:.1f}x naive")
    print(f"(f) that path + LRU cache, stream with {args.repeat_share:.0%} repeated text: "
          f"{cache_rate:.1f}/s = {cache_rate / base:.1f}x naive")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
