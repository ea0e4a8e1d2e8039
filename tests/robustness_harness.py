"""Shared by test_robustness.py and test_robustness_kafka.py."""

from __future__ import annotations

from streams.gateway.signatures import x_signature

from gateway_harness import (
    X_SECRET,
    Harness,
    Reply,
)


def signed_x(h: Harness, raw: bytes) -> Reply:
    return h.request("POST", "/webhooks/x", raw,
                     {"x-twitter-webhooks-signature": x_signature(X_SECRET.encode(), raw)})


def metric(text: str, line: str) -> float:
    for row in text.splitlines():
        if row.startswith(line + " "):
            return float(row.rsplit(" ", 1)[1])
    return 0.0
