"""No input stops the gateway, before anything touches Kafka (a gateway whose broker is
unreachable): undecodable bodies are 4xx with their reason, an unknown generic source looks
exactly like a wrong signature, a real bug is a counted JSON 500 logged as one line, hostile
headers and methods are refused, slow request heads and stalled bodies are cut off."""

from __future__ import annotations

import base64
import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from civicmod.dev.localkafka import free_port
from streams.gateway import routes, signatures
from streams.gateway.accounts import resolve
from streams.gateway.server import ThreadedGateway
from streams.gateway.signatures import meta_signature

from gateway_harness import (
    ENV,
    FB_SECRET,
    WHSEC_NEW,
    Harness,
    LogCapture,
    Reply,
    gateway_settings,
    generic_comment,
    std_headers,
)
from robustness_harness import metric, signed_x


def offline_gateway(**gateway: Any) -> ThreadedGateway:
    """A gateway whose broker is unreachable: everything before the Kafka write still works."""
    settings = gateway_settings(f"127.0.0.1:{free_port()}", "offline.", **gateway)
    return ThreadedGateway(settings, resolve(settings.gateway, ENV)).start(wait_ready=False)


@pytest.fixture
def offline() -> Iterator[Harness]:
    gw = offline_gateway(header_timeout_s=1, body_timeout_s=1, max_body_bytes=1024 * 1024)
    try:
        yield Harness("", "offline.", gw)
    finally:
        gw.stop()


@pytest.fixture
def captured() -> Iterator[tuple[LogCapture, LogCapture]]:
    """(the gateway's log lines, aiohttp's log lines), JSON-formatted."""
    gw_cap, aio_cap = LogCapture(), LogCapture()
    loggers = [(logging.getLogger("civicmod.gateway"), gw_cap), (logging.getLogger("aiohttp"), aio_cap)]
    levels = []
    for logger, cap in loggers:
        logger.addHandler(cap)
        levels.append(logger.level)
        logger.setLevel(logging.INFO)
    try:
        yield gw_cap, aio_cap
    finally:
        for (logger, cap), level in zip(loggers, levels, strict=True):
            logger.removeHandler(cap)
            logger.setLevel(level)


def signed_fb(h: Harness, raw: bytes) -> Reply:
    return h.request("POST", "/webhooks/facebook", raw,
                     {"X-Hub-Signature-256": meta_signature(FB_SECRET.encode(), raw)})


# -- timeouts ---------------------------------------------------------------------------------------
def closed_within(sock: socket.socket, limit_s: float, trickle: bytes = b"") -> tuple[bool, bytes]:
    """Read until the server closes the connection (True) or ``limit_s`` passes (False),
    sending ``trickle`` every 0.2 s meanwhile (a slow client)."""
    deadline = time.monotonic() + limit_s
    got = b""
    sock.settimeout(0.2)
    while time.monotonic() < deadline:
        try:
            if trickle:
                sock.sendall(trickle)
            data = sock.recv(65536)
            if not data:
                return True, got
            got += data
        except TimeoutError:
            continue
        except (ConnectionResetError, BrokenPipeError):
            return True, got
    return False, got


# -- request-level refusals (no Kafka needed) -----------------------------------------------------
def test_undecodable_signed_bodies_are_400_with_their_reason(offline: Harness) -> None:
    cases = {
        "too_deep": b"[" * 100_000 + b"]" * 100_000,
        "bad_unicode": b'{"object": "page", "entry": [], "x": "\\ud800"}',
        "bad_utf8": b'{"object": "page", "entry": [], "x": "\xc3\x28"}',
        "bad_json": b'{"object": "page", "entry": [{"time": Infinity}]}',
    }
    for reason, raw in cases.items():
        reply = signed_fb(offline, raw)
        assert reply.status == 400 and reply.json()["error"], (reason, reply.body)
        assert set(reply.json()) == {"error", "webhook_id"}
        m = offline.metrics()
        assert metric(m, f'civicmod_gateway_rejected_total{{platform="facebook",reason="{reason}"}}') == 1
    for raw in (b'{"a": NaN}', b'{"a": 1e400}', b'{"a": "' + b'\\"' * 50_000):
        assert signed_fb(offline, raw).status == 400
    assert "status=\"500\"" not in offline.metrics()


