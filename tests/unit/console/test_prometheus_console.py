"""The console's ``/metrics``: queue depth, oldest age and SLA target per queue from the
database at scrape time, decisions by action and their time; the exposition passes
``promtool check metrics``."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from streams.console.db import Database
from streams.console.runtime import Console

from console_kit import add_item, client, login, make_user, settings
from promtool_kit import check_metrics, exported_names, sample_names


@pytest.fixture
def console(tmp_path: Path) -> Iterator[Console]:
    db = Database(f"sqlite:///{tmp_path}/console.db")
    db.setup()
    yield Console(db, settings())
    db.dispose()


def _samples(text: bytes) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for fam in text_string_to_metric_families(text.decode()) for s in fam.samples}


def test_metrics_page_serves_queues_decisions_and_passes_promtool(console: Console) -> None:
    db, cs = console.db, console.settings
    late = datetime.now(UTC) - timedelta(hours=2)
    add_item(db, cs, queue="lane-1", received_at=late)           # SLA 60 min: overdue
    add_item(db, cs, queue="lane-1", received_at=datetime.now(UTC))
    decided = add_item(db, cs, queue="lane-2")
    make_user(db, "mod-metrics", (("moderator", None, None),))
    http = client(console)
    mod = login(http, "mod-metrics")
    assert mod.post(f"/api/items/{decided}/claim").status_code == 200
    r = mod.post(f"/api/items/{decided}/decide", json={"action": "hide", "reason_code": "spam"})
    assert r.status_code == 200, r.text
    console.metrics.ingested.labels("new").set(3)

    page = http.get("/metrics")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/plain")
    text = page.content
    check_metrics(text)
    got = _samples(text)
    q1 = (("queue", "lane-1"),)
    assert got[("civicmod_console_queue_depth", q1)] == 2
    assert got[("civicmod_console_queue_overdue", q1)] == 1
    assert 7100 < got[("civicmod_console_queue_oldest_seconds", q1)] < 7300 + 600
    assert got[("civicmod_console_queue_target_seconds", q1)] == 3600
    q2 = (("queue", "lane-2"),)  # its one item was decided: empty, still listed (configured)
    assert got[("civicmod_console_queue_depth", q2)] == 0
    assert got[("civicmod_console_queue_oldest_seconds", q2)] == 0
    safety = cs.queue("safety").sla_minutes * 60
    assert got[("civicmod_console_queue_target_seconds", (("queue", "safety"),))] == safety
    assert got[("civicmod_console_decisions_total", (("action", "hide"),))] == 1
    assert got[("civicmod_console_decide_seconds_count", ())] == 1
    assert got[("civicmod_console_ingested_total", (("result", "new"),))] == 3
    assert sample_names(text) <= exported_names(console.metrics.registry)


def test_a_queue_no_longer_listed_leaves_the_gauges(console: Console) -> None:
    m = console.metrics
    m.set_queues([{"queue": "gone", "count": 4, "oldest_age_s": 10.0, "sla_s": 60, "overdue": 0}])
    m.set_queues([{"queue": "kept", "count": 1, "oldest_age_s": 5.0, "sla_s": 60, "overdue": 0}])
    assert m.registry.get_sample_value("civicmod_console_queue_depth", {"queue": "gone"}) is None
    assert m.registry.get_sample_value("civicmod_console_queue_depth", {"queue": "kept"}) == 1


def test_reply_queue_gauges_count_waiting_and_overdue_questions(console: Console) -> None:
    """Citizens' questions waiting for a reply, per organisation: one late, one fresh; an
    answered one leaves the count."""
    from civicmod.contract import topics as T
    from civicmod.contract.records import Comment
    from streams.console.ingest import Ingest

    from console_kit import ORG, verdict

    ingest = Ingest(console.db, console.settings, "127.0.0.1:1")
    late = verdict(outcome="publish", text="When will the bins be collected?",
                   tags=["engagement.question"], received_at=datetime.now(UTC) - timedelta(hours=30))
    fresh = verdict(outcome="publish", text="Who do I contact about a pothole?",
                    tags=["engagement.question"])
    answered = verdict(outcome="publish", text="Is the library open on Sunday?",
                       tags=["engagement.question"])
    reply = Comment(id="facebook:reply-1", platform="facebook", account_id=answered.comment.account_id,
                    parent_id=answered.comment.id, author={"id": "page"}, text="Yes, 10 to 4.",
                    created_at=datetime.now(UTC), received_at=datetime.now(UTC))
    ingest.apply([(T.PUBLISHED, 0, i, b"k", v.to_json()) for i, v in enumerate((late, fresh, answered))]
                 + [(T.AGENCY_REPLIES, 0, 0, b"k", reply.to_json())])

    got = _samples(client(console).get("/metrics").content)
    org = (("organisation", ORG),)
    assert got[("civicmod_console_reply_open", org)] == 2
    assert got[("civicmod_console_reply_overdue", org)] == 1  # 30 h > the 24 h default target
    assert got[("civicmod_console_reply_oldest_seconds", org)] > 29 * 3600
