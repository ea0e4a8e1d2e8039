"""A demo feed of public-sector comments (written for civicmod), valid and malformed, with
residents' questions and problem reports and the agency's replies to some of them.

- :func:`demo_messages`: what goes to ``comments.incoming`` (with the outcome each must get).
- :func:`demo_agency_replies` / :func:`agency_reply_messages`: the agency's own replies, for
  ``comments.agency_replies`` (``parent_id`` = the question's id, posted a while after it).
  :data:`SILENT_ACCOUNT` gets questions and never replies (the neglected account).
"""

from __future__ import annotations

import json
import random
import zlib
from datetime import datetime, timedelta
from typing import NamedTuple

from civicmod.contract.records import Author, Comment, utcnow

ACCOUNT = "page:city-of-example-council"
#: A second account (the council's leisure trust) that is asked things and never answers.
SILENT_ACCOUNT = "page:example-leisure-trust"
#: Account → (the platform's id of the account itself, its display name): the replies' author.
AGENCY_AUTHORS = {ACCOUNT: ("city-of-example-council", "City of Example Council"),
                  SILENT_ACCOUNT: ("example-leisure-trust", "Example Leisure Trust")}

#: (platform, author display name, text, the outcome the default setup is expected to give)
DEMO_COMMENTS: list[tuple[str, str, str, str]] = [
    ("facebook", "Margaret Ellis", "When will the potholes on Station Road be repaired? "
     "Two cars damaged this week.", "publish"),
    ("facebook", "Tom Okafor", "Bin collection on Harrow Lane was missed again, third week running.",
     "publish"),
    ("instagram", "jess.walks", "Lovely to see the park gates repainted, thank you!", "publish"),
    ("x", "Ravi Patel", "The council's parking policy is a disgrace and the cabinet member should "
     "resign. Answer the petition.", "publish"),
    ("youtube", "Aled Jones", "Is the recycling centre open on bank holiday Monday?", "publish"),
    ("facebook", "Sandra Kay", "Why does the library close at 5pm? Working people can't use it.",
     "publish"),
    ("facebook", "Anon Resident", "I know where you live, councillor. Keep ignoring us and see.",
     "hide"),
    ("x", "Dave", "Someone should burn the town hall down, I'll kill every one of you", "hide"),
    ("facebook", "Helpful Neighbour", "My number is 07700 900123, call me if you found my dog "
     "near the bridge", "hide"),
    ("instagram", "carla_m", "email me at carla.m@example.com about the planning objection",
     "hide"),
    ("facebook", "Council Refunds Team", "Council tax refund available! Claim now at "
     "https://bit.ly/ctax-refund-2026", "hide"),
    ("x", "CryptoKing", "Make 10x on your money, DM me for bitcoin investment tips "
     "www.quickcoin-profits.xyz/join", "hide"),
    ("facebook", "City of Exampie Council", "Residents: confirm your address for the new "
     "parking permit by replying with your details.", "escalate"),
    ("x", "Clty of Example Counci1", "Official: all bin collections cancelled this week.",
     "escalate"),
    ("facebook", "Pat Brown", "You useless fucking idiots, fuck you all", "escalate"),
    ("youtube", "Lee", "what a shit show this consultation was", "escalate"),
    ("x", "Ana", "The council is a disgrace and the leader should go.", "publish"),
    ("facebook", "Joan Smith", "Thank you to the gritting crews out at 4am this morning.",
     "publish"),
    ("instagram", "mo_h", "More info on the consultation: https://www.example.gov.uk/consult",
     "publish"),
]


class Engagement(NamedTuple):
    """A resident's question or problem report, and the agency's reply to it (if any)."""

    platform: str
    name: str
    text: str
    expected: str
    account: str = ACCOUNT
    #: How long before the feed's start it was posted.
    age: timedelta = timedelta(0)
    #: The agency's reply, posted ``reply_after`` the comment; None: never answered.
    reply: str | None = None
    reply_after: timedelta = timedelta(0)


