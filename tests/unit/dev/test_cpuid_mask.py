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
needs_mask = pytest.mark.skipif(REASON is not None, reason=f"CPUID mask unavailable: {REASON}")
CPUINFO = Path("/proc/cpuinfo").read_text() if REASON is None else ""
needs_avx512 = pytest.mark.skipif("avx512f" not in CPUINFO, reason="no AVX-512 here to hide")
CASES = Path(__file__).with_name("data") / "segv_cases.c"
#: What the "avx2" mask clears (the Intel SDM's bit numbers): CPUID 7.0 EBX, ECX, EDX, 7.1 EAX,
#: EDX and 0xD.0 EAX (the XSAVE components), in segv_cases' "leaves" order.
HIDDEN = (
    sum(1 << b for b in (16, 17, 21, 26, 27, 28, 30, 31)),  # AVX-512 F DQ IFMA PF ER CD BW VL
    sum(1 << b for b in (1, 6, 11, 12, 14)),  # VBMI VBMI2 VNNI BITALG VPOPCNTDQ
    sum(1 << b for b in (2, 3, 8, 22, 23, 24, 25)),  # 4VNNIW 4FMAPS VP2INTERSECT AMX-BF16 FP16 AMX
    sum(1 << b for b in (0, 1, 2, 4, 5, 21, 23)),  # SHA512 SM3 SM4 AVX-VNNI BF16 AMX-FP16 AVX-IFMA
    sum(1 << b for b in (4, 5, 8, 10, 19)),  # VNNI-INT8 NE-CONVERT AMX-COMPLEX VNNI-INT16 AVX10
    (7 << 5) | (3 << 17),  # opmask, ZMM_Hi256, Hi16_ZMM; XTILECFG, XTILEDATA
)

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


@needs_mask
@needs_avx512
def test_the_host_itself_shows_avx512():
    seen = json.loads(run(PROBE, None).stdout)
    assert seen["main"]["avx512f"] and seen["thread"]["avx512f"] and seen["numpy"]["AVX512F"]
    assert not seen["class"].startswith("avx2")


@needs_mask
@needs_avx512
def test_a_masked_process_sees_avx2_in_every_thread_and_library(masked):
    done = run(PROBE, masked)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    for where in ("main", "thread"):
        assert seen[where] == {"avx2": True, "avx512f": False, "avx_vnni": False}, where
    assert seen["numpy"] == {"AVX2": True, "AVX512F": False}
    assert seen["class"] == "avx2+restricted"


@needs_mask
@pytest.mark.skipif("avx_vnni" not in CPUINFO, reason="no AVX-VNNI here to keep")
def test_the_avx2_vnni_mode_keeps_avx_vnni(tmp_path):
    done = run(PROBE, cpuid_mask.environ(mode="avx2-vnni", cache=tmp_path))
    seen = json.loads(done.stdout)
    assert seen["main"] == seen["thread"] == {"avx2": True, "avx512f": False, "avx_vnni": True}
    assert seen["class"] == "avx2-vnni+restricted"


@needs_mask
def test_other_segfaults_still_kill_and_reach_the_programs_handler(masked):
    crash = "import ctypes; ctypes.string_at(0)"
    plain = run(crash, masked)
    assert plain.returncode == -11  # the default action, not swallowed by the shim
    reported = run(crash, masked, "-X", "faulthandler")
    assert reported.returncode == -11
    assert "Segmentation fault" in reported.stderr  # faulthandler's handler was chained


@needs_mask
def test_the_shim_is_built_once_per_source_version(tmp_path):
    first = cpuid_mask.build(tmp_path)
    mtime = first.stat().st_mtime_ns
    assert cpuid_mask.build(tmp_path) == first and first.stat().st_mtime_ns == mtime
    env = cpuid_mask.environ({"LD_PRELOAD": "/other.so", "GLIBC_TUNABLES": "glibc.malloc.check=0"},
                             cache=tmp_path)
    assert env["LD_PRELOAD"] == f"{first.resolve()} /other.so" and env[cpuid_mask.MODE_ENV] == "avx2"
    assert env["GLIBC_TUNABLES"].startswith("glibc.malloc.check=0:glibc.cpu.hwcaps=-AVX512F,")
    assert "-AVX_VNNI" in env["GLIBC_TUNABLES"]
    assert "-AVX_VNNI" not in cpuid_mask.environ({}, mode="avx2-vnni", cache=tmp_path)["GLIBC_TUNABLES"]


