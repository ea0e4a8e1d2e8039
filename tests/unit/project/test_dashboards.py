"""Prometheus and Grafana as docker-compose.yml runs them: the scrape config reaches every
service on its configured port, the alert rules pass their unit tests, Grafana's provisioning
files point at the mounted folders, and every dashboard panel and alert queries only metrics the
services really export (names taken from the services' own registries) in valid PromQL."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
import typer.core
import yaml

import civicmod.cli
from civicmod.contract.actuator_settings import ActuatorSettings
from civicmod.contract.console_settings import ConsoleSettings
from civicmod.contract.gateway_settings import GatewaySettings
from civicmod.contract.metrics_settings import MetricsSettings
from civicmod.contract.settings import WorkerSettings, load_settings
from streams.actuator.metrics import ActuatorMetrics
from streams.console.metrics import ConsoleMetrics
from streams.gateway.metrics import GatewayMetrics
from streams.moderate.prometheus import WorkerMetrics, WorkerState

from promtool_kit import check_config, exported_names, promtool, run_rule_tests

REPO = Path(__file__).resolve().parents[3]
PROMETHEUS = REPO / "deploy" / "prometheus"
GRAFANA = REPO / "deploy" / "grafana"
DASHBOARDS = sorted((GRAFANA / "dashboards").glob("*.json"))
COMPOSE: dict[str, Any] = yaml.safe_load((REPO / "docker-compose.yml").read_text())
SERVICES: dict[str, Any] = COMPOSE["services"]
#: Grafana 12's dashboard schema (the image docker-compose.yml pins).
SCHEMA_VERSION = 41
#: What the metrics service (streams.metrics) promised for the engagement dashboard and the
#: neglected-account alert (issue #13); checked against its registry below when it is importable.
METRICS_SERVICE_PROMISED = {
    "civicmod_engagement_unanswered",
    "civicmod_engagement_oldest_unanswered_seconds",
    "civicmod_engagement_last_reply_timestamp_seconds",
    "civicmod_metrics_records_total",
    "civicmod_metrics_duplicates_total",
}
#: Grafana's own variables, replaced by a duration before promtool parses a panel's query.
GRAFANA_VARIABLES = {"$__rate_interval": "1m", "$__interval": "1m", "$__range": "1h"}


def metrics_service_names() -> set[str]:
    try:
        from streams.metrics.exposition import AggregatorMetrics
    except ImportError:  # the metrics service is not there yet: what it promised
        return set(METRICS_SERVICE_PROMISED)
    m = AggregatorMetrics()
    m.watch_engagement(lambda now: {}, lambda account: "-")
    return exported_names(m.registry)


def exported() -> set[str]:
    """Every series name the services can expose, from their own registries."""
    worker = WorkerMetrics(state=lambda: WorkerState("clf", "policy"))
    registries = [worker.registry, GatewayMetrics().registry, ConsoleMetrics().registry,
                  ActuatorMetrics().registry]
    return set().union(*map(exported_names, registries)) | metrics_service_names()


def panels(board: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for panel in board["panels"]:
        yield panel
        yield from panel.get("panels", [])  # a collapsed row holds its panels


def panel_queries() -> Iterator[tuple[str, str, str]]:
    """(dashboard file, panel title, PromQL) for every target of every panel."""
    for path in DASHBOARDS:
        for panel in panels(json.loads(path.read_text())):
            for target in panel.get("targets", []):
                yield path.name, panel["title"], target["expr"]


def alert_rules() -> list[dict[str, Any]]:
    groups = yaml.safe_load((PROMETHEUS / "alerts.yml").read_text())["groups"]
    return [rule for group in groups for rule in group["rules"]]


def names_in(expr: str) -> set[str]:
    return set(re.findall(r"\bcivicmod_[a-z0-9_]+\b", expr))


def mount(service: str, source: str) -> str:
    """Where a service mounts a path of the repository (short volume syntax)."""
    for volume in SERVICES[service].get("volumes", []):
        src, dst, *_ = str(volume).split(":")
        if Path(REPO, src).resolve() == Path(REPO, source).resolve():
            return dst
    raise AssertionError(f"{service} does not mount {source}")


# -- Prometheus ------------------------------------------------------------------------------------
def test_prometheus_scrapes_every_service_on_its_configured_port() -> None:
    config = yaml.safe_load((PROMETHEUS / "prometheus.yml").read_text())
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    expected = {"civicmod-worker": ("worker", WorkerSettings().web_port),
                "civicmod-gateway": ("gateway", GatewaySettings().port),
                "civicmod-console": ("console", ConsoleSettings().port),
                "civicmod-actuator": ("actuator", ActuatorSettings().port),
                "civicmod-metrics": ("metrics", MetricsSettings().port)}
    for job, (host, port) in expected.items():
        (sd,) = jobs[job]["dns_sd_configs"]
        assert sd["names"] == [host] and sd["port"] == port and sd["type"] == "A", job
    # the services docker-compose.yml runs are found under their service names
    assert {"worker", "console"} <= set(SERVICES)
    assert str(WorkerSettings().web_port) in {str(p["target"]) for p in SERVICES["worker"]["ports"]}
    assert (REPO / "deploy/prometheus" / config["rule_files"][0]).is_file()
    check_config(PROMETHEUS / "prometheus.yml")


def test_compose_runs_prometheus_and_grafana_with_the_repositorys_files() -> None:
    prom = SERVICES["prometheus"]
    assert prom["image"].startswith("prom/prometheus:")
    config_dir = mount("prometheus", "deploy/prometheus")
    assert f"--config.file={config_dir}/prometheus.yml" in prom["command"]
    grafana = SERVICES["grafana"]
    assert grafana["image"].startswith("grafana/grafana:")
    assert mount("grafana", "deploy/grafana/provisioning") == "/etc/grafana/provisioning"
    home = grafana["environment"]["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]
    assert Path(home).parent.as_posix() == mount("grafana", "deploy/grafana/dashboards")
    assert (GRAFANA / "dashboards" / Path(home).name).is_file()


def test_compose_runs_the_metrics_service_where_prometheus_looks(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no ./civicmod.yaml in play
    service = SERVICES["metrics"]
    env = {k: str(v) for k, v in service["environment"].items()}
    settings = load_settings(env=env)
    assert settings.metrics.host == "0.0.0.0"
    assert settings.metrics.port == MetricsSettings().port  # the port prometheus.yml scrapes
    cli = typer.main.get_command(civicmod.cli.app)
    assert isinstance(cli, typer.core.TyperGroup)
    group = cli.commands[service["command"][0]]
    assert isinstance(group, typer.core.TyperGroup) and service["command"][1] in group.commands
    assert service["depends_on"]["kafka"]["condition"] == "service_healthy"


def test_every_alert_has_a_case_that_fires_and_one_that_does_not() -> None:
    tests = yaml.safe_load((PROMETHEUS / "alerts_test.yml").read_text())
    assert tests["rule_files"] == ["alerts.yml"]
    cases = [case for test in tests["tests"] for case in test["alert_rule_test"]]
    for rule in alert_rules():
        mine = [c for c in cases if c["alertname"] == rule["alert"]]
        assert any(c["exp_alerts"] for c in mine), f"{rule['alert']}: no case where it fires"
        assert any(not c["exp_alerts"] for c in mine), f"{rule['alert']}: no case where it does not"
        assert rule["labels"]["severity"] in {"page", "ticket"}
        assert rule["annotations"]["summary"] and rule["annotations"]["runbook"]


def test_alert_rules_pass_their_unit_tests() -> None:
    out = run_rule_tests(PROMETHEUS / "alerts_test.yml")
    assert "SUCCESS" in out


def test_the_neglected_account_alert_names_the_account() -> None:
    (rule,) = [r for r in alert_rules() if r["alert"] == "CivicmodNeglectedAccount"]
    assert "$labels.account" in rule["annotations"]["summary"]


def test_alerts_and_runbooks_are_documented() -> None:
    ops = (REPO / "docs" / "operations.md").read_text()
    for rule in alert_rules():
        anchor = rule["annotations"]["runbook"].split("#", 1)[1]
        assert re.search(rf"^#+ .*{rule['alert']}", ops, re.MULTILINE | re.IGNORECASE), anchor


# -- Grafana ---------------------------------------------------------------------------------------
def datasource() -> dict[str, Any]:
    files = sorted((GRAFANA / "provisioning" / "datasources").glob("*.yaml"))
    (ds,) = [d for f in files for d in yaml.safe_load(f.read_text())["datasources"]]
    return ds


def test_datasource_is_the_compose_prometheus() -> None:
    ds = datasource()
    assert ds["type"] == "prometheus" and ds["uid"]
    url = re.fullmatch(r"http://([a-z0-9-]+):(\d+)/?", ds["url"])
    assert url is not None and url.group(1) in SERVICES
    assert "127.0.0.1:9090:9090" in SERVICES[url.group(1)]["ports"] and url.group(2) == "9090"


def test_dashboard_provider_reads_the_mounted_folder() -> None:
    files = sorted((GRAFANA / "provisioning" / "dashboards").glob("*.yaml"))
    providers = [p for f in files for p in yaml.safe_load(f.read_text())["providers"]]
    assert [p["type"] for p in providers] == ["file"]
    assert providers[0]["options"]["path"] == mount("grafana", "deploy/grafana/dashboards")


def test_dashboards_are_well_formed_and_use_the_provisioned_datasource() -> None:
    uid = datasource()["uid"]
    assert len(DASHBOARDS) >= 3
    uids = set()
    for path in DASHBOARDS:
        board = json.loads(path.read_text())
        assert board["schemaVersion"] == SCHEMA_VERSION, path.name
        assert board["uid"] not in uids and len(board["uid"]) <= 40
        uids.add(board["uid"])
        assert board["title"] and "civicmod" in board["tags"]
        ids, cells = set(), set()
        for panel in panels(board):
            assert panel["id"] not in ids, (path.name, panel["title"])
            ids.add(panel["id"])
            g = panel["gridPos"]
            assert g["x"] >= 0 and g["x"] + g["w"] <= 24 and g["h"] > 0, (path.name, panel["title"])
            area = {(x, y) for x in range(g["x"], g["x"] + g["w"]) for y in range(g["y"], g["y"] + g["h"])}
            assert not area & cells, f"{path.name}: {panel['title']} overlaps another panel"
            cells |= area
            if panel["type"] == "row":
                continue
            assert panel["datasource"] == {"type": "prometheus", "uid": uid}, panel["title"]
            assert panel["targets"], panel["title"]
            for target in panel["targets"]:
                assert target["datasource"]["uid"] == uid and target["expr"].strip()
            assert len({t["refId"] for t in panel["targets"]}) == len(panel["targets"])


def test_dashboards_cover_what_the_issue_asks_for() -> None:
    text = " ".join(q for _, _, q in panel_queries())
    for wanted in ("civicmod_worker_comments_total", "civicmod_worker_verdict_latency_seconds_bucket",
                   "civicmod_worker_consumer_lag_messages", "civicmod_console_queue_oldest_seconds",
                   "civicmod_console_queue_target_seconds", "civicmod_actuator_actions_total",
                   "civicmod_worker_deadletters_total", "civicmod_engagement_unanswered",
                   "civicmod_worker_batch_messages_bucket", "civicmod_worker_classifier_failures_total"):
        assert wanted in text, wanted


def test_panels_and_alerts_query_only_metrics_the_services_export() -> None:
    known = exported()
    assert known >= METRICS_SERVICE_PROMISED, "the metrics service exports what it promised"
    used: dict[str, set[str]] = {}
    for name, title, expr in panel_queries():
        for metric in names_in(expr):
            used.setdefault(metric, set()).add(f"{name}: {title}")
    for rule in alert_rules():
        for metric in names_in(rule["expr"]):
            used.setdefault(metric, set()).add(f"alert {rule['alert']}")
    unknown = {m: sorted(where) for m, where in used.items() if m not in known}
    assert not unknown, f"queried but exported by no service: {unknown}"


def test_every_panel_query_is_valid_promql(tmp_path: Path) -> None:
    """promtool parses each query as a recording rule (Grafana's variables replaced)."""
    rules = []
    for i, (name, title, expr) in enumerate(panel_queries()):
        for var, value in GRAFANA_VARIABLES.items():
            expr = expr.replace(var, value)
        assert "$" not in expr, f"{name}: {title}: unknown variable in {expr}"
        rules.append({"record": f"panel_{i}", "expr": expr})
    path = tmp_path / "panels.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "panels", "rules": rules}]}))
    done = subprocess.run([promtool(), "check", "rules", str(path)], capture_output=True,
                          timeout=60)
    assert done.returncode == 0, (done.stdout + done.stderr).decode()


@pytest.mark.parametrize("path", DASHBOARDS, ids=[p.name for p in DASHBOARDS])
def test_dashboard_json_is_stable(path: Path) -> None:
    """Two-space JSON with a final newline, as Grafana exports it (reviewable diffs)."""
    text = path.read_text()
    assert text == json.dumps(json.loads(text), indent=2) + "\n"