#: Questions and problem reports (each tagged engagement.question / engagement.report by the
#: default policy); the first four are answered, the rest wait, and the leisure trust's
#: (SILENT_ACCOUNT) are never answered.
DEMO_ENGAGEMENT: list[Engagement] = [
    Engagement("facebook", "Priya Shah", "Who do I contact about a broken streetlight on Elm "
               "Close?", "publish", age=timedelta(hours=3),
               reply="Thanks Priya, you can report it at example.gov.uk/streetlights and the "
               "lighting team will be out within 5 working days.",
               reply_after=timedelta(minutes=25)),
    Engagement("instagram", "ben.rides", "Is the cycle path along the canal open again after the "
               "flooding?", "publish", age=timedelta(hours=6),
               reply="Yes, it reopened this morning. Please take care near the lock, it is "
               "still muddy.", reply_after=timedelta(hours=2)),
    Engagement("x", "Grace O", "Someone has fly-tipped a mattress and two sofas behind the shops "
               "on King Street.", "publish", age=timedelta(hours=30),
               reply="Thanks Grace, our street cleansing crew will clear it today.",
               reply_after=timedelta(hours=20)),
    Engagement("facebook", "Ahmed Khan", "How do I apply for a resident parking permit for my "
               "new address?", "publish", age=timedelta(hours=2),
               reply="Hi Ahmed, you can apply online at example.gov.uk/permits, it takes about "
               "ten minutes.", reply_after=timedelta(minutes=10)),
    Engagement("youtube", "Ellen", "When does the consultation on the new bus lanes close?",
               "publish", age=timedelta(hours=30)),
    Engagement("facebook", "Mike T", "Graffiti all over the underpass by the station again.",
               "publish", age=timedelta(hours=5)),
    Engagement("facebook", "Nina Petrova", "Is the leisure centre pool open on Boxing Day?",
               "publish", account=SILENT_ACCOUNT, age=timedelta(days=4)),
    Engagement("instagram", "sam_swims", "The showers in the leisure centre changing rooms have "
               "been broken for weeks.", "publish", account=SILENT_ACCOUNT,
               age=timedelta(days=3)),
    Engagement("facebook", "Olu Adebayo", "What time does the gym open on Sundays?", "publish",
               account=SILENT_ACCOUNT, age=timedelta(days=2)),
]

#: Demo comments before the engagement ones (their account is ACCOUNT, posted at the start).
BASE_COMMENTS = len(DEMO_COMMENTS)
DEMO_COMMENTS += [(e.platform, e.name, e.text, e.expected) for e in DEMO_ENGAGEMENT]


def _engagement(i: int) -> Engagement | None:
    """The engagement entry of demo comment ``i`` (cycling like :func:`demo_messages`)."""
    k = i % len(DEMO_COMMENTS) - BASE_COMMENTS
    return DEMO_ENGAGEMENT[k] if k >= 0 else None


def _comment(i: int, platform: str, name: str, text: str, run: str = "demo",
             copy: int = 0, now: datetime | None = None, plan: Engagement | None = None
             ) -> Comment:
    """Comment ``i``; later copies of a demo comment (``copy`` > 0) come from a different
    person with a numbered text, as a real feed would, so the stateful rules (flooding,
    repeated text, campaigns) do not fire on the demo's own repetition. An engagement comment
    (``plan``) goes to its account and was posted its ``age`` before ``now``."""
    now = now or utcnow()
    native = f"{run}{i:05d}"
    person = f"{platform}-user-{zlib.crc32(name.encode()) % 10_000}" + (f"-{copy}" if copy else "")
    created = now - plan.age if plan else now
    return Comment(
        id=f"{platform}:{native}", platform=platform,  # type: ignore[arg-type]
        account_id=plan.account if plan else ACCOUNT,
        thread_id=f"{platform}:post-1", author=Author(
            id=person, handle=name.replace(" ", "").lower(),
            display_name=name, created_at=now - timedelta(days=400), followers=42,
            default_avatar=False,
        ),
        text=text if not copy else f"{text} #{copy}", created_at=created, received_at=now,
        url=f"https://{platform}.example/{native}",
    )


