"""The ops page's figures, for operators without Grafana: the metrics service's windowed
aggregates (``civicmod.aggregate/1`` on ``moderation.metrics``; the newest record per key is
kept in ``ops_aggregates``) merged per window across the accounts a user may see, plus the
console's own live queue depths and the reply queue.

Ranges: the last hour in 1-minute windows, the last day in 1-hour windows, the last 30 days in
1-day windows. Distributions merge exactly (bucket counts), so a percentile over many accounts
is read from the merged buckets (``Distribution.quantile``: a bucket's upper bound).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from civicmod.contract.console_settings import ConsoleSettings
from civicmod.contract.records import WINDOW_SECONDS, Aggregate, Distribution
from streams.console import replies
from streams.console.db import Database, aware, now
from streams.console.models import AgencyReply, OpsAggregate, ReplyItem
from streams.console.permissions import OPS_ROLES, Forbidden, Principal, Scope

#: range → (window, how many windows).
RANGES: dict[str, tuple[str, int]] = {"hour": ("1m", 60), "day": ("1h", 24), "month": ("1d", 30)}
#: How long each window's aggregates are kept (the ops page's longest range, and some).
KEEP: dict[str, timedelta] = {"1m": timedelta(hours=3), "1h": timedelta(days=3),
                              "1d": timedelta(days=400)}
_KEY_CHARS = OpsAggregate.__table__.c.key.type.length  # type: ignore[attr-defined]
_ACCOUNT_CHARS = OpsAggregate.__table__.c.account_id.type.length  # type: ignore[attr-defined]
_ORG_CHARS = OpsAggregate.__table__.c.organisation.type.length  # type: ignore[attr-defined]


def _naive(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def aggregate_values(agg: Aggregate, settings: ConsoleSettings) -> dict[str, Any] | None:
    """An aggregate's row (None: an account or organisation too long to keep). The account's
    organisation is the console's own (``console.organisations``, as for items) where it knows
    the account, so that scopes mean the same on the ops page as everywhere else."""
    key = agg.key().decode()
    owner = settings.owner_of(agg.account_id)
    organisation = owner if owner != "unassigned" else agg.organisation
    if len(key) > _KEY_CHARS or len(agg.account_id) > _ACCOUNT_CHARS or len(organisation) > _ORG_CHARS:
        return None
    return {"key": key, "grain": agg.window, "start": _naive(agg.start), "organisation": organisation,
            "account_id": agg.account_id, "updated_at": _naive(agg.updated_at),
            "record": agg.model_dump(mode="json", by_alias=True, exclude_none=True)}


def apply_aggregates(session: Session, rows: Sequence[dict[str, Any]]) -> int:
    """Keep the newest record per key (by ``updated_at``): a redelivered or older one changes
    nothing. Returns how many rows were offered after the in-batch dedupe."""
    latest: dict[str, dict[str, Any]] = {}
    for r in rows:
        seen = latest.get(r["key"])
        if seen is None or r["updated_at"] >= seen["updated_at"]:
            latest[r["key"]] = r
    if not latest:
        return 0
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    stmt = dialect_insert(OpsAggregate)
    columns = ("grain", "start", "organisation", "account_id", "updated_at", "record")
    stmt = stmt.on_conflict_do_update(index_elements=["key"], set_={c: stmt.excluded[c] for c in columns},
                                      where=OpsAggregate.updated_at < stmt.excluded.updated_at)
    session.execute(stmt, list(latest.values()))
    return len(latest)


def _scope(principal: Principal) -> Any:
    """A SQL condition: the aggregates this principal may see (any role, at its scopes; what
    belongs to no account only with a grant on everything)."""
    everything, orgs, accounts = principal.where(OPS_ROLES)
    if everything:
        return True
    if not orgs and not accounts:
        raise Forbidden("ops_view", Scope())
    conds = []
    if orgs:
        conds.append(OpsAggregate.organisation.in_(orgs))
    if accounts:
        conds.append(OpsAggregate.account_id.in_(accounts))
    return or_(*conds)


def _floor(t: datetime, seconds: int) -> datetime:
    epoch = datetime(1970, 1, 1)
    return epoch + timedelta(seconds=int((t - epoch).total_seconds()) // seconds * seconds)


def _add(into: dict[str, int], counts: dict[str, int]) -> None:
    for k, n in counts.items():
        into[k] = into.get(k, 0) + n


def _q(d: Distribution, q: float) -> float | None:
    return d.quantile(q)


def _series(keys: set[str], per_bucket: list[dict[str, int]]) -> dict[str, list[int]]:
    return {k: [b.get(k, 0) for b in per_bucket] for k in sorted(keys)}


def summary(db: Database, settings: ConsoleSettings, principal: Principal, range_: str = "hour",
            *, at: datetime | None = None, queues: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Everything the ops page draws for ``range_`` (hour / day / month), in the principal's
    scopes. ``queues``: the live moderation queues as the principal sees them."""
    if range_ not in RANGES:
        raise ValueError(f"range is one of {', '.join(RANGES)}")
    grain, n = RANGES[range_]
    step = WINDOW_SECONDS[grain]
    t = at or now()
    end = _floor(t, step) + timedelta(seconds=step)
    begin = end - timedelta(seconds=step * n)
    starts = [begin + timedelta(seconds=step * i) for i in range(n)]
    index = {s: i for i, s in enumerate(starts)}
    where = _scope(principal)

    outcomes = [dict[str, int]() for _ in starts]
    decisions = [dict[str, int]() for _ in starts]
    actions = [dict[str, int]() for _ in starts]
    dead = [0 for _ in starts]
    needs = [0 for _ in starts]
    answered = [0 for _ in starts]
    latency = [Distribution() for _ in starts]
    total_latency, decision_time, first_response = Distribution(), Distribution(), Distribution()
    decided_by: dict[str, int] = {}
    dead_reasons: dict[str, int] = {}
    action_totals: dict[str, int] = {}
    accounts: dict[str, dict[str, Any]] = {}
    updated: datetime | None = None
    with db.read() as s:
        rows = s.scalars(select(OpsAggregate).where(OpsAggregate.grain == grain,
                                                    OpsAggregate.start >= begin,
                                                    OpsAggregate.start < end, where))
        for row in rows:
            i = index.get(row.start)
            if i is None:
                continue  # (a window not on this grid: a record from a differently aligned clock)
            a = Aggregate.model_validate(row.record)
            updated = max(updated, row.updated_at) if updated else row.updated_at
            _add(outcomes[i], a.outcomes)
            _add(decisions[i], a.decisions)
            _add(actions[i], a.actions)
            _add(decided_by, a.decided_by)
            _add(dead_reasons, a.deadletters)
            _add(action_totals, a.actions)
            dead[i] += sum(a.deadletters.values())
            latency[i] = latency[i].merge(a.latency)
            total_latency = total_latency.merge(a.latency)
            decision_time = decision_time.merge(a.decision_time)
            e = a.engagement
            needs[i] += e.needs_reply
            answered[i] += e.answered
            first_response = first_response.merge(e.first_response)
            if a.account_id == "-":
                continue
            acc = accounts.setdefault(a.account_id, {
                "account_id": a.account_id, "organisation": a.organisation, "platform": a.platform,
                "comments": 0, "needs_reply": 0, "answered": 0, "replies": 0, "last_reply_at": None,
                "first_response": Distribution()})
            acc["comments"] += sum(a.outcomes.values())
            acc["needs_reply"] += e.needs_reply
            acc["answered"] += e.answered
            acc["replies"] += e.replies
            acc["first_response"] = acc["first_response"].merge(e.first_response)
            if e.last_reply_at is not None:
                last = _naive(e.last_reply_at)
                acc["last_reply_at"] = max(acc["last_reply_at"] or last, last)
        _live_engagement(s, principal, accounts, where_accounts=_account_scope(principal))
    silent_after = timedelta(days=settings.replies.silent_days)
    account_rows = []
    for acc in accounts.values():
        fr: Distribution = acc.pop("first_response")
        last = acc["last_reply_at"]
        acc["silent"] = bool(acc["needs_reply"] or acc["unanswered"]) and (
            last is None or t - last > silent_after)
        acc["last_reply_at"] = aware(last)
        acc["response_rate"] = acc["answered"] / acc["needs_reply"] if acc["needs_reply"] else None
        acc["first_response_p50_s"], acc["first_response_p90_s"] = _q(fr, .5), _q(fr, .9)
        account_rows.append(acc)
    account_rows.sort(key=lambda a: (not a["silent"], -a["unanswered"], a["account_id"]))
    total_needs, total_answered = sum(needs), sum(answered)
    return {
        "range": range_, "window": grain, "window_s": step,
        "buckets": [aware(x) for x in starts], "updated_at": aware(updated),
        "throughput": _series({k for b in outcomes for k in b} | {"publish", "escalate", "hide"}, outcomes),
        "decisions": _series({k for b in decisions for k in b}, decisions),
        "decision_totals": {k: sum(b.get(k, 0) for b in decisions)
                            for k in {k for b in decisions for k in b}},
        "decided_by": decided_by,
        "latency": {"p50": [_q(d, .5) for d in latency], "p99": [_q(d, .99) for d in latency],
                    "total_p50": _q(total_latency, .5), "total_p99": _q(total_latency, .99),
                    "decision_p50": _q(decision_time, .5), "decision_p90": _q(decision_time, .9)},
        "deadletters": {"total": dead, "by_reason": dead_reasons},
        "actions": _series(set(action_totals), actions),
        "action_totals": action_totals,
        "queues": queues or [],
        "engagement": {
            "needs_reply": needs, "answered": answered,
            "total_needs_reply": total_needs, "total_answered": total_answered,
            "response_rate": total_answered / total_needs if total_needs else None,
            "first_response_p50_s": _q(first_response, .5), "first_response_p90_s": _q(first_response, .9),
            "unanswered": sum(a["unanswered"] for a in account_rows),
            "silent_days": settings.replies.silent_days,
            "accounts": account_rows},
    }


