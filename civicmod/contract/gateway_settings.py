"""The ``gateway`` settings section: webhook endpoints, agency accounts and secret references.

Secrets never appear in the settings file: each one is a reference, ``{env: VAR}`` or
``{file: /path}``, resolved when the gateway starts (``streams.gateway.accounts``). A literal
string where a secret is expected is rejected, and the error message never repeats the value.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

#: Source names in ``/webhooks/generic/{source}``.
SOURCE_NAME = r"^[a-z0-9][a-z0-9_-]{0,63}$"


class Section(BaseModel):
    """A settings section: unknown keys are mistakes (reported with file and line)."""

    model_config = ConfigDict(extra="forbid")


class SecretRef(Section):
    """Where a secret lives: an environment variable or a file, never the settings file."""

    env: Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")] | None = None
    file: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _no_literals(cls, data: Any) -> Any:
        if isinstance(data, str | bytes | int | float):
            # Do not echo the value: it may be the secret itself.
            raise ValueError("literal secrets are not allowed: write {env: VAR_NAME} or {file: PATH}")
        return data

    @model_validator(mode="after")
    def _exactly_one(self) -> SecretRef:
        if (self.env is None) == (self.file is None):
            raise ValueError("give exactly one of env or file")
        return self

    def describe(self) -> str:
        """Where the secret comes from, for messages (never its value)."""
        return f"${self.env}" if self.env else f"file {self.file}"


#: platform-side id (page id, user id, channel id) → the agency account id used in Comments.
Accounts = dict[str, Annotated[str, Field(min_length=1)]]


class MetaSettings(Section):
    """Facebook Pages or Instagram (Meta Graph webhooks)."""

    #: The app secret(s) that sign ``X-Hub-Signature-256``; several for rotation or several apps.
    app_secrets: list[SecretRef] = Field(default_factory=list)
    #: The token you typed in the app dashboard; Meta echoes it in the subscription check.
    verify_token: SecretRef | None = None
    #: Page id (facebook) / Instagram professional account id (instagram) → agency account.
    accounts: Accounts = Field(default_factory=dict)
    #: Comments written by the account itself (the agency's own replies) are not moderated: they go
    #: to ``comments.agency_replies``, where they close the questions they answer. ``false``:
    #: moderate them like any comment.
    skip_own_comments: bool = True


class XSettings(Section):
    """X (Twitter) Account Activity API webhooks."""

    #: The app's consumer secret(s): CRC answers and ``x-twitter-webhooks-signature``.
    consumer_secrets: list[SecretRef] = Field(default_factory=list)
    #: Subscribed user id (``for_user_id``) → agency account.
    accounts: Accounts = Field(default_factory=dict)


class YouTubeSettings(Section):
    """The commentThreads.list poller (YouTube has no push for comments)."""

    enabled: bool = False
    api_base_url: str = "https://www.googleapis.com/youtube/v3"
    #: An API key (public comments) and/or an OAuth access token (the channel owner's: needed
    #: for the heldForReview / likelySpam statuses).
    api_key: SecretRef | None = None
    oauth_token: SecretRef | None = None
    #: Channel id → agency account.
    channels: Accounts = Field(default_factory=dict)
    poll_interval_s: Annotated[float, Field(gt=0)] = 60.0
    #: Units this poller may spend per day (YouTube resets the project's quota at midnight
    #: Pacific time; the default project quota is 10,000 units shared by every caller).
    daily_quota_units: Annotated[int, Field(ge=1)] = 10_000
    #: Cost of one list call (commentThreads.list and comments.list: 1 unit per the quota table).
    units_per_call: Annotated[int, Field(ge=1)] = 1
    page_size: Annotated[int, Field(ge=1, le=100)] = 100
    max_pages_per_poll: Annotated[int, Field(ge=1)] = 10
    moderation_statuses: list[Literal["published", "heldForReview", "likelySpam"]] = Field(
        default_factory=lambda: ["published"], min_length=1)
    #: Page through comments.list when a thread has more replies than commentThreads includes.
    fetch_all_replies: bool = True
    #: First poll of a channel (no cursor yet): how far back to read.
    initial_backfill_s: Annotated[float, Field(ge=0)] = 24 * 3600.0
    #: Re-read this far behind the cursor (late-indexed comments); repeats are deduplicated.
    overlap_s: Annotated[float, Field(ge=0)] = 300.0
    request_timeout_s: Annotated[float, Field(gt=0)] = 10.0
    max_backoff_s: Annotated[float, Field(gt=0)] = 900.0


class GenericSource(Section):
    """One Standard Webhooks sender (a website comment form, a CMS, another tool)."""

    account_id: Annotated[str, Field(min_length=1)]
    #: Signing secrets (``whsec_<base64>``); several during a rotation.
    secrets: list[SecretRef] = Field(min_length=1)


class GenericSettings(Section):
    #: Source name (the ``{source}`` in the URL) → its account and secrets.
    sources: dict[Annotated[str, Field(pattern=SOURCE_NAME)], GenericSource] = Field(
        default_factory=dict)
    #: Accepted clock difference for ``webhook-timestamp``.
    tolerance_s: Annotated[float, Field(gt=0, le=3600)] = 300.0


class GatewaySettings(Section):
    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=0, le=65535)] = 8080
    #: Larger request bodies get 413 (Meta batches up to 1,000 updates per request).
    max_body_bytes: Annotated[int, Field(ge=1024, le=64 * 1024 * 1024)] = 1024 * 1024
    #: Redeliveries of the same comment version within this window are dropped. Meta retries
    #: for 36 h; the gateway.dedupe topic keeps records for 7 days, so at most that.
    dedupe_window_s: Annotated[float, Field(ge=60, le=7 * 24 * 3600)] = 3 * 24 * 3600.0
    #: A write not acknowledged (acks=all) within this time is answered 503.
    producer_timeout_s: Annotated[float, Field(gt=0, le=120)] = 5.0
    #: A request body must have arrived completely this many seconds after its head, else the
    #: request is answered 408 and the connection closed (stalled or trickled uploads).
    body_timeout_s: Annotated[float, Field(gt=0, le=600)] = 10.0
    #: A connection must deliver a complete request head (request line + headers) within this
    #: many seconds of opening, or of the first byte of its next request; else it is closed
    #: without an answer (slow-header clients). Idle keep-alive connections are not affected.
    header_timeout_s: Annotated[float, Field(gt=0, le=600)] = 10.0
    #: Bodies larger than this are decoded and normalized in a worker thread instead of on the
    #: event loop, so that every other webhook in flight is not held up for the whole of it (an
    #: 800 KB Facebook batch takes ~57 ms, a hostile 1 MB body of empty arrays ~240 ms).
    thread_decode_bytes: Annotated[int, Field(ge=0)] = 64 * 1024
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    facebook: MetaSettings = Field(default_factory=MetaSettings)
    instagram: MetaSettings = Field(default_factory=MetaSettings)
    x: XSettings = Field(default_factory=XSettings)
    youtube: YouTubeSettings = Field(default_factory=YouTubeSettings)
    generic: GenericSettings = Field(default_factory=GenericSettings)
