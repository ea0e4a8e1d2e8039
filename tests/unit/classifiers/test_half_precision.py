"""Half precision and the queued GPU path: what runs on any CPU, and (where CUDA is present)
the same on the GPU. The GPU tests skip without one, saying so; CI has none, so they run where
a GPU is lent (docs/model-calibration.md "GPU")."""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

import pytest

from civicmod.contract.settings import ClassifierSettings
from civicmod.dev.synthetic_models import build_detoxify_checkpoint
from classifiers import calibration as cal
from classifiers.detoxify_model import DetoxifyClassifier
from classifiers.engine import EngineOptions, check_precision, variant_suffix
from classifiers.loader import LoadedClassifier, engine_options, loaded_note

torch = pytest.importorskip("torch")
cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA GPU on this machine")

TEXTS = ["When will the potholes on Station Road be repaired?",
         "You useless idiots, nobody trusts the police any more.",
         "Thank you to the gritting crews out at four in the morning!",
         "Refund available, claim now, click the link " * 3,
         "I will find you and hurt you.", "ok", "Is the recycling centre open on Monday? " * 40]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return build_detoxify_checkpoint(tmp_path_factory.mktemp("tiny"), arch="bert-tiny", seed=11)


def many_texts(n: int = 120, seed: int = 3) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(rng.choice(TEXTS).split()[: rng.randint(1, 60)]) + f" {i}" for i in range(n)]


def max_gap(a: list[dict[str, float]], b: list[dict[str, float]]) -> float:
    return max(abs(x[k] - y[k]) for x, y in zip(a, b, strict=True) for k in x)


def clf(tiny, **kw) -> DetoxifyClassifier:
    return DetoxifyClassifier("original", *tiny, EngineOptions(**{"cache_size": 0, **kw}))


# -- any machine ----------------------------------------------------------------------------
@pytest.mark.parametrize("precision", ["bf16", "fp16"])
def test_half_precision_scores_stay_near_fp32_and_say_so_in_the_version(tiny, precision):
    full, half = clf(tiny), clf(tiny, precision=precision)
    assert max_gap(full.predict(TEXTS), half.predict(TEXTS)) < 3e-2
    assert half.version == full.version + f"+{precision}"
    dtype = next(half.engine.model.parameters()).dtype
    assert dtype == {"bf16": torch.bfloat16, "fp16": torch.float16}[precision]


def test_engines_built_from_one_model_do_not_change_it_under_each_other(tiny):
    """Calibration builds several engines from one model: a half-precision or another-device
    engine converts and moves its own copy (``.to()`` works in place on a module)."""
    from classifiers.detoxify_model import build_model, read_checkpoint
    from classifiers.engine import SequenceClassifierEngine

    model, tokenizer, labels = build_model(read_checkpoint(tiny[0]), tiny[1])
    cpu = SequenceClassifierEngine(model, tokenizer, labels, options=EngineOptions(cache_size=0))
    before = cpu.predict(TEXTS)
    for opts in (EngineOptions(precision="bf16"), EngineOptions(device="meta")):
        other = SequenceClassifierEngine(model, tokenizer, labels, options=opts)
        assert other.model is not cpu.model
    param = next(cpu.model.parameters())
    assert (param.dtype, param.device.type) == (torch.float32, "cpu")
    assert cpu.predict(TEXTS) == before


def test_precision_combinations_no_path_runs_are_refused():
    for bad in (EngineOptions(precision="fp16", quantize_int8=True),
                EngineOptions(precision="bf16", runtime="onnx"), EngineOptions(precision="fp8")):
        with pytest.raises(ValueError, match="precision"):
            check_precision(bad)
    assert variant_suffix(EngineOptions(precision="fp16")) == "+fp16"
    assert variant_suffix(EngineOptions()) == ""


def test_the_queue_gives_the_same_rows_in_the_same_order(tiny):
    """``_pipelined`` (the GPU's path) read back at every depth equals one batch at a time."""
    engine = clf(tiny, max_batch_size=4).engine
    seqs = [engine._prefix + [1000 + (i * 7) % 500] * (1 + i % 37) + engine._suffix
            for i in range(90)]
    batches = [[seqs[j] for j in b] for b in engine._batches(seqs)]
    assert len(batches) > 10
    one_by_one = [engine._forward(b) for b in batches]
    for depth in (0, 1, 3, 100):
        engine.queue_depth = depth
        got = list(engine._pipelined(batches))
        assert len(got) == len(batches)
        for a, b in zip(got, one_by_one, strict=True):
            assert len(a) == len(b)
            assert max(abs(x - y) for ra, rb in zip(a, b, strict=True)
                       for x, y in zip(ra, rb, strict=True)) <= 1e-6


