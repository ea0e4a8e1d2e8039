"""free_port: below the ephemeral range (where clients' local ports come from), bindable."""

from __future__ import annotations

import socket
from pathlib import Path

from civicmod.dev.ports import LOWEST, ephemeral_range, free_port


def test_a_port_below_the_ephemeral_range_that_can_be_bound(tmp_path: Path) -> None:
    ranges = tmp_path / "range"
    ranges.write_text("32768\t60999\n")
    picked = [free_port(range_file=ranges) for _ in range(50)]
    seen = set(picked)
    assert all(LOWEST <= p < 32768 for p in seen)
    assert len(seen) == 50  # never the same port twice (callers take several before binding)
    port = seen.pop()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))


def test_a_port_that_is_taken_is_not_handed_out(tmp_path: Path) -> None:
    ranges = tmp_path / "range"
    ranges.write_text(f"{LOWEST + 1001} 60999")  # room for 1,001 ports only
    held = []
    try:
        for port in range(LOWEST, LOWEST + 1001):
            s = socket.socket()
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                s.close()
                continue
            held.append(s)
        held.pop().close()  # exactly one left free below the range (if the others all bound)
        got = free_port(range_file=ranges)  # 64 random tries, then the kernel's choice
        assert got not in {s.getsockname()[1] for s in held}
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", got))
    finally:
        for s in held:
            s.close()


def test_no_room_below_the_range_leaves_the_choice_to_the_kernel(tmp_path: Path) -> None:
    ranges = tmp_path / "range"
    ranges.write_text("1024 65535")
    assert ephemeral_range(ranges) == (1024, 65535)
    port = free_port(range_file=ranges)
    assert 1024 <= port <= 65535
    assert ephemeral_range(tmp_path / "missing") == (32768, 60999)
