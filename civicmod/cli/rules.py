"""``civicmod rules check | test | backtest``: write, test and trust a policy before it goes live."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from civicmod.cli.common import ConfigOpt, console
from civicmod.contract.yamlfile import FileError

rules_app = typer.Typer(help="Validate, try out and backtest policy files.", no_args_is_help=True)
out = Console()

LayerOpt = Annotated[list[str] | None, typer.Option(
    "--layer", help="Another policy file layered on top (organisation level); repeatable.")]
AccountLayerOpt = Annotated[list[str] | None, typer.Option(
    "--account-layer", help="ACCOUNT=FILE: an account-level override file; repeatable.")]


def _load(policy: str, layers: list[str] | None = None, account_layers: list[str] | None = None,
          official: list[str] | None = None):
    from rules.compiler import EffectiveSettings, load_policy_set

    accounts: dict[str, list[str]] = {}
    for item in account_layers or []:
        account, sep, path = item.partition("=")
        if not sep:
            console.print(f"[red]--account-layer needs ACCOUNT=FILE, got {item!r}[/red]")
            raise typer.Exit(2)
        accounts.setdefault(account, []).append(path)
    try:
        return load_policy_set([policy], layers or [], accounts,
                               EffectiveSettings(official_names=tuple(official or ())))
    except FileError as exc:
        console.print(f"[red]policy error:[/red] {escape(str(exc))}")
        raise typer.Exit(2) from exc


def _official(config: Path | None) -> list[str]:
    from civicmod.contract.settings import load_settings

    try:
        return list(load_settings(config).policy.official_names)
    except FileError:
        return []


@rules_app.command("check")
def check_cmd(
    policies: Annotated[list[str], typer.Argument(
        help="Policy files, layered in order: the first is the global layer, the rest organisation "
             "layers. builtin:default names the shipped default policy.")],
    account_layer: AccountLayerOpt = None,
) -> None:
    """Validate policy files; errors name the file, line and field."""
    ps = _load(policies[0], policies[1:], account_layer)
    for name, pol in [("all accounts", ps.base), *ps.accounts.items()]:
        locked = [r.id for r in pol.rules if r.locked]
        actions: dict[str, int] = {}
        for r in pol.rules:
            actions[r.action] = actions.get(r.action, 0) + 1
        out.print(f"[green]ok[/green] {name}: {pol.version}")
        out.print(f"   {len(pol.rules)} rules ({', '.join(f'{n} {a}' for a, n in sorted(actions.items()))}), "
                  f"{len([n for n in pol.lists if not n.startswith('_')])} word lists, "
                  f"{len(pol.index or ())} automaton keys")
        out.print(f"   locked: {', '.join(locked) or '-'}")
        out.print(f"   signals read: {', '.join(s.name for s in pol.signal_specs) or '-'}")
        deferred = [r.id for r in pol.phase2]
        if deferred:
            out.print(f"   rules reading model scores: {', '.join(deferred)}")


def _parse_pairs(items: list[str] | None, what: str) -> dict[str, float]:
    values = {}
    for item in items or []:
        name, sep, raw = item.partition("=")
        try:
            values[name] = float(raw)
        except ValueError:
            sep = ""
        if not sep:
            console.print(f"[red]--{what} needs NAME=NUMBER, got {item!r}[/red]")
            raise typer.Exit(2)
    return values


def _highlight(text: str, spans: list[tuple[int, int]]) -> str:
    parts, pos = [], 0
    for a, b in sorted(spans):
        if a < pos:
            continue
        parts.append(escape(text[pos:a]))
        parts.append(f"[reverse]{escape(text[a:b])}[/reverse]")
        pos = b
    parts.append(escape(text[pos:]))
    return "".join(parts)


@rules_app.command("test")
def test_cmd(
    policy: Annotated[str, typer.Argument(help="Policy file (builtin:default for the shipped one).")],
    text: Annotated[str, typer.Argument(help="The comment text.")],
    layer: LayerOpt = None,
    account_layer: AccountLayerOpt = None,
    author_name: Annotated[str | None, typer.Option(help="Author display name.")] = None,
    author_handle: Annotated[str | None, typer.Option(help="Author handle.")] = None,
    author_id: Annotated[str, typer.Option(help="Author id.")] = "test-author",
    account: Annotated[str, typer.Option(help="Account id the comment was posted on.")] = "test-account",
    platform: Annotated[str, typer.Option(help="facebook, instagram, x, youtube, generic.")] = "generic",
    account_age_days: Annotated[float | None, typer.Option(help="Author account age.")] = None,
    signal: Annotated[list[str] | None, typer.Option(
        help="NAME=VALUE for a stateful signal, e.g. author_comments_10m=12; repeatable.")] = None,
    score: Annotated[list[str] | None, typer.Option(
        help="LABEL=VALUE model score, e.g. toxicity=0.97; repeatable.")] = None,
    official_name: Annotated[list[str] | None, typer.Option(
        help="An official account name (default: policy.official_names from the settings).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the verdict as JSON.")] = False,
    config: ConfigOpt = None,
) -> None:
    """Explain which rules fire on one comment, with matched spans and the outcome."""
    from datetime import UTC, datetime, timedelta

    from civicmod.contract.records import Author, Comment
    from civicmod.verdict.batch import Item, decide_all, run_rules
    from civicmod.verdict.judge import Judge
    from classifiers.routing import Assessment

    official = official_name if official_name is not None else _official(config)
    ps = _load(policy, layer, account_layer, official)
    now = datetime.now(UTC)
    created = now - timedelta(days=account_age_days) if account_age_days is not None else None
    try:
        comment = Comment(id=f"{platform}:test", platform=platform, account_id=account,  # type: ignore[arg-type]
                          author=Author(id=author_id, display_name=author_name, handle=author_handle,
                                        created_at=created),
                          text=text, created_at=now)
    except ValueError as exc:
        console.print(f"[red]bad comment:[/red] {escape(str(exc))}")
        raise typer.Exit(2) from exc
    signals = _parse_pairs(signal, "signal")
    scores = _parse_pairs(score, "score")
    judge = Judge(ps, None, {}, {}, signals=lambda c, specs: signals)
    items = [Item(comment)]
    run_rules(judge, items)  # the batch path the worker runs; --score stands in for the model
    (verdict,) = decide_all(judge, items, [0] if scores else [],
                            [Assessment(scores, None, None)] if scores else None, None)
    if as_json:
        typer.echo(verdict.model_dump_json(by_alias=True, exclude_none=True, indent=2))
        return
    out.print(f"policy {ps.policy_for(account).version}")
    out.print(f"text   {_highlight(text, [s for r in verdict.reasons for s in (r.spans or [])])}")
    if not verdict.reasons:
        out.print("no rule fired")
    for r in verdict.reasons:
        action = r.action or "tag"
        colour = {"hide": "red", "escalate": "yellow", "publish": "green"}.get(action, "cyan")
        out.print(f"[{colour}]{action:8}[/{colour}] {r.source}:{r.id}"
                  + (f" ({r.policy}, priority {r.priority})" if r.policy else ""))
        if r.detail:
            out.print(f"         {escape(r.detail)}")
        for a, b in r.spans or []:
            out.print(f"         [{a}:{b}] {escape(repr(text[a:b]))}")
    colour = {"hide": "red", "escalate": "yellow", "publish": "green"}[verdict.outcome]
    line = f"outcome [bold {colour}]{verdict.outcome}[/bold {colour}]"
    if verdict.escalation:
        e = verdict.escalation
        line += f" → queue {e.queue}, priority {e.priority}{', held' if e.hold else ''}"
    out.print(line)
    needed = ps.policy_for(account).signal_specs
    missing = [s.name for s in needed if s.name not in signals]
    if missing:
        out.print(f"[dim]signals not given (rules reading them did not fire): {', '.join(missing)}[/dim]")


def rows_from(input_path: Path | None, topic: str | None, text_column: str | None,
              group_by: str | None, bootstrap: str | None, limit: int | None,
              account: str = "backtest", label_column: str | None = None,
              positive: tuple[str, ...] | list[str] = ()):
    """Backtest rows from a file or a topic (labels: files only)."""
    from itertools import islice

    from civicmod.verdict.backtest import Row, read_rows

    if (input_path is None) == (topic is None):
        console.print("[red]give exactly one of --input FILE or --topic TOPIC[/red]")
        raise typer.Exit(2)
    if input_path is not None:
        if not input_path.is_file():
            console.print(f"[red]input not found:[/red] {input_path}")
            raise typer.Exit(2)
        return list(islice(read_rows(input_path, text_column, group_by, account, label_column,
                                     positive), limit))
    if label_column:
        console.print("[red]--labels needs --input FILE (records on a topic carry no labels)[/red]")
        raise typer.Exit(2)
    from civicmod.contract.records import MalformedComment, parse_comment
    from civicmod.contract.settings import load_settings
    from streams.kafka.client import consume

    s = load_settings()
    servers = bootstrap or s.kafka.bootstrap_servers
    rows = []
    for rec in consume(servers, [s.kafka.topic_prefix + topic], idle_timeout_s=3.0):  # type: ignore[operator]
        try:
            rows.append(Row(parse_comment(json.dumps(rec.value).encode(), s.worker.max_text_chars)))
        except MalformedComment:
            continue
        if limit and len(rows) >= limit:
            break
    return rows


@rules_app.command("backtest")
def backtest_cmd(
    policy: Annotated[str, typer.Argument(help="Policy file (builtin:default for the shipped one).")],
    input_path: Annotated[Path | None, typer.Option("--input", help="Comments: .jsonl or .csv.")] = None,
    topic: Annotated[str | None, typer.Option(help="Read comments from this topic instead "
                                                   "(e.g. comments.incoming), from the beginning.")] = None,
    compare: Annotated[str | None, typer.Option(help="A second policy to compare against.")] = None,
    layer: LayerOpt = None,
    compare_layer: Annotated[list[str] | None, typer.Option(
        help="A layer on top of --compare; repeatable.")] = None,
    text_column: Annotated[str | None, typer.Option(help="CSV column holding the text.")] = None,
    group_by: Annotated[str | None, typer.Option(
        help="Column to break outcomes down by (e.g. functionality).")] = None,
    samples: Annotated[int, typer.Option(help="Sample comments shown per outcome.")] = 3,
    limit: Annotated[int | None, typer.Option(help="Use only the first N comments.")] = None,
    bootstrap: Annotated[str | None, typer.Option(envvar="KAFKA_BOOTSTRAP_SERVERS",
                                                  help="Kafka servers (with --topic).")] = None,
    official_name: Annotated[list[str] | None, typer.Option(help="Official account names.")] = None,
    json_out: Annotated[Path | None, typer.Option(help="Also write the counts as JSON here.")] = None,
) -> None:
    """Run a policy over recorded comments: counts per outcome and rule, what changes vs --compare."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from civicmod.verdict.backtest import run_backtest

    main = _load(policy, layer, None, official_name)
    other = _load(compare, compare_layer, None, official_name) if compare else None
    try:
        rows = rows_from(input_path, topic, text_column, group_by, bootstrap, limit)
    except (ValueError, KeyError) as exc:
        console.print(f"[red]cannot read the input:[/red] {escape(str(exc))}")
        raise typer.Exit(2) from exc
    with Progress(TextColumn("backtest"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=console, transient=False) as bar:
        task = bar.add_task("backtest", total=len(rows))
        result = run_backtest(rows, main, other, samples=samples,
                              progress=lambda n: bar.advance(task, n))
    _report(result, samples)
    if json_out is not None:
        json_out.write_text(json.dumps(_as_json(result), indent=2))


def _pct(n: int, total: int) -> str:
    return f"{n:,} ({n / total:.1%})" if total else "0"


def _report(result, samples: int) -> None:
    total = result.total
    summaries = [result.main] + ([result.other] if result.other else [])
    t = Table(title=f"outcomes of {total:,} comments")
    t.add_column("outcome")
    for s in summaries:
        t.add_column(s.version)
    for outcome in ("publish", "escalate", "hide"):
        t.add_row(outcome, *(_pct(s.outcomes[outcome], total) for s in summaries))
    out.print(t)
    rules = sorted({r for s in summaries for r in s.rules}, key=lambda r: -result.main.rules[r])
    if rules:
        t = Table(title="rules that fired (comments)")
        t.add_column("rule")
        for s in summaries:
            t.add_column(s.version)
        for r in rules:
            t.add_row(r, *(f"{s.rules[r]:,}" for s in summaries))
        out.print(t)
    for s in summaries:
        if s.system:
            out.print(f"[yellow]system reasons ({s.version}):[/yellow] {dict(s.system)}")
    if result.main.groups:
        t = Table(title=f"outcomes per group ({result.main.version})")
        for col in ("group", "n", "publish", "escalate", "hide", "hidden %"):
            t.add_column(col)
        for g, c in sorted(result.main.groups.items()):
            n = sum(c.values())
            t.add_row(g, str(n), str(c["publish"]), str(c["escalate"]), str(c["hide"]),
                      f"{c['hide'] / n:.1%}")
        out.print(t)
    if result.other is not None:
        out.print(f"[bold]{sum(result.changes.values()):,} comments change outcome[/bold]")
        for (a, b), n in result.changes.most_common():
            out.print(f"  {a} → {b}: {n:,}")
            for v, w in [p for p in result.changed if (p[0].outcome, p[1].outcome) == (a, b)][:samples]:
                why = ", ".join(r.id for r in (w if b != "publish" else v).reasons if r.action) or "-"
                out.print(f"     {escape(v.comment.text[:100])!r}  [dim]({why})[/dim]")
    for s in summaries:
        for outcome in ("hide", "escalate", "publish"):
            shown = s.samples.get(outcome, [])[:samples]
            if shown:
                out.print(f"[bold]samples: {outcome}[/bold] ({s.version})")
                for v in shown:
                    why = ", ".join(r.id for r in v.reasons) or "-"
                    out.print(f"   {escape(v.comment.text[:100])!r}  [dim]({why})[/dim]")


def _as_json(result) -> dict:
    def summary(s):
        return {"version": s.version, "outcomes": dict(s.outcomes), "rules": dict(s.rules),
                "groups": {g: dict(c) for g, c in s.groups.items()}, "system": dict(s.system)}

    return {"total": result.total, "policy": summary(result.main),
            "compare": summary(result.other) if result.other else None,
            "changes": {f"{a}->{b}": n for (a, b), n in result.changes.items()}}
