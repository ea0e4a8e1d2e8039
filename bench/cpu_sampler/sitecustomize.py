"""A CPU-time sampling profiler for a process started with this folder on ``PYTHONPATH`` and
``CPU_SAMPLE_OUT`` set (``bench/gateway_load.py --cpu-profile`` does both for the gateway).

Samples come from ``ITIMER_PROF``, which counts the process's own CPU time (user + system),
so a process that is preempted or waiting takes no samples: on a shared 2-core box py-spy's
wall-clock samples charged the time a process spent preempted to whatever line it was on (a
system call that woke the broker, say), and misled. The kernel delivers the timer at its tick
(every 4 ms at HZ=250), so a run of a few seconds gives a few thousand samples.

Python runs the handler at its next check between bytecodes, so time in a C function (the
HTTP parser, orjson, pydantic-core) is charged to the Python frame that runs next: read the
report by module and layer, not by single line. The handler runs in the main thread and records
its stack: CPU that other threads use (the gateway's decode thread for large bodies) counts
towards the timer but is charged to whatever the main thread was doing.

At import it writes ``$CPU_SAMPLE_OUT.<pid>.ready``, so that whoever sends the signals can tell
the hook is in place (without it, ``SIGUSR1`` would end the process).

``SIGUSR1`` starts sampling (and clears what was sampled), ``SIGUSR2`` writes the samples to
``$CPU_SAMPLE_OUT.<pid>`` (also done at exit), one line per distinct stack:
``file:function;file:function;... count``, outermost first (folded stacks, as flame graph tools
read them). ``bench/cpu_report.py`` sums them by function and by layer.
"""

import atexit
import os
import signal

_OUT = os.environ.get("CPU_SAMPLE_OUT")
_INTERVAL_S = 0.001  # rounded up to the kernel's tick

if _OUT:
    _counts: dict[tuple[object, ...], int] = {}

    def _sample(_signum: int, frame: object) -> None:
        stack = []
        while frame is not None:
            stack.append(frame.f_code)  # type: ignore[attr-defined]
            frame = frame.f_back  # type: ignore[attr-defined]
        key = tuple(stack)
        _counts[key] = _counts.get(key, 0) + 1

    def _start(*_: object) -> None:
        _counts.clear()
        signal.signal(signal.SIGPROF, _sample)
        signal.setitimer(signal.ITIMER_PROF, _INTERVAL_S, _INTERVAL_S)

    def _dump(*_: object) -> None:
        signal.setitimer(signal.ITIMER_PROF, 0, 0)
        if not _counts:
            return
        path = f"{_OUT}.{os.getpid()}"
        with open(path + ".part", "w", encoding="utf-8") as out:
            for key, n in _counts.items():
                names = ";".join(f"{c.co_filename}:{c.co_name}" for c in reversed(key))  # type: ignore[attr-defined]
                out.write(f"{names} {n}\n")
        os.replace(path + ".part", path)  # whole, or not there yet

    signal.signal(signal.SIGUSR1, _start)
    signal.signal(signal.SIGUSR2, _dump)
    atexit.register(_dump)
    with open(f"{_OUT}.{os.getpid()}.ready", "w", encoding="utf-8"):
        pass
