"""Prometheus' promtool for the tests: ``check metrics`` on a service's real exposition and
``test rules`` on the alert rules. Tests skip when promtool is missing, unless
CIVICMOD_REQUIRE_PROMTOOL=1 (CI installs Debian's ``prometheus`` package), which makes it a failure."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry, generate_latest

REPO = Path(__file__).resolve().parent.parent


def promtool() -> str:
    """The promtool binary (``$PROMTOOL``, PATH, /usr/bin/promtool), or skip / fail."""
    for candidate in (os.environ.get("PROMTOOL"), shutil.which("promtool"), "/usr/bin/promtool"):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    why = "promtool not found (Debian: apt-get install prometheus; or set PROMTOOL)"
    if os.environ.get("CIVICMOD_REQUIRE_PROMTOOL") == "1":
        pytest.fail(f"{why}, and CIVICMOD_REQUIRE_PROMTOOL=1")
    pytest.skip(why)


def check_metrics(exposition: bytes) -> None:
    """``promtool check metrics`` must accept the text (its lint: names, units, _total, help)."""
    done = subprocess.run([promtool(), "check", "metrics"], input=exposition, capture_output=True,
                          timeout=60)
    problems = (done.stdout + done.stderr).decode("utf-8", "replace").strip()
    assert done.returncode == 0 and not problems, f"promtool check metrics:\n{problems}"


def run_rule_tests(*files: Path) -> str:
    """``promtool test rules`` on the files; returns its output (asserted to pass)."""
    done = subprocess.run([promtool(), "test", "rules", *map(str, files)], capture_output=True,
                          cwd=files[0].parent, timeout=120)
    out = (done.stdout + done.stderr).decode("utf-8", "replace")
    assert done.returncode == 0, f"promtool test rules:\n{out}"
    return out


def check_config(path: Path) -> str:
    """``promtool check config`` (the scrape config and the rule files it names)."""
    done = subprocess.run([promtool(), "check", "config", "--syntax-only", str(path)],
                          capture_output=True, cwd=path.parent, timeout=60)
    out = (done.stdout + done.stderr).decode("utf-8", "replace")
    assert done.returncode == 0, f"promtool check config:\n{out}"
    return out


def exported_names(registry: CollectorRegistry) -> set[str]:
    """Every series name the registry can expose (counters with ``_total``, histograms with
    ``_bucket``/``_sum``/``_count``, infos with ``_info``), whether or not a label set was
    used yet: what a dashboard or an alert may query."""
    names: set[str] = set()
    for family in registry.collect():
        names |= series_names(family.name, family.type)
    return names


def series_names(name: str, kind: str) -> set[str]:
    if kind == "counter":
        return {f"{name}_total"}
    if kind == "histogram":
        return {f"{name}_bucket", f"{name}_sum", f"{name}_count"}
    if kind == "summary":
        return {name, f"{name}_sum", f"{name}_count"}
    if kind == "info":
        return {f"{name}_info"}
    return {name}


def sample_names(exposition: bytes) -> set[str]:
    """The series names in an exposition text."""
    from prometheus_client.parser import text_string_to_metric_families

    return {s.name for fam in text_string_to_metric_families(exposition.decode())
            for s in fam.samples}


def exposition(registry: CollectorRegistry) -> bytes:
    return generate_latest(registry)


def labels_of(exposition_text: bytes, name: str) -> Iterable[dict[str, str]]:
    from prometheus_client.parser import text_string_to_metric_families

    for fam in text_string_to_metric_families(exposition_text.decode()):
        for s in fam.samples:
            if s.name == name:
                yield dict(s.labels)
