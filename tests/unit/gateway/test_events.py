"""streams.gateway.events.computed_once: computed once per event, and never a lock shared
between the event loop and the decode thread."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from streams.gateway.events import computed_once


@dataclass(frozen=True)
class Slow:
    name: str
    started: threading.Event
    release: threading.Event

    @computed_once
    def value(self) -> bytes:
        self.started.set()
        assert self.release.wait(10), "never released"
        return self.name.encode()


def test_computed_once_per_instance_on_a_frozen_dataclass() -> None:
    calls: list[str] = []

    @dataclass(frozen=True)
    class Event:
        text: str

        @computed_once
        def key(self) -> str:
            calls.append(self.text)
            return f"k|{self.text}"

    a, b = Event("a"), Event("b")
    assert (a.key, a.key, b.key) == ("k|a", "k|a", "k|b")
    assert calls == ["a", "b"]
    assert a.__dict__["key"] == "k|a"  # kept on the instance, read from there next time
    assert isinstance(Event.key, computed_once)


def test_one_instance_computing_never_holds_up_another() -> None:
    """With Python 3.11's functools.cached_property (one lock per property, shared by every
    instance) the second value waits until the first is released: here it does not."""
    started, release = threading.Event(), threading.Event()
    slow = Slow("slow", started, release)
    other = Slow("other", threading.Event(), threading.Event())
    other.release.set()
    with ThreadPoolExecutor(1) as pool:
        first = pool.submit(lambda: slow.value)
        assert started.wait(10)
        with ThreadPoolExecutor(1) as second_pool:  # another thread, while the first computes
            assert second_pool.submit(lambda: other.value).result(5) == b"other"
        assert not first.done()
        release.set()
        assert first.result(10) == b"slow"
