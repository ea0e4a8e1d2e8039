"""The compiled build of the rule engine's hot modules (mypyc), and the switch that loads it.

``python -m rules.native_build build`` compiles :data:`MODULES` with mypyc (a C compiler and the
``mypy`` package needed, both only to build) into ``rules/_native/``, with a stamp naming the
files built and the SHA-256 of every source whose types went into them (the ``rules`` package and
``civicmod/contract``). ``import rules`` then puts that folder first on the package's path, so
``rules.context`` and the others load as C extensions, only when:

- every one of those sources still has its hash (a source edited after the build makes the whole
  build unused, with a warning, never half of it: stale code never runs),
- it was built for this interpreter (the extension suffix), holds exactly the files built, and
  its shared library loads, and
- ``CIVICMOD_PURE_PYTHON`` is not set (``1`` forces the plain modules, e.g. to compare).

The compiled modules are the same source, so they answer the same; mypyc checks the type hints
at run time, so a value of the wrong type raises ``TypeError`` (the engine turns an exception in
a rule into ``system.rule_error``: the comment is escalated, never published). Without a usable
build everything runs as plain Python, only slower (docs/rules.md, "Compiled build").
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib
import json
import logging
import os
import shutil
import sys
import sysconfig
import tempfile
from collections.abc import Iterator
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
_SHARED = _GROUP + "__mypyc"

#: What :func:`activate` found: ``"native"``, or why the plain modules run.
state = "pure: not activated"


def _source(module: str) -> Path:
    return SOURCE_DIR.parent.joinpath(*module.split(".")).with_suffix(".py")


def _type_sources() -> list[Path]:
    """The sources mypy read the types of: the compiled modules, the rest of ``rules`` and the
    record contract (a changed annotation there changes what the compiled code checks)."""
    root = SOURCE_DIR.parent
    return sorted({*SOURCE_DIR.glob("*.py"), *(root / "civicmod" / "contract").glob("*.py"),
                   *(_source(m) for m in MODULES)})


def _digests() -> dict[str, str]:
    root = SOURCE_DIR.parent
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in _type_sources()}


def _ext_suffix() -> str:
    return str(sysconfig.get_config_var("EXT_SUFFIX"))


def _expected_files() -> set[str]:
    return {m.rsplit(".", 1)[1] + _ext_suffix() for m in (*MODULES, _SHARED)}


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
        return f"pure: built for another interpreter ({stamp.get('ext_suffix')}, this one {_ext_suffix()})"
    try:
        now = _digests()
        present = {p.name: p.stat().st_size for p in NATIVE_DIR.iterdir() if p.name.endswith(_ext_suffix())}
    except OSError as exc:
        return f"pure: cannot read the sources or the build: {exc}"
    built = stamp.get("sources")
    if built != now:
        changed = _differing(now, built)
        return ("pure: stale build, changed since: " + ", ".join(changed[:8] or ["?"])
                + (f" and {len(changed) - 8} more" if len(changed) > 8 else "")
                + " (python -m rules.native_build build)")
    files = stamp.get("files")
    if not isinstance(files, dict) or set(files) != _expected_files() or present != files:
        # a missing, extra (it would shadow a plain module) or cut-short binary (loading one
        # can kill the process with SIGBUS, so sizes are checked before anything is loaded)
        differ = _differing(present, files)
        return (f"pure: the build's files differ from those built: {', '.join(differ) or '?'} "
                "(python -m rules.native_build build)")
    return "native"


def _differing(now: dict[str, object], recorded: object) -> list[str]:
    """The names whose value differs between ``now`` and the stamp's ``recorded`` mapping."""
    rec = recorded if isinstance(recorded, dict) else {}
    return sorted(n for n in {*now, *rec} if not isinstance(recorded, dict) or rec.get(n) != now.get(n))


def activate(package_path: list[str]) -> str:
    """Put the build first on ``rules.__path__`` when :func:`check` allows and its shared
    library loads (called by ``rules/__init__.py`` before any other submodule is imported);
    returns and keeps the state."""
    global state
    state = check()
    if state == "native":
        package_path.insert(0, str(NATIVE_DIR))
        try:
            _load_shared()
        except (ImportError, OSError) as exc:  # a truncated or foreign binary: the plain modules
            package_path.remove(str(NATIVE_DIR))
            sys.modules.pop(_SHARED, None)
            state = f"pure: the build does not load: {type(exc).__name__}: {exc}"
    if state != "native" and not state.startswith(("pure: not built", f"pure: {PURE_ENV}")):
        log.warning("compiled rule engine not used: %s", state)
    return state


def _load_shared() -> None:
    importlib.import_module(_SHARED)


def active() -> bool:
    """Whether the compiled modules are the ones loaded (not just available)."""
    mod = sys.modules.get("rules.context")
    return state == "native" and mod is not None and str(getattr(mod, "__file__", "")).startswith(
        str(NATIVE_DIR))


def report() -> str:
    """For ``/health``: ``"native"`` when the compiled modules run, else why the plain ones do."""
    return "native" if active() else ("pure: compiled modules not loaded" if state == "native" else state)


@contextlib.contextmanager
def _build_lock() -> Iterator[None]:
    """One build at a time for this checkout (a second waits, then finds the first's result)."""
    key = hashlib.sha256(str(SOURCE_DIR).encode()).hexdigest()[:16]
    with open(Path(tempfile.gettempdir(), f"civicmod-native-{key}.lock"), "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def build(*, quiet: bool = False) -> None:
    """Compile :data:`MODULES` into :data:`NATIVE_DIR`: built and stamped in a folder beside it,
    then swapped in by renames, so a reader finds the old build, none, or the new one whole."""
    from mypyc.build import mypycify  # build-time only: mypy and a C compiler
    from setuptools import Distribution

    root = SOURCE_DIR.parent
    with _build_lock(), tempfile.TemporaryDirectory(prefix="civicmod-native-") as tmp:
        sources = _digests()  # read before compiling: the stamp names what was compiled
        cwd = os.getcwd()
        os.chdir(root)  # mypy names the modules by their paths from here
        try:
            exts = mypycify(
                ["--ignore-missing-imports", "--follow-imports=silent",
                 "--cache-dir", str(Path(tmp, "mypy-cache")),
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
        if {p.name for p in built} != _expected_files():
            raise RuntimeError(f"mypyc built {[p.name for p in built]}, expected {sorted(_expected_files())}")
        new = NATIVE_DIR.with_name(f"{NATIVE_DIR.name}.new-{os.getpid()}")
        old = NATIVE_DIR.with_name(f"{NATIVE_DIR.name}.old-{os.getpid()}")
        shutil.rmtree(new, ignore_errors=True)
        new.mkdir()
        for p in built:
            shutil.copy2(p, new / p.name)
        files = {p.name: p.stat().st_size for p in sorted(new.iterdir())}
        (new / STAMP.name).write_text(json.dumps(
            {"ext_suffix": _ext_suffix(), "files": files, "sources": sources}, indent=1) + "\n",
            encoding="utf-8")
        if NATIVE_DIR.exists():
            NATIVE_DIR.rename(old)
        new.rename(NATIVE_DIR)
        shutil.rmtree(old, ignore_errors=True)
