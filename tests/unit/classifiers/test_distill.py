"""Distillation (classifiers/distill.py, `civicmod models distill`): a student with fewer layers,
trained on the teacher's logits, measured against it on held-out comments through the engine,
written in detoxify's layout, and refused by the loader when it failed its fidelity check."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from typer.testing import CliRunner

from civicmod.cli import app
from civicmod.dev.synthetic_models import build_detoxify_checkpoint
from classifiers.base import ClassifierError
from classifiers.detoxify_model import DetoxifyClassifier, build_model, read_checkpoint, student_meta
from classifiers.distill import (
    DistillOptions,
    distill,
    fidelity,
    kept_layers,
    make_student,
    route,
    split,
    student_state,
    write_student,
)
from classifiers.engine import EngineOptions

torch = pytest.importorskip("torch")

HIDE = {"toxicity": 0.97, "threat": 0.9}
ESCALATE = {"*": 0.7}
WORDS = ["potholes", "council", "road", "bin", "library", "idiots", "useless", "hurt", "find",
         "you", "park", "thanks", "refund", "click", "link", "police", "trust", "ugly", "stupid",
         "lovely", "gritting", "crews", "monday", "closed"]


def comments(n: int, seed: int = 5) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 14))) + f" {i}" for i in range(n)]


@pytest.fixture(scope="module")
def teacher(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """bert-tiny: 2 layers, outputs that differ clearly from text to text."""
    return build_detoxify_checkpoint(tmp_path_factory.mktemp("teacher"), arch="bert-tiny", seed=11)


@pytest.fixture(scope="module")
def distilled(teacher: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("student") / "s1"
    report = distill(*teacher, comments(800), out,
                     DistillOptions(layers=1, epochs=4, learning_rate=3e-3, min_agreement=0.0),
                     HIDE, ESCALATE)
    return out, report


def test_kept_layers_are_evenly_spaced_and_end_with_the_last():
    assert kept_layers(12, 3) == [3, 7, 11]
    assert kept_layers(12, 6) == [1, 3, 5, 7, 9, 11]
    assert kept_layers(12, 4) == [2, 5, 8, 11]
    assert kept_layers(2, 1) == [1]
    for bad in (0, 12, 13):
        with pytest.raises(ClassifierError, match="1 to 11 layers"):
            kept_layers(12, bad)


def test_student_state_keeps_and_renumbers_only_the_kept_layers():
    state = {"bert.embeddings.word_embeddings.weight": "E",
             **{f"bert.encoder.layer.{i}.attention.self.query.weight": f"Q{i}" for i in range(4)},
             **{f"bert.encoder.layer.{i}.output.dense.bias": f"B{i}" for i in range(4)},
             "classifier.weight": "C"}
    out = student_state(state, [1, 3])
    assert out == {"bert.embeddings.word_embeddings.weight": "E",
                   "bert.encoder.layer.0.attention.self.query.weight": "Q1",
                   "bert.encoder.layer.1.attention.self.query.weight": "Q3",
                   "bert.encoder.layer.0.output.dense.bias": "B1",
                   "bert.encoder.layer.1.output.dense.bias": "B3",
                   "classifier.weight": "C"}


def test_make_student_copies_the_kept_layers_and_leaves_the_teacher_alone(teacher):
    model, _, _ = build_model(read_checkpoint(teacher[0]), teacher[1])
    before = {k: v.clone() for k, v in model.state_dict().items()}
    student, keep = make_student(model, 1)
    assert keep == [1] and student.config.num_hidden_layers == 1
    assert model.config.num_hidden_layers == 2
    s, t = student.state_dict(), model.state_dict()
    assert torch.equal(s["bert.encoder.layer.0.output.dense.weight"],
                       t["bert.encoder.layer.1.output.dense.weight"])
    assert torch.equal(s["classifier.weight"], t["classifier.weight"])
    assert not any(".encoder.layer.1." in k for k in s)
    with torch.no_grad():  # training the student does not touch the teacher
        student.bert.encoder.layer[0].output.dense.weight.add_(1.0)
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())


def test_a_model_sharing_one_layer_cannot_be_cut():
    from transformers import AlbertConfig, AlbertForSequenceClassification

    albert = AlbertForSequenceClassification(AlbertConfig(
        vocab_size=100, embedding_size=16, hidden_size=32, num_hidden_layers=4,
        num_attention_heads=2, intermediate_size=64, num_labels=2))
    with pytest.raises(ClassifierError, match="ALBERT shares one layer"):
        make_student(albert, 2)


def test_route_and_fidelity_follow_the_thresholds():
    assert route({"toxicity": 0.98}, HIDE, ESCALATE) == "hide"
    assert route({"toxicity": 0.8}, HIDE, ESCALATE) == "escalate"
    assert route({"toxicity": 0.1, "threat": 0.69}, HIDE, ESCALATE) == "publish"
    t = [{"toxicity": 0.98}, {"toxicity": 0.8}, {"toxicity": 0.1}, {"toxicity": 0.65}]
    s = [{"toxicity": 0.96}, {"toxicity": 0.8}, {"toxicity": 0.1}, {"toxicity": 0.75}]
    f = fidelity(t, s, HIDE, ESCALATE)
    assert f.n == 4 and f.agreement == 0.5
    assert f.changed == {"hide→escalate": 1, "publish→escalate": 1}
    assert f.teacher_routes == {"hide": 1, "escalate": 1, "publish": 2}
    assert f.max_gap == pytest.approx(0.1) and f.mean_gap == pytest.approx(0.03)


def test_split_trains_on_each_text_once_and_holds_some_out():
    train, held = split(["a", "b", "a", "", "  ", "c", "d", "e", "f", "g", "h", "i", "j"], 0.2, 0)
    assert len(held) == 2 and len(train) == 8
    assert sorted(train + held) == list("abcdefghij")
    with pytest.raises(ClassifierError, match="too few"):
        split(["only one", "only one"], 0.1, 0)


def test_distilling_brings_the_student_closer_to_its_teacher(distilled):
    out, report = distilled
    assert report.student_layers == 1 and report.teacher_layers == 2 and report.kept_layers == [1]
    assert report.epoch_losses[-1] < report.epoch_losses[0] * 0.7
    assert report.fidelity.mean_gap < report.initial_fidelity.mean_gap * 0.7
    assert report.fidelity.n == 80 and report.train_comments == 720
    assert report.passed  # min_agreement 0
    saved = json.loads((out / "report.json").read_text())
    assert saved["fidelity"]["agreement"] == report.fidelity.agreement


def test_the_student_loads_as_a_detoxify_model_and_says_what_it_is(distilled, teacher):
    out, report = distilled
    student = DetoxifyClassifier("original", out / "model.ckpt", out / "hf", EngineOptions(cache_size=0))
    ref = DetoxifyClassifier("original", *teacher, EngineOptions(cache_size=0))
    assert "+student-1of2" in student.version and student.version != ref.version
    assert student.student["teacher"] in ref.version and student.student["passed"] is True
    assert student.engine.model.config.num_hidden_layers == 1
    held = split(comments(800), 0.1, 0)[1]
    again = fidelity(ref.predict(held), student.predict(held), HIDE, ESCALATE)
    assert again.mean_gap == pytest.approx(report.fidelity.mean_gap, abs=1e-6)


def test_a_failed_student_is_refused_by_the_loader(teacher, tmp_path: Path):
    loaded = read_checkpoint(teacher[0])
    model, tokenizer, _ = build_model(loaded, teacher[1])
    student, _ = make_student(model, 1)
    ckpt = write_student(student, tokenizer, loaded, tmp_path / "s", {
        "teacher": "x", "teacher_layers": 2, "layers": 1, "passed": False, "agreement": 0.8})
    assert student_meta(read_checkpoint(ckpt))["passed"] is False
    with pytest.raises(ClassifierError, match=r"failed its fidelity check.*80\.00%"):
        DetoxifyClassifier("original", ckpt, tmp_path / "s" / "hf")
    assert DetoxifyClassifier("original", ckpt, tmp_path / "s" / "hf", allow_failed_student=True)
    with pytest.raises(ClassifierError, match="itself a student"):
        distill(ckpt, tmp_path / "s" / "hf", comments(50), tmp_path / "again",
                DistillOptions(layers=1), HIDE, ESCALATE)


def cli(*args: str, env: dict[str, str]):
    return CliRunner().invoke(app, ["models", "distill", *args], env=env, catch_exceptions=False)


@pytest.fixture
def cli_env(teacher, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CIVICMOD_CONFIG", raising=False)
    (tmp_path / "comments.csv").write_text("text\n" + "".join(f"{c}\n" for c in comments(300)))
    return {"CIVICMOD__CLASSIFIER__CHECKPOINT": str(teacher[0]),
            "CIVICMOD__CLASSIFIER__HUGGINGFACE_CONFIG_PATH": str(teacher[1])}


def test_cli_writes_a_student_that_passes(cli_env, tmp_path: Path):
    res = cli("--input", "comments.csv", "--out", "student", "--layers", "1", "--epochs", "2",
              "--learning-rate", "0.003", "--min-agreement", "0", env=cli_env)
    assert res.exit_code == 0, res.output
    assert "before training" in res.output and "classifier.checkpoint:" in res.output
    assert DetoxifyClassifier("original", tmp_path / "student" / "model.ckpt",
                              tmp_path / "student" / "hf").student["passed"] is True


def test_cli_exits_1_when_the_student_routes_too_differently(cli_env, tmp_path: Path):
    # learning rate 0: the student stays the teacher with a layer cut out, which routes some
    # held-out comments differently (asserted from its own report)
    res = cli("--input", "comments.csv", "--out", "student", "--layers", "1", "--epochs", "1",
              "--learning-rate", "0", "--min-agreement", "1", env=cli_env)
    report = json.loads((tmp_path / "student" / "report.json").read_text())
    assert report["fidelity"]["agreement"] < 1.0
    assert res.exit_code == 1, res.output
    assert "the loader refuses it" in res.output
    with pytest.raises(ClassifierError, match="failed its fidelity check"):
        DetoxifyClassifier("original", tmp_path / "student" / "model.ckpt", tmp_path / "student" / "hf")


def test_cli_without_weights_or_with_bad_input_says_so(cli_env, tmp_path: Path):
    res = cli("--input", "missing.csv", "--out", "s", "--layers", "1", env=cli_env)
    assert res.exit_code == 2 and "input not found" in res.output
    res = cli("--input", "comments.csv", "--out", "s", "--layers", "2", env=cli_env)
    assert res.exit_code == 2 and "1 to 1 layers" in res.output
    res = cli("--input", "comments.csv", "--out", "s", "--layers", "1",
              env={**cli_env, "CIVICMOD__CLASSIFIER__CHECKPOINT": "",
                   "TORCH_HOME": str(tmp_path / "no-hub")})
    assert res.exit_code == 2 and "no detoxify 'original' weights" in res.output


def test_the_fidelity_bench_runs_end_to_end(tmp_path: Path):
    """bench/distill_fidelity.py on a small Davidson-format file: teacher, student, table."""
    import csv
    import subprocess
    import sys

    repo = Path(__file__).resolve().parents[3]
    rng = random.Random(2)
    data = tmp_path / "davidson.csv"
    with data.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["count", "class", "tweet"])
        for i, text in enumerate(comments(240)):
            w.writerow([3, rng.choice("012"), text + (" idiots" if i % 3 else "")])
    res = subprocess.run(
        [sys.executable, str(repo / "bench" / "distill_fidelity.py"), "--dataset", str(data),
         "--teacher-layers", "2", "--hidden", "32", "--student-layers", "1", "--epochs", "1",
         "--repeat", "1"], capture_output=True, text=True, timeout=600, cwd=repo)
    assert res.returncode == 0, res.stderr[-2000:]
    assert "| teacher (2 layers) |" in res.stdout and "| student (1 layer) |" in res.stdout
    assert "before training (the teacher's layers [1] kept)" in res.stdout
