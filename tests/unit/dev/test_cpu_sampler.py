"""bench/cpu_sampler: CPU-time samples of a process, and bench/cpu_report.py's sums of them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
SAMPLER = REPO / "bench" / "cpu_sampler"

#: Sleeps first (no CPU: no samples), then burns CPU in ``spin`` until told to write.
CHILD = """
import sys, time
def spin():
    x = 0
    while True:
        x += 1
print("ready", flush=True)
time.sleep(0.5)
spin()
"""


@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="ITIMER_PROF is POSIX-only")
def test_samples_follow_cpu_time_and_the_report_sums_them(tmp_path: Path) -> None:
    out = tmp_path / "samples"
    env = dict(os.environ, PYTHONPATH=str(SAMPLER), CPU_SAMPLE_OUT=str(out))
    child = subprocess.Popen([sys.executable, "-c", CHILD], env=env, stdout=subprocess.PIPE)
    try:
        assert child.stdout is not None and child.stdout.readline() == b"ready\n"
        assert (tmp_path / f"samples.{child.pid}.ready").exists()  # the hook says it is loaded
        child.send_signal(signal.SIGUSR1)  # start: during the sleep, then the spin
        time.sleep(1.5)
        child.send_signal(signal.SIGUSR2)  # write
        deadline = time.monotonic() + 10
        path = tmp_path / f"samples.{child.pid}"
        while not path.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        child.kill()
        child.wait()
    lines = path.read_text().splitlines()
    counts = {stack: int(n) for stack, n in (line.rsplit(" ", 1) for line in lines)}
    total = sum(counts.values())
    assert total >= 20  # ~1 s of CPU at the kernel's tick (100-1000 Hz)
    spin = sum(n for stack, n in counts.items() if stack.endswith("<string>:spin"))
    assert spin / total > 0.9  # the sleep took no samples
    assert all(stack.startswith("<string>:<module>;") for stack in counts)  # outermost first

    report = subprocess.run([sys.executable, str(REPO / "bench" / "cpu_report.py"), str(path),
                             "--callers", ":spin"], capture_output=True, text=True, check=True)
    rows = report.stdout.splitlines()
    assert f"{total:,} samples" == rows[0]
    layer_rows = rows[rows.index("| layer (innermost frame) | share of CPU samples |") + 2:]
    assert layer_rows[0].startswith("| `<string>` | ") and float(
        layer_rows[0].split("|")[2].strip().rstrip("%")) > 90
    assert "| `<string>:spin < <string>:<module>` |" in report.stdout
