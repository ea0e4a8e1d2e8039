"""Faust's livelock detector on a partition still awaiting its position after a rebalance:
checked later, instead of an ``AssertionError`` that crashed the worker's consumer."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from faust.transport.drivers import aiokafka as faust_aiokafka

from streams.kafka.transport import ConsumerThread


def _thread(state: Any) -> ConsumerThread:
    thread = object.__new__(ConsumerThread)
    assignment = SimpleNamespace(state_value=lambda tp: state)
    consumer = SimpleNamespace(_fetcher=SimpleNamespace(_subscriptions=SimpleNamespace(
        subscription=SimpleNamespace(assignment=assignment))))
    thread._ensure_consumer = lambda: consumer  # type: ignore[method-assign]
    return thread


def test_a_partition_without_a_position_is_checked_later(monkeypatch: pytest.MonkeyPatch) -> None:
    checked: list[Any] = []
    monkeypatch.setattr(faust_aiokafka.AIOKafkaConsumerThread, "verify_event_path",
                        lambda self, now, tp: checked.append(tp))
    tp = SimpleNamespace(topic="comments.incoming", partition=3)
    assert _thread(SimpleNamespace(has_valid_position=False)).verify_event_path(1.0, tp) is None
    assert checked == []  # Faust's check (which would assert on the position) was not reached
    _thread(SimpleNamespace(has_valid_position=True)).verify_event_path(1.0, tp)
    assert checked == [tp]


def test_no_subscription_yet_is_not_a_crash() -> None:
    thread = object.__new__(ConsumerThread)
    thread._ensure_consumer = lambda: SimpleNamespace(  # type: ignore[method-assign]
        _fetcher=SimpleNamespace(_subscriptions=SimpleNamespace(subscription=None)))
    assert thread.verify_event_path(1.0, SimpleNamespace(topic="t", partition=0)) is None
