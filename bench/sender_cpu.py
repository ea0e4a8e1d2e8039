"""The worker's sender: CPU per record handed to Kafka and acknowledged, three ways, one run.

- **per record, aiokafka partitioner**: ``await producer.send(...)`` per record, as the worker
  sent until issue #15's fourth pass (aiokafka's ``DefaultPartitioner``: murmur2 in Python);
- **per record, C partitioner**: the same with ``streams.kafka.partitioner.KafkaPartitioner``;
- **batch per partition**: ``ProducerSender.send_many`` (``create_batch``/``send_batch``).

Each round hands over ``--batch`` verdict-sized records (keys like the worker's, spread over
three topics of 6 partitions, as a batch's verdicts are), flushes, and awaits every
acknowledgement, ``--rounds`` times after a warm-up; the figure is this thread's CPU time per
record (the producer's work runs on this event loop). Modes alternate, ``--repeat`` passes each,
on one broker (``$KAFKA_BOOTSTRAP_SERVERS`` or a local one it starts).

Run: ``.venv/bin/python bench/sender_cpu.py [--batch 128] [--rounds 200] [--repeat 5]``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from benchkit import local_broker, log

from streams.kafka.partitioner import KafkaPartitioner
from streams.moderate.moderator import Output
from streams.moderate.stage import ProducerSender

MODES = ("per record, aiokafka partitioner", "per record, C partitioner", "batch per partition")


class _FaustLike:
    """What ``ProducerSender`` needs of the Faust app's producer."""

    def __init__(self, prod: Any) -> None:
        self.prod = prod

    def client(self) -> Any:
        return self.prod

    async def send_now(self) -> None:
        await self.prod._message_accumulator.flush_for_commit()


class PerRecord:
    """The worker's sender before the fourth pass: one ``send`` per record."""

    def __init__(self, topics: dict[str, str], prod: Any) -> None:
        self.topics, self.prod = topics, prod

    async def send_many(self, records: list[Output]) -> list[Any]:
        return [await self.prod.send(self.topics[r.topic], r.value, key=r.key, partition=r.partition)
                for r in records]


def _topics(bootstrap: str) -> dict[str, str]:
    from kafka import KafkaAdminClient
    from kafka.admin import NewTopic

    names = {t: f"sender-{t}-{uuid.uuid4().hex[:6]}" for t in ("publish", "escalate", "hide")}
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        admin.create_topics([NewTopic(n, 6, 1) for n in names.values()])
    finally:
        admin.close()
    return names


async def _pass(bootstrap: str, topics: dict[str, str], mode: str, batch: int, rounds: int) -> float:
    from aiokafka import AIOKafkaProducer
    from aiokafka.partitioner import DefaultPartitioner

    partitioner = DefaultPartitioner() if mode == MODES[0] else KafkaPartitioner()
    prod = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True,
                            linger_ms=5, partitioner=partitioner)
    await prod.start()
    faustlike = _FaustLike(prod)
    sender = ProducerSender(topics, faustlike) if mode == MODES[2] else PerRecord(topics, prod)
    records = [Output(("publish", "escalate", "hide")[i % 3],
                      f"facebook:104729384756201_{uuid.uuid4().int % 10**16}".encode(),
                      b'{"verdict": "%d"}' % i + b" " * 1300) for i in range(batch)]

    async def one() -> None:
        handed = await sender.send_many(records)
        await faustlike.send_now()
        for fut in {id(f): f for f in handed}.values():
            await fut

    try:
        for _ in range(20):
            await one()
        t = time.thread_time()
        for _ in range(rounds):
            await one()
        return (time.thread_time() - t) / (rounds * batch) * 1e6
    finally:
        await prod.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--batch", type=int, default=128, help="records per round (worker.batch_size)")
    ap.add_argument("--rounds", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    with ExitStack() as stack:
        bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS") or local_broker(
            stack, Path(stack.enter_context(tempfile.TemporaryDirectory())))
        topics = _topics(bootstrap)
        figures: dict[str, list[float]] = {m: [] for m in MODES}
        for rep in range(args.repeat):
            for mode in MODES if rep % 2 == 0 else MODES[::-1]:
                figures[mode].append(asyncio.run(_pass(bootstrap, topics, mode, args.batch, args.rounds)))
                log(f"pass {rep + 1} {mode}: {figures[mode][-1]:.2f} µs CPU per record")
    base = statistics.median(figures[MODES[0]])
    print(f"| sender ({args.batch} records a round, {args.rounds} rounds, median of {args.repeat}) "
          f"| µs CPU per record (spread) | vs per record, aiokafka partitioner |")
    print("|---|---:|---:|")
    for mode in MODES:
        med = statistics.median(figures[mode])
        print(f"| {mode} | {med:.2f} ({min(figures[mode]):.2f}–{max(figures[mode]):.2f}) "
              f"| {med / base:.2f} |")


if __name__ == "__main__":
    sys.exit(main())
