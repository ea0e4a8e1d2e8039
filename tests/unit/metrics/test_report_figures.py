"""The report from in-memory records: figures, statements, CSV and the HTML page."""

from __future__ import annotations

import csv
import json
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from civicmod.contract.records import (
    Aggregate,
    Author,
    Comment,
    Decision,
    Distribution,
    Engagement,
    Overturns,
    Reason,
    Verdict,
)
from streams.metrics.report import sample
from streams.metrics.report.build import Records, Scope, assemble
from streams.metrics.report.figures import compute, newest_per_key
from streams.metrics.report.render import csv_rows, html, write

DAY1 = datetime(2026, 11, 16, tzinfo=UTC)
DAY2 = DAY1 + timedelta(days=1)


def agg(start: datetime, account: str = "page:a", org: str = "org1", **kw) -> Aggregate:
    return Aggregate(window=kw.pop("window", "1d"), start=start, end=start + timedelta(days=1),
                     organisation=org, account_id=account, platform=kw.pop("platform", "facebook"),
                     updated_at=kw.pop("updated_at", start + timedelta(days=1)), **kw)


def test_the_newest_record_of_a_key_wins():
    old = agg(DAY1, outcomes={"publish": 5})
    new = agg(DAY1, outcomes={"publish": 7, "hide": 1}, updated_at=DAY2 + timedelta(hours=1))
    figs = compute(newest_per_key([old, agg(DAY2, outcomes={"publish": 2}), new]),
                   DAY1.date(), DAY2.date())
    assert figs.overall.outcomes == {"publish": 9, "hide": 1}
    assert figs.overall.received == 10


def test_percentiles_are_read_after_merging_days():
    # day 1: three quick decisions; day 2: one slow one. Merged median: the quick bucket;
    # an average of the days' medians would say half an hour.
    a = agg(DAY1, decision_time=Distribution.of([8, 9, 10]))
    b = agg(DAY2, decision_time=Distribution.of([3600]))
    figs = compute([a, b], DAY1.date(), DAY2.date())
    assert figs.overall.decision_time.count == 4
    assert figs.overall.decision_time.quantile(0.5) == 10
    assert figs.overall.decision_time.quantile(0.99) == 3600


def test_scope_by_period_organisation_and_account():
    records = [agg(DAY1, outcomes={"publish": 1}),
               agg(DAY1, account="ig:b", org="org2", outcomes={"publish": 10}),
               agg(DAY1, account="-", org="unassigned", deadletters={"invalid_json": 3}),
               agg(DAY1 - timedelta(days=1), outcomes={"publish": 100}),   # before the period
               agg(DAY1, window="1h", outcomes={"publish": 1000})]        # not a daily window
    assert compute(records, DAY1.date(), DAY2.date()).overall.received == 11
    assert compute(records, DAY1.date(), DAY2.date()).overall.deadletters == {"invalid_json": 3}
    org1 = compute(records, DAY1.date(), DAY2.date(), organisation="org1")
    assert set(org1.accounts) == {"page:a"} and org1.overall.deadletters == {}
    assert set(compute(records, DAY1.date(), DAY2.date(), account="ig:b").accounts) == {"ig:b"}


def test_engagement_and_appeals_add_up():
    a = agg(DAY1, engagement=Engagement(needs_reply=10, answered=6, replies=7,
                                        first_response=Distribution.of([600] * 6)),
            appeals={"upheld": 2, "reversed": 1},
            overturns={"abuse.staff": Overturns(reviewed=4, overturned=1)})
    b = agg(DAY2, engagement=Engagement(needs_reply=5, answered=1,
                                        first_response=Distribution.of([90000])),
            overturns={"abuse.staff": Overturns(reviewed=1, overturned=1)})
    t = compute([a, b], DAY1.date(), DAY2.date()).accounts["page:a"].totals
    assert (t.needs_reply, t.answered, t.unanswered) == (15, 7, 8)
    assert t.response_rate == pytest.approx(7 / 15)
    assert t.first_response.quantile(0.5) == 600 and t.first_response.quantile(0.9) == 172800
    assert t.overturns["abuse.staff"] == Overturns(reviewed=5, overturned=2)
    assert t.appeals_total == 3


