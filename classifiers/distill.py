"""A smaller student of a detoxify-layout model, trained to give the teacher's scores.

On a CPU without the arithmetic for a 12-layer model (AVX2 without VNNI: bert-base's ceiling there
is ~4.5× the naive path, docs/model-calibration.md), the lever left is a model with fewer layers.
This builds one from the model an agency already runs, on the agency's own comments, no labels
needed:

1. the student is the teacher with ``layers`` of its encoder layers kept (evenly spaced, the
   last one always), its embeddings and classification head copied;
2. it is trained to reproduce the teacher's logits (mean squared error) on the comments;
3. held-out comments are scored by both through the engine the worker uses, and the report says
   how far the scores are apart and how often the pipeline's route (publish / escalate / hide,
   at the configured thresholds) would differ. A student below ``min_agreement`` is written with
   ``passed: false``, and the loader refuses it on its own;
4. the same held-out scores choose the cascade's margin (classifiers/cascade.py): the smallest
   band around the thresholds within which the teacher re-scores, chosen on half of the
   comments to reach ``min_agreement``, measured on the other half with the share it defers and
   the speed-up that gives. A student that fails alone can still run as a cascade.

The student is written in detoxify's checkpoint layout (``model.ckpt`` + ``hf/``) so
``classifier.checkpoint`` and ``classifier.huggingface_config_path`` load it like any release;
its version names what it was distilled from.
"""

from __future__ import annotations

import copy
import json
import math
import random
import re
import shutil
import statistics
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from classifiers.base import ClassifierError, files_digest
from classifiers.calibration import build_engine
from classifiers.cascade import CascadeChoice, choose_margin, cut_points, route
from classifiers.detoxify_model import META_KEY, build_model, read_checkpoint, student_meta
from classifiers.engine import EngineOptions

#: Names of the encoder's layer parameters in the Hugging Face models detoxify uses
#: (BERT, RoBERTa, XLM-R: ``<base>.encoder.layer.<i>.``).
_LAYER = re.compile(r"^(?P<pre>.*\.encoder\.layer\.)(?P<i>\d+)\.(?P<rest>.*)$")


@dataclass(frozen=True)
class DistillOptions:
    layers: int
    epochs: int = 3
    batch_size: int = 32
    learning_rate: float = 1e-4
    #: Share of the comments kept out of training to measure the student.
    holdout: float = 0.1
    #: Training texts are cut to this many tokens (comments are short; scoring is not cut).
    max_tokens: int = 128
    #: Routes (publish / escalate / hide) the student must share with the teacher, held out.
    min_agreement: float = 0.99
    #: A cascade deferring more than this share to the teacher is not worth running.
    max_deferred: float = 0.25
    seed: int = 0


@dataclass
class Fidelity:
    """The student against its teacher on held-out comments, both scored by the engine."""

    n: int
    #: Largest and mean |student − teacher| score, over every label of every comment.
    max_gap: float
    mean_gap: float
    p99_gap: float
    #: Share of comments the pipeline would route the same way (publish / escalate / hide).
    agreement: float
    #: "teacher→student" route pairs where they differ, with counts.
    changed: dict[str, int] = field(default_factory=dict)
    #: Routes the teacher gave, with counts (an agreement over all-publish comments says little).
    teacher_routes: dict[str, int] = field(default_factory=dict)


@dataclass
class DistillReport:
    teacher: str
    teacher_layers: int
    student_layers: int
    kept_layers: list[int]
    train_comments: int
    epoch_losses: list[float]
    initial_fidelity: Fidelity
    fidelity: Fidelity
    min_agreement: float
    passed: bool
    seconds: float
    #: The student with its teacher behind it (None: not measured).
    cascade: CascadeChoice | None = None
    checkpoint: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def kept_layers(teacher_layers: int, student_layers: int) -> list[int]:
    """Which of the teacher's layers the student starts from: evenly spaced, ending with the
    last (12 → 3: [3, 7, 11]; 12 → 6: every other one)."""
    if not 1 <= student_layers < teacher_layers:
        raise ClassifierError(f"a student needs 1 to {teacher_layers - 1} layers "
                              f"(the teacher has {teacher_layers}); asked for {student_layers}")
    return [round((i + 1) * teacher_layers / student_layers) - 1 for i in range(student_layers)]


def student_state(state: Mapping[str, Any], keep: Sequence[int]) -> dict[str, Any]:
    """The teacher's parameters with only ``keep``'s layers, renumbered from 0."""
    new_index = {old: new for new, old in enumerate(keep)}
    out: dict[str, Any] = {}
    for name, value in state.items():
        m = _LAYER.match(name)
        if m is None:
            out[name] = value
        elif int(m["i"]) in new_index:
            out[f"{m['pre']}{new_index[int(m['i'])]}.{m['rest']}"] = value
    return out


