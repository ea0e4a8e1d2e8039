"""The JSON log line every service writes: one ASCII object per record, the same fields and
values whichever encoder wrote it, timestamps as ``datetime`` would print them."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streams.kafka.logs import JsonFormatter, dumps, timestamp


def line(msg: str = "webhook", args: tuple[object, ...] = (), **extra: object) -> str:
    record = logging.LogRecord("civicmod.gateway", logging.INFO, __file__, 1, msg, args, None)
    record.__dict__.update(extra)
    return JsonFormatter("gateway").format(record)


def test_fields_levels_and_extra_keys() -> None:
    out = json.loads(line(webhook_id="w1", status=200, ms=3.25, _private="no"))
    assert out["level"] == "info" and out["logger"] == "civicmod.gateway"
    assert out["msg"] == "webhook" and out["service"] == "gateway"
    assert (out["webhook_id"], out["status"], out["ms"]) == ("w1", 200, 3.25)
    assert "_private" not in out and "args" not in out and "levelno" not in out


def test_hostile_text_stays_ascii_and_round_trips() -> None:
    rlo, surrogate = "\u202e", "\ud800"
    for value in (f"abc{rlo}def", "caf\u00e9", f"x{surrogate}y", "line\nbreak\x00", "\U0001f600"):
        text = line("name %s", (value,), author=value)
        assert text.isascii() and "\n" not in text
        out = json.loads(text)
        assert out["author"] == value and out["msg"] == f"name {value}"


def test_what_json_cannot_hold_natively_is_its_str_as_before() -> None:
    when = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
    out = json.loads(line(when=when, day=date(2026, 12, 4), big=10**30, items={"a"}))
    assert out["when"] == str(when) and out["day"] == "2026-12-04"
    assert out["big"] == 10**30 and out["items"] == str({"a"})


def test_subclasses_and_other_types_read_as_json_wrote_them() -> None:
    import collections
    import uuid

    pair = collections.namedtuple("pair", "x y")

    class Name(str):
        pass

    class Score(float):
        pass

    values = {"t": pair(1, 2), "n": Name("a"), "s": Score(0.5), "b": b"x", "u": uuid.UUID(int=5),
              "k": {1: 2}, "when": datetime(2026, 1, 1)}
    assert json.loads(dumps(values)) == json.loads(json.dumps(values, default=str))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text()
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12)


@given(st.dictionaries(st.text(), json_values, max_size=6))
def test_dumps_says_what_json_says_in_ascii(obj: dict[str, object]) -> None:
    text = dumps(obj)
    assert text.isascii()
    assert json.loads(text) == json.loads(json.dumps(obj, ensure_ascii=True))


@given(st.floats(min_value=0, max_value=4_102_444_800, allow_nan=False))
def test_timestamp_is_datetimes_isoformat(created: float) -> None:
    expected = datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds")
    assert timestamp(created) == expected
    assert timestamp(created) == expected  # from the cached second, too


def test_timestamp_rounds_into_the_next_second_like_datetime() -> None:
    created = 1796380153.9999996
    assert timestamp(created) == datetime.fromtimestamp(created, UTC).isoformat(
        timespec="milliseconds")


@pytest.fixture
def gateway_logger(monkeypatch: pytest.MonkeyPatch) -> Iterator[logging.Logger]:
    """``civicmod.gateway`` enabled at INFO whatever earlier tests in this process did to it
    (a level, a ``dictConfig`` that disabled it, a filter), restored afterwards. Levels are set
    with ``setLevel``, which clears the loggers' enabled-levels cache."""
    gateway, parent = logging.getLogger("civicmod.gateway"), logging.getLogger("civicmod")
    saved = gateway.level, parent.level
    for lg in (gateway, parent):
        monkeypatch.setattr(lg, "disabled", False)
        monkeypatch.setattr(lg, "propagate", True)
        monkeypatch.setattr(lg, "filters", [])
    monkeypatch.setattr(logging.root, "filters", [])
    parent.setLevel(logging.NOTSET)
    gateway.setLevel(logging.INFO)
    yield gateway
    gateway.setLevel(saved[0])
    parent.setLevel(saved[1])


def _one_json_handler(monkeypatch, stream) -> logging.Handler:
    """The root's only handler, as ``setup_logging`` leaves a service process (pytest's own
    capture handlers set aside for the test)."""
    from streams.kafka.logs import RateLimit, json_handler

    handler = json_handler("gateway", stream)
    handler.addFilter(RateLimit())
    monkeypatch.setattr(logging.root, "handlers", [handler])
    return handler


def test_a_hot_line_written_directly_is_the_line_logging_writes(monkeypatch, gateway_logger) -> None:
    import io

    from streams.kafka.logs import direct_handler, log_fields

    buf = io.StringIO()
    handler = _one_json_handler(monkeypatch, buf)
    gateway = gateway_logger
    monkeypatch.setattr("streams.kafka.logs.time.time", lambda: 1764842400.1234)
    monkeypatch.setattr(logging, "_srcfile", None)
    assert direct_handler(gateway, logging.INFO) is handler
    fields = {"webhook_id": "w1", "platform": "facebook", "status": 200, "ms": 3.25,
              "author": "caf\u00e9 \u202e", "_private": "no"}
    for level in (logging.INFO, logging.WARNING):
        log_fields(gateway, level, "webhook", fields)
    record = logging.LogRecord("civicmod.gateway", logging.INFO, "", 0, "webhook", (), None)
    record.__dict__.update(fields)
    record.created = 1764842400.1234
    direct_info, direct_warning = buf.getvalue().splitlines()
    assert direct_info == handler.format(record)  # the same line, byte for byte
    record.levelname = "WARNING"
    assert direct_warning == handler.format(record)
    log_fields(gateway, logging.DEBUG, "webhook", fields)  # below the level: nothing
    assert len(buf.getvalue().splitlines()) == 2


def test_a_hot_line_goes_through_logging_where_anything_else_could_see_it(
        monkeypatch, gateway_logger) -> None:
    import io

    from streams.kafka.logs import direct_handler, log_fields

    buf = io.StringIO()
    _one_json_handler(monkeypatch, buf)
    gateway = gateway_logger
    seen: list[logging.LogRecord] = []

    class Capture(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(record)

    for where in (logging.root, logging.getLogger("civicmod"), gateway):
        capture = Capture()
        where.addHandler(capture)
        try:
            assert direct_handler(gateway, logging.INFO) is None
            log_fields(gateway, logging.INFO, "webhook", {"webhook_id": "w2"})
        finally:
            where.removeHandler(capture)
        assert seen.pop().webhook_id == "w2"  # the capture handler got the record
    # a filter on the logger, or a handler-level filter that acts on this logger
    monkeypatch.setattr(gateway, "filters", [lambda r: True])
    assert direct_handler(gateway, logging.INFO) is None
    monkeypatch.setattr(gateway, "filters", [])
    from streams.kafka.logs import RateLimit

    logging.root.handlers[0].addFilter(RateLimit(loggers=("civicmod",)))
    assert direct_handler(gateway, logging.INFO) is None
