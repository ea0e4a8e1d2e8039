"""``civicmod report``: the transparency report of a period, from the metrics and moderation
topics (docs/reports.md)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from civicmod.cli.common import ConfigOpt, console, settings


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from exc


def _legal_grounds(path: Path | None) -> dict[str, str]:
    """A YAML mapping: policy section or reason code → the legal ground it enforces."""
    if path is None:
        return {}
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise typer.BadParameter(f"{path}: {exc}", param_hint="--legal-grounds") from exc
    if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                             for k, v in data.items()):
        raise typer.BadParameter(f"{path}: expected a mapping of policy section or reason code "
                                 "to the legal ground (text)", param_hint="--legal-grounds")
    return data


def report_cmd(
    start: Annotated[str, typer.Option("--from", help="First day of the period (YYYY-MM-DD).")],
    end: Annotated[str, typer.Option("--to", help="Last day of the period, included (YYYY-MM-DD).")],
    org: Annotated[str | None, typer.Option("--org", help="Only this organisation "
                                            "(a key of console.organisations).")] = None,
    account: Annotated[str | None, typer.Option("--account", help="Only this account id.")] = None,
    out: Annotated[Path, typer.Option("--out", help="Folder to write report.html, report.csv "
                                      "and statements.jsonl into.")] = Path("report"),
    bootstrap: Annotated[str | None, typer.Option(
        "--bootstrap", help="Kafka bootstrap servers (default: kafka.bootstrap_servers).")] = None,
    legal_grounds: Annotated[Path | None, typer.Option(
        "--legal-grounds", help="YAML: policy section or reason code → the legal ground it "
        "enforces (those statements get DECISION_GROUND_ILLEGAL_CONTENT).")] = None,
    timeout_s: Annotated[float, typer.Option(help="Give up reading a topic after this long.")] = 120.0,
    config: ConfigOpt = None,
) -> None:
    """Write the transparency report of a period: HTML with charts, the figures as CSV, and the
    EU DSA statements of reasons (JSON lines) of every comment hidden or removed."""
    from streams.kafka.logs import setup_logging
    from streams.metrics.report.build import Scope, assemble
    from streams.metrics.report.load import LoadError, Source, load
    from streams.metrics.report.render import write

    s = settings(config)
    setup_logging("report", "warning")
    first, last = _day(start), _day(end)
    if last < first:
        raise typer.BadParameter(f"--to {last} is before --from {first}", param_hint="--to")
    orgs = s.console.organisations
    if org is not None and org not in orgs:
        known = ", ".join(sorted(orgs)) or "none configured"
        console.print(f"[yellow]organisation {org!r} is not in console.organisations ({known}); "
                      "using the organisation recorded in the metrics[/yellow]")
    spec = orgs.get(org) if org else None
    scope = Scope(first, last, organisation=org, account=account,
                  organisation_name=spec.name if spec else None,
                  accounts=frozenset(spec.accounts) if spec else frozenset())
    grounds = _legal_grounds(legal_grounds)
    labels = {rc.code: rc.label for rc in s.console.reason_codes}
    src = Source(bootstrap or s.kafka.bootstrap_servers, s.kafka.topic_prefix, timeout_s)
    try:
        with console.status(f"reading {src.bootstrap}..."):
            records = load(src, scope)
    except LoadError as exc:
        console.print(f"[red]report failed:[/red] {exc}")
        raise typer.Exit(1) from exc
    report = assemble(records, scope, legal_grounds=grounds, reason_labels=labels)
    paths = write(report, out)
    f = report.figures
    console.print(f"{f.overall.received:,} comments, {len(f.accounts)} accounts, "
                  f"{len(report.statements):,} statements of reasons")
    for p in (paths.html, paths.csv, paths.statements):
        typer.echo(str(p))
    bad = sum(report.unreadable.values()) + sum(report.statement_errors.values())
    if bad:
        console.print(f"[yellow]{bad} record(s) skipped; see the report's method notes[/yellow]")
