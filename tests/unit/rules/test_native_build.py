"""The compiled rule engine (rules/native.py): when it loads, that it answers as the plain
modules do, and the source patterns mypyc would compile differently."""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from rules import native

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def stamp_at(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Point the loader at a build folder ``tmp_path`` holding (empty) files of the expected
    names, whose shared library "loads"; returns a writer for its stamp."""
    stamp = tmp_path / "SOURCES.json"
    monkeypatch.setattr(native, "STAMP", stamp)
    monkeypatch.setattr(native, "NATIVE_DIR", tmp_path)
    monkeypatch.setattr(native, "_load_shared", lambda: None)
    monkeypatch.delenv(native.PURE_ENV, raising=False)
    monkeypatch.setattr(native, "state", native.state)  # restored after the test
    for name in native._expected_files():
        (tmp_path / name).write_bytes(b"")

    def write(data) -> None:
        stamp.write_text(data if isinstance(data, str) else json.dumps(data))
    return write


def _fresh() -> dict:
    return {"ext_suffix": native._ext_suffix(), "files": dict.fromkeys(native._expected_files(), 0),
            "sources": native._digests()}


def test_a_build_of_these_sources_for_this_interpreter_is_used(stamp_at, tmp_path: Path) -> None:
    stamp_at(_fresh())
    path = ["/the/sources"]
    assert native.activate(path) == "native" and native.state == "native"
    assert path == [str(tmp_path), "/the/sources"]


@pytest.mark.parametrize("source", ["rules/context.py", "rules/prefilter.py", "civicmod/contract/records.py"])
def test_a_source_edited_after_the_build_makes_the_whole_build_unused(stamp_at, caplog, source: str) -> None:
    """Compiled or not: the compiled code checks the types that modules it imports declare."""
    data = _fresh()
    assert source in data["sources"]
    data["sources"][source] = "0" * 64
    stamp_at(data)
    path = ["/the/sources"]
    with caplog.at_level("WARNING", logger="civicmod.rules.native"):
        state = native.activate(path)
    assert state.startswith("pure: stale build") and source in state
    assert "rules/folding.py" not in state and path == ["/the/sources"]
    assert "compiled rule engine not used" in caplog.text


def test_a_build_that_does_not_load_runs_the_plain_modules(stamp_at, monkeypatch, caplog) -> None:
    stamp_at(_fresh())

    def broken() -> None:
        raise ImportError("file too short")

    monkeypatch.setattr(native, "_load_shared", broken)
    path = ["/the/sources"]
    with caplog.at_level("WARNING", logger="civicmod.rules.native"):
        state = native.activate(path)
    assert state == "pure: the build does not load: ImportError: file too short"
    assert path == ["/the/sources"] and "does not load" in caplog.text


@pytest.mark.parametrize("change", ["extra", "missing", "unlisted", "cut short"])
def test_a_build_folder_holding_other_files_than_built_is_not_used(stamp_at, tmp_path: Path,
                                                                    change: str) -> None:
    data = _fresh()
    if change == "extra":  # e.g. a module no longer compiled, whose binary would shadow its source
        (tmp_path / f"prefilter{native._ext_suffix()}").write_bytes(b"")
    elif change == "missing":
        (tmp_path / f"context{native._ext_suffix()}").unlink()
    elif change == "unlisted":
        del data["files"][f"linear{native._ext_suffix()}"]
    else:
        data["files"][f"linear{native._ext_suffix()}"] = 4096
    stamp_at(data)
    path: list[str] = []
    assert native.activate(path).startswith("pure: the build's files differ") and path == []


@pytest.mark.parametrize(("stamp", "why"), [
    (None, "pure: not built"),
    ("{not json", "pure: unreadable build stamp"),
    ("[1, 2]", "pure: unreadable build stamp"),
    ({"ext_suffix": ".cpython-399-x86_64-linux-gnu.so", "sources": {}},
     "pure: built for another interpreter"),
    ({"ext_suffix": "SUFFIX", "sources": {"rules/context.py": "x"}}, "pure: stale build"),
])
def test_no_build_a_broken_one_or_one_for_another_python_runs_the_plain_modules(
        stamp_at, stamp, why: str) -> None:
    if stamp is not None:
        if isinstance(stamp, dict) and stamp["ext_suffix"] == "SUFFIX":
            stamp["ext_suffix"] = native._ext_suffix()
        stamp_at(stamp)
    path: list[str] = []
    assert native.activate(path).startswith(why) and path == []


def test_the_environment_can_force_the_plain_modules(stamp_at, monkeypatch: pytest.MonkeyPatch) -> None:
    stamp_at(_fresh())
    monkeypatch.setenv(native.PURE_ENV, "1")
    path: list[str] = []
    assert native.activate(path) == f"pure: {native.PURE_ENV} is set" and path == []
    monkeypatch.setenv(native.PURE_ENV, "0")
    assert native.check() == "native"


def test_no_function_binds_one_name_in_two_except_clauses() -> None:
    """mypyc gives ``except A as e: ... except B as e:`` (anywhere in one function) one variable
    of type A: a B raised there becomes a TypeError (it turned a failing rule into a failed
    comment)."""
    bad = []
    for module in native.MODULES:
        path = native._source(module)
        for fn in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Module)):
                own = [h for h in _own_nodes(fn) if isinstance(h, ast.ExceptHandler) and h.name]
                names = [h.name for h in own]
                bad += [f"{path.name}:{fn.lineno if hasattr(fn, 'lineno') else 0} {n}"
                        for n in set(names) if names.count(n) > 1]
    assert bad == []


def test_no_compiled_dataclass_field_has_an_init_false_default() -> None:
    """A compiled dataclass leaves ``field(init=False, default=...)`` unset (an AttributeError on
    first read, as ``TermIndex._auto`` did for an index without terms): set it in
    ``__post_init__``."""
    bad = []
    for module in native.MODULES:
        path = native._source(module)
        for call in ast.walk(ast.parse(path.read_text(), str(path))):
            if (isinstance(call, ast.Call) and getattr(call.func, "id", None) == "field"
                    and any(k.arg == "init" and getattr(k.value, "value", True) is False
                            for k in call.keywords)
                    and any(k.arg in ("default", "default_factory") for k in call.keywords)):
                bad.append(f"{path.name}:{call.lineno}")
    assert bad == []


def test_an_index_without_terms_scans_to_nothing() -> None:
    from rules.wordlists import TermIndex

    index = TermIndex({})
    assert index.scan(("abc",)) == {} and len(index) == 0


def _own_nodes(scope: ast.AST):
    """The nodes of a function (or module) body, not those of the functions inside it."""
    todo = list(ast.iter_child_nodes(scope))
    while todo:
        node = todo.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            todo.extend(ast.iter_child_nodes(node))


_EVALUATE = """
import json, sys
from civicmod.contract.records import Comment
from civicmod.dev.demo import demo_messages
from rules import load_policy_set, native
from rules.compiler import EffectiveSettings

texts = json.loads(sys.stdin.read())
ps = load_policy_set(["builtin:default"], base_settings=EffectiveSettings(
    official_names=("City of Example Council",)))
comments = [Comment.model_validate_json(v) for _, v, want in demo_messages() if "deadletter" not in want]
comments += [comments[0].model_copy(update={"text": t, "id": f"x:h{i}"}) for i, t in enumerate(texts)]
out = []
for c in comments:
    ev = ps.policy_for(c.account_id).evaluate(c, {})
    out.append([[list(h) for h in ev], ev.errors, ev.notes])
print(json.dumps({"active": native.active(), "state": native.state, "hits": out}))
"""

#: Hostile and awkward texts beside the demo feed's comments.
_TEXTS = ["", " ", "k1ll y0urself", "f.u.c.k off", "Ｆｕｃｋ", "f\u200bu\u200bc\u200bk",
          "idiooooot", "call 07700 900123 or mail a.b@example.org", "GB82 WEST 1234 5698 7654 32",
          "\ud800 lone surrogate", "é" * 3000, "bit.ly/x http://example.com/?q=1", "?" * 50,
          "City 0f Examp1e Counci1 official", "n i g g e r", "💩" * 20, "a\u0301" * 100]


def _run(env_extra: dict[str, str]) -> dict:
    env = {k: v for k, v in os.environ.items() if k != native.PURE_ENV} | env_extra
    proc = subprocess.run([sys.executable, "-c", _EVALUATE], input=json.dumps(_TEXTS), env=env,
                          capture_output=True, text=True, cwd=ROOT, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


def test_compiled_and_plain_modules_give_the_same_hits() -> None:
    if native.check() != "native":
        pytest.skip(f"no usable compiled build here ({native.check()}); `make` builds one")
    compiled, plain = _run({}), _run({native.PURE_ENV: "1"})
    assert compiled["active"] and not plain["active"], (compiled["state"], plain["state"])
    assert len(compiled["hits"]) > 30 and any(h[0] for h in compiled["hits"])
    assert compiled["hits"] == plain["hits"]


def test_ci_runs_the_compiled_modules() -> None:
    """CI sets CIVICMOD_REQUIRE_NATIVE=1: the suite must have run the compiled engine."""
    if os.environ.get("CIVICMOD_REQUIRE_NATIVE") != "1":
        pytest.skip("CIVICMOD_REQUIRE_NATIVE is not set (CI sets it)")
    if os.environ.get(native.PURE_ENV, "") not in ("", "0"):
        pytest.skip(f"the plain-module pass ({native.PURE_ENV} is set)")
    import rules.context  # noqa: F401 (loaded by now in any case)

    assert native.active(), native.state


def _copy_tree(dest: Path, *names: str) -> Path:
    """The named parts of this checkout copied (with the build, without caches) under ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in names:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.new-*", "*.old-*"))
        else:
            shutil.copy2(src, dest / name)
    return dest


_PROBE = ("import rules, rules.context as c; from rules import native; "
          "print(native.state.replace(' ', '_'), native.active(), c.__file__)")


def _probe(pythonpath: Path, cwd: Path) -> list[str]:
    env = {k: v for k, v in os.environ.items() if k != native.PURE_ENV} | {"PYTHONPATH": str(pythonpath)}
    proc = subprocess.run([sys.executable, "-c", _PROBE], cwd=cwd, check=True, text=True,
                          capture_output=True, env=env, timeout=60)
    return proc.stdout.split()


def test_a_build_whose_binary_is_cut_short_falls_back_to_the_plain_modules(tmp_path: Path) -> None:
    """A truncated shared library beside a valid stamp: ``import rules`` still works, plain
    (loading it would raise, or kill the process with SIGBUS)."""
    if native.check() != "native":
        pytest.skip(f"no usable compiled build here ({native.check()}); `make` builds one")
    tree = _copy_tree(tmp_path, "rules", "civicmod")
    assert _probe(tree, tmp_path)[:2] == ["native", "True"]  # the copy loads as it is
    (lib,) = (tree / "rules" / "_native").glob("_native__mypyc*")
    lib.write_bytes(lib.read_bytes()[:4096])
    state, is_active, where = _probe(tree, tmp_path)
    assert state.startswith("pure:_the_build's_files_differ") and is_active == "False"
    assert where == str(tree / "rules" / "context.py")


def test_a_wheel_carries_the_build_and_loads_it(tmp_path: Path) -> None:
    """What the image installs (``pip install .`` after the build): the compiled modules inside
    the package, found fresh against the installed sources. Built from a copy, so that no
    leftover of an earlier ``build/`` can slip in."""
    if native.check() != "native":
        pytest.skip(f"no usable compiled build here ({native.check()}); `make` builds one")
    src = _copy_tree(tmp_path / "src", "pyproject.toml", "README.md", "civicmod", "streams", "rules",
                     "classifiers")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                    "-w", str(tmp_path / "dist"), str(src)], check=True, timeout=300,
                   capture_output=True)
    (wheel,) = (tmp_path / "dist").glob("civicmod-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        zf.extractall(tmp_path / "site")
    assert {f"rules/_native/{n}" for n in native._expected_files()} <= names
    assert "rules/_native/SOURCES.json" in names
    state, is_active, where = _probe(tmp_path / "site", tmp_path)
    assert (state, is_active) == ("native", "True")
    assert where.startswith(str(tmp_path / "site" / "rules" / "_native"))
