"""Resolving the broker's jars: once per version, even when several processes ask at once."""

from __future__ import annotations

import os
import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from civicmod.dev.localkafka import resolve_jars

#: A stand-in for Maven: slow enough for the callers to overlap; counts its runs.
FAKE_MVN = """#!/bin/sh
echo run >> "$COUNTS"
out=""
for a in "$@"; do case "$a" in -DoutputDirectory=*) out="${a#-DoutputDirectory=}";; esac; done
sleep 1
mkdir -p "$out" && touch "$out/kafka_2.13-9.9.9.jar" "$out/kafka-clients-9.9.9.jar"
"""


def test_concurrent_callers_download_once_and_all_get_the_jars(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    mvn = bin_dir / "mvn"
    mvn.write_text(FAKE_MVN)
    mvn.chmod(mvn.stat().st_mode | stat.S_IEXEC)
    counts = tmp_path / "counts"
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("COUNTS", str(counts))
    home = tmp_path / "home"

    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda _: resolve_jars(home, "9.9.9"), range(4)))

    assert counts.read_text().splitlines() == ["run"]
    libs = home / "kafka" / "9.9.9" / "libs"
    assert got == [libs] * 4
    assert (libs / "kafka_2.13-9.9.9.jar").is_file()
    assert resolve_jars(home, "9.9.9") == libs and counts.read_text().count("run") == 1
