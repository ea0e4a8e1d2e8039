"""Sum folded CPU samples (``bench/cpu_sampler``) by layer, by function and by caller chain.

    .venv/bin/python bench/cpu_report.py SAMPLES [--top 30] [--callers FUNCTION]

A sample's *self* place is its innermost Python frame (C time is charged to the Python frame
that runs next: see bench/cpu_sampler/sitecustomize.py); *inclusive* counts every frame on the
stack once. Layers: a library by its package (``aiohttp``, ``aiokafka``...), the standard
library by its package or module (``asyncio``, ``logging``, ``_weakrefset``...), this project by
its folder (``streams/gateway``, ``civicmod/contract``...).
"""

from __future__ import annotations

import argparse
import collections
import re
import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parent.parent) + "/"
_SITE = re.compile(r"/(?:site|dist)-packages/([^/]+)")
_STDLIB = re.compile(r"/lib/python3\.\d+/([^/]+)")


def layer(frame: str) -> str:
    """The layer a ``file:function`` frame belongs to."""
    path = frame.rsplit(":", 1)[0]
    if m := _SITE.search(path):
        return m.group(1).removesuffix(".py")
    if path.startswith(ROOT):
        parts = path[len(ROOT):].split("/")
        return "/".join(parts[:2]) if len(parts) > 2 else parts[0]
    if m := _STDLIB.search(path):
        return m.group(1).removesuffix(".py")
    return path  # <frozen ...>, <string> (dataclass and namedtuple methods)


def short(frame: str) -> str:
    """``file:function`` with the file relative to this project, site-packages or the stdlib."""
    path, _, func = frame.rpartition(":")
    path = path.removeprefix(ROOT)
    if (m := _SITE.search(path)) or (m := _STDLIB.search(path)):
        path = path[m.start(1):]
    return f"{path}:{func}"


def read(path: Path) -> list[tuple[list[str], int]]:
    stacks = []
    for line in path.read_text(encoding="utf-8").splitlines():
        stack, _, n = line.rpartition(" ")
        stacks.append((stack.split(";"), int(n)))
    return stacks


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("samples", type=Path)
    ap.add_argument("--top", type=int, default=30)
    ap.add_argument("--callers", help="show the caller chains of this function (file:function "
                                      "as printed, or a suffix of it)")
    args = ap.parse_args()
    stacks = read(args.samples)
    total = sum(n for _, n in stacks)
    if not total:
        print("no samples", file=sys.stderr)
        return 1
    by_layer: collections.Counter[str] = collections.Counter()
    by_self: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    callers: collections.Counter[str] = collections.Counter()
    for frames, n in stacks:
        by_layer[layer(frames[-1])] += n
        by_self[short(frames[-1])] += n
        names = [short(f) for f in frames]
        for name in set(names):
            inclusive[name] += n
        if args.callers:
            for i in range(len(names) - 1, -1, -1):
                if names[i].endswith(args.callers):
                    callers[" < ".join(reversed(names[max(0, i - 4):i + 1]))] += n
                    break

    def table(title: str, counts: collections.Counter[str], top: int) -> None:
        print(f"\n| {title} | share of CPU samples |\n|---|---:|")
        for name, n in counts.most_common(top):
            print(f"| `{name}` | {100 * n / total:.1f}% |")

    print(f"{total:,} samples")
    table("layer (innermost frame)", by_layer, args.top)
    table("function (self)", by_self, args.top)
    # frames on every stack (the process's entry point down to the event loop) say nothing
    table("function (inclusive)", collections.Counter(
        {k: v for k, v in inclusive.items() if v < total}), args.top)
    if args.callers:
        table(f"callers of {args.callers}", callers, args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
