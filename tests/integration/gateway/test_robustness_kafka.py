"""No input stops the gateway, with the session broker: oversized and unusable items are dead
letters (200, /readyz unchanged), a record Kafka refuses is a per-item failure, and hostile but
signed payloads never get a 500."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator

import pytest

from streams.gateway.accounts import resolve
from streams.gateway.server import ThreadedGateway

from gateway_harness import (
    ENV,
    PAGE,
    WHSEC_NEW,
    Harness,
    fb_payload,
    fb_value,
    gateway_settings,
    generic_comment,
    std_headers,
    tweet,
)
from robustness_harness import metric, signed_x

pytestmark = pytest.mark.kafka


# -- per-item problems with the broker up ------------------------------------------------------------
@pytest.fixture
def big_harness(kafka_bootstrap: str) -> Iterator[Harness]:
    """A gateway with the default body limit (1 MiB) and a small dead-letter excerpt (1 KiB)."""
    prefix = f"gwr{uuid.uuid4().hex[:8]}."
    settings = gateway_settings(kafka_bootstrap, prefix, max_body_bytes=1024 * 1024)
    settings = settings.model_copy(update={"kafka": settings.kafka.model_copy(
        update={"deadletter_raw_bytes": 1024})})
    with ThreadedGateway(settings, resolve(settings.gateway, ENV)) as gw:
        yield Harness(kafka_bootstrap, prefix, gw)


def ready(h: Harness) -> bool:
    try:
        with urllib.request.urlopen(h.url + "/readyz", timeout=10) as resp:
            return resp.status == 200
    except urllib.error.HTTPError:
        return False


@pytest.mark.kafka
def test_oversized_and_unusable_items_are_dead_letters_not_503(big_harness: Harness) -> None:
    """The measured 503: a signed batch whose only item is unusable and 900 KB; its dead letter
    (base64 of 900 KB) was over the producer's request limit and the gateway took that for the
    broker being down. Now dead letters keep an excerpt and a too-large comment is one too."""
    h = big_harness
    unusable = fb_value("add", "1", "x" * 900_000)
    del unusable["value"]["comment_id"]
    reply = h.facebook(fb_payload(unusable))
    assert reply.status == 200, reply.body
    assert reply.json()["invalid"] == 1 and reply.json()["failed"] == 0
    assert ready(h)
    huge = fb_value("add", "2", "y" * 300_000)  # a record over kafka.max_comment_bytes (256 KiB)
    bad_times = [fb_value("add", str(n), "fine text") for n in (3, 4)]
    bad_times[0]["value"]["created_time"] = 1e20
    bad_times[1]["value"]["created_time"] = 1e300
    reply = h.facebook(fb_payload(huge, *bad_times, fb_value("add", "5", "a normal comment")))
    assert reply.status == 200, reply.body
    assert (reply.json()["written"], reply.json()["invalid"]) == (1, 3)
    assert ready(h)
    dead = {v["reason"]: (k, v) for k, v, _ in h.read_all("comments.deadletter")}
    assert set(dead) == {"gateway_invalid_item", "gateway_item_too_large"}
    _, first = dead["gateway_invalid_item"]
    assert first["raw_truncated"] and first["raw_size"] > 900_000 and len(first["raw_sha256"]) == 64
    assert len(base64.b64decode(first["raw_base64"])) == 1024
    key, too_large = dead["gateway_item_too_large"]
    assert key == "facebook:777_2" and "max_comment_bytes" in too_large["error"]
    incoming = h.read_all("comments.incoming")
    assert [k for k, _, _ in incoming] == ["facebook:777_5"]
    times = [v for _, v, _ in h.read_all("comments.deadletter")
             if "created_time" in v["error"]]
    assert len(times) == 2 and all("1e" not in v["error"] for v in times)
    # Redelivered: the oversized comment is a duplicate, not another dead letter.
    again = h.facebook(fb_payload(huge))
    assert again.status == 200 and again.json()["duplicates"] == 1
    m = h.metrics()
    too_large = 'civicmod_gateway_deadletters_total{platform="facebook",reason="gateway_item_too_large"}'
    assert metric(m, too_large) == 1
    assert 'platform="facebook",status="503"' not in m and 'status="500"' not in m


@pytest.mark.kafka
def test_a_record_kafka_refuses_is_a_per_item_failure(big_harness: Harness) -> None:
    """MessageSizeTooLargeError for one record (here: the producer's limit lowered below the
    comment's size) dead-letters that item, the rest of the batch is written, the response says
    so, and the gateway stays ready; if even the dead letter does not fit, the item is counted
    ``rejected`` (still 200: a redelivery could not do better)."""
    h = big_harness
    producer = h.gw.gateway.sink.producer
    assert producer is not None
    producer._max_request_size = 6000  # the comment below is ~8 KB; its dead letter ~2 KB
    reply = h.facebook(fb_payload(fb_value("add", "10", "z" * 8000), fb_value("add", "11", "ok")))
    assert reply.status == 200, reply.body
    assert (reply.json()["written"], reply.json()["invalid"], reply.json()["rejected"]) == (1, 1, 0)
    ((key, dead, _),) = h.read_all("comments.deadletter")
    assert key == "facebook:777_10" and dead["reason"] == "gateway_write_rejected"
    assert "MessageSizeTooLargeError" in dead["error"] and dead["raw_truncated"]
    assert ready(h) and h.gw.gateway.sink.healthy
    producer._max_request_size = 1500  # now the dead letter does not fit either
    reply = h.facebook(fb_payload(fb_value("add", "12", "w" * 8000), fb_value("add", "13", "ok")))
    assert reply.status == 200, reply.body
    assert (reply.json()["written"], reply.json()["rejected"]) == (1, 1)
    assert ready(h)
    m = h.metrics()
    assert metric(m, 'civicmod_gateway_events_total{outcome="rejected",platform="facebook"}') == 1
    assert 'platform="facebook",status="503"' not in m


@pytest.mark.kafka
def test_hostile_but_signed_payloads_never_500(big_harness: Harness) -> None:
    """The measured 500s, through HTTP: huge timestamps, lone surrogates, ids too big."""
    h = big_harness
    t = tweet("1859000000000000200", "@ExampleCouncil hi")
    t["timestamp_ms"], t["created_at"] = "1" * 16, None
    bodies = [
        json.dumps({"for_user_id": "2244994945", "tweet_create_events": [t]}).encode(),
        json.dumps({"for_user_id": "2244994945", "tweet_delete_events": [
            {"status": {"id": "1", "user_id": "2"}, "timestamp_ms": 1e300}]}).encode(),
        json.dumps({"for_user_id": 10**300, "tweet_create_events": []}).encode(),
        b'{"for_user_id": "2244994945", "tweet_create_events": [{"text": "\\udc00"}]}',
    ]
    statuses = [signed_x(h, raw).status for raw in bodies]
    assert statuses == [200, 200, 400, 400], statuses
    generic = [json.dumps(dict(generic_comment("g1", "x"), created_at=v)).encode()
               for v in (1e20, "2026-02-30T00:00:00Z", True)]
    for i, body in enumerate(generic):
        reply = h.request("POST", "/webhooks/generic/website", body,
                          std_headers(WHSEC_NEW, body, f"msg_g{i}"))
        assert reply.status == 400 and "created_at" in reply.json()["error"], reply.body
    assert PAGE  # the Facebook cases are in the tests above
    assert 'status="500"' not in h.metrics()
