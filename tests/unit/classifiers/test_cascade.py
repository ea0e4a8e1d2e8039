"""The cascade (classifiers/cascade.py): a distilled student scores every comment, its teacher
re-scores those near a threshold; distillation picks the margin, the loader builds it from
configuration, and the verdict's builder points it at the thresholds it applies."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path

import pytest
from typer.testing import CliRunner

from civicmod.cli import app
from civicmod.contract.settings import Settings, Thresholds
from civicmod.dev.synthetic_models import build_detoxify_checkpoint
from civicmod.verdict.configured import build_judge
from classifiers.base import ClassifierError
from classifiers.cascade import (
    CascadeClassifier,
    bind_thresholds,
    choose_margin,
    combine,
    cut_points,
    guarded,
    near,
)
from classifiers.loader import LoadedClassifier, load_classifier, runtime_info
from classifiers.routing import LanguageRouter

HIDE = {"toxicity": 0.97, "threat": 0.9}
ESCALATE = {"*": 0.7}
CUTS = cut_points(["toxicity", "threat", "insult"], (HIDE, ESCALATE))


class Table:
    """A classifier answering from a {text: toxicity} table, recording what it was asked."""

    labels = ("toxicity", "threat", "insult")

    def __init__(self, name: str, scores: dict[str, float], fail: bool = False) -> None:
        self.name, self.version, self.scores, self.fail = name, f"{name}-v1", scores, fail
        self.asked: list[list[str]] = []

    def predict(self, texts: Sequence[str]) -> list[dict[str, float]]:
        self.asked.append(list(texts))
        if self.fail:
            raise ClassifierError("student down")
        return [{"toxicity": self.scores[t], "threat": 0.0, "insult": 0.0} for t in texts]


def test_cut_points_are_every_threshold_a_label_meets():
    assert CUTS == {"toxicity": (0.7, 0.97), "threat": (0.7, 0.9), "insult": (0.7,)}
    lang = {"toxicity": 0.8}
    assert cut_points(["toxicity", "insult"], (HIDE, ESCALATE, lang)) == {
        "toxicity": (0.7, 0.8, 0.97), "insult": (0.7,)}
    assert cut_points(["toxicity"], ({}, {})) == {"toxicity": ()}


def test_near_means_within_the_margin_of_a_cut_point_on_either_side_in_log_odds():
    # log-odds: 0.64 → 0.575, 0.66 → 0.663, 0.7 → 0.847, 0.74 → 1.046, 0.8 → 1.386
    assert near({"toxicity": 0.66}, CUTS, 0.25) and near({"toxicity": 0.74}, CUTS, 0.25)
    assert near({"toxicity": 0.7}, CUTS, 0.01)
    assert not near({"toxicity": 0.64}, CUTS, 0.25) and not near({"toxicity": 0.8}, CUTS, 0.25)
    assert near({"toxicity": 0.1, "threat": 0.88}, CUTS, 0.25)  # any label
    # the same band is narrow in probability near 0.97 (3.476): 0.96 (3.178) is out of it
    assert not near({"toxicity": 0.96}, CUTS, 0.25) and near({"toxicity": 0.975}, CUTS, 0.25)
    assert not near({"toxicity": 0.7}, CUTS, 0.0)  # margin 0: the student alone
    assert near({"toxicity": math.nan}, CUTS, 0.0)  # not a number: the teacher decides
    assert not near({"toxicity": 0.7}, {"toxicity": ()}, 0.5)


def test_the_teacher_rescores_only_what_the_student_is_unsure_of():
    student = Table("student", {"a": 0.01, "b": 0.68, "c": 0.3, "d": 0.95})
    teacher = Table("teacher", {"a": 0.2, "b": 0.72, "c": 0.5, "d": 0.98})
    cascade = CascadeClassifier(student, teacher, 0.6, CUTS)
    out = cascade.predict(["a", "b", "c", "d"])
    assert teacher.asked == [["b", "d"]]  # 0.68 is near 0.7, 0.95 near 0.97 (in log-odds)
    assert [s["toxicity"] for s in out] == [0.01, 0.72, 0.3, 0.98]
    assert cascade.stats.as_dict() == {"comments": 4, "deferred": 2, "deferred_share": 0.5,
                                       "student_failures": 0}
    cascade.predict(["a"])
    assert teacher.asked == [["b", "d"]]  # nothing near: the teacher is not called
    assert cascade.name == "teacher" and cascade.version == "student-v1+cascade-m0.6-teacher-v1"


def test_a_failing_student_hands_the_whole_batch_to_the_teacher():
    teacher = Table("teacher", {"a": 0.2, "b": 0.9})
    cascade = CascadeClassifier(Table("student", {}, fail=True), teacher, 0.05, CUTS)
    assert [s["toxicity"] for s in cascade.predict(["a", "b"])] == [0.2, 0.9]
    assert cascade.stats.student_failures == 1 and cascade.stats.deferred == 2


def test_a_cascade_refuses_a_student_without_the_teachers_labels_or_a_bad_margin():
    class Fewer(Table):
        labels = ("toxicity",)

    with pytest.raises(ClassifierError, match="lacks the teacher's labels"):
        CascadeClassifier(Fewer("s", {}), Table("t", {}), 0.1, CUTS)
    with pytest.raises(ClassifierError, match="between 0 and 20"):
        CascadeClassifier(Table("s", {}), Table("t", {}), 21, CUTS)


def scores(values: Sequence[float]) -> list[dict[str, float]]:
    return [{"toxicity": v, "threat": 0.0} for v in values]


def test_choose_margin_picks_the_smallest_band_reaching_the_gate_on_other_comments():
    # each comment twice in a row: the choosing (even) and measuring (odd) halves alike
    teacher = [v for v in (0.1, 0.3, 0.71, 0.72, 0.73, 0.5, 0.8, 0.99) for _ in (0, 1)] * 25
    student = [v for v in (0.06, 0.26, 0.67, 0.68, 0.69, 0.46, 0.76, 0.96) for _ in (0, 1)] * 25
    t, s = scores(teacher), scores(student)
    alone = combine(t, s, cut_points(["toxicity", "threat"], (HIDE, ESCALATE)), 0.0)
    assert alone[1] == 0
    choice = choose_margin(t, s, HIDE, ESCALATE, target=1.0, cost=0.25, max_deferred=0.5)
    # 0.67 is 0.139 log-odds below the 0.7 line, 0.96 0.298 below the 0.97 one: a band of 0.3
    assert choice.margin == pytest.approx(0.3)
    assert choice.agreement == 1.0 and choice.passed
    assert choice.deferred == pytest.approx(4 / 8)  # 0.67, 0.68, 0.69, 0.96 (0.76 is 0.306 off)
    assert choice.speedup == pytest.approx(1 / (0.25 + 0.5))
    strict = choose_margin(t, s, HIDE, ESCALATE, target=1.0, cost=0.25, max_deferred=0.3)
    assert strict.margin == choice.margin and not strict.passed  # defers too much
    with pytest.raises(ClassifierError, match="too few"):
        choose_margin(t[:1], s[:1], HIDE, ESCALATE, 1.0, 0.25, 0.5)


def test_the_choice_guards_its_target_by_the_number_of_comments_behind_it():
    assert guarded(1.0, 500) == 1.0 and guarded(0.99, 0) == 1.0
    assert guarded(0.99, 991) == pytest.approx(0.99 + 1.645 * (0.99 * 0.01 / 991) ** 0.5)
    assert guarded(0.99, 991) == pytest.approx(0.9952, abs=1e-4)
    assert guarded(0.99, 100_000) < guarded(0.99, 1_000)
    assert guarded(0.99, 100) == 1.0  # 100 comments cannot show 99% at 95%: all must agree
    # one comment of the 100 choosing ones moves (0.72 → 0.68, publish instead of escalate):
    # 99% would pass unguarded with no band at all; guarded, the band takes that comment in
    teacher, student = [0.5] * 200, [0.5] * 200
    teacher[10], student[10] = 0.72, 0.68
    choice = choose_margin(scores(teacher), scores(student), HIDE, ESCALATE, target=0.99,
                           cost=0.2, max_deferred=0.5)
    assert choice.margin == pytest.approx(0.1)  # 0.68 is 0.093 log-odds below the line
    assert choice.agreement == 1.0 and choice.deferred == 0.0 and choice.passed


def test_a_margin_is_judged_on_comments_that_did_not_choose_it():
    # the choosing half never shows the student's 0.99 → 0.95 slip; the measuring half does
    teacher = [0.1, 0.3, 0.71, 0.72, 0.73, 0.5, 0.8, 0.99] * 25
    student = [v - 0.04 for v in teacher]
    choice = choose_margin(scores(teacher), scores(student), HIDE, ESCALATE, target=1.0,
                           cost=0.25, max_deferred=1.0)
    assert choice.margin == pytest.approx(0.15)  # enough for 0.71 → 0.67
    assert choice.agreement == pytest.approx(0.75) and not choice.passed  # hide → escalate


def test_the_verdict_builder_points_a_routed_cascade_at_its_thresholds():
    cascade = CascadeClassifier(Table("student", {}), Table("detoxify-original", {}), 0.05, {})
    settings = Settings()
    settings.policy.thresholds["detoxify-original"] = Thresholds.model_validate(
        {"hide": {"toxicity": 0.9}, "escalate": {"*": 0.6},
         "languages": {"nl": {"escalate": {"insult": 0.5}}}})
    build_judge(settings, LoadedClassifier(LanguageRouter(cascade, detect_language=False), "note"))
    assert cascade.cuts == {"toxicity": (0.6, 0.9), "threat": (0.6,), "insult": (0.5, 0.6)}
    bind_thresholds(None, [HIDE])  # nothing to bind: no error


# --- with real models: a tiny teacher, a student distilled from it, the loader ----------------

torch = pytest.importorskip("torch")
WORDS = ["potholes", "council", "road", "bin", "idiots", "useless", "hurt", "you", "park",
         "thanks", "refund", "click", "police", "ugly", "stupid", "lovely", "closed"]


#: A fixed vocabulary: the same ids, so the same scores, on every run.
VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS, *"0123456789",
         *(f"##{d}" for d in "0123456789")]


def comments(n: int) -> list[str]:
    import random

    rng = random.Random(7)
    return [" ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 12))) + f" {i}" for i in range(n)]


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory):
    """(teacher files, student dir, report): a student that fails alone (learning rate 0, the
    gate at 100%) and a cascade allowed to defer everything."""
    from classifiers.distill import DistillOptions, distill

    teacher = build_detoxify_checkpoint(tmp_path_factory.mktemp("teacher"), arch="bert-tiny",
                                        seed=11, vocab=VOCAB)
    out = tmp_path_factory.mktemp("student") / "s"
    report = distill(*teacher, comments(400), out,
                     DistillOptions(layers=1, epochs=1, learning_rate=0.0, min_agreement=1.0,
                                    max_deferred=1.0, holdout=0.25),
                     HIDE, ESCALATE)
    return teacher, out, report


def test_distillation_measures_the_cascade_on_comments_it_did_not_choose_on(pair):
    _, out, report = pair
    assert report.fidelity.agreement < 1.0 and not report.passed
    cas = report.cascade
    assert cas is not None and cas.margin is not None and cas.margin > 0
    assert cas.n == report.fidelity.n // 2 and cas.agreement == 1.0 and cas.passed
    assert cas.cost > 0 and cas.speedup == pytest.approx(1 / (cas.cost + cas.deferred))
    saved = json.loads((out / "report.json").read_text())
    assert saved["cascade"]["margin"] == cas.margin


def cascade_settings(teacher, out: Path, **extra):
    return {"detoxify_model": "original", "checkpoint": str(out / "model.ckpt"),
            "huggingface_config_path": str(out / "hf"), "teacher_checkpoint": str(teacher[0]),
            "teacher_config_path": str(teacher[1]), "cache_size": 0, **extra}


def test_the_loader_runs_a_failed_student_as_a_cascade_behind_its_teacher(pair):
    from classifiers.detoxify_model import DetoxifyClassifier

    teacher_files, out, report = pair
    loaded = load_classifier("detoxify", detect_language=False,
                             **cascade_settings(teacher_files, out, cascade_margin=20))
    assert loaded.error is None, loaded.note
    cascade = loaded.classifier.primary
    assert isinstance(cascade, CascadeClassifier) and cascade.margin == 20
    assert cascade.cuts == {"toxicity": (0.7, 0.97), "severe_toxicity": (0.7,), "obscene": (0.7,),
                            "threat": (0.7, 0.9), "insult": (0.7,), "identity_attack": (0.7,)}
    assert "+student-1of2+cascade-m20-" in cascade.version
    texts = comments(400)[:20]
    teacher = DetoxifyClassifier("original", *teacher_files)
    # a margin of 20 log-odds defers every comment: the teacher's scores exactly
    for got, want in zip(cascade.predict(texts), teacher.predict(texts), strict=True):
        assert got == pytest.approx(want)
    info = runtime_info(loaded.classifier)
    assert info["detoxify-original cascade"]["deferred"] == 20
    assert {"detoxify-original", "detoxify-original student"} <= set(info)
    # what the worker's /metrics exports (civicmod_worker_cascade_*_total)
    assert loaded.cascade_counts() == [("detoxify-original", 20, 20)]
    measured = load_classifier("detoxify", detect_language=False, **cascade_settings(teacher_files, out))
    assert measured.classifier.primary.margin == report.cascade.margin


def test_the_loader_refuses_a_wrong_teacher_a_non_student_or_a_failed_cascade(pair, tmp_path: Path):
    teacher_files, out, _ = pair
    other = build_detoxify_checkpoint(tmp_path / "other", arch="bert-tiny", seed=12)
    wrong = load_classifier("detoxify", **cascade_settings(other, out))
    assert wrong.error and "is not the model the student was distilled from" in wrong.error
    plain = load_classifier("detoxify", **{**cascade_settings(teacher_files, out),
                                           "checkpoint": str(teacher_files[0]),
                                           "huggingface_config_path": str(teacher_files[1])})
    assert plain.error and "is not a distilled student" in plain.error
    # the same student, its recorded cascade marked failed
    ckpt = torch.load(out / "model.ckpt", weights_only=True)
    ckpt["config"]["distilled"]["cascade"]["passed"] = False
    failed = tmp_path / "failed"
    failed.mkdir()
    torch.save(ckpt, failed / "model.ckpt")
    res = load_classifier("detoxify", **{**cascade_settings(teacher_files, out),
                                         "checkpoint": str(failed / "model.ckpt")})
    assert res.error and "failing distillation's check" in res.error
    forced = load_classifier("detoxify", detect_language=False,
                             **{**cascade_settings(teacher_files, out, cascade_margin=0.2),
                                "checkpoint": str(failed / "model.ckpt")})
    assert forced.error is None and forced.classifier.primary.margin == 0.2


def test_cli_passes_a_student_that_fails_alone_when_its_cascade_passes(pair, tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch):
    teacher_files, _, _ = pair
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CIVICMOD_CONFIG", raising=False)
    (tmp_path / "comments.csv").write_text("text\n" + "".join(f"{c}\n" for c in comments(300)))
    env = {"CIVICMOD__CLASSIFIER__CHECKPOINT": str(teacher_files[0]),
           "CIVICMOD__CLASSIFIER__HUGGINGFACE_CONFIG_PATH": str(teacher_files[1])}
    args = ["models", "distill", "--input", "comments.csv", "--out", "s", "--layers", "1",
            "--epochs", "1", "--learning-rate", "0", "--min-agreement", "1"]
    res = CliRunner().invoke(app, [*args, "--max-deferred", "1"], env=env, catch_exceptions=False)
    report = json.loads((tmp_path / "s" / "report.json").read_text())
    assert not report["passed"] and report["cascade"]["passed"], res.output
    assert res.exit_code == 0, res.output
    assert "as a cascade it passes" in res.output and "classifier.teacher_checkpoint:" in res.output
    res = CliRunner().invoke(app, [*args, "--max-deferred", "0"], env=env, catch_exceptions=False)
    assert res.exit_code == 1 and "nor does a cascade pass" in res.output
