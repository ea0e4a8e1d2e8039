"""What every platform client takes and answers: one shape, so the actuator's loop, its limits
and its ledger never depend on a platform's own words.

A client turns an action on comments into the platform's HTTP call and its answer into a
:class:`Result` per comment. It never sleeps, retries or logs a token: the actuator decides
what to do with ``retry`` / ``rate_limited`` / ``auth_failed``, and the limiter reads ``limits``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

#: What the actuator asks a platform to do to a comment. ``hide`` is reversible everywhere;
#: ``delete`` is not (YouTube: ``rejected``); ``restrict_author`` bans the author where the
#: platform allows it.
Kind = Literal["hide", "unhide", "delete", "restrict_author"]

#: ``done``: the platform did it (or it already was so). ``gone``: the comment no longer exists
#: (Graph code 100, YouTube commentNotFound, X 404): nothing left to do. ``retry``: transient
#: (Graph 1/2, HTTP 5xx, a connection error): try again with backoff. ``rate_limited``: wait
#: ``retry_after_s`` (or until the limiter allows). ``auth_failed``: the token expired or lacks
#: the permission (Graph 190, 10, 200-299; HTTP 401/403 not quota): the account's actions wait
#: for a new token. ``failed``: refused for good (``code`` says why). ``unsupported``: the
#: platform has no such call (e.g. X cannot delete someone else's reply).
Status = Literal["done", "gone", "retry", "rate_limited", "auth_failed", "failed", "unsupported"]


@dataclass(frozen=True)
class Target:
    """One comment on one agency account. ``native_id``: the platform's own id (the part of
    civicmod's ``comment_id`` after ``<platform>:``); ``author_id``: the platform's author id
    (for ``restrict_author``); ``owner_id``: the platform-side id of the account (Facebook page
    id, X user id, YouTube channel id)."""

    comment_id: str
    platform: str
    account_id: str
    native_id: str
    author_id: str | None = None
    owner_id: str | None = None


@dataclass(frozen=True)
class LimitInfo:
    """What the platform's answer said about its limits (any field may be unknown).
    ``remaining``/``limit``: calls left in the window; ``reset_at``: epoch seconds when it
    refills (X ``x-rate-limit-reset``); ``pause_s``: stop calling this account for that long
    (Meta ``estimated_time_to_regain_access`` minutes × 60, or usage ≥ 100 %); ``usage_pct``:
    the highest percentage in Meta's ``X-Business-Use-Case-Usage`` / ``X-App-Usage``."""

    remaining: int | None = None
    limit: int | None = None
    reset_at: float | None = None
    pause_s: float | None = None
    usage_pct: float | None = None


@dataclass(frozen=True)
class Result:
    status: Status
    #: The platform's error code as text ("190", "88", "quotaExceeded", "http_503").
    code: str | None = None
    #: The platform's message, cut to 300 characters; never contains the token.
    message: str | None = None
    retry_after_s: float | None = None
    limits: LimitInfo | None = None
    #: Quota units this call cost (YouTube: 50 a call, failed calls included).
    units: int = 0


@dataclass(frozen=True)
class Endpoint:
    """A limit bucket's name: the same platform call family shares one (X ``hide_replies``,
    Graph ``comments``, YouTube ``set_moderation_status``)."""

    platform: str
    name: str


class PlatformClient(Protocol):
    platform: str
    #: How many comments one call may carry (YouTube 50; others 1).
    batch_size: int

    def endpoint(self, kind: Kind) -> Endpoint: ...

    def supports(self, kind: Kind) -> bool: ...

    async def act(self, kind: Kind, targets: list[Target], token: str) -> list[Result]:
        """Carry out ``kind`` on ``targets`` (at most ``batch_size``, all of one account): one
        result per target, in order. Never raises for an HTTP or network failure (that is a
        ``retry`` result); raises ValueError for a call the client cannot make."""
        ...

    async def is_hidden(self, target: Target, token: str) -> bool | None:
        """Is the comment hidden now? None when the platform cannot say (or the call failed).
        Used after a restart, before repeating a call whose answer was never recorded."""
        ...

    async def close(self) -> None: ...