def test_a_large_body_is_decoded_off_the_event_loop(offline: Harness,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """A body over gateway.thread_decode_bytes (64 KiB) is decoded in the gateway's decode
    thread: while its decoding is held up, the gateway still answers other requests; a small
    one is decoded on the event loop's thread. Both get the answers they would get either way."""
    real = routes.parse_json
    threads: list[tuple[int, str]] = []
    release = threading.Event()

    def parse(body: bytes) -> Any:
        threads.append((len(body), threading.current_thread().name))
        if len(body) > 64 * 1024:
            assert release.wait(30), "never released"
        return real(body)

    monkeypatch.setattr(routes, "parse_json", parse)
    big = json.dumps({"object": "page", "entry": [{"id": "1", "pad": "x" * 100_000}]}).encode()
    small = json.dumps({"object": "page", "entry": []}).encode()
    with ThreadPoolExecutor(1) as pool:
        pending = pool.submit(signed_fb, offline, big)
        deadline = time.monotonic() + 30
        while not threads and time.monotonic() < deadline:
            time.sleep(0.01)
        assert threads and threads[0][0] == len(big)  # its decoding has started, and waits
        assert offline.request("GET", "/healthz").status == 200  # the loop is not held
        reply = signed_fb(offline, small)
        assert not pending.done()
        release.set()
        big_reply = pending.result(30)
    assert reply.status == 503 and reply.json()["error"].startswith("not ready")  # no broker here
    assert big_reply.status == 404 and "no facebook account" in big_reply.json()["error"]
    assert threads == [(len(big), "gateway-decode_0"), (len(small), "civicmod-gateway")]


def test_unknown_generic_source_is_answered_like_a_wrong_signature(
        offline: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    """Same status, body, headers and reason label for an unknown source as for a known source
    with a wrong signature, and the same number of HMACs computed."""
    hmacs: list[int] = []
    real = signatures._hmac

    def counted(key: bytes, message: bytes) -> bytes:
        hmacs.append(len(message))
        return real(key, message)

    monkeypatch.setattr(signatures, "_hmac", counted)
    body = json.dumps(generic_comment("c-1", "hello")).encode()
    wrong = std_headers("whsec_" + base64.b64encode(b"guess" * 6).decode(), body, "msg_same")
    right = std_headers(WHSEC_NEW, body, "msg_same")
    stale = std_headers(WHSEC_NEW, body, "msg_same", int(time.time()) - 3600)
    unsigned = {"webhook-id": "msg_same"}
    # (what the known source gets, what the unknown source gets)
    for name, pair in (("wrong signature", (wrong, wrong)),
                       ("another source's valid signature", (wrong, right)),
                       ("stale timestamp", (stale, stale)), ("no signature", (unsigned, unsigned))):
        replies, work = [], []
        for path, headers in zip(("/webhooks/generic/website", "/webhooks/generic/nope"), pair,
                                 strict=True):
            hmacs.clear()
            replies.append(offline.request("POST", path, body, headers))
            work.append(list(hmacs))
        known, unknown = replies
        assert known.status == unknown.status and known.status == 401, (name, known, unknown)
        assert known.body == unknown.body, name
        drop = {"Date"}
        assert {k: v for k, v in known.headers.items() if k not in drop} == \
               {k: v for k, v in unknown.headers.items() if k not in drop}, name
        assert work[0] == work[1], name  # the same HMAC work, key count included
    m = offline.metrics()
    assert 'reason="unknown_account"' not in m
    assert metric(m, 'civicmod_gateway_rejected_total{platform="generic",reason="bad_signature"}') == 4
    assert metric(m, 'civicmod_gateway_rejected_total{platform="generic",reason="stale_timestamp"}') == 2


def test_a_bug_is_a_counted_json_500_logged_as_one_line(
        offline: Harness, monkeypatch: pytest.MonkeyPatch,
        captured: tuple[LogCapture, LogCapture]) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise ZeroDivisionError("internals: secret")

    monkeypatch.setattr(routes, "normalize_x", broken)
    raw = json.dumps({"for_user_id": "2244994945", "tweet_create_events": []}).encode()
    reply = signed_x(offline, raw)
    assert reply.status == 500
    assert reply.json() == {"error": "internal error",
                            "webhook_id": reply.headers["X-Civicmod-Webhook-Id"]}
    m = offline.metrics()
    assert metric(m, 'civicmod_gateway_requests_total{method="POST",platform="x",status="500"}') == 1
    assert metric(m, 'civicmod_gateway_rejected_total{platform="x",reason="internal_error"}') == 1
    assert metric(m, 'civicmod_gateway_internal_errors_total{platform="x"}') == 1
    gw_lines, aio_lines = captured
    (line,) = [entry for entry in gw_lines.lines if json.loads(entry).get("status") == 500]
    assert "\n" not in line  # one line; the traceback is one field
    entry = json.loads(line)
    assert entry["level"] == "error" and entry["reason"] == "internal_error"
    assert entry["webhook_id"] == reply.headers["X-Civicmod-Webhook-Id"]
    assert "ZeroDivisionError" in entry["exc"] and "Traceback" in entry["exc"]
    assert aio_lines.lines == []  # aiohttp never saw it: no "Error handling request"


def test_hostile_headers_and_methods(offline: Harness,
                                     captured: tuple[LogCapture, LogCapture]) -> None:
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", offline.gw.port, timeout=30)
    body = b"{}"
    for headers in ({"webhook-id": "\xff\xfe bad id", "webhook-timestamp": str(int(time.time())),
                     "webhook-signature": "v1,\xff"},
                    {"X-Request-Id": "x" * 5000, "X-Hub-Signature-256": "sha256=\xe9"}):
        for path in ("/webhooks/generic/website", "/webhooks/facebook", "/webhooks/x"):
            conn.request("POST", path, body, headers)
            resp = conn.getresponse()
            resp.read()
            assert resp.status == 401, (path, resp.status)
            assert resp.getheader("X-Civicmod-Webhook-Id").isascii()
    for query in ("hub.mode=subscribe&hub.verify_token=%ff%fe&hub.challenge=1",
                  "hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=%ff%00"):
        conn.request("GET", "/webhooks/facebook?" + query)
        resp = conn.getresponse()
        resp.read()
        assert resp.status == 403
    conn.request("GET", "/webhooks/x?crc_token=%ff%fe%ed%a0%80")
    resp = conn.getresponse()
    assert resp.status == 200 and json.loads(resp.read())["response_token"].startswith("sha256=")
    conn.request("PROPFIND", "/webhooks/facebook")  # any method llhttp knows reaches the app
    resp = conn.getresponse()
    resp.read()
    assert resp.status == 405
    conn.close()
    # Malformed HTTP (a NUL in a header): aiohttp's own 400, counted, one warning line that
    # does not quote the request bytes.
    with socket.create_connection(("127.0.0.1", offline.gw.port), timeout=10) as s:
        s.sendall(b"POST /webhooks/x HTTP/1.1\r\nHost: gw\r\n"
                  b"x-twitter-webhooks-signature: sha256=secret\x00\r\n\r\n")
        answer = s.recv(65536)
        assert answer.split(b" ", 2)[1] == b"400" and b"secret" not in answer
    m = offline.metrics()
    assert 'status="500"' not in m and 'method="PROPFIND"' not in m  # labels stay bounded
    assert 'method="other"' in m
    assert metric(m, "civicmod_gateway_bad_http_requests_total") == 1
    _, aio_lines = captured
    (line,) = aio_lines.lines
    entry = json.loads(line)
    assert (entry["level"], entry["error"]) == ("warning", "BadHttpMessage")
    assert "secret" not in line and "exc" not in entry


def test_slow_request_heads_and_stalled_bodies_are_cut_off(offline: Harness) -> None:
    """header_timeout_s and body_timeout_s are 1 s here; aiohttp alone keeps such connections
    for its keep-alive timeout (75 s) or, mid-body, forever."""
    addr = ("127.0.0.1", offline.gw.port)
    idle = socket.create_connection(addr)  # connects, never sends a byte
    slow = socket.create_connection(addr)  # a request head, a header line every 0.2 s
    slow.sendall(b"POST /webhooks/facebook HTTP/1.1\r\nHost: gw\r\n")
    stalled = socket.create_connection(addr)  # a complete head, then half the body
    stalled.sendall(b"POST /webhooks/facebook HTTP/1.1\r\nHost: gw\r\nContent-Length: 1000\r\n"
                    b"X-Hub-Signature-256: sha256=00\r\n\r\n" + b'{"object": "page", ')
    keep = socket.create_connection(addr)  # keep-alive: idle between requests is not a slow head
    keep.sendall(b"GET /healthz HTTP/1.1\r\nHost: gw\r\n\r\n")
    assert keep.recv(65536).startswith(b"HTTP/1.1 200")

    assert closed_within(slow, 20, trickle=b"X-Slow: 1\r\n")[0], "slow head not cut off"
    assert closed_within(idle, 20)[0], "silent connection not cut off"
    closed, answer = closed_within(stalled, 20)
    assert closed, "stalled upload not cut off"
    assert answer.startswith(b"HTTP/1.1 408") and b"Connection: close" in answer
    time.sleep(1.5)  # longer than header_timeout_s, idle after a complete request
    keep.sendall(b"GET /healthz HTTP/1.1\r\nHost: gw\r\n\r\n")
    keep.settimeout(10)
    assert keep.recv(65536).startswith(b"HTTP/1.1 200")
    keep.sendall(b"GET /healthz HTTP/1.1\r\n")  # the next head, never finished
    assert closed_within(keep, 20)[0], "slow second head on a keep-alive connection not cut off"
    for s in (idle, slow, stalled, keep):
        s.close()
    m = offline.metrics()
    assert metric(m, "civicmod_gateway_header_timeouts_total") >= 3
    assert metric(m, 'civicmod_gateway_rejected_total{platform="facebook",reason="body_timeout"}') == 1
    assert metric(m, 'civicmod_gateway_requests_total{method="POST",platform="facebook",status="408"}') == 1
