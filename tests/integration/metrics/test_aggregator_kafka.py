"""Acceptance: through the real broker, the aggregator's counts equal what is on the topics after
a worker SIGKILL (redelivered verdicts), an aggregator SIGKILL mid-stream and a restart (the
state is rebuilt from the inputs), with decisions, actions and replies each sent twice."""

from __future__ import annotations

import collections
import time
from datetime import UTC, datetime

from civicmod.contract.records import NEEDS_REPLY_TAGS, Action, Author, Comment, Decision
from civicmod.contract.topics import (
    ACTIONS,
    AGENCY_REPLIES,
    DEADLETTER,
    DECISIONS,
    INCOMING,
    METRICS,
    METRICS_DAILY,
)
from streams.kafka.client import produce
from streams.kafka.verdict_dedupe import verdict_key

from conftest import Collector, Setup, wait_for
from metrics_harness import MetricsService, latest_aggregates, totals

N = 400
BAD = 5
ACCOUNT = "web:metrics-test"


def _text(i: int) -> str:
    if i % 20 == 3:  # a question for the agency (tagged engagement.*, published)
        return f"When will the potholes on road {i} be fixed?"
    if i % 5 == 0:
        return f"call me on 07700 900{i % 1000:03d} about the parking permit"
    return f"Comment {i}: the bins on road {i % 37} were collected late again"


