"""Hot reload: notice changed policy files, recompile, and keep the old policy on a mistake."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from civicmod.yamlfile import FileError
from rules.compiler import PolicySet


def files_digest(paths: tuple[Path, ...]) -> str:
    h = hashlib.sha256()
    for p in paths:
        h.update(str(p).encode())
        try:
            h.update(p.read_bytes())
        except OSError as exc:
            h.update(f"unreadable:{exc}".encode())
    return h.hexdigest()


@dataclass
class PolicyReloader:
    """Holds the current PolicySet; :meth:`check` reloads it when any of its files changed."""

    load: Callable[[], PolicySet]
    current: PolicySet = field(init=False)
    digest: str = field(init=False)
    last_error: str | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.current = self.load()
        self.digest = files_digest(self.current.files)

    def check(self) -> tuple[str, str] | None:
        """None when nothing changed; ("reloaded", version) or ("error", message) otherwise.
        A broken file keeps the running policy (and is reported once per change)."""
        digest = files_digest(self.current.files)
        if digest == self.digest:
            return None
        self.digest = digest
        try:
            fresh = self.load()
        except (FileError, OSError, ValueError) as exc:
            self.last_error = str(exc)
            return "error", str(exc)
        self.last_error = None
        self.digest = files_digest(fresh.files)
        if fresh.version == self.current.version:
            return None
        self.current = fresh
        return "reloaded", fresh.version