def _account_scope(principal: Principal) -> Any:
    """The reply items whose engagement figures this principal may see on the ops page."""
    return replies.visible(principal, OPS_ROLES)


def _live_engagement(s: Session, principal: Principal, accounts: dict[str, dict[str, Any]],
                     where_accounts: Any) -> None:
    """Unanswered questions per account now (the reply queue), and the newest reply the console
    saw, beside what the aggregates say."""
    for account, org, platform, open_, last_answer in s.execute(
            select(ReplyItem.account_id, ReplyItem.organisation, ReplyItem.platform,
                   func.sum(case((ReplyItem.state == "open", 1), else_=0)),
                   func.max(ReplyItem.answered_at))
            .where(where_accounts).group_by(ReplyItem.account_id, ReplyItem.organisation,
                                            ReplyItem.platform)):
        acc = accounts.setdefault(account, {
            "account_id": account, "organisation": org, "platform": platform, "comments": 0,
            "needs_reply": 0, "answered": 0, "replies": 0, "last_reply_at": None,
            "first_response": Distribution()})
        acc["unanswered"] = acc.get("unanswered", 0) + int(open_ or 0)
        if last_answer is not None:
            acc["last_reply_at"] = max(acc["last_reply_at"] or last_answer, last_answer)
    if accounts:
        for account, last in s.execute(select(AgencyReply.account_id, func.max(AgencyReply.at))
                                       .where(AgencyReply.account_id.in_(list(accounts)))
                                       .group_by(AgencyReply.account_id)):
            acc = accounts[account]
            acc["last_reply_at"] = max(acc["last_reply_at"] or last, last)
    for acc in accounts.values():
        acc.setdefault("unanswered", 0)
