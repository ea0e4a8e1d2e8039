"""The batched, padded engine gives detoxify's own scores, text by text (offline, random weights)."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from civicmod.dev.synthetic_models import build_detoxify_checkpoint
from classifiers.detoxify_model import DetoxifyClassifier
from classifiers.engine import EngineOptions

#: What int8 must keep of the fp32 model: the order of the scores over TEXTS x labels (pooled
#: Spearman rank correlation) and an error small against the spread of the scores (mean absolute
#: difference / standard deviation of the fp32 scores). Measured on the random checkpoints:
#: Spearman 0.976 (bert-base) to 0.999 (bert-tiny); error/spread 0.04 to 0.12 with AVX-512 VNNI
#: kernels. AVX2-only kernels (whose int8 arithmetic differs) gave up to 3x the largest
#: difference (0.125 against 0.042 on bert-tiny with ONNX Runtime). The former absolute bound on
#: the largest difference (0.1) measured the CPU's int8 kernels rather than the quantization,
#: and broke with a library release on an AVX2 machine.
MIN_RANK_CORRELATION = 0.9
MAX_ERROR_TO_SPREAD = 0.35


def assert_faithful(quantized: list[dict[str, float]], fp32: list[dict[str, float]]) -> None:
    """``quantized`` is a real quantization (differs) that keeps ``fp32``'s behaviour."""
    import statistics

    from scipy.stats import spearmanr

    labels = sorted(fp32[0])
    a = [s[k] for s in fp32 for k in labels]
    b = [s[k] for s in quantized for k in labels]
    diffs = [abs(x - y) for x, y in zip(a, b, strict=True)]
    rho = float(spearmanr(a, b).statistic)
    ratio = statistics.mean(diffs) / statistics.pstdev(a)
    print(f"int8 vs fp32: spearman {rho:.3f}, mean error / spread {ratio:.3f}, max {max(diffs):.3f}")
    assert max(diffs) > 0, "not quantized"
    assert rho >= MIN_RANK_CORRELATION and ratio <= MAX_ERROR_TO_SPREAD


TEXTS = [
    "When will the potholes on Station Road be repaired?",
    "You useless idiots, I will find you",
    "Thank you to the gritting crews!",
    "",
    "   ",
    "😀😀😀🔥",
    "Привет, когда откроется библиотека?",
    "市议会什么时候修路？",
    "متى سيتم إصلاح الطريق؟",
    "सड़क कब ठीक होगी?",
    "Ça suffit, la mairie doit répondre.",
    "bin collection missed " * 3,
    "The council is a disgrace and the leader should go " * 40,   # > 512 tokens
    "x " * 700,                                                      # long, one repeated token
]


