"""Classifier backends, loading, language routing, `models pull` and `eval` (offline)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest
from typer.testing import CliRunner

from civicmod.cli import app
from civicmod.contract.settings import ClassifierSettings
from civicmod.dev.synthetic_models import build_detoxify_checkpoint
from civicmod.verdict.batch import judge_batch
from classifiers import detoxify_model as dm
from classifiers.detoxify_model import DetoxifyClassifier
from classifiers.evaluation import Dataset, evaluate
from classifiers.loader import load_from_settings
from classifiers.routing import LanguageRouter


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return build_detoxify_checkpoint(tmp_path_factory.mktemp("tiny"), arch="bert-tiny", seed=5)


@pytest.fixture(autouse=True)
def _no_local_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """CLI runs here use built-in settings, not a civicmod.yaml in the working directory."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CIVICMOD_CONFIG", raising=False)


class Constant:
    labels = ("toxicity",)

    def __init__(self, name: str, languages: set[str], value: float) -> None:
        self.name, self.version, self.languages, self.value = name, "1", frozenset(languages), value
        self.seen: list[str] = []

    def predict(self, texts: Sequence[str]) -> list[dict[str, float]]:
        self.seen.extend(texts)
        return [{"toxicity": self.value} for _ in texts]


def test_language_router_sends_each_text_to_a_model_that_covers_it():
    en, multi = Constant("en", {"en"}, 0.1), Constant("multi", {"fr", "es"}, 0.2)
    router = LanguageRouter(en, multi)
    texts = ["When will the potholes on Station Road be repaired?",
             "Quand est-ce que la mairie va réparer la route devant l'école ?",
             "Wanneer wordt de weg voor de school eindelijk gerepareerd?",
             "ok", "no idea what language"]
    out = router.assess(texts, declared=[None, None, None, None, "es"])
    assert [a.lang for a in out[:3]] == ["en", "fr", "nl"]
    assert out[0].model is en and out[1].model is multi
    assert out[2].scores is None and not out[2].covered  # Dutch: nobody covers it
    assert out[3].lang is None and out[3].model is en    # too short to tell: primary model
    assert out[4].lang == "es" and out[4].model is multi  # the platform's lang wins
    assert texts[2] not in en.seen + multi.seen


def test_evaluate_metrics_on_known_scores():
    data = Dataset(texts=["a", "b", "c", "d", "e"], gold=[True, True, False, False, False],
                   groups=["x_h", "x_h", "quote_nh", "quote_nh", "ident_nh"])
    scores = [{"toxicity": v} for v in (0.95, 0.7, 0.8, 0.1, 0.2)]
    r = evaluate(data, scores, {"escalate": {"*": 0.6}, "hide": {"toxicity": 0.9}}, 0.99)
    assert r.auc["toxicity"] == pytest.approx(5 / 6)
    assert r.at_thresholds["escalate"] == {"precision": 2 / 3, "recall": 1.0, "flagged": 0.6}
    assert r.at_thresholds["hide"]["recall"] == 0.5
    assert r.group_fpr["quote_nh"] == {"escalate": 0.5, "n": 2, "hide": 0.0}
    assert r.group_fpr["ident_nh"]["escalate"] == 0.0
    assert r.calibrated["toxicity"] == pytest.approx(0.95)  # only above 0.8 is precision 1


def test_eval_command_prints_json_and_writes_a_plot(tmp_path: Path):
    csv = tmp_path / "mini.csv"
    rows = ["text,label,functionality",
            '"you are a fucking idiot",hateful,derog_h',
            '"fuck off you moron",hateful,derog_h',
            '"Thanks for fixing the streetlight",non-hateful,ident_neutral_nh',
            '"fucking brilliant work by the crews",non-hateful,profanity_nh',
            '"When is the bin collection?",non-hateful,ident_neutral_nh']
    csv.write_text("\n".join(rows) + "\n")
    png = tmp_path / "plot.png"
    res = CliRunner().invoke(app, ["eval", "--dataset", str(csv), "--positive", "hateful",
                                   "--backend", "profanity-check", "--plot", str(png), "--json"])
    assert res.exit_code == 0, res.output
    report = json.loads(res.stdout[res.stdout.index("{"):])
    assert report["n"] == 5 and report["positives"] == 2
    assert report["fpr_by_functionality"]["profanity_nh"]["escalate"] == 1.0
    assert report["fpr_by_functionality"]["ident_neutral_nh"]["escalate"] == 0.0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_eval_names_a_missing_column(tmp_path: Path):
    csv = tmp_path / "bad.csv"
    csv.write_text("body,label\nhello,0\n")
    res = CliRunner().invoke(app, ["eval", "--dataset", str(csv), "--backend", "profanity-check"])
    assert res.exit_code == 2 and "no column 'text'" in " ".join(res.output.split())


