"""The metrics service's aggregation without Kafka: raw records in, ``civicmod.aggregate/1`` out.

Input, built before timing with the contract's own models: ``--n`` verdicts (``civicmod.verdict/1``
JSON bytes) from 8 accounts on four platforms, received over the last ``--span-min`` minutes
(all their 1-minute windows still open), outcomes 84% publish / 10% escalate / 6% hide with the
default policy's reason ids, 9% of the visible ones tagged ``engagement.question`` or
``engagement.report``, 1% of comments edited (a second version); then what follows them on the
other input topics: a moderator's decision on 85% of the escalations (a few appeals later), the
actuator's action for every hide (2% failing first), an agency reply to half the questions. All
in time order, with ~5% of the records delivered twice (a redelivery a little later).

Three measures over the same records in one process, interleaved round by round, one core,
records per CPU-second:

- (a) baseline: ``json.loads`` of each record and a dict counter by outcome (the least any
  consumer of these topics does);
- (b) the service's per-record path, ``Aggregator.apply``: its Prometheus counters, the wire
  decoder, schema validation, the fact, the dedupe and the tally (a fresh aggregator each round);
  also ``to_fact`` alone (parse + validate + fact, no tally) to split the cost;
- (c) writing every open window once, as the service does when it has re-read its inputs
  (``Aggregator.due``: ``Tally.aggregate`` per window, the digest that skips unchanged windows,
  ``Aggregate.to_json``), expressed per input record and per window.

Run: ``.venv/bin/python bench/metrics_service.py [--n 20000] [--repeat 5] [--span-min 90]``.
Prints the medians and the ratios to (a).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from civicmod.contract import topics as T
from civicmod.contract.records import (
    Action,
    Author,
    ClassifierInfo,
    Comment,
    Decision,
    Escalation,
    Reason,
    Verdict,
)
from civicmod.contract.settings import load_settings
from streams.metrics.inputs import to_fact
from streams.metrics.service import Aggregator

from benchkit import log

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
ACCOUNTS = [("facebook", "page:city"), ("facebook", "page:parks"), ("facebook", "page:police"),
            ("instagram", "ig:city"), ("x", "x:city"), ("x", "x:transport"),
            ("youtube", "yt:council"), ("youtube", "yt:library")]
CONFIG = """\
console:
  organisations:
    city: {name: City, accounts: ['page:city', 'page:parks', 'ig:city', 'x:city', 'yt:council']}
    police: {name: Police, accounts: ['page:police']}
