"""What every command shares: the console, the ``--config`` option and loading the settings
(a mistake in the file exits 2 with the file, line and field)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from civicmod.contract.settings import Settings, load_settings
from civicmod.contract.yamlfile import FileError

console = Console(stderr=True)

ConfigOpt = Annotated[Path | None, typer.Option("--config", "-c", help="Settings YAML file.",
                                                envvar="CIVICMOD_CONFIG")]


def settings(config: Path | None) -> Settings:
    try:
        return load_settings(config)
    except FileError as exc:
        console.print(f"[red]config error:[/red] {exc}")
        raise typer.Exit(2) from exc
