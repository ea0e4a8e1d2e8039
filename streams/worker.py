"""Run the Faust worker for the configured app (``civicmod worker``)."""

from __future__ import annotations

import logging

from civicmod.config import Settings
from classifiers.loader import load_from_settings
from streams.topics import ensure_topics

log = logging.getLogger("civicmod.worker")


def run_worker(settings: Settings) -> None:
    """Ensure topics, load the classifier, then run the agents until SIGINT/SIGTERM."""
    import faust

    from streams.app import create_app

    k = settings.kafka
    ensure_topics(k.bootstrap_servers, k.partitions, k.replication_factor, k.topic_prefix)
    loaded = load_from_settings(settings.classifier)
    level = logging.WARNING if loaded.fallback or loaded.error else logging.INFO
    logging.getLogger("civicmod").log(level, "classifier: %s", loaded.note)
    print(f"[civicmod worker] classifier: {loaded.note}", flush=True)
    app = create_app(settings, loaded)
    worker = faust.Worker(app, loglevel=settings.worker.loglevel, quiet=True)
    worker.execute_from_commandline()
