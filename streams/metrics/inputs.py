"""The aggregator's input topics and how one raw record becomes a fact (or a :class:`BadRecord`
with a machine-readable reason: it is then counted and dead-lettered, never stops the stream)."""

from __future__ import annotations

from civicmod.contract import topics as T
from civicmod.contract.records import (
    Action,
    Comment,
    DeadLetter,
    Decision,
    MalformedRecord,
    Verdict,
    decode_record,
    validate_record,
)
from streams.metrics.facts import (
    Fact,
    action_fact,
    dead_fact,
    decision_fact,
    reply_fact,
    verdict_fact,
)

#: Logical input topic → the record it carries.
INPUTS: dict[str, type[Verdict | Decision | Action | DeadLetter | Comment]] = {
    T.PUBLISHED: Verdict,
    T.ESCALATIONS: Verdict,
    T.AUTO_HIDDEN: Verdict,
    T.DECISIONS: Decision,
    T.ACTIONS: Action,
    T.DEADLETTER: DeadLetter,
    T.AGENCY_REPLIES: Comment,
}


#: What :func:`to_fact` raises for a record it cannot read (``reason``: the dead letter's).
BadRecord = MalformedRecord


def to_fact(topic: str, value: bytes | None, kafka_ts: float) -> Fact:
    """The fact of one record of logical ``topic`` (Kafka timestamp ``kafka_ts``, epoch s);
    raises :class:`BadRecord` (``empty_value``, the wire decoder's reasons, ``unknown_schema``,
    ``invalid_schema``) for what cannot be read."""
    record = validate_record(decode_record(value), INPUTS[topic])
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
