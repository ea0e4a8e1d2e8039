"""``civicmod metrics serve``: the metrics service (windowed aggregates on moderation.metrics,
Prometheus engagement gauges on ``metrics.port``)."""

from __future__ import annotations

from typing import Annotated

import typer

from civicmod.cli.common import ConfigOpt, console, settings

metrics_app = typer.Typer(help="The metrics service: windowed aggregates for dashboards and "
                               "reports.", no_args_is_help=True)


@metrics_app.command("serve")
def serve_cmd(
    config: ConfigOpt = None,
    host: Annotated[str | None, typer.Option(help="Listen address (metrics.host).")] = None,
    port: Annotated[int | None, typer.Option(help="Listen port (metrics.port).")] = None,
) -> None:
    """Aggregate the outcome, decision, action, reply and dead-letter topics into 1 min, 1 h
    and 1 day windows per account; serve /health, /readyz and /metrics."""
    from streams.metrics.service import run_metrics

    s = settings(config)
    m = s.metrics.model_copy(update={k: v for k, v in {"host": host, "port": port}.items()
                                     if v is not None})
    s = s.model_copy(update={"metrics": m})
    try:
        run_metrics(s)
    except OSError as exc:  # e.g. the port is in use
        console.print(f"[red]metrics could not listen on {m.host}:{m.port}:[/red] "
                      f"{exc.strerror or exc}")
        raise typer.Exit(1) from exc
