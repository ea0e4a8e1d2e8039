"""Carries out ledger entries on their platform: one call for a batch of entries of one account
and one kind, the platform's answer turned into each entry's next state, an
``Action`` record and an audit event. Never sleeps: waits are the scheduler's (``not_before``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from civicmod.contract.actuator_settings import AccountActuation, ActuatorSettings
from civicmod.contract.records import Action
from streams.actuator.ledger import Entry
from streams.actuator.limits import Limiter, backoff_s
from streams.actuator.platforms.base import Kind, PlatformClient, Result, Target
from streams.actuator.tokens import TokenMissing, read_token

log = logging.getLogger("civicmod.actuator")
#: What each wanted state leaves the comment as once done.
RESULT_STATE = {"hide": "hidden", "unhide": "visible", "delete": "deleted"}


@dataclass
class Step:
    """What one pass over a batch produced: the entries' new states (to write to the ledger),
    the Action records and audit events to publish, and whether a call was made."""

    entries: list[Entry] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    audit: list[dict[str, Any]] = field(default_factory=list)
    called: bool = False


class Executor:
    def __init__(self, settings: ActuatorSettings, clients: dict[str, PlatformClient], limiter: Limiter,
                 clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self.clients = clients
        self.limiter = limiter
        self.clock = clock
        #: Accounts whose token failed: account id → (error code, message), until a call works.
        self.failing: dict[str, tuple[str, str]] = {}

    # -- what a batch needs ------------------------------------------------------------------------
    def plan(self, entry: Entry) -> Step | None:
        """Settle an entry without a platform call where none is needed or allowed: the account is
        not configured, not live (dry run), deletion is not allowed there, or the platform has no
        such call. None: it needs a call."""
        account = self.settings.accounts.get(entry.account_id)
        if account is None:
            return self.finish(entry, "skipped", "not_configured",
                                f"account {entry.account_id} is not in actuator.accounts")
        if entry.want == "deleted" and not account.allow_delete:
            entry.want = "hidden"
            entry.notes.append("deletion is not allowed on this account "
                               "(actuator.accounts.*.allow_delete): hidden instead")
        client = self.clients.get(entry.platform)
        kind = entry.kind
        if client is None or not client.supports(kind):  # type: ignore[arg-type]
            return self.finish(entry, "skipped", "unsupported",
                                f"{entry.platform} has no {kind} call for another's comment")
        if not account.live:
            return self.finish(entry, "dry_run", None, f"dry run: would {kind} on {entry.platform}")
        return None

    def target(self, entry: Entry) -> Target:
        account = self.settings.accounts.get(entry.account_id)
        return Target(comment_id=entry.comment_id, platform=entry.platform,
                      account_id=entry.account_id, native_id=entry.native_id,
                      author_id=entry.author_id, owner_id=account.owner_id if account else None)

    async def confirm(self, entry: Entry) -> bool:
        """After a restart, an entry that was being carried out: is the platform already as
        wanted? (Graph can say; the others cannot, and are called again: idempotent.)"""
        if entry.attempts == 0 or entry.kind not in ("hide", "unhide"):
            return False
        account = self.settings.accounts[entry.account_id]
        client = self.clients[entry.platform]
        try:
            hidden = await client.is_hidden(self.target(entry), read_token(account.token, entry.account_id))
        except TokenMissing:
            return False
        return hidden is not None and hidden == (entry.want == "hidden")

    # -- one call --------------------------------------------------------------------------------
    async def call(self, kind: Kind, entries: list[Entry]) -> Step:
        """Carry out ``kind`` on ``entries`` (one account, one call, limiter already passed)."""
        step = Step()
        account: AccountActuation = self.settings.accounts[entries[0].account_id]
        client = self.clients[entries[0].platform]
        try:
            token = read_token(account.token, entries[0].account_id)
        except TokenMissing as exc:
            for e in entries:
                self._auth_failed(e, "no_token", str(exc), step)
            return step
        results = await client.act(kind, [self.target(e) for e in entries], token)
        step.called = True
        for e, r in zip(entries, results, strict=True):
            self._result(kind, e, r, step)
        return step

    def _result(self, kind: Kind, e: Entry, r: Result, step: Step) -> None:
        endpoint = self.clients[e.platform].endpoint(kind)
        self.limiter.observe(endpoint, e.account_id, r.limits, rate_limited=r.status == "rate_limited",
                             retry_after_s=r.retry_after_s)
        now = self.clock()
        if r.status in ("done", "gone"):
            self.failing.pop(e.account_id, None)
            if kind == "restrict_author":
                e.restricted = True
            else:
                e.done = RESULT_STATE[kind]  # type: ignore[assignment]
            if r.status == "gone":
                e.notes.append("the comment no longer exists on the platform")
            if e.restrict_author and not e.restricted and kind != "restrict_author":
                e.status, e.attempts, e.not_before = "pending", 0, now  # the ban is next
                step.entries.append(e)
                step.actions.append(self._action(e, kind, "done", r.code, None))
                return
            self.finish(e, "done", r.code if r.status == "gone" else None,
                         "already gone" if r.status == "gone" else None, step, kind)
        elif r.status == "retry":
            if e.attempts >= self.settings.max_attempts:
                self.finish(e, "failed", r.code, f"gave up after {e.attempts} attempts: {r.message}",
                             step, kind)
            else:
                e.status, e.not_before = "pending", now + backoff_s(e.attempts, base=1.0, cap=300.0)
                e.error_code, e.error = r.code, r.message
                step.entries.append(e)
        elif r.status == "rate_limited":
            e.status, e.not_before = "pending", now + max(1.0, r.retry_after_s or 5.0)
            e.attempts = max(0, e.attempts - 1)  # a limit is not the comment's failure
            e.error_code, e.error = r.code, r.message
            step.entries.append(e)
        elif r.status == "auth_failed":
            self._auth_failed(e, r.code or "auth", r.message or "token refused", step)
        elif r.status == "unsupported":
            self.finish(e, "skipped", "unsupported", r.message, step, kind)
        else:
            self.finish(e, "failed", r.code, r.message, step, kind)

    def _auth_failed(self, e: Entry, code: str, message: str, step: Step) -> None:
        """The token failed: the account's actions wait (nothing lost), tried again later."""
        first = e.account_id not in self.failing
        self.failing[e.account_id] = (code, message)
        e.status, e.error_code, e.error = "waiting", code, message
        e.attempts = max(0, e.attempts - 1)
        e.not_before = self.clock() + self.settings.auth_retry_s
        step.entries.append(e)
        step.actions.append(self._action(e, e.kind, "failed", code, message))  # type: ignore[arg-type]
        if first:
            log.error("account token refused: its actions wait", extra={
                "account_id": e.account_id, "platform": e.platform, "code": code})
            step.audit.append({"type": "actuator.account_failing", "account_id": e.account_id,
                               "platform": e.platform, "code": code, "error": message[:300]})

    def finish(self, e: Entry, status: str, code: str | None, message: str | None,
                step: Step | None = None, kind: str | None = None) -> Step:
        step = step if step is not None else Step()
        e.status, e.error_code, e.error, e.not_before = status, code, message, 0.0  # type: ignore[assignment]
        step.entries.append(e)
        action_status = {"done": "done", "dry_run": "dry_run", "skipped": "skipped"}.get(status, "failed")
        step.actions.append(self._action(e, kind or e.kind, action_status, code, message))  # type: ignore[arg-type]
        step.audit.append({"type": f"actuator.{status}", "comment_id": e.comment_id,
                           "account_id": e.account_id, "platform": e.platform, "kind": kind or e.kind,
                           "action_id": e.action_id, "requested_by": e.requested_by,
                           "code": code, "notes": e.notes[-3:]})
        return step

    def _action(self, e: Entry, kind: str, status: str, code: str | None, message: str | None) -> Action:
        return Action(action_id=e.action_id if kind != "restrict_author" else f"{e.action_id}-ban",
                      comment_id=e.comment_id, platform=e.platform,  # type: ignore[arg-type]
                      account_id=e.account_id, kind=kind,  # type: ignore[arg-type]
                      requested_by=e.requested_by, status=status,  # type: ignore[arg-type]
                      attempts=max(e.attempts, 1 if status != "dry_run" else 0), error_code=code,
                      error=(message or None) and message[:500], at=datetime.fromtimestamp(self.clock(), UTC))
