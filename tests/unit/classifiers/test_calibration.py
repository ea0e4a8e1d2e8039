"""Start-up calibration: the search, the on-disk cache, and what the verdict and /health see."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import ClassVar

import pytest

from civicmod.contract.settings import ClassifierSettings
from civicmod.dev.synthetic_models import build_detoxify_checkpoint
from classifiers import calibration as cal
from classifiers.detoxify_model import DetoxifyClassifier
from classifiers.engine import EngineOptions
from classifiers.loader import LoadedClassifier, engine_options, loaded_note
from classifiers.routing import LanguageRouter


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return build_detoxify_checkpoint(tmp_path_factory.mktemp("tiny"), arch="bert-tiny", seed=5)


def options(tmp_path: Path, **kw) -> EngineOptions:
    base = dict(calibrate="auto", calibrate_budget_s=60.0, onnx_dir=str(tmp_path / "onnx"),
                calibration_cache=str(tmp_path / "calibration.json"), cache_size=0)
    return EngineOptions(**{**base, **kw})


class FakeEngine:
    """Stands in for an engine: its 'speed' is a table lookup, so the search is deterministic."""

    ran: ClassVar[list[FakeEngine]] = []

    def __init__(self, runtime: str, int8: bool, *plan: int) -> None:
        self.runtime, self.int8, self.plan = runtime, int8, plan

    def replan(self, *plan: int) -> None:
        self.plan = plan

    def score_windows(self, seqs):
        FakeEngine.ran.append(self)
        return [[0.0]] * len(seqs)


def fake_search(costs, space, budget_s=100.0, broken=()):
    """``cal.search`` with a clock advancing 1 s per measurement and a timer reading
    ``costs[(runtime, int8, batch, streams, threads)]`` (default 10 s: slow)."""
    now = [0.0]

    def build(runtime, int8, *plan):
        if (runtime, int8) in broken:
            raise RuntimeError("cannot load")
        return FakeEngine(runtime, int8, *plan)

    def timer(run):
        run()
        e = FakeEngine.ran[-1]
        now[0] += 1.0
        return costs.get((e.runtime, e.int8, *e.plan), 10.0)

    return cal.search(build, space, [[1, 2, 3]] * 10, cores=2, budget_s=budget_s,
                      clock=lambda: now[0], timer=timer)


def test_search_picks_the_fastest_runtime_precision_split_and_batch():
    space = [("onnx", True), ("torch", True), ("onnx", False), ("torch", False)]
    costs = {("onnx", True, 16, 1, 2): 1.0, ("torch", True, 16, 2, 1): 1.1,
             ("torch", True, 32, 2, 1): 0.5, ("onnx", True, 32, 1, 2): 0.9,
             ("onnx", False, 16, 1, 2): 3.0, ("torch", False, 16, 2, 1): 6.0}
    plan, rates = fake_search(costs, space)
    assert plan == cal.Plan("torch", True, 32, 2, 1)
    assert rates[plan.label] == pytest.approx(10 / 0.5)
    # fp32 paths were timed in stage 1 only: not within 25% of the best
    assert not any(label.startswith("torch fp32 b32") for label in rates)


def test_search_stops_at_the_budget_and_skips_paths_that_do_not_load():
    space = [("onnx", True), ("torch", True), ("torch", False)]
    costs = {("torch", True, 16, 2, 1): 1.0, ("torch", True, 64, 2, 1): 0.1}
    plan, rates = fake_search(costs, space, budget_s=1.5, broken={("onnx", True)})
    assert "onnx int8 b16/1x2" not in rates
    assert len(rates) == 2  # two measurements, then the clock passed the budget
    assert plan == cal.Plan("torch", True, 16, 2, 1)
    none, empty = fake_search({}, [("onnx", True)], broken={("onnx", True)})
    assert none is None and empty == {}


def test_the_synthetic_workload_has_comment_lengths(tiny):
    from statistics import median

    engine = DetoxifyClassifier("original", *tiny, EngineOptions(cache_size=0)).engine
    tok = engine.tokenizer
    vocab = engine.model.config.vocab_size
    seqs = cal.synthetic_windows(tok, [tok.cls_token_id], [tok.sep_token_id], vocab=vocab)
    lengths = [len(s) - 2 for s in seqs]
    assert len(seqs) == cal.SEQUENCES and 16 <= median(lengths) <= 34
    assert min(lengths) >= 4 and max(lengths) <= 160 and max(lengths) >= 60
    inner = {t for s in seqs for t in s[1:-1]}
    assert not inner & {tok.cls_token_id, tok.sep_token_id, tok.pad_token_id}
    assert max(inner) < vocab and len(inner) > 100
    assert all(s[0] == tok.cls_token_id and s[-1] == tok.sep_token_id for s in seqs)
    # a tokenizer with nothing but special tokens still gets sequences (no endless loop)
    tiny_vocab = cal.synthetic_windows(tok, [2], [3], count=3, vocab=5)
    assert all(len(s) >= 6 for s in tiny_vocab)


def test_cpu_class_names_the_instruction_set():
    assert cal.cpu_class({"avx2", "fma"}) == "avx2"
    assert cal.cpu_class({"avx2", "avx512f", "avx512_vnni"}) == "avx512-vnni"
    assert cal.cpu_class({"avx2", "avx512f", "avx512_vnni", "amx_int8"}) == "amx"
    assert cal.cpu_class({"avx2", "avx_vnni"}) == "avx2-vnni"
    assert cal.cpu_class({"avx2", "avx512f"}, {"FBGEMM_ENABLE_INSTRUCTIONS": "AVX2"}) \
        == "avx512+restricted"


def test_calibrated_classifier_runs_the_chosen_path_and_caches_it(tiny, tmp_path, monkeypatch):
    ckpt, hf = tiny
    opts = options(tmp_path, calibrate_budget_s=3.0)
    clf = DetoxifyClassifier("original", ckpt, hf, opts)
    got = clf.engine.calibration
    assert got is not None and got.source == "measured" and got.plan.label in got.rates
    engine = clf.engine
    assert (engine.options.runtime, engine.options.quantize_int8, engine.options.max_batch_size,
            engine.streams, engine.threads) == (got.plan.runtime, got.plan.int8,
                                                got.plan.batch_size, got.plan.streams,
                                                got.plan.threads)
    assert clf.version.endswith(f"@{got.plan.tag}")
    assert ("+int8" in clf.version) == got.plan.int8
    assert ("+onnx" in clf.version) == (got.plan.runtime == "onnx")
    # the same scores as that path configured by hand
    fixed = DetoxifyClassifier("original", ckpt, hf, got.apply(opts))
    texts = ["you are a wonderful person", "idiots", "", "bin day again " * 40]
    for a, b in zip(clf.predict(texts), fixed.predict(texts), strict=True):
        assert a == pytest.approx(b, abs=1e-6)

    entries = json.loads(Path(opts.calibration_cache).read_text())["entries"]
    assert list(entries) == [got.key] and entries[got.key]["plan"]["batch_size"] == got.plan.batch_size

    def no_timing(*a, **k):
        raise AssertionError("a cached choice must not be measured again")

    monkeypatch.setattr(cal, "search", no_timing)
    again = DetoxifyClassifier("original", ckpt, hf, opts)
    assert again.engine.calibration.source == "cached"
    assert again.engine.calibration.plan == got.plan and again.version == clf.version

    # another ISA restriction is another machine class: measured again, its own entry
    monkeypatch.undo()
    monkeypatch.setenv("FBGEMM_ENABLE_INSTRUCTIONS", "AVX2")
    restricted = DetoxifyClassifier("original", ckpt, hf, opts).engine.calibration
    assert restricted.source == "measured" and restricted.key != got.key
    assert restricted.cpu["isa_env"] == {"FBGEMM_ENABLE_INSTRUCTIONS": "AVX2"}
    assert len(json.loads(Path(opts.calibration_cache).read_text())["entries"]) == 2


def test_precisions_limit_the_choice_and_a_bad_cache_is_measured_again(tiny, tmp_path):
    ckpt, hf = tiny
    opts = options(tmp_path, calibrate_precisions=("fp32",), calibrate_budget_s=2.0)
    Path(opts.calibration_cache).write_text("{not json")
    clf = DetoxifyClassifier("original", ckpt, hf, opts)
    chosen = clf.engine.calibration
    assert chosen.source == "measured" and not chosen.plan.int8 and "+int8" not in clf.version
    assert all(" int8 " not in label for label in chosen.rates)
    assert json.loads(Path(opts.calibration_cache).read_text())["entries"]  # rewritten whole
    with pytest.raises(ValueError, match="calibrate_precisions"):
        cal.candidates(replace(opts, calibrate_precisions=()), "key")


def test_health_and_note_show_the_choice(tiny, tmp_path):
    ckpt, hf = tiny
    clf = DetoxifyClassifier("original", ckpt, hf, options(tmp_path, calibrate_budget_s=2.0))
    routed = LanguageRouter(clf)
    loaded = LoadedClassifier(routed, loaded_note(routed))
    info = loaded.runtime_info()["detoxify-original"]
    plan = clf.engine.calibration.plan
    assert info["version"] == clf.version
    assert (info["runtime"], info["batch_size"], info["streams"]) == (plan.runtime,
                                                                      plan.batch_size, plan.streams)
    report = info["calibration"]
    assert report["source"] == "measured" and report["precision"] == ("int8" if plan.int8 else "fp32")
    assert report["cpu_class"] and plan.label in report["candidates"]
    json.dumps(loaded.runtime_info())  # /health serializes it
    assert f"calibrated measured: {plan.label}" in loaded.note and clf.version in loaded.note
    plain = DetoxifyClassifier("original", ckpt, hf, EngineOptions(cache_size=0))
    assert LoadedClassifier(plain, loaded_note(plain)).runtime_info()["detoxify-original"][
        "calibration"] is None
    assert "@" not in plain.version and "calibrated" not in loaded_note(plain)


def test_settings_fields_reach_the_engine_options():
    c = ClassifierSettings(calibrate="auto", calibrate_budget_s=12, calibrate_precisions=["int8"],
                           calibration_cache="/tmp/x.json")
    o = engine_options(c)
    assert (o.calibrate, o.calibrate_budget_s, o.calibrate_precisions, o.calibration_cache) == (
        "auto", 12.0, ("int8",), "/tmp/x.json")
    assert engine_options(ClassifierSettings()).calibrate == "off"  # the default
