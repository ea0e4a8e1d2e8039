"""The ``actuator`` settings section: which agency accounts it acts on, with which token, live
or dry-run, through which API base URL, and within which limits.

Every account is **dry-run** until ``live: true``: the actuator then records what it would have
done (status ``dry_run`` on ``moderation.actions``) and makes no write call. Tokens are given
as ``{env: VAR}`` or ``{file: PATH}``, never in the file, and never logged.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from civicmod.contract.gateway_settings import SecretRef, Section

ActuatedPlatform = Literal["facebook", "instagram", "x", "youtube"]


class AccountActuation(Section):
    """One agency account (its id as on the comments, e.g. ``fb:1234567890``)."""

    platform: ActuatedPlatform
    #: The platform-side id of the account: Facebook page id, X user id, YouTube channel id.
    owner_id: str | None = None
    token: SecretRef | None = None
    #: False (the default): record what would be done, call nothing that writes.
    live: bool = False
    #: Deletion is irreversible and, after an FOI request, can be unlawful: only a lead's (or
    #: an admin's) explicit delete decision is carried out, and only where this is true.
    allow_delete: bool = False


class LimitRule(Section):
    """At most ``calls`` per ``per_s`` seconds per account on one endpoint."""

    calls: Annotated[int, Field(ge=1)]
    per_s: Annotated[float, Field(gt=0)]


def _default_limits() -> dict[str, LimitRule]:
    # the documented limits (../shared/notes/platform-actions.md); Graph publishes none per call
    # family, so a cautious default per page, and the usage headers slow it further
    return {
        "x.hide_replies": LimitRule(calls=50, per_s=900),
        "facebook.comments": LimitRule(calls=600, per_s=3600),
        "instagram.comments": LimitRule(calls=600, per_s=3600),
    }


class ActuatorSettings(Section):
    #: Kafka consumer group.
    group_id: str = "civicmod-actuator"
    accounts: dict[str, AccountActuation] = Field(default_factory=dict)
    #: API base URLs by platform (tests point them at local servers).
    base_urls: dict[ActuatedPlatform, str] = Field(default_factory=lambda: {
        "facebook": "https://graph.facebook.com/v21.0",
        "instagram": "https://graph.facebook.com/v21.0",
        "x": "https://api.x.com",
        "youtube": "https://www.googleapis.com/youtube/v3",
    })
    #: ``<platform>.<endpoint>`` → limit per account.
    limits: dict[str, LimitRule] = Field(default_factory=_default_limits)
    #: YouTube Data API units per Pacific day for the Google project (shared with the poller).
    youtube_daily_quota_units: Annotated[int, Field(ge=0)] = 10_000
    #: A transient failure is retried this many times (backoff with jitter), then recorded.
    max_attempts: Annotated[int, Field(ge=1, le=100)] = 8
    #: An account whose token failed is tried again after this long (or when the token changes).
    auth_retry_s: Annotated[float, Field(gt=0)] = 300
    #: Groups in flight per account: YouTube, one call of up to 50 comments each; the others, up
    #: to 16 comments each, their calls made concurrently.
    concurrency: Annotated[int, Field(ge=1, le=64)] = 2
    #: Port of /health and /metrics.
    port: Annotated[int, Field(ge=1, le=65535)] = 8095
    host: str = "127.0.0.1"