def _verdict(cid: str, outcome: str, at: datetime, text: str = "some text", **kw) -> Verdict:
    c = Comment(id=cid, platform="facebook", account_id=kw.pop("account", "page:a"),
                author=Author(id="u1", display_name="Alex Moore"), text=text,
                received_at=at, created_at=at)
    reasons = kw.pop("reasons", [Reason(source="rule", id="pii.phone", label="personal_data",
                                        policy="privacy.personal_data", action="hide",
                                        detail="Contains a phone number")]
                     if outcome == "hide" else [])
    return Verdict(comment=c, outcome=outcome, reasons=reasons, policy_version="p@1", decided_at=at)


def _decision(cid: str, action: str, at: datetime, digest_of: str = "some text", **kw) -> Decision:
    from civicmod.contract.records import text_digest

    return Decision(decision_id=kw.pop("decision_id", f"d-{cid}"), comment_id=cid,
                    comment_digest=text_digest(digest_of), platform="facebook",
                    account_id=kw.pop("account", "page:a"), action=action,
                    reason_code=kw.pop("reason_code", "harassment"), decided_by="m1",
                    decided_at=at, **kw)


def test_statements_once_per_hide_inside_the_period():
    scope = Scope(DAY1.date(), DAY2.date())
    hide = _verdict("facebook:1", "hide", DAY1 + timedelta(hours=1))
    esc = _verdict("facebook:2", "escalate", DAY1 + timedelta(hours=2), reasons=[
        Reason(source="rule", id="abuse.staff", label="abuse", policy="abuse.staff", action="escalate")])
    records = Records(
        verdicts=[hide, hide,  # redelivered: one statement
                  _verdict("facebook:3", "hide", DAY1 - timedelta(hours=1)),  # before the period
                  _verdict("facebook:4", "hide", DAY2 + timedelta(days=1)),   # after it
                  esc, _verdict("facebook:5", "publish", DAY1)],
        decisions=[_decision("facebook:2", "delete", DAY2), _decision("facebook:2", "delete", DAY2),
                   _decision("facebook:6", "hide", DAY2),  # nothing flagged it
                   _decision("facebook:1", "publish", DAY2, reason_code="appeal_upheld",
                             appeal_id="ap1")])
    report = assemble(records, scope)
    got = {(f.origin, f.basis, f.statement.automated_decision) for f in report.statements}
    assert got == {("auto_hide", "pii.phone", "AUTOMATED_DECISION_FULLY"),
                   ("moderator", "harassment", "AUTOMATED_DECISION_PARTIALLY"),
                   ("moderator", "harassment", "AUTOMATED_DECISION_NOT_AUTOMATED")}
    assert report.statement_errors == {}


def test_statements_of_other_organisations_are_left_out():
    scope = Scope(DAY1.date(), DAY2.date(), organisation="org1", accounts=frozenset({"page:a"}))
    records = Records(verdicts=[_verdict("facebook:1", "hide", DAY1),
                                _verdict("facebook:2", "hide", DAY1, account="page:other")])
    assert [f.account_id for f in assemble(records, scope).statements] == ["page:a"]


@pytest.fixture(scope="module")
def demo_report():
    return assemble(sample.records(), sample.scope(), now=datetime(2026, 11, 30, 9, tzinfo=UTC))


def test_csv_has_the_figures(demo_report, tmp_path: Path):
    paths = write(demo_report, tmp_path / "out")
    with paths.csv.open() as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["period_from", "period_to", "organisation", "account_id", "platform",
                             "measure", "key", "value"]
    f = demo_report.figures

    def value(account, measure, key=""):
        hits = [r["value"] for r in rows
                if (r["account_id"], r["measure"], r["key"]) == (account, measure, key)]
        assert len(hits) == 1, (account, measure, key)
        return float(hits[0])

    assert value("*", "comments_received") == f.overall.received
    page = f.accounts[sample.PAGE].totals
    assert value(sample.PAGE, "outcome", "hide") == page.outcomes["hide"]
    escalated = page.reasons["abuse.staff"]["escalate"]
    assert value(sample.PAGE, "reason_outcome", "abuse.staff|escalate") == escalated
    assert value(sample.PAGE, "needs_reply") == page.needs_reply
    assert {r["platform"] for r in rows if r["account_id"] == sample.INSTA} == {"instagram"}
    n_statements = sum(float(r["value"]) for r in rows if r["measure"] == "statements_of_reasons")
    assert n_statements == len(demo_report.statements)
    lines = paths.statements.read_text().splitlines()
    assert len(lines) == len(demo_report.statements) > 0
    assert all(json.loads(line)["source_type"] == "SOURCE_VOLUNTARY" for line in lines)