def malformed(max_text_chars: int = 10_000, now: datetime | None = None
              ) -> list[tuple[bytes, str]]:
    """Broken messages, each with the dead-letter reason the pipeline must give."""
    long_text = _comment(99_999, "facebook", "Long Writer", "x" * (max_text_chars + 1), now=now)
    return [
        (b"{not json at all", "invalid_json"),
        (json.dumps({"schema": "civicmod.comment/1", "id": "facebook:x1", "platform": "facebook"})
         .encode(), "invalid_schema"),
        (json.dumps({"schema": "civicmod.comment/9", "id": "x:1"}).encode(), "unknown_schema"),
        (b"\xff\xfe\x00garbage", "invalid_utf8"),
        (b"[1, 2, 3]", "invalid_schema"),
        (json.dumps({"schema": "civicmod.comment/1", "id": "facebook:x2", "platform": "myspace",
                     "account_id": "a", "author": {"id": "u"}, "text": "hi"}).encode(),
         "invalid_schema"),
        (long_text.to_json(), "text_too_long"),
    ]


def demo_messages(n_valid: int | None = None, n_malformed: int | None = None, seed: int = 7,
                  max_text_chars: int = 10_000, run: str = "demo", now: datetime | None = None
                  ) -> list[tuple[bytes | None, bytes, str]]:
    """(key, value, expected) triples, shuffled; ``expected`` is an outcome or
    ``deadletter:<reason>``. Defaults: one pass over the demo comments and the broken messages;
    larger counts cycle through them with unique comment ids. ``now``: the feed's start (give
    :func:`demo_agency_replies` the same ``run`` and ``now``)."""
    now = now or utcnow()
    rng = random.Random(seed)
    bad = malformed(max_text_chars, now)
    n_valid = len(DEMO_COMMENTS) if n_valid is None else n_valid
    n_malformed = len(bad) if n_malformed is None else n_malformed
    items: list[tuple[bytes | None, bytes, str]] = []
    for i in range(n_valid):
        platform, name, text, expected = DEMO_COMMENTS[i % len(DEMO_COMMENTS)]
        c = _comment(i, platform, name, text, run, copy=i // len(DEMO_COMMENTS), now=now,
                     plan=_engagement(i))
        items.append((c.id.encode(), c.to_json(), expected))
    for j in range(n_malformed):
        raw, reason = bad[j % len(bad)]
        items.append((f"{run}-malformed:{j}".encode(), raw, f"deadletter:{reason}"))
    rng.shuffle(items)
    return items


def demo_agency_replies(n_valid: int | None = None, run: str = "demo",
                        now: datetime | None = None) -> list[Comment]:
    """The agency's replies to the demo comments of ``demo_messages(n_valid, run=run, now=now)``
    (same ``run`` and ``now``), as ``civicmod.comment/1`` records for ``comments.agency_replies``:
    written by the account itself, ``parent_id`` and ``thread_id`` those of the comment
    answered, ``created_at`` its ``reply_after`` later. Oldest first."""
    now = now or utcnow()
    n_valid = len(DEMO_COMMENTS) if n_valid is None else n_valid
    out = []
    for i in range(n_valid):
        plan = _engagement(i)
        if plan is None or plan.reply is None:
            continue
        platform, name, text, _ = DEMO_COMMENTS[i % len(DEMO_COMMENTS)]
        asked = _comment(i, platform, name, text, run, copy=i // len(DEMO_COMMENTS), now=now,
                         plan=plan)
        at = (asked.created_at or now) + plan.reply_after
        agency_id, agency_name = AGENCY_AUTHORS[plan.account]
        out.append(Comment(
            id=f"{platform}:{run}r{i:05d}", platform=platform,  # type: ignore[arg-type]
            account_id=plan.account, thread_id=asked.thread_id, parent_id=asked.id,
            author=Author(id=agency_id, handle=agency_id, display_name=agency_name),
            text=plan.reply, created_at=at, received_at=at,
            url=f"https://{platform}.example/{run}r{i:05d}"))
    return sorted(out, key=lambda c: c.created_at or now)


def agency_reply_messages(n_valid: int | None = None, run: str = "demo",
                          now: datetime | None = None) -> list[tuple[bytes, bytes]]:
    """(key, value) of each of :func:`demo_agency_replies`, for ``comments.agency_replies``."""
    return [(c.id.encode(), c.to_json()) for c in demo_agency_replies(n_valid, run, now)]
