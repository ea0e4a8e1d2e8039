"""The ``console`` settings section: the moderators' store, queues and their targets, reason
codes, claims, sessions, which organisation owns which account, and the "needs a reply" queue
(its reply target, per organisation too).

The database URL may hold a password: give it as ``{env: VAR}`` or ``{file: PATH}`` rather
than in the file (``database_url_secret``); it is never logged.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from civicmod.contract.gateway_settings import SecretRef, Section

#: Queue, organisation and reason-code names.
NAME = r"^[a-z0-9][a-z0-9_.-]{0,63}$"


class QueueSettings(Section):
    """One review queue: its time-to-decision target and who may decide in it."""

    #: The service level: an open item older than this shows as overdue.
    sla_minutes: Annotated[float, Field(gt=0)] = 240
    label: str | None = None
    #: Only these roles may claim and decide here (e.g. ``foi``: auditor and lead).
    decide_roles: list[str] | None = None


def _default_queues() -> dict[str, QueueSettings]:
    # the queues the default policy routes to (rules/policies/default.yaml), and the console's own
    return {
        "safety": QueueSettings(sla_minutes=15, label="Threats and safety"),
        "system": QueueSettings(sla_minutes=60, label="Not judged (pipeline fault)"),
        "hate": QueueSettings(sla_minutes=60, label="Hate and harassment"),
        "staff-abuse": QueueSettings(sla_minutes=60, label="Abuse of staff"),
        "impersonation": QueueSettings(sla_minutes=120, label="Impostors of the agency"),
        "spam": QueueSettings(sla_minutes=240, label="Spam and scams"),
        "repeat-offenders": QueueSettings(sla_minutes=240, label="Repeat offenders"),
        "campaigns": QueueSettings(sla_minutes=240, label="Coordinated campaigns"),
        "foi": QueueSettings(sla_minutes=24 * 60, label="Freedom of information requests",
                             decide_roles=["auditor", "lead", "admin"]),
        "escalated": QueueSettings(sla_minutes=120, label="Escalated to a lead",
                                   decide_roles=["lead", "admin"]),
        "appeals": QueueSettings(sla_minutes=48 * 60, label="Appeals"),
        "auto_hidden": QueueSettings(sla_minutes=24 * 60, label="Auto-hidden (review)"),
        "default": QueueSettings(sla_minutes=240, label="General review"),
    }


class ReasonCode(Section):
    """A viewpoint-neutral reason a moderator gives for a decision."""

    code: Annotated[str, Field(pattern=NAME)]
    label: str
    #: The decisions this reason may accompany.
    actions: list[str]


def _default_reasons() -> list[ReasonCode]:
    removal = ["hide", "delete", "hold", "restrict_author", "escalate", "note"]
    return [
        ReasonCode(code="no_violation", label="No rule broken", actions=["publish", "note"]),
        ReasonCode(code="false_positive", label="Flagged in error", actions=["publish", "note"]),
        ReasonCode(code="appeal_upheld", label="Appeal upheld", actions=["publish"]),
        ReasonCode(code="threat", label="Threat of violence", actions=removal),
        ReasonCode(code="harassment", label="Harassment of a person", actions=removal),
        ReasonCode(code="hate", label="Attacks a protected characteristic", actions=removal),
        ReasonCode(code="spam", label="Spam or flooding", actions=removal),
        ReasonCode(code="scam", label="Scam or fraud", actions=removal),
        ReasonCode(code="personal_data", label="Personal data of another person", actions=removal),
        ReasonCode(code="impersonation", label="Impersonates the agency or a person", actions=removal),
        ReasonCode(code="sexual_content", label="Sexual content", actions=removal),
        ReasonCode(code="illegal_content", label="Unlawful content", actions=removal),
        ReasonCode(code="profanity", label="Profanity (house rules)", actions=removal),
        ReasonCode(code="needs_lead", label="Needs a lead's decision", actions=["escalate", "hold", "note"]),
        ReasonCode(code="foi_logged", label="Logged as a records request",
                   actions=["publish", "note", "escalate"]),
        ReasonCode(code="other", label="Other (explain in the note)", actions=[
            "publish", "hide", "delete", "hold", "restrict_author", "escalate", "note"]),
    ]


class OrganisationSettings(Section):
    name: str
    #: The agency account ids (as in comments' ``account_id``) this organisation owns.
    accounts: list[str] = Field(default_factory=list)
    #: This organisation's reply target (hours); None: ``console.replies.target_hours``.
    reply_target_hours: Annotated[float, Field(gt=0, le=24 * 365)] | None = None


def _default_no_reply_reasons() -> list[ReasonCode]:
    return [
        ReasonCode(code="answered_elsewhere", label="Answered elsewhere (phone, email, DM)",
                   actions=["no_reply"]),
        ReasonCode(code="not_a_question", label="Not really a question or report",
                   actions=["no_reply"]),
        ReasonCode(code="duplicate", label="Same question asked again (answered once)",
                   actions=["no_reply"]),
        ReasonCode(code="rhetorical", label="Rhetorical or venting, no answer expected",
                   actions=["no_reply"]),
        ReasonCode(code="other", label="Other (explain in the note)", actions=["no_reply"]),
    ]


class RepliesSettings(Section):
    """The "needs a reply" queue: citizens' questions and problem reports (verdict tags in
    ``NEEDS_REPLY_TAGS``) waiting for the agency's answer."""

    #: A question older than this without a reply shows as overdue (per organisation:
    #: ``organisations.<org>.reply_target_hours``).
    target_hours: Annotated[float, Field(gt=0, le=24 * 365)] = 24
    #: An account with questions and no reply of its own in this many days is highlighted as
    #: silent (the neglected account) on the ops page.
    silent_days: Annotated[float, Field(gt=0, le=365)] = 7
    #: Why an item needs no reply (comms staff pick one; ``other`` needs a note).
    no_reply_reasons: list[ReasonCode] = Field(default_factory=_default_no_reply_reasons)
    #: Agency replies read before their question are kept this many days to close it on arrival.
    keep_replies_days: Annotated[float, Field(gt=0, le=3650)] = 14


