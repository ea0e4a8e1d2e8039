"""Shared fixtures: a real Kafka broker per test session, and real worker processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from civicmod.contract.settings import home_dir
from civicmod.dev.localkafka import LocalBroker, free_port

from pg_harness import db_url, pg_cluster  # noqa: F401

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"

try:  # property-based tests: the same examples on every run unless asked to explore
    from hypothesis import settings as _hypothesis

    _hypothesis.register_profile("ci", derandomize=True, database=None)
    _hypothesis.register_profile("explore", derandomize=False, database=None)
    _hypothesis.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
except ImportError:  # hypothesis is a dev dependency; those tests skip without it
    pass


#: Under pytest-xdist (``make test`` runs ``-n 3 --dist loadgroup``) the integration tests run
#: in these groups, each group's tests one after another in one worker process with its own
#: broker; the unit tests fill the workers in between. Balanced by measured durations.
XDIST_GROUPS = {"moderate": "kafka-1", "kafka": "kafka-1", "metrics": "kafka-1",
                "console": "kafka-2", "dev": "kafka-2",
                "gateway": "kafka-3", "actuator": "kafka-3"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Everything under tests/integration runs against the real broker (``-m "not kafka"``
    selects the unit tests alone)."""
    for item in items:
        parts = item.path.parts
        if "integration" in parts:
            item.add_marker(pytest.mark.kafka)
            area = parts[parts.index("integration") + 1] if parts[-1] != "integration" else ""
            item.add_marker(pytest.mark.xdist_group(XDIST_GROUPS.get(area, "kafka-1")))


@pytest.fixture(scope="session")
def kafka_bootstrap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """KAFKA_BOOTSTRAP_SERVERS if set, else a real single-node broker started for this session."""
    external = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if external:
        yield external
        return
    broker = LocalBroker(home=home_dir(), instance_dir=tmp_path_factory.mktemp("kafka"),
                         port=free_port(), controller_port=free_port())
    bootstrap = broker.start(wait_s=120)
    try:
        yield bootstrap
    finally:
        broker.stop()


@dataclass
class Setup:
    """One isolated pipeline on the shared broker: its own topic prefix and consumer group."""

    bootstrap: str
    prefix: str
    app_id: str
    env: dict[str, str]
    log_dir: Path
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)
    supervisors: list[Supervisor] = field(default_factory=list)
    #: Each worker process's log, by pid.
    logs: dict[int, Path] = field(default_factory=dict)

    def topic(self, name: str) -> str:
        return self.prefix + name

    def start_worker(self, **overrides: str) -> subprocess.Popen[bytes]:
        env = dict(self.env)
        env["CIVICMOD__WORKER__WEB_PORT"] = str(free_port())
        env.update({f"CIVICMOD__{k.upper()}": v for k, v in overrides.items()})
        path = self.log_dir / f"worker-{len(self.workers)}.log"
        log = open(path, "wb")  # noqa: SIM115
        proc = subprocess.Popen([sys.executable, "-m", "civicmod.cli", "worker"], env=env,
                                stdout=log, stderr=subprocess.STDOUT, cwd=self.log_dir)
        log.close()
        self.workers.append(proc)
        self.logs[proc.pid] = path
        return proc

    def supervise(self, **overrides: str) -> Supervisor:
        """A worker restarted whenever it exits, as a process supervisor would."""
        sup = Supervisor(self, overrides)
        self.supervisors.append(sup)
        return sup.start()

    def worker_logs(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-3000:]
                         for p in sorted(self.log_dir.glob("worker-*.log")))

    def stop_all(self) -> None:
        for sup in self.supervisors:
            sup.stopping.set()
        for proc in self.workers:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.workers:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


