"""The lock file pins every dependency, and this environment runs what it pins.

``make test`` installs from ``requirements.lock`` (``--require-hashes``); these tests fail if a
dependency of pyproject.toml is missing from the lock, a pin is loose, or the environment the
suite runs in holds another version than the lock names (the tests then prove nothing about
the versions a user or the Dockerfile installs).
"""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import Requirement

REPO = Path(__file__).resolve().parents[3]
LOCK = REPO / "requirements.lock"
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins() -> dict[str, tuple[str, str | None]]:
    """name → (version, marker) for every entry of the lock."""
    pins: dict[str, tuple[str, str | None]] = {}
    for line in LOCK.read_text().splitlines():
        m = re.match(r"^([A-Za-z0-9_.-]+)==([^\s;\\]+)(?:\s*;\s*([^\\]+))?", line)
        if m:
            pins[_norm(m.group(1))] = (m.group(2), m.group(3).strip() if m.group(3) else None)
    return pins


def test_every_dependency_is_pinned_with_hashes():
    pins = _pins()
    project = PYPROJECT["project"]
    wanted = list(project["dependencies"]) + [
        r for extra in project["optional-dependencies"].values() for r in extra]
    for spec in wanted:
        req = Requirement(spec)
        if req.name == "civicmod":
            continue
        assert _norm(req.name) in pins, f"{req.name} is not in requirements.lock: run `make lock`"
        version = pins[_norm(req.name)][0]
        assert req.specifier.contains(version, prereleases=True), (req, version)
    entries = [ln for ln in LOCK.read_text().splitlines() if re.match(r"^[A-Za-z0-9_.-]+==", ln)]
    assert len({_norm(e.split("==")[0]) for e in entries}) == len(pins)
    assert LOCK.read_text().count("--hash=sha256:") >= len(entries)  # every entry has hashes


def test_the_environment_runs_the_locked_versions():
    wrong = []
    for name, (version, marker) in _pins().items():
        if marker and not Marker(marker).evaluate():
            continue
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            wrong.append(f"{name}: not installed (lock: {version})")
            continue
        if installed != version:
            wrong.append(f"{name}: {installed} installed, lock: {version}")
    assert not wrong, "install with `make test` (from requirements.lock): " + "; ".join(wrong)
