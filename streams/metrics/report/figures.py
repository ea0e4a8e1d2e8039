"""The report's figures from the metrics service's daily aggregates.

Each account's days are summed (counts add, :class:`Distribution` buckets merge exactly) and
percentiles are read from the merged buckets, never averaged across days.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from civicmod.contract.records import Aggregate, Distribution, Overturns

OUTCOMES = ("publish", "hide", "escalate")


def _add(into: dict[str, int], counts: Mapping[str, int]) -> None:
    for k, v in counts.items():
        into[k] = into.get(k, 0) + v


@dataclass
class Totals:
    """One account's (or everyone's) figures over the period."""

    outcomes: dict[str, int] = field(default_factory=dict)
    reasons: dict[str, dict[str, int]] = field(default_factory=dict)
    decided_by: dict[str, int] = field(default_factory=dict)
    decisions: dict[str, int] = field(default_factory=dict)
    appeals: dict[str, int] = field(default_factory=dict)
    actions: dict[str, int] = field(default_factory=dict)
    deadletters: dict[str, int] = field(default_factory=dict)
    overturns: dict[str, Overturns] = field(default_factory=dict)
    latency: Distribution = field(default_factory=Distribution)
    decision_time: Distribution = field(default_factory=Distribution)
    time_to_action: Distribution = field(default_factory=Distribution)
    needs_reply: int = 0
    answered: int = 0
    replies: int = 0
    first_response: Distribution = field(default_factory=Distribution)
    last_reply_at: datetime | None = None

    def add(self, a: Aggregate) -> None:
        _add(self.outcomes, a.outcomes)
        for reason, by_outcome in a.reasons.items():
            _add(self.reasons.setdefault(reason, {}), by_outcome)
        _add(self.decided_by, a.decided_by)
        _add(self.decisions, a.decisions)
        _add(self.appeals, a.appeals)
        _add(self.actions, a.actions)
        _add(self.deadletters, a.deadletters)
        for rule, o in a.overturns.items():
            old = self.overturns.get(rule, Overturns())
            self.overturns[rule] = Overturns(reviewed=old.reviewed + o.reviewed,
                                             overturned=old.overturned + o.overturned)
        self.latency = self.latency.merge(a.latency)
        self.decision_time = self.decision_time.merge(a.decision_time)
        self.time_to_action = self.time_to_action.merge(a.time_to_action)
        e = a.engagement
        self.needs_reply += e.needs_reply
        self.answered += e.answered
        self.replies += e.replies
        self.first_response = self.first_response.merge(e.first_response)
        if e.last_reply_at and (self.last_reply_at is None or e.last_reply_at > self.last_reply_at):
            self.last_reply_at = e.last_reply_at

    @property
    def received(self) -> int:
        """Comments judged (every comment gets exactly one verdict)."""
        return sum(self.outcomes.values())

    @property
    def unanswered(self) -> int:
        return max(0, self.needs_reply - self.answered)

    @property
    def response_rate(self) -> float | None:
        return self.answered / self.needs_reply if self.needs_reply else None

    @property
    def appeals_total(self) -> int:
        return sum(self.appeals.values())


@dataclass
class AccountFigures:
    account_id: str
    organisation: str
    platform: str
    totals: Totals = field(default_factory=Totals)


@dataclass
class Figures:
    """Everything counted over the period: per account, overall, and per day."""

    start: date
    end: date
    accounts: dict[str, AccountFigures] = field(default_factory=dict)
    overall: Totals = field(default_factory=Totals)
    #: day → outcome → count (all accounts).
    daily: dict[date, dict[str, int]] = field(default_factory=dict)
    #: Daily records that were read (after the newest-per-key rule).
    records: int = 0


def in_scope(a: Aggregate, start: date, end: date, organisation: str | None = None,
             account: str | None = None) -> bool:
    """A daily window inside ``[start, end]`` of the wanted organisation / account (what belongs
    to no account, ``-``, only when neither is asked for)."""
    if a.window != "1d" or not (start <= a.start.date() <= end):
        return False
    if account is not None:
        return a.account_id == account
    if organisation is not None:
        return a.organisation == organisation and a.account_id != "-"
    return True


def compute(aggregates: Iterable[Aggregate], start: date, end: date,
            organisation: str | None = None, account: str | None = None) -> Figures:
    """Sum the daily aggregates in scope (the caller has already kept the newest per key)."""
    figs = Figures(start, end)
    daily: dict[date, Counter[str]] = defaultdict(Counter)
    for a in aggregates:
        if not in_scope(a, start, end, organisation, account):
            continue
        figs.records += 1
        acc = figs.accounts.get(a.account_id)
        if acc is None:
            acc = figs.accounts[a.account_id] = AccountFigures(a.account_id, a.organisation,
                                                               a.platform or "-")
        elif a.platform and acc.platform == "-":
            acc.platform = a.platform
        acc.totals.add(a)
        figs.overall.add(a)
        daily[a.start.date()].update(a.outcomes)
    figs.daily = {d: dict(daily[d]) for d in sorted(daily)}
    return figs


def newest_per_key(records: Iterable[Aggregate]) -> list[Aggregate]:
    """What a compacted topic means: the last record of each key (in the order given) wins."""
    latest: dict[bytes, Aggregate] = {}
    for a in records:
        latest[a.key()] = a
    return list(latest.values())


def pct(q: float, d: Distribution) -> float | None:
    return d.quantile(q)


def duration(seconds: float | None) -> str:
    """``≤ 5 min`` style: the bucket bound a percentile was read from."""
    if seconds is None:
        return "–"
    if seconds < 1:
        return f"≤ {seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"≤ {seconds:g} s"
    if seconds < 3600:
        return f"≤ {seconds / 60:g} min"
    if seconds < 86400:
        return f"≤ {seconds / 3600:g} h"
    days = seconds / 86400
    return f"≤ {days:g} day{'' if days == 1 else 's'}"
