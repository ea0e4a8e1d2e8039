"""Every record that crosses a topic, defined once: Comment, Verdict, DeadLetter, CommentState,
AuditEvent, MetricsSnapshot, Decision, Action and Aggregate.

Every stage reads and writes these as JSON. Each record carries a ``schema`` tag with a major
version (``civicmod.comment/1``); a breaking change bumps the number and readers reject what
they do not know; adding an optional field does not. Which topic carries which record:
``civicmod.contract.topics``. Field by field: docs/schemas.md.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from functools import cache
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from civicmod.contract.wire import WireError, loads, printable, raw_excerpt

COMMENT_SCHEMA = "civicmod.comment/1"
VERDICT_SCHEMA = "civicmod.verdict/1"
DEADLETTER_SCHEMA = "civicmod.deadletter/1"
STATE_SCHEMA = "civicmod.comment_state/1"
AUDIT_SCHEMA = "civicmod.audit/1"
METRICS_SCHEMA = "civicmod.metrics/1"
DECISION_SCHEMA = "civicmod.decision/1"
ACTION_SCHEMA = "civicmod.action/1"
AGGREGATE_SCHEMA = "civicmod.aggregate/1"

Platform = Literal["facebook", "instagram", "x", "youtube", "generic"]
Outcome = Literal["publish", "escalate", "hide"]
ReasonSource = Literal["rule", "model", "system"]

#: Severity order used to resolve conflicts: the most severe outcome wins.
SEVERITY: dict[str, int] = {"publish": 0, "escalate": 1, "hide": 2}


def text_digest(text: str) -> str:
    """Short hash of a comment's text: two versions of one comment (an edit) differ here."""
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def version_key(comment_id: str, text: str) -> str:
    """The identity of one version of a comment (its id + its text's digest): consumers of
    verdicts dedupe redeliveries on it; an edit is a new version."""
    return f"{comment_id}#{text_digest(text)}"


def utcnow() -> datetime:
    """Timezone-aware UTC now (all timestamps on the wire are UTC ISO 8601)."""
    return datetime.now(UTC)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, allow_inf_nan=False)


class _Record(_Strict):
    """A top-level record: tagged with its ``schema`` (the ``schema_`` field's alias)."""

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True,
                              allow_inf_nan=False)

    def to_json(self) -> bytes:
        """``model_dump_json(by_alias=True, exclude_none=True)`` as bytes, straight from the
        serializer (no ``str`` made and encoded again: 0.7 against 1.2 µs for a comment)."""
        return self.__pydantic_serializer__.to_json(self, by_alias=True, exclude_none=True)


#: A model probability: finite and within [0, 1] (NaN, infinities and out-of-range values are
#: refused when a verdict is built, so a verdict can never fail its own schema when read back).
Probability = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]


class Author(_Strict):
    """Who wrote the comment, as far as the platform tells us."""

    id: str
    handle: str | None = None
    display_name: str | None = None
    created_at: datetime | None = None
    followers: Annotated[int, Field(ge=0)] | None = None
    default_avatar: bool | None = None


class Comment(_Record):
    """A comment from any platform, normalized. Kafka key: ``id``."""

    schema_: Literal["civicmod.comment/1"] = Field(COMMENT_SCHEMA, alias="schema")
    id: Annotated[str, Field(min_length=3, pattern=r"^[a-z]+:.+$")]
    platform: Platform
    account_id: Annotated[str, Field(min_length=1)]
    thread_id: str | None = None
    parent_id: str | None = None
    author: Author
    text: str
    lang: str | None = None
    created_at: datetime | None = None
    received_at: datetime | None = None
    url: str | None = None

    def check_id_prefix(self) -> None:
        """Raise ValueError when the id's prefix does not name the comment's platform."""
        if self.id.split(":", 1)[0] != self.platform:
            raise ValueError(f"id {self.id!r} must start with '{self.platform}:'")

    def digest(self) -> str:
        return text_digest(self.text)


class Reason(_Strict):
    """One piece of evidence behind a verdict."""

    source: ReasonSource
    id: str
    label: str
    score: Probability | None = None
    detail: str | None = None
    action: Outcome | None = None
    spans: list[tuple[int, int]] | None = None
    #: The published policy section a rule enforces (e.g. ``abuse.threat``).
    policy: str | None = None
    #: 1 (most urgent) .. 9: among reasons with the same action, the most urgent one routes.
    priority: int | None = None


