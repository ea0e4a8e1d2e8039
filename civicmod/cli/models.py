"""``civicmod models pull`` and ``civicmod eval``."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from civicmod.cli.common import ConfigOpt, console, settings

if TYPE_CHECKING:
    from classifiers.evaluation import Report

models_app = typer.Typer(help="Fetch models on a connected machine, for offline workers.",
                         no_args_is_help=True)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _manifest(root: Path, name: str, source: str) -> None:
    files = {str(p.relative_to(root)): _sha256(p) for p in sorted(root.rglob("*"))
             if p.is_file() and p.name != "manifest.json"}
    (root / "manifest.json").write_text(json.dumps({
        "name": name, "source": source, "pulled_at": datetime.now(UTC).isoformat(),
        "files": files}, indent=2))


def pull_detoxify(name: str, to: Path) -> Path:
    """Checkpoint + its architecture's config/tokenizer into ``to/detoxify-<name>/``."""
    import torch
    from transformers import AutoConfig, AutoTokenizer

    from classifiers import detoxify_model as dm

    if name not in dm.MODELS:
        raise typer.BadParameter(f"unknown detoxify model {name!r}; one of {sorted(dm.MODELS)}")
    release, arch = dm.MODELS[name]
    root = to / f"detoxify-{name}"
    partial = to / f".detoxify-{name}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    (partial / "hf").mkdir(parents=True)
    url = dm.DOWNLOAD_BASE + release
    console.print(f"downloading {url}")
    torch.hub.download_url_to_file(url, str(partial / "model.ckpt"), progress=console.is_terminal)
    console.print(f"saving config and tokenizer of {arch}")
    AutoConfig.from_pretrained(arch).save_pretrained(partial / "hf")
    AutoTokenizer.from_pretrained(arch).save_pretrained(partial / "hf")
    _manifest(partial, f"detoxify-{name}", url)
    shutil.rmtree(root, ignore_errors=True)
    partial.rename(root)
    return root


def pull_transformers(repo: str, to: Path) -> Path:
    """A Hugging Face sequence-classification model into ``to/<repo with / as __>/``."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    root = to / repo.replace("/", "__")
    AutoModelForSequenceClassification.from_pretrained(repo).save_pretrained(root)
    AutoTokenizer.from_pretrained(repo).save_pretrained(root)
    _manifest(root, repo, f"huggingface:{repo}")
    return root


@models_app.command("pull")
def pull(name: Annotated[str, typer.Argument(help="original | unbiased | multilingual | "
                                             "original-small | unbiased-small | <hf org/repo>")],
         to: Annotated[Path, typer.Option("--to", help="Models dir (classifier.model_dir).")]) -> None:
    """Download a model with everything needed to load it offline, plus a manifest of hashes."""
    to.mkdir(parents=True, exist_ok=True)
    try:
        root = pull_transformers(name, to) if "/" in name else pull_detoxify(name, to)
    except typer.BadParameter:
        raise
    except Exception as exc:
        console.print(f"[red]pull failed:[/red] {type(exc).__name__}: {exc}\n"
                      "This needs internet access (GitHub releases and the Hugging Face hub). "
                      "On an air-gapped network, pull on a connected machine and copy the dir.")
        raise typer.Exit(1) from exc
    console.print(f"[green]✓[/green] {root}  (manifest.json lists every file's sha256)")
    if "/" in name:
        console.print(f"use: classifier.backend: transformers, classifier.transformers_path: {root}")
    else:
        console.print(f"use: classifier.model_dir: {to}, classifier.detoxify_model: {name}")


def _write(path: Path, model: str, report: Report, lang: str | None, write_hide: bool) -> None:
    """Write ``report``'s calibrated thresholds into ``path`` and print what was written."""
    from civicmod.cli.thresholds_file import write_thresholds
    from civicmod.contract.yamlfile import FileError
    from classifiers.evaluation import threshold_tables

    tables = threshold_tables(report)
    if not write_hide:
        tables["hide"] = {}
    where = f"policy.thresholds.{model}" + (f".languages.{lang}" if lang else "")
    if not tables["escalate"] and not tables["hide"]:
        console.print(f"[yellow]nothing written to {path}:[/yellow] no label reached the target "
                      "precision on this sample")
        return
    try:
        write_thresholds(path, model, tables, lang)
    except FileError as exc:
        console.print(f"[red]thresholds not written:[/red] {exc}")
        raise typer.Exit(2) from exc
    console.print(f"wrote {where} to {path}:", soft_wrap=True)
    t = Table("action", "label", "threshold", "for precision ≥")
    for action, precision in (("escalate", report.target_precision),
                              ("hide", report.hide_precision)):
        for label, value in tables[action].items():
            t.add_row(action, label, f"{value:.4f}", f"{precision}")
    console.print(t)
    skipped = sorted(k for k, v in report.calibrated.items() if v is None and k != "any")
    if skipped:
        console.print(f"unchanged (precision {report.target_precision} never reached): "
                      f"{', '.join(skipped)}")


