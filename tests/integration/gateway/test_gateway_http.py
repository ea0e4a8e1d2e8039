"""The gateway over HTTP, through the real Kafka broker: what a platform's delivery turns into.

Each test runs its own gateway (in a thread, real aiohttp server and aiokafka producer) on its own
topic prefix of the session broker, and reads the topics back with a plain consumer: after a 200
everything the request carried is acknowledged, so reading up to the end offsets shows it all."""

from __future__ import annotations

import base64
import json
import logging
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

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
    MAYOR,
    PAGE,
    SECRETS,
    THREE,
    WHSEC_NEW,
    WHSEC_OLD,
    X_SECRET,
    Harness,
    LogCapture,
    Reply,
    fb_payload,
    fb_value,
    gateway_settings,
    generic_comment,
    std_headers,
    tweet,
)

pytestmark = pytest.mark.kafka


@pytest.fixture
def harness(kafka_bootstrap: str) -> Iterator[Harness]:
    prefix = f"gw{uuid.uuid4().hex[:8]}."
    settings = gateway_settings(kafka_bootstrap, prefix)
    with ThreadedGateway(settings, resolve(settings.gateway, ENV)) as gw:
        yield Harness(kafka_bootstrap, prefix, gw)


@pytest.fixture
def gateway_log() -> Iterator[LogCapture]:
    cap = LogCapture()
    logger = logging.getLogger("civicmod.gateway")
    logger.addHandler(cap)
    old = logger.level
    logger.setLevel(logging.INFO)
    try:
        yield cap
    finally:
        logger.removeHandler(cap)
        logger.setLevel(old)


# -- tests ---------------------------------------------------------------------------------------
def test_signed_facebook_batch_redelivery_edit_and_state(harness: Harness) -> None:
    first = harness.facebook(THREE)
    assert first.status == 200, first.body
    assert first.json()["written"] == 3
    incoming = harness.read_all("comments.incoming")
    assert sorted(k for k, _, _ in incoming) == ["facebook:777_901", "facebook:777_902",
                                                 "facebook:777_903"]
    for key, value, headers in incoming:
        assert value["schema"] == "civicmod.comment/1" and value["id"] == key
        assert value["account_id"] == "page:city-of-example"
        assert headers["civicmod-verb"] == "add"
        assert headers["civicmod-webhook-id"] == first.headers["X-Civicmod-Webhook-Id"]
    # Meta redelivers (36 h of retries): nothing new is written.
    again = harness.facebook(THREE)
    assert again.status == 200 and again.json()["duplicates"] == 3 and again.json()["written"] == 0
    assert len(harness.read_all("comments.incoming")) == 3
    # An edit is a new version, written (and so moderated) again; its redelivery is not.
    edit = fb_payload(fb_value("edited", "901", "When will the potholes on Station Road be fixed??"))
    assert harness.facebook(edit).json()["written"] == 1
    assert harness.facebook(edit).json()["duplicates"] == 1
    incoming = harness.read_all("comments.incoming")
    versions = [(v["text"], h["civicmod-verb"]) for k, v, h in incoming if k == "facebook:777_901"]
    assert sorted(versions) == [("When will the potholes on Station Road be fixed?", "add"),
                                ("When will the potholes on Station Road be fixed??", "edited")]
    # Platform-side hide / unhide / remove: state updates, not comments to moderate.
    hide = fb_payload(fb_value("hide", "902", sender=PAGE), fb_value("remove", "903"))
    assert harness.facebook(hide).json()["state"] == 2
    assert harness.facebook(hide).json()["duplicates"] == 2
    unhide = fb_payload(fb_value("unhide", "902", sender=PAGE), time_=1795262390)
    assert harness.facebook(unhide).json()["state"] == 1
    state = harness.read_all("comments.state")
    assert sorted((k, v["verb"]) for k, v, _ in state) == [
        ("facebook:777_902", "hide"), ("facebook:777_902", "unhide"), ("facebook:777_903", "remove")]
    assert all(v["schema"] == "civicmod.comment_state/1" for _, v, _ in state)
    assert len(harness.read_all("comments.incoming")) == 4
    m = harness.metrics()
    assert 'civicmod_gateway_events_total{outcome="written",platform="facebook"} 4.0' in m
    assert 'civicmod_gateway_events_total{outcome="duplicate",platform="facebook"} 6.0' in m