class Escalation(_Strict):
    """Where an escalated comment goes: moderator queue, priority, and whether it stays hidden
    (held) until a moderator decides."""

    queue: str
    priority: int
    hold: bool = False
    rule: str | None = None


class ClassifierInfo(_Strict):
    name: str
    version: str


#: Where a verdict's language came from: the platform's ``lang``, py3langid's detection (among
#: the account's expected languages when configured), or the account's first expected language
#: (a text too short or too mixed to detect).
LanguageSource = Literal["platform", "detected", "account"]


class LanguageInfo(_Strict):
    """The language a comment was routed and judged in."""

    code: str
    #: py3langid's probability for ``code`` (source ``detected``); None otherwise.
    confidence: Probability | None = None
    source: LanguageSource


class Verdict(_Record):
    """What the pipeline decided about one comment, and why. Kafka key: the comment id."""

    schema_: Literal["civicmod.verdict/1"] = Field(VERDICT_SCHEMA, alias="schema")
    comment: Comment
    outcome: Outcome
    reasons: list[Reason]
    policy_version: str
    classifier: ClassifierInfo | None = None
    scores: dict[str, Probability] = Field(default_factory=dict)
    timings_ms: dict[str, float] = Field(default_factory=dict)
    decided_at: datetime
    #: The language the model was chosen and thresholds applied for (absent: not determined,
    #: or no model was asked).
    language: LanguageInfo | None = None
    #: Set when the outcome is ``escalate``.
    escalation: Escalation | None = None
    #: Labels added by ``tag`` rules (and the tags of every rule that fired).
    tags: list[str] = Field(default_factory=list)

    @property
    def dedupe_key(self) -> str:
        """Identity of the judged comment version: consumers dedupe redeliveries on it."""
        return version_key(self.comment.id, self.comment.text)


class DeadLetter(_Record):
    """A message no stage could accept, with the raw bytes and where it came from."""

    schema_: Literal["civicmod.deadletter/1"] = Field(DEADLETTER_SCHEMA, alias="schema")
    reason: str
    error: str
    source_topic: str
    source_partition: int | None = None
    source_offset: int | None = None
    key: str | None = None
    #: The original value's first ``raw_size`` bytes at most (``raw_truncated`` says if cut).
    raw_base64: str
    stage: str
    failed_at: datetime
    raw_size: int | None = None
    raw_sha256: str | None = None
    raw_truncated: bool = False

    @classmethod
    def of(cls, raw: bytes | None, reason: str, error: str, stage: str, source_topic: str,
           raw_cap: int, *, key: bytes | str | None = None, partition: int | None = None,
           offset: int | None = None) -> DeadLetter:
        """A dead letter for ``raw`` that always fits: the raw bytes are cut to ``raw_cap``
        (size and sha256 of the whole kept), the error to 2,000 characters, and the key
        decoded leniently."""
        ex = raw_excerpt(raw, raw_cap)
        if isinstance(key, bytes):
            key = key[:1000].decode("utf-8", "replace")
        return cls(reason=reason, error=printable(error)[:2000], source_topic=source_topic,
                   source_partition=partition, source_offset=offset,
                   key=printable(key)[:1000] if key is not None else None,
                   raw_base64=ex.base64, stage=stage, failed_at=utcnow(), raw_size=ex.size,
                   raw_sha256=ex.sha256, raw_truncated=ex.truncated)


StateVerb = Literal["remove", "hide", "unhide"]


class CommentState(_Record):
    """A platform-side state change of a comment (topic ``comments.state``, written by the
    gateway; not moderated again). Kafka key: ``comment_id``."""

    schema_: Literal["civicmod.comment_state/1"] = Field(STATE_SCHEMA, alias="schema")
    comment_id: str = Field(pattern=r"^[a-z]+:.+$")
    platform: Platform
    account_id: str = Field(min_length=1)
    verb: StateVerb
    thread_id: str | None = None
    #: Who did it, when the platform says (e.g. the page that hid the comment).
    actor_id: str | None = None
    occurred_at: datetime | None = None
    received_at: datetime


