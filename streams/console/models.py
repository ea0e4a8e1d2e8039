"""The console's tables (SQLAlchemy 2). The schema itself is made by the Alembic migrations in
``streams/console/migrations``; these classes must match them (a test compares the two).

Times are naive UTC (``clock.now``): SQLite keeps no time zone, and both databases then
compare them the same way.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Meta(Base):
    """Key/value facts about this database (its id: the outbox's origin tag)."""

    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    #: argon2id (``argon2-cffi``); never leaves the server.
    password_hash: Mapped[str] = mapped_column(String(255))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    #: Bumped when the user is disabled or their password changes: sessions from before are dead.
    #: (Roles are read on every request, so a role change needs no bump.)
    auth_epoch: Mapped[int] = mapped_column(Integer, default=0)


class Grant(Base):
    """A role on a scope: everything (both null), an organisation, or one account."""

    __tablename__ = "grants"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    organisation: Mapped[str | None] = mapped_column(String(64))
    account_id: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    created_by: Mapped[int | None] = mapped_column(Integer)


class Session(Base):
    __tablename__ = "sessions"
    #: sha256 of the cookie's token (the token itself is never stored).
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    auth_epoch: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    last_seen: Mapped[datetime] = mapped_column(DateTime)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class ApiToken(Base):
    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    last_used: Mapped[datetime | None] = mapped_column(DateTime)


class Item(Base):
    """One version of one comment to review (an edit is another item)."""

    __tablename__ = "items"
    __table_args__ = (
        UniqueConstraint("comment_id", "digest", name="uq_items_version"),
        Index("ix_items_queue_open", "state", "queue", "priority", "received_at"),
        Index("ix_items_author", "platform", "author_id"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    comment_id: Mapped[str] = mapped_column(String(300), index=True)
    digest: Mapped[str] = mapped_column(String(32))
    platform: Mapped[str] = mapped_column(String(16))
    account_id: Mapped[str] = mapped_column(String(200), index=True)
    organisation: Mapped[str] = mapped_column(String(64), index=True)
    #: ``escalate`` or ``hide`` (the pipeline's outcome that brought it here).
    source: Mapped[str] = mapped_column(String(16))
    queue: Mapped[str] = mapped_column(String(64))
    priority: Mapped[int] = mapped_column(Integer)
    #: Hidden on the platform while waiting (escalation with hold, or auto-hidden).
    held: Mapped[bool] = mapped_column(Boolean, default=False)
    text: Mapped[str] = mapped_column(Text)
    author_id: Mapped[str] = mapped_column(String(200))
    author_handle: Mapped[str | None] = mapped_column(String(200))
    parent_id: Mapped[str | None] = mapped_column(String(300))
    thread_id: Mapped[str | None] = mapped_column(String(300))
    url: Mapped[str | None] = mapped_column(Text)
    #: The whole verdict as it arrived (reasons, spans, scores, model, policy version).
    verdict: Mapped[dict] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(DateTime)
    ingested_at: Mapped[datetime] = mapped_column(DateTime)
    #: open → decided; or closed without a decision: removed on the platform, superseded by an edit.
    state: Mapped[str] = mapped_column(String(20), default="open")
    #: What the platform last told us: removed / hidden / unhidden (``comments.state``).
    platform_state: Mapped[str | None] = mapped_column(String(16))
    claimed_by: Mapped[int | None] = mapped_column(Integer)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime)
    decided_by: Mapped[int | None] = mapped_column(Integer)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    decision: Mapped[str | None] = mapped_column(String(20))
    last_decision_id: Mapped[str | None] = mapped_column(String(40))
    #: Open appeal on this item, if any.
    appeal_id: Mapped[int | None] = mapped_column(Integer)


class DecisionRow(Base):
    __tablename__ = "decisions"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    action: Mapped[str] = mapped_column(String(20))
    reason_code: Mapped[str] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
    user_id: Mapped[int] = mapped_column(Integer, index=True)
    role: Mapped[str] = mapped_column(String(16))
    decided_at: Mapped[datetime] = mapped_column(DateTime)
    undoes: Mapped[str | None] = mapped_column(String(40))
    undone_by: Mapped[str | None] = mapped_column(String(40))
    appeal_id: Mapped[int | None] = mapped_column(Integer)
    #: The item's state before this decision (what an undo restores).
    prior_state: Mapped[dict] = mapped_column(JSON)


class Appeal(Base):
    __tablename__ = "appeals"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    #: ``api`` (from an integration) or ``staff`` (entered for a citizen who wrote in).
    channel: Mapped[str] = mapped_column(String(16))
    statement: Mapped[str] = mapped_column(Text)
    submitted_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    #: Who made the decision appealed against (None: the pipeline hid it): may not decide it.
    first_decided_by: Mapped[int | None] = mapped_column(Integer)
    first_decision_id: Mapped[str | None] = mapped_column(String(40))
    first_reason: Mapped[str | None] = mapped_column(String(64))
    prior_queue: Mapped[str] = mapped_column(String(64))
    outcome_decision_id: Mapped[str | None] = mapped_column(String(40))
    outcome: Mapped[str | None] = mapped_column(String(20))
    outcome_reason: Mapped[str | None] = mapped_column(String(64))
    decided_by: Mapped[int | None] = mapped_column(Integer)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)


class LegalHold(Base):
    """While active, nothing in its scope (an item, an author, an account) may be deleted."""

    __tablename__ = "legal_holds"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope: Mapped[str] = mapped_column(String(16))  # item | author | account
    value: Mapped[str] = mapped_column(String(300), index=True)
    reason: Mapped[str] = mapped_column(Text)
    #: The organisation it was placed for (its item's or account's; for an author or an item
    #: not seen yet, the one named): who may release it when no item says more.
    organisation: Mapped[str | None] = mapped_column(String(64))
    created_by: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    released_by: Mapped[int | None] = mapped_column(Integer)
    released_at: Mapped[datetime | None] = mapped_column(DateTime)


class AuthorRestriction(Base):
    __tablename__ = "author_restrictions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    author_id: Mapped[str] = mapped_column(String(200), index=True)
    account_id: Mapped[str] = mapped_column(String(200))
    decision_id: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    lifted_at: Mapped[datetime | None] = mapped_column(DateTime)


class AuditRow(Base):
    """The audit trail: append-only (triggers refuse UPDATE and DELETE), each row chained to the
    one before by ``hash = sha256(prev_hash + canonical record)``."""

    __tablename__ = "audit_log"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    type: Mapped[str] = mapped_column(String(64), index=True)
    actor: Mapped[str] = mapped_column(String(100), index=True)
    organisation: Mapped[str | None] = mapped_column(String(64))
    account_id: Mapped[str | None] = mapped_column(String(200), index=True)
    comment_id: Mapped[str | None] = mapped_column(String(300))
    details: Mapped[dict] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """One row: the chain's last seq and hash (locked while appending, so appends serialize
    and a removed tail is detected)."""

    __tablename__ = "audit_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))


class OutboxRow(Base):
    """A record to publish, written in the same transaction as the change it reports."""

    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    topic: Mapped[str] = mapped_column(String(100))
    key: Mapped[str] = mapped_column(String(300))
    value: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    published_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    partition: Mapped[int | None] = mapped_column(Integer)
    offset: Mapped[int | None] = mapped_column(Integer)


class Lease(Base):
    """A named lease one console process holds at a time (the outbox relay)."""

    __tablename__ = "leases"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(100))
    until: Mapped[datetime] = mapped_column(DateTime)