def test_models_pull_then_load_offline(tiny, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    ckpt, hf = tiny
    release = tmp_path / "release" / "v9"
    release.mkdir(parents=True)
    (release / "toxic.ckpt").write_bytes(ckpt.read_bytes())
    monkeypatch.setattr(dm, "DOWNLOAD_BASE", (tmp_path / "release").as_uri() + "/")
    monkeypatch.setitem(dm.MODELS, "original", ("v9/toxic.ckpt", str(hf)))
    models = tmp_path / "models"
    res = CliRunner().invoke(app, ["models", "pull", "original", "--to", str(models)])
    assert res.exit_code == 0, res.output
    root = models / "detoxify-original"
    manifest = json.loads((root / "manifest.json").read_text())
    assert set(manifest["files"]) >= {"model.ckpt", "hf/config.json"}
    # an air-gapped worker: only the copied dir, nothing in torch hub's cache
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "empty-hub"))
    loaded = load_from_settings(ClassifierSettings(backend="auto", model_dir=str(models)))
    assert not loaded.fallback and loaded.error is None
    assert loaded.classifier is not None and loaded.classifier.name == "detoxify-original"
    direct = DetoxifyClassifier("original", ckpt, hf)
    text = ["the bins were not collected again"]
    assert loaded.classifier.predict(text) == direct.predict(text)


