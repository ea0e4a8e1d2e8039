"""The gateway's ``/metrics``, as served after real requests, passes ``promtool check metrics``;
every counter is exposed with ``_total`` (prometheus_client adds it to the declared names)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from prometheus_client import generate_latest

from civicmod.dev.localkafka import free_port
from streams.gateway.accounts import resolve
from streams.gateway.metrics import GatewayMetrics
from streams.gateway.server import ThreadedGateway
from streams.gateway.signatures import meta_signature

from gateway_harness import ENV, FB_SECRET, Harness, gateway_settings
from promtool_kit import check_metrics, exported_names, sample_names


@pytest.fixture
def offline() -> Iterator[Harness]:
    """A gateway whose broker is unreachable: every refusal before the Kafka write works."""
    settings = gateway_settings(f"127.0.0.1:{free_port()}", "offline.")
    gw = ThreadedGateway(settings, resolve(settings.gateway, ENV)).start(wait_ready=False)
    try:
        yield Harness("", "offline.", gw)
    finally:
        gw.stop()


def test_served_exposition_after_requests_passes_promtool(offline: Harness) -> None:
    raw = b'{"object": "page", "entry": [{"time": Infinity}]}'
    assert offline.request("POST", "/webhooks/facebook", raw,
                           {"X-Hub-Signature-256": meta_signature(FB_SECRET.encode(), raw)}).status == 400
    assert offline.request("POST", "/webhooks/facebook", b"{}",
                           {"X-Hub-Signature-256": "sha256=00"}).status == 401
    text = offline.metrics().encode()
    check_metrics(text)
    assert 'civicmod_gateway_rejected_total{platform="facebook",reason="bad_json"} 1.0' in text.decode()
    assert "civicmod_gateway_requests_total{" in text.decode()


def test_every_family_with_labels_passes_promtool_and_counters_end_in_total() -> None:
    m = GatewayMetrics()
    m.requests.labels("facebook", "POST", "200").inc()
    m.rejected.labels("x", "bad_signature").inc()
    m.events.labels("facebook", "written").inc()
    m.deadletters.labels("facebook", "gateway_invalid_item").inc()
    m.internal_errors.labels("x").inc()
    m.ignored.labels("facebook", "own_comment").inc()
    m.request_seconds.labels("facebook").observe(0.02)
    m.ack_seconds.observe(0.004)
    m.yt_calls.labels("commentThreads.list", "ok").inc()
    m.yt_polls.labels("complete").inc()
    text = generate_latest(m.registry)
    check_metrics(text)
    names = exported_names(m.registry)
    assert sample_names(text) <= names
    counters = {f.name for f in m.registry.collect() if f.type == "counter"}
    assert counters and all(f"{c}_total" in names for c in counters)


def test_the_request_path_helpers_move_the_labelled_series() -> None:
    m = GatewayMetrics()
    for _ in range(3):
        m.request("facebook", "POST", 200)
    m.request("x", "POST", 503)
    m.request_time("facebook", 0.004)
    m.request_time("facebook", 0.2)
    m.event("facebook", "written", 2)
    m.event("facebook", "duplicate")
    get = m.registry.get_sample_value
    assert get("civicmod_gateway_requests_total",
               {"platform": "facebook", "method": "POST", "status": "200"}) == 3
    assert get("civicmod_gateway_requests_total",
               {"platform": "x", "method": "POST", "status": "503"}) == 1
    assert get("civicmod_gateway_request_seconds_count", {"platform": "facebook"}) == 2
    assert get("civicmod_gateway_request_seconds_bucket", {"platform": "facebook", "le": "0.005"}) == 1
    assert get("civicmod_gateway_events_total", {"platform": "facebook", "outcome": "written"}) == 2
    assert get("civicmod_gateway_events_total", {"platform": "facebook", "outcome": "duplicate"}) == 1
    check_metrics(generate_latest(m.registry))
