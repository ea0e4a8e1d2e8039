"""Account tokens from the environment or a file, read when needed (a rotated file is picked up
at the next call) and never logged or put in a message."""

from __future__ import annotations

import os
from pathlib import Path

from civicmod.contract.gateway_settings import SecretRef


class TokenMissing(RuntimeError):
    """The account has no usable token (its message names where it should be, not a value)."""


def read_token(ref: SecretRef | None, account_id: str) -> str:
    if ref is None:
        raise TokenMissing(f"account {account_id}: no token configured "
                           f"(actuator.accounts.{account_id}.token)")
    if ref.env:
        value = os.environ.get(ref.env, "")
    else:
        try:
            value = Path(ref.file or "").read_text().strip()
        except OSError as exc:
            raise TokenMissing(f"account {account_id}: token file {ref.file} unreadable "
                               f"({exc.strerror})") from None
    if not value:
        raise TokenMissing(f"account {account_id}: token {ref.describe()} is empty or unset")
    return value
