"""End to end on the demo feed: the worker tags citizens' questions, the metrics service pairs them
with the agency's replies, and a real Prometheus server (Debian's ``prometheus``) scraping the
service evaluates the shipped alert rules: ``CivicmodNeglectedAccount`` fires for the account that
never replies, and not for the one that does."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import yaml

from civicmod.contract.records import utcnow
from civicmod.contract.topics import AGENCY_REPLIES, INCOMING
from civicmod.dev.demo import ACCOUNT, SILENT_ACCOUNT, agency_reply_messages, demo_messages
from civicmod.dev.localkafka import free_port
from streams.kafka.client import produce

from conftest import Setup, wait_for
from metrics_harness import MetricsService

REPO = Path(__file__).resolve().parents[3]
ALERTS = REPO / "deploy/prometheus/alerts.yml"


def _prometheus() -> str:
    found = shutil.which("prometheus")
    if found is None:
        if os.environ.get("CIVICMOD_REQUIRE_PROMTOOL"):
            pytest.fail("the prometheus server (Debian package prometheus) is required here")
        pytest.skip("no prometheus server here (Debian package prometheus)")
    return found


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as resp:
        return json.loads(resp.read())


def _alerts(base: str) -> list[dict[str, Any]]:
    try:
        return _get(base + "/api/v1/alerts")["data"]["alerts"]
    except OSError:
        return []


def test_neglected_account_alert_fires_for_the_silent_demo_account(pipeline: Setup, tmp_path: Path):
    binary = _prometheus()
    metrics = MetricsService(pipeline).start()
    pipeline.start_worker()
    now = utcnow()
    feed = demo_messages(run="alert-", now=now)
    produce(pipeline.bootstrap, ((k, v) for k, v, _ in feed), pipeline.topic(INCOMING))
    produce(pipeline.bootstrap, agency_reply_messages(run="alert-", now=now),
            pipeline.topic(AGENCY_REPLIES))
    wait_for(metrics.ready, 90, message=metrics.logs)

    # The shipped rules, with the pending period cut to nothing (the condition itself unchanged).
    rules = yaml.safe_load(ALERTS.read_text())
    for group in rules["groups"]:
        group["interval"] = "1s"
        for rule in group["rules"]:
            rule.pop("for", None)
    (tmp_path / "alerts.yml").write_text(yaml.safe_dump(rules))
    port = free_port()
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump({
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(tmp_path / "alerts.yml")],
        "scrape_configs": [{"job_name": "metrics",
                            "static_configs": [{"targets": [f"127.0.0.1:{metrics.port}"]}]}],
    }))
    log = open(tmp_path / "prometheus.log", "wb")  # noqa: SIM115
    server = subprocess.Popen([binary, f"--config.file={tmp_path / 'prometheus.yml'}",
                               f"--storage.tsdb.path={tmp_path / 'tsdb'}",
                               f"--web.listen-address=127.0.0.1:{port}"],
                              stdout=log, stderr=subprocess.STDOUT)
    log.close()
    base = f"http://127.0.0.1:{port}"
    try:
        def neglected() -> list[dict[str, Any]]:
            return [a for a in _alerts(base) if a["labels"]["alertname"] == "CivicmodNeglectedAccount"
                    and a["state"] == "firing"]

        wait_for(lambda: any(a["labels"]["account"] == SILENT_ACCOUNT for a in neglected()), 120,
                 message=lambda: (_alerts(base), metrics.logs(),
                                  (tmp_path / "prometheus.log").read_text()[-2000:]))
        firing = {a["labels"]["account"]: a for a in neglected()}
        # The silent account: three questions, no reply ever; named in the alert's summary.
        assert SILENT_ACCOUNT in firing[SILENT_ACCOUNT]["annotations"]["summary"]
        assert float(firing[SILENT_ACCOUNT]["value"]) == 3
        # The council's page answered some of its questions today: not neglected.
        assert ACCOUNT not in firing
        # The engagement gauges Prometheus stored say why.
        q = urllib.parse.quote(f'civicmod_engagement_last_reply_timestamp_seconds{{account="{ACCOUNT}"}}')
        last = _get(f"{base}/api/v1/query?query={q}")["data"]["result"]
        assert last and float(last[0]["value"][1]) > now.timestamp() - 86400
    finally:
        server.terminate()
        server.wait(timeout=30)
        metrics.stop()
