"""The console's parts, put together once: database, review operations, authentication, live
updates, metrics, the ingest consumer and the outbox relay."""

from __future__ import annotations

import contextlib
from typing import Any

from sqlalchemy import text

from civicmod.contract.console_settings import ConsoleSettings
from streams.console.auth import Auth
from streams.console.db import Database
from streams.console.ingest import Ingest
from streams.console.live import Broadcaster
from streams.console.metrics import ConsoleMetrics
from streams.console.outbox import Relay
from streams.console.replies import Replies
from streams.console.review import Review


class Console:
    def __init__(self, db: Database, settings: ConsoleSettings, *, relay: Relay | None = None,
                 ingest: Ingest | None = None) -> None:
        self.db = db
        self.settings = settings
        self.review = Review(db, settings)
        self.auth = Auth(db, settings)
        self.replies = Replies(db, settings)
        self.live = Broadcaster()
        self.metrics = ConsoleMetrics()
        self.relay = relay
        self.ingest = ingest

    def relay_wake(self) -> None:
        """Tell the relay there is something to publish (it also polls)."""
        if self.relay is not None and self.live.loop is not None:
            self.live.loop.call_soon_threadsafe(self.relay.wake.set)

    def health(self) -> dict[str, Any]:
        db_ok = True
        try:
            with self.db.read() as s:
                s.execute(text("SELECT 1"))
        except Exception:  # the database is away
            db_ok = False
        out: dict[str, Any] = {"database": "ok" if db_ok else "unreachable"}
        if self.ingest is not None:
            out["ingest"] = {"connected": self.ingest.ready, "last_error": self.ingest.last_error,
                             "new": self.ingest.stats.new, "duplicate": self.ingest.stats.duplicate,
                             "questions": self.ingest.stats.replies_new,
                             "answered": self.ingest.stats.replies_answered,
                             "aggregates": self.ingest.stats.aggregates}
        if self.relay is not None:
            st = self.relay.stats
            out["outbox"] = {"published": st.published, "backlog": st.lag, "in_flight": st.in_flight,
                             "reconciled": st.reconciled, "refused": st.refused,
                             "oldest_pending_s": round(st.oldest_pending_s, 1),
                             "failures": st.failures, "last_error": st.last_error}
        out["ready"] = db_ok
        out["status"] = "ok" if db_ok and (self.ingest is None or self.ingest.ready) else "degraded"
        return out

    def refresh_gauges(self) -> None:
        m = self.metrics
        if self.ingest is not None:
            st = self.ingest.stats
            for name in ("new", "duplicate", "superseded", "state_updates", "actions", "actions_unchanged",
                         "replies_new", "replies_answered", "agency_replies", "aggregates",
                         "snapshots_skipped"):
                m.ingested.labels(name).set(getattr(st, name))
            for reason, n in st.deadletters.items():
                m.deadletters.labels(reason).set(n)
        if self.relay is not None:
            st = self.relay.stats
            m.outbox_in_flight.set(st.in_flight)
            for name in ("published", "reconciled", "refused", "failures"):
                m.outbox_relayed.labels(name).set(getattr(st, name))
            with contextlib.suppress(Exception):
                backlog, oldest = self.relay.backlog()
                m.outbox_backlog.set(backlog)
                m.outbox_oldest.set(oldest)
        from streams.console.permissions import GrantSpec, Principal

        everyone = Principal(0, "metrics", (GrantSpec("admin"),))
        with contextlib.suppress(Exception):
            m.set_queues(self.review.queues(everyone))
        with contextlib.suppress(Exception):
            m.set_replies(self.replies.summary(everyone))