class AuditEvent(_Record):
    """One accountable event (topic ``moderation.audit``, kept forever; key: the actor): a
    policy reloaded or refused, a guardrail alert, and from the console logins, claims,
    decisions, permission changes and exports. Event-specific fields sit beside these."""

    model_config = ConfigDict(extra="allow", frozen=True, populate_by_name=True,
                              allow_inf_nan=False)

    schema_: Literal["civicmod.audit/1"] = Field(AUDIT_SCHEMA, alias="schema")
    #: e.g. ``policy.reloaded``, ``policy.reload_failed``, ``guardrail.downgraded``.
    type: str
    at: datetime = Field(default_factory=utcnow)
    #: The worker (``host-pid``), service or user the event is about.
    worker: str | None = None


class LatencySummary(_Strict):
    p50: float | None = None
    p99: float | None = None
    samples: int = 0


class MetricsSnapshot(_Record):
    """One worker's counters since it started (topic ``moderation.metrics``, every
    ``worker.metrics_interval_s``; key: worker id)."""

    schema_: Literal["civicmod.metrics/1"] = Field(METRICS_SCHEMA, alias="schema")
    worker: str
    at: datetime
    classifier: str
    policy_version: str
    outcomes: dict[str, int] = Field(default_factory=dict)
    deadletters: dict[str, int] = Field(default_factory=dict)
    #: Comments escalated because a step failed for them, by system reason.
    unjudged: dict[str, int] = Field(default_factory=dict)
    classifier_failures: int = 0
    #: Redelivered comments that kept their first outcome (and how many would have differed).
    recalled: int = 0
    recalled_differed: int = 0
    latency_ms: LatencySummary = Field(default_factory=LatencySummary)
    #: The stage's own counts: judged_alone, worker_crash, send_retries, undeliverable.
    stage: dict[str, int] = Field(default_factory=dict)


DecisionAction = Literal["publish", "hide", "delete", "escalate", "hold", "restrict_author", "note"]


class Decision(_Record):
    """What a moderator decided about one version of a comment (topic ``moderation.decisions``,
    written by the console; read by the actuator and the metrics). Kafka key: ``comment_id``."""

    schema_: Literal["civicmod.decision/1"] = Field(DECISION_SCHEMA, alias="schema")
    decision_id: str = Field(min_length=1)
    comment_id: str = Field(pattern=r"^[a-z]+:.+$")
    #: The judged text's digest (``Comment.digest``): an edit is another version.
    comment_digest: str
    platform: Platform
    account_id: str = Field(min_length=1)
    action: DecisionAction
    #: From the configured, viewpoint-neutral list of reason codes.
    reason_code: str = Field(min_length=1)
    note: str | None = None
    #: The moderator (user id) and the role they acted in.
    decided_by: str = Field(min_length=1)
    role: str | None = None
    decided_at: datetime
    #: The decision this one reverses (undo), or the appeal it answers.
    undoes: str | None = None
    appeal_id: str | None = None
    #: The comment's author (platform id): the actuator restricts them on ``restrict_author``.
    author_id: str | None = None


ActionKind = Literal["hide", "unhide", "delete", "restrict_author"]
ActionStatus = Literal["done", "dry_run", "failed", "skipped"]


class Action(_Record):
    """What was carried out on a platform, and how it went (topic ``moderation.actions``,
    written by the actuator). Kafka key: ``comment_id`` + ``|`` + ``kind``."""

    schema_: Literal["civicmod.action/1"] = Field(ACTION_SCHEMA, alias="schema")
    action_id: str = Field(min_length=1)
    comment_id: str = Field(pattern=r"^[a-z]+:.+$")
    platform: Platform
    account_id: str = Field(min_length=1)
    kind: ActionKind
    #: What asked for it: a decision id, or ``verdict:<outcome>`` for an automatic hide.
    requested_by: str
    status: ActionStatus
    attempts: int = Field(default=1, ge=0)
    #: The platform's error code and message when it failed (e.g. 190: token expired).
    error_code: str | None = None
    error: str | None = None
    at: datetime


# -- windowed aggregates (the metrics service) ---------------------------------------------------

Window = Literal["1m", "1h", "1d"]
#: Window lengths in seconds, by name.
WINDOW_SECONDS: dict[str, int] = {"1m": 60, "1h": 3600, "1d": 86400}
#: Upper bounds (seconds) of the buckets of every :class:`Distribution`: 50 ms to 30 days, so
#: a produce-to-verdict latency and a first reply a week later fit the same scale.
DURATION_BOUNDS_S: tuple[float, ...] = (
    0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14400,
    28800, 86400, 172800, 604800, 2592000,
)


