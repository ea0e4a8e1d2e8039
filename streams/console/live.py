"""Live updates for open consoles (server-sent events): claims, releases, decisions and new items
are announced to every connected browser, which then refreshes what it shows. The events carry
ids only; each browser re-reads through the API, so scope checks stay on the server."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any


class Broadcaster:
    def __init__(self, queue_size: int = 256) -> None:
        self._subs: set[asyncio.Queue[str]] = set()
        self.queue_size = queue_size
        self.loop: asyncio.AbstractEventLoop | None = None
        self.dropped = 0

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop

    def publish(self, type_: str, data: dict[str, Any]) -> None:
        """Announce an event; safe to call from any thread."""
        if self.loop is None:
            return
        message = f"event: {type_}\ndata: {json.dumps(data, default=str)}\n\n"
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self.loop:
            self._fan_out(message)
        else:
            self.loop.call_soon_threadsafe(self._fan_out, message)

    def _fan_out(self, message: str) -> None:
        for q in list(self._subs):
            try:
                q.put_nowait(message)
            except asyncio.QueueFull:
                self.dropped += 1  # a stalled browser misses events; it refreshes on reconnect

    async def stream(self, heartbeat_s: float = 15.0) -> AsyncIterator[str]:
        q: asyncio.Queue[str] = asyncio.Queue(self.queue_size)
        self._subs.add(q)
        try:
            yield "event: hello\ndata: {}\n\n"
            while True:
                try:
                    yield await asyncio.wait_for(q.get(), heartbeat_s)
                except TimeoutError:
                    yield ": keep-alive\n\n"
        finally:
            self._subs.discard(q)

    @property
    def listeners(self) -> int:
        return len(self._subs)
