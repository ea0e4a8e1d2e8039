"""Run a process as if on an AVX2-class CPU: the ``cpuid_mask.c`` shim, built and preloaded.

Benchmarks use it to measure the AVX2 machine class on a newer CPU: every library then picks
the kernels it would pick there (ONNX Runtime's MLAS, oneDNN, FBGEMM, ATen, numpy), not only
those with a restricting environment variable. It needs Linux on x86-64, a C compiler and CPUID
faulting (the ``cpuid_fault`` flag in /proc/cpuinfo, present on most Intel CPUs and under KVM).
The shim is built once per source version into civicmod's cache directory.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import platform
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path

from civicmod.contract.settings import home_dir

SOURCE = Path(__file__).with_name("cpuid_mask.c")
#: The environment variable the shim reads.
MODE_ENV = "CIVICMOD_CPUID_MASK"


class MaskUnavailable(RuntimeError):
    """The shim cannot run here; the message says why."""


def unavailable_reason(cpuinfo: Path = Path("/proc/cpuinfo")) -> str | None:
    """Why the shim cannot run on this machine, or None when it can."""
    if platform.system() != "Linux" or platform.machine() not in {"x86_64", "AMD64"}:
        return f"needs Linux on x86-64, this is {platform.system()} on {platform.machine()}"
    if not (shutil.which("cc") or shutil.which("gcc")):
        return "no C compiler (cc or gcc) on PATH"
    try:
        flags = next((line.split(":", 1)[1].split() for line in cpuinfo.read_text().splitlines()
                      if line.startswith("flags")), [])
    except OSError as exc:
        return f"cannot read {cpuinfo}: {exc}"
    if "cpuid_fault" not in flags:
        return "the CPU (or hypervisor) has no CPUID faulting ('cpuid_fault' flag)"
    return None


def build(cache: Path | None = None) -> Path:
    """The shim's shared object, compiled if this source version is not built yet."""
    reason = unavailable_reason()
    if reason:
        raise MaskUnavailable(reason)
    source = SOURCE.read_bytes()
    digest = hashlib.sha256(source).hexdigest()[:16]
    out_dir = cache or home_dir() / "cpuid_mask"
    target = out_dir / f"cpuid_mask-{digest}.so"
    if target.is_file():
        return target
    out_dir.mkdir(parents=True, exist_ok=True)
    cc = shutil.which("cc") or shutil.which("gcc")
    fd, tmp = tempfile.mkstemp(suffix=".so", dir=out_dir)
    os.close(fd)
    try:
        done = subprocess.run([str(cc), "-O2", "-shared", "-fPIC", "-o", tmp, str(SOURCE), "-ldl"],
                              capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise MaskUnavailable(f"compiling {SOURCE.name} failed: {done.stderr.strip()[-500:]}")
        os.replace(tmp, target)  # atomic: processes building at once all get a whole file
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    return target


#: glibc picks its own string functions and library subdirectories (glibc-hwcaps/x86-64-v4)
#: in the dynamic loader, before the shim loads: its tunable hides the same features there.
GLIBC_HIDDEN = ("AVX512F", "AVX512CD", "AVX512BW", "AVX512DQ", "AVX512ER", "AVX512PF", "AVX512VL")


def environ(base: Mapping[str, str] | None = None, mode: str = "avx2",
            cache: Path | None = None) -> dict[str, str]:
    """``base`` (default: this process's environment) with the shim preloaded in ``mode``."""
    env = dict(os.environ if base is None else base)
    shim = str(build(cache).resolve())
    if any(c in shim for c in " :\t\n"):  # LD_PRELOAD splits on these
        raise MaskUnavailable(f"the shim's path {shim!r} cannot go in LD_PRELOAD "
                              "(set CIVICMOD_HOME to a path without spaces or colons)")
    env["LD_PRELOAD"] = " ".join(p for p in (shim, env.get("LD_PRELOAD", "")) if p)
    env[MODE_ENV] = mode
    hidden = [*GLIBC_HIDDEN, *(() if mode == "avx2-vnni" else ("AVX_VNNI",))]
    tunable = "glibc.cpu.hwcaps=" + ",".join(f"-{name}" for name in hidden)
    env["GLIBC_TUNABLES"] = ":".join(t for t in (env.get("GLIBC_TUNABLES", ""), tunable) if t)
    return env

