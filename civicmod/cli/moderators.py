"""``civicmod console`` (serve, migrate, add-user, set-password) and ``civicmod audit`` (verify, export)."""

from __future__ import annotations

import secrets
import sys
from datetime import datetime
from typing import Annotated

import typer

from civicmod.cli.common import ConfigOpt, console, settings

console_app = typer.Typer(help="The moderators' console: escalation queue, decisions, audit, appeals.",
                          no_args_is_help=True)
audit_app = typer.Typer(help="The console's audit trail: verify the hash chain, export for FOI.",
                        no_args_is_help=True)


@console_app.command("serve")
def serve_cmd(
    config: ConfigOpt = None,
    host: Annotated[str | None, typer.Option(help="Listen address (console.host).")] = None,
    port: Annotated[int | None, typer.Option(help="Listen port (console.port).")] = None,
) -> None:
    """Serve the console (web UI + API), ingest escalations and publish decisions."""
    from streams.console.service import run_console

    s = settings(config)
    c = s.console.model_copy(update={k: v for k, v in {"host": host, "port": port}.items() if v is not None})
    s = s.model_copy(update={"console": c})
    try:
        run_console(s)
    except OSError as exc:
        console.print(f"[red]console could not start on {c.host}:{c.port}:[/red] {exc.strerror or exc}")
        raise typer.Exit(1) from exc


@console_app.command("migrate")
def migrate_cmd(config: ConfigOpt = None) -> None:
    """Create or upgrade the console's database schema (serve does this too)."""
    from streams.console.db import Database, current_revision, redact
    from streams.console.service import database_url

    db = Database(database_url(settings(config)))
    db.setup()
    console.print(f"{redact(db.url)}: schema at revision {current_revision(db.engine)}")


@console_app.command("add-user")
def add_user_cmd(
    username: str,
    role: Annotated[str, typer.Option(help="viewer | moderator | lead | admin | auditor | comms")] = "admin",
    organisation: Annotated[str | None, typer.Option(help="Scope: one organisation (default: all).")] = None,
    account: Annotated[str | None, typer.Option(help="Scope: one account.")] = None,
    config: ConfigOpt = None,
) -> None:
    """Add a user with a generated password, printed once (e.g. the first admin)."""
    from streams.console.auth import Auth
    from streams.console.db import Database
    from streams.console.service import database_url

    s = settings(config)
    db = Database(database_url(s))
    db.setup()
    password = secrets.token_urlsafe(15)
    try:
        Auth(db, s.console).create_user(None, username, username, password, [(role, organisation, account)])
    except ValueError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    console.print(f"user [bold]{username}[/bold] ({role}) password: [bold]{password}[/bold]  (shown once)")


@audit_app.command("verify")
def verify_cmd(config: ConfigOpt = None) -> None:
    """Recompute the audit chain; exit 1 and list the breaks if a record was changed or removed."""
    from streams.console import audit
    from streams.console.db import Database
    from streams.console.service import database_url

    db = Database(database_url(settings(config)))
    with db.read() as s:
        result = audit.verify(s)
    if result.ok:
        console.print(f"audit chain intact: {result.rows} records")
        return
    console.print(f"[red]audit chain broken[/red] ({result.rows} records):")
    for problem in result.problems:
        console.print(f"  - {problem}")
    raise typer.Exit(1)


@audit_app.command("export")
def export_cmd(
    since: Annotated[datetime | None, typer.Option(help="From (UTC), e.g. 2026-01-01.")] = None,
    until: Annotated[datetime | None, typer.Option(help="Until (UTC, exclusive).")] = None,
    account: Annotated[str | None, typer.Option(help="Only this account.")] = None,
    actor: Annotated[str | None, typer.Option(help="Only this user.")] = None,
    fmt: Annotated[str, typer.Option("--format", help="csv | json (one object per line)")] = "csv",
    config: ConfigOpt = None,
) -> None:
    """Write the audit records to stdout (FOI / records requests); the export is itself audited."""
    from streams.console import audit
    from streams.console.db import Database
    from streams.console.service import database_url

    db = Database(database_url(settings(config)))
    db.setup()
    with db.tx() as s:
        audit.record(s, "export", "cli", details={"format": fmt, "since": since, "until": until,
                                                  "account_id": account, "actor": actor})
    with db.read() as s:
        rows = audit.query(s, since=since, until=until, account_id=account, actor=actor)
        for chunk in (audit.to_csv(rows) if fmt == "csv" else audit.to_json_lines(rows)):
            sys.stdout.write(chunk)


@console_app.command("set-password")
def set_password_cmd(username: str, config: ConfigOpt = None) -> None:
    """Give a user a new generated password (printed once); their sessions end."""
    from sqlalchemy import select, update

    from streams.console import audit
    from streams.console.auth import HASHER
    from streams.console.db import Database
    from streams.console.models import Session, User
    from streams.console.service import database_url

    db = Database(database_url(settings(config)))
    db.setup()
    password = secrets.token_urlsafe(15)
    with db.tx() as s:
        user = s.scalar(select(User).where(User.username == username))
        if user is None:
            console.print(f"[red]no user {username!r}[/red]")
            raise typer.Exit(2)
        user.password_hash = HASHER.hash(password)
        user.auth_epoch += 1
        s.execute(update(Session).where(Session.user_id == user.id).values(revoked=True))
        audit.record(s, "user.password_changed", "cli", details={"user": username})
    console.print(f"user [bold]{username}[/bold] password: [bold]{password}[/bold]  (shown once)")
