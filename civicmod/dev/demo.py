"""A demo feed of public-sector comments (written for civicmod), valid and malformed."""

from __future__ import annotations

import json
import random
import zlib
from datetime import timedelta

from civicmod.contract.records import Author, Comment, utcnow

ACCOUNT = "page:city-of-example-council"

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


def _comment(i: int, platform: str, name: str, text: str, run: str = "demo",
             copy: int = 0) -> Comment:
    """Comment ``i``; later copies of a demo comment (``copy`` > 0) come from a different
    person with a numbered text, as a real feed would, so the stateful rules (flooding,
    repeated text, campaigns) do not fire on the demo's own repetition."""
    now = utcnow()
    native = f"{run}{i:05d}"
    person = f"{platform}-user-{zlib.crc32(name.encode()) % 10_000}" + (f"-{copy}" if copy else "")
    return Comment(
        id=f"{platform}:{native}", platform=platform, account_id=ACCOUNT,  # type: ignore[arg-type]
        thread_id=f"{platform}:post-1", author=Author(
            id=person, handle=name.replace(" ", "").lower(),
            display_name=name, created_at=now - timedelta(days=400), followers=42,
            default_avatar=False,
        ),
        text=text if not copy else f"{text} #{copy}", created_at=now, received_at=now,
        url=f"https://{platform}.example/{native}",
    )


def malformed(max_text_chars: int = 10_000) -> list[tuple[bytes, str]]:
    """Broken messages, each with the dead-letter reason the pipeline must give."""
    long_text = _comment(99_999, "facebook", "Long Writer", "x" * (max_text_chars + 1))
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
                  max_text_chars: int = 10_000, run: str = "demo"
                  ) -> list[tuple[bytes | None, bytes, str]]:
    """(key, value, expected) triples, shuffled; ``expected`` is an outcome or
    ``deadletter:<reason>``. Defaults: one pass over the demo comments and the broken messages;
    larger counts cycle through them with unique comment ids."""
    rng = random.Random(seed)
    bad = malformed(max_text_chars)
    n_valid = len(DEMO_COMMENTS) if n_valid is None else n_valid
    n_malformed = len(bad) if n_malformed is None else n_malformed
    items: list[tuple[bytes | None, bytes, str]] = []
    for i in range(n_valid):
        platform, name, text, expected = DEMO_COMMENTS[i % len(DEMO_COMMENTS)]
        c = _comment(i, platform, name, text, run, copy=i // len(DEMO_COMMENTS))
        items.append((c.id.encode(), c.to_json(), expected))
    for j in range(n_malformed):
        raw, reason = bad[j % len(bad)]
        items.append((f"{run}-malformed:{j}".encode(), raw, f"deadletter:{reason}"))
    rng.shuffle(items)
    return items
