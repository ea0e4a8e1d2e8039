"""The aggregator's input topics and how one raw record becomes a fact (or a :class:`BadRecord`
with a machine-readable reason: it is then counted and dead-lettered, never stops the stream)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from civicmod.contract import topics as T
from civicmod.contract.records import (
    ACTION_SCHEMA,
    COMMENT_SCHEMA,
    DEADLETTER_SCHEMA,
    DECISION_SCHEMA,
    VERDICT_SCHEMA,
    Action,
    Comment,
    DeadLetter,
    Decision,
    Verdict,
)
from civicmod.contract.wire import WireError, loads
from streams.metrics.facts import (
    Fact,
    action_fact,
    dead_fact,
    decision_fact,
    reply_fact,
    verdict_fact,
)

#: Logical input topic → the record it carries.
INPUTS: dict[str, tuple[str, type[BaseModel]]] = {
    T.PUBLISHED: (VERDICT_SCHEMA, Verdict),
    T.ESCALATIONS: (VERDICT_SCHEMA, Verdict),
    T.AUTO_HIDDEN: (VERDICT_SCHEMA, Verdict),
    T.DECISIONS: (DECISION_SCHEMA, Decision),
    T.ACTIONS: (ACTION_SCHEMA, Action),
    T.DEADLETTER: (DEADLETTER_SCHEMA, DeadLetter),
    T.AGENCY_REPLIES: (COMMENT_SCHEMA, Comment),
}


class BadRecord(ValueError):
    def __init__(self, reason: str, error: str) -> None:
        super().__init__(f"{reason}: {error}")
        self.reason = reason
        self.error = error


def _describe(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or '(root)'}: {e['msg']}"
                     for e in exc.errors()[:3])


def to_fact(topic: str, value: bytes | None, kafka_ts: float) -> Fact:
    """The fact of one record of logical ``topic`` (Kafka timestamp ``kafka_ts``, epoch s);
    raises :class:`BadRecord` (``empty_value``, the wire decoder's reasons, ``unknown_schema``,
    ``invalid_schema``) for what cannot be read."""
    schema, model = INPUTS[topic]
    if value is None:
        raise BadRecord("empty_value", "record has no value")
    try:
        data: Any = loads(value)
    except WireError as exc:
        raise BadRecord(exc.reason, exc.error) from None
    if not isinstance(data, dict):
        raise BadRecord("invalid_schema", f"expected a JSON object, got {type(data).__name__}")
    tag = data.get("schema")
    if tag != schema:
        raise BadRecord("unknown_schema", f"schema {str(tag)[:80]!r} is not {schema!r}")
    try:
        record = model.model_validate(data)
        if isinstance(record, Comment):
            record.check_id_prefix()
    except ValidationError as exc:
        raise BadRecord("invalid_schema", _describe(exc)) from None
    except ValueError as exc:
        raise BadRecord("invalid_schema", str(exc)[:500]) from None
    if isinstance(record, Verdict):
        return verdict_fact(record, kafka_ts)
    if isinstance(record, Decision):
        return decision_fact(record)
    if isinstance(record, Action):
        return action_fact(record)
    if isinstance(record, DeadLetter):
        return dead_fact(record)
    assert isinstance(record, Comment)
    return reply_fact(record, kafka_ts)