def _comments(run: str) -> list[tuple[bytes, bytes]]:
    now = datetime.now(UTC)
    out = []
    for i in range(N):
        c = Comment(id=f"generic:{run}-{i}", platform="generic", account_id=ACCOUNT,
                    author=Author(id=f"author-{i % 50}"), text=_text(i), received_at=now)
        out.append((c.id.encode(), c.to_json()))
        if i % (N // BAD) == 7:
            out.append((f"bad-{i}".encode(), b"{not json"))
    return out


def _expected(collector: Collector) -> tuple[dict[str, int], dict[str, int], dict[str, dict]]:
    """Distinct comment versions per outcome, distinct dead letters per reason, and one verdict
    per version (for the decisions and actions)."""
    versions: dict[str, dict] = {}
    dead: dict[tuple, str] = {}
    for topic, _key, value in collector.records:
        if topic == DEADLETTER:
            dead[(value["source_partition"], value["source_offset"])] = value["reason"]
        else:
            versions[verdict_key(value)] = value
    outcomes = collections.Counter(v["outcome"] for v in versions.values())
    return dict(outcomes), dict(collections.Counter(dead.values())), versions


def _questions(versions: dict[str, dict]) -> list[str]:
    return sorted(v["comment"]["id"] for v in versions.values()
                  if v["outcome"] != "hide" and NEEDS_REPLY_TAGS & set(v.get("tags", [])))


def _follow_ups(versions: dict[str, dict]) -> tuple[list, list, list]:
    """Decisions on ten hidden comments (publish: reversed on appeal), the actions carrying out
    ten hides, and agency replies to five questions."""
    hidden = sorted(v["comment"]["id"] for v in versions.values() if v["outcome"] == "hide")[:10]
    published = _questions(versions)[:5]
    by_id = {v["comment"]["id"]: v for v in versions.values()}
    now = datetime.now(UTC)
    decisions, actions, replies = [], [], []
    for n, cid in enumerate(hidden):
        c = Comment.model_validate(by_id[cid]["comment"])
        d = Decision(decision_id=f"dec-{n}", comment_id=cid, comment_digest=c.digest(),
                     platform="generic", account_id=ACCOUNT, action="publish" if n % 2 else "hide",
                     reason_code="other", decided_by="mod", decided_at=now, appeal_id=f"ap-{n}")
        a = Action(action_id=f"act-{n}", comment_id=cid, platform="generic", account_id=ACCOUNT,
                   kind="hide", requested_by="verdict:hide", status="dry_run", at=now)
        decisions.append((cid.encode(), d.to_json()))
        actions.append((f"{cid}|hide".encode(), a.to_json()))
    for n, cid in enumerate(published):
        r = Comment(id=f"generic:reply-{n}", platform="generic", account_id=ACCOUNT,
                    author=Author(id="the-page"), text="Thanks, passed to the team.",
                    parent_id=cid, created_at=now, received_at=now)
        replies.append((r.id.encode(), r.to_json()))
    return decisions, actions, replies


def test_counts_equal_the_topics_after_sigkills_and_a_restart(pipeline: Setup,
                                                              collector: Collector):
    metrics = MetricsService(pipeline).start()
    try:
        _run(pipeline, collector, metrics)
    finally:
        metrics.stop()


def _run(pipeline: Setup, collector: Collector, metrics: MetricsService) -> None:
    worker = pipeline.start_worker(WORKER__BATCH_SIZE="16")
    run = f"m{int(time.time() * 1000) % 10_000_000}"
    stream = _comments(run)
    keys = {k for k, v in stream if not k.startswith(b"bad-")}
    produce(pipeline.bootstrap, stream, pipeline.topic(INCOMING))
    wait_for(metrics.ready, 60, message=metrics.logs)

    # the worker dies mid-stream: what it had sent but not committed comes again
    wait_for(lambda: len(collector.records) >= N // 4, 120, message=pipeline.worker_logs)
    worker.kill()
    worker.wait()
    judged_at_kill = len(collector.keys() & keys)
    assert judged_at_kill < len(keys), "the kill must land mid-stream"
    pipeline.start_worker()
    # the aggregator dies too, while the stream flows, and is started again
    wait_for(lambda: metrics.health().get("facts", {}).get("verdicts", 0) > 0, 60,
             message=metrics.logs)
    metrics.kill()
    metrics.start()
    wait_for(lambda: keys <= collector.keys(), 180, message=pipeline.worker_logs)
    wait_for(lambda: len([r for r in collector.records if r[0] == DEADLETTER]) >= BAD, 60)

    outcomes, deadletters, versions = _expected(collector)
    decisions, actions, replies = _follow_ups(versions)
    for topic, records in ((DECISIONS, decisions), (ACTIONS, actions), (AGENCY_REPLIES, replies)):
        produce(pipeline.bootstrap, records * 2, pipeline.topic(topic))  # every one twice
    redelivered = len([r for r in collector.records if r[0] != DEADLETTER]) - len(versions)
    print(f"judged before the kill: {judged_at_kill}/{len(keys)}; verdicts redelivered: "
          f"{redelivered}; outcomes {outcomes}; dead letters {deadletters}")

    questions = len(_questions(versions))
    assert questions >= 10, "the questions were tagged"
    daily_topic = pipeline.topic(METRICS_DAILY)
    want = {"outcomes": outcomes, "deadletters": deadletters,
            "decisions": {"publish": 5, "hide": 5}, "appeals": {"reversed": 5, "upheld": 5},
            "actions": {"hide.dry_run": 10}}

    def daily_matches(since: float = 0.0) -> bool:
        daily = latest_aggregates(pipeline.bootstrap, daily_topic)
        fresh = all(datetime.fromisoformat(v["updated_at"]).timestamp() >= since
                    for v in daily.values())
        got = {field: totals(daily, "1d", field) for field in want}
        engagement = {k: sum(v["engagement"].get(k, 0) for v in daily.values())
                      for k in ("replies", "needs_reply", "answered")}
        return fresh and got == want and engagement == {
            "replies": len(replies), "needs_reply": questions, "answered": len(replies)}

    wait_for(daily_matches, 90, message=lambda: (
        {f: totals(latest_aggregates(pipeline.bootstrap, daily_topic), "1d", f) for f in want},
        want, metrics.logs()))
    # the finer windows add up to the same (every one of them is still open)
    every = latest_aggregates(pipeline.bootstrap, pipeline.topic(METRICS))
    assert totals(every, "1h", "outcomes") == outcomes
    assert totals(every, "1m", "outcomes") == outcomes
    assert all(v["account_id"] in (ACCOUNT, "-") for v in every.values())
    status, body = metrics.get("/metrics")
    assert status == 200 and b'civicmod_metrics_duplicates_total{topic="moderation.decisions"} 10.0' in body
    labels = f'{{account="{ACCOUNT}",organisation="unassigned"}}'
    assert f"civicmod_engagement_unanswered{labels} {float(questions - len(replies))}".encode() in body
    assert f"civicmod_engagement_last_reply_timestamp_seconds{labels} 0.0".encode() not in body

    # a restart rebuilds the state from the inputs and writes every open window again, the same
    restarted = time.time()
    metrics.stop()
    metrics.start()
    wait_for(lambda: daily_matches(since=restarted), 90, message=metrics.logs)
    assert metrics.health()["ready"] is True
