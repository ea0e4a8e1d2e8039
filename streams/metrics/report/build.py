"""Put a report together from records already read: figures from the daily aggregates,
statements of reasons from the hides and decisions, topic trends from the comments' texts."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from pydantic import ValidationError

from civicmod.contract.records import Aggregate, Decision, Verdict, version_key
from streams.metrics.report.figures import Figures, compute, newest_per_key
from streams.metrics.report.statements import Filed, files_statement, from_auto_hide, from_decision
from streams.metrics.report.topics import Doc, Trends, trends

log = logging.getLogger("civicmod.report")


@dataclass
class Scope:
    """What the report covers: the days (inclusive) and, optionally, one organisation or account."""

    start: date
    end: date
    organisation: str | None = None
    account: str | None = None
    #: The organisation's display name and its configured accounts (``console.organisations``).
    organisation_name: str | None = None
    accounts: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"--to {self.end} is before --from {self.start}")

    @property
    def start_at(self) -> datetime:
        return datetime.combine(self.start, time(), UTC)

    @property
    def end_at(self) -> datetime:
        """The end of the last day (exclusive)."""
        return datetime.combine(self.end + timedelta(days=1), time(), UTC)

    @property
    def trend_weeks(self) -> tuple[datetime, datetime, datetime]:
        """Start of last week, start of this week, end of this week: the period's last 7 days."""
        end = self.end_at
        return end - timedelta(days=14), end - timedelta(days=7), end


@dataclass
class Records:
    """What the loader read (or a test made)."""

    aggregates: list[Aggregate] = field(default_factory=list)
    #: Verdicts of ``moderation.auto_hidden``, ``moderation.escalations`` and
    #: ``comments.published`` (each read from the range's start minus a look-back).
    verdicts: list[Verdict] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    #: Records that could not be read, by topic and reason.
    unreadable: Counter[str] = field(default_factory=Counter)


@dataclass
class Report:
    scope: Scope
    figures: Figures
    statements: list[Filed]
    trends: list[Trends]
    generated_at: datetime
    policy_versions: list[str]
    unreadable: Counter[str]
    #: Hides and decisions that could not be turned into a valid statement, by reason.
    statement_errors: Counter[str] = field(default_factory=Counter)


def _when(v: Verdict) -> datetime:
    return v.comment.received_at or v.decided_at


def _account_ok(scope: Scope, account_id: str, known: set[str]) -> bool:
    if scope.account is not None:
        return account_id == scope.account
    if scope.organisation is not None:
        return account_id in known
    return True


def assemble(records: Records, scope: Scope, *, legal_grounds: Mapping[str, str] | None = None,
             reason_labels: Mapping[str, str] | None = None, top_n: int = 10,
             min_authors: int = 3, now: datetime | None = None) -> Report:
    figures = compute(newest_per_key(records.aggregates), scope.start, scope.end,
                      scope.organisation, scope.account)
    known = set(scope.accounts) | set(figures.accounts)
    verdicts = _dedupe(v for v in records.verdicts if _account_ok(scope, v.comment.account_id, known))
    by_version = {v.dedupe_key: v for v in verdicts if v.outcome in ("escalate", "hide")}
    errors: Counter[str] = Counter()
    statements: list[Filed] = []
    for v in verdicts:
        if v.outcome == "hide" and scope.start_at <= v.decided_at < scope.end_at:
            _file(statements, errors, "auto_hide", lambda v=v: from_auto_hide(v, legal_grounds))
    seen: set[str] = set()
    for d in records.decisions:
        if d.decision_id in seen or not files_statement(d) or not _account_ok(scope, d.account_id, known):
            continue
        seen.add(d.decision_id)
        if scope.start_at <= d.decided_at < scope.end_at:
            flagged = by_version.get(version_key_of(d))
            _file(statements, errors, "decision",
                  lambda d=d, f=flagged: from_decision(d, f, legal_grounds, reason_labels))
    statements.sort(key=lambda f: (f.statement.application_date, f.account_id, f.statement.puid))
    return Report(scope=scope, figures=figures, statements=statements,
                  trends=_trends(verdicts, scope, top_n, min_authors),
                  generated_at=now or datetime.now(UTC),
                  policy_versions=sorted({v.policy_version for v in verdicts
                                          if scope.start_at <= v.decided_at < scope.end_at}),
                  unreadable=records.unreadable, statement_errors=errors)


def version_key_of(d: Decision) -> str:
    return f"{d.comment_id}#{d.comment_digest}"


def _dedupe(verdicts: Iterable[Verdict]) -> list[Verdict]:
    """One verdict per comment version (a redelivered comment is judged again, same outcome)."""
    out: dict[str, Verdict] = {}
    for v in verdicts:
        out.setdefault(version_key(v.comment.id, v.comment.text), v)
    return list(out.values())


def _file(into: list[Filed], errors: Counter[str], kind: str, make) -> None:
    try:
        into.append(make())
    except (ValidationError, ValueError) as exc:
        errors[kind] += 1
        log.warning("statement of reasons not written", extra={
            "kind": kind, "error": f"{type(exc).__name__}: {exc}"[:300]})


def _trends(verdicts: list[Verdict], scope: Scope, top_n: int, min_authors: int) -> list[Trends]:
    """Per account: the comments citizens wrote (published or escalated; what was hidden is
    mostly abuse and spam, not a topic) in the period's last week against the week before."""
    last_start, this_start, this_end = scope.trend_weeks
    weeks: dict[str, tuple[list[Doc], list[Doc]]] = {}
    names: dict[str, set[str]] = {}
    for v in verdicts:
        if v.outcome == "hide":
            continue
        at = _when(v)
        if not last_start <= at < this_end:
            continue
        c = v.comment
        this, last = weeks.setdefault(c.account_id, ([], []))
        (this if at >= this_start else last).append(Doc(c.text, c.author.id))
        names.setdefault(c.account_id, set()).update(
            n for n in (c.author.handle, c.author.display_name) if n)
    return [trends(acc, this, last, top_n=top_n, min_authors=min_authors, names=names[acc])
            for acc, (this, last) in sorted(weeks.items())]
