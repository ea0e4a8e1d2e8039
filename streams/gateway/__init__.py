"""The webhook gateway: platform webhooks and pollers in, canonical Comments on Kafka out.

``civicmod gateway`` runs an aiohttp app (``streams.gateway.app``) with one idempotent aiokafka
producer (acks=all). A request is answered 200 only once everything it carried is acknowledged
by the broker; duplicates (platform redeliveries) are dropped against a compacted topic; a
broker that does not answer gives 503 so the platform retries. See docs/gateway.md.

Modules: ``signatures`` (constant-time checks), ``accounts`` (platform ids → agency accounts,
secrets from env/files), ``events`` + ``normalize`` (pure payload → Comment / state event
functions), ``table`` (compacted-topic state), ``dedupe``, ``sink`` (the producer), ``ingest``
(dedupe + write), ``youtube`` (the poller), ``metrics``, ``logs``, ``routes``, ``app``,
``server`` (process and in-thread runners).
"""
