"""``python -m rules.native_build [status|build|build-if-stale|clean] [--quiet]``: the compiled
rule engine (rules/native.py) built, checked or removed.

``build-if-stale`` (what ``make`` runs) builds only when the sources changed since the last
build; where it cannot (no C compiler, no ``mypy``) it says why and the plain modules run, unless
``CIVICMOD_REQUIRE_NATIVE=1`` (CI) makes that an error. ``--quiet`` prints the compiler's output
only when the build fails.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys

from rules.native import NATIVE_DIR, PURE_ENV, check

REQUIRE_ENV = "CIVICMOD_REQUIRE_NATIVE"


def _build(quiet: bool) -> str | None:
    """Build in a child process (``--quiet``: its output kept unless it fails); None on
    success, else the reason (the traceback's last line)."""
    proc = subprocess.run([sys.executable, "-c", "from rules.native import build; build()"],
                          capture_output=quiet, text=True, check=False, env={**os.environ, PURE_ENV: "1"})
    if proc.returncode == 0:
        return None
    lines = ((proc.stdout or "") + (proc.stderr or "")).strip().splitlines()
    return lines[-1][-2000:] if lines else f"the build exited with status {proc.returncode}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m rules.native_build", description=__doc__.split("\n")[0])
    ap.add_argument("command", nargs="?", default="status",
                    choices=("status", "build", "build-if-stale", "clean"))
    ap.add_argument("--quiet", action="store_true", help="the compiler's output only if it fails")
    args = ap.parse_args(argv)
    if args.command == "status":
        print(check())
        return 0
    if args.command == "clean":
        shutil.rmtree(NATIVE_DIR, ignore_errors=True)
        print(f"removed {NATIVE_DIR}")
        return 0
    os.environ.pop(PURE_ENV, None)  # whether the build is usable, not whether it is wanted now
    if args.command == "build-if-stale" and check() == "native":
        print("compiled rule engine: up to date")
        return 0
    failed = _build(args.quiet)
    if failed is None and check() == "native":
        print(f"compiled rule engine: built in {NATIVE_DIR}")
        return 0
    print(f"compiled rule engine not built ({failed or check()}); the plain Python modules run, "
          "slower (docs/rules.md, \"Compiled build\")", file=sys.stderr)
    return 1 if args.command == "build" or os.environ.get(REQUIRE_ENV) == "1" else 0


if __name__ == "__main__":
    sys.exit(main())