class Supervisor:
    """Keeps one worker running: restarts it (with the same settings) each time it exits,
    recording the exit codes."""

    def __init__(self, setup: Setup, overrides: dict[str, str]) -> None:
        import threading

        self.setup = setup
        self.overrides = overrides
        self.exits: list[int] = []
        self.proc: subprocess.Popen[bytes] | None = None
        self.stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> Supervisor:
        self.proc = self.setup.start_worker(**self.overrides)
        self._thread.start()
        return self

    def wait_assigned(self, wait_s: float = 60.0) -> bool:
        """Wait until the current worker process holds partitions (it has warmed up and joined
        its group), so a kill lands mid-stream rather than during its start-up."""
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            proc = self.proc
            log = self.setup.logs.get(proc.pid) if proc is not None else None
            if (proc is not None and log is not None and proc.poll() is None and log.exists()
                    and '"partitions assigned"' in log.read_text(errors="replace")):
                return True
            time.sleep(0.1)
        return False

    def _run(self) -> None:
        while not self.stopping.is_set():
            proc = self.proc
            assert proc is not None
            code = proc.wait()
            if self.stopping.is_set():
                return
            self.exits.append(code)
            time.sleep(0.5)
            if not self.stopping.is_set():
                self.proc = self.setup.start_worker(**self.overrides)

    @property
    def restarts(self) -> int:
        return len(self.exits)

    def kill(self, wait_s: float = 20.0) -> bool:
        """SIGKILL the worker (waiting up to ``wait_s`` for a restarting one to be back)."""
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            proc = self.proc
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                return True
            time.sleep(0.1)
        return False


@pytest.fixture
def pipeline(kafka_bootstrap: str, tmp_path: Path) -> Iterator[Setup]:
    from streams.kafka.admin import ensure_topics

    run = uuid.uuid4().hex[:8]
    prefix = f"t{run}."
    ensure_topics(kafka_bootstrap, partitions=6, prefix=prefix)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CIVICMOD__")}
    env.update({
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "CIVICMOD__KAFKA__TOPIC_PREFIX": prefix,
        "CIVICMOD__WORKER__APP_ID": f"civicmod-test-{run}",
        "CIVICMOD__WORKER__SESSION_TIMEOUT_S": "6",
        "CIVICMOD__WORKER__COMMIT_INTERVAL_S": "0.5",
        "CIVICMOD__WORKER__METRICS_INTERVAL_S": "1",
        "CIVICMOD__CLASSIFIER__BACKEND": "profanity-check",
        "PYTHONUNBUFFERED": "1",
    })
    setup = Setup(kafka_bootstrap, prefix, f"civicmod-test-{run}", env, tmp_path)
    try:
        yield setup
    finally:
        setup.stop_all()


def wait_for(predicate, timeout_s: float, interval_s: float = 0.2, message: object = "") -> None:
    """Poll ``predicate``; on timeout fail with ``message`` (called if callable: e.g. the
    worker logs as they are then, not as they were when the wait began)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval_s)
    raise AssertionError(f"timed out after {timeout_s}s: {message() if callable(message) else message}")


class Collector:
    """Reads every outcome and dead-letter record of a Setup, in a background thread."""

    def __init__(self, setup: Setup) -> None:
        import threading

        from civicmod.contract.topics import DEADLETTER, OUTCOME_TOPICS

        self.logical = {setup.topic(t): t for t in (*OUTCOME_TOPICS.values(), DEADLETTER)}
        self.bootstrap = setup.bootstrap
        self.records: list[tuple[str, bytes | None, dict]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        import json

        from kafka import KafkaConsumer, TopicPartition

        cons = KafkaConsumer(bootstrap_servers=self.bootstrap, enable_auto_commit=False,
                             auto_offset_reset="earliest", fetch_max_wait_ms=100)
        tps = [TopicPartition(t, p) for t in self.logical for p in cons.partitions_for_topic(t)]
        cons.assign(tps)
        cons.seek_to_beginning()
        try:
            while not self._stop.is_set():
                for records in cons.poll(timeout_ms=200).values():
                    for r in records:
                        self.records.append((self.logical[r.topic], r.key, json.loads(r.value)))
        finally:
            cons.close()

    def keys(self) -> set[bytes | None]:
        return {k for _, k, _ in self.records}

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)


@pytest.fixture
def collector(pipeline: Setup) -> Iterator[Collector]:
    col = Collector(pipeline)
    try:
        yield col
    finally:
        col.close()
