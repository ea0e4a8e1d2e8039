"""Helpers for the rules and policy tests: write policy files, build comments."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

from civicmod.contract.records import Author, Comment
from rules.compiler import EffectiveSettings, PolicySet, load_policy_set


def write(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(body).lstrip())
    return path


def policy(tmp_path: Path, body: str, name: str = "p.yaml", **settings: object) -> PolicySet:
    return load_policy_set([write(tmp_path, name, body)], base_settings=EffectiveSettings(**settings))  # type: ignore[arg-type]


def comment(text: str, *, name: str = "Resident", author_id: str = "u1", account: str = "page:1",
            age_days: float | None = None, platform: str = "facebook", cid: str = "1",
            handle: str | None = None) -> Comment:
    now = datetime.now(UTC)
    created = now - timedelta(days=age_days) if age_days is not None else None
    return Comment(id=f"{platform}:{cid}", platform=platform, account_id=account,  # type: ignore[arg-type]
                   author=Author(id=author_id, display_name=name, handle=handle, created_at=created),
                   text=text, created_at=now)


def fired(ps: PolicySet, text: str, **kw: object) -> dict[str, list[str]]:
    """rule id → matched substrings."""
    c = comment(text, **kw)  # type: ignore[arg-type]
    return {h.rule_id: [c.text[a:b] for a, b in h.spans] for h in ps.evaluate(c)}
