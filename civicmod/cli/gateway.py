"""``civicmod gateway``: the webhook gateway (platform webhooks → comments.incoming)."""

from __future__ import annotations

from typing import Annotated

import typer

from civicmod.cli.common import ConfigOpt, console, settings


def gateway_cmd(
    config: ConfigOpt = None,
    host: Annotated[str | None, typer.Option(help="Listen address (gateway.host).")] = None,
    port: Annotated[int | None, typer.Option(help="Listen port (gateway.port).")] = None,
) -> None:
    """Serve the webhook endpoints; write verified, deduplicated comments to comments.incoming."""
    from streams.gateway.accounts import SecretError
    from streams.gateway.server import run_gateway

    s = settings(config)
    g = s.gateway.model_copy(update={k: v for k, v in {"host": host, "port": port}.items()
                                     if v is not None})
    s = s.model_copy(update={"gateway": g})
    try:
        run_gateway(s)
    except SecretError as exc:
        console.print(f"[red]gateway secret error:[/red] {exc}")
        raise typer.Exit(2) from exc
    except OSError as exc:  # e.g. the port is in use
        console.print(f"[red]gateway could not listen on {g.host}:{g.port}:[/red] {exc.strerror or exc}")
        raise typer.Exit(1) from exc
