"""What the aggregator keeps of each input record (a *fact*), its identity (what a redelivery
repeats) and the time that places it in windows. Pure: no Kafka.

Identities: a verdict by comment version (``version_key``: id + text digest), a decision by
``decision_id``, an action by ``action_id`` and status (a failed attempt and the later success of
one action are two facts), an agency reply by its comment id, a dead letter by the position of
the message it stands for (stage, source topic, partition, offset), else by its raw bytes' hash.

Placement: a verdict by when its comment reached civicmod (``received_at``, else ``created_at``,
else the Kafka timestamp), so a replayed verdict lands in the same window; a reply likewise; a
dead letter by ``failed_at``. Decisions and actions are placed with their comment (see
``streams.metrics.tally``), or by their own time when its verdict is unknown.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime

from civicmod.contract.records import (
    NEEDS_REPLY_TAGS,
    Action,
    Comment,
    DeadLetter,
    Decision,
    Verdict,
    version_key,
)
from streams.metrics.windows import epoch

#: Decisions that settle what the comment is (the others: hold, escalate, note, restrict_author).
FINAL_ACTIONS = frozenset({"publish", "hide", "delete"})
#: Account of what belongs to no account (a dead letter whose comment could not be read).
NO_ACCOUNT = "-"


@dataclass(frozen=True)
class VerdictFact:
    key: str
    comment_id: str
    account: str
    platform: str
    #: Placement time (epoch s): received_at, else created_at, else the Kafka timestamp.
    at: float
    #: Comment received → verdict (None when received_at is unknown).
    latency_s: float | None
    decided_at: float
    outcome: str
    reason_ids: tuple[str, ...]
    #: The rules (or model labels) that decided automatically: hide reasons, and the routing
    #: rule of a held escalation (the comment was hidden until a moderator decided).
    automatic_rules: tuple[str, ...]
    held: bool
    needs_reply: bool
    #: When the citizen posted it (epoch s): the platform's ``created_at``, never after
    #: ``received_at``; first response and unanswered age count from here.
    asked_at: float = 0.0


@dataclass(frozen=True)
class DecisionFact:
    decision_id: str
    comment_id: str
    version: str
    account: str
    platform: str
    action: str
    at: float
    appeal: bool


@dataclass(frozen=True)
class ActionFact:
    key: str
    comment_id: str
    account: str
    platform: str
    kind: str
    status: str
    at: float


@dataclass(frozen=True)
class ReplyFact:
    id: str
    account: str
    platform: str
    parent_id: str | None
    thread_id: str | None
    #: Placement (received_at, else created_at, else Kafka time), and when it was written.
    at: float
    created: float


@dataclass(frozen=True)
class DeadFact:
    key: str
    account: str
    platform: str | None
    reason: str
    at: float


Fact = VerdictFact | DecisionFact | ActionFact | ReplyFact | DeadFact


def _comment_time(c: Comment, kafka_ts: float) -> float:
    when = c.received_at or c.created_at
    return epoch(when) if when is not None else kafka_ts


def _opt(dt: datetime | None) -> float | None:
    return epoch(dt) if dt is not None else None


def verdict_fact(v: Verdict, kafka_ts: float) -> VerdictFact:
    c = v.comment
    decided = epoch(v.decided_at)
    received = _opt(c.received_at)
    automatic: list[str] = []
    if v.outcome in ("hide", "escalate"):
        automatic = [r.id for r in v.reasons if r.action == "hide"]
    held = bool(v.outcome == "escalate" and v.escalation is not None and v.escalation.hold)
    if held and v.escalation is not None and v.escalation.rule:
        automatic.append(v.escalation.rule)
    return VerdictFact(
        key=version_key(c.id, c.text), comment_id=c.id, account=c.account_id,
        platform=c.platform, at=_comment_time(c, kafka_ts),
        latency_s=max(0.0, decided - received) if received is not None else None,
        decided_at=decided, outcome=v.outcome,
        reason_ids=tuple(dict.fromkeys(r.id for r in v.reasons)),
        automatic_rules=tuple(dict.fromkeys(automatic)), held=held,
        needs_reply=v.outcome != "hide" and bool(NEEDS_REPLY_TAGS.intersection(v.tags)),
        asked_at=asked_time(c, kafka_ts))


def asked_time(c: Comment, kafka_ts: float) -> float:
    """When a comment was posted: its ``created_at`` (no later than when civicmod got it: a
    platform clock ahead of ours does not shorten a response time), else when it arrived."""
    times = [epoch(t) for t in (c.created_at, c.received_at) if t is not None]
    return min(times) if times else kafka_ts


def decision_fact(d: Decision) -> DecisionFact:
    return DecisionFact(decision_id=d.decision_id, comment_id=d.comment_id,
                        version=f"{d.comment_id}#{d.comment_digest}", account=d.account_id,
                        platform=d.platform, action=d.action, at=epoch(d.decided_at),
                        appeal=d.appeal_id is not None)


def action_fact(a: Action) -> ActionFact:
    return ActionFact(key=f"{a.action_id}|{a.status}", comment_id=a.comment_id,
                      account=a.account_id, platform=a.platform, kind=a.kind, status=a.status,
                      at=epoch(a.at))


def reply_fact(c: Comment, kafka_ts: float) -> ReplyFact:
    created = c.created_at or c.received_at
    return ReplyFact(id=c.id, account=c.account_id, platform=c.platform, parent_id=c.parent_id,
                     thread_id=c.thread_id, at=_comment_time(c, kafka_ts),
                     created=epoch(created) if created is not None else kafka_ts)


def dead_fact(d: DeadLetter) -> DeadFact:
    if d.source_offset is not None:
        key = f"{d.stage}|{d.source_topic}|{d.source_partition}|{d.source_offset}"
    else:
        key = f"{d.stage}|{d.source_topic}|{d.reason}|{d.raw_sha256 or d.raw_base64[:64]}|{d.key}"
    account, platform = _owner_of_raw(d)
    return DeadFact(key=key, account=account, platform=platform, reason=d.reason,
                    at=epoch(d.failed_at))


def _owner_of_raw(d: DeadLetter) -> tuple[str, str | None]:
    """The account (and platform) named in the dead letter's raw message when it can be read
    (e.g. a comment that was too long), else ``-``."""
    if d.raw_truncated:
        return NO_ACCOUNT, None
    try:
        data = json.loads(base64.b64decode(d.raw_base64, validate=True))
    except (ValueError, TypeError):
        return NO_ACCOUNT, None
    if isinstance(data, dict) and isinstance(data.get("comment"), dict):
        data = data["comment"]  # a verdict
    account = data.get("account_id") if isinstance(data, dict) else None
    platform = data.get("platform") if isinstance(data, dict) else None
    if isinstance(account, str) and 0 < len(account) <= 200:
        known = platform if platform in ("facebook", "instagram", "x", "youtube", "generic") else None
        return account, known
    return NO_ACCOUNT, None
