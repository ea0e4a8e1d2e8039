"""The import layers hold (``lint-imports``, configured in pyproject.toml), and a deliberate
violation of each contract is caught: the check is not one that cannot fail."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
PACKAGES = ("civicmod", "streams", "rules", "classifiers")
LINT = Path(sys.executable).parent / "lint-imports"


def lint(root: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(root))  # the copy's packages come first
    return subprocess.run([str(LINT), "--config", str(root / "pyproject.toml"), "--no-cache"],
                          cwd=root, env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the project's packages (sources only) and its import-linter configuration."""
    for pkg in PACKAGES:
        shutil.copytree(REPO / pkg, tmp_path / pkg, ignore=shutil.ignore_patterns(
            "__pycache__", "*.pyc", "*.yaml", "*.txt"))
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def _add_import(path: Path, line: str) -> None:
    text = path.read_text()
    head, sep, rest = text.partition("from __future__ import annotations\n")
    path.write_text(head + sep + line + "\n" + rest if sep else line + "\n" + text)


def test_the_project_keeps_its_layers():
    out = lint(REPO)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "2 kept, 0 broken" in out.stdout


@pytest.mark.parametrize(("module", "bad", "contract"), [
    # the ground floor reaching up
    ("civicmod/contract/records.py", "import rules.base", "layers"),
    # a library reaching up to the verdict, and to Kafka
    ("rules/compiler.py", "import civicmod.verdict.judge", "layers"),
    ("classifiers/loader.py", "import streams.kafka.admin", "layers"),
    # the two libraries must stay independent
    ("rules/context.py", "import classifiers.base", "layers"),
    # one service importing another
    ("streams/moderate/stage.py", "import streams.gateway.ingest", "layers"),
    # Kafka plumbing importing a service
    ("streams/kafka/sink.py", "import streams.gateway.logs", "layers"),
    # a circle inside a package
    ("rules/base.py", "import rules.compiler", "no import circles"),
])
def test_a_deliberate_violation_fails(tree: Path, module: str, bad: str, contract: str):
    _add_import(tree / module, bad)
    out = lint(tree)
    assert out.returncode != 0, out.stdout
    broken = out.stdout.split("Broken contracts")[-1]
    assert contract in broken, out.stdout
