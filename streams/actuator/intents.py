"""What the records ask of the platforms: each verdict or decision becomes at most one
:class:`Intent` (what the comment should be: hidden, visible or deleted; and, for a ban, the
author restricted). Pure: no Kafka, no HTTP.

- ``moderation.auto_hidden`` → hidden (``verdict:hide``).
- ``moderation.escalations`` with ``hold: true`` → hidden until a person decides
  (``verdict:escalate-hold``); without hold → nothing (the comment stays up while it waits).
- ``moderation.decisions``: publish → visible; hide and hold → hidden; delete → deleted, only when
  a lead or an admin decided it (anyone else's is refused: :data:`DELETE_ROLES`);
  restrict_author → hidden and the author restricted; escalate and note → nothing.

Each intent carries the time it was asked for (the verdict's or decision's ``decided_at``): the
ledger applies a comment's intents newest-wins, so a verdict read after the moderator's decision
on the same comment (the topics are read in parallel) changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from civicmod.contract.records import Decision, Verdict

Want = Literal["hidden", "visible", "deleted"]
#: Roles whose delete decisions are carried out (the console only lets these delete, too).
DELETE_ROLES = frozenset({"lead", "admin"})


@dataclass(frozen=True)
class Intent:
    comment_id: str
    platform: str
    account_id: str
    want: Want
    #: Epoch seconds: when it was asked for (newest wins per comment).
    at: float
    #: ``verdict:hide``, ``verdict:escalate-hold`` or the decision id.
    requested_by: str
    author_id: str | None = None
    #: Restrict (ban) the author as well.
    restrict_author: bool = False
    #: The reason a decision was not carried out (a delete by a moderator): recorded, not done.
    refused: str | None = None

    @property
    def native_id(self) -> str:
        """The platform's own id of the comment (civicmod's id after ``<platform>:``)."""
        return self.comment_id.split(":", 1)[1]


def _ts(value: datetime) -> float:
    return value.timestamp()


def from_verdict(v: Verdict) -> Intent | None:
    """An auto-hidden comment, or an escalation held until decided; else None."""
    c = v.comment
    if v.outcome == "hide":
        by = "verdict:hide"
    elif v.outcome == "escalate" and v.escalation is not None and v.escalation.hold:
        by = "verdict:escalate-hold"
    else:
        return None
    return Intent(c.id, c.platform, c.account_id, "hidden", _ts(v.decided_at), by,
                  author_id=c.author.id)


def from_decision(d: Decision) -> Intent | None:
    """A moderator's decision that changes the comment on its platform; else None."""
    base = {"comment_id": d.comment_id, "platform": d.platform, "account_id": d.account_id,
            "at": _ts(d.decided_at), "requested_by": d.decision_id, "author_id": d.author_id}
    if d.action == "publish":
        return Intent(want="visible", **base)  # type: ignore[arg-type]
    if d.action in ("hide", "hold"):
        return Intent(want="hidden", **base)  # type: ignore[arg-type]
    if d.action == "restrict_author":
        return Intent(want="hidden", restrict_author=True, **base)  # type: ignore[arg-type]
    if d.action == "delete":
        if d.role not in DELETE_ROLES:
            return Intent(want="hidden", refused=f"delete decided by a {d.role or 'user'}, not a lead: "
                          "hidden instead", **base)  # type: ignore[arg-type]
        return Intent(want="deleted", **base)  # type: ignore[arg-type]
    return None
