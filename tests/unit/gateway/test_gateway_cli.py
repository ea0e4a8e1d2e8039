"""``civicmod gateway`` refuses to start with a missing secret, and says which."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from gateway_cli_fixtures import base_env


def test_missing_secret_is_a_clear_startup_error(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "civicmod.cli", "gateway"], env=base_env(tmp_path),
                          capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert proc.returncode == 2
    assert "gateway.generic.sources.website.secrets[0]" in proc.stderr
    assert "WEBSITE_WEBHOOK_SECRET is not set" in proc.stderr
