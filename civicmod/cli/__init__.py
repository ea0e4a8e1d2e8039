"""The ``civicmod`` command line."""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from civicmod.cli.backtest import backtest_cmd
from civicmod.cli.common import ConfigOpt, console, settings
from civicmod.cli.gateway import gateway_cmd
from civicmod.cli.metrics import metrics_app
from civicmod.cli.models import eval_cmd, models_app
from civicmod.cli.moderators import audit_app, console_app
from civicmod.cli.report import report_cmd
from civicmod.cli.rules import rules_app
from civicmod.contract.settings import Settings
from civicmod.contract.yamlfile import FileError
from civicmod.dev.localkafka import BrokerError, LocalBroker, default_broker

app = typer.Typer(help="civicmod: comment moderation pipeline for public-sector social media.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
kafka_app = typer.Typer(help="Manage the embedded single-node Kafka broker (no Docker needed).",
                        no_args_is_help=True)
app.add_typer(kafka_app, name="kafka")
app.add_typer(models_app, name="models")
app.add_typer(rules_app, name="rules")
app.add_typer(console_app, name="console")
app.add_typer(audit_app, name="audit")
app.add_typer(metrics_app, name="metrics")
app.command("eval")(eval_cmd)
app.command("backtest")(backtest_cmd)


def _broker(s: Settings) -> LocalBroker:
    return default_broker(s.local_kafka)


@kafka_app.command("start")
def kafka_start(config: ConfigOpt = None) -> None:
    """Resolve the broker jars (cached), format KRaft storage, start and wait until ready."""
    broker = _broker(settings(config))
    try:
        with console.status(f"starting Apache Kafka {broker.version} on {broker.bootstrap}..."):
            bootstrap = broker.start()
    except BrokerError as exc:
        console.print(f"[red]kafka start failed:[/red] {exc}")
        raise typer.Exit(1) from exc
    console.print(f"Kafka {broker.version} ready at [bold]{bootstrap}[/bold] (log {broker.log_file})")
    console.print(f"export KAFKA_BOOTSTRAP_SERVERS={bootstrap}")


@kafka_app.command("stop")
def kafka_stop(config: ConfigOpt = None) -> None:
    """Stop the local broker cleanly."""
    broker = _broker(settings(config))
    stopped = broker.stop()
    console.print("Kafka stopped" if stopped else "no local Kafka broker was running")


@kafka_app.command("status")
def kafka_status(config: ConfigOpt = None) -> None:
    """Say whether the local broker is running and answering."""
    st = _broker(settings(config)).status()
    for key, value in st.items():
        console.print(f"{key:>10}: {value}")
    raise typer.Exit(0 if st["ready"] else 1)


@app.command("topics")
def topics_cmd(config: ConfigOpt = None) -> None:
    """Create the pipeline's topics (idempotent) on KAFKA_BOOTSTRAP_SERVERS."""
    from civicmod.contract.topics import ALL_TOPICS, physical
    from streams.kafka.admin import ensure_topics

    s = settings(config)
    k = s.kafka
    created = ensure_topics(k.bootstrap_servers, k.partitions, k.replication_factor, k.topic_prefix)
    for name in ALL_TOPICS:
        full = physical(name, k.topic_prefix)
        console.print(f"{'created' if full in created else 'exists '}  {full}")


@app.command("worker")
def worker_cmd(config: ConfigOpt = None) -> None:
    """Run the Faust agents against KAFKA_BOOTSTRAP_SERVERS (several workers share the load)."""
    from streams.moderate.worker import run_worker

    s = settings(config)
    sys.argv = [sys.argv[0], "worker"]  # faust's Worker reads argv; keep ours out of it
    try:
        run_worker(s)
    except FileError as exc:  # a broken policy file at start-up: the operator must fix it
        console.print(f"[red]config error:[/red] {exc}")
        raise typer.Exit(2) from exc


app.command("gateway")(gateway_cmd)
app.command("report")(report_cmd)


@app.command("actuator")
def actuator_cmd(config: ConfigOpt = None) -> None:
    """Carry out auto-hides, held escalations and moderators' decisions on the platforms
    (every account dry-run until ``actuator.accounts.<id>.live: true``)."""
    from streams.actuator.service import run_actuator

    run_actuator(settings(config))


@app.command("config")
def config_cmd(config: ConfigOpt = None) -> None:
    """Print the effective settings (file + environment) as YAML."""
    import yaml

    s = settings(config)
    typer.echo(f"# source: {s.source or 'built-in defaults'}")
    typer.echo(yaml.safe_dump(s.model_dump(exclude={"source"}), sort_keys=False))


@app.command("run")
def run_cmd(
    config: ConfigOpt = None,
    duration: Annotated[float | None, typer.Option(help="Stop after this many seconds.")] = None,
    exit_when_done: Annotated[bool, typer.Option(
        help="Stop once every demo message has its verdict or dead letter.")] = False,
    keep_broker: Annotated[bool, typer.Option(help="Leave the local broker running.")] = False,
) -> None:
    """Start a local broker, create topics, start a worker, feed the demo, show verdicts live."""
    from civicmod.dev.demo_run import DemoRun

    s = settings(config)
    code = DemoRun(s, console, duration=duration, exit_when_done=exit_when_done,
                   keep_broker=keep_broker, config_path=config).run()
    raise typer.Exit(code)


def main() -> None:
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    app()