class ContextComment(Base):
    """A published comment kept for ``console.context_days`` as thread context: the parent shown
    on an item card when it was published without review."""

    __tablename__ = "context_comments"
    comment_id: Mapped[str] = mapped_column(String(300), primary_key=True)
    account_id: Mapped[str] = mapped_column(String(200))
    author: Mapped[str | None] = mapped_column(String(200))
    #: Cut to ``CONTEXT_TEXT_CHARS``: enough to read the thread by.
    text: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(DateTime, index=True)


class PlatformState(Base):
    """The latest change the platform made to a comment (``comments.state``), kept whether or
    not the comment's verdict has arrived: a removal read before its verdict still closes the
    item when the verdict comes."""

    __tablename__ = "platform_states"
    comment_id: Mapped[str] = mapped_column(String(300), primary_key=True)
    #: removed / hidden / unhidden
    state: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(DateTime, index=True)


class PlatformAction(Base):
    """What the actuator carried out on the platform (``moderation.actions``): one row per
    action id, the newest record (by ``at``) winning, e.g. ``failed`` (token expired) and then
    ``done``. Kept as long as the items (a record of what was done, never purged)."""

    __tablename__ = "platform_actions"
    action_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    comment_id: Mapped[str] = mapped_column(String(300), index=True)
    #: hide / unhide / delete / restrict_author
    kind: Mapped[str] = mapped_column(String(20))
    #: done / dry_run / failed / skipped
    status: Mapped[str] = mapped_column(String(16))
    #: The platform's error code and message (cut to ``ACTION_ERROR_CHARS``) when it failed.
    error_code: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(Text)
    #: A decision id, or ``verdict:<outcome>`` for what the pipeline asked for itself.
    requested_by: Mapped[str] = mapped_column(String(100))
    attempts: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime)


