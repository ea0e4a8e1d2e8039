"""A real single-node Apache Kafka broker (KRaft) from Kafka's own jars, without Docker.

The broker jars are resolved from Maven Central with Maven into ``<home>/kafka/<version>/libs``
(once per version, outside any checkout). Each broker instance has its own directory holding
``server.properties``, the KRaft data dir, the log and a pid file, so ``civicmod kafka stop`` /
``status`` find a broker that an earlier command started.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from civicmod.contract.settings import LocalKafkaSettings, home_dir
from civicmod.dev.ports import free_port as free_port  # re-exported: tests and benches use it

_POM = """<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>civicmod</groupId><artifactId>kafka-broker-classpath</artifactId><version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId>
      <version>{version}</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-core</artifactId>
      <version>2.24.3</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId>
      <version>2.24.3</version></dependency>
  </dependencies>
</project>
"""

_LOG4J2 = """status = error
appender.console.type = Console
appender.console.name = STDOUT
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.stdout.ref = STDOUT
logger.started.name = kafka.server.KafkaRaftServer
logger.started.level = INFO
"""


class BrokerError(RuntimeError):
    """The local broker could not be prepared, started or stopped; the message says why."""


def check_java(min_major: int = 17) -> str:
    """Return the ``java`` path, or raise with a clear message if Java 17+ is missing."""
    java = shutil.which("java")
    if java is None:
        raise BrokerError(
            "Java not found: the local Kafka broker needs Java 17 or newer on PATH "
            "(Debian/Ubuntu: apt-get install openjdk-17-jre-headless). "
            "Or point KAFKA_BOOTSTRAP_SERVERS at an existing broker."
        )
    out = subprocess.run([java, "-version"], capture_output=True, text=True, check=False)
    match = re.search(r'version "(\d+)(?:\.(\d+))?', out.stderr + out.stdout)
    major = int(match.group(1)) if match else 0
    if major == 1 and match and match.group(2):  # "1.8.0" style
        major = int(match.group(2))
    if major < min_major:
        raise BrokerError(
            f"Java {min_major}+ is required by Kafka 4.x, found Java {major or 'unknown'} at {java}."
        )
    return java


def check_maven() -> str:
    mvn = shutil.which("mvn")
    if mvn is None:
        raise BrokerError(
            "Maven (mvn) not found: it resolves the Kafka broker jars from Maven Central "
            "(Debian/Ubuntu: apt-get install maven). Or point KAFKA_BOOTSTRAP_SERVERS at a broker."
        )
    return mvn


def resolve_jars(home: Path, version: str) -> Path:
    """Download the broker's runtime classpath once per version; return the libs dir. Several
    processes may ask at once (parallel test workers, two ``civicmod kafka start``): one
    downloads, the others wait for it (a file lock)."""
    root = home / "kafka" / version
    libs = root / "libs"
    done = root / ".complete"
    if done.exists() and any(libs.glob(f"kafka_2.13-{version}.jar")):
        return libs
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if done.exists() and any(libs.glob(f"kafka_2.13-{version}.jar")):
            return libs  # another process resolved them meanwhile
        return _download(root, libs, done, version)


def _download(root: Path, libs: Path, done: Path, version: str) -> Path:
    mvn = check_maven()
    tmp = root / "libs.partial"
    shutil.rmtree(tmp, ignore_errors=True)
    (root / "pom.xml").write_text(_POM.format(version=version))
    cmd = [
        mvn, "-B", "-q", "-f", str(root / "pom.xml"), "dependency:copy-dependencies",
        "-DincludeScope=runtime", f"-DoutputDirectory={tmp}",
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        tail = (proc.stdout + proc.stderr).strip().splitlines()[-15:]
        raise BrokerError(
            f"Maven could not resolve Apache Kafka {version} from Maven Central:\n" + "\n".join(tail)
        )
    shutil.rmtree(libs, ignore_errors=True)
    tmp.rename(libs)
    (root / "log4j2.properties").write_text(_LOG4J2)
    done.write_text(version)
    return libs


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child still "exists"; treat it as dead.
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split()[2] != "Z"
    except OSError:
        return True


def broker_ready(bootstrap: str, timeout_s: float = 5.0) -> bool:
    """True when an admin metadata request to ``bootstrap`` succeeds."""
    from kafka import KafkaAdminClient
    from kafka.errors import KafkaError

    try:
        admin = KafkaAdminClient(bootstrap_servers=bootstrap,
                                 request_timeout_ms=int(timeout_s * 1000))
    except KafkaError:
        return False
    try:
        admin.describe_cluster()
        return True
    except KafkaError:
        return False
    finally:
        admin.close()


@dataclass
class LocalBroker:
    """One broker instance living in ``instance_dir``."""

    home: Path
    instance_dir: Path
    version: str = "4.1.1"
    port: int = 9092
    controller_port: int = 9093
    heap: str = "512m"

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def pid_file(self) -> Path:
        return self.instance_dir / "broker.pid"

    @property
    def log_file(self) -> Path:
        return self.instance_dir / "broker.log"

    def _properties(self) -> str:
        data = self.instance_dir / "data"
        return "\n".join([
            "process.roles=broker,controller",
            "node.id=1",
            f"controller.quorum.voters=1@127.0.0.1:{self.controller_port}",
            f"listeners=PLAINTEXT://127.0.0.1:{self.port},CONTROLLER://127.0.0.1:{self.controller_port}",
            f"advertised.listeners=PLAINTEXT://127.0.0.1:{self.port}",
            "controller.listener.names=CONTROLLER",
            "inter.broker.listener.name=PLAINTEXT",
            "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
            f"log.dirs={data}",
            "num.partitions=6",
            "offsets.topic.replication.factor=1",
            "offsets.topic.num.partitions=6",
            "transaction.state.log.replication.factor=1",
            "transaction.state.log.min.isr=1",
            "share.coordinator.state.topic.replication.factor=1",
            "share.coordinator.state.topic.min.isr=1",
            "group.initial.rebalance.delay.ms=0",
            "auto.create.topics.enable=true",
            "",
        ])

    def running_pid(self) -> int | None:
        try:
            info = json.loads(self.pid_file.read_text())
        except (OSError, ValueError):
            return None
        pid = int(info.get("pid", 0))
        return pid if pid and _pid_alive(pid) else None

    def status(self) -> dict[str, object]:
        pid = self.running_pid()
        return {
            "running": pid is not None,
            "pid": pid,
            "bootstrap": self.bootstrap,
            "ready": bool(pid) and broker_ready(self.bootstrap, 2.0),
            "version": self.version,
            "dir": str(self.instance_dir),
            "log": str(self.log_file),
        }

    def _format(self, java: str, libs: Path) -> None:
        data = self.instance_dir / "data"
        if (data / "meta.properties").exists():
            return
        log4j = f"-Dlog4j2.configurationFile={libs.parent / 'log4j2.properties'}"
        cp = f"{libs}/*"
        uuid = subprocess.run(
            [java, log4j, "-cp", cp, "kafka.tools.StorageTool", "random-uuid"],
            capture_output=True, text=True, check=False,
        )
        cluster_id = uuid.stdout.strip().splitlines()[-1] if uuid.returncode == 0 else ""
        if not cluster_id:
            raise BrokerError(f"kafka StorageTool random-uuid failed: {uuid.stderr.strip()[-500:]}")
        fmt = subprocess.run(
            [java, log4j, "-cp", cp, "kafka.tools.StorageTool", "format", "-t", cluster_id,
             "-c", str(self.instance_dir / "server.properties")],
            capture_output=True, text=True, check=False,
        )
        if fmt.returncode != 0:
            raise BrokerError(f"kafka StorageTool format failed: {(fmt.stdout + fmt.stderr)[-800:]}")

    def start(self, wait_s: float = 90.0) -> str:
        """Start the broker (if not already running) and wait until it answers admin requests."""
        if self.running_pid() is not None:
            if self._wait_ready(wait_s):
                return self.bootstrap
            raise BrokerError(f"a broker is running (pid file {self.pid_file}) but not answering")
        java = check_java()
        libs = resolve_jars(self.home, self.version)
        self.instance_dir.mkdir(parents=True, exist_ok=True)
        (self.instance_dir / "server.properties").write_text(self._properties())
        for port in (self.port, self.controller_port):
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    raise BrokerError(
                        f"port {port} on 127.0.0.1 is already in use; choose other ports "
                        "(local_kafka.port / local_kafka.controller_port) or stop what uses it"
                    )
        self._format(java, libs)
        log = open(self.log_file, "ab")  # noqa: SIM115 - handed to the child process
        proc = subprocess.Popen(
            [java, f"-Xmx{self.heap}", "-Xms128m",
             f"-Dlog4j2.configurationFile={libs.parent / 'log4j2.properties'}",
             "-cp", f"{libs}/*", "kafka.Kafka", str(self.instance_dir / "server.properties")],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        log.close()
        self.pid_file.write_text(json.dumps({"pid": proc.pid, "port": self.port}))
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                tail = self.log_file.read_text(errors="replace")[-1500:]
                raise BrokerError(f"Kafka broker exited with code {proc.returncode}:\n{tail}")
            if broker_ready(self.bootstrap, 2.0):
                return self.bootstrap
            time.sleep(0.3)
        self.stop()
        raise BrokerError(f"Kafka broker did not become ready in {wait_s:.0f}s; see {self.log_file}")

    def _wait_ready(self, wait_s: float) -> bool:
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            if broker_ready(self.bootstrap, 2.0):
                return True
            time.sleep(0.3)
        return False

    def stop(self, timeout_s: float = 30.0) -> bool:
        """Stop the broker cleanly (SIGTERM, then SIGKILL after ``timeout_s``). False if none ran."""
        pid = self.running_pid()
        if pid is None:
            self.pid_file.unlink(missing_ok=True)
            return False
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and _pid_alive(pid):
            _reap(pid)
            time.sleep(0.2)
        if _pid_alive(pid):
            os.kill(pid, signal.SIGKILL)
            time.sleep(0.5)
        _reap(pid)
        self.pid_file.unlink(missing_ok=True)
        return True


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def default_broker(local: LocalKafkaSettings) -> LocalBroker:
    """The broker that ``civicmod kafka`` and ``civicmod run`` manage (``local_kafka``; one per
    port, its state under ``<civicmod home>/brokers``)."""
    home = home_dir()
    return LocalBroker(
        home=home, instance_dir=home / "brokers" / f"{local.version}-{local.port}",
        version=local.version, port=local.port, controller_port=local.controller_port,
        heap=local.heap,
    )
