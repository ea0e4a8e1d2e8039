"""docker-compose.yml and the Dockerfile agree with the code (Docker itself is not needed)."""

from __future__ import annotations

import base64
import json
import re
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import typer
import typer.core
import yaml

import civicmod.cli
from civicmod.contract.settings import LocalKafkaSettings, Settings, load_settings

REPO = Path(__file__).resolve().parents[3]
COMPOSE: dict[str, Any] = yaml.safe_load((REPO / "docker-compose.yml").read_text())
SERVICES: dict[str, Any] = COMPOSE["services"]
DOCKERFILE = (REPO / "Dockerfile").read_text()
PYPROJECT: dict[str, Any] = tomllib.loads((REPO / "pyproject.toml").read_text())


def env_of(service: str) -> dict[str, str]:
    """A service's environment as strings, from either the mapping or the list form."""
    env = SERVICES[service].get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {k: "" if v is None else str(v) for k, v in env.items()}


def listeners(spec: str) -> dict[str, tuple[str, int]]:
    """``NAME://host:port,...`` → {NAME: (host, port)}."""
    out: dict[str, tuple[str, int]] = {}
    for item in spec.split(","):
        name, _, addr = item.strip().partition("://")
        host, _, port = addr.rpartition(":")
        out[name] = (host, int(port))
    return out


def dockerfile_instructions(keyword: str) -> list[str]:
    joined = DOCKERFILE.replace("\\\n", " ")  # continuation lines as one instruction
    return re.findall(rf"^{keyword}\s+(.+)$", joined, flags=re.MULTILINE)


def test_kafka_is_a_single_node_kraft_broker_of_the_local_version() -> None:
    kafka = SERVICES["kafka"]
    assert kafka["image"] == f"apache/kafka:{LocalKafkaSettings().version}"
    env = env_of("kafka")
    assert {"broker", "controller"} <= set(env["KAFKA_PROCESS_ROLES"].split(","))
    assert len(base64.urlsafe_b64decode(env["CLUSTER_ID"] + "==")) == 16
    declared = listeners(env["KAFKA_LISTENERS"])
    advertised = listeners(env["KAFKA_ADVERTISED_LISTENERS"])
    protocols = dict(p.split(":") for p in env["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"].split(","))
    controller = env["KAFKA_CONTROLLER_LISTENER_NAMES"]
    voters = env["KAFKA_CONTROLLER_QUORUM_VOTERS"].split(",")
    assert len(voters) == 1
    voter_id, _, voter_addr = voters[0].partition("@")
    assert voter_id == env["KAFKA_NODE_ID"]
    assert int(voter_addr.rpartition(":")[2]) == declared[controller][1]
    assert controller in protocols
    assert env["KAFKA_INTER_BROKER_LISTENER_NAME"] in advertised
    for name, (_, port) in advertised.items():
        assert name in protocols and name in declared, name
        assert declared[name][1] == port, name
    # The host listener is published on the same port it advertises.
    published = {str(p).rsplit(":", 2)[-2] for p in kafka.get("ports", [])}
    assert {str(port) for host, port in advertised.values() if host == "localhost"} <= published
    assert "--bootstrap-server localhost:9092" in str(kafka["healthcheck"]["test"])
    assert declared["PLAINTEXT"][1] == 9092


@pytest.mark.parametrize("service", ["topics", "worker", "gateway", "console", "actuator", "metrics"])
def test_service_reaches_kafka_and_runs_a_real_cli_command(service: str) -> None:
    advertised = listeners(env_of("kafka")["KAFKA_ADVERTISED_LISTENERS"])
    for server in env_of(service)["KAFKA_BOOTSTRAP_SERVERS"].split(","):
        host, _, port = server.rpartition(":")
        assert host in {"kafka", SERVICES["kafka"].get("hostname")}
        assert (host, int(port)) == advertised["PLAINTEXT"]
    assert SERVICES[service]["depends_on"]["kafka"]["condition"] == "service_healthy"
    cli = typer.main.get_command(civicmod.cli.app)
    assert isinstance(cli, typer.core.TyperGroup)
    # every subcommand and option of the service's command line is one the CLI takes
    command: list[str] = list(SERVICES[service]["command"])
    sub: Any = cli
    while isinstance(sub, typer.core.TyperGroup):
        assert command and command[0] in sub.commands, (service, command)
        sub, command = sub.commands[command[0]], command[1:]
    sub.make_context(service, command)  # an unknown option or a missing value raises


