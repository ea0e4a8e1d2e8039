"""Quality of the full decision on the labelled public datasets (an evaluation, not a speed bench).

For every dataset in ``--datasets`` (default ``../shared/datasets``) this runs ``civicmod
backtest``'s code path: the configured policy layers, the classifier (default: the offline
alt-profanity-check model, as a worker without detoxify weights runs), thresholds and guardrail,
the worker's batch size, signals replayed in order. It prints, per dataset, the shares of harmful
and clean rows hidden / escalated / published, precision and recall of "not published",
escalations per 1,000 clean comments, and the figures issue #14 accepts on:

- unscored comments published (a language no loaded model covers),
- HateCheck non-hateful hidden and escalated, counter-speech hidden,
- clean tweets with a t.co link hidden by ``scam.link``.

Usage: ``python bench/quality.py [--datasets DIR] [--backend B] [--json OUT] [--markdown OUT]``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from civicmod.contract.records import Verdict
from civicmod.contract.settings import Settings, load_settings
from civicmod.verdict.backtest import Row, deciding_reason, read_rows, run_backtest
from civicmod.verdict.configured import build_guardrail, build_judge
from classifiers.loader import load_from_settings
from rules.compiler import load_configured

DATASETS = Path(__file__).resolve().parent.parent.parent / "shared" / "datasets"
COUNTER_SPEECH = ("counter_quote_nh", "counter_ref_nh")
TCO = re.compile(r"https?://t\.co/\w*")


@dataclass(frozen=True)
class Spec:
    name: str
    file: str
    text: str
    label: str
    positive: tuple[str, ...]
    group: str | None
    lang: str


SPECS = (
    Spec("HateCheck (en)", "hatecheck_test_suite_cases.csv", "test_case", "label_gold", ("hateful",),
         "functionality", "en"),
    Spec("MHC Dutch", "mhc_hatecheck_dutch.csv", "test_case", "label_gold", ("hateful",),
         "functionality", "nl"),
    Spec("MHC French", "mhc_hatecheck_french.csv", "test_case", "label_gold", ("hateful",),
         "functionality", "fr"),
    Spec("MHC Spanish", "mhc_hatecheck_spanish.csv", "test_case", "label_gold", ("hateful",),
         "functionality", "es"),
    Spec("Davidson tweets (hate or offensive = harmful)", "davidson_labeled_data.csv", "tweet",
         "class", ("0", "1"), "class", "en"),
    Spec("Surge toxicity (en)", "surge_toxicity_en.csv", "text", "is_toxic", ("toxic",), None, "en"),
)


def with_languages(settings: Settings, account: str, lang: str) -> Settings:
    """``settings`` with ``account`` expecting ``lang``."""
    c = settings.classifier
    languages = c.languages
    accounts = {**languages.accounts, account: [lang]}
    c = c.model_copy(update={"languages": languages.model_copy(update={"accounts": accounts})})
    return settings.model_copy(update={"classifier": c})


def run(spec: Spec, root: Path, base: Settings, limit: int | None) -> dict:
    account = f"backtest:{spec.lang}"
    settings = with_languages(base, account, spec.lang)
    loaded = load_from_settings(settings.classifier)
    policies = load_configured(settings.policy)
    rows = list(read_rows(root / spec.file, spec.text, spec.group, account, spec.label, spec.positive))
    rows = rows[:limit] if limit else rows
    link_hides: Counter[str] = Counter()
    uncovered = Counter[str]()

    def each(row: Row, v: Verdict) -> None:
        text = row.comment.text
        if row.label is False and "t.co/" in text:
            link_hides["clean_tco"] += 1
            if v.outcome == "hide" and deciding_reason(v) == "scam.link":
                link_hides["clean_tco_hidden_scam_link"] += 1
                # for the link alone: without its t.co links the comment is not a scam
                bare = row.comment.model_copy(update={"text": TCO.sub(" ", text)})
                if not any(h.rule_id.startswith("scam.") for h in policies.evaluate(bare)):
                    link_hides["clean_tco_hidden_for_link_alone"] += 1
        if any(r.id == "system.language_not_covered" for r in v.reasons):
            uncovered[v.outcome] += 1

    t0 = time.perf_counter()
    result = run_backtest(rows, policies, make_judge=lambda ps: build_judge(
        settings, loaded, ps, build_guardrail(settings)), batch_size=settings.worker.batch_size,
        each=each, samples=3)
    main = result.main
    out = {"dataset": spec.name, "file": spec.file, "rows": result.total,
           "seconds": round(time.perf_counter() - t0, 1), "classifier": loaded.note,
           "policy": main.version, "outcomes": dict(main.outcomes),
           "unscored_published": main.unscored_published,
           "language_not_covered": dict(uncovered), **dict(link_hides),
           "labelled": {g: t.as_dict() for g, t in sorted(main.labelled.items())},
           "clean_samples": {rid: [v.comment.text[:100] for v in vs]
                             for rid, vs in main.clean_samples.items()}}
    return out


def headline(r: dict) -> list[str]:
    a = r["labelled"]["all"]
    lines = [f"### {r['dataset']} ({r['rows']:,} rows, {r['seconds']} s)",
             "",
             "| rows | hidden | escalated | published | precision (not published) | recall | "
             "escalations / 1k clean |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for which in ("harmful", "clean"):
        sh = a[f"{which}_shares"]
        lines.append(f"| {which} ({a[which]:,}) | {sh['hide']:.1%} | {sh['escalate']:.1%} | "
                     f"{sh['publish']:.1%} | " + (
                         f"{a['precision_not_published']} | {a['recall_not_published']} | "
                         f"{a['escalations_per_1000_clean']} |" if which == "clean" else " | | |"))
    lines.append("")
    lines.append(f"- published without the model's scores: **{r['unscored_published']}**; "
                 f"language not covered: {r['language_not_covered'] or 0}")
    if r.get("clean_tco"):
        lines.append(f"- clean tweets with a t.co link: {r['clean_tco']:,}; hidden by scam.link: "
                     f"{r.get('clean_tco_hidden_scam_link', 0)}, of which for the link alone "
                     f"(not a scam once its t.co links are taken out): "
                     f"**{r.get('clean_tco_hidden_for_link_alone', 0)}**")
    for g in COUNTER_SPEECH:
        if g in r["labelled"]:
            lines.append(f"- {g}: hidden {r['labelled'][g]['clean_shares']['hide']:.1%}, "
                         f"escalated {r['labelled'][g]['clean_shares']['escalate']:.1%}")
    kept = list(a["clean_kept_by"].items())[:6]
    if kept:
        lines.append("- clean rows kept from publication, by deciding reason: "
                     + ", ".join(f"`{k}` {v}" for k, v in kept))
    lines.append("")
    return lines


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--datasets", type=Path, default=DATASETS)
    ap.add_argument("--config", type=Path, default=None)
    ap.add_argument("--backend", default="profanity-check",
                    help="classifier.backend (default: the offline fallback model)")
    ap.add_argument("--only", action="append", help="file names to run (default: all present)")
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--markdown", type=Path, default=None)
    args = ap.parse_args()
    if not args.datasets.is_dir():
        print(f"no datasets at {args.datasets} (pass --datasets DIR)", file=sys.stderr)
        return 2
    base = load_settings(args.config)
    base = base.model_copy(update={"classifier": base.classifier.model_copy(
        update={"backend": args.backend})})
    results, md = [], []
    for spec in SPECS:
        if args.only and spec.file not in args.only:
            continue
        if not (args.datasets / spec.file).is_file():
            print(f"skipped {spec.file}: not in {args.datasets}", file=sys.stderr)
            continue
        r = run(spec, args.datasets, base, args.limit)
        results.append(r)
        lines = headline(r)
        md.extend(lines)
        print("\n".join(lines), flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    if args.markdown:
        args.markdown.write_text("\n".join(md))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
