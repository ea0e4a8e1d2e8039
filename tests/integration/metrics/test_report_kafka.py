"""``civicmod report`` against the real broker: daily aggregates (a superseded version of a
day, another organisation, a bad record) and two weeks of verdicts and decisions with their
real timestamps (plus some from before the period) on a test topic prefix; the command's CSV
figures and statements must be what the same records give in memory."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from civicmod.contract import topics as T
from civicmod.contract.records import Aggregate, Author, Comment, Reason, Verdict
from streams.kafka.admin import ensure_topics
from streams.kafka.client import producer
from streams.metrics.report import sample
from streams.metrics.report.build import Scope, assemble
from streams.metrics.report.load import Source, read_topic
from streams.metrics.report.statements import Statement

pytestmark = pytest.mark.kafka
REPO = Path(__file__).resolve().parents[3]


def _ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


def _stray_hide(n: int, at: datetime, account: str = sample.PAGE) -> Verdict:
    c = Comment(id=f"facebook:stray-{n}", platform="facebook", account_id=account,
                author=Author(id=f"s{n}"), text=f"stray {n}", received_at=at)
    return Verdict(comment=c, outcome="hide", policy_version=sample.POLICY, decided_at=at, reasons=[
        Reason(source="rule", id="pii.email", label="personal_data", policy="privacy.personal_data",
               action="hide")])


def test_report_through_the_broker(kafka_bootstrap: str, tmp_path: Path):
    prefix = f"r{uuid.uuid4().hex[:8]}."
    ensure_topics(kafka_bootstrap, partitions=3, prefix=prefix)
    # two weeks ending three days ago: timestamps are recent, as in a real deployment, and the
    # last day's decisions (up to 30 h after their comments) are in the past at any hour: the
    # broker refuses records more than an hour in the future (Kafka 4's
    # log.message.timestamp.after.max.ms), so "up to yesterday" failed before 06:00 UTC
    end = datetime.now(UTC).date() - timedelta(days=3)
    start = end - timedelta(days=13)
    rec = sample.records(start=start, end=end)
    scope = Scope(start, end, organisation=sample.ORG, organisation_name=sample.ORG_NAME,
                  accounts=frozenset(sample.PLATFORMS))
    expected = assemble(rec, scope)

    # what must not count: hides from before the period, another organisation's day and hide,
    # and an early version of a day that a later record replaced
    before = datetime.combine(start, datetime.min.time(), UTC) - timedelta(days=3)
    strays = [_stray_hide(i, before + timedelta(hours=i)) for i in range(3)]
    other = _stray_hide(9, datetime.combine(start, datetime.min.time(), UTC) + timedelta(hours=5),
                        account="page:elsewhere")
    first_day = next(a for a in rec.aggregates if a.account_id == sample.PAGE)
    superseded = first_day.model_copy(update={"outcomes": {"publish": 999_999}})
    other_org = Aggregate(window="1d", start=first_day.start, end=first_day.end,
                          organisation="elsewhere", account_id="page:elsewhere", platform="facebook",
                          updated_at=first_day.updated_at, outcomes={"hide": 50})

    prod = producer(kafka_bootstrap)
    try:
        daily = T.physical(T.METRICS_DAILY, prefix)
        prod.send(daily, key=superseded.key(), value=superseded.to_json())
        prod.flush()
        for a in [*rec.aggregates, other_org]:
            prod.send(daily, key=a.key(), value=a.to_json())
        prod.send(daily, key=b"1d|bad", value=b'{"schema": "civicmod.aggregate/1", "window": "1d"')
        for v in [*rec.verdicts, *strays, other]:
            topic = T.physical(T.OUTCOME_TOPICS[v.outcome], prefix)
            prod.send(topic, key=v.comment.id.encode(), value=v.to_json(),
                      timestamp_ms=_ms(v.decided_at))
        prod.send(T.physical(T.AUTO_HIDDEN, prefix), key=b"facebook:junk", value=b"not json",
                  timestamp_ms=_ms(datetime.combine(start, datetime.min.time(), UTC) + timedelta(hours=1)))
        for d in rec.decisions:
            prod.send(T.physical(T.DECISIONS, prefix), key=d.comment_id.encode(), value=d.to_json(),
                      timestamp_ms=_ms(d.decided_at))
        prod.flush(timeout=60)
    finally:
        prod.close()

    # seeking by time: reading the period never returns the hides from before it
    src = Source(kafka_bootstrap, prefix)
    keys = {r.key for r in read_topic(src, T.AUTO_HIDDEN, scope.start_at, scope.end_at)}
    assert not keys & {s.comment.id.encode() for s in strays}
    assert {v.comment.id.encode() for v in rec.verdicts if v.outcome == "hide"} <= keys
    assert {r.key for r in read_topic(src, T.AUTO_HIDDEN, before - timedelta(hours=1),
                                      before + timedelta(hours=1, minutes=30))} == {
        b"facebook:stray-0", b"facebook:stray-1"}

    cfg = tmp_path / "civicmod.yaml"
    cfg.write_text(
        f"kafka: {{bootstrap_servers: '{kafka_bootstrap}', topic_prefix: '{prefix}'}}\n"
        "console:\n  organisations:\n"
        f"    {sample.ORG}: {{name: {sample.ORG_NAME}, accounts: ['{sample.PAGE}', '{sample.INSTA}']}}\n"
        "    elsewhere: {name: Elsewhere, accounts: ['page:elsewhere']}\n")
    out = tmp_path / "out"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CIVICMOD__")
           and k != "KAFKA_BOOTSTRAP_SERVERS"}
    proc = subprocess.run(
        [sys.executable, "-m", "civicmod.cli", "report", "--from", start.isoformat(), "--to",
         end.isoformat(), "--org", sample.ORG, "--out", str(out), "-c", str(cfg)],
        capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "record(s) skipped" in proc.stderr  # the bad aggregate and the junk verdict

    with (out / "report.csv").open() as fh:
        rows = list(csv.DictReader(fh))

    def value(account: str, measure: str, key: str = "") -> float:
        hits = [float(r["value"]) for r in rows
                if (r["account_id"], r["measure"], r["key"]) == (account, measure, key)]
        assert len(hits) == 1, (account, measure, key)
        return hits[0]

    f = expected.figures
    assert value("*", "comments_received") == f.overall.received
    assert not any(r["account_id"] == "page:elsewhere" for r in rows)
    for account, acc in f.accounts.items():
        t = acc.totals
        for outcome, n in t.outcomes.items():
            assert value(account, "outcome", outcome) == n
        for reason, by in t.reasons.items():
            for outcome, n in by.items():
                assert value(account, "reason_outcome", f"{reason}|{outcome}") == n
        assert value(account, "needs_reply") == t.needs_reply
        assert value(account, "answered") == t.answered
        assert value(account, "decided_by", "human") == t.decided_by["human"]
    assert value("*", "appeal", "reversed") == f.overall.appeals["reversed"]
    assert value("*", "time_to_action_p50_s") == f.overall.time_to_action.quantile(0.5)

    lines = (out / "statements.jsonl").read_text().splitlines()
    got = [Statement.model_validate_json(line) for line in lines]
    assert {s.puid for s in got} == {x.statement.puid for x in expected.statements}
    assert len(got) == len(expected.statements) > 0
    assert sum(s.automated_decision == "AUTOMATED_DECISION_FULLY" for s in got) == f.overall.outcomes["hide"]
    assert all(start <= s.application_date <= end for s in got)
    for line in lines:  # no comment text, no author
        assert "stray" not in line and "Alex Moore" not in line and "07700" not in line
        assert json.loads(line)["source_type"] == "SOURCE_VOLUNTARY"

    page = (out / "report.html").read_text()
    assert sample.ORG_NAME in page and "potholes" in page
    assert f"{start:%-d %B %Y}" in page and f"{end:%-d %B %Y}" in page
    assert "unreadable record" in page  # the method notes say what was skipped


def test_report_says_when_the_broker_has_no_topics(kafka_bootstrap: str, tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CIVICMOD__")}
    env["KAFKA_BOOTSTRAP_SERVERS"] = kafka_bootstrap
    env["CIVICMOD__KAFKA__TOPIC_PREFIX"] = f"none{uuid.uuid4().hex[:6]}."
    proc = subprocess.run(
        [sys.executable, "-m", "civicmod.cli", "report", "--from", "2026-11-01", "--to",
         "2026-11-07", "--out", str(tmp_path / "o")],
        capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path)
    assert proc.returncode == 1
    assert "does not exist" in proc.stderr and "civicmod topics" in proc.stderr