def _fmt(value: float) -> str:
    return "-" if value != value else f"{value:.3f}"  # NaN: nothing flagged at that action


def eval_cmd(
    dataset: Annotated[Path, typer.Option("--dataset", help="Labelled CSV file.")],
    text_col: Annotated[str, typer.Option("--text-col")] = "text",
    label_col: Annotated[str, typer.Option("--label-col")] = "label",
    positive: Annotated[list[str] | None, typer.Option(
        "--positive", help="Label values that mean toxic/hateful (repeatable).")] = None,
    backend: Annotated[str | None, typer.Option(help="Override classifier.backend.")] = None,
    target_precision: Annotated[float, typer.Option(
        min=0.0, max=1.0, help="Escalate threshold calibration: precision to reach.")] = 0.9,
    hide_precision: Annotated[float, typer.Option(
        min=0.0, max=1.0, help="Hide threshold calibration: a stricter precision.")] = 0.98,
    lang: Annotated[str | None, typer.Option(
        "--lang", help="The sample's language (e.g. nl): use and write that language's thresholds "
                       "(policy.thresholds.<model>.languages.<lang>).")] = None,
    write_thresholds: Annotated[Path | None, typer.Option(
        "--write-thresholds", help="Write the calibrated thresholds into this civicmod.yaml "
                                   "(only its policy.thresholds section is rewritten).")] = None,
    write_hide: Annotated[bool, typer.Option(
        "--write-hide/--no-write-hide", help="Also write hide thresholds (at --hide-precision).")] = True,
    plot_path: Annotated[Path | None, typer.Option("--plot", help="Write a PNG here.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    limit: Annotated[int | None, typer.Option(help="Only the first N rows.")] = None,
    config: ConfigOpt = None,
) -> None:
    """Evaluate the configured classifier: AUC, precision/recall at the thresholds, per-
    functionality false-positive rates (HateCheck files) and calibrated thresholds; with
    --write-thresholds, write those into a config file (per language with --lang)."""
    from rich.progress import Progress

    from classifiers.evaluation import (
        POSITIVE_VALUES,
        as_dict,
        evaluate,
        merged_table,
        plot,
        read_dataset,
        score_all,
    )
    from classifiers.loader import load_from_settings

    if lang is not None and not re.fullmatch(r"[a-z]{2,3}", lang):
        raise typer.BadParameter(f"--lang {lang!r}: an ISO 639 code in lower case, e.g. nl")
    s = settings(config)
    c = s.classifier.model_copy(update={"backend": backend}) if backend else s.classifier
    if c.backend == "none":
        raise typer.BadParameter("eval needs a classifier; backend is none")
    loaded = load_from_settings(c)
    if loaded.error or loaded.classifier is None:
        console.print(f"[red]{loaded.note}[/red]")
        raise typer.Exit(1)
    console.print(f"classifier: {loaded.note}")
    try:
        data = read_dataset(dataset, text_col, label_col, positive or POSITIVE_VALUES, limit=limit)
    except (OSError, ValueError) as exc:
        console.print(f"[red]cannot read dataset:[/red] {exc}")
        raise typer.Exit(2) from exc
    from classifiers.routing import LanguageRouter

    model = loaded.classifier
    if isinstance(model, LanguageRouter):  # score every row with the model itself, and say
        found = [model.language(t) for t in data.texts]
        covered = getattr(model.primary, "languages", frozenset({"en"}))
        uncovered = sum(x not in (None, *covered) for x in found)
        console.print(f"language: {uncovered}/{len(data.texts)} rows are in languages "
                      f"{model.primary.name} does not cover (the pipeline escalates those); "
                      "scored here anyway")
        chosen = model.model_for(lang) if lang is not None else None
        if lang is not None:
            console.print(f"language: {sum(x == lang for x in found)}/{len(data.texts)} rows "
                          f"detected as {lang}; the pipeline scores {lang} with "
                          f"{chosen.name if chosen else 'no model (escalated)'}")
        model = chosen or model.primary
    try:
        with Progress(console=console, transient=True) as bar:
            task = bar.add_task("scoring", total=len(data.texts))
            scores = score_all(model, data.texts, progress=lambda n: bar.advance(task, n))
    except ValueError as exc:  # unusable scores: say which row, never evaluate garbage
        console.print(f"[red]the classifier returned unusable scores:[/red] {exc}")
        raise typer.Exit(1) from exc
    limits = s.policy.thresholds_for(model.name)
    own = limits.languages.get(lang) if lang else None
    tables = {"escalate": merged_table(limits.escalate, own.escalate if own else {}),
              "hide": merged_table(limits.hide, own.hide if own else {})}
    report = evaluate(data, scores, tables, target_precision, hide_precision)
    if write_thresholds is not None:
        _write(write_thresholds, model.name, report, lang, write_hide)
    if plot_path:
        plot(report, data, scores, plot_path, f"{model.name} on {dataset.name}")
        console.print(f"plot: {plot_path}")
    if as_json:
        typer.echo(json.dumps(as_dict(report), indent=2))
        return
    out = Console()
    out.print(f"{dataset.name}: {report.n} rows, {report.positives} positive; "
              f"classifier {model.name} {model.version}")
    t = Table("label", "AUC", f"threshold for precision ≥ {target_precision}",
              f"for precision ≥ {hide_precision} (hide)")
    for label, value in report.auc.items():
        cal, hid = report.calibrated.get(label), report.calibrated_hide.get(label)
        t.add_row(label, f"{value:.3f}", "-" if cal is None else f"{cal:.3f}",
                  "-" if hid is None else f"{hid:.3f}")
    out.print(t)
    t = Table(f"at configured thresholds{f' ({lang})' if lang else ''}", "precision", "recall",
              "share flagged")
    for action, m in report.at_thresholds.items():
        t.add_row(action, _fmt(m["precision"]), _fmt(m["recall"]), _fmt(m["flagged"]))
    out.print(t)
    if report.group_fpr:
        t = Table("functionality (non-hateful cases)", "n", "escalated", "hidden")
        for grp, m in sorted(report.group_fpr.items()):
            t.add_row(grp, str(int(m["n"])), f"{m.get('escalate', 0):.3f}", f"{m.get('hide', 0):.3f}")
        out.print(t)


@models_app.command("distill")
def distill_cmd(
    out: Annotated[Path, typer.Option("--out", help="Directory for the student (model.ckpt, hf/, "
                                                    "report.json).")],
    layers: Annotated[int, typer.Option("--layers", min=1, help="Encoder layers the student keeps.")],
    input_path: Annotated[Path | None, typer.Option(
        "--input", help="Comments to learn from: .csv or .jsonl (no labels needed).")] = None,
    topic: Annotated[str | None, typer.Option(
        "--topic", help="…or read them from this topic (e.g. comments.incoming).")] = None,
    text_column: Annotated[str | None, typer.Option(help="CSV column holding the text.")] = None,
    epochs: Annotated[int, typer.Option(min=1)] = 3,
    learning_rate: Annotated[float, typer.Option(min=0.0)] = 1e-4,
    batch_size: Annotated[int, typer.Option(min=1)] = 32,
    holdout: Annotated[float, typer.Option(min=0.01, max=0.5,
                                           help="Share kept out of training, to measure.")] = 0.1,
    min_agreement: Annotated[float, typer.Option(
        min=0.0, max=1.0, help="Held-out share the student must route as the teacher does.")] = 0.99,
    max_deferred: Annotated[float, typer.Option(
        min=0.0, max=1.0, help="Most of the comments a cascade may hand back to the teacher.")] = 0.25,
    limit: Annotated[int | None, typer.Option(help="Only the first N comments.")] = None,
    seed: int = 0,
    config: ConfigOpt = None,
) -> None:
    """Distil the configured detoxify model into a student with fewer layers (faster on CPUs
    without the arithmetic for the full model), trained on comments to give the model's
    scores, and measured on held-out ones. A student routing fewer than --min-agreement of
    them as the model does can still run as a cascade (the model re-scoring what the student
    scores near a threshold) if that reaches --min-agreement deferring at most --max-deferred;
    exits 1 if neither does (the loader then refuses the student)."""
    from civicmod.cli.rules import rows_from
    from classifiers.base import ClassifierError
    from classifiers.detoxify_model import hub_checkpoint
    from classifiers.distill import DistillOptions, distill
    from classifiers.loader import detoxify_files

    s = settings(config)
    c = s.classifier
    ckpt, hf = detoxify_files(c.detoxify_model, c)
    ckpt = ckpt or hub_checkpoint(c.detoxify_model)
    if ckpt is None:
        console.print(f"[red]no detoxify {c.detoxify_model!r} weights on this machine:[/red] set "
                      "classifier.checkpoint or run `civicmod models pull` first")
        raise typer.Exit(2)
    try:
        texts = [row.comment.text for row in rows_from(input_path, topic, text_column, None, None, limit)]
    except (OSError, ValueError) as exc:
        console.print(f"[red]cannot read comments:[/red] {exc}")
        raise typer.Exit(2) from exc
    limits = s.policy.thresholds_for(f"detoxify-{c.detoxify_model}")
    options = DistillOptions(layers=layers, epochs=epochs, batch_size=batch_size,
                             learning_rate=learning_rate, holdout=holdout,
                             min_agreement=min_agreement, max_deferred=max_deferred, seed=seed)
    try:
        report = distill(ckpt, hf, texts, out, options, limits.hide, limits.escalate,
                         progress=lambda line: console.print(f"[dim]{line}[/dim]"))
    except ClassifierError as exc:
        console.print(f"[red]cannot distil:[/red] {exc}")
        raise typer.Exit(2) from exc
    t = Table("held-out comments", "routed as the teacher does", "largest score gap",
              "mean gap", "p99 gap", "routes changed")
    for name, f in (("before training", report.initial_fidelity), ("student", report.fidelity)):
        moved = ", ".join(f"{k} {v}" for k, v in f.changed.items()) or "-"
        t.add_row(f"{name} ({f.n})", f"{f.agreement:.2%}", f"{f.max_gap:.4f}",
                  f"{f.mean_gap:.4f}", f"{f.p99_gap:.4f}", moved)
    Console().print(t)
    routes = ", ".join(f"{k} {v}" for k, v in sorted(report.fidelity.teacher_routes.items()))
    console.print(f"teacher's routes on the held-out comments: {routes}; "
                  f"{report.student_layers} of {report.teacher_layers} layers kept "
                  f"({report.kept_layers}); {report.train_comments} comments trained on, "
                  f"{report.seconds:.0f} s")
    cas = report.cascade
    if cas is not None and cas.margin is not None:
        console.print(f"as a cascade (the teacher re-scoring scores within {cas.margin:g} "
                      f"log-odds of a threshold): {cas.agreement:.2%} routed as the teacher does, "
                      f"{cas.deferred:.1%} deferred, {cas.speedup:.2f}× the teacher's speed here "
                      f"(student cost {cas.cost:.2f}; {cas.n} held-out comments it was not chosen on)")
    hf_dir = out.resolve() / "hf"
    use = f"classifier.checkpoint: {report.checkpoint}, classifier.huggingface_config_path: {hf_dir}"
    if report.passed:
        console.print(f"[green]✓[/green] {report.checkpoint}\nuse: {use}")
        return
    console.print(f"[red]the student routes {report.fidelity.agreement:.2%} of held-out comments "
                  f"as its teacher does, below {min_agreement:.2%}:[/red] the loader refuses it "
                  "on its own")
    if cas is not None and cas.passed:
        console.print(f"[green]✓[/green] as a cascade it passes\nuse: {use}, "
                      f"classifier.teacher_checkpoint: {ckpt}"
                      + (f", classifier.teacher_config_path: {hf}" if hf else ""))
        return
    console.print("[red]nor does a cascade pass[/red] (it would defer more than "
                  f"{max_deferred:.0%} of comments to reach the gate): train longer, keep more "
                  "layers, or give more comments")
    raise typer.Exit(1)
