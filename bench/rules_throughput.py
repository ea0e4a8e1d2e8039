"""Rule-evaluation throughput on one core: the default policy plus a 5,000-term word list.

Comments: the Davidson et al. tweets (``../shared/datasets/davidson_labeled_data.csv``), as
``Comment`` objects built before timing. Engine: ``PolicySet.evaluate`` (everything the stream's
rule step does: folding, one automaton pass, detectors, conditions, spans of the rules that
fired; no signals, no model). Baseline, measured in the same run on the same comments: a plain
loop doing NFKC + confusable folding + one Aho-Corasick pass over the same 5,000 terms + four PII
regexes, i.e. the work any such filter does; the ratio shows the engine's own overhead.

The 5,000-term list is deterministic: 600 words (4+ letters) typical of the toxic Surge comments,
so real comments do hit it, and 4,400 made-up words. It is layered on the
default policy as an organisation file (``extend``-free, a new list and an escalate rule).

Run: ``.venv/bin/python bench/rules_throughput.py [--repeat 5] [--limit N] [--new-authors]``;
it pins itself to one CPU when it can. Prints medians, the spread and the ratio. Each pass
after the first sees the same authors again (their impersonation checks cached), so
``--new-authors`` gives each comment of each pass an author never seen before.
"""

from __future__ import annotations

import argparse
import collections
import csv
import os
import random
import re
import statistics
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

import ahocorasick

from civicmod.contract.records import Author, Comment
from rules.compiler import EffectiveSettings, load_policy_set
from rules.folding import CONFUSABLES

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "datasets"


