"""A made-up council's fortnight of moderation records, for the report's tests, its screenshot
and trying the report out without a pipeline. Deterministic: the same seed gives the same
records.

Harrowby Council's Facebook page hears more about potholes in the second week (after a frost);
its Instagram account about bin collections. The daily aggregates are counted from the same
verdicts and decisions, as the metrics service would.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

from civicmod.contract.records import (
    Aggregate,
    Author,
    ClassifierInfo,
    Comment,
    Decision,
    Distribution,
    Engagement,
    Overturns,
    Reason,
    Verdict,
)
from streams.metrics.report.build import Records, Scope

ORG = "harrowby"
ORG_NAME = "Harrowby Council"
PAGE = "page:harrowby-council"
INSTA = "ig:harrowbycouncil"
PLATFORMS = {PAGE: "facebook", INSTA: "instagram"}
MODEL = ClassifierInfo(name="detoxify-original", version="5a9d3c21")
POLICY = "civicmod-default@2026.11.1"
START = date(2026, 11, 16)
END = date(2026, 11, 29)

EVERYDAY = [
    "When is the library open over the holidays?",
    "The new cycle lane on Station Road is great, thanks",
    "Council tax went up again and services are worse",
    "Parking on Mill Lane is impossible since the market moved",
    "Who do I contact about a broken street light on Church Street?",
    "Well done to the staff at the leisure centre",
    "Any update on the town centre regeneration plans?",
    "The parking permits website keeps crashing",
    "Will the swimming pool reopen before Christmas?",
    "Great turnout at the Remembrance service",
    "Green bin collection missed again on Elm Grove",
    "The park cafe is lovely, more benches please",
]
POTHOLES = [
    "Huge potholes on the A41 after the frost, nearly lost a tyre",
    "Potholes on Mill Lane are getting worse every day",
    "When will the potholes on Station Road be fixed?",
    "Reported the potholes near the school twice, still nothing",
    "Potholes everywhere on the ring road, dangerous for cyclists",
]
BINS = [
    "Bin collection missed again this week on Elm Grove",
    "Why has the bin collection changed to fortnightly?",
    "Recycling bin not emptied for two weeks now",
    "Bin collection day moved without any notice",
]
NAMES = ["Alex Moore", "Sam Patel", "Jo Evans", "Chris Lee", "Priya Shah", "Tom Hughes",
         "Megan Price", "Dan Wright", "Aisha Khan", "Rob Hill", "Lucy Ward", "Owen Jones"]
HIDES = [  # (rule, label, policy, detail, text)
    ("abuse.threat", "threat", "abuse.threat", "Threat of violence: 'find you'",
     "I will find you and you'll regret it"),
    ("pii.phone", "personal_data", "privacy.personal_data", "Contains a phone number",
     "Call my neighbour on 07700 900123, he is the one dumping rubbish"),
    ("scam.bait", "scam", "spam.scam", "Possible scam wording: 'claim your'",
     "Claim your council tax refund now at refund-claims.example"),
]
ESCALATES = [
    ("abuse.staff", "abuse", "abuse.staff", "Insult aimed at a person: 'idiots'",
     "The idiots in the planning office should all be sacked"),
    ("model.toxicity", "toxicity", None, "toxicity 0.812 >= escalate threshold 0.7",
     "This council is a total joke run by clowns"),
]


def _comment(rng: random.Random, account: str, n: int, text: str, at: datetime) -> Comment:
    platform = PLATFORMS[account]
    who = rng.randrange(len(NAMES))
    return Comment(id=f"{platform}:{account.split(':')[1]}-{n}", platform=platform,
                   account_id=account, author=Author(id=f"u{who}", display_name=NAMES[who]),
                   text=text, lang="en", created_at=at - timedelta(seconds=20),
                   received_at=at)


def _reason(rule: str, label: str, policy: str | None, detail: str, action: str) -> Reason:
    if rule.startswith("model."):
        return Reason(source="model", id=rule, label=label, score=0.812, action=action, detail=detail)
    return Reason(source="rule", id=rule, label=label, action=action, detail=detail, policy=policy,
                  priority=2)


def records(seed: int = 7, start: date = START, end: date = END) -> Records:
    """Verdicts, decisions and the daily aggregates counted from them."""
    rng = random.Random(seed)
    verdicts: list[Verdict] = []
    decisions: list[Decision] = []
    n = 0
    days = (end - start).days + 1
    for i in range(days):
        day = start + timedelta(days=i)
        second_week = i >= days - 7
        for account in (PAGE, INSTA):
            volume = rng.randint(18, 30) if account == PAGE else rng.randint(8, 14)
            for _ in range(volume):
                n += 1
                at = datetime(day.year, day.month, day.day, rng.randint(7, 22), rng.randint(0, 59),
                              tzinfo=UTC)
                pick = rng.random()
                if pick < 0.06:
                    rule, label, policy, detail, text = HIDES[rng.randrange(len(HIDES))]
                    reasons = [_reason(rule, label, policy, detail, "hide")]
                    outcome = "hide"
                elif pick < 0.14:
                    rule, label, policy, detail, text = ESCALATES[rng.randrange(len(ESCALATES))]
                    reasons = [_reason(rule, label, policy, detail, "escalate")]
                    outcome = "escalate"
                else:
                    if account == PAGE and second_week and rng.random() < 0.35:
                        text = POTHOLES[rng.randrange(len(POTHOLES))]
                    elif account == INSTA and rng.random() < (0.4 if second_week else 0.15):
                        text = BINS[rng.randrange(len(BINS))]
                    else:
                        text = EVERYDAY[rng.randrange(len(EVERYDAY))]
                    reasons, outcome = [], "publish"
                comment = _comment(rng, account, n, f"{text}", at)
                tags = ["engagement.question"] if text.endswith("?") else []
                v = Verdict(comment=comment, outcome=outcome, reasons=reasons, policy_version=POLICY,
                            classifier=MODEL, decided_at=at + timedelta(seconds=rng.uniform(0.2, 2)),
                            tags=tags)
                verdicts.append(v)
                if outcome == "escalate":
                    hide = rng.random() < 0.6
                    decisions.append(Decision(
                        decision_id=f"d{n}", comment_id=comment.id, comment_digest=comment.digest(),
                        platform=comment.platform, account_id=account,
                        action="hide" if hide else "publish",
                        reason_code="harassment" if hide else "no_violation",
                        decided_by="m.okafor", role="moderator",
                        decided_at=at + timedelta(minutes=rng.randint(4, 240))))
                elif outcome == "hide" and rng.random() < 0.25:
                    reversed_ = rng.random() < 0.3
                    decisions.append(Decision(
                        decision_id=f"a{n}", comment_id=comment.id, comment_digest=comment.digest(),
                        platform=comment.platform, account_id=account,
                        action="publish" if reversed_ else "hide",
                        reason_code="appeal_upheld" if reversed_ else "threat",
                        decided_by="j.patel", role="lead", appeal_id=f"ap{n}",
                        decided_at=at + timedelta(hours=rng.randint(2, 30))))
    return Records(aggregates=aggregate(verdicts, decisions, rng), verdicts=verdicts,
                   decisions=decisions)


def aggregate(verdicts: list[Verdict], decisions: list[Decision], rng: random.Random) -> list[Aggregate]:
    """Daily aggregates as the metrics service would count them (a simple re-implementation
    for the sample only)."""
    acc: dict[tuple[date, str], dict] = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    durations: dict[tuple[date, str, str], list[float]] = defaultdict(list)
    overturns: dict[tuple[date, str], dict[str, list[int]]] = defaultdict(dict)
    received = {v.comment.id: v for v in verdicts}
    for v in verdicts:
        key = (v.comment.received_at.date(), v.comment.account_id)
        a = acc[key]
        a["outcomes"][v.outcome] += 1
        for r in v.reasons:
            a.setdefault("by_reason", {}).setdefault(r.id, defaultdict(int))[v.outcome] += 1
        if v.outcome != "escalate":
            a["decided_by"]["automated"] += 1
        durations[(*key, "latency")].append((v.decided_at - v.comment.received_at).total_seconds())
        if v.outcome == "hide":
            a["actions"]["hide.done"] += 1
            durations[(*key, "action")].append(rng.uniform(2, 40))
        if "engagement.question" in v.tags:
            a["engagement"]["needs_reply"] += 1
            if rng.random() < (0.8 if v.comment.account_id == PAGE else 0.45):
                a["engagement"]["answered"] += 1
                a["engagement"]["replies"] += 1
                durations[(*key, "reply")].append(rng.uniform(600, 30 * 3600))
    for d in decisions:
        v = received[d.comment_id]
        key = (v.comment.received_at.date(), v.comment.account_id)
        a = acc[key]
        a["decisions"][d.action] += 1
        rule = v.reasons[0].id
        ov = overturns[key].setdefault(rule, [0, 0])
        ov[0] += 1
        if d.appeal_id:
            a["appeals"]["reversed" if d.action == "publish" else "upheld"] += 1
            ov[1] += d.action == "publish"
        else:
            a["decided_by"]["human"] += 1
            durations[(*key, "decision")].append((d.decided_at - v.decided_at).total_seconds())
            ov[1] += d.action == "publish"
            if d.action == "hide":
                a["actions"]["hide.done"] += 1
                durations[(*key, "action")].append(
                    (d.decided_at - v.comment.received_at).total_seconds() + rng.uniform(2, 30))
    out = []
    for (day, account), a in sorted(acc.items()):
        start = datetime(day.year, day.month, day.day, tzinfo=UTC)
        dist = lambda kind, day=day, account=account: Distribution.of(durations[(day, account, kind)])  # noqa: E731
        out.append(Aggregate(
            window="1d", start=start, end=start + timedelta(days=1), organisation=ORG,
            account_id=account, platform=PLATFORMS[account], updated_at=start + timedelta(days=1),
            outcomes=dict(a["outcomes"]),
            reasons={r: dict(by) for r, by in a.get("by_reason", {}).items()},
            decided_by=dict(a["decided_by"]), latency=dist("latency"),
            decisions=dict(a["decisions"]), decision_time=dist("decision"),
            overturns={r: Overturns(reviewed=x[0], overturned=x[1])
                       for r, x in overturns[(day, account)].items()},
            appeals=dict(a["appeals"]), actions=dict(a["actions"]), time_to_action=dist("action"),
            deadletters={"invalid_json": 1} if day.day % 5 == 0 else {},
            engagement=Engagement(needs_reply=a["engagement"]["needs_reply"],
                                  answered=a["engagement"]["answered"],
                                  replies=a["engagement"]["replies"],
                                  first_response=dist("reply"),
                                  last_reply_at=start + timedelta(hours=17)
                                  if a["engagement"]["replies"] else None)))
    return out


def scope() -> Scope:
    return Scope(START, END, organisation=ORG, organisation_name=ORG_NAME,
                 accounts=frozenset(PLATFORMS))
