"""The CPUID mask: a preloaded process sees an AVX2-class CPU, in every thread and library."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from civicmod.dev import cpuid_mask

REASON = cpuid_mask.unavailable_reason()
pytestmark = pytest.mark.skipif(REASON is not None, reason=f"CPUID mask unavailable: {REASON}")
HOST_AVX512 = "avx512f" in Path("/proc/cpuinfo").read_text() if REASON is None else False
needs_avx512 = pytest.mark.skipif(not HOST_AVX512, reason="the host has no AVX-512 to hide")

#: Runs CPUID leaf 7 (and its subleaf 1) in the main thread and in a new one, straight from
#: machine code, and reports the feature bits each saw, plus what numpy detected at import.
PROBE = textwrap.dedent("""
    import ctypes, json, mmap, threading
    # push rbx; mov eax,7; mov ecx,edi; cpuid; mov eax,ebx (subleaf 0) / mov eax,eax; pop rbx; ret
    def leaf7(sub, reg):
        code = bytes([0x53, 0xB8, 7, 0, 0, 0, 0x89, 0xF9, 0x0F, 0xA2]) + (
            bytes([0x89, 0xD8]) if reg == "ebx" else bytes([0x89, 0xC0])) + bytes([0x5B, 0xC3])
        buf = mmap.mmap(-1, len(code), prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
        buf.write(code)
        addr = ctypes.addressof(ctypes.c_char.from_buffer(buf))
        fn = ctypes.CFUNCTYPE(ctypes.c_uint32, ctypes.c_uint32)(addr)
        return fn(sub), buf
    def probe():
        ebx, b1 = leaf7(0, "ebx")
        eax1, b2 = leaf7(1, "eax")
        return {"avx2": bool(ebx >> 5 & 1), "avx512f": bool(ebx >> 16 & 1),
                "avx_vnni": bool(eax1 >> 4 & 1)}
    out = {"main": probe()}
    t = threading.Thread(target=lambda: out.__setitem__("thread", probe()))
    t.start(); t.join()
    from numpy._core._multiarray_umath import __cpu_features__ as f
    out["numpy"] = {"AVX2": f["AVX2"], "AVX512F": f["AVX512F"]}
    from classifiers.calibration import cpu_info
    out["class"] = cpu_info()["class"]
    print(json.dumps(out))
""")


def run(code: str, env: dict[str, str] | None, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args, "-c", code], env=env, capture_output=True,
                          text=True, timeout=120, cwd=Path(__file__).resolve().parents[3])


@pytest.fixture(scope="module")
def masked(tmp_path_factory) -> dict[str, str]:
    return cpuid_mask.environ(cache=tmp_path_factory.mktemp("shim"))


@needs_avx512
def test_the_host_itself_shows_avx512():
    seen = json.loads(run(PROBE, None).stdout)
    assert seen["main"]["avx512f"] and seen["thread"]["avx512f"] and seen["numpy"]["AVX512F"]
    assert not seen["class"].startswith("avx2")


@needs_avx512
def test_a_masked_process_sees_avx2_in_every_thread_and_library(masked):
    done = run(PROBE, masked)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    for where in ("main", "thread"):
        assert seen[where] == {"avx2": True, "avx512f": False, "avx_vnni": False}, where
    assert seen["numpy"] == {"AVX2": True, "AVX512F": False}
    assert seen["class"] == "avx2+restricted"


@pytest.mark.skipif("avx_vnni" not in Path("/proc/cpuinfo").read_text(),
                    reason="the host has no AVX-VNNI to keep")
def test_the_avx2_vnni_mode_keeps_avx_vnni(tmp_path):
    done = run(PROBE, cpuid_mask.environ(mode="avx2-vnni", cache=tmp_path))
    seen = json.loads(done.stdout)
    assert seen["main"] == seen["thread"] == {"avx2": True, "avx512f": False, "avx_vnni": True}
    assert seen["class"] == "avx2-vnni+restricted"


def test_other_segfaults_still_kill_and_reach_the_programs_handler(masked):
    crash = "import ctypes; ctypes.string_at(0)"
    plain = run(crash, masked)
    assert plain.returncode == -11  # the default action, not swallowed by the shim
    reported = run(crash, masked, "-X", "faulthandler")
    assert reported.returncode == -11
    assert "Segmentation fault" in reported.stderr  # faulthandler's handler was chained


def test_the_shim_is_built_once_per_source_version(tmp_path):
    first = cpuid_mask.build(tmp_path)
    mtime = first.stat().st_mtime_ns
    assert cpuid_mask.build(tmp_path) == first and first.stat().st_mtime_ns == mtime
    env = cpuid_mask.environ({"LD_PRELOAD": "/other.so"}, cache=tmp_path)
    assert env["LD_PRELOAD"] == f"{first} /other.so" and env[cpuid_mask.MODE_ENV] == "avx2"


def test_an_unknown_mode_leaves_the_cpu_alone(masked):
    done = run("import os; print(os.environ.get('CIVICMOD_CPUID_MASK_ACTIVE'))",
               {**masked, cpuid_mask.MODE_ENV: "sse2"})
    assert done.stdout.strip() == "None" and "unknown CIVICMOD_CPUID_MASK=sse2" in done.stderr


def test_reasons_it_cannot_run(tmp_path):
    info = tmp_path / "cpuinfo"
    info.write_text("flags\t\t: fpu avx avx2\n")
    assert "cpuid_fault" in (cpuid_mask.unavailable_reason(info) or "")
    info.write_text("flags\t\t: fpu avx avx2 cpuid_fault\n")
    assert cpuid_mask.unavailable_reason(info) is None
    assert "cannot read" in (cpuid_mask.unavailable_reason(tmp_path / "missing") or "")
