"""Hot reload: notice changed policy files, recompile, and keep the old policy on a mistake.

:meth:`PolicyReloader.check` never raises: whatever is wrong with the files (a typo, a NUL byte,
invalid UTF-8, a file nested thousands deep, an alias bomb, a 5 MB file, an empty or deleted
file, or a bug the hostile input finds in the compiler), the running policy stays, ``last_error``
says why on one line, and the error is reported once per change of the files' content. The first
load (in the constructor) raises :class:`FileError` instead: a policy that is broken at start-up
is a configuration error for the operator to fix.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from civicmod.contract.yamlfile import FileError, one_line
from rules.compiler import MAX_WORDLIST_BYTES, PolicySet

#: Files larger than this are fingerprinted by size and modification time, not read (the
#: loader refuses them anyway: YAML files over 1 MiB, word lists over 16 MiB).
MAX_HASHED_BYTES = 2 * MAX_WORDLIST_BYTES
#: The longest ``last_error`` (and audit record / health message).
MAX_ERROR_CHARS = 1000


def _file_digest(path: Path) -> bytes:
    """A hash of one file's content; never blocks (a FIFO), never reads forever (/dev/zero)."""
    h = hashlib.sha256()
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        h.update(f"unreadable:{type(exc).__name__}:{exc.errno}".encode())
        return h.digest()
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            h.update(f"special:{stat.S_IFMT(st.st_mode)}".encode())
        elif st.st_size > MAX_HASHED_BYTES:
            h.update(f"large:{st.st_size}:{st.st_mtime_ns}:{st.st_ino}".encode())
        else:
            left = MAX_HASHED_BYTES
            while left > 0 and (chunk := os.read(fd, min(1 << 20, left))):
                h.update(chunk)
                left -= len(chunk)
    except OSError as exc:
        h.update(f"unreadable:{type(exc).__name__}:{exc.errno}".encode())
    finally:
        os.close(fd)
    return h.digest()


def files_digest(paths: tuple[Path, ...]) -> str:
    """A hash of the files' contents (a missing or unreadable file hashes as such). Reads each
    file in chunks: never more than a megabyte in memory, never an exception."""
    h = hashlib.sha256()
    for p in paths:
        h.update(str(p).encode("utf-8", "surrogateescape"))
        h.update(_file_digest(p))
    return h.hexdigest()


def _describe(exc: BaseException, files: tuple[Path, ...]) -> str:
    """One line for last_error / the audit record: FileErrors name file and line already; for
    anything else, say which files were being loaded."""
    if isinstance(exc, FileError):
        return one_line(str(exc), MAX_ERROR_CHARS)
    where = ", ".join(str(p) for p in files[:5]) + (" ..." if len(files) > 5 else "")
    text = f"{where}: could not load the policy: {type(exc).__name__}: {exc}"
    return one_line(text, MAX_ERROR_CHARS)


@dataclass
class PolicyReloader:
    """Holds the current PolicySet; :meth:`check` reloads it when any of its files changed."""

    load: Callable[[], PolicySet]
    current: PolicySet = field(init=False)
    digest: str = field(init=False)
    last_error: str | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        try:
            self.current = self.load()
        except (FileError, MemoryError):
            raise
        except Exception as exc:  # e.g. a RecursionError: still a configuration error, said plainly
            raise FileError("policy", None, None, one_line(
                f"could not load the policy: {type(exc).__name__}: {exc}", MAX_ERROR_CHARS)) from exc
        self.digest = files_digest(self.current.files)

    def check(self) -> tuple[str, str] | None:
        """None when nothing changed; ("reloaded", version) or ("error", message) otherwise.

        Never raises. A broken file keeps the running policy, sets :attr:`last_error` and is
        reported once per change of the files' content. Fixing the files reloads them; when the
        fix restores the running version after an error, that is reported as ("reloaded",
        version) too, so the failure has a recorded end."""
        files = self.current.files
        try:
            digest = files_digest(files)
        except Exception as exc:  # files_digest does not raise; a safety net all the same
            digest = f"failed:{type(exc).__name__}:{exc}"
        if digest == self.digest:
            return None
        self.digest = digest
        try:
            fresh = self.load()
            # The digest taken before loading, so that a change made while loading is seen
            # at the next check; a new file (a word list added) is hashed now.
            fresh_digest = digest if fresh.files == files else files_digest(fresh.files)
        except Exception as exc:  # anything at all: keep the running policy
            message = _describe(exc, files)
            self.last_error = message
            return "error", message
        recovered = self.last_error is not None
        self.last_error = None
        self.digest = fresh_digest
        if fresh.version == self.current.version:
            return ("reloaded", self.current.version) if recovered else None
        self.current = fresh
        return "reloaded", fresh.version
