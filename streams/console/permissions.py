"""Who may do what, where: roles granted per organisation or per account, checked on the server
for every request (UI and API alike).

Roles: ``viewer`` < ``moderator`` < ``lead`` < ``admin`` (each may do what the ones before it
may), and ``auditor`` beside them (the FOI / records officer: reads the audit trail, exports it,
places legal holds, and works the ``foi`` queue), and ``comms`` (the communications staff: they
work the "needs a reply" queue and see the ops page, not the moderation queues). A grant's scope
is everything (no organisation and no account), one organisation, or one account; an account
inherits its organisation's grants.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import or_

Role = Literal["viewer", "moderator", "lead", "admin", "auditor", "comms"]
ROLES: tuple[Role, ...] = ("viewer", "moderator", "lead", "admin", "auditor", "comms")
RANK: dict[str, int] = {"viewer": 1, "moderator": 2, "lead": 3, "admin": 4}

#: Every action the server checks, and the least role that may do it (``auditor``: the auditor
#: role or admin may; legal holds also leads). Actions on a queue with ``decide_roles`` also need
#: one of those.
Action = Literal[
    "view", "claim", "decide", "decide_delete", "restrict_author", "bulk_decide", "undo_any",
    "appeal_create", "appeal_decide", "legal_hold", "audit_read", "export", "manage_users",
    "reply_view", "reply_close", "ops_view",
]
ACTIONS: dict[str, str] = {
    "view": "viewer",
    "claim": "moderator",
    "decide": "moderator",
    "decide_delete": "lead",
    "restrict_author": "lead",
    "bulk_decide": "lead",
    "undo_any": "lead",
    "appeal_create": "moderator",
    "appeal_decide": "moderator",
    "legal_hold": "auditor",
    "audit_read": "auditor",
    "export": "auditor",
    "manage_users": "admin",
    # the "needs a reply" queue and the ops page: see :data:`REPLY_ROLES`, :data:`OPS_ROLES`
    "reply_view": "comms",
    "reply_close": "comms",
    "ops_view": "ops",
}
#: Who works the "needs a reply" queue (see it, mark an item "no reply needed").
REPLY_ROLES = {"comms", "lead", "admin"}
#: Who sees the ops page: every role (at the scope it holds).
OPS_ROLES = set(ROLES)
#: Roles that see moderation items (``comms`` does not).
ITEM_ROLES = {"viewer", "moderator", "lead", "admin", "auditor"}
#: What the auditor role may do in a queue open to auditors (``foi``), besides its own actions.
AUDITOR_ALSO = {"view", "claim", "decide"}
#: Actions limited by a queue's ``decide_roles``.
QUEUE_BOUND = {"claim", "decide", "decide_delete", "restrict_author", "appeal_decide"}


@dataclass(frozen=True)
class Scope:
    """Where an action applies: an organisation and optionally one of its accounts (both None:
    everything, for actions such as a global export)."""

    organisation: str | None = None
    account_id: str | None = None


@dataclass(frozen=True)
class GrantSpec:
    role: str
    organisation: str | None = None
    account_id: str | None = None

    def covers(self, scope: Scope) -> bool:
        if self.organisation is None and self.account_id is None:
            return True  # a global grant
        if self.account_id is not None:
            return scope.account_id == self.account_id
        return scope.organisation == self.organisation


@dataclass(frozen=True)
class Principal:
    """The authenticated user (or API token's user) and their grants."""

    user_id: int
    username: str
    grants: tuple[GrantSpec, ...] = field(default_factory=tuple)
    via_token: bool = False

    def roles_at(self, scope: Scope) -> set[str]:
        return {g.role for g in self.grants if g.covers(scope)}

    def best_role(self, scope: Scope) -> str | None:
        """The highest ranked moderation role here (or ``auditor`` when that is all)."""
        roles = self.roles_at(scope)
        ranked = [r for r in roles if r in RANK]
        if ranked:
            return max(ranked, key=RANK.__getitem__)
        return "auditor" if "auditor" in roles else None

    def can(self, action: str, scope: Scope, queue_roles: list[str] | None = None) -> bool:
        """May this principal do ``action`` at ``scope`` (in a queue open only to ``queue_roles``)?"""
        need = ACTIONS[action]
        roles = self.roles_at(scope)
        if need == "comms":
            return bool(roles & REPLY_ROLES)
        if need == "ops":
            return bool(roles & OPS_ROLES)
        if "admin" in roles:
            return True
        rank = _rank(roles)
        if action == "view" and "auditor" in roles:
            return True  # records officers read everything in their scope
        if need == "auditor":
            return "auditor" in roles or (action == "legal_hold" and rank >= RANK["lead"])
        in_queue = queue_roles is None or action not in QUEUE_BOUND
        if not in_queue and queue_roles is not None:
            floor = min((RANK[r] for r in queue_roles if r in RANK), default=99)
            in_queue = bool(roles & set(queue_roles)) or rank >= floor
        auditor_here = ("auditor" in roles and action in AUDITOR_ALSO and queue_roles is not None
                        and "auditor" in queue_roles)
        allowed = (rank >= RANK[need] or auditor_here) and in_queue
        return allowed

    def scopes(self) -> list[GrantSpec]:
        return list(self.grants)

    def sees_everything(self, roles: set[str] | None = None) -> bool:
        """Holds a grant on everything (of one of ``roles``; None: the roles that see items)."""
        roles = ITEM_ROLES if roles is None else roles
        return any(g.organisation is None and g.account_id is None and g.role in roles
                   for g in self.grants)

    def where(self, roles: set[str]) -> tuple[bool, list[str], list[str]]:
        """Where grants of ``roles`` reach: (everything?, organisations, accounts)."""
        mine = [g for g in self.grants if g.role in roles]
        return (any(g.organisation is None and g.account_id is None for g in mine),
                [g.organisation for g in mine if g.organisation and not g.account_id],
                [g.account_id for g in mine if g.account_id])


def _rank(roles: set[str]) -> int:
    return max((RANK[r] for r in roles if r in RANK), default=0)


class Forbidden(Exception):
    """The principal may not do this here (→ 403)."""

    def __init__(self, action: str, scope: Scope) -> None:
        where = scope.account_id or scope.organisation or "everywhere"
        super().__init__(f"not allowed: {action} on {where}")
        self.action = action
        self.scope = scope


def scope_filter(principal: Principal, roles: set[str], organisation: Any, account: Any) -> Any:
    """A SQL condition on a table's ``organisation`` and ``account`` columns: the rows this
    principal's grants of ``roles`` reach."""
    everything, orgs, accounts = principal.where(roles)
    if everything:
        return True
    conds = []
    if orgs:
        conds.append(organisation.in_(orgs))
    if accounts:
        conds.append(account.in_(accounts))
    return or_(*conds) if conds else False
