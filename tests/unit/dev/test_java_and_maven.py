"""The embedded broker needs Java 17+ and Maven: a missing or old one is a clear error."""

from __future__ import annotations

from pathlib import Path

import pytest

from civicmod.dev.localkafka import BrokerError, check_java, check_maven


def test_missing_java_or_maven_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(BrokerError, match=r"Java not found.*Java 17"):
        check_java()
    with pytest.raises(BrokerError, match=r"Maven \(mvn\) not found"):
        check_maven()


def test_old_java_is_rejected(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    fake = tmp_path / "java"
    fake.write_text('#!/bin/sh\necho \'openjdk version "11.0.2" 2019-01-15\' >&2\n')
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(BrokerError, match=r"Java 17\+ is required.*found Java 11"):
        check_java()
