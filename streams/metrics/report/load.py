"""Read what a report needs from Kafka: the compacted daily aggregates (all of them, the newest
per key wins), and the verdicts and decisions of a time range (each partition sought to the
range's start with ``offsets_for_times`` and read up to the end offsets seen at the start).

A record that does not parse is counted by topic and reason, logged, and skipped: one bad
record never stops a report.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from pydantic import BaseModel

from civicmod.contract import topics as T
from civicmod.contract.records import (
    Aggregate,
    Decision,
    MalformedRecord,
    Verdict,
    decode_record,
    validate_record,
)
from streams.metrics.report.build import Records, Scope

log = logging.getLogger("civicmod.report")

M = TypeVar("M", bound=BaseModel)
#: How far before the period escalations are read, to find what flagged a decided comment.
LOOKBACK = timedelta(days=30)
#: Decisions and verdicts reach Kafka a little after they are made: read this much past the end.
SLACK = timedelta(days=1)


class LoadError(RuntimeError):
    """Kafka could not be read (no broker, missing topic, or too slow)."""


@dataclass(frozen=True)
class Source:
    bootstrap: str
    prefix: str = ""
    timeout_s: float = 120.0


def _ms(at: datetime | None) -> int | None:
    return int(at.timestamp() * 1000) if at is not None else None


def read_topic(src: Source, topic: str, start: datetime | None = None,
               end: datetime | None = None) -> Iterator[Any]:
    """The records of ``topic`` with a timestamp in ``[start, end)`` (``start`` None: from the
    beginning), up to the end offsets at the time of the call."""
    from kafka import KafkaConsumer, TopicPartition
    from kafka.errors import KafkaError

    name = T.physical(topic, src.prefix)
    try:
        cons = KafkaConsumer(bootstrap_servers=src.bootstrap, group_id=None, enable_auto_commit=False,
                             fetch_max_wait_ms=200, request_timeout_ms=30_000,
                             client_id="civicmod-report")
    except KafkaError as exc:
        raise LoadError(f"cannot reach Kafka at {src.bootstrap}: {exc}") from exc
    try:
        parts = cons.partitions_for_topic(name)
        if not parts:
            raise LoadError(f"topic {name!r} does not exist on {src.bootstrap} "
                            "(civicmod topics creates it)")
        tps = [TopicPartition(name, p) for p in sorted(parts)]
        cons.assign(tps)
        ends = cons.end_offsets(tps)
        if start is None:
            cons.seek_to_beginning(*tps)
            todo = {tp for tp in tps if ends[tp] > 0}
        else:
            found = cons.offsets_for_times({tp: _ms(start) for tp in tps})
            todo = set()
            for tp in tps:
                hit = found.get(tp)
                if hit is not None and hit.offset < ends[tp]:
                    cons.seek(tp, hit.offset)
                    todo.add(tp)
        start_ms, end_ms = _ms(start), _ms(end)
        deadline = time.monotonic() + src.timeout_s
        while todo:
            if time.monotonic() > deadline:
                raise LoadError(f"reading {name} took longer than {src.timeout_s:g}s")
            for tp, records in cons.poll(timeout_ms=500, max_records=5000).items():
                for r in records:
                    # timestamps need not grow with offsets: check both ends
                    if r.offset < ends[tp] and (start_ms is None or r.timestamp >= start_ms) \
                            and (end_ms is None or r.timestamp < end_ms):
                        yield r
            for tp in list(todo):
                if cons.position(tp) >= ends[tp]:
                    todo.discard(tp)
                    cons.pause(tp)
    except KafkaError as exc:
        raise LoadError(f"reading {name} from {src.bootstrap} failed: {exc}") from exc
    finally:
        cons.close()


def _parse(model: type[M], topic: str, records: Iterator[Any], records_out: Records,
           keep: Callable[[M], bool] = lambda _m: True) -> list[M]:
    out: list[M] = []
    for r in records:
        if r.value is None:  # a tombstone
            continue
        try:
            item = validate_record(decode_record(r.value), model)
        except MalformedRecord as exc:
            records_out.unreadable[f"{topic}: {exc.reason}"] += 1
            log.warning("record skipped", extra={"topic": topic, "partition": r.partition,
                                                 "offset": r.offset, "reason": exc.reason})
            continue
        if keep(item):
            out.append(item)
    return out


def load(src: Source, scope: Scope, lookback: timedelta = LOOKBACK) -> Records:
    """Everything :func:`streams.metrics.report.build.assemble` needs for ``scope``."""
    rec = Records()
    rec.aggregates = _parse(Aggregate, T.METRICS_DAILY, read_topic(src, T.METRICS_DAILY), rec,
                            keep=lambda a: a.window == "1d")
    trend_from = scope.trend_weeks[0]
    end = scope.end_at + SLACK
    ranges = {
        T.AUTO_HIDDEN: scope.start_at - SLACK,
        T.ESCALATIONS: min(scope.start_at - lookback, trend_from),
        T.PUBLISHED: trend_from - SLACK,
    }
    for topic, start in ranges.items():
        rec.verdicts += _parse(Verdict, topic, read_topic(src, topic, start, end), rec)
    rec.decisions = _parse(Decision, T.DECISIONS,
                           read_topic(src, T.DECISIONS, scope.start_at - SLACK, end), rec)
    log.info("report data read", extra={"aggregates": len(rec.aggregates),
                                         "verdicts": len(rec.verdicts),
                                         "decisions": len(rec.decisions),
                                         "unreadable": sum(rec.unreadable.values())})
    return rec
