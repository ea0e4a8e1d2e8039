"""End to end on the demo feed: the worker tags citizens' questions, the metrics service pairs them
with the agency's replies, and a real Prometheus server (Debian's ``prometheus``) scraping the
service evaluates the shipped alert rules: ``CivicmodNeglectedAccount`` fires for the account that
never replies, and not for the one that does. Then ``civicmod report`` over the same days gives
each account's response rate, first-response times and unanswered questions."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import urllib.parse
import urllib.request
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from civicmod.contract.records import DURATION_BOUNDS_S, utcnow
from civicmod.contract.topics import AGENCY_REPLIES, INCOMING
from civicmod.dev.demo import (
    ACCOUNT,
    DEMO_ENGAGEMENT,
    SILENT_ACCOUNT,
    agency_reply_messages,
    demo_agency_replies,
    demo_messages,
)
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
        _report_engagement(pipeline, metrics, now, tmp_path)
    finally:
        server.terminate()
        server.wait(timeout=30)
        metrics.stop()


def _report_engagement(pipeline: Setup, metrics: MetricsService, now: Any, tmp_path: Path) -> None:
    """The transparency report's engagement rows for the demo's accounts, from the daily
    aggregates the metrics service wrote (its first-response figures are bucket bounds)."""
    replies = demo_agency_replies(run="alert-", now=now)
    asked = [e for e in DEMO_ENGAGEMENT if e.account == ACCOUNT]
    delays = sorted(e.reply_after.total_seconds() for e in asked if e.reply)
    assert len(delays) == len(replies) == 4

    def report() -> dict[tuple[str, str], float]:
        out = tmp_path / "report"
        start = (now - timedelta(days=6)).date().isoformat()
        done = subprocess.run([sys.executable, "-m", "civicmod.cli", "report", "--from", start,
                               "--to", now.date().isoformat(), "--out", str(out)],
                              env=pipeline.env, capture_output=True, text=True, timeout=180,
                              cwd=tmp_path)
        assert done.returncode == 0, done.stdout + done.stderr
        with open(out / "report.csv", newline="") as f:
            rows = list(csv.DictReader(f))
        return {(r["account_id"], r["measure"]): float(r["value"]) for r in rows if not r["key"]}

    # the daily windows are written by the service's clock: wait until every reply is counted
    wait_for(lambda: report().get((ACCOUNT, "answered")) == len(delays), 120, message=metrics.logs)
    got = report()
    assert got[(ACCOUNT, "agency_replies")] == len(replies)
    assert got[(ACCOUNT, "first_response_p50_s")] == _bound(delays[1])  # 2nd of 4 delays
    assert got[(ACCOUNT, "first_response_p90_s")] == _bound(delays[3])
    assert got[(ACCOUNT, "unanswered")] == got[(ACCOUNT, "needs_reply")] - len(delays) > 0
    assert got[(ACCOUNT, "response_rate")] == round(len(delays) / got[(ACCOUNT, "needs_reply")], 4)
    # the silent account: three questions, none answered, no first-response figure
    assert got[(SILENT_ACCOUNT, "needs_reply")] == 3 and got[(SILENT_ACCOUNT, "answered")] == 0
    assert got[(SILENT_ACCOUNT, "response_rate")] == 0
    assert (SILENT_ACCOUNT, "first_response_p50_s") not in got


def _bound(seconds: float) -> float:
    """The upper bound of the distribution bucket a duration falls in."""
    return next(b for b in DURATION_BOUNDS_S if seconds <= b)