HOSTILE = ["", " ", "e\u0301t\u00e9 \u202eevil\u202c", "\u200b\u200bzero width", "\U0001F600" * 30,
           "ＦＵＬＬ ｗｉｄｔｈ", "\x00nul", "a" * 3000, "word " * 900, "Ǆ ǅ ǆ İ ı ß ẞ"]


def test_the_direct_tokenizer_path_gives_the_wrappers_ids(tiny):
    engine = clf(tiny).engine
    texts = [*TEXTS, *HOSTILE, *many_texts(50)]
    wrapper = engine.tokenizer(texts, add_special_tokens=False, truncation=False,
                               padding=False, verbose=False)["input_ids"]
    backend = engine.tokenizer.backend_tokenizer
    calls: list[int] = []

    class Spy:  # the Rust tokenizer, counting the direct calls
        def __getattr__(self, name):
            return getattr(backend, name)

        def encode_batch_fast(self, batch, **kw):
            calls.append(len(batch))
            return backend.encode_batch_fast(batch, **kw)

    engine.tokenizer._tokenizer = Spy()
    try:
        assert engine.encode(texts) == wrapper and calls == [len(texts)]  # the direct path
        assert max(len(ids) for ids in wrapper) > engine.window  # long texts not truncated
        # a tokenizer configured to truncate goes through the wrapper, which turns it off
        backend.enable_truncation(16)
        assert engine.encode(texts) == wrapper and calls == [len(texts)]
    finally:
        engine.tokenizer._tokenizer = backend
        backend.no_truncation()


def test_large_batches_do_not_pad_short_comments_to_a_long_ones_length(tiny):
    from classifiers.engine import PAD_MIN_ROWS, PAD_RATIO

    engine = clf(tiny, max_batch_size=1024, max_batch_tokens=1 << 20).engine
    rng = random.Random(5)
    lengths = [rng.randint(3, 40) for _ in range(500)] + [300, 400, 500]
    seqs = [[7] * n for n in lengths]
    batches = engine._batches(seqs)
    assert sorted(j for b in batches for j in b) == list(range(len(seqs)))  # each once
    for b in batches:
        widths = [len(seqs[j]) for j in b]
        assert widths == sorted(widths)
        # a batch pads past PAD_RATIO x its shortest only while it is small
        assert max(widths) <= PAD_RATIO * widths[0] or len(b) <= PAD_MIN_ROWS
    padded = sum(len(b) * max(len(seqs[j]) for j in b) for b in batches)
    assert padded < 1.6 * sum(lengths)  # one batch of all would be 500 x 500: 25x the tokens


def test_padding_to_a_multiple_keeps_rows_and_masks():
    from classifiers.engine import SequenceClassifierEngine

    engine = SequenceClassifierEngine.__new__(SequenceClassifierEngine)
    engine.tokenizer = type("T", (), {"pad_token_id": 0})()
    engine.window = 100
    ids, mask = engine._padded([[5, 6, 7], [8]], 8)
    assert ids.shape == mask.shape == (2, 8)
    assert ids[0, :3].tolist() == [5, 6, 7] and ids[1, :1].tolist() == [8]
    assert mask.sum(axis=1).tolist() == [3, 1] and ids[:, 3:].sum() == 0
    # never past the model's positions: a window of 100 is not a multiple of 8
    assert engine._padded([[1] * 100, [2]], 8)[0].shape == (2, 100)
    assert engine._padded([[1] * 90], 8)[0].shape == (1, 96)


def test_settings_and_health_carry_the_precision(tiny):
    opts = engine_options(ClassifierSettings(precision="bf16", calibrate_precisions=["fp32", "bf16"]))
    assert opts.precision == "bf16" and opts.calibrate_precisions == ("fp32", "bf16")
    assert ClassifierSettings().calibrate_precisions == ["fp32", "int8", "fp16"]
    with pytest.raises(ValueError):
        ClassifierSettings(precision="fp8")
    half = clf(tiny, precision="bf16")
    info = LoadedClassifier(half, loaded_note(half)).runtime_info()["detoxify-original"]
    assert info["precision"] == "bf16" and info["version"].endswith("+bf16")


def test_the_worker_knows_when_a_model_runs_on_a_gpu(tiny):
    from classifiers.routing import LanguageRouter

    cpu = clf(tiny)
    assert not LoadedClassifier(LanguageRouter(cpu), "").on_gpu
    assert not LoadedClassifier(None, "rules only").on_gpu
    cpu.engine.device = "cuda"  # what a GPU engine reports (no GPU needed to read it)
    assert LoadedClassifier(LanguageRouter(cpu), "").on_gpu


