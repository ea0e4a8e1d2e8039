"""The ops page's figures, on SQLite and PostgreSQL: the metrics service's aggregates read from
``moderation.metrics`` (the newest record per key kept, whatever order they come in), merged per
window over the accounts a user may see, with percentiles from merged distributions, the reply
queue's unanswered questions, and silent accounts; and ``GET /api/ops`` scoped on the server.
The aggregator is another service: these tests write its records themselves."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from civicmod.contract import topics as T
from civicmod.contract.records import Aggregate, Distribution, Engagement
from streams.console import ops, retention
from streams.console.db import Database, now
from streams.console.ingest import Ingest, Raw
from streams.console.models import OpsAggregate
from streams.console.permissions import GrantSpec, Principal
from streams.console.runtime import Console

from console_kit import (
    ACCOUNT,
    ORG,
    OTHER_ACCOUNT,
    OTHER_ORG,
    OTHER_ORG_ACCOUNT,
    client,
    login,
    make_user,
    settings,
    unique,
    verdict,
)

_offsets = itertools.count()


@pytest.fixture
def db(db_url: str) -> Any:  # a database per test: the figures are sums over everything kept
    database = Database(db_url)
    database.setup()
    yield database
    database.dispose()


def _raw(topic: str, value: bytes) -> Raw:
    return (topic, 0, next(_offsets), b"k", value)


def _minute(t: datetime, minutes_ago: int) -> datetime:
    return (t - timedelta(minutes=minutes_ago)).replace(second=0, microsecond=0, tzinfo=UTC)


def agg(start: datetime, account: str = ACCOUNT, organisation: str = ORG, window: str = "1m",
        updated_at: datetime | None = None, **fields: Any) -> Aggregate:
    from civicmod.contract.records import WINDOW_SECONDS

    return Aggregate(window=window, start=start, end=start + timedelta(seconds=WINDOW_SECONDS[window]),
                     organisation=organisation, account_id=account, platform="facebook",
                     updated_at=updated_at or datetime.now(UTC), **fields)


def _everyone() -> Principal:
    return Principal(0, "ops", (GrantSpec("admin"),))


def _org(org: str = ORG) -> Principal:
    return Principal(0, "ops", (GrantSpec("viewer", org),))


def test_the_newest_record_of_each_window_wins_whatever_the_order(db: Database) -> None:
    ingest = Ingest(db, settings(), "127.0.0.1:1")
    t = now()
    start = _minute(t, 3)
    old = agg(start, updated_at=datetime.now(UTC) - timedelta(seconds=30), outcomes={"publish": 5})
    new = agg(start, updated_at=datetime.now(UTC), outcomes={"publish": 7, "hide": 1})
    dead, changes = ingest.apply([_raw(T.METRICS, new.to_json()), _raw(T.METRICS, old.to_json())])
    assert not dead and {"type": "ops.updated"} in changes
    ingest.apply([_raw(T.METRICS, old.to_json())])  # a late, older record: ignored
    with db.read() as s:
        rows = s.scalars(select(OpsAggregate)).all()
    assert len(rows) == 1 and rows[0].record["outcomes"] == {"publish": 7, "hide": 1}
    figures = ops.summary(db, ingest.settings, _everyone(), "hour", at=t)
    i = figures["buckets"].index(start)
    assert figures["throughput"]["publish"][i] == 7 and figures["throughput"]["hide"][i] == 1
    assert sum(figures["throughput"]["publish"]) == 7  # counted once


def test_unreadable_aggregates_are_dead_lettered(db: Database) -> None:
    ingest = Ingest(db, settings(), "127.0.0.1:1")
    bad = b'{"schema": "civicmod.aggregate/1", "window": "5m"}'
    dead, _ = ingest.apply([_raw(T.METRICS, bad), _raw(T.METRICS, b"{")])
    assert [d.reason for d in dead] == ["invalid_schema", "invalid_json"]


def test_windows_merge_over_accounts_and_percentiles_come_from_merged_buckets(db: Database) -> None:
    cs = settings()
    ingest = Ingest(db, cs, "127.0.0.1:1")
    t = now()
    a, b = _minute(t, 2), _minute(t, 1)
    fast, slow = Distribution.of([0.2] * 90), Distribution.of([4.0] * 10)
    records = [
        agg(a, outcomes={"publish": 90, "escalate": 5}, latency=fast, decisions={"hide": 2},
            decided_by={"automated": 90, "human": 2}, actions={"hide.done": 3, "hide.failed": 1},
            deadletters={"invalid_json": 2}),
        agg(a, account=OTHER_ACCOUNT, outcomes={"publish": 10, "hide": 4}, latency=slow,
            decisions={"publish": 1}),
        agg(b, account=OTHER_ORG_ACCOUNT, organisation=OTHER_ORG, outcomes={"publish": 1000},
            deadletters={"invalid_schema": 50}),
        agg(_minute(t, 90), outcomes={"publish": 99}),  # outside the last hour
        agg(a.replace(minute=0), window="1h", outcomes={"publish": 500}),  # another window
    ]
    ingest.apply([_raw(T.METRICS, r.to_json()) for r in records])
    f = ops.summary(db, cs, _org(), "hour", at=t)
    assert len(f["buckets"]) == 60 and f["window"] == "1m"
    i = f["buckets"].index(a)
    assert f["throughput"]["publish"][i] == 100 and sum(f["throughput"]["publish"]) == 100
    assert f["throughput"]["escalate"][i] == 5 and f["throughput"]["hide"][i] == 4
    assert f["decision_totals"] == {"hide": 2, "publish": 1}
    assert f["decided_by"] == {"automated": 90, "human": 2}
    assert f["action_totals"] == {"hide.done": 3, "hide.failed": 1}
    assert f["deadletters"]["total"][i] == 2 and f["deadletters"]["by_reason"] == {"invalid_json": 2}
    # 90 at 0.2 s and 10 at 4 s: the median is in the 0.25 s bucket, p99 in the 5 s one
    assert f["latency"]["p50"][i] == 0.25 and f["latency"]["p99"][i] == 5
    assert f["latency"]["p50"][i - 1] is None  # an empty window has no percentile
    # another organisation's figures are not in this one's, and are in a global operator's
    assert 1000 not in f["throughput"]["publish"]
    everything = ops.summary(db, cs, _everyone(), "hour", at=t)
    assert sum(everything["throughput"]["publish"]) == 1100
    assert everything["deadletters"]["by_reason"] == {"invalid_json": 2, "invalid_schema": 50}
    day = ops.summary(db, cs, _org(), "day", at=t)
    assert day["window"] == "1h" and len(day["buckets"]) == 24 and sum(day["throughput"]["publish"]) == 500


def test_engagement_response_rate_first_response_unanswered_and_silent_accounts(db: Database) -> None:
    cs = settings(replies={"silent_days": 7})
    ingest = Ingest(db, cs, "127.0.0.1:1")
    t = now()
    today = t.replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=UTC)
    answered = Engagement(needs_reply=4, answered=3, replies=3,
                          first_response=Distribution.of([600, 3000, 7000]),
                          last_reply_at=datetime.now(UTC) - timedelta(days=1))
    ignored = Engagement(needs_reply=5, answered=0, last_reply_at=datetime.now(UTC) - timedelta(days=20))
    ingest.apply([_raw(T.METRICS, agg(today, window="1d", engagement=answered).to_json()),
                  _raw(T.METRICS, agg(today - timedelta(days=2), window="1d", account=OTHER_ACCOUNT,
                                      engagement=ignored).to_json())])
    # two questions still open on the neglected account, in the reply queue now
    for _ in range(2):
        q = verdict(outcome="publish", account=OTHER_ACCOUNT, tags=["engagement.question"])
        ingest.apply([_raw(T.PUBLISHED, q.to_json())])
    e = ops.summary(db, cs, _org(), "month", at=t)["engagement"]
    assert e["total_needs_reply"] == 9 and e["total_answered"] == 3
    assert e["response_rate"] == pytest.approx(3 / 9)
    assert e["first_response_p50_s"] == 3600 and e["first_response_p90_s"] == 7200
    accounts = {a["account_id"]: a for a in e["accounts"]}
    assert accounts[OTHER_ACCOUNT]["silent"] and accounts[OTHER_ACCOUNT]["unanswered"] == 2
    assert not accounts[ACCOUNT]["silent"] and accounts[ACCOUNT]["response_rate"] == 0.75
    assert e["accounts"][0]["account_id"] == OTHER_ACCOUNT  # the neglected account first
    assert e["unanswered"] == 2


def test_the_ops_api_is_scoped_on_the_server(db: Database) -> None:
    cs = settings()
    console = Console(db, cs)
    ingest = Ingest(db, cs, "127.0.0.1:1")
    t = now()
    ingest.apply([_raw(T.METRICS, agg(_minute(t, 1), outcomes={"publish": 3}).to_json()),
                  _raw(T.METRICS, agg(_minute(t, 1), account=OTHER_ORG_ACCOUNT, organisation=OTHER_ORG,
                                      outcomes={"publish": 40}).to_json())])
    http = client(console)
    viewer = login(http, make_user(db, unique("v"), (("viewer", ORG, None),)).username)
    comms = login(http, make_user(db, unique("c"), (("comms", OTHER_ORG, None),)).username)
    nobody = login(http, make_user(db, unique("n")).username)
    r = viewer.get("/api/ops", params={"range": "hour"})
    assert r.status_code == 200, r.text
    assert sum(r.json()["throughput"]["publish"]) == 3
    assert {q["queue"] for q in r.json()["queues"]} >= {"default", "safety"}  # live queue depths
    c = comms.get("/api/ops").json()
    assert sum(c["throughput"]["publish"]) == 40 and c["queues"] == []  # comms see no moderation queues
    assert nobody.get("/api/ops").status_code == 403
    assert viewer.get("/api/ops", params={"range": "year"}).status_code == 422
    assert http.get("/api/ops").status_code == 401
    assert http.get("/ops", follow_redirects=False).headers["location"] == "/#/ops"


def test_old_aggregates_are_purged_by_window(db: Database) -> None:
    cs = settings()
    ingest = Ingest(db, cs, "127.0.0.1:1")
    t = now()
    ingest.apply([_raw(T.METRICS, r.to_json()) for r in (
        agg(_minute(t, 5 * 60)), agg(_minute(t, 5)),
        agg(_minute(t, 5 * 60).replace(minute=0), window="1h"),
        agg(_minute(t, 5 * 60).replace(hour=0, minute=0), window="1d"))])
    gone = retention.purge(db, cs)
    assert gone.aggregates == 1
    with db.read() as s:
        assert sorted(s.scalars(select(OpsAggregate.grain))) == ["1d", "1h", "1m"]


def test_scopes_follow_the_consoles_own_organisations(db: Database) -> None:
    """An aggregate is placed by the console's ``console.organisations`` where it knows the
    account (as items are), whatever organisation the record names."""
    cs = settings()
    t = now()
    claimed = agg(_minute(t, 1), account=ACCOUNT, organisation=OTHER_ORG, outcomes={"publish": 11})
    unknown = agg(_minute(t, 1), account="acct-unknown", organisation=OTHER_ORG, outcomes={"publish": 5})
    Ingest(db, cs, "127.0.0.1:1").apply([_raw(T.METRICS, claimed.to_json()),
                                         _raw(T.METRICS, unknown.to_json())])
    assert sum(ops.summary(db, cs, _org(ORG), "hour", at=t)["throughput"]["publish"]) == 11
    assert sum(ops.summary(db, cs, _org(OTHER_ORG), "hour", at=t)["throughput"]["publish"]) == 5
