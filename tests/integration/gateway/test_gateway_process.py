"""``civicmod gateway`` as an operator runs it: a real process, configured from the environment."""

from __future__ import annotations

import base64
import json
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from civicmod.dev.localkafka import free_port
from streams.gateway.signatures import sign_standard

from gateway_cli_fixtures import base_env

pytestmark = pytest.mark.kafka


SECRET = "whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="


@pytest.mark.kafka
def test_gateway_process_serves_logs_and_stops_cleanly(kafka_bootstrap: str, tmp_path: Path) -> None:
    port = free_port()
    env = base_env(tmp_path, KAFKA_BOOTSTRAP_SERVERS=kafka_bootstrap, WEBSITE_WEBHOOK_SECRET=SECRET,
                   CIVICMOD__KAFKA__TOPIC_PREFIX=f"cli{uuid.uuid4().hex[:6]}.",
                   CIVICMOD__GATEWAY__PORT=str(port))
    log = tmp_path / "gateway.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "civicmod.cli", "gateway"], env=env,
                                stdout=out, stderr=subprocess.STDOUT, cwd=tmp_path)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            try:
                with urllib.request.urlopen(url + "/readyz", timeout=5) as resp:
                    if json.loads(resp.read())["ready"]:
                        break
            except (urllib.error.HTTPError, OSError):
                pass
            time.sleep(0.3)
        body = json.dumps({"id": "c-1", "author": {"id": "resident-7"},
                           "text": "Is the tip open on Sunday?"}).encode()
        headers = sign_standard(base64.b64decode(SECRET.removeprefix("whsec_")), body, "msg_cli_1")
        req = urllib.request.Request(url + "/webhooks/generic/website", data=body, method="POST",
                                     headers={"Content-Type": "application/json", **headers})
        with urllib.request.urlopen(req, timeout=30) as resp:
            assert resp.status == 200 and json.loads(resp.read())["written"] == 1
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=60)
    assert code == 0, log.read_text()
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    hook = next(e for e in lines if e["msg"] == "webhook")
    assert (hook["webhook_id"], hook["status"], hook["platform"]) == ("msg_cli_1", 200, "generic")
    assert lines[-1]["msg"] == "gateway stopped"
    # its own process: the start-up heap is frozen out of the collector's sight once ready
    settled = next(e for e in lines if e["msg"] == "heap settled after warm-up")
    assert settled["service"] == "gateway" and settled["frozen_objects"] > 10_000
    assert lines.index(settled) < lines.index(next(e for e in lines if e["msg"] == "gateway ready"))
    assert SECRET.removeprefix("whsec_") not in log.read_text()