def test_civicmod_env_vars_validate_and_land_where_they_say(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no ./civicmod.yaml in play
    docker_env = dict(re.findall(r"^ENV\s+(CIVICMOD__\w+)=(\S+)\s*$", DOCKERFILE, re.MULTILINE))
    assert docker_env, "the Dockerfile sets CIVICMOD__WORKER__WEB_HOST"
    services = [name for name, svc in SERVICES.items() if "build" in svc]  # civicmod's own
    assert {"topics", "worker", "gateway", "console", "actuator", "metrics"} <= set(services)
    for env in (docker_env, *(env_of(name) for name in services)):
        ours = {k: v for k, v in env.items() if k.startswith("CIVICMOD__")}
        ours["KAFKA_BOOTSTRAP_SERVERS"] = env.get("KAFKA_BOOTSTRAP_SERVERS", "kafka:9092")
        settings = load_settings(env=ours)
        assert settings.kafka.bootstrap_servers == ours["KAFKA_BOOTSTRAP_SERVERS"]
        for name, raw in ours.items():
            if not name.startswith("CIVICMOD__"):
                continue
            node: Any = settings
            for key in name.removeprefix("CIVICMOD__").lower().split("__"):
                node = getattr(node, key)
            assert node == yaml.safe_load(raw), name


def test_worker_port_and_healthcheck_match_its_web_server(monkeypatch: pytest.MonkeyPatch,
                                                           tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    worker = SERVICES["worker"]
    settings: Settings = load_settings(env=env_of("worker"))
    assert settings.worker.web_host == "0.0.0.0"
    ports = worker["ports"]
    assert [p["target"] for p in ports] == [settings.worker.web_port]
    assert all("published" not in p for p in ports), "a fixed host port breaks --scale worker=N"
    assert worker["depends_on"]["topics"]["condition"] == "service_completed_successfully"
    url = re.search(r"https?://[^\s'\"]+", " ".join(worker["healthcheck"]["test"]))
    assert url is not None
    parts = urlsplit(url.group(0))
    assert parts.port == settings.worker.web_port
    wiring = (REPO / "streams/moderate/wiring.py").read_text()
    pages = re.findall(r"""app\.page\(["']([^"']+)["']\)""", wiring)
    assert parts.path == "/health" and parts.path in pages
    assert str(settings.worker.web_port) in " ".join(dockerfile_instructions("EXPOSE")).split()


def test_dockerfile_installs_the_packages_and_runs_the_cli() -> None:
    entrypoint = json.loads(dockerfile_instructions("ENTRYPOINT")[-1])
    assert entrypoint == ["civicmod"]
    assert entrypoint[0] in PYPROJECT["project"]["scripts"]
    assert json.loads(dockerfile_instructions("CMD")[-1])[0] in SERVICES["worker"]["command"]
    assert dockerfile_instructions("USER"), "the image runs as a non-root user"
    copied = {src.rstrip("/") for line in dockerfile_instructions("COPY")
              for src in [w for w in line.split() if not w.startswith("--")][:-1]}
    assert "pyproject.toml" in copied and "requirements.lock" in copied
    # dependencies come from the lock file only, with their hashes; the project adds none
    runs = dockerfile_instructions("RUN")
    assert any("--require-hashes -r requirements.lock" in r for r in runs), runs
    assert all("--no-deps" in r for r in runs if "pip install" in r and "requirements.lock" not in r)
    for pattern in PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"]:
        assert pattern.rstrip("*") in copied, pattern
    # the compiled rule engine is built (or the image fails) before the package that carries it
    build = next(i for i, r in enumerate(runs) if "rules.native_build build" in r)
    install = next(i for i, r in enumerate(runs) if "pip install" in r and "--no-deps" in r)
    assert build < install and "CIVICMOD_REQUIRE_NATIVE=1" in runs[build] and "gcc" in runs[build]
    assert "_native/*" in PYPROJECT["tool"]["setuptools"]["package-data"]["rules"]


#: Where each civicmod service listens (its settings' host and port attributes) and the page its
#: healthcheck asks for.
LISTENERS = {"worker": ("worker", "web_host", "web_port"), "gateway": ("gateway", "host", "port"),
             "console": ("console", "host", "port"), "actuator": ("actuator", "host", "port"),
             "metrics": ("metrics", "host", "port")}


def service_settings(service: str) -> Settings:
    """The settings the service's container runs with: the ``--config`` file it names (mounted
    from the repository) and its environment."""
    command = SERVICES[service]["command"]
    config = None
    if "--config" in command:
        target = command[command.index("--config") + 1]
        mounts = dict(reversed(v.rsplit(":", 2)[:2]) for v in SERVICES[service].get("volumes", [])
                      if isinstance(v, str))
        config = REPO / mounts[target]  # the file the container reads is the repository's
    return load_settings(config, env=env_of(service))


def test_prometheus_scrapes_every_service_where_it_listens(monkeypatch: pytest.MonkeyPatch,
                                                            tmp_path: Path) -> None:
    """Each scrape job names a compose service (found by DNS on the compose network), on the
    port that service's settings give, listening on all interfaces."""
    monkeypatch.chdir(tmp_path)
    prometheus = yaml.safe_load((REPO / "deploy/prometheus/prometheus.yml").read_text())
    jobs = {}
    for job in prometheus["scrape_configs"]:
        for sd in job.get("dns_sd_configs", []):
            for name in sd["names"]:
                jobs[name] = sd["port"]
    assert set(jobs) == set(LISTENERS), "a service without a scrape job, or a job for none"
    for service, port in jobs.items():
        assert service in SERVICES, f"Prometheus scrapes {service!r}, which compose does not run"
        section, host_attr, port_attr = LISTENERS[service]
        s = getattr(service_settings(service), section)
        assert getattr(s, host_attr) == "0.0.0.0", service
        assert getattr(s, port_attr) == port, service
        assert str(port) in " ".join(dockerfile_instructions("EXPOSE")).split(), service


def test_gateway_and_actuator_listen_and_answer_their_healthchecks(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from streams.actuator.service import Actuator
    from streams.gateway.accounts import resolve
    from streams.gateway.app import Gateway

    monkeypatch.chdir(tmp_path)
    gw_settings = service_settings("gateway")
    apps = {"gateway": Gateway(gw_settings, resolve(gw_settings.gateway, {})).build_app(),
            "actuator": Actuator(service_settings("actuator"), clients={}).web_app()}
    for service, app in apps.items():
        section, _, port_attr = LISTENERS[service]
        port = getattr(getattr(service_settings(service), section), port_attr)
        url = re.search(r"https?://[^\s'\"]+", " ".join(SERVICES[service]["healthcheck"]["test"]))
        assert url is not None, service
        parts = urlsplit(url.group(0))
        assert parts.port == port, service
        paths = {r.resource.canonical for r in app.router.routes() if r.method == "GET"}
        assert parts.path in paths, (service, parts.path, paths)
        assert SERVICES[service]["depends_on"]["topics"]["condition"] == "service_completed_successfully"
    published = [str(p) for p in SERVICES["gateway"]["ports"]]
    assert published == [f"127.0.0.1:{gw_settings.gateway.port}:{gw_settings.gateway.port}"]
    assert "ports" not in SERVICES["actuator"], "the actuator takes no requests from outside"


def test_platform_secrets_come_from_files_git_and_the_image_leave_out() -> None:
    """The gateway's and the actuator's secrets: each its own optional env file, which neither
    git nor the image build picks up."""
    ignored = (REPO / ".gitignore").read_text().split()
    docker_ignored = (REPO / ".dockerignore").read_text().split()
    for service in ("gateway", "actuator"):
        (entry,) = SERVICES[service]["env_file"]
        assert entry == {"path": f"./{service}.env", "required": False}
        assert f"/{service}.env" in ignored and f"{service}.env" in docker_ignored
        env = env_of(service)
        assert not any("SECRET" in k or "TOKEN" in k for k in env), "secrets in the compose file"
    assert "/.env" in ignored and ".env" in docker_ignored