"""
ESCALATE = ["pii.email", "pii.phone", "abuse.insult_directed", "hate.group_hostility",
            "scam.bait", "records.foi_request", "impersonation.official_name", "toxicity"]
HIDE = ["abuse.threat", "hate.slur_directed", "scam.link", "spam.flood", "spam.campaign",
        "toxicity"]
WORDS = ("the bin collection on our street was missed again this week when will the council "
         "fix the potholes near the library park bus route lights thanks for the update great "
         "job everyone why is the pool closed planning meeting tonight noise complaint").split()
LABELS = ("toxicity", "severe_toxicity", "obscene", "threat", "insult", "identity_attack")


@dataclass(frozen=True)
class Rec:
    """One input record as the reader gets it."""

    topic: str
    value: bytes
    ts_ms: int


def _text(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 40)))


def _reason(rid: str, action: str | None, rng: random.Random) -> Reason:
    if rid == "toxicity":
        return Reason(source="model", id="toxicity", label="toxicity", action=action,  # type: ignore[arg-type]
                      score=round(rng.uniform(0.7, 1.0), 3))
    return Reason(source="rule", id=rid, label=rid.split(".")[-1], action=action,  # type: ignore[arg-type]
                  policy=rid, priority=rng.randint(1, 9), spans=[(0, 5)])


def make_records(n: int, span_s: float, dup_share: float = 0.05, seed: int = 7) -> list[Rec]:
    """The input topics' records, in Kafka time order, with ``dup_share`` of them repeated."""
    rng = random.Random(seed)
    start = NOW - timedelta(seconds=span_s + 60)
    events: list[tuple[datetime, str, bytes]] = []
    clf = ClassifierInfo(name="detoxify", version="original-0.5.2")

    def add(at: datetime, topic: str, record: Verdict | Decision | Action | Comment) -> None:
        if at < NOW:  # not yet happened otherwise
            events.append((at, topic, record.to_json()))

    for i in range(n):
        platform, account = rng.choice(ACCOUNTS)
        received = start + timedelta(seconds=rng.uniform(0, span_s))
        text = _text(rng)
        comment = Comment(id=f"{platform}:c{i}", platform=platform, account_id=account,  # type: ignore[arg-type]
                          author=Author(id=f"u{rng.randint(1, 5000)}", display_name="Resident"),
                          text=text, created_at=received - timedelta(seconds=rng.uniform(1, 30)),
                          received_at=received, thread_id=f"{platform}:post{rng.randint(1, 40)}")
        roll = rng.random()
        outcome = "publish" if roll < 0.84 else "escalate" if roll < 0.94 else "hide"
        reasons: list[Reason] = []
        tags: list[str] = []
        escalation = None
        if outcome == "escalate":
            rid = rng.choice(ESCALATE)
            reasons.append(_reason(rid, "escalate", rng))
            escalation = Escalation(queue="default", priority=rng.randint(1, 9),
                                    hold=rng.random() < 0.3, rule=rid)
        elif outcome == "hide":
            reasons.append(_reason(rng.choice(HIDE), "hide", rng))
        if outcome != "hide" and rng.random() < 0.09:
            tag = "engagement.question" if rng.random() < 0.8 else "engagement.report"
            tags.append(tag)
            reasons.append(Reason(source="rule", id=tag, label=tag.split(".")[1]))
        elif rng.random() < 0.05:
            tags.append("criticism")
            reasons.append(Reason(source="rule", id="criticism.tag", label="criticism"))
        decided = received + timedelta(seconds=rng.uniform(0.05, 1.5))
        verdict = Verdict(
            comment=comment, outcome=outcome, reasons=reasons, policy_version="default@3f2a91c",  # type: ignore[arg-type]
            classifier=clf, scores={k: round(rng.random() * 0.3, 4) for k in LABELS},
            timings_ms={"rules": 0.05, "classifier_batch": 41.2, "batch_size": 64.0,
                        "since_produced": round((decided - received).total_seconds() * 1000, 3)},
            decided_at=decided, escalation=escalation, tags=tags)
        topic = {"publish": T.PUBLISHED, "escalate": T.ESCALATIONS, "hide": T.AUTO_HIDDEN}[outcome]
        add(decided, topic, verdict)
        if rng.random() < 0.01:  # an edit: a second version, judged again
            edited = comment.model_copy(update={"text": text + " (edited)",
                                                "received_at": received + timedelta(minutes=3)})
            add(decided + timedelta(minutes=3), T.PUBLISHED,
                verdict.model_copy(update={"comment": edited, "outcome": "publish",
                                           "reasons": [], "escalation": None, "tags": []}))
        if outcome == "hide":
            at = decided + timedelta(seconds=rng.uniform(0.5, 5))
            if rng.random() < 0.02:
                add(at, T.ACTIONS, Action(action_id=f"a{i}", comment_id=comment.id,
                                          platform=platform, account_id=account, kind="hide",  # type: ignore[arg-type]
                                          requested_by="verdict:hide", status="failed",
                                          error_code="2", error="temporary", at=at))
                at += timedelta(seconds=30)
            add(at, T.ACTIONS, Action(action_id=f"a{i}", comment_id=comment.id, platform=platform,  # type: ignore[arg-type]
                                      account_id=account, kind="hide", requested_by="verdict:hide",
                                      status="done", attempts=1, at=at))
        if outcome == "escalate" and rng.random() < 0.85:
            at = decided + timedelta(minutes=rng.uniform(1, 45))
            action = rng.choices(["publish", "hide", "delete", "note"], [55, 35, 5, 5])[0]
            add(at, T.DECISIONS, Decision(
                decision_id=f"d{i}", comment_id=comment.id, comment_digest=comment.digest(),
                platform=platform, account_id=account, action=action, reason_code="other",  # type: ignore[arg-type]
                decided_by=f"mod{rng.randint(1, 12)}", role="moderator", decided_at=at))
            if action in ("hide", "delete"):
                done = at + timedelta(seconds=rng.uniform(0.5, 5))
                add(done, T.ACTIONS, Action(action_id=f"d{i}", comment_id=comment.id,
                                            platform=platform, account_id=account, kind=action,  # type: ignore[arg-type]
                                            requested_by=f"d{i}", status="done", at=done))
                if rng.random() < 0.05:  # appealed and reversed
                    later = at + timedelta(minutes=rng.uniform(5, 30))
                    add(later, T.DECISIONS, Decision(
                        decision_id=f"d{i}-appeal", comment_id=comment.id,
                        comment_digest=comment.digest(), platform=platform, account_id=account,  # type: ignore[arg-type]
                        action="publish", reason_code="appeal_upheld", decided_by="mod1",
                        decided_at=later, appeal_id=f"ap{i}"))
        if tags and tags[0].startswith("engagement.") and rng.random() < 0.5:
            at = received + timedelta(minutes=rng.uniform(2, 80))
            add(at, T.AGENCY_REPLIES, Comment(
                id=f"{platform}:r{i}", platform=platform, account_id=account,  # type: ignore[arg-type]
                author=Author(id=account, display_name="City of Example"),
                text="Thanks, we have passed this on to the team.", parent_id=comment.id,
                thread_id=comment.thread_id, created_at=at, received_at=at))
    events.sort(key=lambda e: e[0])
    records = [Rec(topic, value, int(at.timestamp() * 1000)) for at, topic, value in events]
    for _ in range(int(len(records) * dup_share)):  # redelivered a little later
        i = rng.randrange(len(records))
        records.insert(min(len(records), i + rng.randint(1, 2000)), records[i])
    return records


