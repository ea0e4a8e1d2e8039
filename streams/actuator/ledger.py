"""The action ledger: per comment, what it should be on its platform (``want``), what was last
carried out (``done``) and how the last attempt went. Kept in the compacted
``actuator.ledger`` topic (key: comment id), read in full at start and followed.

Exactly-once effect comes from three rules:

1. **Newest wins, once.** An intent changes an entry only if it was asked for later than the
   entry's current one (``at``): a redelivered verdict or decision, or a verdict read after the
   moderator's decision on the same comment, changes nothing. A deleted comment stays deleted.
2. **Written before the call.** An entry is written with ``attempts + 1`` before its platform
   call, and with the outcome after. Found after a restart with attempts and no outcome, the
   call may or may not have reached the platform: where the platform can say (Graph reads
   ``is_hidden``), the actuator asks before calling again; elsewhere it calls again, which the
   platforms treat as a no-op (hide and unhide are idempotent; a second delete is "already
   gone").
3. **One owner per comment.** Replicas share the input topics' partitions (co-partitioned by
   comment id); each carries out only the entries of the partitions it holds.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from streams.actuator.intents import Intent, Want

#: ``pending``: to do (or being done); ``waiting``: the account's token failed, tried again
#: later; ``done``: the platform is as wanted; ``dry_run``: the account is not live, recorded
#: only; ``failed``: refused for good (``error_code``); ``skipped``: nothing to do there (the
#: platform has no such call, the account is not configured, deletion is not allowed).
Status = Literal["pending", "waiting", "done", "dry_run", "failed", "skipped"]
OPEN: frozenset[str] = frozenset({"pending", "waiting"})


def action_id(comment_id: str, want: str, requested_by: str) -> str:
    """Stable id of one wanted change (the same after a restart): the key consumers dedupe by."""
    return hashlib.sha256(f"{comment_id}|{want}|{requested_by}".encode()).hexdigest()[:24]


@dataclass
class Entry:
    comment_id: str
    platform: str
    account_id: str
    want: Want
    at: float
    requested_by: str
    action_id: str
    author_id: str | None = None
    restrict_author: bool = False
    #: What the platform was last made to be by us (None: nothing yet).
    done: Want | None = None
    restricted: bool = False
    status: Status = "pending"
    attempts: int = 0
    error_code: str | None = None
    error: str | None = None
    #: Epoch seconds before which the entry is not tried again (backoff, limits, token).
    not_before: float = 0.0
    notes: list[str] = field(default_factory=list)
    #: Bumped on every write: a record read back from the topic older than what this process
    #: already holds is ignored (our own writes come back after later ones were made).
    rev: int = 0

    @property
    def kind(self) -> str:
        """The platform call this entry needs now."""
        if self.want == "deleted":
            return "delete"
        if self.want == "visible":
            return "unhide"
        if self.done == "hidden" and self.restrict_author and not self.restricted:
            return "restrict_author"
        return "hide"

    @property
    def open(self) -> bool:
        return self.status in OPEN

    @property
    def native_id(self) -> str:
        return self.comment_id.split(":", 1)[1]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Entry:
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        return cls(**known)


def apply(current: Entry | None, intent: Intent) -> Entry | None:
    """The entry after ``intent``, or None when it changes nothing (older, a repeat, or the
    comment is already deleted)."""
    if current is not None:
        if current.done == "deleted" or (current.want == "deleted" and current.status == "done"):
            return None
        if intent.at <= current.at:
            return None
    entry = Entry(comment_id=intent.comment_id, platform=intent.platform,
                  account_id=intent.account_id, want=intent.want, at=intent.at,
                  requested_by=intent.requested_by,
                  action_id=action_id(intent.comment_id, intent.want, intent.requested_by),
                  author_id=intent.author_id or (current.author_id if current else None),
                  restrict_author=intent.restrict_author,
                  done=current.done if current else None,
                  restricted=current.restricted if current else False,
                  rev=current.rev if current else 0)  # the write bumps it
    if intent.refused:
        entry.notes.append(intent.refused)
    if entry.done == entry.want and not (entry.restrict_author and not entry.restricted):
        entry.status = "done"  # already so on the platform (e.g. hidden, then held)
    elif entry.want == "visible" and entry.done is None and not entry.restrict_author:
        entry.status = "done"  # published, never hidden by us: the platform shows it already
    return entry
