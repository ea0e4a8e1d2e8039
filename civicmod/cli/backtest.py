"""``civicmod backtest``: the full decision (policy layers + classifier + thresholds), exactly as
the worker would make it, over recorded or labelled comments."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from civicmod.cli.common import ConfigOpt, console, settings

out = Console()


def _pct(x: float) -> str:
    return "-" if x != x else f"{x:.1%}"


def _num(x: float, fmt: str = ".3f") -> str:
    return "-" if x != x else format(x, fmt)


def backtest_cmd(
    input_path: Annotated[Path | None, typer.Option("--input", help="Comments: .jsonl or .csv.")] = None,
    topic: Annotated[str | None, typer.Option(help="Read comments from this topic instead "
                                                   "(e.g. comments.incoming), from the beginning.")] = None,
    text_column: Annotated[str | None, typer.Option(help="CSV column holding the text.")] = None,
    labels: Annotated[str | None, typer.Option(
        "--labels", help="Column (or JSON field) holding each row's label.")] = None,
    positive: Annotated[list[str] | None, typer.Option(
        "--positive", help="Label values that mean harmful (repeatable).")] = None,
    group_by: Annotated[str | None, typer.Option(
        help="Column to break figures down by (e.g. functionality).")] = None,
    account: Annotated[str, typer.Option(
        help="Account id of rows that name none (its policy layers and languages apply).")] = "backtest",
    policy: Annotated[list[str] | None, typer.Option(
        "--policy", help="Global policy file(s) instead of policy.files (repeatable).")] = None,
    layer: Annotated[list[str] | None, typer.Option(
        "--layer", help="An organisation layer on top; repeatable.")] = None,
    backend: Annotated[str | None, typer.Option(help="Override classifier.backend "
                                                     "(none: rules only).")] = None,
    batch_size: Annotated[int | None, typer.Option(help="Comments per batch (default: "
                                                        "worker.batch_size, as the worker).")] = None,
    samples: Annotated[int, typer.Option(help="Sample clean comments shown per deciding reason.")] = 2,
    limit: Annotated[int | None, typer.Option(help="Use only the first N comments.")] = None,
    bootstrap: Annotated[str | None, typer.Option(envvar="KAFKA_BOOTSTRAP_SERVERS",
                                                  help="Kafka servers (with --topic).")] = None,
    json_out: Annotated[Path | None, typer.Option(
        "--json", help="Also write the figures as JSON here.")] = None,
    config: ConfigOpt = None,
) -> None:
    """Run the full decision as the worker makes it (same Judge, batch path and batch size,
    stateful signals replayed in order). With --labels: per group, the hidden / escalated /
    published shares of harmful and of clean rows, precision and recall of "not published",
    and escalations per 1,000 clean comments (moderator load)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from civicmod.cli.rules import rows_from
    from civicmod.verdict.backtest import run_backtest
    from civicmod.verdict.configured import build_guardrail, build_judge
    from classifiers.loader import load_from_settings
    from rules.compiler import load_configured

    s = settings(config)
    if labels and not positive:
        raise typer.BadParameter("--labels needs --positive VALUE (repeatable)")
    c = s.classifier.model_copy(update={"backend": backend}) if backend else s.classifier
    p = s.policy
    if policy or layer:
        update = {k: v for k, v in (("global_", policy), ("organisation", layer)) if v}
        files = p.files.model_copy(update=update)
        p = p.model_copy(update={"files": files})
    from civicmod.contract.yamlfile import FileError

    try:
        policies = load_configured(p)
    except FileError as exc:
        console.print(f"[red]policy error:[/red] {escape(str(exc))}")
        raise typer.Exit(2) from exc
    loaded = load_from_settings(c)
    console.print(f"classifier: {loaded.note}")
    try:
        rows = rows_from(input_path, topic, text_column, group_by, bootstrap, limit,
                         account=account, label_column=labels, positive=positive or ())
    except (ValueError, KeyError) as exc:
        console.print(f"[red]cannot read the input:[/red] {escape(str(exc))}")
        raise typer.Exit(2) from exc
    s_for_judge = s.model_copy(update={"policy": p})

    def make_judge(ps):
        return build_judge(s_for_judge, loaded, ps, build_guardrail(s_for_judge))

    with Progress(TextColumn("backtest"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=console, transient=True) as bar:
        task = bar.add_task("backtest", total=len(rows))
        result = run_backtest(rows, policies, samples=samples, make_judge=make_judge,
                              batch_size=batch_size or s.worker.batch_for(
                                  loaded.classifier is not None, gpu=loaded.on_gpu),
                              progress=lambda n: bar.advance(task, n))
    report(result, loaded.note, samples)
    if json_out is not None:
        json_out.write_text(json.dumps(as_json(result, loaded.note), indent=2))


def report(result, classifier_note: str, samples: int) -> None:
    main = result.main
    total = result.total
    out.print(f"[bold]{total:,} comments[/bold], policy {main.version}; classifier: {classifier_note}")
    out.print("outcomes: " + ", ".join(f"{o} {main.outcomes[o]:,} ({main.outcomes[o] / max(total, 1):.1%})"
                                       for o in ("publish", "escalate", "hide")))
    out.print(f"published without the model's scores: {main.unscored_published:,}")
    if main.system:
        out.print(f"[yellow]system reasons:[/yellow] {dict(main.system.most_common())}")
    if not main.labelled:
        return
    t = Table(title="harmful and clean rows (shares of each)")
    for col in ("group", "harmful", "hid", "esc", "pub", "clean", "hid", "esc", "pub",
                "prec", "recall", "esc/1k"):
        t.add_column(col, justify="left" if col == "group" else "right")
    groups = sorted(k for k in main.labelled if k != "all")
    for g in [*groups, "all"]:
        tally = main.labelled[g]
        t.add_row(g if g != "all" else "[bold]all[/bold]", f"{tally.n_harmful:,}",
                  *(_pct(tally.share("harmful", o)) for o in ("hide", "escalate", "publish")),
                  f"{tally.n_clean:,}",
                  *(_pct(tally.share("clean", o)) for o in ("hide", "escalate", "publish")),
                  _num(tally.precision), _num(tally.recall), _num(tally.load_per_1000_clean, ".0f"))
    out.print(t)
    reasons = main.labelled["all"].clean_reasons
    if reasons:
        t = Table(title="what kept clean rows from publication (deciding reason)")
        t.add_column("reason")
        t.add_column("clean rows", justify="right")
        t.add_column("samples")
        for rid, n in reasons.most_common(15):
            shown = [escape(v.comment.text[:80]) for v in main.clean_samples.get(rid, [])[:samples]]
            t.add_row(rid, f"{n:,}", " | ".join(shown))
        out.print(t)


def as_json(result, classifier_note: str) -> dict:
    main = result.main
    return {"total": result.total, "policy": main.version, "classifier": classifier_note,
            "outcomes": dict(main.outcomes), "rules": dict(main.rules), "system": dict(main.system),
            "unscored_published": main.unscored_published,
            "labelled": {g: t.as_dict() for g, t in sorted(main.labelled.items())}}
