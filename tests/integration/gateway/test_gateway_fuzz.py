"""A fuzz run against a real gateway and the real broker: thousands of hostile requests from
concurrent clients, signed and unsigned (random JSON trees, deep nesting, huge numbers, lone
surrogates, invalid UTF-8, wrong / missing / borrowed signatures, unknown sources, truncated and
oversized bodies, a gzip bomb, unknown paths), interleaved with good deliveries, while stalled
uploads and slow request heads hold connections open and a prober keeps asking ``/healthz``.

Asserted: no request is answered 500; no forged request (bad or missing signature) is accepted,
checked on the topics themselves; every good delivery answered 200 is on ``comments.incoming``;
``/healthz`` answers throughout and after; every stalled connection is closed by the gateway
(``header_timeout_s`` / ``body_timeout_s`` are 1 s here). The counts by status are printed
(``pytest -s``). ``CIVICMOD_FUZZ_REQUESTS`` / ``CIVICMOD_FUZZ_SEED`` change the run.
"""

from __future__ import annotations

import base64
import contextlib
import gzip
import http.client
import json
import os
import random
import socket
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from streams.gateway.accounts import resolve
from streams.gateway.server import ThreadedGateway
from streams.gateway.signatures import meta_signature, x_signature

from gateway_harness import (
    AGENCY,
    ENV,
    FB_SECRET,
    IG,
    IG_SECRET,
    WHSEC_NEW,
    X_SECRET,
    Harness,
    fb_payload,
    fb_value,
    gateway_settings,
    mangle,
    std_headers,
    tweet,
)

pytestmark = pytest.mark.kafka

REQUESTS = int(os.environ.get("CIVICMOD_FUZZ_REQUESTS", "6000"))
SEED = int(os.environ.get("CIVICMOD_FUZZ_SEED", "20261121"))
CLIENTS = 8
STALLED = 25  # connections of each stalled kind
MAX_BODY = 256 * 1024
MARK = "forged"  # in every forged comment id: must never reach a topic

HOSTILE_STRINGS = ["\ud800", "a\udfffz", "\udbff\udfff", "\x00", "\u202e\u2066x\u2069", "\ufeff",
                   "e" + "\u0301" * 10_000, "\U0010ffff", "", "null", "\\", '"', "</script>",
                   "%s%n", "𝕏" * 100, "x" * 3000]
HOSTILE_NUMBERS = [1e20, 1e300, -1e300, 10**30, 10**300, -(10**19), 0, -1, 2**63, 5e-324,
                   1795262282, 1795262282000, 4102444800, 99999999999]


@dataclass
class Req:
    kind: str
    method: str
    path: str
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    forged: bool = False
    good_id: str | None = None  # a good delivery: this comment id must be on the topic after 200
    raw: str | None = None  # "truncate": send part of the body over a raw socket and hang up