def test_bad_input_gets_its_status_and_writes_nothing(harness: Harness,
                                                      gateway_log: LogCapture) -> None:
    raw = json.dumps(THREE).encode()
    good_sig = {"X-Hub-Signature-256": meta_signature(FB_SECRET.encode(), raw)}
    not_json = b'{"object": "page", "entry": [ potholes'
    big = json.dumps(fb_payload(fb_value("add", "1", "x" * 70_000))).encode()
    unknown = json.dumps(fb_payload(fb_value("add", "1", "hi"), page="999")).encode()
    wrong_shape = json.dumps({"object": "page", "entry": "not a list"}).encode()
    body = json.dumps(generic_comment("c-1", "old news")).encode()

    def fb(raw_body: bytes, headers: dict[str, str] | None = None) -> Reply:
        sig = {"X-Hub-Signature-256": meta_signature(FB_SECRET.encode(), raw_body)}
        return harness.request("POST", "/webhooks/facebook", raw_body,
                               sig if headers is None else headers)

    cases = {
        "missing signature": (fb(raw, {}), 401, "missing_signature"),
        "wrong signature": (fb(raw, {"X-Hub-Signature-256": meta_signature(b"guess", raw)}), 401,
                            "bad_signature"),
        "signature of another body": (fb(raw + b" ", good_sig), 401, "bad_signature"),
        "stale timestamp": (harness.request("POST", "/webhooks/generic/website", body, std_headers(
            WHSEC_NEW, body, "msg_old", int(time.time()) - 600)), 401, "stale_timestamp"),
        "body over the limit": (fb(big), 413, "too_large"),
        "malformed JSON": (fb(not_json), 400, "bad_json"),
        "payload of the wrong shape": (fb(wrong_shape), 400, "bad_payload"),
        "unknown page": (fb(unknown), 404, "unknown_account"),
        # An unknown source is answered like a wrong signature (existence is not revealed).
        "unknown generic source": (harness.request("POST", "/webhooks/generic/nope", body, std_headers(
            WHSEC_NEW, body, "msg_x")), 401, "bad_signature"),
        "x without signature": (harness.request("POST", "/webhooks/x", b"{}"), 401,
                                "missing_signature"),
        "verification with a wrong token": (harness.request(
            "GET", "/webhooks/facebook?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1"),
            403, "verify_failed"),
    }
    for name, (reply, status, _) in cases.items():
        assert reply.status == status, (name, reply.status, reply.body)
        assert b"potholes" not in reply.body and b"old news" not in reply.body, name  # not echoed
    for topic in ("comments.incoming", "comments.state", "comments.deadletter"):
        assert harness.read_all(topic) == [], topic
    m = harness.metrics()
    for name, (_, _, reason) in cases.items():
        assert f'reason="{reason}"' in m, name
    assert 'civicmod_gateway_rejected_total{platform="facebook",reason="bad_signature"} 2.0' in m
    assert 'civicmod_gateway_requests_total{method="POST",platform="facebook",status="401"} 3.0' in m
    # Structured logs: one line per webhook with its id and reason; no secrets, no bodies.
    lines = [json.loads(line) for line in gateway_log.lines]
    webhooks = [entry for entry in lines if entry["msg"] == "webhook"]
    assert len(webhooks) == len(cases)
    assert {"msg_old", "msg_x"} <= {entry["webhook_id"] for entry in webhooks}
    assert all(entry["webhook_id"] and entry["reason"] for entry in webhooks)
    text = "\n".join(gateway_log.lines)
    for secret in SECRETS:
        assert secret not in text
    assert "potholes" not in text and "old news" not in text


def test_subscription_checks(harness: Harness) -> None:
    ok = harness.request("GET", "/webhooks/facebook?hub.mode=subscribe&hub.verify_token=verify-me"
                                "&hub.challenge=1158201444")
    assert (ok.status, ok.body) == (200, b"1158201444")
    assert harness.request("GET", "/webhooks/instagram?hub.mode=subscribe&hub.verify_token=x"
                                  "&hub.challenge=1").status == 403  # no token configured
    crc = harness.request("GET", "/webhooks/x?crc_token=crc-test-123")
    # The published vector for this consumer secret and token.
    assert crc.json() == {"response_token": "sha256=IL+iIXrEKTe4dnhFZ1mO2Nu7xypqqcvxuIrWLFArhsA="}
    assert harness.request("GET", "/webhooks/x").status == 400


