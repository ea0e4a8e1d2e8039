"""The audit trail: every decision, claim, login, permission change and export, in the database
(append-only, hash-chained) and on ``moderation.audit`` (through the outbox, in the same
transaction).

Each row's ``hash`` is ``sha256(prev_hash || canonical JSON of the row)``; the head row keeps
the last seq and hash. :func:`verify` recomputes the chain: an edited row breaks its own hash,
a removed row breaks the sequence or the next row's link, a removed tail no longer meets the head.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from civicmod.contract import topics as T
from civicmod.contract.records import AuditEvent
from streams.console.db import aware, now
from streams.console.models import AuditHead, AuditRow
from streams.console.outbox import enqueue

GENESIS = "0" * 64


def _canonical(seq: int, at: datetime, type_: str, actor: str, organisation: str | None,
               account_id: str | None, comment_id: str | None, details: dict[str, Any]) -> bytes:
    body = {"seq": seq, "at": at.isoformat(timespec="microseconds"), "type": type_, "actor": actor,
            "organisation": organisation, "account_id": account_id, "comment_id": comment_id,
            "details": details}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def chain_hash(prev: str, payload: bytes) -> str:
    return hashlib.sha256(prev.encode() + payload).hexdigest()


def record(session: Session, type_: str, actor: str, *, organisation: str | None = None,
           account_id: str | None = None, comment_id: str | None = None,
           details: dict[str, Any] | None = None, publish: bool = True) -> AuditRow:
    """Append one event to the chain (and, with ``publish``, to ``moderation.audit`` through the
    outbox), inside the caller's transaction."""
    details = json.loads(json.dumps(details or {}, default=str))
    head = session.execute(select(AuditHead).where(AuditHead.id == 1).with_for_update()).scalar_one_or_none()
    if head is None:
        head = AuditHead(id=1, seq=0, hash=GENESIS)
        session.add(head)
    seq = head.seq + 1
    at = now()
    digest = chain_hash(head.hash, _canonical(seq, at, type_, actor, organisation, account_id,
                                              comment_id, details))
    row = AuditRow(seq=seq, at=at, type=type_, actor=actor, organisation=organisation,
                   account_id=account_id, comment_id=comment_id, details=details,
                   prev_hash=head.hash, hash=digest)
    session.add(row)
    head.seq, head.hash = seq, digest
    if publish:
        envelope = {"type": type_, "at": aware(at), "worker": "console", "actor": actor, "seq": seq,
                    "hash": digest, "organisation": organisation, "account_id": account_id,
                    "comment_id": comment_id}
        # the event's own fields sit beside the envelope; one of the same name (an export's
        # ``actor`` filter) must not replace who did it: it moves under ``details``
        beside = {k: v for k, v in details.items() if k not in envelope and k != "details"}
        clashing = {k: v for k, v in details.items() if k not in beside}
        if clashing:
            beside["details"] = clashing
        event = AuditEvent.model_validate({**beside, **envelope})
        enqueue(session, T.AUDIT, actor, event.to_json())
    return row


@dataclass
class Verification:
    ok: bool
    rows: int
    problems: list[str]


def verify(session: Session, batch: int = 5000) -> Verification:
    """Recompute the whole chain; list every break found (at most 100)."""
    problems: list[str] = []
    prev, expected, count = GENESIS, 1, 0
    last = 0
    stmt = select(AuditRow).order_by(AuditRow.seq).execution_options(yield_per=batch)
    for row in session.scalars(stmt):
        count += 1
        if row.seq != expected:
            problems.append(f"rows {expected}..{row.seq - 1} are missing")
        if row.prev_hash != prev:
            problems.append(f"row {row.seq}: does not follow the row before it (link broken)")
        payload = _canonical(row.seq, row.at, row.type, row.actor, row.organisation, row.account_id,
                             row.comment_id, row.details)
        if chain_hash(row.prev_hash, payload) != row.hash:
            problems.append(f"row {row.seq}: content changed after it was written (hash mismatch)")
        prev, expected, last = row.hash, row.seq + 1, row.seq
        if len(problems) >= 100:
            break
    head = session.get(AuditHead, 1)
    if len(problems) < 100:
        if head is None and count:
            problems.append(f"the chain's head row is missing (the chain ends at row {last})")
        elif head is not None and (head.seq != last or head.hash != prev):
            problems.append(f"the chain ends at row {last} but its head says {head.seq}: rows "
                            "removed from the end, or the head was edited")
    return Verification(ok=not problems, rows=count, problems=problems)


EXPORT_FIELDS = ("seq", "at", "type", "actor", "organisation", "account_id", "comment_id",
                 "details", "prev_hash", "hash")


def query(session: Session, *, since: datetime | None = None, until: datetime | None = None,
          account_id: str | None = None, actor: str | None = None, types: Iterable[str] = (),
          organisations: Iterable[str] | None = None, accounts: Iterable[str] | None = None,
          limit: int | None = None, newest_first: bool = False) -> Iterator[AuditRow]:
    """Audit rows by time, account, actor and type; with ``organisations`` and/or ``accounts``,
    only the rows of those organisations or accounts (what a scoped auditor may read)."""
    stmt = select(AuditRow)
    if since is not None:
        stmt = stmt.where(AuditRow.at >= since)
    if until is not None:
        stmt = stmt.where(AuditRow.at < until)
    if account_id:
        stmt = stmt.where(AuditRow.account_id == account_id)
    if actor:
        stmt = stmt.where(AuditRow.actor == actor)
    types = list(types)
    if types:
        stmt = stmt.where(AuditRow.type.in_(types))
    if organisations is not None or accounts is not None:
        stmt = stmt.where(or_(AuditRow.organisation.in_(list(organisations or ())),
                              AuditRow.account_id.in_(list(accounts or ()))))
    stmt = stmt.order_by(AuditRow.seq.desc() if newest_first else AuditRow.seq)
    if limit:
        stmt = stmt.limit(limit)
    yield from session.scalars(stmt.execution_options(yield_per=2000))


def as_dict(row: AuditRow) -> dict[str, Any]:
    return {"seq": row.seq, "at": aware(row.at).isoformat(), "type": row.type, "actor": row.actor,  # type: ignore[union-attr]
            "organisation": row.organisation, "account_id": row.account_id,
            "comment_id": row.comment_id, "details": row.details, "prev_hash": row.prev_hash,
            "hash": row.hash}


def to_csv(rows: Iterable[AuditRow]) -> Iterator[str]:
    """CSV lines (details as a JSON cell), header first: what an FOI officer opens in a sheet."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(EXPORT_FIELDS)
    for row in rows:
        d = as_dict(row)
        d["details"] = json.dumps(d["details"], sort_keys=True, ensure_ascii=False)
        writer.writerow([_cell(d[f]) for f in EXPORT_FIELDS])
        if buf.tell() > 64 * 1024:
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue()


def _cell(value: Any) -> Any:
    # a cell starting with = + - @ would be a formula in a spreadsheet: quote it
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value


def to_json_lines(rows: Iterable[AuditRow]) -> Iterator[str]:
    for row in rows:
        yield json.dumps(as_dict(row), ensure_ascii=False) + "\n"