def test_each_device_gets_its_own_precisions():
    opts = EngineOptions(calibrate_precisions=("fp32", "int8", "fp16", "bf16"))
    assert cal.allowed_precisions(opts, "cpu") == ["int8", "fp32"]
    assert cal.allowed_precisions(opts, "cuda") == ["fp16", "bf16", "fp32"]
    # one configuration for CPU and GPU machines: a list naming none of a device's precisions
    # means fp32 there, the reference
    assert cal.allowed_precisions(replace(opts, calibrate_precisions=("fp16",)), "cpu") == ["fp32"]
    assert cal.allowed_precisions(replace(opts, calibrate_precisions=("int8",)), "cuda") == ["fp32"]
    with pytest.raises(ValueError, match="unknown precisions"):
        cal.allowed_precisions(replace(opts, calibrate_precisions=("fp8",)), "cuda")


class FakeGpuEngine:
    """Stands in for a GPU engine; the search replans an engine right before timing it."""

    device, threads = "cuda", 16

    def __init__(self, precision: str, batch: int, replanned: list) -> None:
        self.precision, self.batch, self.tokens, self.replanned = precision, batch, 0, replanned

    def replan(self, batch: int, streams: int, threads: int, tokens: int | None = None) -> None:
        self.batch, self.tokens = batch, tokens
        self.replanned.append(self)

    def score_windows(self, seqs):
        return [[0.0]] * len(seqs)


def gpu_search(costs, precisions, budget_s=100.0, broken=()):
    """``cal.search_gpu`` with a clock advancing 1 s per measurement and a timer reading
    ``costs[(precision, batch)]`` of the engine replanned last (default 10 s: slow)."""
    now, replanned, built = [0.0], [], []

    def build(precision, batch):
        if precision in broken:
            raise RuntimeError("not on this GPU")
        built.append(FakeGpuEngine(precision, batch, replanned))
        return built[-1]

    def timer(run):
        run()
        now[0] += 1.0
        e = replanned[-1]
        return costs.get((e.precision, e.batch), 10.0)

    return cal.search_gpu(build, precisions, [[1, 2, 3]] * 10, budget_s,
                          clock=lambda: now[0], timer=timer), built


def test_gpu_search_picks_precision_then_batch_and_raises_the_token_budget():
    costs = {("fp16", 256): 1.0, ("bf16", 256): 1.1, ("fp32", 256): 4.0,
             ("fp16", 1024): 0.5, ("bf16", 512): 0.45}
    (plan, rates), ran = gpu_search(costs, ["fp16", "bf16", "fp32"])
    assert plan == cal.Plan("torch", False, 512, 1, 16, "bf16", "cuda")
    assert plan.label == "torch bf16 b512 cuda" and plan.tag == "b512"
    assert rates[plan.label] == pytest.approx(10 / 0.45)
    # fp32 was timed at the first batch size only: not within 25% of the fastest
    assert [k for k in rates if " fp32 " in k] == ["torch fp32 b256 cuda"]
    bf16 = next(e for e in ran if e.precision == "bf16")
    assert bf16.tokens == 1024 * cal.GPU_TOKENS_PER_ROW  # the last batch size it was given


def test_gpu_search_skips_precisions_that_do_not_load_and_stops_at_the_budget():
    (plan, rates), _ = gpu_search({("fp32", 256): 2.0}, ["fp16", "fp32"], broken=("fp16",))
    assert plan is not None and plan.precision == "fp32"
    (plan, rates), _ = gpu_search({}, ["fp16", "bf16", "fp32"], budget_s=0.5)
    assert list(rates) == ["torch fp16 b256 cuda"]  # the budget ran out after the first
    (plan, rates), _ = gpu_search({}, ["fp16"], broken=("fp16",))
    assert plan is None and rates == {}


def test_a_candidate_that_fails_while_timed_is_left_out():
    class OutOfMemory(FakeGpuEngine):
        def score_windows(self, seqs):
            if self.batch == 1024:
                raise RuntimeError("CUDA out of memory")
            return super().score_windows(seqs)

    now, replanned = [0.0], []

    def timer(run):
        run()
        now[0] += 1.0
        return 1.0 / replanned[-1].batch  # larger batches faster, until 1024 fails

    plan, rates = cal.search_gpu(lambda p, b: OutOfMemory(p, b, replanned), ["fp16"],
                                 [[1]] * 10, 100.0, clock=lambda: now[0], timer=timer)
    assert plan is not None and plan.batch_size == 512
    assert "torch fp16 b1024 cuda" not in rates