LDSO = Path("/lib64/ld-linux-x86-64.so.2")


@needs_mask
@needs_avx512
@pytest.mark.skipif(not LDSO.exists(), reason="no x86-64 glibc loader at /lib64")
def test_glibc_itself_picks_no_avx512_library_subdirectory(masked):
    """The loader chooses glibc-hwcaps/x86-64-v4 (AVX-512) before the shim loads: the tunable
    the mask sets drops it."""

    def active(env: dict[str, str] | None) -> dict[str, bool]:
        done = subprocess.run([str(LDSO), "--list-diagnostics"], env=env, capture_output=True,
                              text=True)
        if done.returncode != 0:
            pytest.skip("this glibc has no --list-diagnostics")
        fields = dict(line.split("=", 1) for line in done.stdout.splitlines() if "=" in line)
        names = fields["dl_hwcaps_subdirs"].strip('"').split(":")
        bits = int(fields["dl_hwcaps_subdirs_active"], 16)
        return {name: bool(bits >> i & 1) for i, name in enumerate(names)}

    assert active(None)["x86-64-v4"]
    masked_view = active(masked)
    assert not masked_view["x86-64-v4"] and masked_view["x86-64-v3"]


@needs_mask
def test_an_unknown_mode_leaves_the_cpu_alone(masked):
    done = run("import os; print(os.environ.get('CIVICMOD_CPUID_MASK_ACTIVE'))",
               {**masked, cpuid_mask.MODE_ENV: "sse2"})
    assert done.stdout.strip() == "None" and "unknown CIVICMOD_CPUID_MASK=sse2" in done.stderr


def test_reasons_it_cannot_run(tmp_path):
    info = tmp_path / "cpuinfo"
    info.write_text("flags\t\t: fpu avx avx2 cpuid_fault\n")
    other = cpuid_mask.unavailable_reason(info)
    if other is not None:  # not Linux on x86-64, or no C compiler: that is the reason given
        assert "Linux on x86-64" in other or "C compiler" in other
        return
    info.write_text("flags\t\t: fpu avx avx2\n")
    assert "cpuid_fault" in (cpuid_mask.unavailable_reason(info) or "")
    assert "cannot read" in (cpuid_mask.unavailable_reason(tmp_path / "missing") or "")


@pytest.fixture(scope="module")
def cases(tmp_path_factory) -> Path:
    exe = tmp_path_factory.mktemp("cases") / "segv_cases"
    subprocess.run(["cc", "-O0", "-Wno-deprecated-declarations", "-o", str(exe), str(CASES),
                    "-lpthread"], check=True, capture_output=True)
    return exe


@needs_mask
def test_every_masked_feature_bit_is_clear_and_every_other_bit_kept(cases, masked):
    native = [int(x) for x in subprocess.run([cases, "leaves"], capture_output=True, text=True,
                                             check=True).stdout.split()]
    seen = [int(x) for x in subprocess.run([cases, "leaves"], env=masked, capture_output=True,
                                           text=True, check=True).stdout.split()]
    assert seen == [n & ~h for n, h in zip(native, HIDDEN, strict=True)]


@needs_mask
@pytest.mark.parametrize("case", ["siginfo", "plain", "onstack", "resethand", "raise",
                                  "ignored_kill", "blocked_thread", "cpuid_in_handler", "sigset"])
def test_segfault_handling_is_what_it_is_without_the_mask(cases, masked, case):
    """A handler with SA_SIGINFO, SA_ONSTACK (a stack overflow) or SA_RESETHAND, one set by
    signal or sigset, CPUID inside it, SIGSEGV sent by raise or kill under SIG_IGN, and CPUID
    in a thread that blocked every signal: the exit status is the unmasked one."""
    native = subprocess.run([cases, case], capture_output=True, timeout=30).returncode
    seen = subprocess.run([cases, case], env=masked, capture_output=True, timeout=30).returncode
    assert seen == native, (case, native, seen)
