"""What the console keeps only for a while: thread context (published comments), platform
states of comments never escalated (``console.context_days``), outbox rows already on Kafka
(``console.outbox_keep_days``), agency replies (``console.replies.keep_replies_days``: kept only
to close a question read after its reply), and the ops page's aggregates (``ops.KEEP``). Deleted
in small transactions so that moderators' writes never wait long behind a purge.

Never deleted here: items, decisions, appeals, holds and the audit log (the records duty), an
outbox row Kafka refused (partition -1: the evidence stays), and the newest marked row of each
topic partition (where the relay's reconcile starts reading)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, select

from civicmod.contract.console_settings import ConsoleSettings
from streams.console.db import Database, now
from streams.console.models import AgencyReply, ContextComment, OpsAggregate, OutboxRow, PlatformState
from streams.console.ops import KEEP

log = logging.getLogger("civicmod.console.retention")
#: Rows deleted per transaction.
CHUNK = 2000


@dataclass
class Purged:
    context: int = 0
    platform_states: int = 0
    outbox: int = 0
    agency_replies: int = 0
    aggregates: int = 0


def purge(db: Database, settings: ConsoleSettings) -> Purged:
    """Delete what is past its keeping time; returns how many rows of each kind went."""
    out = Purged()
    t = now()
    context_cutoff = t - timedelta(days=settings.context_days)
    out.context = _in_chunks(db, ContextComment.comment_id,
                             ContextComment.received_at < context_cutoff)
    out.platform_states = _in_chunks(db, PlatformState.comment_id, PlatformState.at < context_cutoff)
    newest = (select(func.max(OutboxRow.id)).where(OutboxRow.partition >= 0)
              .group_by(OutboxRow.topic, OutboxRow.partition))
    out.outbox = _in_chunks(db, OutboxRow.id,
                            OutboxRow.published_at < t - timedelta(days=settings.outbox_keep_days),
                            OutboxRow.partition >= 0, OutboxRow.id.not_in(newest))
    out.agency_replies = _in_chunks(db, AgencyReply.reply_id, AgencyReply.at < t - timedelta(
        days=settings.replies.keep_replies_days))
    for grain, keep in KEEP.items():
        out.aggregates += _in_chunks(db, OpsAggregate.key, OpsAggregate.grain == grain,
                                     OpsAggregate.start < t - keep)
    return out


def _in_chunks(db: Database, key, *where) -> int:  # type: ignore[no-untyped-def]
    total = 0
    while True:
        with db.tx() as s:
            ids = select(key).where(*where).limit(CHUNK)
            gone = s.execute(delete(key.class_).where(key.in_(ids.scalar_subquery())),
                             execution_options={"synchronize_session": False}).rowcount or 0
        total += gone
        if gone < CHUNK:
            return total


async def run(db: Database, settings: ConsoleSettings, stopping: asyncio.Event,
              every_s: float = 3600.0, first_after_s: float = 60.0) -> None:
    """Purge every ``every_s`` (the first time ``first_after_s`` after start) until ``stopping``."""
    wait = first_after_s
    while not stopping.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), wait)
        if stopping.is_set():
            return
        wait = every_s
        try:
            gone = await asyncio.to_thread(purge, db, settings)
        except Exception as exc:  # a busy or absent database: next time
            log.warning("console purge failed; trying again later", extra={"error": str(exc)[:200]})
            continue
        if any(vars(gone).values()):
            log.info("console purge", extra=vars(gone))
