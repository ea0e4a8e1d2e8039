"""Free TCP ports for the local broker, databases and services started by tests and tools.

A port is picked at random *below* the kernel's ephemeral range, not from it: every outgoing
connection (a test's client, a Kafka consumer) takes its local port from that range, so a port
the kernel just handed out with ``bind(0)`` and released can be taken by some client before the
server binds it (seen as "Address already in use" from a broker under a parallel test run).
"""

from __future__ import annotations

import functools
import random
import socket
from pathlib import Path

#: Where picked ports start: above the well-known and commonly configured ones (9092, 5432, 8080…).
LOWEST = 10_000
_RANGE_FILE = Path("/proc/sys/net/ipv4/ip_local_port_range")
_pick = random.SystemRandom()  # not the seeded generator: forked test workers must differ
#: Ports this process handed out already (a caller often takes several before binding any).
_given: set[int] = set()


@functools.cache
def ephemeral_range(path: Path = _RANGE_FILE) -> tuple[int, int]:
    """The kernel's range for outgoing connections' local ports (Linux's default elsewhere);
    read once per process."""
    try:
        low, high = (int(x) for x in path.read_text().split())
        return low, high
    except (OSError, ValueError):
        return 32_768, 60_999


def free_port(host: str = "127.0.0.1", range_file: Path = _RANGE_FILE) -> int:
    """A TCP port of ``host`` that nothing is bound to now and this process has not handed out
    before, outside the ephemeral range when there is room below it (else one the kernel picks)."""
    low, _ = ephemeral_range(range_file)
    if low - LOWEST >= 1_000:
        for _ in range(64):
            port = _pick.randrange(LOWEST, low)
            if port in _given:
                continue
            with socket.socket() as sock:
                try:
                    sock.bind((host, port))
                except OSError:
                    continue
                _given.add(port)
                return port
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])