def test_instagram_both_envelope_shapes(harness: Harness) -> None:
    def value(cid: str, text: str) -> dict:
        return {"from": {"id": "17841455555555555", "username": "jess.walks"},
                "media": {"id": "18012345678901234", "media_product_type": "FEED"},
                "id": cid, "text": text}

    shapes = [
        {"object": "instagram", "entry": [{"id": IG, "time": 1795262282, "changes": [
            {"field": "comments", "value": value("17865799348089039", "Lovely park gates!")},
            {"field": "live_comments", "value": value("17865799348089040", "hello from live")}]}]},
        {"object": "instagram", "entry": [{"id": IG, "time": 1795262282, "field": "comments",
                                           "value": value("17865799348089041", "other shape")}]},
    ]
    for payload in shapes:
        raw = json.dumps(payload).encode()
        reply = harness.request("POST", "/webhooks/instagram", raw,
                                {"X-Hub-Signature-256": meta_signature(IG_SECRET.encode(), raw)})
        assert reply.status == 200, reply.body
    got = {k: v for k, v, _ in harness.read_all("comments.incoming")}
    assert set(got) == {"instagram:17865799348089039", "instagram:17865799348089040",
                        "instagram:17865799348089041"}
    assert {v["account_id"] for v in got.values()} == {"ig:cityofexample"}


def test_x_copies_per_subscribed_user_become_one_comment(harness: Harness) -> None:
    reply = tweet("1859000000000000106", "@ExampleMayor @ExampleCouncil both of you", MAYOR)
    bodies = [json.dumps({"for_user_id": user, "tweet_create_events": [reply]}).encode()
              for user in (AGENCY, MAYOR, AGENCY)]

    def post(raw: bytes) -> Reply:
        return harness.request("POST", "/webhooks/x", raw,
                               {"x-twitter-webhooks-signature": x_signature(X_SECRET.encode(), raw)})

    with ThreadPoolExecutor(3) as pool:  # the copies arrive together
        replies = list(pool.map(post, bodies))
    assert [r.status for r in replies] == [200, 200, 200]
    assert sum(r.json()["written"] for r in replies) == 1
    assert sum(r.json()["duplicates"] for r in replies) == 2
    ((key, value, _),) = harness.read_all("comments.incoming")
    assert key == "x:1859000000000000106" and value["account_id"] == "x:examplemayor"
    delete = json.dumps({"for_user_id": AGENCY, "tweet_delete_events": [
        {"status": {"id": "1859000000000000106", "user_id": "9998887776"},
         "timestamp_ms": "1795262999000"}]}).encode()
    assert post(delete).json()["state"] == 1
    assert [(k, v["verb"]) for k, v, _ in harness.read_all("comments.state")] == [
        ("x:1859000000000000106", "remove")]


def test_generic_standard_webhook_with_key_rotation(harness: Harness) -> None:
    body = json.dumps(generic_comment("c-42", "The consultation form is broken")).encode()
    replies = []
    for secret, msg in ((WHSEC_NEW, "msg_1"), (WHSEC_OLD, "msg_2")):  # both keys are valid
        reply = harness.request("POST", "/webhooks/generic/website", body,
                                std_headers(secret, body, msg))
        assert reply.status == 200, reply.body
        assert reply.headers["X-Civicmod-Webhook-Id"] == msg
        replies.append(reply.json())
    # The sender retried the same comment: written once.
    assert [(r["written"], r["duplicates"]) for r in replies] == [(1, 0), (0, 1)]
    edited = json.dumps({"type": "comment.updated", "data": generic_comment(
        "c-42", "The consultation form works now")}).encode()
    assert harness.request("POST", "/webhooks/generic/website", edited,
                           std_headers(WHSEC_NEW, edited, "msg_3")).json()["written"] == 1
    got = harness.read_all("comments.incoming")
    assert [(k, v["text"]) for k, v, _ in sorted(got, key=lambda r: r[1]["text"])] == [
        ("generic:website:c-42", "The consultation form is broken"),
        ("generic:website:c-42", "The consultation form works now")]
    assert all(v["platform"] == "generic" and v["account_id"] == "web:city-of-example"
               for _, v, _ in got)


