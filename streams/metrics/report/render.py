"""Write a report: ``report.html`` (self-contained: inline CSS and SVG charts, nothing fetched),
``report.csv`` (the figures, one number per row) and ``statements.jsonl`` (the statements of
reasons)."""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from jinja2 import Environment, StrictUndefined

from streams.metrics.report import charts
from streams.metrics.report.build import Report
from streams.metrics.report.figures import Totals, duration
from streams.metrics.report.template import TEMPLATE

CSV_COLUMNS = ("period_from", "period_to", "organisation", "account_id", "platform", "measure",
               "key", "value")
#: The CSV's account for the figures of every account together.
ALL = "*"


@dataclass(frozen=True)
class Written:
    html: Path
    csv: Path
    statements: Path


def write(report: Report, out: Path) -> Written:
    out.mkdir(parents=True, exist_ok=True)
    paths = Written(out / "report.html", out / "report.csv", out / "statements.jsonl")
    paths.statements.write_text("".join(f.statement.to_json() + "\n" for f in report.statements),
                                encoding="utf-8")
    with paths.csv.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(CSV_COLUMNS)
        w.writerows(csv_rows(report))
    paths.html.write_text(html(report), encoding="utf-8")
    return paths


# -- CSV ---------------------------------------------------------------------------------------
def _totals_rows(t: Totals) -> Iterator[tuple[str, str, float | int]]:
    yield "comments_received", "", t.received
    for k, v in sorted(t.outcomes.items()):
        yield "outcome", k, v
    for reason, by in sorted(t.reasons.items()):
        for outcome, v in sorted(by.items()):
            yield "reason_outcome", f"{reason}|{outcome}", v
    for k, v in sorted(t.decided_by.items()):
        yield "decided_by", k, v
    for k, v in sorted(t.decisions.items()):
        yield "moderator_decision", k, v
    for k, v in sorted(t.appeals.items()):
        yield "appeal", k, v
    for rule, o in sorted(t.overturns.items()):
        yield "overturn_reviewed", rule, o.reviewed
        yield "overturn_overturned", rule, o.overturned
    for k, v in sorted(t.actions.items()):
        yield "platform_action", k, v
    for k, v in sorted(t.deadletters.items()):
        yield "deadletter", k, v
    for name, dist, q in (("latency_p50_s", t.latency, 0.5), ("latency_p99_s", t.latency, 0.99),
                          ("decision_time_p50_s", t.decision_time, 0.5),
                          ("time_to_action_p50_s", t.time_to_action, 0.5),
                          ("first_response_p50_s", t.first_response, 0.5),
                          ("first_response_p90_s", t.first_response, 0.9)):
        value = dist.quantile(q)
        if value is not None:
            yield name, "", value
    yield "needs_reply", "", t.needs_reply
    yield "answered", "", t.answered
    yield "unanswered", "", t.unanswered
    if t.response_rate is not None:
        yield "response_rate", "", round(t.response_rate, 4)
    yield "agency_replies", "", t.replies


def csv_rows(report: Report) -> Iterator[tuple[Any, ...]]:
    s, f = report.scope, report.figures
    head = (s.start.isoformat(), s.end.isoformat())
    org_all = s.organisation or ALL
    for measure, key, value in _totals_rows(f.overall):
        yield (*head, org_all, ALL, ALL, measure, key, value)
    for acc in sorted(f.accounts.values(), key=lambda a: a.account_id):
        for measure, key, value in _totals_rows(acc.totals):
            yield (*head, acc.organisation, acc.account_id, acc.platform, measure, key, value)
    by: Counter[tuple[str, str, str]] = Counter()
    for st in report.statements:
        by[(st.account_id, st.platform, st.statement.category)] += 1
    for (account, platform, category), n in sorted(by.items()):
        org = f.accounts[account].organisation if account in f.accounts else org_all
        yield (*head, org, account, platform, "statements_of_reasons", category, n)


# -- HTML --------------------------------------------------------------------------------------
def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "–"


def _rate(value: float | None) -> str:
    return f"{100 * value:.0f}%" if value is not None else "–"


def _days(start: datetime, end: datetime) -> str:
    """``23–29 November 2026`` for the days from ``start`` up to ``end`` (exclusive)."""
    last = (end - timedelta(days=1)).date()
    first = start.date()
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day}–{last.day} {last:%B %Y}"
    return f"{first:%-d %B} – {last:%-d %B %Y}"


def _context(report: Report) -> dict[str, Any]:
    f, s = report.figures, report.scope
    o = f.overall
    received = o.received
    reasons = sorted(o.reasons.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))
    restrictive = [(r, by) for r, by in reasons if by.get("hide") or by.get("escalate")]
    automated = o.decided_by.get("automated", 0)
    human = o.decided_by.get("human", 0)
    overturns = sorted(((rule, ov) for rule, ov in o.overturns.items() if ov.reviewed),
                       key=lambda kv: (-kv[1].overturned / kv[1].reviewed, -kv[1].reviewed, kv[0]))
    by_category = Counter(st.statement.category for st in report.statements)
    by_automation = Counter(st.statement.automated_decision for st in report.statements)
    by_ground = Counter(st.statement.decision_ground for st in report.statements)
    last_start, this_start, this_end = s.trend_weeks
    title = s.account or s.organisation_name or s.organisation or "All accounts"
    return {
        "r": report, "s": s, "f": f, "o": o, "title": title,
        "received": received, "pct": _pct, "rate": _rate, "duration": duration,
        "share": lambda n: _pct(n, received),
        "automated": automated, "human": human,
        "reasons": restrictive,
        "overturns": overturns,
        "accounts": sorted(f.accounts.values(), key=lambda a: (-a.totals.received, a.account_id)),
        "by_category": sorted(by_category.items(), key=lambda kv: (-kv[1], kv[0])),
        "by_automation": sorted(by_automation.items()),
        "by_ground": sorted(by_ground.items()),
        "category_name": lambda c: c.removeprefix("STATEMENT_CATEGORY_").replace("_", " ").capitalize(),
        "week": _days(this_start, this_end), "last_week": _days(last_start, this_start),
        "automation_name": {"AUTOMATED_DECISION_FULLY": "Fully automated",
                            "AUTOMATED_DECISION_PARTIALLY": "Partly automated (flagged, a person decided)",
                            "AUTOMATED_DECISION_NOT_AUTOMATED": "Not automated"},
        "enum_name": lambda c: c.split("_", 2)[-1].replace("_", " ").capitalize(),
        "chart_daily": charts.daily_outcomes(f.daily) if f.daily else None,
        "chart_reasons": charts.horizontal_bars(
            [(r, by) for r, by in restrictive[:12]], ("hide", "escalate"),
            "comments") if restrictive else None,
        "chart_decided": charts.horizontal_bars(
            [("Automated", {"automated": automated}), ("Moderator", {"human": human})],
            ("automated", "human"), "final decisions", legend=False) if automated or human else None,
    }


def html(report: Report) -> str:
    env = Environment(autoescape=True, undefined=StrictUndefined, trim_blocks=True,
                      lstrip_blocks=True)
    env.filters["n"] = lambda v: f"{v:,}"
    return env.from_string(TEMPLATE).render(**_context(report))
