"""The metrics service as a real process on a test pipeline (``conftest.Setup``), and the
aggregates it wrote, read back from the broker."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import urllib.request
from typing import Any

from civicmod.contract.records import AGGREGATE_SCHEMA
from civicmod.contract.topics import METRICS_DAILY
from civicmod.dev.localkafka import free_port


class MetricsService:
    """``civicmod metrics serve`` for one pipeline: its own port, the pipeline's topic prefix."""

    def __init__(self, setup: Any, **overrides: str) -> None:
        self.setup = setup
        self.port = free_port()
        self.env = dict(setup.env)
        self.env.update({"CIVICMOD__METRICS__PORT": str(self.port),
                         "CIVICMOD__METRICS__EMIT_INTERVAL_S": "0.5",
                         "CIVICMOD__METRICS__EMIT_INTERVAL_1H_S": "0.5",
                         "CIVICMOD__METRICS__EMIT_INTERVAL_1D_S": "0.5"})
        self.env.update({f"CIVICMOD__{k.upper()}": v for k, v in overrides.items()})
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> MetricsService:
        log = open(self.setup.log_dir / f"metrics-{self.starts}.log", "wb")  # noqa: SIM115
        self.proc = subprocess.Popen([sys.executable, "-m", "civicmod.cli", "metrics", "serve"],
                                     env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                     cwd=self.setup.log_dir)
        log.close()
        self.starts += 1
        return self

    def get(self, path: str) -> tuple[int, bytes]:
        try:
            with urllib.request.urlopen(self.url + path, timeout=5) as resp:
                return resp.status, resp.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()
        except OSError:
            return 0, b""

    def ready(self) -> bool:
        return self.get("/readyz")[0] == 200

    def health(self) -> dict[str, Any]:
        status, body = self.get("/health")
        return json.loads(body) if status == 200 else {}

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-3000:]
                         for p in sorted(self.setup.log_dir.glob("metrics-*.log")))

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def latest_aggregates(bootstrap: str, topic: str, idle_s: float = 1.0) -> dict[bytes, dict]:
    """The newest ``civicmod.aggregate/1`` record per key on ``topic`` (physical name)."""
    from kafka import KafkaConsumer, TopicPartition

    cons = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False,
                         fetch_max_wait_ms=100)
    try:
        tps = [TopicPartition(topic, p) for p in cons.partitions_for_topic(topic) or ()]
        cons.assign(tps)
        cons.seek_to_beginning()
        ends = cons.end_offsets(tps)
        out: dict[bytes, dict] = {}
        while any(cons.position(tp) < ends[tp] for tp in tps):
            for records in cons.poll(timeout_ms=int(idle_s * 1000)).values():
                for r in records:
                    value = json.loads(r.value)
                    if value.get("schema") == AGGREGATE_SCHEMA:
                        out[r.key] = value
        return out
    finally:
        cons.close()


def totals(aggregates: dict[bytes, dict], window: str, field: str) -> dict[str, int]:
    """Sum of one counter field (e.g. ``outcomes``) over the windows of one length."""
    out: dict[str, int] = {}
    for value in aggregates.values():
        if value["window"] == window:
            for name, n in value.get(field, {}).items():
                out[name] = out.get(name, 0) + n
    return out


__all__ = ["METRICS_DAILY", "MetricsService", "latest_aggregates", "totals"]
