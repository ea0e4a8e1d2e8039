"""The wire schemas: valid comments parse, every kind of bad message gets its reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civicmod.contract.records import (
    COMMENT_SCHEMA,
    Author,
    Comment,
    MalformedComment,
    Verdict,
    parse_comment,
    utcnow,
)
from civicmod.dev.demo import demo_messages, malformed

GOOD = {
    "schema": COMMENT_SCHEMA, "id": "facebook:123_456", "platform": "facebook",
    "account_id": "page:1", "author": {"id": "u1", "display_name": "Ann"},
    "text": "When is the bin collection?",
}


def test_minimal_comment_parses_and_round_trips():
    c = parse_comment(json.dumps(GOOD).encode(), 100)
    assert c.id == "facebook:123_456" and c.author.display_name == "Ann"
    again = parse_comment(c.to_json(), 100)
    assert again == c
    assert json.loads(c.to_json())["schema"] == COMMENT_SCHEMA


def test_schema_tag_defaults_when_absent():
    data = {k: v for k, v in GOOD.items() if k != "schema"}
    assert parse_comment(json.dumps(data).encode(), 100).id == GOOD["id"]


@pytest.mark.parametrize(("raw", "reason"), malformed(max_text_chars=50))
def test_malformed_messages_get_their_reason(raw: bytes, reason: str):
    with pytest.raises(MalformedComment) as err:
        parse_comment(raw, 50)
    assert err.value.reason == reason
    assert err.value.error


def test_id_must_name_the_platform():
    bad = dict(GOOD, id="x:123")
    with pytest.raises(MalformedComment, match="must start with 'facebook:'"):
        parse_comment(json.dumps(bad).encode(), 100)


def test_mistyped_field_is_named():
    bad = dict(GOOD, author={"id": "u1", "followers": "many"})
    with pytest.raises(MalformedComment, match=r"author\.followers"):
        parse_comment(json.dumps(bad).encode(), 100)


def test_verdict_dedupe_key_changes_with_an_edit():
    c = Comment.model_validate(GOOD)
    edited = c.model_copy(update={"text": "edited text"})
    v1 = Verdict(comment=c, outcome="publish", reasons=[], policy_version="p", decided_at=utcnow())
    v2 = v1.model_copy(update={"comment": edited})
    assert v1.dedupe_key.startswith("facebook:123_456#")
    assert v1.dedupe_key != v2.dedupe_key
    assert json.loads(v1.to_json())["schema"] == "civicmod.verdict/1"


def test_demo_feed_is_valid_and_labelled():
    items = demo_messages()
    valid = [v for _, v, e in items if not e.startswith("deadletter")]
    for value in valid:
        parse_comment(value, 10_000)
    assert {e for *_, e in items} >= {"publish", "escalate", "hide"}


def test_every_record_round_trips_and_keeps_its_tag():
    from datetime import UTC, datetime

    from civicmod.contract.records import (
        Action,
        AuditEvent,
        CommentState,
        Decision,
        MetricsSnapshot,
    )

    at = datetime(2026, 12, 2, tzinfo=UTC)
    records = [
        CommentState(comment_id="facebook:1", platform="facebook", account_id="page:1",
                     verb="hide", received_at=at),
        AuditEvent(type="policy.reload_failed", worker="w-1", error="bad.yaml:3: ..."),
        MetricsSnapshot(worker="w-1", at=at, classifier="fixed", policy_version="p@1",
                        outcomes={"publish": 3}, latency_ms={"p50": 1.5, "p99": 9.0, "samples": 3}),
        Decision(decision_id="d1", comment_id="x:1", comment_digest="ab12", platform="x",
                 account_id="x:agency", action="hide", reason_code="ABUSIVE", decided_by="u7",
                 decided_at=at),
        Action(action_id="a1", comment_id="x:1", platform="x", account_id="x:agency", kind="hide",
               requested_by="d1", status="failed", error_code="190", error="token expired", at=at),
    ]
    for record in records:
        raw = record.to_json()
        assert json.loads(raw)["schema"] == type(record).model_fields["schema_"].default
        assert type(record).model_validate_json(raw) == record
    audit = json.loads(records[1].to_json())
    assert audit["type"] == "policy.reload_failed" and audit["error"].startswith("bad.yaml")


def test_every_record_and_topic_is_documented():
    import civicmod.contract.records as records
    from civicmod.contract.topics import ALL_TOPICS

    repo = Path(__file__).resolve().parents[3]
    schemas = (repo / "docs/schemas.md").read_text()
    tags = [v for k, v in vars(records).items() if k.endswith("_SCHEMA") and isinstance(v, str)]
    assert len(tags) == 9
    for tag in tags:
        assert f"## `{tag}`" in schemas, tag
    architecture = (repo / "docs/architecture.md").read_text()
    for topic in ALL_TOPICS:
        assert f"`{topic}`" in architecture, topic


@settings(max_examples=200, deadline=None)
@given(text=st.text(st.characters(blacklist_categories=("Cs",)), max_size=200),
       name=st.one_of(st.none(), st.text(max_size=20)))
def test_to_json_is_model_dump_json_as_bytes(text: str, name: str | None):
    """``to_json`` reads the serializer directly: the same bytes as ``model_dump_json``."""
    c = Comment(id="x:1", platform="x", account_id="a", author=Author(id="u", display_name=name),
                text=text)
    assert c.to_json() == c.model_dump_json(by_alias=True, exclude_none=True).encode()