def make_terms(n: int = 5000, seed: int = 11) -> list[str]:
    """600 words typical of the toxic Surge comments (far more frequent there than in the
    non-toxic ones, as a real blocklist would be) and made-up words up to ``n``."""
    toxic: collections.Counter[str] = collections.Counter()
    clean: collections.Counter[str] = collections.Counter()
    surge = DATA / "surge_toxicity_en.csv"
    if surge.is_file():
        with surge.open(newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                words = set(re.findall(r"[a-z]{4,}", (row.get("text") or "").lower()))
                (toxic if row.get("is_toxic") == "Toxic" else clean).update(words)
    ranked = sorted((w for w, c in toxic.items() if c >= 2),
                    key=lambda w: (-toxic[w] / (clean[w] + 1), w))
    common = ranked[:600]
    rng = random.Random(seed)
    syll = ["ka", "lo", "mi", "ra", "zu", "te", "ven", "dor", "qui", "sha", "pli", "gro", "nex", "ul"]
    made = set()
    while len(made) < n - len(common):
        made.add("".join(rng.choice(syll) for _ in range(rng.randint(2, 4))))
    return common + sorted(made)


def load_comments(limit: int | None, new_authors: bool = False, tag: str = "") -> list[Comment]:
    """The tweets as comments from 997 recurring authors, or (``new_authors``) each from an
    author not seen before, as most comments are in production (the impersonation check then
    compares every name with the agency's official names instead of finding it cached)."""
    path = DATA / "davidson_labeled_data.csv"
    if not path.is_file():
        sys.exit(f"dataset not found: {path} (the bench needs ../shared/datasets)")
    out = []
    with path.open(newline="", encoding="utf-8") as fh:
        for i, row in enumerate(csv.DictReader(fh)):
            a = f"{tag}{i}" if new_authors else str(i % 997)
            name = f"Resident {a}" if new_authors else f"user {a}"
            out.append(Comment(id=f"x:d{i}", platform="x", account_id="page:bench",
                               author=Author(id=f"u{a}", display_name=name,
                                             handle=f"{name.split()[0].lower()}{a}"),
                               text=row["tweet"]))
            if limit and len(out) >= limit:
                break
    return out


class Baseline:
    """NFKC + confusables + one Aho-Corasick pass + four PII regexes, nothing else."""

    def __init__(self, terms: list[str]) -> None:
        self.table = str.maketrans({k: v for k, v in CONFUSABLES.items() if len(k) == 1})
        self.auto = ahocorasick.Automaton()
        for t in terms:
            self.auto.add_word(t, t)
        self.auto.make_automaton()
        self.regexes = [
            re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),
            re.compile(r"(?:\+|00)?\(?\d[\d\s().-]{7,16}\d"),
            re.compile(r"\b(?:\d[ -]?){12,18}\d\b"),
            re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b"),
        ]

    def __call__(self, text: str) -> int:
        folded = unicodedata.normalize("NFKC", text).lower().translate(self.table)
        n = sum(1 for _ in self.auto.iter(folded))
        for rx in self.regexes:
            n += len(rx.findall(text))
        return n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--limit", type=int, default=None, help="use only the first N tweets")
    ap.add_argument("--new-authors", action="store_true",
                    help="a new author for every comment (default: 997 recurring ones)")
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

    terms = make_terms()
    comments = load_comments(args.limit, args.new_authors)
    texts = [c.text for c in comments]
    # with --new-authors every pass gets authors of its own (built before timing)
    passes = ([load_comments(args.limit, True, f"p{rep}-") for rep in range(args.repeat)]
              if args.new_authors else [comments] * args.repeat)
    with tempfile.TemporaryDirectory() as tmp:
        org = Path(tmp) / "org.yaml"
        (Path(tmp) / "terms.txt").write_text("\n".join(terms) + "\n")
        org.write_text(
            "policy: bench-org\nversion: 1\nlists:\n  blocklist: {file: terms.txt}\n"
            "rules:\n  - id: org.blocklist\n    description: 5,000-term organisation list\n"
            "    policy: org.blocklist\n    when: {words: blocklist}\n    action: escalate\n")
        t0 = time.perf_counter()
        policies = load_policy_set(["builtin:default"], [org], base_settings=EffectiveSettings(
            official_names=("City of Example Council", "ExampleCouncil")))
        load_s = time.perf_counter() - t0
    baseline = Baseline(terms)
    policy = policies.policy_for("page:bench")
    # signal values as the stream would pass them (quiet authors), so signal rules are evaluated
    signals = {s.name: 0.0 for s in policy.signal_specs}
    print(f"policy {policies.version}: {len(policy.rules)} rules, {len(policy.index or ())} automaton "
          f"keys, loaded in {load_s:.2f} s; {len(comments)} Davidson tweets; one core", file=sys.stderr)

    engine_rates, base_rates = [], []
    fired: collections.Counter[str] = collections.Counter()
    for rep in range(args.repeat):
        t0 = time.perf_counter()
        for text in texts:
            baseline(text)
        base_rates.append(len(texts) / (time.perf_counter() - t0))
        t0 = time.perf_counter()
        evaluate = policy.evaluate
        for c in passes[rep]:
            hits = evaluate(c, signals)
            if rep == 0:
                fired.update(h.rule_id for h in hits)
        engine_rates.append(len(passes[rep]) / (time.perf_counter() - t0))
        print(f"pass {rep + 1}: engine {engine_rates[-1]:,.0f}/s, baseline {base_rates[-1]:,.0f}/s",
              file=sys.stderr)
    eng, base = statistics.median(engine_rates), statistics.median(base_rates)
    print(f"rules fired (first pass): {dict(fired.most_common())}", file=sys.stderr)
    print(f"| measure | comments/s (median of {args.repeat}) |")
    print("|---|---:|")
    who = "a new author per comment" if args.new_authors else "997 recurring authors"
    print(f"| civicmod rule engine, default policy + 5,000-term list, {who} | {eng:,.0f} "
          f"(spread {min(engine_rates):,.0f}–{max(engine_rates):,.0f}) |")
    print(f"| baseline loop (NFKC + confusables + Aho-Corasick + 4 PII regexes) | {base:,.0f} "
          f"(spread {min(base_rates):,.0f}–{max(base_rates):,.0f}) |")
    print(f"| ratio engine / baseline | {eng / base:.2f} |")
    print(f"| per comment: engine {1e6 / eng:.1f} µs, baseline {1e6 / base:.1f} µs | |")


if __name__ == "__main__":
    main()