class ConsoleSettings(Section):
    #: SQLAlchemy URL; default: an SQLite file ``console.db`` in civicmod's home dir.
    #: PostgreSQL: ``postgresql+psycopg://user@host:5432/db``.
    database_url: str | None = None
    #: The URL from the environment or a file instead (when it carries a password).
    database_url_secret: SecretRef | None = None
    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=1, le=65535)] = 8090
    #: Kafka consumer group of the console's ingest.
    group_id: str = "civicmod-console"
    #: A claim lasts this long unless renewed (the open item card renews it).
    lease_s: Annotated[float, Field(gt=0, le=3600)] = 300
    #: A decision can be undone by its moderator within this window (leads: any time).
    undo_window_s: Annotated[float, Field(ge=0)] = 300
    #: The most items one bulk decision may touch.
    bulk_max: Annotated[int, Field(ge=1, le=10_000)] = 100
    session_ttl_s: Annotated[float, Field(gt=0)] = 8 * 3600
    session_idle_s: Annotated[float, Field(gt=0)] = 30 * 60
    #: Failed logins allowed per user name and per client address within the window.
    login_max_failures: Annotated[int, Field(ge=1)] = 5
    login_window_s: Annotated[float, Field(gt=0)] = 15 * 60
    #: Send the session cookie only over HTTPS (set true behind TLS).
    secure_cookies: bool = False
    #: How often the outbox relay looks for records to publish.
    relay_interval_s: Annotated[float, Field(gt=0, le=60)] = 0.2
    #: Ingest: records per Kafka poll.
    ingest_batch: Annotated[int, Field(ge=1, le=10_000)] = 500
    #: How many of the author's recent comments the item card shows.
    author_history: Annotated[int, Field(ge=0, le=200)] = 20
    #: Published comments are kept this many days as thread context (the parent on an item
    #: card); platform state changes of comments never escalated, as long. 0: none kept.
    context_days: Annotated[float, Field(ge=0, le=3650)] = 14
    #: Outbox rows are deleted this many days after they were published (the audit log and
    #: the decisions keep the record; the outbox only carries it to Kafka).
    outbox_keep_days: Annotated[float, Field(ge=0, le=3650)] = 7
    queues: dict[Annotated[str, Field(pattern=NAME)], QueueSettings] = Field(
        default_factory=_default_queues)
    reason_codes: list[ReasonCode] = Field(default_factory=_default_reasons)
    organisations: dict[Annotated[str, Field(pattern=NAME)], OrganisationSettings] = Field(
        default_factory=dict)
    replies: RepliesSettings = Field(default_factory=RepliesSettings)
    #: Link to the comment on its platform, by platform ({id}: the platform's comment id).
    platform_links: dict[str, str] = Field(default_factory=lambda: {
        "facebook": "https://www.facebook.com/{id}",
        "instagram": "https://www.instagram.com/p/{id}",
        "x": "https://x.com/i/web/status/{id}",
        "youtube": "https://www.youtube.com/watch?lc={id}",
    })

    @model_validator(mode="after")
    def _checks(self) -> ConsoleSettings:
        codes = [r.code for r in self.reason_codes]
        if len(set(codes)) != len(codes):
            raise ValueError("console.reason_codes: each code must appear once")
        if "default" not in self.queues:
            raise ValueError("console.queues must define a 'default' queue")
        owners: dict[str, str] = {}
        for org, spec in self.organisations.items():
            for acc in spec.accounts:
                if acc in owners:
                    raise ValueError(f"console.organisations: account {acc!r} is owned by both "
                                     f"{owners[acc]!r} and {org!r}")
                owners[acc] = org
        return self

    def owner_of(self, account_id: str) -> str:
        """The organisation that owns an account (``unassigned`` when none is configured)."""
        for org, spec in self.organisations.items():
            if account_id in spec.accounts:
                return org
        return "unassigned"

    def reply_target_s(self, organisation: str) -> float:
        """The reply target of an organisation's accounts, in seconds."""
        spec = self.organisations.get(organisation)
        hours = spec.reply_target_hours if spec and spec.reply_target_hours else None
        return (hours or self.replies.target_hours) * 3600

    def queue(self, name: str) -> QueueSettings:
        return self.queues.get(name) or self.queues["default"]
