"""Records for the metrics tests: verdicts, decisions, actions, replies and dead letters built
with the contract's own models (so they are what the topics carry)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from civicmod.contract.records import (
    Action,
    Author,
    Comment,
    DeadLetter,
    Decision,
    Escalation,
    Reason,
    Verdict,
)

#: A fixed "now" for the tally (a Wednesday noon, UTC).
NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
KEEP_S = {"1m": 2 * 3600.0, "1h": 2 * 86400.0, "1d": 31 * 86400.0}


def ts(minutes_ago: float) -> datetime:
    return NOW - timedelta(minutes=minutes_ago)


def comment(cid: str, text: str = "hello", account: str = "page:city", received: datetime | None = None,
            parent: str | None = None, thread: str | None = None,
            created: datetime | None = None) -> Comment:
    return Comment(id=f"facebook:{cid}", platform="facebook", account_id=account,
                   author=Author(id="u1"), text=text, received_at=received, created_at=created,
                   parent_id=parent, thread_id=thread)


def verdict(cid: str, outcome: str = "publish", *, text: str = "hello", account: str = "page:city",
            received: datetime | None = None, decided: datetime | None = None,
            reasons: list[Reason] | None = None, hold: bool = False, rule: str | None = None,
            tags: list[str] | None = None) -> Verdict:
    received = received if received is not None else ts(30)
    esc = None
    if outcome == "escalate":
        esc = Escalation(queue="default", priority=5, hold=hold, rule=rule)
    return Verdict(comment=comment(cid, text, account, received), outcome=outcome,  # type: ignore[arg-type]
                   reasons=reasons or [], policy_version="p1",
                   decided_at=decided or received + timedelta(seconds=2), escalation=esc,
                   tags=tags or [])


def reason(rid: str, action: str) -> Reason:
    return Reason(source="rule", id=rid, label=rid, action=action)  # type: ignore[arg-type]


def decision(did: str, cid: str, action: str, *, text: str = "hello", account: str = "page:city",
             at: datetime | None = None, appeal: str | None = None) -> Decision:
    c = comment(cid, text)
    return Decision(decision_id=did, comment_id=c.id, comment_digest=c.digest(), platform="facebook",
                    account_id=account, action=action, reason_code="other",  # type: ignore[arg-type]
                    decided_by="mod1", decided_at=at or ts(10), appeal_id=appeal)


def action(aid: str, cid: str, kind: str = "hide", status: str = "done", *,
           account: str = "page:city", at: datetime | None = None) -> Action:
    return Action(action_id=aid, comment_id=f"facebook:{cid}", platform="facebook",
                  account_id=account, kind=kind, requested_by="verdict:hide",  # type: ignore[arg-type]
                  status=status, at=at or ts(20))  # type: ignore[arg-type]


def reply(rid: str, parent: str, *, account: str = "page:city", created: datetime | None = None,
          thread: str | None = None) -> Comment:
    return comment(rid, "we are on it", account, received=created or ts(5),
                   parent=f"facebook:{parent}", thread=thread, created=created or ts(5))


def deadletter(offset: int, reason: str = "invalid_json", raw: bytes = b"{nope",
               at: datetime | None = None) -> DeadLetter:
    letter = DeadLetter.of(raw, reason, "bad", "worker", "comments.incoming", 65536,
                           partition=0, offset=offset)
    return letter.model_copy(update={"failed_at": at or ts(3)})
