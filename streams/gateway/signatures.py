"""Webhook signature schemes, each checked in constant time (``hmac.compare_digest``).

- Meta (Facebook, Instagram): ``X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, raw body)>``.
- X Account Activity: CRC ``response_token = sha256=<base64 HMAC-SHA256(consumer secret, crc_token)>``
  and ``x-twitter-webhooks-signature: sha256=<base64 HMAC-SHA256(consumer secret, raw body)>``.
- Standard Webhooks (https://www.standardwebhooks.com): ``webhook-signature: v1,<base64
  HMAC-SHA256(key, "{webhook-id}.{webhook-timestamp}.{body}")>``, a space-separated list during a
  key rotation; the key is the base64 part of a ``whsec_...`` secret; timestamps outside the
  tolerance are refused (replays).

Every check takes several secrets (rotation: old and new both valid for a while). Signatures are
computed over the raw bytes as received: never over re-serialized JSON (Meta signs its escaped
unicode form).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import time
from collections.abc import Mapping, Sequence

#: Header names, lower-case (aiohttp's headers are case-insensitive).
META_HEADER = "X-Hub-Signature-256"
X_HEADER = "x-twitter-webhooks-signature"
STD_ID, STD_TIMESTAMP, STD_SIGNATURE = "webhook-id", "webhook-timestamp", "webhook-signature"


class SignatureError(ValueError):
    """Verification failed; ``reason`` is ``missing_signature``, ``bad_signature`` or
    ``stale_timestamp`` (the metrics label). The message never contains secrets or the body."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


#: ``webhook-timestamp``: unix seconds, ASCII digits only (``int()`` would also take " 1_7", "١٧").
_TIMESTAMP = re.compile(r"[0-9]{1,12}", re.ASCII)


def raw_bytes(text: str) -> bytes:
    """The bytes a header or query value arrived as: aiohttp decodes them as UTF-8 with
    ``surrogateescape``, so bytes that are not UTF-8 come back as they were; never raises."""
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a surrogate that is not an escaped byte (not from aiohttp)
        return text.encode("utf-8", "surrogatepass")


def _hmac(key: bytes, message: bytes) -> bytes:
    return hmac.new(key, message, hashlib.sha256).digest()


def _same(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected.encode(), given.encode("utf-8", "replace"))


def _any_match(candidates: Sequence[str], given: str) -> bool:
    matched = False
    for cand in candidates:  # no early exit: every candidate is compared
        matched |= _same(cand, given)
    return matched


# -- Meta ---------------------------------------------------------------------------------------
def meta_signature(app_secret: bytes, body: bytes) -> str:
    return "sha256=" + hmac.new(app_secret, body, hashlib.sha256).hexdigest()


def verify_meta(header: str | None, body: bytes, app_secrets: Sequence[bytes]) -> None:
    if not header:
        raise SignatureError("missing_signature", f"missing {META_HEADER}")
    if not app_secrets:
        raise SignatureError("bad_signature", "no app secret configured")
    given = header.strip()
    if given[:7].lower() == "sha256=":
        given = "sha256=" + given[7:].lower()
    if not _any_match([meta_signature(s, body) for s in app_secrets], given):
        raise SignatureError("bad_signature", f"{META_HEADER} does not match")


# -- X ------------------------------------------------------------------------------------------
def x_crc_response(consumer_secret: bytes, crc_token: str) -> str:
    return "sha256=" + base64.b64encode(_hmac(consumer_secret, raw_bytes(crc_token))).decode()


def x_signature(consumer_secret: bytes, body: bytes) -> str:
    return "sha256=" + base64.b64encode(_hmac(consumer_secret, body)).decode()


def verify_x(header: str | None, body: bytes, consumer_secrets: Sequence[bytes]) -> None:
    if not header:
        raise SignatureError("missing_signature", f"missing {X_HEADER}")
    if not consumer_secrets:
        raise SignatureError("bad_signature", "no consumer secret configured")
    if not _any_match([x_signature(s, body) for s in consumer_secrets], header.strip()):
        raise SignatureError("bad_signature", f"{X_HEADER} does not match")


# -- Standard Webhooks --------------------------------------------------------------------------
def decode_whsec(secret: str) -> bytes:
    """The HMAC key of a Standard Webhooks secret: base64 after ``whsec_``; other strings are
    used as raw UTF-8 bytes."""
    if secret.startswith("whsec_"):
        try:
            return base64.b64decode(secret.removeprefix("whsec_"), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ValueError("a whsec_ secret must be base64 after the prefix") from exc
    return secret.encode()


def standard_signature(key: bytes, msg_id: str, timestamp: int | str, body: bytes) -> str:
    signed = raw_bytes(f"{msg_id}.{timestamp}.") + body
    return "v1," + base64.b64encode(_hmac(key, signed)).decode()


def sign_standard(key: bytes, body: bytes, msg_id: str, timestamp: int | None = None
                  ) -> dict[str, str]:
    """The three headers a Standard Webhooks sender adds (for clients, tests and the demo)."""
    ts = int(time.time()) if timestamp is None else timestamp
    return {STD_ID: msg_id, STD_TIMESTAMP: str(ts),
            STD_SIGNATURE: standard_signature(key, msg_id, ts, body)}


def verify_standard(headers: Mapping[str, str], body: bytes, keys: Sequence[bytes],
                    tolerance_s: float = 300.0, now: float | None = None) -> str:
    """Check the three headers; return the webhook id (the sender's idempotency key).

    The work done does not depend on which key matched: every key is tried, so a caller that
    pads ``keys`` to a fixed count spends the same HMAC work on every request."""
    msg_id, ts_raw, sig_header = (headers.get(h) for h in (STD_ID, STD_TIMESTAMP, STD_SIGNATURE))
    if not msg_id or not ts_raw or not sig_header:
        raise SignatureError("missing_signature",
                             f"{STD_ID}, {STD_TIMESTAMP} and {STD_SIGNATURE} are all required")
    if not _TIMESTAMP.fullmatch(ts_raw.strip()):
        raise SignatureError("bad_signature", f"{STD_TIMESTAMP} is not an integer")
    ts = int(ts_raw)
    now = time.time() if now is None else now
    if abs(now - ts) > tolerance_s:
        raise SignatureError("stale_timestamp",
                             f"{STD_TIMESTAMP} is more than {tolerance_s:.0f}s from now")
    if not keys:
        raise SignatureError("bad_signature", "no signing secret configured")
    expected = [standard_signature(k, msg_id, ts_raw, body) for k in keys]
    matched = False
    for given in sig_header.split():
        if given.startswith("v1,"):
            matched |= _any_match(expected, given)
    if not matched:
        raise SignatureError("bad_signature", f"{STD_SIGNATURE} does not match")
    return msg_id
