"""Prometheus metrics of one gateway (its own registry, served at ``/metrics``).

Every request is counted by platform and status code, every rejection by its reason, every item
by what became of it; nothing is dropped without a counter moving.
"""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, disable_created_metrics

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)


class GatewayMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        disable_created_metrics()  # no *_created series: they double the output for nothing
        self.registry = registry or CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter(
            "civicmod_gateway_requests", "HTTP requests answered, by platform, method and status.",
            ["platform", "method", "status"], registry=r)
        self.rejected = Counter(
            "civicmod_gateway_rejected", "Requests refused, by platform and reason (bad_signature, "
            "missing_signature, stale_timestamp, too_large, body_timeout, too_deep, bad_json, "
            "bad_utf8, bad_unicode, bad_payload, unknown_account, broker_unavailable, not_ready, "
            "verify_failed, not_configured, internal_error).",
            ["platform", "reason"], registry=r)
        self.events = Counter(
            "civicmod_gateway_events", "Items received, by platform and outcome: written "
            "(comments.incoming), agency_reply (comments.agency_replies), state (comments.state), "
            "invalid (comments.deadletter), duplicate "
            "(dropped as a redelivery), failed (not acknowledged: the request got 503), rejected "
            "(refused by Kafka for good, e.g. too large, and not even its dead letter fitted).",
            ["platform", "outcome"], registry=r)
        self.deadletters = Counter(
            "civicmod_gateway_deadletters", "Items sent to comments.deadletter, by platform and "
            "reason (gateway_invalid_item, gateway_item_too_large, gateway_unencodable, "
            "gateway_write_rejected).", ["platform", "reason"], registry=r)
        self.header_timeouts = Counter(
            "civicmod_gateway_header_timeouts", "Connections closed because no complete request "
            "head arrived within gateway.header_timeout_s.", registry=r)
        self.bad_http = Counter(
            "civicmod_gateway_bad_http_requests", "Requests refused by the HTTP parser before "
            "routing (malformed request line, header or chunked body): answered 400, closed.",
            registry=r)
        self.internal_errors = Counter(
            "civicmod_gateway_internal_errors", "Requests answered 500 (a bug: the traceback is "
            "in the log), by platform.", ["platform"], registry=r)
        self.ignored = Counter(
            "civicmod_gateway_ignored", "Items that are not comments to moderate, by platform and "
            "why (e.g. item:reaction, own_comment, not_a_reply_to_agency).",
            ["platform", "reason"], registry=r)
        self.notes = Counter(
            "civicmod_gateway_notes", "Things kept as they were in comments that are still "
            "written, by platform and reason (link_unresolved: a link entity that could not be "
            "used, its wrapped link left in the text).", ["platform", "reason"], registry=r)
        self.request_seconds = Histogram(
            "civicmod_gateway_request_seconds", "Webhook handling time (body read → answer), by "
            "platform; a 200 includes the Kafka acknowledgement.", ["platform"],
            buckets=LATENCY_BUCKETS, registry=r)
        self.ack_seconds = Histogram(
            "civicmod_gateway_kafka_ack_seconds", "Time from producing a record to its acks=all "
            "acknowledgement.", buckets=LATENCY_BUCKETS, registry=r)
        self.pending = Gauge("civicmod_gateway_pending_writes",
                             "Records handed to the producer and not yet acknowledged.", registry=r)
        self.dedupe_keys = Gauge("civicmod_gateway_dedupe_keys",
                                 "Dedupe keys held (within the window).", registry=r)
        self.dedupe_record_errors = Counter(
            "civicmod_gateway_dedupe_record_errors", "Dedupe keys that could not be written to "
            "gateway.dedupe (a later redelivery may then be written twice).", registry=r)
        self.ready = Gauge("civicmod_gateway_ready", "1 when the gateway accepts webhooks.",
                           registry=r)
        # YouTube poller
        self.yt_calls = Counter(
            "civicmod_gateway_youtube_api_calls", "YouTube Data API calls, by method and result "
            "(ok, quota_exceeded, http_<code>, error).", ["method", "result"], registry=r)
        self.yt_units = Gauge("civicmod_gateway_youtube_quota_used_units",
                              "Quota units this poller spent today (Pacific time).", registry=r)
        self.yt_budget = Gauge("civicmod_gateway_youtube_quota_budget_units",
                               "The poller's daily budget (gateway.youtube.daily_quota_units).",
                               registry=r)
        #: Label children by their label values: ``labels()`` costs ~3x the ``inc()`` itself,
        #: and the request path moves these for every webhook.
        self._children: dict[tuple[str, ...], Any] = {}
        self.yt_polls = Counter(
            "civicmod_gateway_youtube_polls", "Channel polls, by how they ended (complete, "
            "quota_exhausted, api_error, broker_unavailable).", ["result"], registry=r)

    def request(self, platform: str, method: str, status: int) -> None:
        """``requests{platform,method,status}`` + 1."""
        self._child("requests", platform, method, str(status)).inc()

    def request_time(self, platform: str, seconds: float) -> None:
        """``request_seconds{platform}`` observes ``seconds``."""
        self._child("request_seconds", platform).observe(seconds)

    def event(self, platform: str, outcome: str, n: int = 1) -> None:
        """``events{platform,outcome}`` + ``n``."""
        self._child("events", platform, outcome).inc(n)

    def _child(self, metric: str, *values: str) -> Any:
        key = (metric, *values)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = getattr(self, metric).labels(*values)
        return child