def test_unusable_item_goes_to_the_dead_letter_topic(harness: Harness) -> None:
    broken = fb_value("add", "1", "no id")
    del broken["value"]["comment_id"]
    reply = harness.facebook(fb_payload(broken, fb_value("add", "2", "fine")))
    assert reply.status == 200 and reply.json()["written"] == 1 and reply.json()["invalid"] == 1
    ((_, dead, _),) = harness.read_all("comments.deadletter")
    assert dead["reason"] == "gateway_invalid_item" and dead["stage"] == "gateway"
    assert json.loads(base64.b64decode(dead["raw_base64"])) == broken
    assert "comment_id" in dead["error"]


def test_version_1_dedupe_records_of_an_older_gateway_still_count(kafka_bootstrap: str) -> None:
    """An upgraded gateway reads the one-record-per-key topic its predecessor wrote."""
    from kafka import KafkaProducer

    first = f"gw{uuid.uuid4().hex[:8]}."
    settings = gateway_settings(kafka_bootstrap, first)
    registry = resolve(settings.gateway, ENV)
    with ThreadedGateway(settings, registry) as gw:
        h = Harness(kafka_bootstrap, first, gw)
        accepted = h.facebook(THREE)
        assert accepted.json() == {"ok": True, "webhook_id": accepted.headers["X-Civicmod-Webhook-Id"],
                                   "written": 3, "agency_replies": 0, "state": 0, "invalid": 0,
                                   "duplicates": 0, "ignored": 0, "failed": 0, "rejected": 0}
        assert accepted.headers["Content-Type"] == "application/json; charset=utf-8"
    keys = [k for _, v, _ in h.read_all("gateway.dedupe") for k, _ in v["keys"]]  # flushed at stop
    assert len(keys) == 3
    older = f"gw{uuid.uuid4().hex[:8]}."
    settings = gateway_settings(kafka_bootstrap, older)
    with ThreadedGateway(settings, registry):  # creates the topics
        pass
    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap)
    for key in keys:  # what a version 1 gateway wrote: the key itself, {"webhook_id": ...}
        producer.send(older + "gateway.dedupe", key=key.encode(), value=b'{"webhook_id": "old"}')
    producer.flush()
    producer.close()
    with ThreadedGateway(settings, registry) as gw:
        h = Harness(kafka_bootstrap, older, gw)
        assert h.facebook(THREE).json()["duplicates"] == 3
        assert h.read_all("comments.incoming") == []
        assert "civicmod_gateway_dedupe_keys 3.0" in h.metrics()


def test_dedupe_survives_a_restart_and_ops_endpoints(kafka_bootstrap: str) -> None:
    prefix = f"gw{uuid.uuid4().hex[:8]}."
    settings = gateway_settings(kafka_bootstrap, prefix)
    registry = resolve(settings.gateway, ENV)
    with ThreadedGateway(settings, registry) as gw:
        h = Harness(kafka_bootstrap, prefix, gw)
        assert h.facebook(THREE).json()["written"] == 3
        health = h.request("GET", "/healthz")
        assert health.status == 200 and health.json()["status"] == "ok"
    # A new gateway (or another replica) reads the dedupe keys back from gateway.dedupe.
    with ThreadedGateway(settings, registry) as gw:
        h = Harness(kafka_bootstrap, prefix, gw)
        ready = h.request("GET", "/readyz").json()
        assert ready["ready"] and ready["dedupe_loaded"] and ready["kafka_healthy"]
        again = h.facebook(THREE)
        assert again.status == 200 and again.json()["duplicates"] == 3
        assert len(h.read_all("comments.incoming")) == 3
        records = h.read_all("gateway.dedupe")  # a flush's keys share a record (version 2)
        assert {v["schema"] for _, v, _ in records} == {"civicmod.gateway_dedupe/2"}
        keys = [k for _, v, _ in records for k, _ in v["keys"]]
        assert len(keys) == len(set(keys)) == 3
        m = h.metrics()
        assert 'civicmod_gateway_requests_total{method="POST",platform="facebook",status="200"} 1.0' in m
        assert "civicmod_gateway_dedupe_keys 3.0" in m
        assert "civicmod_gateway_kafka_ack_seconds_bucket" in m