def make_student(teacher: Any, layers: int) -> tuple[Any, list[int]]:
    """A copy of ``teacher`` (a Hugging Face sequence classifier) with ``layers`` layers."""
    n = teacher.config.num_hidden_layers
    keep = kept_layers(n, layers)
    if not any(_LAYER.match(k) for k in teacher.state_dict()):
        raise ClassifierError(f"{type(teacher).__name__} keeps no per-layer weights "
                              "(ALBERT shares one layer): layers cannot be picked from it")
    config = copy.deepcopy(teacher.config)
    config.num_hidden_layers = layers
    student = type(teacher)(config)
    student.load_state_dict(student_state(teacher.state_dict(), keep), strict=True)
    return student, keep


def _batches(lengths: Sequence[int], size: int, rng: random.Random) -> list[list[int]]:
    """Indices in batches of similar length (little padding), in a shuffled order."""
    order = sorted(range(len(lengths)), key=lambda i: (lengths[i], rng.random()))
    batches = [order[i:i + size] for i in range(0, len(order), size)]
    rng.shuffle(batches)
    return batches


def _pad(ids: Sequence[Sequence[int]], rows: Sequence[int], pad_id: int) -> tuple[Any, Any]:
    import torch

    width = max(len(ids[i]) for i in rows)
    x = torch.full((len(rows), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for r, i in enumerate(rows):
        x[r, :len(ids[i])] = torch.tensor(ids[i])
        mask[r, :len(ids[i])] = 1
    return x, mask


def teacher_logits(teacher: Any, ids: Sequence[Sequence[int]], pad_id: int,
                   batch_size: int = 64) -> Any:
    """The teacher's logits for every text (one row each), computed once."""
    import torch

    out = torch.empty((len(ids), teacher.config.num_labels))
    teacher.eval()
    with torch.inference_mode():
        for rows in _batches([len(x) for x in ids], batch_size, random.Random(0)):
            x, mask = _pad(ids, rows, pad_id)
            out[rows] = teacher(input_ids=x, attention_mask=mask).logits.float()
    return out


def train(student: Any, ids: Sequence[Sequence[int]], targets: Any, pad_id: int,
          options: DistillOptions, progress: Callable[[int, int, float], None] | None = None,
          loss: Callable[[Any, Any], Any] | None = None) -> list[float]:
    """Fit ``student``'s logits to ``targets`` by ``loss`` (default: mean squared error, the
    teacher's logits as targets), AdamW with a linear warm-up and decay; the mean loss of each
    epoch."""
    import torch
    from transformers import get_linear_schedule_with_warmup

    loss_fn = loss or torch.nn.functional.mse_loss
    rng = random.Random(options.seed)
    torch.manual_seed(options.seed)
    lengths = [len(x) for x in ids]
    steps = options.epochs * math.ceil(len(ids) / options.batch_size)
    opt = torch.optim.AdamW(student.parameters(), lr=options.learning_rate, weight_decay=0.01)
    schedule = get_linear_schedule_with_warmup(opt, max(1, steps // 10), steps)
    student.train()
    losses = []
    for epoch in range(options.epochs):
        total, count = 0.0, 0
        for rows in _batches(lengths, options.batch_size, rng):
            x, mask = _pad(ids, rows, pad_id)
            value = loss_fn(student(input_ids=x, attention_mask=mask).logits, targets[rows])
            opt.zero_grad(set_to_none=True)
            value.backward()
            torch.nn.utils.clip_grad_norm_(student.parameters(), 1.0)
            opt.step()
            schedule.step()
            total += value.item() * len(rows)
            count += len(rows)
            if progress is not None:
                progress(epoch, count, total / count)
        losses.append(total / count)
    student.eval()
    return losses


def fidelity(teacher: Sequence[Mapping[str, float]], student: Sequence[Mapping[str, float]],
             hide: Mapping[str, float], escalate: Mapping[str, float]) -> Fidelity:
    """How far ``student``'s scores are from ``teacher``'s, comment by comment."""
    gaps = sorted(abs(s[k] - t[k]) for t, s in zip(teacher, student, strict=True) for k in t)
    changed: dict[str, int] = {}
    routes: dict[str, int] = {}
    same = 0
    for t, s in zip(teacher, student, strict=True):
        a, b = route(t, hide, escalate), route(s, hide, escalate)
        routes[a] = routes.get(a, 0) + 1
        if a == b:
            same += 1
        else:
            changed[f"{a}→{b}"] = changed.get(f"{a}→{b}", 0) + 1
    if not gaps:
        raise ClassifierError("no held-out comments to measure the student on")
    return Fidelity(n=len(teacher), max_gap=gaps[-1], mean_gap=statistics.fmean(gaps),
                    p99_gap=gaps[min(len(gaps) - 1, int(0.99 * len(gaps)))],
                    agreement=same / len(teacher), changed=changed, teacher_routes=routes)


def split(texts: Sequence[str], holdout: float, seed: int) -> tuple[list[str], list[str]]:
    """(training, held-out) texts, a seeded shuffle; duplicates are trained on once."""
    unique = list(dict.fromkeys(t for t in texts if t and t.strip()))
    random.Random(seed).shuffle(unique)
    cut = max(1, round(len(unique) * holdout))
    if len(unique) - cut < 1:
        raise ClassifierError(f"{len(unique)} distinct comments: too few to train and measure a student")
    return unique[cut:], unique[:cut]


def write_student(student: Any, tokenizer: Any, loaded: Mapping[str, Any], out: Path,
                  meta: Mapping[str, Any]) -> Path:
    """``out/model.ckpt`` + ``out/hf/`` in detoxify's layout; returns the checkpoint."""
    import torch

    partial = out.with_name(f".{out.name}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    (partial / "hf").mkdir(parents=True)
    student.config.save_pretrained(partial / "hf")
    tokenizer.save_pretrained(partial / "hf")
    config = copy.deepcopy(dict(loaded["config"]))
    config["arch"] = {**config["arch"], "args": {**config["arch"]["args"], "model_type": str(out / "hf")}}
    config[META_KEY] = dict(meta)
    torch.save({"config": config, "state_dict": student.state_dict()}, partial / "model.ckpt")
    shutil.rmtree(out, ignore_errors=True)
    partial.rename(out)
    return out / "model.ckpt"


def distill(checkpoint: Path, hf_dir: Path | None, texts: Sequence[str], out: Path,
            options: DistillOptions, hide: Mapping[str, float], escalate: Mapping[str, float],
            progress: Callable[[str], None] = lambda _: None) -> DistillReport:
    """Build, train, measure and write a student of ``checkpoint`` (see the module's doc)."""
    started = time.perf_counter()
    out = out.resolve()
    loaded = read_checkpoint(checkpoint)
    if student_meta(loaded) is not None:
        raise ClassifierError(f"{checkpoint} is itself a student; distil from its teacher")
    teacher, tokenizer, classes = build_model(loaded, hf_dir)
    student, keep = make_student(teacher, options.layers)
    train_texts, held = split(texts, options.holdout, options.seed)
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    ids = tokenizer(train_texts, truncation=True, max_length=options.max_tokens)["input_ids"]
    progress(f"teacher scoring {len(ids)} training comments")
    targets = teacher_logits(teacher, ids, pad_id)

    seconds: dict[str, float] = {}

    def measure(model: Any, name: str) -> list[dict[str, float]]:
        """The held-out scores through the engine the worker uses (as loaded from disk)."""
        engine = build_engine(model, tokenizer, classes, "sigmoid", EngineOptions(cache_size=0), "")
        engine.predict(held[:8])  # warm-up, not timed
        began = time.perf_counter()
        scores = engine.predict(held)
        seconds[name] = time.perf_counter() - began
        return scores

    teacher_scores = measure(teacher, "teacher")
    progress("measuring the student before training")
    initial = fidelity(teacher_scores, measure(student, "student"), hide, escalate)

    def step(epoch: int, done: int, loss: float) -> None:
        if done % (options.batch_size * 50) == 0 or done == len(ids):
            progress(f"epoch {epoch + 1}/{options.epochs}: {done}/{len(ids)} comments, loss {loss:.5f}")

    losses = train(student, ids, targets, pad_id, options, step)
    student_scores = measure(student, "student")
    final = fidelity(teacher_scores, student_scores, hide, escalate)
    passed = final.agreement >= options.min_agreement
    cascade = choose_margin(teacher_scores, student_scores, hide, escalate, options.min_agreement,
                            seconds["student"] / seconds["teacher"], options.max_deferred) \
        if len(held) >= 2 else None
    digest = files_digest([checkpoint])
    report = DistillReport(
        teacher=digest, teacher_layers=teacher.config.num_hidden_layers,
        student_layers=options.layers, kept_layers=keep, train_comments=len(train_texts),
        epoch_losses=losses, initial_fidelity=initial, fidelity=final,
        min_agreement=options.min_agreement, passed=passed,
        seconds=time.perf_counter() - started, cascade=cascade)
    meta = {"teacher": digest, "teacher_layers": teacher.config.num_hidden_layers,
            "layers": options.layers, "kept_layers": keep, "passed": passed,
            "agreement": final.agreement, "max_gap": final.max_gap, "held_out": final.n,
            "cascade": asdict(cascade) if cascade else None,
            "cuts": {k: list(v) for k, v in cut_points(classes, (hide, escalate)).items()}}
    report.checkpoint = str(write_student(student, tokenizer, loaded, out, meta))
    (out / "report.json").write_text(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
    return report
