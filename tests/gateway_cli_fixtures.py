"""Shared by test_gateway_cli.py and test_gateway_process.py."""

from __future__ import annotations

import os
from pathlib import Path


def base_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("CIVICMOD") and k != "KAFKA_BOOTSTRAP_SERVERS"}
    env.update(PYTHONUNBUFFERED="1", CIVICMOD_CONFIG=str(tmp_path / "civicmod.yaml"), **extra)
    (tmp_path / "civicmod.yaml").write_text(
        "gateway:\n  generic:\n    sources:\n      website:\n        account_id: web:city\n"
        "        secrets: [{env: WEBSITE_WEBHOOK_SECRET}]\n")
    return env
