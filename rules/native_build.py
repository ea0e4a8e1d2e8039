"""``python -m rules.native_build [status|build|build-if-stale|clean] [--quiet]``: the compiled
rule engine (rules/native.py) built, checked or removed.

``build-if-stale`` (what ``make`` runs) builds only when the sources changed since the last
build; where it cannot (no C compiler, no ``mypy``) it says why and the plain modules run, unless
``CIVICMOD_REQUIRE_NATIVE=1`` (CI) makes that an error. ``--quiet`` prints the compiler's output
only when the build fails.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from rules.native import NATIVE_DIR, PURE_ENV, build, check

REQUIRE_ENV = "CIVICMOD_REQUIRE_NATIVE"


def _build(quiet: bool) -> str | None:
    """Build; None on success, else the reason (the compiler's last lines)."""
    if not quiet:
        try:
            build()
        except Exception as exc:  # reported; the plain modules still run
            return f"{type(exc).__name__}: {exc}"
        return None
    proc = subprocess.run([sys.executable, "-c", "from rules.native import build; build()"],
                          capture_output=True, text=True, check=False, env={**os.environ, PURE_ENV: "1"})
    if proc.returncode:  # the traceback's last line names what failed
        lines = (proc.stdout + proc.stderr).strip().splitlines()
        return lines[-1][-2000:] if lines else f"exit status {proc.returncode}"
    return None


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    what = next((a for a in args if not a.startswith("-")), "status")
    if what == "status":
        print(check())
        return 0
    if what == "clean":
        shutil.rmtree(NATIVE_DIR, ignore_errors=True)
        print(f"removed {NATIVE_DIR}")
        return 0
    if what not in ("build", "build-if-stale"):
        print(f"unknown command {what!r}: status, build, build-if-stale or clean", file=sys.stderr)
        return 2
    os.environ.pop(PURE_ENV, None)  # whether the build is usable, not whether it is wanted now
    if what == "build-if-stale" and check() == "native":
        print("compiled rule engine: up to date")
        return 0
    failed = _build("--quiet" in args)
    if failed is None and check() == "native":
        print(f"compiled rule engine: built in {NATIVE_DIR}")
        return 0
    why = failed or check()
    print(f"compiled rule engine not built ({why}); the plain Python modules run, slower "
          "(docs/rules.md, \"Compiled build\")", file=sys.stderr)
    return 1 if what == "build" or os.environ.get(REQUIRE_ENV) == "1" else 0


if __name__ == "__main__":
    sys.exit(main())
