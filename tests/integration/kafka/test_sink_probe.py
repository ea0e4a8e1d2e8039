"""KafkaSink.probe on a real broker: a round trip for the named topics only, never creating
them, trying each known broker, and a failed probe marks the sink unhealthy until one succeeds."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from streams.kafka.sink import KafkaSink

pytestmark = pytest.mark.kafka


def test_a_topic_probe_asks_for_its_topics_only_and_creates_nothing(kafka_bootstrap: str) -> None:
    missing = f"probe-missing-{uuid.uuid4().hex[:8]}"

    async def main() -> None:
        sink = KafkaSink(kafka_bootstrap, timeout_s=10.0)
        await sink.start()
        client = sink.producer.client  # type: ignore[union-attr]
        asked: list[object] = []
        real_send = client.send

        async def spy(node_id: object, request: object, **kw: object) -> object:
            asked.append(request)
            return await real_send(node_id, request, **kw)

        client.send = spy  # type: ignore[method-assign]
        try:
            sink.healthy = False
            assert await sink.probe([missing]) and sink.healthy
            assert [getattr(r, "_topics", None) for r in asked] == [[missing]]  # aiokafka 0.14's field
            cluster = await client.fetch_all_metadata()
            assert missing not in cluster.topics()  # asking did not create it
            # one broker away: the next known one answers (here: a made-up node first)
            real_brokers = client.cluster.brokers

            class Away:
                nodeId = -42

            client.cluster.brokers = lambda: [Away(), *real_brokers()]  # type: ignore[method-assign]

            async def away_first(node_id: object, request: object, **kw: object) -> object:
                if node_id == -42:
                    from aiokafka.errors import NodeNotReadyError
                    raise NodeNotReadyError("away")
                return await spy(node_id, request, **kw)

            client.send = away_first  # type: ignore[method-assign]
            for _ in range(4):  # whichever order the shuffle gives
                assert await sink.probe([missing]) and sink.healthy
            # no broker answering marks the sink unhealthy
            client.cluster.brokers = lambda: []  # type: ignore[method-assign]
            assert not await sink.probe([missing])
            assert not sink.healthy and "no broker known" in (sink.last_error or "")
            client.cluster.brokers = real_brokers  # type: ignore[method-assign]
        finally:
            await sink.stop()

    asyncio.run(main())

