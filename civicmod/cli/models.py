"""``civicmod models pull`` and ``civicmod eval``."""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from civicmod.cli.common import ConfigOpt, console, settings

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


def _fmt(value: float) -> str:
    return "-" if value != value else f"{value:.3f}"  # NaN: nothing flagged at that action


def eval_cmd(
    dataset: Annotated[Path, typer.Option("--dataset", help="Labelled CSV file.")],
    text_col: Annotated[str, typer.Option("--text-col")] = "text",
    label_col: Annotated[str, typer.Option("--label-col")] = "label",
    positive: Annotated[list[str] | None, typer.Option(
        "--positive", help="Label values that mean toxic/hateful (repeatable).")] = None,
    backend: Annotated[str | None, typer.Option(help="Override classifier.backend.")] = None,
    target_precision: Annotated[float, typer.Option(help="For threshold calibration.")] = 0.9,
    plot_path: Annotated[Path | None, typer.Option("--plot", help="Write a PNG here.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    limit: Annotated[int | None, typer.Option(help="Only the first N rows.")] = None,
    config: ConfigOpt = None,
) -> None:
    """Evaluate the configured classifier: AUC, precision/recall at the thresholds, per-
    functionality false-positive rates (HateCheck files) and calibrated thresholds."""
    from rich.progress import Progress

    from classifiers.evaluation import POSITIVE_VALUES, as_dict, evaluate, plot, read_dataset, score_all
    from classifiers.loader import load_from_settings

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
        uncovered = sum(model.language(t) not in (None, *model.primary.languages)  # type: ignore[attr-defined]
                        for t in data.texts)
        console.print(f"language: {uncovered}/{len(data.texts)} rows are in languages "
                      f"{model.primary.name} does not cover (the pipeline escalates those); "
                      "scored here anyway")
        model = model.primary
    try:
        with Progress(console=console, transient=True) as bar:
            task = bar.add_task("scoring", total=len(data.texts))
            scores = score_all(model, data.texts, progress=lambda n: bar.advance(task, n))
    except ValueError as exc:  # unusable scores: say which row, never evaluate garbage
        console.print(f"[red]the classifier returned unusable scores:[/red] {exc}")
        raise typer.Exit(1) from exc
    limits = s.policy.thresholds_for(model.name)
    report = evaluate(data, scores, {"escalate": limits.escalate, "hide": limits.hide},
                      target_precision)
    if plot_path:
        plot(report, data, scores, plot_path, f"{model.name} on {dataset.name}")
        console.print(f"plot: {plot_path}")
    if as_json:
        typer.echo(json.dumps(as_dict(report), indent=2))
        return
    out = Console()
    out.print(f"{dataset.name}: {report.n} rows, {report.positives} positive; "
              f"classifier {model.name} {model.version}")
    t = Table("label", "AUC", f"threshold for precision ≥ {target_precision}")
    for label, value in report.auc.items():
        cal = report.calibrated.get(label)
        t.add_row(label, f"{value:.3f}", "-" if cal is None else f"{cal:.3f}")
    out.print(t)
    t = Table("at configured thresholds", "precision", "recall", "share flagged")
    for action, m in report.at_thresholds.items():
        t.add_row(action, _fmt(m["precision"]), _fmt(m["recall"]), _fmt(m["flagged"]))
    out.print(t)
    if report.group_fpr:
        t = Table("functionality (non-hateful cases)", "n", "escalated", "hidden")
        for grp, m in sorted(report.group_fpr.items()):
            t.add_row(grp, str(int(m["n"])), f"{m.get('escalate', 0):.3f}", f"{m.get('hide', 0):.3f}")
        out.print(t)