class Distribution(_Strict):
    """Durations as counts per bucket (bounds: :data:`DURATION_BOUNDS_S`, plus one overflow
    bucket), so windows merge exactly: a report sums days, then reads percentiles."""

    count: int = Field(default=0, ge=0)
    sum_s: float = Field(default=0.0, ge=0)
    #: ``len(DURATION_BOUNDS_S) + 1`` counts; empty when ``count`` is 0.
    buckets: list[int] = Field(default_factory=list)

    @classmethod
    def of(cls, seconds: list[float]) -> Distribution:
        counts = [0] * (len(DURATION_BOUNDS_S) + 1)
        for s in seconds:
            counts[_bucket(max(0.0, s))] += 1
        return cls(count=len(seconds), sum_s=round(sum(max(0.0, s) for s in seconds), 3),
                   buckets=counts if seconds else [])

    def merge(self, other: Distribution) -> Distribution:
        if not other.count:
            return self
        if not self.count:
            return other
        return Distribution(count=self.count + other.count,
                            sum_s=round(self.sum_s + other.sum_s, 3),
                            buckets=[a + b for a, b in zip(self.buckets, other.buckets, strict=True)])

    def quantile(self, q: float) -> float | None:
        """The upper bound of the bucket holding the ``q`` quantile (None when empty; the
        overflow bucket answers with the largest bound)."""
        if not self.count:
            return None
        rank, seen = q * self.count, 0
        for i, n in enumerate(self.buckets):
            seen += n
            if seen >= rank and n:
                return DURATION_BOUNDS_S[min(i, len(DURATION_BOUNDS_S) - 1)]
        return DURATION_BOUNDS_S[-1]


def _bucket(seconds: float) -> int:
    for i, bound in enumerate(DURATION_BOUNDS_S):
        if seconds <= bound:
            return i
    return len(DURATION_BOUNDS_S)


class Overturns(_Strict):
    """How often moderators overturned what a rule (or the model) decided automatically."""

    #: Automatic decisions a moderator reviewed (an escalation decided, an auto-hide appealed).
    reviewed: int = Field(default=0, ge=0)
    #: Of those, the ones the moderator decided the other way.
    overturned: int = Field(default=0, ge=0)


#: Verdict tags of a comment that asks the agency something or reports a problem: it needs a reply.
NEEDS_REPLY_TAGS: frozenset[str] = frozenset({"engagement.question", "engagement.report"})


class Engagement(_Strict):
    """Two-way engagement: citizens' questions and problem reports, and the agency's replies."""

    #: Comments tagged as needing a reply (``engagement.question`` / ``engagement.report``).
    needs_reply: int = Field(default=0, ge=0)
    #: Of those (counted in the window the question arrived in), how many the account answered.
    answered: int = Field(default=0, ge=0)
    #: Question received → the account's first reply.
    first_response: Distribution = Field(default_factory=Distribution)
    #: The account's own replies seen in the window, and the newest one's time.
    replies: int = Field(default=0, ge=0)
    last_reply_at: datetime | None = None


class Aggregate(_Record):
    """Counts for one account over one time window, written by the metrics service (topic
    ``moderation.metrics``; daily windows also on ``moderation.metrics.daily``). Kafka key:
    :meth:`key`. A window is re-sent whenever a late record changes it, and the newest record
    for a key replaces the earlier ones; each input record is counted once (by comment version,
    decision id or action id), so redelivery never counts twice. Windows are placed by when a
    comment reached civicmod (``received_at``), so a replayed verdict lands in the same one."""

    schema_: Literal["civicmod.aggregate/1"] = Field(AGGREGATE_SCHEMA, alias="schema")
    window: Window
    start: datetime
    end: datetime
    #: The organisation owning the account (``console.organisations``; ``unassigned`` when none).
    organisation: str
    #: ``-`` for what belongs to no account (a dead letter that could not be read).
    account_id: str = Field(min_length=1)
    platform: Platform | None = None
    updated_at: datetime
    #: Verdicts by outcome, and by reason id then outcome.
    outcomes: dict[str, int] = Field(default_factory=dict)
    reasons: dict[str, dict[str, int]] = Field(default_factory=dict)
    #: Final decisions by who made them: ``automated`` (published or hidden by the pipeline) or
    #: ``human`` (a moderator's decision).
    decided_by: dict[str, int] = Field(default_factory=dict)
    #: Comment received by the gateway → verdict.
    latency: Distribution = Field(default_factory=Distribution)
    #: Moderators' decisions by action, and escalation → decision.
    decisions: dict[str, int] = Field(default_factory=dict)
    decision_time: Distribution = Field(default_factory=Distribution)
    #: Rule id (or ``model:<label>``) → how often moderators overturned it.
    overturns: dict[str, Overturns] = Field(default_factory=dict)
    #: Appeals answered: ``upheld`` or ``reversed``.
    appeals: dict[str, int] = Field(default_factory=dict)
    #: Platform actions by ``<kind>.<status>`` (e.g. ``hide.done``, ``hide.failed``), and
    #: comment received → the platform action carried out.
    actions: dict[str, int] = Field(default_factory=dict)
    time_to_action: Distribution = Field(default_factory=Distribution)
    deadletters: dict[str, int] = Field(default_factory=dict)
    engagement: Engagement = Field(default_factory=Engagement)

    def key(self) -> bytes:
        return aggregate_key(self.window, self.start, self.account_id)