@pytest.fixture(scope="module")
def bert_base(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A random-weight checkpoint of detoxify 'original''s architecture (bert-base-uncased)."""
    return build_detoxify_checkpoint(tmp_path_factory.mktemp("bert-base"), arch="bert-base")


@pytest.fixture(scope="module")
def reference(bert_base):
    from detoxify import Detoxify

    ckpt, hf = bert_base
    return Detoxify(checkpoint=str(ckpt), huggingface_config_path=str(hf))


def _max_diff(a: dict[str, float], b: dict[str, float]) -> float:
    assert a.keys() == b.keys()
    return max(abs(a[k] - b[k]) for k in a)


def test_fp32_batched_path_matches_detoxify_text_by_text(bert_base, reference):
    ckpt, hf = bert_base
    ours = DetoxifyClassifier("original", ckpt, hf, EngineOptions(chunk_long_texts=False,
                                                                  max_batch_tokens=4096))
    got = ours.predict(TEXTS)
    for text, scores in zip(TEXTS, got, strict=True):
        want = reference.predict(text)
        assert _max_diff(scores, want) <= 1e-4, text[:40]
    # the outputs really depend on the text (so the tolerance above means something)
    assert len({round(s["toxicity"], 4) for s in got}) >= 5


def test_long_texts_take_the_max_over_windows(bert_base, reference):
    ckpt, hf = bert_base
    chunked = DetoxifyClassifier("original", ckpt, hf, EngineOptions(chunk_long_texts=True))
    long_text = TEXTS[-2]
    (scores,) = chunked.predict([long_text])
    truncated = reference.predict(long_text)  # detoxify scores the first window only
    for label, value in truncated.items():
        assert scores[label] >= value - 1e-4
    # short texts are one window: identical to detoxify
    (short,) = chunked.predict([TEXTS[0]])
    assert _max_diff(short, reference.predict(TEXTS[0])) <= 1e-4


def test_int8_path_keeps_the_fp32_model_behaviour(bert_base, reference):
    ckpt, hf = bert_base
    int8 = DetoxifyClassifier("original", ckpt, hf, EngineOptions(quantize_int8=True,
                                                                  chunk_long_texts=False))
    assert int8.version.endswith("+int8")
    assert_faithful(int8.predict(TEXTS), [reference.predict(t) for t in TEXTS])


@pytest.fixture(scope="module")
def onnx_dir(tmp_path_factory: pytest.TempPathFactory) -> str:
    pytest.importorskip("onnxruntime", reason="the onnx extra is not installed")
    return str(tmp_path_factory.mktemp("onnx"))


def test_onnx_fp32_path_matches_detoxify_text_by_text(bert_base, reference, onnx_dir):
    ckpt, hf = bert_base
    ours = DetoxifyClassifier("original", ckpt, hf, EngineOptions(
        runtime="onnx", onnx_dir=onnx_dir, chunk_long_texts=False, max_batch_tokens=4096))
    assert ours.engine.onnx is not None and ours.version.endswith("+onnx")
    got = ours.predict(TEXTS)
    for text, scores in zip(TEXTS, got, strict=True):
        assert _max_diff(scores, reference.predict(text)) <= 1e-4, text[:40]
    assert len({round(s["toxicity"], 4) for s in got}) >= 5


def test_onnx_int8_path_keeps_the_fp32_model_behaviour(bert_base, reference, onnx_dir):
    ckpt, hf = bert_base
    int8 = DetoxifyClassifier("original", ckpt, hf, EngineOptions(
        runtime="onnx", onnx_dir=onnx_dir, quantize_int8=True, chunk_long_texts=False))
    assert int8.version.endswith("+int8+onnx")
    assert int8.engine.onnx.path.name == "model.int8.onnx"
    assert_faithful(int8.predict(TEXTS), [reference.predict(t) for t in TEXTS])


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return build_detoxify_checkpoint(tmp_path_factory.mktemp("tiny"), arch="bert-tiny", seed=3)


def test_batch_composition_does_not_change_scores(tiny):
    ckpt, hf = tiny
    clf = DetoxifyClassifier("original", ckpt, hf, EngineOptions(max_batch_size=3, cache_size=0))
    together = clf.predict(TEXTS)
    alone = [clf.predict([t])[0] for t in TEXTS]
    reversed_ = clf.predict(TEXTS[::-1])[::-1]
    for a, b, c in zip(together, alone, reversed_, strict=True):
        assert _max_diff(a, b) <= 1e-5 and _max_diff(a, c) <= 1e-5


def test_windows_cover_the_whole_text_with_overlap(tiny):
    ckpt, hf = tiny
    engine = DetoxifyClassifier("original", ckpt, hf, EngineOptions(chunk_stride=8)).engine
    ids = list(range(1000, 1000 + 1200))
    windows = engine._windows(ids)
    prefix, suffix = engine._prefix, engine._suffix
    bodies = [w[len(prefix):len(w) - len(suffix)] for w in windows]
    assert all(len(w) <= engine.window for w in windows)
    assert bodies[0][0] == ids[0] and bodies[-1][-1] == ids[-1]
    covered = {t for b in bodies for t in b}
    assert covered == set(ids)
    for a, b in itertools.pairwise(bodies):
        assert a[-8:] == b[:8]  # consecutive windows overlap by the stride


def test_cache_hits_on_normalized_repeats(tiny):
    ckpt, hf = tiny
    clf = DetoxifyClassifier("original", ckpt, hf)
    first = clf.predict(["Claim your REFUND now", "other"])
    again = clf.predict(["claim  your refund   now"])  # uncased model: same inputs
    assert again[0] == first[0]
    assert clf.engine.cache.hits == 1 and clf.engine.cache.misses == 2


def test_detoxify_labels_are_canonical(tiny):
    ckpt, hf = tiny
    clf = DetoxifyClassifier("original", ckpt, hf)
    assert clf.labels == ("toxicity", "severe_toxicity", "obscene", "threat", "insult",
                          "identity_attack")
    assert clf.name == "detoxify-original" and len(clf.version) == 12


def test_parallel_streams_give_one_streams_scores(tiny):
    ckpt, hf = tiny
    one = DetoxifyClassifier("original", ckpt, hf, EngineOptions(streams=1, threads=1,
                                                                 max_batch_size=2, cache_size=0))
    two = DetoxifyClassifier("original", ckpt, hf, EngineOptions(streams=2, threads=1,
                                                                 max_batch_size=2, cache_size=0))
    assert two.engine.streams == 2 and two.engine._pool is not None
    for a, b in zip(one.predict(TEXTS), two.predict(TEXTS), strict=True):
        assert _max_diff(a, b) <= 1e-6


def test_thread_plan():
    from classifiers.engine import plan_threads

    assert plan_threads("cpu", None, None, cores=2) == (2, 1)
    assert plan_threads("cpu", None, None, cores=16) == (4, 4)
    assert plan_threads("cpu", 1, None, cores=2) == (1, 2)
    assert plan_threads("cpu", None, None, cores=8, runtime="onnx") == (1, 8)
    assert plan_threads("cuda", None, None, cores=8) == (1, 8)


def test_onnx_export_is_cached_and_reused(tiny, tmp_path):
    pytest.importorskip("onnxruntime", reason="the onnx extra is not installed")
    ckpt, hf = tiny
    opts = EngineOptions(runtime="onnx", onnx_dir=str(tmp_path), quantize_int8=True, cache_size=0)
    first = DetoxifyClassifier("original", ckpt, hf, opts)
    files = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert files == [f"{first.version[:12]}/model.int8.onnx", f"{first.version[:12]}/model.onnx"]
    stamps = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*.onnx")}
    again = DetoxifyClassifier("original", ckpt, hf, opts)
    assert {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*.onnx")} == stamps
    torch_path = DetoxifyClassifier("original", ckpt, hf, EngineOptions(cache_size=0))
    scores = first.predict(TEXTS)
    assert scores == again.predict(TEXTS)  # the cached file is the same model
    assert_faithful(scores, torch_path.predict(TEXTS))  # ...and it is this checkpoint's model


def test_onnx_runtime_is_cpu_only(tiny, tmp_path):
    ckpt, hf = tiny
    with pytest.raises(ValueError, match="CPU"):
        DetoxifyClassifier("original", ckpt, hf, EngineOptions(runtime="onnx", device="cuda",
                                                               onnx_dir=str(tmp_path)))