def baseline(records: list[Rec]) -> Counter[str]:
    """(a) The least any consumer does: decode each record and count by outcome."""
    counts: Counter[str] = Counter()
    loads = json.loads
    for r in records:
        counts[loads(r.value).get("outcome")] += 1
    return counts


def facts_only(records: list[Rec]) -> int:
    return sum(1 for r in records if to_fact(r.topic, r.value, r.ts_ms / 1000))


def apply_all(agg: Aggregator, records: list[Rec]) -> None:
    """(b) The service's reader loop body for each record."""
    apply = agg.apply
    for offset, r in enumerate(records):
        apply(r.topic, 0, offset, None, r.value, r.ts_ms)


def cpu(fn, *args) -> float:  # noqa: ANN001 - any callable
    t0 = time.process_time()
    fn(*args)
    return time.process_time() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=20_000, help="verdicts (comments judged)")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--span-min", type=float, default=90, help="minutes the verdicts span")
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

    with tempfile.TemporaryDirectory() as tmp:
        cfg = Path(tmp) / "civicmod.yaml"
        cfg.write_text(CONFIG)
        settings = load_settings(cfg, env={})
    t0 = time.perf_counter()
    records = make_records(args.n, args.span_min * 60)
    by_topic = Counter(r.topic for r in records)
    log(f"{len(records):,} records built in {time.perf_counter() - t0:.1f} s: {dict(by_topic)}; "
        f"{sum(len(r.value) for r in records) / len(records):.0f} bytes each on average")

    def aggregator() -> Aggregator:
        return Aggregator(settings, clock=NOW.timestamp)

    now = NOW.timestamp()
    rows: dict[str, list[float]] = {k: [] for k in ("a", "facts", "b", "c")}
    windows = 0
    counted: Counter[str] = Counter()
    for rnd in range(args.repeat):
        rows["a"].append(cpu(baseline, records))
        rows["facts"].append(cpu(facts_only, records))
        agg = aggregator()
        rows["b"].append(cpu(apply_all, agg, records))
        agg._became_ready()  # what the service does once it has re-read its inputs
        t0 = time.process_time()
        out, _digests = agg.due(now)
        rows["c"].append(time.process_time() - t0)
        windows = len(_digests)
        if rnd == 0:
            counted = Counter({t: int(agg.metrics.duplicates.labels(t)._value.get())
                               for t in by_topic})
            if agg.pending_dead:
                log(f"unexpected dead letters: {[d.reason for _, d in agg.pending_dead][:5]}")
        log(f"round {rnd + 1}: " + ", ".join(f"{k} {len(records) / v[-1]:,.0f}/s"
                                              for k, v in rows.items()))
    med = {k: statistics.median(v) for k, v in rows.items()}
    n = len(records)
    rate = {k: n / s for k, s in med.items()}
    per_window = {w: sum(1 for k in agg.tally.open_windows() if k.window == w) for w in ("1m", "1h", "1d")}
    print(f"{n:,} input records ({args.n:,} verdicts over {args.span_min:g} min, "
          f"{sum(counted.values()):,} repeats dropped), {len(ACCOUNTS)} accounts, "
          f"{windows:,} windows ({per_window['1m']:,} × 1m, {per_window['1h']} × 1h, "
          f"{per_window['1d']} × 1d), {len(out):,} records written; one core, "
          f"median of {args.repeat}, records per CPU-second")
    print("| measure | records/s | µs/record | vs (a) |")
    print("|---|---:|---:|---:|")
    names = {"a": "(a) baseline: json.loads + counter by outcome",
             "facts": "to_fact alone (wire decode + schema validation + fact)",
             "b": "(b) Aggregator.apply: counters + to_fact + dedupe + tally",
             "c": "(c) every open window's Aggregate (Aggregator.due), per input record"}
    for k, name in names.items():
        print(f"| {name} | {rate[k]:,.0f} | {1e6 / rate[k]:.1f} | {rate[k] / rate['a']:.3f} |")
    print(f"(c) per window: {med['c'] * 1e3 / max(windows, 1):.2f} ms; all {windows:,} windows in "
          f"{med['c']:.2f} s. (b) + (c): {n / (med['b'] + med['c']):,.0f} records/s.")


if __name__ == "__main__":
    main()