def test_models_pull_without_network_says_why(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(dm, "DOWNLOAD_BASE", "http://127.0.0.1:9/")
    res = CliRunner().invoke(app, ["models", "pull", "original", "--to", str(tmp_path)])
    assert res.exit_code == 1
    out = " ".join(res.output.split())
    assert "pull failed" in out and "air-gapped" in out
    assert not (tmp_path / "detoxify-original").exists()


def test_transformers_backend_maps_labels_and_uses_softmax(tmp_path: Path, tiny):
    import torch
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

    from classifiers.transformers_model import TransformersClassifier

    _, hf = tiny
    config = BertConfig.from_pretrained(hf, num_labels=2,
                                        id2label={0: "non-toxic", 1: "toxic"},
                                        label2id={"non-toxic": 0, "toxic": 1})
    torch.manual_seed(1)
    model = BertForSequenceClassification(config).eval()
    model.save_pretrained(tmp_path / "m")
    tok = BertTokenizerFast.from_pretrained(hf)
    tok.save_pretrained(tmp_path / "m")
    clf = TransformersClassifier(tmp_path / "m", label_map={"non-toxic": None})
    assert clf.labels == ("toxicity",)
    text = "the council should resign"
    (got,) = clf.predict([text])
    with torch.no_grad():
        want = model(**tok(text, return_tensors="pt")).logits.softmax(-1)[0, 1].item()
    assert got["toxicity"] == pytest.approx(want, abs=1e-5)
    pytest.importorskip("onnxruntime", reason="the onnx extra is not installed")
    from classifiers.engine import EngineOptions

    on_ort = TransformersClassifier(tmp_path / "m", label_map={"non-toxic": None},
                                    options=EngineOptions(runtime="onnx",
                                                          onnx_dir=str(tmp_path / "onnx")))
    assert on_ort.version.endswith("+onnx")
    (got,) = on_ort.predict([text])  # softmax over ONNX Runtime's logits
    assert got["toxicity"] == pytest.approx(want, abs=1e-5)


def test_settings_choose_the_onnx_runtime_and_streams(tiny, tmp_path: Path):
    pytest.importorskip("onnxruntime", reason="the onnx extra is not installed")
    ckpt, hf = tiny
    loaded = load_from_settings(ClassifierSettings(
        backend="detoxify", checkpoint=str(ckpt), huggingface_config_path=str(hf),
        quantize_int8=True, runtime="onnx", onnx_dir=str(tmp_path)))
    assert loaded.classifier is not None and not loaded.error
    clf = loaded.classifier.primary  # behind the language router
    assert clf.version.endswith("+int8+onnx")
    assert clf.engine.onnx.path.parent.parent == tmp_path and clf.engine.streams == 1
    torch_two = load_from_settings(ClassifierSettings(
        backend="detoxify", checkpoint=str(ckpt), huggingface_config_path=str(hf),
        streams=2, threads=1)).classifier.primary
    assert torch_two.engine.streams == 2 and torch_two.engine.onnx is None


def test_onnx_runtime_missing_degrades_instead_of_crashing(tiny, tmp_path: Path, monkeypatch):
    import classifiers.onnx_runtime as ort_mod

    def missing() -> None:
        raise ort_mod.OnnxUnavailable("classifier.runtime 'onnx' needs onnxruntime and onnx")

    monkeypatch.setattr(ort_mod, "_require", missing)
    ckpt, hf = tiny
    common = dict(checkpoint=str(ckpt), huggingface_config_path=str(hf), runtime="onnx",
                  onnx_dir=str(tmp_path))
    configured = load_from_settings(ClassifierSettings(backend="detoxify", **common))
    assert configured.error and "onnxruntime" in configured.error  # degraded: escalates
    auto = load_from_settings(ClassifierSettings(backend="auto", **common))
    assert auto.fallback and "onnxruntime" in auto.note  # falls back loudly


def test_auto_uses_a_local_checkpoint_when_configured(tiny):
    ckpt, hf = tiny
    loaded = load_from_settings(ClassifierSettings(
        backend="auto", checkpoint=str(ckpt), huggingface_config_path=str(hf), quantize_int8=True))
    assert not loaded.fallback and loaded.classifier is not None
    assert loaded.classifier.version.endswith("+int8")
    assert set(loaded.classifier.predict(["hello"])[0]) == set(loaded.classifier.labels)


def test_judge_escalates_a_language_no_model_covers_and_records_it():
    from civicmod.contract.records import Author, Comment
    from civicmod.verdict.judge import Judge
    from rules.base import RuleSet

    en = Constant("en-model", {"en"}, 0.1)
    judge = Judge(RuleSet("v1", ()), LanguageRouter(en), escalate_thresholds={"*": 0.7})

    def comment(i: int, text: str, lang: str | None = None) -> Comment:
        return Comment(id=f"x:{i}", platform="x", account_id="a", author=Author(id="u"),
                       text=text, lang=lang)

    english, dutch, declared = judge_batch(judge, [
        comment(1, "When will the potholes on Station Road be repaired?"),
        comment(2, "Wanneer wordt de weg voor de school eindelijk gerepareerd?"),
        comment(3, "When will the potholes on Station Road be repaired?", lang="tr"),
    ])
    assert english.outcome == "publish" and english.comment.lang == "en"
    assert english.classifier is not None and english.classifier.name == "en-model"
    assert dutch.outcome == "escalate" and dutch.comment.lang == "nl" and dutch.scores == {}
    assert [r.id for r in dutch.reasons] == ["system.language_not_covered"]
    assert declared.outcome == "escalate" and declared.comment.lang == "tr"
    scoring = Judge(RuleSet("v1", ()), LanguageRouter(en, uncovered="score"))
    (scored,) = judge_batch(scoring, [comment(4, "Wanneer wordt de weg voor de school gerepareerd?")])
    assert scored.outcome == "publish" and scored.scores == {"toxicity": 0.1}


def test_evaluation_scores_are_checked_like_the_pipelines():
    from classifiers.evaluation import score_all
    from classifiers.scores import InvalidScores

    class Garbage:
        name, version, labels = "garbage", "1", ("toxicity",)

        def predict(self, texts):
            return [{"toxicity": float("nan") if "bad" in t else 0.2} for t in texts]

    assert score_all(Garbage(), ["fine", "also fine"]) == [{"toxicity": 0.2}] * 2
    with pytest.raises(InvalidScores, match="row 3: score of 'toxicity' is nan"):
        score_all(Garbage(), ["fine", "fine", "bad"])