def aggregate_key(window: str, start: datetime, account_id: str) -> bytes:
    """``<window>|<start, UTC ISO minute>|<account>``: one record per window and account."""
    return f"{window}|{start.astimezone(UTC):%Y-%m-%dT%H:%MZ}|{account_id}".encode()


R = TypeVar("R", bound=_Record)


class MalformedRecord(ValueError):
    """A wire record that cannot be read; ``reason`` is a short machine-readable code (the
    dead-letter reason)."""

    def __init__(self, reason: str, error: str) -> None:
        super().__init__(f"{reason}: {error}")
        self.reason = reason
        self.error = error


class MalformedComment(MalformedRecord):
    """Raised by :func:`parse_comment`."""


def _describe(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        loc = ".".join(str(p) for p in err["loc"]) or "(root)"
        parts.append(f"{loc}: {err['msg']}")
    return "; ".join(parts)


def decode_record(raw: bytes | None, error: type[MalformedRecord] = MalformedRecord) -> dict[str, Any]:
    """The JSON object of one wire record, or raise ``error`` (reasons: ``empty_value``, the
    wire decoder's ``too_deep``, ``invalid_utf8``, ``invalid_json``, ``invalid_unicode``, and
    ``invalid_schema`` for JSON that is not an object)."""
    if raw is None:
        raise error("empty_value", "record has no value")
    try:
        data: Any = loads(raw)
    except WireError as exc:
        raise error(exc.reason, exc.error) from None
    if not isinstance(data, dict):
        raise error("invalid_schema", f"expected a JSON object, got {type(data).__name__}")
    return data


@cache
def _schema_tag(model: type[_Record]) -> str:
    """The ``schema`` tag ``model`` writes (read once: ``model_fields`` builds a dict each time)."""
    return str(model.model_fields["schema_"].default)


def validate_record(data: dict[str, Any], model: type[R],
                    error: type[MalformedRecord] = MalformedRecord) -> R:
    """``data`` as a ``model`` record, or raise ``error``: ``unknown_schema`` when its
    ``schema`` tag names another record or version (a missing tag is taken as ``model``'s),
    ``invalid_schema`` when a field is wrong (a comment's id must also match its platform)."""
    want = _schema_tag(model)
    tag = data.get("schema", want)
    if tag != want:
        raise error("unknown_schema", f"schema {str(tag)[:80]!r} is not {want!r}")
    try:
        record = model.model_validate(data)
        if isinstance(record, Comment):
            record.check_id_prefix()
    except ValidationError as exc:
        raise error("invalid_schema", _describe(exc)) from None
    except ValueError as exc:
        raise error("invalid_schema", str(exc)[:500]) from None
    return record


def parse_comment(raw: bytes, max_text_chars: int, max_bytes: int | None = None) -> Comment:
    """Decode and validate one wire message, or raise :class:`MalformedComment` (reasons:
    ``message_too_large``, those of :func:`decode_record` and :func:`validate_record`,
    ``text_too_long``)."""
    if max_bytes is not None and len(raw) > max_bytes:
        raise MalformedComment("message_too_large", f"message has {len(raw)} bytes, limit {max_bytes}")
    comment = validate_record(decode_record(raw, MalformedComment), Comment, MalformedComment)
    if len(comment.text) > max_text_chars:
        raise MalformedComment(
            "text_too_long", f"text has {len(comment.text)} characters, limit {max_text_chars}"
        )
    return comment
