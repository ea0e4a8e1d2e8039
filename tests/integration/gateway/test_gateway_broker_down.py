"""Kafka unavailable: the gateway answers 503 (never 200 for a comment it did not write) and
takes the platform's redelivery once the broker is back.

Uses a broker of its own (own instance dir and ports), started and stopped by the test, so the
session broker of the other tests is untouched.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from civicmod.contract.settings import Settings, home_dir
from civicmod.dev.localkafka import LocalBroker, free_port
from streams.gateway.accounts import resolve
from streams.gateway.server import ThreadedGateway
from streams.gateway.signatures import meta_signature

pytestmark = pytest.mark.kafka

SECRET = "meta-app-secret-demo"
PAGE = "104729384756201"


def payload(comment: str, text: str) -> bytes:
    return json.dumps({"object": "page", "entry": [{"id": PAGE, "time": 1795262290, "changes": [
        {"field": "feed", "value": {
            "from": {"id": "3141592653", "name": "Margaret Ellis"}, "post_id": f"{PAGE}_777",
            "comment_id": f"777_{comment}", "created_time": 1795262282, "item": "comment",
            "parent_id": f"{PAGE}_777", "verb": "add", "message": text}}]}]}).encode()


def post(url: str, body: bytes) -> tuple[int, dict]:
    req = urllib.request.Request(url + "/webhooks/facebook", data=body, method="POST", headers={
        "X-Hub-Signature-256": meta_signature(SECRET.encode(), body)})
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def wait_until(predicate, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.5)
    raise AssertionError(f"timed out after {timeout_s}s waiting for {what}")


@pytest.fixture
def own_broker(kafka_bootstrap: str, tmp_path: Path) -> Iterator[LocalBroker]:
    # kafka_bootstrap: the jars are resolved (cached) before this broker starts.
    broker = LocalBroker(home=home_dir(), instance_dir=tmp_path / "kafka", port=free_port(),
                         controller_port=free_port())
    try:
        yield broker
    finally:
        broker.stop()


def test_broker_down_gives_503_and_the_redelivery_is_accepted(own_broker: LocalBroker) -> None:
    prefix = f"down{uuid.uuid4().hex[:6]}."
    settings = Settings.model_validate({
        "kafka": {"bootstrap_servers": own_broker.bootstrap, "topic_prefix": prefix},
        "gateway": {"producer_timeout_s": 3, "facebook": {
            "app_secrets": [{"env": "FB"}], "accounts": {PAGE: "page:city-of-example"}}}})
    gw = ThreadedGateway(settings, resolve(settings.gateway, {"FB": SECRET})).start(wait_ready=False)
    try:
        # Started before the broker: alive, not ready, and webhooks are refused with 503.
        assert get(gw.url + "/healthz")[0] == 200
        assert get(gw.url + "/readyz")[0] == 503
        status, body = post(gw.url, payload("1", "first, before the broker"))
        assert status == 503 and "retry" in body["error"]

        own_broker.start(wait_s=120)
        gw.wait_ready(timeout_s=90)
        assert post(gw.url, payload("1", "first, before the broker"))[0] == 200  # the retry

        own_broker.stop()
        status, body = post(gw.url, payload("2", "while the broker is down"))
        assert status == 503, body
        assert body["result"]["failed"] == 1 and body["result"]["written"] == 0
        wait_until(lambda: get(gw.url + "/readyz")[0] == 503, 30, "readyz to report Kafka down")
        assert get(gw.url + "/readyz")[1]["kafka_healthy"] is False

        own_broker.start(wait_s=120)
        results: list[tuple[int, dict]] = []

        def redelivered() -> bool:  # Meta keeps retrying until it gets a 200
            results.append(post(gw.url, payload("2", "while the broker is down")))
            return results[-1][0] == 200

        wait_until(redelivered, 90, "the redelivery to be accepted")
        assert all(status == 503 for status, _ in results[:-1])
        metrics = urllib.request.urlopen(gw.url + "/metrics", timeout=10).read().decode()
        assert 'reason="broker_unavailable"' in metrics and 'reason="not_ready"' in metrics
    finally:
        gw.stop()
    keys = read_keys(own_broker.bootstrap, prefix + "comments.incoming")
    # Both comments are on the topic; the one whose first write was left to retry in the
    # background is not written a second time by the redelivery.
    assert sorted(keys) == ["facebook:777_1", "facebook:777_2"]


def read_keys(bootstrap: str, topic: str) -> list[str]:
    from kafka import KafkaConsumer, TopicPartition

    cons = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    try:
        tps = [TopicPartition(topic, p) for p in sorted(cons.partitions_for_topic(topic) or ())]
        cons.assign(tps)
        cons.seek_to_beginning(*tps)
        ends = cons.end_offsets(tps)
        keys: list[str] = []
        while any(cons.position(tp) < ends[tp] for tp in tps):
            for records in cons.poll(timeout_ms=200).values():
                keys.extend(r.key.decode() for r in records)
        return keys
    finally:
        cons.close()
