"""The worker's ``/metrics`` page on its web port, through a real broker and a real worker:
what it judged is counted there, consumer lag per partition falls to zero once it has caught
up, and the exposition passes ``promtool check metrics``."""

from __future__ import annotations

import urllib.request

from prometheus_client.parser import text_string_to_metric_families

from civicmod.contract.topics import INCOMING
from civicmod.dev.demo import demo_messages
from civicmod.dev.localkafka import free_port
from streams.kafka.client import produce

from conftest import Collector, Setup, wait_for
from promtool_kit import check_metrics


def _scrape(port: int) -> bytes:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as resp:
        assert resp.status == 200
        assert resp.headers["Content-Type"].startswith("text/plain")
        return resp.read()


def _sum(text: bytes, name: str) -> tuple[float, list[dict[str, str]]]:
    samples = [s for fam in text_string_to_metric_families(text.decode()) for s in fam.samples
               if s.name == name]
    return sum(s.value for s in samples), [dict(s.labels) for s in samples]


def test_worker_metrics_page_counts_what_it_judged(pipeline: Setup, collector: Collector) -> None:
    port = free_port()
    pipeline.start_worker(WORKER__WEB_PORT=str(port))
    items = demo_messages(60, 6, run="prom")
    produce(pipeline.bootstrap, ((k, v) for k, v, _ in items), pipeline.topic(INCOMING))
    keys = {k for k, _, _ in items}
    wait_for(lambda: keys <= collector.keys(), 180, message=pipeline.worker_logs)
    n_dead = sum(e.startswith("deadletter") for *_, e in items)

    def lag_settled() -> bool:
        text = _scrape(port)
        lag, labels = _sum(text, "civicmod_worker_consumer_lag_messages")
        return lag == 0 and {lab["topic"] for lab in labels} == {pipeline.topic(INCOMING)}

    wait_for(lag_settled, 60, interval_s=0.5, message=pipeline.worker_logs)
    text = _scrape(port)
    check_metrics(text)
    judged, labels = _sum(text, "civicmod_worker_comments_total")
    assert judged == len(items) - n_dead
    assert all(lab["platform"] and lab["outcome"] and lab["reason"] for lab in labels)
    assert _sum(text, "civicmod_worker_deadletters_total")[0] == n_dead
    assert _sum(text, "civicmod_worker_verdict_latency_seconds_count")[0] == len(items) - n_dead
    assert _sum(text, "civicmod_worker_batch_messages_sum")[0] == len(items)
    (info,) = _sum(text, "civicmod_worker_info")[1]
    assert info["classifier"] and info["policy_version"]
    assert 1 <= len(_sum(text, "civicmod_worker_consumer_lag_messages")[1]) <= 6  # per partition
