"""The Faust app of the moderate service: its configuration, and which service method runs as
the ``moderate`` task (the batch consumer), each timer, each task and the ``/health`` and
``/metrics`` pages. The app has no Faust stream (``BatchApp``): the input is read in batches by
``streams.kafka.batches``, whose per-message cost is a tenth of Faust's event path. What they do:
``streams.moderate.service``."""

from __future__ import annotations

from typing import Any

import faust

from civicmod.contract.settings import Settings
from classifiers.loader import LoadedClassifier
from streams.kafka.partitioner import KafkaPartitioner
from streams.kafka.transport import BatchApp
from streams.moderate import diagnostics
from streams.moderate.prometheus import CONTENT_TYPE
from streams.moderate.service import ModerateService


def broker_urls(bootstrap: str) -> list[str]:
    return [f"kafka://{h.strip()}" for h in bootstrap.split(",") if h.strip()]


def create_app(settings: Settings, loaded: LoadedClassifier) -> faust.App:
    """Build the app and its service (creating the state logs); the agents start with the
    worker. The service is ``app.civicmod``."""
    w, k = settings.worker, settings.kafka
    app = BatchApp(
        w.app_id, broker=broker_urls(k.bootstrap_servers), value_serializer="raw",
        key_serializer="raw", store="memory://", topic_partitions=k.partitions,
        topic_replication_factor=k.replication_factor, topic_allow_declare=False,
        topic_disable_leader=True, producer_acks=-1, producer_linger=0.005,
        producer_partitioner=KafkaPartitioner(),
        # never above what the topics take (max.message.bytes = kafka.max_record_bytes)
        producer_max_batch_size=min(w.producer_batch_bytes, k.max_record_bytes),
        producer_max_request_size=k.max_record_bytes, broker_commit_interval=w.commit_interval_s,
        broker_session_timeout=w.session_timeout_s,
        broker_heartbeat_interval=min(3.0, w.session_timeout_s / 3),
        consumer_auto_offset_reset="earliest", web_enabled=w.web_enabled, web_host=w.web_host,
        web_port=w.web_port, web_bind=w.web_host,
    )
    service = ModerateService(settings, loaded, app)
    health = service.health
    app.task(service.moderate)
    if settings.policy.reload_interval_s > 0:
        app.timer(settings.policy.reload_interval_s)(
            health.guarded("policy reload")(service.reload_policy))
    app.timer(600.0)(health.guarded("signal expiry")(service.expire_signals))
    app.timer(w.metrics_interval_s)(health.guarded("metrics")(service.publish_metrics))

    @app.page("/health")
    async def health_view(web: Any, request: Any) -> Any:
        body, status = service.health_report()
        return web.json(body, status=status)

    @app.page("/metrics")
    async def metrics_view(web: Any, request: Any) -> Any:
        return web.bytes(service.metrics.exposition(), headers={"Content-Type": CONTENT_TYPE})

    @app.task
    async def install_diagnostics() -> None:
        diagnostics.install(app)

    app.task(service.follow_state)
    app.civicmod = service  # type: ignore[attr-defined]
    return app