class Maker:
    """Random requests of many hostile kinds (deterministic for a seed)."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.n = 0

    def uid(self) -> str:
        self.n += 1
        return str(self.n)

    # -- values -------------------------------------------------------------------------------------
    def text(self) -> str:
        r = self.rng
        if r.random() < 0.5:
            return r.choice(HOSTILE_STRINGS)
        return "".join(chr(r.choice([r.randrange(0x20, 0x7f), r.randrange(0x80, 0xd800),
                                     r.randrange(0xd800, 0xe000), r.randrange(0xe000, 0x110000)]))
                       for _ in range(r.randrange(0, 30)))

    def scalar(self) -> Any:
        r = self.rng
        return r.choice([None, True, False, self.text(), self.text(), r.choice(HOSTILE_NUMBERS),
                         r.randrange(-10**6, 10**6), r.random() * 1e6])

    def tree(self, depth: int = 0) -> Any:
        r = self.rng
        if depth > 4 or r.random() < 0.35:
            return self.scalar()
        if r.random() < 0.5:
            return [self.tree(depth + 1) for _ in range(r.randrange(0, 5))]
        return {self.text(): self.tree(depth + 1) for _ in range(r.randrange(0, 5))}

    def dumps(self, value: Any) -> bytes:
        """JSON bytes: escaped (``\\ud800``) or raw (invalid UTF-8 for a lone surrogate)."""
        if self.rng.random() < 0.7:
            return json.dumps(value, ensure_ascii=True).encode()
        return json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")

    def mutate(self, payload: Any) -> Any:
        """Replace one to three random nodes of ``payload`` with hostile values."""
        out = json.loads(json.dumps(payload))
        for _ in range(self.rng.randrange(1, 4)):
            node, parent, key = out, None, None
            for _ in range(self.rng.randrange(1, 8)):
                children = (list(node.keys()) if isinstance(node, dict) else
                            list(range(len(node))) if isinstance(node, list) else [])
                if not children:
                    break
                parent, key = node, self.rng.choice(children)
                if not isinstance(node[key], dict | list) or self.rng.random() < 0.3:
                    break
                node = node[key]
            if parent is not None:
                parent[key] = self.rng.choice([self.scalar(), self.tree(3), self.text()])
        return out

    # -- bodies ---------------------------------------------------------------------------------------
    def fb_comment(self, cid: str, text: str = "When is the tip open?") -> dict:
        return fb_payload(fb_value("add", cid, text))

    def deep(self) -> bytes:
        d = self.rng.choice([65, 100, 1000, 20_000, 200_000])
        return self.rng.choice([b"[" * d + b"]" * d, b'{"a":' * d + b"1" + b"}" * d, b"[" * d])

    def huge_numbers(self) -> bytes:
        r = self.rng
        big = r.choice([b"1e400", b"-1e999", b"1" + b"0" * 5000, b"NaN", b"Infinity", b"1e20",
                        b"1e300", b"123456789012345678901234567890"])
        template = self.fb_comment(f"n{self.uid()}")
        body = json.dumps(template).encode()
        return body.replace(b"1795262282", big, 1) if r.random() < 0.5 else \
            body.replace(b"1795262290", big, 1)

    def hostile_body(self, platform: str) -> bytes:
        r = self.rng
        base = {"facebook": self.fb_comment(f"h{self.uid()}"),
                "instagram": {"object": "instagram", "entry": [{"id": IG, "time": 1795262282,
                              "field": "comments", "value": {"id": f"h{self.uid()}", "text": "hi",
                                                             "from": {"id": "178", "username": "j"}}}]},
                "x": {"for_user_id": AGENCY, "tweet_create_events": [
                    tweet(f"9{self.uid()}", "@ExampleCouncil hello")]},
                "generic": {"id": f"h{self.uid()}", "author": {"id": "a"}, "text": "hello"}}[platform]
        choice = r.random()
        if choice < 0.45:
            return self.dumps(self.mutate(base))
        if choice < 0.6:
            return self.dumps(self.tree())
        if choice < 0.7:
            return self.deep()
        if choice < 0.8:
            return self.huge_numbers()
        if choice < 0.88:
            raw = self.dumps(base)
            return raw[:r.randrange(0, max(1, len(raw)))]  # syntactically truncated
        if choice < 0.94:
            return bytes(r.randrange(256) for _ in range(r.randrange(0, 300)))  # random bytes
        return b'{"a": "' + b'\\"' * r.randrange(1000, 30_000)  # unterminated string

    # -- requests -----------------------------------------------------------------------------------------
    def signed(self, platform: str, body: bytes, kind: str, good_id: str | None = None) -> Req:
        if platform in ("facebook", "instagram"):
            secret = FB_SECRET if platform == "facebook" else IG_SECRET
            headers = {"X-Hub-Signature-256": meta_signature(secret.encode(), body)}
        elif platform == "x":
            headers = {"x-twitter-webhooks-signature": x_signature(X_SECRET.encode(), body)}
        else:
            headers = std_headers(WHSEC_NEW, body, f"msg_{kind}_{self.uid()}")
        path = "/webhooks/generic/website" if platform == "generic" else f"/webhooks/{platform}"
        return Req(kind, "POST", path, body, headers, good_id=good_id)

    def forged(self) -> Req:
        r = self.rng
        cid = f"{MARK}{self.uid()}"
        platform = r.choice(["facebook", "x", "generic", "generic-unknown"])
        if platform == "facebook":
            body = json.dumps(self.fb_comment(cid, "I am not Meta")).encode()
            path = "/webhooks/facebook"
            good = {"X-Hub-Signature-256": meta_signature(FB_SECRET.encode(), body)}
            wrong = {"X-Hub-Signature-256": meta_signature(b"guessed", body)}
        elif platform == "x":
            body = json.dumps({"for_user_id": AGENCY, "tweet_create_events": [
                tweet(cid, "@ExampleCouncil not from X")]}).encode()
            path = "/webhooks/x"
            good = {"x-twitter-webhooks-signature": x_signature(X_SECRET.encode(), body)}
            wrong = {"x-twitter-webhooks-signature": x_signature(b"guessed", body)}
        else:
            body = json.dumps({"id": cid, "author": {"id": "a"}, "text": "not signed"}).encode()
            src = "website" if platform == "generic" else r.choice(["nope", "demo", "websit", "x" * 64])
            path = f"/webhooks/generic/{src}"
            good = std_headers(WHSEC_NEW, body, f"msg_{cid}")
            wrong = std_headers("whsec_" + base64.b64encode(b"guessed-key-guessed-key!").decode(),
                                body, f"msg_{cid}")
        how = r.choice(["missing", "wrong", "other_body", "mangled", "stale"])
        if how == "missing":
            headers: dict[str, str] = {}
        elif how == "wrong":
            headers = wrong
        elif how == "other_body":  # a real signature, of the body before an attacker changed it
            headers = good
            body = body.replace(b"not", b"NOT")
        elif how == "mangled":
            headers = {k: (mangle(v) if "sig" in k.lower() else v) for k, v in good.items()}
        else:
            headers = (std_headers(WHSEC_NEW, body, f"msg_{cid}", int(time.time()) - 3600)
                       if "generic" in platform else wrong)
        if platform == "generic-unknown" and how in ("other_body", "mangled") and r.random() < 0.5:
            headers = good  # correctly signed with a real source's key, sent to an unknown source
        return Req(f"forged:{how}", "POST", path, body, headers, forged=True)

    def make(self) -> Req:
        r = self.rng
        kind = r.choices(["good", "hostile", "forged", "oversized", "truncated", "junk", "gzip"],
                         weights=[15, 45, 25, 2, 4, 8, 1])[0]
        if kind == "good":
            if r.random() < 0.5:
                cid = f"good{self.uid()}"
                body = json.dumps(self.fb_comment(cid, r.choice(HOSTILE_STRINGS[3:8]) + " ok")).encode()
                return self.signed("facebook", body, "good", good_id=f"facebook:777_{cid}")
            tid = f"7{self.uid():0>8}"
            body = json.dumps({"for_user_id": AGENCY, "tweet_create_events": [
                tweet(tid, "@ExampleCouncil a fair question")]}).encode()
            return self.signed("x", body, "good", good_id=f"x:{tid}")
        if kind == "hostile":
            platform = r.choice(["facebook", "instagram", "x", "generic"])
            return self.signed(platform, self.hostile_body(platform), f"hostile:{platform}")
        if kind == "forged":
            return self.forged()
        if kind == "oversized":
            body = b'{"object": "page", "entry": [' + b" " * (MAX_BODY + r.randrange(1, 100_000)) + b"]}"
            req = self.signed("facebook", body, "oversized")
            if r.random() < 0.5:
                req.headers["Transfer-Encoding"] = "chunked"  # no Content-Length to refuse early
            return req
        if kind == "truncated":
            body = json.dumps(self.fb_comment(f"t{self.uid()}")).encode()
            req = self.signed("facebook", body, "truncated")
            req.raw = "truncate"
            return req
        if kind == "gzip":
            body = gzip.compress(b"[" + b"0," * (MAX_BODY * 4) + b"0]")
            return Req("gzip_bomb", "POST", "/webhooks/facebook", body,
                       {"Content-Encoding": "gzip", "X-Hub-Signature-256": "sha256=00"})
        path = r.choice(["/", "/webhooks/", "/webhooks/generic/", "/webhooks/tiktok", "/readyz",
                         "/webhooks/facebook/../x", "/metrics", "/webhooks/generic/website/x",
                         "/%ff%fe", "/webhooks/x?crc_token=" + "A" * 2000])
        method = r.choice(["GET", "POST", "PUT", "DELETE", "OPTIONS", "HEAD", "PATCH"])
        body = bytes(r.randrange(256) for _ in range(r.randrange(0, 200))) if method != "GET" else b""
        return Req("junk", method, path, body, {"webhook-id": self.text()[:50] or "x"})


# -- clients -------------------------------------------------------------------------------------------
@dataclass
class Outcome:
    req: Req
    status: int  # 0: no answer (the connection was cut, e.g. a truncated upload)
    body: bytes = b""


def header_safe(headers: dict[str, str]) -> dict[str, str]:
    """http.client sends header values as latin-1: other characters go as their UTF-8 bytes."""
    return {k: v.encode("utf-8", "surrogatepass").decode("latin-1") for k, v in headers.items()}


def send_raw_truncated(port: int, req: Req) -> Outcome:
    """Announce the whole body, send part of it, hang up."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        head = (f"POST {req.path} HTTP/1.1\r\nHost: gw\r\nContent-Length: {len(req.body)}\r\n" +
                "".join(f"{k}: {v}\r\n" for k, v in req.headers.items()) + "\r\n").encode()
        s.sendall(head + req.body[:len(req.body) // 2])
        s.shutdown(socket.SHUT_WR)
        try:
            data = s.recv(65536)
        except OSError:
            data = b""
    status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/1.1 ") else 0
    return Outcome(req, status, data)


def client(port: int, reqs: list[Req], out: list[Outcome]) -> None:
    conn: http.client.HTTPConnection | None = None
    for req in reqs:
        if req.raw == "truncate":
            out.append(send_raw_truncated(port, req))
            continue
        for attempt in range(2):
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            try:
                conn.request(req.method, req.path, req.body or None, header_safe(req.headers),
                             encode_chunked=req.headers.get("Transfer-Encoding") == "chunked")
                resp = conn.getresponse()
                out.append(Outcome(req, resp.status, resp.read()))
                if resp.will_close:
                    conn.close()
                    conn = None
                break
            except (ConnectionError, http.client.HTTPException, OSError):
                conn.close()
                conn = None  # the gateway closed the connection (e.g. after a 413): reconnect
                if attempt:
                    out.append(Outcome(req, 0))
    if conn is not None:
        conn.close()


class Prober(threading.Thread):
    """GET /healthz every 0.2 s during the run: how many answered 200, and any that did not."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.ok = 0
        self.failures: list[str] = []
        self.stop = threading.Event()

    def run(self) -> None:
        import urllib.request

        while not self.stop.wait(0.2):
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=30) as resp:
                    self.ok += resp.status == 200
            except Exception as exc:
                self.failures.append(f"{type(exc).__name__}: {exc}")


def open_stalled(port: int) -> tuple[list[socket.socket], list[socket.socket]]:
    """Connections that stall: mid-head (some silent, some trickling) and mid-body."""
    heads, bodies = [], []
    for i in range(STALLED):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"POST /webhooks/facebook HTTP/1.1\r\nHost: gw\r\n" if i % 2 else b"PO")
        heads.append(s)
        b = socket.create_connection(("127.0.0.1", port))
        b.sendall(b"POST /webhooks/facebook HTTP/1.1\r\nHost: gw\r\nContent-Length: 5000\r\n"
                  b"X-Hub-Signature-256: sha256=00\r\n\r\n" + b'{"object": "page", "entry": [')
        bodies.append(b)
    return heads, bodies


def trickle(socks: list[socket.socket], stop: threading.Event) -> None:
    """Every 0.3 s, one more header byte on the odd stalled-head connections (a slow client)."""
    while not stop.wait(0.3):
        for s in socks[1::2]:
            with contextlib.suppress(OSError):
                s.sendall(b"X")


def was_closed(s: socket.socket, wait_s: float = 10.0) -> tuple[bool, bytes]:
    s.settimeout(wait_s)
    got = b""
    try:
        while True:
            data = s.recv(65536)
            if not data:
                return True, got
            got += data
    except (ConnectionResetError, BrokenPipeError):
        return True, got
    except TimeoutError:
        return False, got


# -- the run ---------------------------------------------------------------------------------------------
def read_topic(h: Harness, name: str) -> list[tuple[str, bytes]]:
    from kafka import KafkaConsumer, TopicPartition

    topic = h.prefix + name
    cons = KafkaConsumer(bootstrap_servers=h.bootstrap, enable_auto_commit=False,
                         fetch_max_wait_ms=100)
    try:
        tps = [TopicPartition(topic, p) for p in sorted(cons.partitions_for_topic(topic) or ())]
        cons.assign(tps)
        cons.seek_to_beginning(*tps)
        ends = cons.end_offsets(tps)
        out: list[tuple[str, bytes]] = []
        deadline = time.monotonic() + 60
        while any(cons.position(tp) < ends[tp] for tp in tps):
            assert time.monotonic() < deadline, f"could not read {topic} to its end"
            for records in cons.poll(timeout_ms=200).values():
                out.extend((r.key.decode("utf-8", "replace"), r.value) for r in records)
        return out
    finally:
        cons.close()


def test_fuzz_the_running_gateway(kafka_bootstrap: str) -> None:
    prefix = f"fz{uuid.uuid4().hex[:8]}."
    settings = gateway_settings(kafka_bootstrap, prefix, max_body_bytes=MAX_BODY,
                                header_timeout_s=1, body_timeout_s=1)
    maker = Maker(SEED)
    reqs = [maker.make() for _ in range(REQUESTS)]
    with ThreadedGateway(settings, resolve(settings.gateway, ENV)) as gw:
        h = Harness(kafka_bootstrap, prefix, gw)
        heads, bodies = open_stalled(gw.port)
        stop_trickle = threading.Event()
        trickler = threading.Thread(target=trickle, args=(heads, stop_trickle), daemon=True)
        trickler.start()
        prober = Prober(gw.url)
        prober.start()
        outs: list[list[Outcome]] = [[] for _ in range(CLIENTS)]
        started = time.monotonic()
        threads = [threading.Thread(target=client, args=(gw.port, reqs[i::CLIENTS], outs[i]))
                   for i in range(CLIENTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=300)
        elapsed = time.monotonic() - started
        prober.stop.set()
        prober.join(timeout=60)
        stop_trickle.set()
        trickler.join(timeout=10)
        head_closed = [was_closed(s) for s in heads]
        body_closed = [was_closed(s) for s in bodies]
        for s in heads + bodies:
            s.close()
        after = h.request("GET", "/healthz")
        results = [o for out in outs for o in out]
        incoming = read_topic(h, "comments.incoming")
        others = read_topic(h, "comments.state") + read_topic(h, "comments.deadletter")
        metrics = h.metrics()

    by_status = Counter(o.status for o in results)
    by_kind: dict[str, Counter[int]] = {}
    for o in results:
        by_kind.setdefault(o.req.kind.split(":")[0], Counter())[o.status] += 1
    forged_ok = [o for o in results if o.req.forged and 200 <= o.status < 300]
    print(f"\nfuzz: {len(results)} requests in {elapsed:.1f}s from {CLIENTS} clients (seed {SEED})")
    print("by status:", dict(sorted(by_status.items())))
    for kind, counts in sorted(by_kind.items()):
        print(f"  {kind}: {dict(sorted(counts.items()))}")
    print(f"forged: {sum(o.req.forged for o in results)} sent, {len(forged_ok)} accepted")
    print(f"healthz during the run: {prober.ok} answered, {len(prober.failures)} failed")
    print(f"stalled connections closed: heads {sum(c for c, _ in head_closed)}/{len(heads)}, "
          f"bodies {sum(c for c, _ in body_closed)}/{len(bodies)}")
    print(f"topics: {len(incoming)} on comments.incoming, {len(others)} on state + deadletter")

    assert len(results) == REQUESTS
    assert by_status[500] == 0, [o.req.kind for o in results if o.status == 500][:20]
    assert 'status="500"' not in metrics
    assert not forged_ok, [(o.req.kind, o.req.path) for o in forged_ok][:10]
    assert all(o.status == 401 for o in results if o.req.forged and o.status), \
        Counter((o.req.kind, o.status) for o in results if o.req.forged)
    # Forged comments on no topic at all (comment ids, keys, dead-letter raw bytes).
    mark = MARK.encode()
    assert not [k for k, v in incoming + others if mark in k.encode() or mark in (v or b"")]
    dead_raw = [base64.b64decode(json.loads(v)["raw_base64"]) for k, v in others
                if v and b"raw_base64" in v]
    assert not [r for r in dead_raw if mark in r]
    # Good deliveries: answered 200 (or 503 if the broker was slow), and then really written.
    good = [o for o in results if o.req.good_id]
    assert good and {o.status for o in good} <= {200, 503}, Counter(o.status for o in good)
    written = {k for k, _ in incoming}
    missing = [o.req.good_id for o in good if o.status == 200 and o.req.good_id not in written]
    assert not missing, missing[:10]
    # Every record the gateway wrote reads back as a comment the worker accepts.
    from civicmod.contract.records import parse_comment

    for _, value in incoming:
        parse_comment(value, 1_000_000)
    # Responsive throughout; stalled connections were cut off.
    assert prober.ok > 0 and not prober.failures, prober.failures[:5]
    assert after.status == 200
    assert all(c for c, _ in head_closed), "a stalled request head was not cut off"
    assert all(c for c, _ in body_closed), "a stalled upload was not cut off"
    assert all(got.startswith(b"HTTP/1.1 408") for _, got in body_closed)
    assert by_kind["oversized"] and set(by_kind["oversized"]) <= {413, 0}
    stats: Callable[[str], float] = lambda line: sum(  # noqa: E731
        float(r.rsplit(" ", 1)[1]) for r in metrics.splitlines() if r.startswith(line))
    assert stats("civicmod_gateway_header_timeouts_total") >= len(heads)
