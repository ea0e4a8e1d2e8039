"""Live updates for open consoles (server-sent events): claims, releases, decisions and new items
are announced to every connected browser, which then refreshes what it shows. The events carry
ids only; each browser re-reads through the API, so scope checks stay on the server."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any


class Broadcaster:
    #: What a stream yields to end itself (``close``).
    _END = "\x00end"

    def __init__(self, queue_size: int = 256, retry_ms: int = 3000) -> None:
        self._subs: set[asyncio.Queue[str]] = set()
        self.queue_size = queue_size
        self.retry_ms = retry_ms
        self.loop: asyncio.AbstractEventLoop | None = None
        self.dropped = 0
        self.closed = False

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

    def close(self) -> None:
        """End every open stream (server shutdown: browsers reconnect to the next server rather
        than holding this one's graceful shutdown open). Safe to call from any thread."""
        self.closed = True
        if self.loop is None:
            return

        def end() -> None:
            for q in list(self._subs):
                while True:  # make room: the end must arrive even on a full queue
                    try:
                        q.put_nowait(self._END)
                        break
                    except asyncio.QueueFull:
                        q.get_nowait()

        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self.loop:
            end()
        elif not self.loop.is_closed():
            self.loop.call_soon_threadsafe(end)

    async def stream(self, heartbeat_s: float = 15.0) -> AsyncIterator[str]:
        """One browser's events: a ``hello`` first (with the reconnect delay), then each event as
        it is published, a comment line every ``heartbeat_s`` to keep proxies from closing it."""
        if self.closed:
            return
        q: asyncio.Queue[str] = asyncio.Queue(self.queue_size)
        self._subs.add(q)
        try:
            yield f"retry: {self.retry_ms}\nevent: hello\ndata: {{}}\n\n"
            while True:
                try:
                    message = await asyncio.wait_for(q.get(), heartbeat_s)
                except TimeoutError:
                    message = ": keep-alive\n\n"
                if message == self._END:
                    return
                yield message
        finally:
            self._subs.discard(q)

    @property
    def listeners(self) -> int:
        return len(self._subs)