def test_statements_count_every_hide(demo_report):
    hides = demo_report.figures.overall.outcomes["hide"]
    auto = [f for f in demo_report.statements if f.origin == "auto_hide"]
    assert len(auto) == hides
    moderator_hides = demo_report.figures.overall.decisions["hide"]
    appeals_upheld = demo_report.figures.overall.appeals["upheld"]
    assert len(demo_report.statements) - len(auto) == moderator_hides - appeals_upheld


def test_html_is_self_contained_and_says_what_it_covers(demo_report):
    page = html(demo_report)
    assert "Harrowby Council" in page and "16 November 2026" in page and "29 November 2026" in page
    assert "<script" not in page and "<link" not in page and "@import" not in page
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", page)
    assert page.count("<svg") >= 3
    for heading in ("Comments received", "Appeals and reversals", "Two-way engagement",
                    "What citizens are talking about", "Statements of reasons", "Method"):
        assert f">{heading}</h2>" in page
    assert "potholes" in page
    # no comment text and no author's name on the page
    assert "Alex Moore" not in page and "I will find you" not in page


def test_html_escapes_what_it_shows():
    report = assemble(Records(aggregates=[agg(DAY1, account="page:<script>x</script>",
                                              outcomes={"publish": 1})]),
                      Scope(DAY1.date(), DAY1.date()))
    page = html(report)
    assert "<script>x" not in page and "&lt;script&gt;x" in page


def test_an_empty_period_still_renders():
    report = assemble(Records(), Scope(date(2026, 1, 1), date(2026, 1, 7)))
    page = html(report)
    assert "All accounts" in page and "No comment was hidden" in page
    assert next(iter(csv_rows(report)))[5:] == ("comments_received", "", 0)


def test_scope_refuses_an_inverted_period():
    with pytest.raises(ValueError, match="before"):
        Scope(date(2026, 2, 1), date(2026, 1, 1))


# -- the command, with the Kafka reading replaced ------------------------------------------------
def test_report_command_writes_the_three_files(tmp_path: Path, monkeypatch):
    from civicmod.cli import app
    from streams.metrics.report import load

    seen = {}

    def fake_load(src, scope, lookback=None):
        seen["src"], seen["scope"] = src, scope
        return sample.records()

    monkeypatch.setattr(load, "load", fake_load)
    cfg = tmp_path / "c.yaml"
    cfg.write_text("kafka: {topic_prefix: 'x.'}\nconsole:\n  organisations:\n    harrowby:\n"
                   "      name: Harrowby Council\n      accounts: ['page:harrowby-council', "
                   "'ig:harrowbycouncil']\n")
    out = tmp_path / "report"
    res = CliRunner().invoke(app, ["report", "--from", "2026-11-16", "--to", "2026-11-29", "--org",
                                   "harrowby", "--out", str(out), "--bootstrap", "k:9", "-c", str(cfg)])
    assert res.exit_code == 0, res.output
    assert {p.name for p in out.iterdir()} == {"report.html", "report.csv", "statements.jsonl"}
    assert seen["src"].bootstrap == "k:9" and seen["src"].prefix == "x."
    assert seen["scope"].organisation_name == "Harrowby Council"
    assert "Harrowby Council" in (out / "report.html").read_text()


@pytest.mark.parametrize("args", [["--from", "2026-13-01", "--to", "2026-12-01"],
                                  ["--from", "2026-12-02", "--to", "2026-12-01"]])
def test_report_command_refuses_bad_dates(args, tmp_path: Path):
    from civicmod.cli import app

    res = CliRunner().invoke(app, ["report", *args, "--out", str(tmp_path)])
    assert res.exit_code == 2
    assert "date" in res.output or "before" in res.output
