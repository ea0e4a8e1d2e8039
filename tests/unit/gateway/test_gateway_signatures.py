"""Webhook signature schemes: the published test vectors, rotation, tolerance, refusals."""

from __future__ import annotations

import pytest

from streams.gateway.signatures import (
    SignatureError,
    decode_whsec,
    meta_signature,
    sign_standard,
    standard_signature,
    verify_meta,
    verify_standard,
    verify_x,
    x_crc_response,
    x_signature,
)

# Test vectors (made-up secrets, from the platform notes; computed with Python's hmac).
META_SECRET = b"meta-app-secret-demo"
META_BODY = b'{"object":"page","entry":[]}'
META_SIG = "sha256=4a6ff1a14de1c320fcef5e09d6f83e0a5eb7cf2e3c1b9062221560729430309c"
X_SECRET = b"x-consumer-secret-demo"
X_CRC = ("crc-test-123", "sha256=IL+iIXrEKTe4dnhFZ1mO2Nu7xypqqcvxuIrWLFArhsA=")
STD_SECRET = "whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
STD_SIG = "v1,O9nE0TwTHoHwZoWM01t1FoPQfmbuscsjZ0ugurddMxg="


def test_meta_vector_and_verification() -> None:
    assert meta_signature(META_SECRET, META_BODY) == META_SIG
    verify_meta(META_SIG, META_BODY, [META_SECRET])
    verify_meta(META_SIG.upper().replace("SHA256=", "sha256="), META_BODY, [META_SECRET])  # hex case
    verify_meta(META_SIG, META_BODY, [b"old-secret", META_SECRET])  # rotation: any key
    with pytest.raises(SignatureError) as err:
        verify_meta(META_SIG, META_BODY + b" ", [META_SECRET])  # raw bytes, not re-serialized
    assert err.value.reason == "bad_signature"
    with pytest.raises(SignatureError) as err:
        verify_meta(None, META_BODY, [META_SECRET])
    assert err.value.reason == "missing_signature"
    with pytest.raises(SignatureError):
        verify_meta("sha256=" + "é" * 64, META_BODY, [META_SECRET])  # non-ASCII: refused, no crash


def test_x_crc_vector_and_body_signature() -> None:
    token, expected = X_CRC
    assert x_crc_response(X_SECRET, token) == expected
    body = b'{"for_user_id":"1","tweet_create_events":[]}'
    verify_x(x_signature(X_SECRET, body), body, [X_SECRET])
    with pytest.raises(SignatureError, match="does not match"):
        verify_x(x_signature(b"other", body), body, [X_SECRET])
    with pytest.raises(SignatureError) as err:
        verify_x("", body, [X_SECRET])
    assert err.value.reason == "missing_signature"


def test_standard_webhooks_vector() -> None:
    key = decode_whsec(STD_SECRET)
    assert key == b"0123456789abcdef0123456789abcdef"
    assert standard_signature(key, "msg_demo1", 1700000000, META_BODY) == STD_SIG
    headers = {"webhook-id": "msg_demo1", "webhook-timestamp": "1700000000",
               "webhook-signature": STD_SIG}
    assert verify_standard(headers, META_BODY, [key], now=1700000000 + 299) == "msg_demo1"


def test_standard_webhooks_rotation_tolerance_and_refusals() -> None:
    old, new = b"old-key-bytes", b"new-key-bytes"
    headers = sign_standard(new, b"{}", "msg_1", timestamp=1_000_000)
    # The sender signs with both keys during a rotation: a space-separated list.
    both = dict(headers, **{"webhook-signature": standard_signature(old, "msg_1", 1_000_000, b"{}")
                            + " " + headers["webhook-signature"]})
    assert verify_standard(both, b"{}", [new], now=1_000_000) == "msg_1"
    assert verify_standard(headers, b"{}", [old, new], now=1_000_000) == "msg_1"

    def reason(hdrs: dict[str, str], body: bytes = b"{}", keys: list[bytes] | None = None,
               now: float = 1_000_000) -> str:
        with pytest.raises(SignatureError) as err:
            verify_standard(hdrs, body, [new] if keys is None else keys, now=now)
        return err.value.reason

    assert reason(headers, now=1_000_000 + 301) == "stale_timestamp"
    assert reason(headers, now=1_000_000 - 301) == "stale_timestamp"  # from the future
    assert reason(headers, body=b"{ }") == "bad_signature"
    assert reason(headers, keys=[old]) == "bad_signature"
    assert reason({k: v for k, v in headers.items() if k != "webhook-signature"}) == "missing_signature"
    assert reason(dict(headers, **{"webhook-timestamp": "soon"})) == "bad_signature"
    # A signature for another id (replaying a body under a new id) does not verify.
    assert reason(dict(headers, **{"webhook-id": "msg_2"})) == "bad_signature"
    # Only v1 signatures count.
    v2 = headers["webhook-signature"].replace("v1,", "v2,")
    assert reason(dict(headers, **{"webhook-signature": v2})) == "bad_signature"


def test_whsec_must_be_base64() -> None:
    with pytest.raises(ValueError, match="base64"):
        decode_whsec("whsec_***not base64***")
    assert decode_whsec("plain-shared-secret") == b"plain-shared-secret"


def test_a_mangled_signature_never_equals_the_real_one() -> None:
    """The fuzz test's "forged:mangled" request once went through: the real signature of that
    request (below, from the failed run's id, body and second) already ended in ``AAA=``, so
    replacing its tail with ``AAA=`` sent it unchanged. ``mangle`` always changes it now."""
    from gateway_harness import WHSEC_NEW, mangle, std_headers

    body = b'{"id": "forged1173", "author": {"id": "a"}, "text": "not signed"}'
    headers = std_headers(WHSEC_NEW, body, "msg_forged1173", 1796310072)
    real = headers["webhook-signature"]
    assert real.endswith("AAA=")
    key = decode_whsec(WHSEC_NEW)
    assert verify_standard(headers, body, [key], now=1796310072) == "msg_forged1173"
    for sig in (real, "v1,O9nE0TwTHoHwZoWM01t1FoPQfmbuscsjZ0ugurddMxg="):
        assert mangle(sig) != sig and len(mangle(sig)) == len(sig)
    forged = dict(headers, **{"webhook-signature": mangle(real)})
    with pytest.raises(SignatureError) as err:
        verify_standard(forged, body, [key], now=1796310072)
    assert err.value.reason == "bad_signature"
