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
records per CPU-second (each measure starts after a full collection, with what existed before
timing frozen, ``gc.freeze``; the collections a measure causes count):

- (a) baseline: ``json.loads`` of each record and a dict counter by outcome (the least any
  consumer of these topics does);
- (b) the service's per-record path, ``Aggregator.apply``: its Prometheus counters, the wire
  decoder, schema validation, the fact, the dedupe and the tally (a fresh aggregator each round);
  also ``to_fact`` alone (parse + validate + fact, no tally) to split the cost;
- (c) writing every open window once, as the service does when it has re-read its inputs
  (``Aggregator.due``: ``Tally.aggregate`` per window, the digest that skips unchanged windows,
  ``Aggregate.to_json``), expressed per input record and per window;
- (d) the next emit tick (every ``metrics.emit_interval_s``) once every account got one more
  verdict (held back from (c), applied after it: what a busy stream brings in an interval):
  ``Aggregator.due`` for the windows they changed, each recomputed from all its facts (a day
  window from the whole day's).

Run: ``.venv/bin/python bench/metrics_service.py [--n 20000] [--repeat 5] [--span-min 90]``.
Prints the medians and the ratios to (a). ``--bootstrap HOST:PORT [--config civicmod.yaml]``
measures the same on what a cluster's input topics hold instead (read once, before timing).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchkit import log  # bench/ is on sys.path when run as a script

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
from civicmod.contract.settings import Settings, load_settings
from streams.metrics.inputs import INPUTS, to_fact
from streams.metrics.service import Aggregator

#: The aggregator's clock; the records end here (late in the day: a long ``--span-min`` stays
#: within one daily window).
NOW = datetime(2026, 12, 2, 23, 0, tzinfo=UTC)
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
WORDS = [
    "the", "bin", "collection", "on", "our", "street", "was", "missed", "again", "this",
    "week", "when", "will", "the", "council", "fix", "the", "potholes", "near", "the",
    "library", "park", "bus", "route", "lights", "thanks", "for", "the", "update", "great",
    "job", "everyone", "why", "is", "the", "pool", "closed", "planning", "meeting", "tonight",
    "noise", "complaint"]
VERDICT_TOPICS = frozenset({T.PUBLISHED, T.ESCALATIONS, T.AUTO_HIDDEN})
LABELS = ("toxicity", "severe_toxicity", "obscene", "threat", "insult", "identity_attack")


@dataclass(frozen=True)
class Rec:
    """One input record as the reader gets it."""

    topic: str
    value: bytes
    ts_ms: int
    account: str


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
    events: list[tuple[datetime, str, bytes, str]] = []
    clf = ClassifierInfo(name="detoxify", version="original-0.5.2")

    def add(at: datetime, topic: str, record: Verdict | Decision | Action | Comment) -> None:
        if at < NOW:  # not yet happened otherwise
            account = record.comment.account_id if isinstance(record, Verdict) else record.account_id
            events.append((at, topic, record.to_json(), account))

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
    records = [Rec(topic, value, int(at.timestamp() * 1000), account)
               for at, topic, value, account in events]
    for _ in range(int(len(records) * dup_share)):  # redelivered a little later
        i = rng.randrange(len(records))
        records.insert(rng.randint(i + 1, min(len(records), i + 2000)), records[i])
    return records


def split_newest(records: list[Rec]) -> tuple[list[Rec], list[Rec]]:
    """The records but each account's newest verdict (one delivered once), and those verdicts:
    what arrives during one emit interval of a busy stream."""
    seen = Counter(r.value for r in records)
    newest: dict[str, int] = {}
    for i in range(len(records) - 1, -1, -1):
        r = records[i]
        if r.account not in newest and r.topic in VERDICT_TOPICS and seen[r.value] == 1:
            newest[r.account] = i
    held = set(newest.values())
    return ([r for i, r in enumerate(records) if i not in held],
            [records[i] for i in sorted(held)])


def baseline(records: list[Rec]) -> Counter[str]:
    """(a) The least any consumer does: decode each record and count by outcome."""
    counts: Counter[str] = Counter()
    loads = json.loads
    for r in records:
        counts[loads(r.value).get("outcome")] += 1
    return counts


def facts_only(records: list[Rec], logical: dict[str, str]) -> int:
    return sum(1 for r in records if to_fact(logical[r.topic], r.value, r.ts_ms / 1000))


def read_topics(settings: Settings) -> list[Rec]:
    """``--bootstrap``: every record the input topics hold now (from their beginning to the end
    offsets seen at start), in the order read; records without a value are left out."""
    from kafka import KafkaConsumer, TopicPartition

    prefix = settings.kafka.topic_prefix
    consumer = KafkaConsumer(bootstrap_servers=settings.kafka.bootstrap_servers, group_id=None,
                             enable_auto_commit=False, client_id="civicmod-bench")
    try:
        tps = [TopicPartition(T.physical(t, prefix), p) for t in INPUTS
               for p in sorted(consumer.partitions_for_topic(T.physical(t, prefix)) or ())]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        ends = consumer.end_offsets(tps)
        out: list[Rec] = []
        while any(consumer.position(tp) < ends[tp] for tp in tps):
            for tp, msgs in consumer.poll(timeout_ms=1000, max_records=5000).items():
                for m in msgs:
                    if m.value is None or m.offset >= ends[tp]:
                        continue
                    try:
                        data = json.loads(m.value)
                        account = str((data.get("comment") or data).get("account_id"))
                    except (ValueError, AttributeError):
                        account = "-"
                    out.append(Rec(tp.topic, m.value, m.timestamp, account))
    finally:
        consumer.close()
    return out


def apply_all(agg: Aggregator, records: list[Rec]) -> None:
    """(b) The service's reader loop body for each record."""
    apply = agg.apply
    for offset, r in enumerate(records):  # (r.topic: the physical name, as the reader has it)
        apply(r.topic, 0, offset, None, r.value, r.ts_ms)


def cpu(fn: Callable[..., object], *args: object) -> float:
    t0 = time.process_time()
    fn(*args)
    return time.process_time() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=20_000, help="verdicts (comments judged)")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--span-min", type=float, default=90, help="minutes the verdicts span")
    ap.add_argument("--bootstrap", help="read the input topics of this Kafka cluster instead of "
                    "building records (now: the time they were read)")
    ap.add_argument("--config", type=Path, help="with --bootstrap: the civicmod.yaml whose "
                    "topic prefix and organisations to use")
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

    t0 = time.perf_counter()
    if args.bootstrap:
        settings = load_settings(args.config, env={"KAFKA_BOOTSTRAP_SERVERS": args.bootstrap})
        records = read_topics(settings)
        now = time.time()
        source = f"read from {args.bootstrap}"
        if not records:
            raise SystemExit(f"no records on the input topics at {args.bootstrap}")
    else:
        with tempfile.TemporaryDirectory() as tmp:
            cfg = Path(tmp) / "civicmod.yaml"
            cfg.write_text(CONFIG)
            settings = load_settings(cfg, env={})
        records = make_records(args.n, args.span_min * 60)
        now = NOW.timestamp()
        source = f"{args.n:,} verdicts over {args.span_min:g} min"
    logical = {T.physical(t, settings.kafka.topic_prefix): t for t in INPUTS}
    by_topic = Counter(r.topic for r in records)
    log(f"{len(records):,} records in {time.perf_counter() - t0:.1f} s: {dict(by_topic)}; "
        f"{sum(len(r.value) for r in records) / len(records):.0f} bytes each on average")

    def aggregator() -> Aggregator:
        return Aggregator(settings, clock=lambda: now)

    interval = settings.metrics.emit_interval_s
    head, tail = split_newest(records)
    rows: dict[str, list[float]] = {k: [] for k in ("a", "facts", "b", "c", "d")}
    gc.collect()
    gc.freeze()  # the records and the code: not scanned by every full collection
    for rnd in range(args.repeat):
        gc.collect()  # each measure starts from the same heap (collections within it count)
        rows["a"].append(cpu(baseline, records))
        gc.collect()
        rows["facts"].append(cpu(facts_only, records, logical))
        agg = aggregator()
        gc.collect()
        b_head = cpu(apply_all, agg, head)
        agg._became_ready()  # what the service does once it has re-read its inputs
        gc.collect()
        t0 = time.process_time()
        out, digests = agg.due(now)
        rows["c"].append(time.process_time() - t0)
        agg.written.update(digests)  # as flush() does once Kafka acknowledged them
        windows, written = len(digests), len(out)
        per_window = Counter(k.window for k in agg.tally.open_windows())
        per_account = {k.account for k in agg.tally.open_windows()}
        gc.collect()
        rows["b"].append(b_head + cpu(apply_all, agg, tail))
        dirty = len(agg.tally.dirty)
        t0 = time.process_time()  # (d) the next emit tick: only the windows the tail changed
        ticked, _ = agg.due(now)
        rows["d"].append(time.process_time() - t0)
        repeats = sum(int(agg.metrics.duplicates.labels(t)._value.get()) for t in INPUTS)
        late = sum(agg.tally.late.values())
        if agg.pending_dead:
            log(f"unexpected dead letters: {[d.reason for _, d in agg.pending_dead][:5]}")
        del agg, out, digests
        log(f"round {rnd + 1}: a {len(records) / rows['a'][-1]:,.0f}/s, facts "
            f"{len(records) / rows['facts'][-1]:,.0f}/s, b {len(records) / rows['b'][-1]:,.0f}/s, "
            f"c {rows['c'][-1]:.3f} s, d {rows['d'][-1] * 1e3:.1f} ms")
    med = {k: statistics.median(v) for k, v in rows.items()}
    n = len(records)
    rate = {k: n / med[k] for k in ("a", "facts", "b")}
    rate["c"] = len(head) / med["c"]
    print(f"{n:,} input records ({source}, {repeats:,} repeats dropped, {late:,} late), "
          f"{len(per_account)} accounts, "
          f"{windows:,} windows ({per_window['1m']:,} × 1m, {per_window['1h']} × 1h, "
          f"{per_window['1d']} × 1d), {written:,} records written; one core, "
          f"median of {args.repeat}, records per CPU-second")
    print("| measure | records/s | µs/record | vs (a) |")
    print("|---|---:|---:|---:|")
    names = {"a": "(a) baseline: json.loads + counter by outcome",
             "facts": "to_fact alone (wire decode + schema validation + fact)",
             "b": "(b) Aggregator.apply: counters + to_fact + dedupe + tally",
             "c": "(c) every open window's Aggregate (Aggregator.due), per input record"}
    for k, name in names.items():
        print(f"| {name} | {rate[k]:,.0f} | {1e6 / rate[k]:.1f} | {rate[k] / rate['a']:.3f} |")
    print(f"(c) all {windows:,} windows in {med['c']:.2f} s, {med['c'] * 1e3 / max(windows, 1):.2f} "
          f"ms per window. (b) + (c): {n / (med['b'] + med['c']):,.0f} records/s.")
    print(f"(d) one emit tick after a new verdict on every account ({len(tail)} records, "
          f"{dirty} windows changed, {len(ticked)} records written): {med['d'] * 1e3:.1f} ms, "
          f"{med['d'] / interval:.1%} of a core at one tick every {interval:g} s"
          + ("" if args.bootstrap else f" (input: {args.n / (args.span_min * 60):.1f} verdicts/s)"))


if __name__ == "__main__":
    main()