def test_calibration_times_the_device_the_engine_will_use(caplog):
    onnx_auto = EngineOptions(device="auto", runtime="onnx", calibrate="auto")
    assert cal.calibration_device(onnx_auto) == "cpu"  # as the engine: auto + onnx is the CPU
    assert cal.calibration_device(EngineOptions(device="cpu")) == "cpu"
    assert cal.calibration_device(EngineOptions(device="cuda")) == "cuda"
    only_onnx = EngineOptions(device="cuda", calibrate_runtimes=("onnx",))
    assert cal.calibration_device(only_onnx) == "cpu" and "leaves out torch" in caplog.text
    plan = cal.Plan("onnx", True, 16, 1, 2)  # a CPU plan runs on the CPU, whatever was set
    assert cal.Calibration(plan, "measured").apply(only_onnx).device == "cpu"


def test_a_gpu_plan_applies_its_precision_and_token_budget():
    plan = cal.Plan("torch", False, 1024, 1, 16, "fp16", "cuda")
    chosen = cal.Calibration(plan, "measured", {plan.label: 20000.0})
    opts = chosen.apply(EngineOptions(calibrate="auto", max_batch_tokens=8192))
    assert (opts.precision, opts.max_batch_size, opts.calibrate) == ("fp16", 1024, "off")
    assert opts.max_batch_tokens == 1024 * cal.GPU_TOKENS_PER_ROW
    report = chosen.report()
    assert (report["precision"], report["device"], report["sequences_per_s"]) == ("fp16", "cuda",
                                                                                20000.0)
    # a CPU plan keeps the configured token budget, and an entry cached before precision and
    # device existed still reads
    cpu = cal.Calibration(cal.Plan("onnx", True, 16, 1, 2), "cached").apply(
        EngineOptions(max_batch_tokens=4096))
    assert (cpu.max_batch_tokens, cpu.precision, cpu.quantize_int8) == (4096, "fp32", True)
    old = cal.from_entry({"plan": {"runtime": "torch", "int8": True, "batch_size": 16,
                                   "streams": 2, "threads": 1}, "rates": {}, "cpu": {},
                          "seconds": 1, "measured_at": "x"}, "k")
    assert old is not None and old.plan.label == "torch int8 b16/2x1"


# -- on a GPU --------------------------------------------------------------------------------
@cuda
def test_gpu_fp32_matches_the_cpu_and_half_precision_stays_near(tiny):
    texts = many_texts()
    cpu = clf(tiny).predict(texts)
    gpu = clf(tiny, device="cuda", max_batch_size=16)
    assert gpu.engine.device == "cuda"
    assert max_gap(cpu, gpu.predict(texts)) < 1e-4
    for precision in ("fp16", "bf16"):
        half = clf(tiny, device="cuda", precision=precision, max_batch_size=16)
        assert max_gap(cpu, half.predict(texts)) < 3e-2
        assert half.version.endswith(f"+{precision}")


@cuda
def test_gpu_queue_depths_and_batch_sizes_agree(tiny):
    texts = many_texts(300)
    gpu = clf(tiny, device="cuda", precision="fp16", max_batch_size=8)
    queued = gpu.predict(texts)
    gpu.engine.queue_depth = 0
    assert max_gap(queued, gpu.predict(texts)) == 0.0  # same batches, same kernels
    wide = clf(tiny, device="cuda", precision="fp16", max_batch_size=512, max_batch_tokens=32768)
    assert max_gap(queued, wide.predict(texts)) < 1e-2


@cuda
def test_gpu_calibration_chooses_a_cuda_plan_and_caches_it(tiny, tmp_path):
    opts = EngineOptions(device="cuda", calibrate="auto", calibrate_budget_s=5.0, cache_size=0,
                         calibrate_precisions=("fp32", "fp16"),
                         calibration_cache=str(tmp_path / "calibration.json"))
    first = DetoxifyClassifier("original", *tiny, opts)
    chosen = first.engine.calibration
    assert chosen.source == "measured" and chosen.plan.device == "cuda"
    assert chosen.cpu["class"].startswith("cuda-sm_") and chosen.plan.precision in {"fp32", "fp16"}
    assert first.engine.options.precision == chosen.plan.precision
    assert first.version.endswith(f"@b{chosen.plan.batch_size}")
    again = DetoxifyClassifier("original", *tiny, opts).engine.calibration
    assert again.source == "cached" and again.plan == chosen.plan