class ReplyItem(Base):
    """A citizen's question or problem report (a verdict tagged with one of ``NEEDS_REPLY_TAGS``,
    not hidden) waiting for the agency's answer: the "needs a reply" queue of the comms staff.
    One row per comment (redelivery and edits change nothing: the question stays one question)."""

    __tablename__ = "reply_items"
    __table_args__ = (Index("ix_reply_items_open", "state", "organisation", "received_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    comment_id: Mapped[str] = mapped_column(String(300), unique=True)
    platform: Mapped[str] = mapped_column(String(16))
    account_id: Mapped[str] = mapped_column(String(200), index=True)
    organisation: Mapped[str] = mapped_column(String(64))
    #: The verdict's tags among ``NEEDS_REPLY_TAGS`` (question, report).
    tags: Mapped[list] = mapped_column(JSON)
    text: Mapped[str] = mapped_column(Text)
    author_id: Mapped[str] = mapped_column(String(200))
    author_handle: Mapped[str | None] = mapped_column(String(200))
    thread_id: Mapped[str | None] = mapped_column(String(300))
    url: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(DateTime)
    ingested_at: Mapped[datetime] = mapped_column(DateTime)
    #: open → answered (an agency reply) | no_reply_needed (comms staff, with a reason) |
    #: hidden (a moderator hid it) | removed (gone from the platform)
    state: Mapped[str] = mapped_column(String(20), default="open")
    #: The agency reply that answered it, when, and the time from the question to it.
    reply_id: Mapped[str | None] = mapped_column(String(300))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime)
    first_response_s: Mapped[float | None] = mapped_column(Float)
    #: Who closed it without a reply, when, why.
    closed_by: Mapped[int | None] = mapped_column(Integer)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    close_reason: Mapped[str | None] = mapped_column(String(64))
    close_note: Mapped[str | None] = mapped_column(Text)


class AgencyReply(Base):
    """An agency's own reply (``comments.agency_replies``), kept for ``replies.keep_replies_days``
    so that one read before its question closes the question when it arrives."""

    __tablename__ = "agency_replies"
    reply_id: Mapped[str] = mapped_column(String(300), primary_key=True)
    account_id: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[str | None] = mapped_column(String(300), index=True)
    thread_id: Mapped[str | None] = mapped_column(String(300), index=True)
    #: When the agency replied (the comment's ``created_at``, else ``received_at``).
    at: Mapped[datetime] = mapped_column(DateTime, index=True)


class OpsAggregate(Base):
    """The newest ``civicmod.aggregate/1`` record of each window and account (from
    ``moderation.metrics``): what the ops page charts."""

    __tablename__ = "ops_aggregates"
    __table_args__ = (Index("ix_ops_aggregates_grain", "grain", "start"),)
    #: ``Aggregate.key()``: ``<window>|<start>|<account>``.
    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    #: The window: ``1m``, ``1h`` or ``1d``.
    grain: Mapped[str] = mapped_column(String(4))
    start: Mapped[datetime] = mapped_column(DateTime)
    organisation: Mapped[str] = mapped_column(String(64))
    account_id: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    record: Mapped[dict] = mapped_column(JSON)
