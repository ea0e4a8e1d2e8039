"""The actuator's ``/metrics``, served by its web app: actions by result (the alert
``CivicmodActionsFailing`` reads ``status="failed"``) pass ``promtool check metrics``."""

from __future__ import annotations

import asyncio

from aiohttp.test_utils import TestClient, TestServer

from civicmod.contract.settings import Settings
from civicmod.dev.localkafka import free_port
from streams.actuator.service import Actuator

from promtool_kit import check_metrics, exported_names, labels_of, sample_names


def test_served_exposition_has_actions_by_result_and_passes_promtool() -> None:
    settings = Settings.model_validate({"kafka": {"bootstrap_servers": f"127.0.0.1:{free_port()}"}})
    actuator = Actuator(settings)
    m = actuator.metrics
    for status in ("done", "dry_run", "failed", "skipped"):
        m.actions.labels("facebook", "hide", status).inc()
    m.calls.labels("facebook", "hide").inc()
    m.intents.labels("applied").inc()
    m.deadletters.labels("invalid_json").inc()
    m.echoes.labels("ours").inc()

    async def scrape() -> tuple[int, bytes]:
        async with TestClient(TestServer(actuator.web_app())) as http:
            r = await http.get("/metrics")
            return r.status, await r.read()

    status, text = asyncio.run(scrape())
    assert status == 200
    check_metrics(text)
    results = {lab["status"] for lab in labels_of(text, "civicmod_actuator_actions_total")}
    assert results == {"done", "dry_run", "failed", "skipped"}
    assert sample_names(text) <= exported_names(m.registry)
