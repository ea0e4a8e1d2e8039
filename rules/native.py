"""The compiled build of the rule engine's hot modules (mypyc), and the switch that loads it.

``python -m rules.native_build build`` compiles :data:`MODULES` with mypyc (a C compiler and the
``mypy`` package needed, both only to build) into ``rules/_native/``, with a stamp naming the
SHA-256 of each source it was built from. ``import rules`` then puts that folder first on the
package's path, so ``rules.context`` and the others load as C extensions, only when:

- the stamp's sources equal the ``.py`` files beside it (a source edited after the build makes
  the whole build unused, with a warning, never half of it: stale code never runs),
- it was built for this interpreter (the extension suffix), and
- ``CIVICMOD_PURE_PYTHON`` is not set (``1`` forces the plain modules, e.g. to compare).

The compiled modules are the same source, so they answer the same; mypyc checks the type hints
at run time, so a value of the wrong type raises ``TypeError`` (the engine turns an exception in
a rule into ``system.rule_error``: the comment is escalated, never published). Without a build,
or with a stale one, everything runs as plain Python, only slower (docs/rules.md, "Compiled
build").
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import sys
import sysconfig
import tempfile
from pathlib import Path

log = logging.getLogger("civicmod.rules.native")

#: The modules compiled: the per-comment path (folding, the context, the word-list scan, the
#: detectors, linear-time regexes, conditions, the evaluation loop, the stream's signal logs and
#: the hide guardrail). The others (loading policy files, prefilter analysis) run as plain Python.
MODULES = ("rules.base", "rules.compiler", "rules.conditions", "rules.context", "rules.detectors",
           "rules.folding", "rules.guardrail", "rules.linear", "rules.signals", "rules.wordlists")
#: The package's own folder: its sources and data files (a compiled module's ``__file__`` is in
#: :data:`NATIVE_DIR`, so modules find their data from here).
SOURCE_DIR = Path(__file__).resolve().parent
#: Where the build goes (inside the package, so that a wheel can carry it); git ignores it.
NATIVE_DIR = SOURCE_DIR / "_native"
STAMP = NATIVE_DIR / "SOURCES.json"
PURE_ENV = "CIVICMOD_PURE_PYTHON"
_GROUP = "rules._native"

#: What :func:`activate` found: ``"native"``, or why the plain modules run.
state = "pure: not activated"


def _source(module: str) -> Path:
    return SOURCE_DIR.parent.joinpath(*module.split(".")).with_suffix(".py")


def _digests() -> dict[str, str]:
    return {m: hashlib.sha256(_source(m).read_bytes()).hexdigest() for m in MODULES}


def _ext_suffix() -> str:
    return str(sysconfig.get_config_var("EXT_SUFFIX"))


def check() -> str:
    """``"native"`` if the build in :data:`NATIVE_DIR` can be used here, else why not."""
    if os.environ.get(PURE_ENV, "").strip() not in ("", "0"):
        return f"pure: {PURE_ENV} is set"
    try:
        stamp = json.loads(STAMP.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return "pure: not built (python -m rules.native_build build)"
    except (OSError, ValueError) as exc:
        return f"pure: unreadable build stamp {STAMP}: {exc}"
    if not isinstance(stamp, dict):
        return f"pure: unreadable build stamp {STAMP}: not an object"
    if stamp.get("ext_suffix") != _ext_suffix():
        return f"pure: built for another interpreter ({stamp.get('ext_suffix')})"
    built = stamp.get("sources")
    now = _digests()
    if built != now:
        changed = sorted(m for m in now if not isinstance(built, dict) or built.get(m) != now[m])
        return ("pure: stale build, changed since: " + ", ".join(changed or ["the module list"])
                + " (python -m rules.native_build build)")
    return "native"


def activate(package_path: list[str]) -> str:
    """Put the build first on ``rules.__path__`` when :func:`check` allows (called by
    ``rules/__init__.py`` before any submodule is imported); returns and keeps the state."""
    global state
    state = check()
    if state == "native":
        package_path.insert(0, str(NATIVE_DIR))
    elif state.startswith("pure: stale") or state.startswith("pure: unreadable"):
        log.warning("compiled rule engine not used: %s", state)
    return state


def active() -> bool:
    """Whether the compiled modules are the ones loaded (not just available)."""
    mod = sys.modules.get("rules.context")
    return state == "native" and mod is not None and str(getattr(mod, "__file__", "")).startswith(
        str(NATIVE_DIR))


def build(*, quiet: bool = False) -> None:
    """Compile :data:`MODULES` into :data:`NATIVE_DIR` (replacing what was there)."""
    from mypyc.build import mypycify  # build-time only: mypy and a C compiler
    from setuptools import Distribution

    root = SOURCE_DIR.parent
    sources = _digests()  # read before compiling: the stamp names what was compiled
    with tempfile.TemporaryDirectory(prefix="civicmod-native-") as tmp:
        cwd = os.getcwd()
        os.chdir(root)  # mypy names the modules by their paths from here
        try:
            exts = mypycify(
                ["--ignore-missing-imports", "--follow-imports=silent",
                 *(str(_source(m).relative_to(root)) for m in MODULES)],
                opt_level="3", group_name=_GROUP, target_dir=str(Path(tmp, "c")))
            dist = Distribution({"name": "civicmod-rules-native", "ext_modules": exts})
            cmd = dist.get_command_obj("build_ext")
            cmd.build_lib = str(Path(tmp, "lib"))  # type: ignore[attr-defined]
            cmd.build_temp = str(Path(tmp, "obj"))  # type: ignore[attr-defined]
            cmd.parallel = os.cpu_count() or 1  # type: ignore[attr-defined]
            dist.verbose = not quiet  # type: ignore[attr-defined]
            dist.run_command("build_ext")
        finally:
            os.chdir(cwd)
        built = sorted(Path(tmp, "lib", "rules").glob("*" + _ext_suffix()))
        if len(built) != len(MODULES) + 1:  # the modules and their shared library
            raise RuntimeError(f"mypyc built {[p.name for p in built]}, expected {len(MODULES) + 1} files")
        shutil.rmtree(NATIVE_DIR, ignore_errors=True)
        NATIVE_DIR.mkdir()
        for p in built:
            shutil.copy2(p, NATIVE_DIR / p.name)
    STAMP.write_text(json.dumps({"ext_suffix": _ext_suffix(), "sources": sources}, indent=1) + "\n",
                     encoding="utf-8")
