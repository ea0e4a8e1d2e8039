"""Distillation measured on a teacher whose scores mean something: what a student's layers cost.

No weights can be downloaded here, and a random-weight teacher's scores carry no signal (every
comment routes the same way, so any student "agrees"). So this script first trains a teacher:
a BERT (``--teacher-layers``, hidden ``--hidden``) from random initialisation on the Davidson
tweets' labels (``toxic`` = hate speech or offensive, ``identity_hate`` = hate speech), 80% of
the rows. Then ``classifiers.distill`` makes students of ``--student-layers`` from it, trained
on the same tweets' text only (no labels), as ``civicmod models distill`` does.

For the teacher and each student, on the other 20% (never trained on):
- AUC of each label against Davidson's labels;
- the student against the teacher: share routed alike (publish / escalate / hide at the default
  thresholds), largest and mean score gap;
- comments/s through civicmod's engine (torch fp32 and int8, interleaved passes, medians), and
  the ratio to the teacher measured in the same run.

Run: ``.venv/bin/python bench/distill_fidelity.py [--dataset PATH] [--teacher-layers 6]
[--student-layers 3 2 1] [--epochs 3]``. Takes ~30 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import random
import sys
import tempfile
import time
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchkit import interleaved  # noqa: E402 (bench/ is on sys.path when run as a script)

DEFAULT_DATASET = REPO.parent / "shared" / "datasets" / "davidson_labeled_data.csv"
CLASSES = ["toxic", "identity_hate"]
HIDE = {"toxicity": 0.97, "severe_toxicity": 0.8, "threat": 0.9, "identity_attack": 0.9}
ESCALATE = {"*": 0.7}


def read_davidson(path: Path) -> list[tuple[str, list[float]]]:
    """(tweet, [toxic, identity_hate]) per row: class 0 hate speech, 1 offensive, 2 neither."""
    with path.open(newline="", encoding="utf-8") as fh:
        return [(r["tweet"], [float(r["class"] in "01"), float(r["class"] == "0")])
                for r in csv.DictReader(fh)]


def build_teacher(out: Path, train: list[tuple[str, list[float]]], layers: int, hidden: int,
                  epochs: int, seed: int, lr: float = 5e-4) -> tuple[Path, Path, float]:
    """Train a BERT on ``train``'s labels; write it in detoxify's layout; (ckpt, hf, seconds)."""
    import torch
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers
    from transformers import BertConfig, BertForSequenceClassification

    from civicmod.dev.synthetic_models import bert_tokenizer, save_checkpoint
    from classifiers.distill import DistillOptions
    from classifiers.distill import train as fit

    started = time.perf_counter()
    hf = out / "hf"
    hf.mkdir(parents=True, exist_ok=True)
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    wp = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    wp.normalizer = normalizers.BertNormalizer(lowercase=True)
    wp.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    wp.train_from_iterator([t for t, _ in train], trainers.WordPieceTrainer(
        vocab_size=8000, special_tokens=specials))
    vocab = [w for w, _ in sorted(wp.get_vocab().items(), key=lambda kv: kv[1])]
    (hf / "vocab.txt").write_text("\n".join(vocab) + "\n")
    tokenizer = bert_tokenizer(hf / "vocab.txt", 512)
    tokenizer.save_pretrained(hf)
    config = BertConfig(vocab_size=len(vocab), hidden_size=hidden, num_hidden_layers=layers,
                        num_attention_heads=max(1, hidden // 64), intermediate_size=4 * hidden,
                        num_labels=len(CLASSES))
    config.save_pretrained(hf)
    torch.manual_seed(seed)
    model = BertForSequenceClassification(config)
    ids = tokenizer([t for t, _ in train], truncation=True, max_length=64)["input_ids"]
    labels = torch.tensor([y for _, y in train])
    # the student trainer's loop, with the labels' cross-entropy instead of the teacher's logits
    losses = fit(model, ids, labels, tokenizer.pad_token_id,
                 DistillOptions(layers=1, epochs=epochs, learning_rate=lr, seed=seed),
                 loss=torch.nn.functional.binary_cross_entropy_with_logits)
    print(f"teacher trained: losses per epoch {[round(x, 4) for x in losses]}", file=sys.stderr)
    ckpt = save_checkpoint(model, hf, CLASSES, out / "model.ckpt")
    return ckpt, hf, time.perf_counter() - started


def auc(scores: list[float], gold: list[float]) -> float:
    """Area under the ROC curve (rank form, ties averaged)."""
    order = sorted(range(len(scores)), key=lambda i: scores[i])
    ranks = [0.0] * len(scores)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and scores[order[j + 1]] == scores[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    pos = sum(1 for g in gold if g)
    neg = len(gold) - pos
    if not pos or not neg:
        return math.nan
    return (sum(r for r, g in zip(ranks, gold, strict=True) if g) - pos * (pos + 1) / 2) / (pos * neg)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dataset", type=Path, default=DEFAULT_DATASET)
    ap.add_argument("--teacher-layers", type=int, default=6)
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--student-layers", type=int, nargs="+", default=[3, 2, 1])
    ap.add_argument("--epochs", type=int, default=3, help="the teacher's")
    ap.add_argument("--student-epochs", type=int, help="each student's (default: --epochs)")
    ap.add_argument("--teacher-lr", type=float, default=5e-4)
    ap.add_argument("--student-lr", type=float, default=5e-4)
    ap.add_argument("--limit", type=int, help="only the first N rows (a quick run)")
    ap.add_argument("--repeat", type=int, default=3, help="timed passes for the speed rows")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--save-scores", type=Path,
                    help="write every model's scores on the test tweets here (JSON), for analysis")
    args = ap.parse_args()
    if not args.dataset.is_file():
        print(f"dataset not found: {args.dataset} (pass --dataset)", file=sys.stderr)
        return 2
    warnings.filterwarnings("ignore")
    from classifiers.cascade import CascadeClassifier, cut_points
    from classifiers.detoxify_model import DetoxifyClassifier
    from classifiers.distill import DistillOptions, distill, fidelity
    from classifiers.engine import EngineOptions
    from classifiers.labels import canonical_label

    rows = read_davidson(args.dataset)[: args.limit]
    random.Random(args.seed).shuffle(rows)
    cut = int(0.8 * len(rows))
    train, test = rows[:cut], rows[cut:]
    test_texts = [t for t, _ in test]
    with tempfile.TemporaryDirectory() as tmp:
        print(f"training the teacher on {len(train)} labelled tweets ...", file=sys.stderr)
        ckpt, hf, teacher_s = build_teacher(Path(tmp) / "teacher", train, args.teacher_layers,
                                            args.hidden, args.epochs, args.seed, args.teacher_lr)
        students = {}
        for n in args.student_layers:
            print(f"distilling a {n}-layer student ...", file=sys.stderr)
            report = distill(ckpt, hf, [t for t, _ in train], Path(tmp) / f"student{n}",
                             DistillOptions(layers=n, epochs=args.student_epochs or args.epochs,
                                            learning_rate=args.student_lr,
                                            min_agreement=0.99, max_deferred=1.0,
                                            seed=args.seed),
                             HIDE, ESCALATE, progress=lambda line: print(line, file=sys.stderr))
            students[n] = report
        models = {f"teacher ({args.teacher_layers} layers)": (ckpt, hf)}
        for n, r in students.items():
            models[f"student ({n} layer{'s' if n > 1 else ''})"] = (
                Path(r.checkpoint), Path(r.checkpoint).parent / "hf")
        scored = {}
        paths = []
        loaded: dict[tuple[str, str], object] = {}
        for name, (c, h) in models.items():
            clf = DetoxifyClassifier("original", c, h, EngineOptions(cache_size=0),
                                     allow_failed_student=True)
            scored[name] = clf.predict(test_texts)
            for label, opts in (("fp32", EngineOptions(cache_size=0)),
                                ("int8", EngineOptions(cache_size=0, quantize_int8=True))):
                fast = DetoxifyClassifier("original", c, h, opts, allow_failed_student=True)
                loaded[name, label] = fast
                paths.append((f"{name}, {label}", lambda f=fast: f.predict(test_texts), len(test_texts)))
        # each student as a cascade, at the margin distillation chose on its own held-out
        # comments: measured here on the test tweets, which neither chose it nor trained on
        cascades: dict[str, tuple[int, float]] = {}
        teacher_name = next(iter(models))
        cuts = cut_points([canonical_label(c) for c in CLASSES], (HIDE, ESCALATE))
        for n, r in students.items():
            if r.cascade is None or r.cascade.margin is None:
                continue
            name = f"cascade: {n}-layer student + teacher, margin {r.cascade.margin:g}"
            student_name = f"student ({n} layer{'s' if n > 1 else ''})"
            for label in ("fp32", "int8"):
                cas = CascadeClassifier(loaded[student_name, label], loaded[teacher_name, label],
                                        r.cascade.margin, cuts)
                if label == "fp32":
                    scored[name] = cas.predict(test_texts)
                    cascades[name] = (n, cas.stats.deferred / cas.stats.comments)
                paths.append((f"{name}, {label}", lambda f=cas: f.predict(test_texts), len(test_texts)))
        speeds = dict(interleaved(paths, args.repeat))

    if args.save_scores:
        args.save_scores.write_text(json.dumps({"gold": [y for _, y in test], "scores": scored}))
    ref = scored[teacher_name]
    gold = {"toxicity": [y[0] for _, y in test], "identity_attack": [y[1] for _, y in test]}
    print(f"\ndistillation on Davidson ({len(train)} tweets to train, {len(test)} held out), "
          f"{os.cpu_count()} CPUs; teacher: BERT {args.teacher_layers} layers × {args.hidden} "
          f"trained from random initialisation in {teacher_s:.0f} s ({args.epochs} epochs, learning rate "
          f"{args.teacher_lr:g}); students: {args.student_epochs or args.epochs} epochs, learning "
          f"rate {args.student_lr:g}")
    print("| model | AUC toxic | AUC identity hate | routed as the teacher | largest gap | mean gap "
          "| fp32 comments/s | int8 comments/s | fp32 vs teacher | distilled in |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    base = speeds[f"{teacher_name}, fp32"]
    for name in [*models, *cascades]:
        f = fidelity(ref, scored[name], HIDE, ESCALATE)
        n = cascades[name][0] if name in cascades else int(name.split("(")[1].split()[0])
        took = f"{students[n].seconds:.0f} s" if name != teacher_name else "-"
        fp32, int8 = speeds[f"{name}, fp32"], speeds[f"{name}, int8"]
        print(f"| {name} | {auc([s['toxicity'] for s in scored[name]], gold['toxicity']):.3f} "
              f"| {auc([s['identity_attack'] for s in scored[name]], gold['identity_attack']):.3f} "
              f"| {f.agreement:.2%} | {f.max_gap:.3f} | {f.mean_gap:.4f} | {fp32:,.0f} | {int8:,.0f} "
              f"| {fp32 / base:.2f}× | {took} |")
    own = fidelity(ref, ref, HIDE, ESCALATE).teacher_routes
    routes = ", ".join(f"{k} {v}" for k, v in sorted(own.items()))
    print(f"teacher's routes on the held-out tweets: {routes}")
    for n, r in students.items():
        i = r.initial_fidelity
        print(f"student {n}: before training (the teacher's layers {r.kept_layers} kept) it routed "
              f"{i.agreement:.2%} alike, mean gap {i.mean_gap:.4f}; losses per epoch "
              f"{[round(x, 5) for x in r.epoch_losses]}; changed routes after: {r.fidelity.changed or '-'}")
    for name, (n, deferred) in cascades.items():
        c = students[n].cascade
        print(f"{name}: margin chosen on {c.n} of the student's own held-out comments "
              f"(measured on the other {c.n}: {c.agreement:.2%} alike, {c.deferred:.1%} deferred); "
              f"on the test tweets it deferred {deferred:.1%} to the teacher")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
