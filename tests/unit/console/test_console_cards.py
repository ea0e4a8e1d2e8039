"""What a moderator decides from, on SQLite and PostgreSQL: the item card with its parent comment,
the rules that fired with their spans in the text, model and policy, the author's history and
strikes (never from another organisation), a link to the comment on its platform, and what the
actuator carried out there (on the card, its list row and in the API's schema)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event

from civicmod.contract.console_settings import ConsoleSettings
from streams.console.cards import card, platform_link, platform_status
from streams.console.db import Database, now
from streams.console.models import PlatformAction
from streams.console.permissions import Principal
from streams.console.runtime import Console

from console_kit import (
    ACCOUNT,
    ORG,
    OTHER_ACCOUNT,
    OTHER_ORG_ACCOUNT,
    add_item,
    client,
    get_item,
    login,
    make_user,
    settings,
    unique,
    verdict,
)


@pytest.fixture(scope="module")
def env(module_db_url: str) -> Any:
    db = Database(module_db_url)
    db.setup()
    cs = settings()
    console = Console(db, cs)
    users = {"mod": make_user(db, "mod", (("moderator", ORG, None),)),
             "lead": make_user(db, "lead", (("lead", None, None),)),
             "acct": make_user(db, "acct-mod", (("moderator", None, ACCOUNT),))}
    yield db, cs, console, users
    db.dispose()


def _card(db: Database, cs: ConsoleSettings, item_id: int, who: Principal | None = None) -> dict[str, Any]:
    with db.read() as s:
        return card(s, get_item(db, item_id), cs, who)


def test_parent_context(env: Any) -> None:
    db, cs, console, _ = env
    parent = add_item(db, cs, text="The bins were not collected again", handle="@resident")
    parent_cid = get_item(db, parent).comment_id
    child = add_item(db, cs, text="Because the council is useless", parent_id=parent_cid)
    shown = _card(db, cs, child)
    assert shown["parent"] == {"comment_id": parent_cid, "text": "The bins were not collected again",
                               "author": "@resident"}
    orphan = add_item(db, cs, parent_id="facebook:never-reviewed")
    assert _card(db, cs, orphan)["parent"] == {"comment_id": "facebook:never-reviewed", "text": None,
                                               "author": None}
    assert _card(db, cs, parent)["parent"] is None
    with client(console) as http:  # through the API, for the moderator of the organisation
        r = login(http, "mod").get(f"/api/items/{child}")
    assert r.status_code == 200 and r.json()["parent"]["text"] == "The bins were not collected again"


def test_reasons_keep_the_spans_inside_the_text(env: Any) -> None:
    db, cs, console, _ = env
    text = "Call me on 07700 900123, you idiot"
    reasons = [
        {"source": "rule", "id": "pii.phone", "label": "personal data", "action": "hide",
         "spans": [[11, 23]], "policy": "privacy.phone"},
        {"source": "rule", "id": "abuse.insult", "label": "insult", "action": "escalate",
         "spans": [[29, 34], [30, 99], [-1, 4], [5, 5], [20, 10]]},
        {"source": "model", "id": "toxicity", "label": "toxicity", "score": 0.93},
    ]
    item_id = add_item(db, cs, text=text, reasons=reasons)
    shown = _card(db, cs, item_id)
    spans = {r["id"]: r["spans"] for r in shown["reasons"]}
    assert spans == {"pii.phone": [(11, 23)], "abuse.insult": [(29, 34)], "toxicity": []}
    assert [text[a:b] for a, b in spans["pii.phone"] + spans["abuse.insult"]] == ["07700 900123", "idiot"]
    assert shown["reasons"][0]["policy"] == "privacy.phone"
    assert (shown["policy_version"], shown["classifier"], shown["scores"]) == (
        "policy-7", {"name": "detoxify-original", "version": "abc123"}, {"toxicity": 0.91})
    assert shown["text"] == text and set(shown["labels"]) == {"personal data", "insult", "toxicity"}
    with client(console) as http:
        r = login(http, "acct-mod").get(f"/api/items/{item_id}")
    assert r.status_code == 200
    body = r.json()
    assert [r["spans"] for r in body["reasons"]] == [[[11, 23]], [[29, 34]], []]
    assert body["can"]["decide"] and not body["can"]["delete"]


def test_author_history_and_strikes(env: Any) -> None:
    db, cs, console, users = env
    author = unique("author")
    mod, lead = users["mod"], users["lead"]
    hidden = add_item(db, cs, author=author, text="first: hidden by a moderator")
    console.review.decide(mod, hidden, "hide", "harassment")
    published = add_item(db, cs, author=author, text="second: fine after all")
    console.review.decide(mod, published, "publish", "no_violation")
    auto = verdict(author=author, outcome="hide", text="third: auto-hidden")
    add_item(db, cs, auto)
    edited = verdict(author=author, outcome="hide", text="third: auto-hidden, edited",
                     comment_id=auto.comment.id)  # the same comment: one strike, not two
    add_item(db, cs, edited)
    elsewhere = add_item(db, cs, author=author, account=OTHER_ACCOUNT, text="fourth: another account")
    console.review.decide(lead, elsewhere, "delete", "threat")
    other_org = add_item(db, cs, author=author, account=OTHER_ORG_ACCOUNT, text="fifth: another org")
    console.review.decide(lead, other_org, "hide", "spam")
    add_item(db, cs, author=unique("someone-else"), text="not theirs")
    current = add_item(db, cs, author=author, text="now")

    shown = _card(db, cs, current, mod)  # the organisation's moderator: both of its accounts
    texts = [h["text"] for h in shown["author_history"]]
    assert set(texts) == {"first: hidden by a moderator", "second: fine after all", "third: auto-hidden",
                          "third: auto-hidden, edited", "fourth: another account"}
    assert texts[0] == "fourth: another account"  # newest first
    assert shown["author_strikes"] == 3  # hidden, auto-hidden (one comment), deleted
    assert not shown["author_restricted"]

    narrow = _card(db, cs, current, users["acct"])  # an account's moderator: that account only
    assert "fourth: another account" not in [h["text"] for h in narrow["author_history"]]
    assert narrow["author_strikes"] == 2
    assert _card(db, cs, current)["author_strikes"] == 2  # without a principal: the item's account

    everything = _card(db, cs, current, lead)
    assert "fifth: another org" in [h["text"] for h in everything["author_history"]]
    assert everything["author_strikes"] == 4

    limited = settings(author_history=2)
    with db.read() as s:
        assert len(card(s, get_item(db, current), limited, mod)["author_history"]) == 2

    console.review.decide(lead, add_item(db, cs, author=author), "restrict_author", "harassment")
    assert _card(db, cs, current, mod)["author_restricted"]


def test_platform_links(env: Any) -> None:
    db, cs, _, _ = env
    linked = add_item(db, cs, url="https://www.facebook.com/123_456?comment_id=789")
    assert _card(db, cs, linked)["url"] == "https://www.facebook.com/123_456?comment_id=789"
    templated = add_item(db, cs, comment_id="facebook:123_789")
    assert _card(db, cs, templated)["url"] == "https://www.facebook.com/123_789"
    for bad in ("javascript:alert(document.cookie)", " JavaScript:alert(1)", "data:text/html,<script>"):
        item_id = add_item(db, cs, comment_id=f"facebook:{unique('x')}", url=bad)
        native = get_item(db, item_id).comment_id.split(":", 1)[1]
        assert _card(db, cs, item_id)["url"] == f"https://www.facebook.com/{native}"
    x = add_item(db, cs, platform="x", comment_id="x:1790000000000000001")
    assert _card(db, cs, x)["url"] == "https://x.com/i/web/status/1790000000000000001"
    generic = add_item(db, cs, platform="generic", comment_id="generic:web:form-7")
    assert _card(db, cs, generic)["url"] is None
    custom = settings(platform_links={"generic": "https://cms/{id}"})
    assert platform_link(get_item(db, generic), custom) == "https://cms/web:form-7"


def _act(kind: str, status: str, at: datetime, code: str | None = None, error: str | None = None,
         comment_id: str = "facebook:x", requested_by: str = "verdict:hide") -> PlatformAction:
    return PlatformAction(action_id=unique("act"), comment_id=comment_id, kind=kind, status=status,
                          error_code=code, error=error, requested_by=requested_by, attempts=1, at=at)


def test_platform_status_in_a_few_words() -> None:
    t = now()
    assert platform_status([]) == (None, False)
    assert platform_status([_act("hide", "done", t)]) == ("hidden on the platform", False)
    assert platform_status([_act("unhide", "done", t)]) == ("visible again on the platform", False)
    assert platform_status([_act("hide", "dry_run", t)]) == ("dry run: would hide", False)
    assert platform_status([_act("hide", "failed", t, "190", "token expired")]) == (
        "hide failed: token expired (190)", True)
    assert platform_status([_act("delete", "failed", t)]) == ("delete failed", True)
    assert platform_status([_act("delete", "skipped", t, "unsupported", "no delete on Instagram")]) == (
        "delete skipped: no delete on Instagram (unsupported)", True)
    summary, _ = platform_status([_act("hide", "failed", t, "1", "y" * 300)])
    assert summary is not None and len(summary) < 100 and "…" in summary
    # newest first: the comment's newest action, and its author's
    newest = [_act("restrict_author", "done", t), _act("unhide", "done", t - timedelta(seconds=1)),
              _act("hide", "failed", t - timedelta(minutes=1), "190", "token expired")]
    assert platform_status(newest) == ("visible again on the platform; author restricted on the platform",
                                       False)


def test_platform_actions_on_the_card_the_list_and_the_api(env: Any) -> None:
    db, cs, console, _ = env
    lane = "lane-11"
    ids = [add_item(db, cs, queue=lane, text=f"row {n}") for n in range(3)]
    comment_ids = [get_item(db, i).comment_id for i in ids]
    t = now()
    failed = _act("hide", "failed", t - timedelta(minutes=5), "190", "token expired", comment_ids[0])
    banned = _act("restrict_author", "done", t, comment_id=comment_ids[0], requested_by="dec-1")
    with db.tx() as s:
        s.add_all([failed, banned, _act("hide", "dry_run", t, comment_id=comment_ids[1])])
    shown = _card(db, cs, ids[0])
    assert shown["platform_status"] == "hide failed: token expired (190); author restricted on the platform"
    assert shown["platform_warning"] is True
    assert [(a["kind"], a["status"], a["error_code"], a["requested_by"])
            for a in shown["platform_actions"]] == [("restrict_author", "done", None, "dec-1"),
                                                    ("hide", "failed", "190", "verdict:hide")]

    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if "platform_actions" in statement:
            statements.append(statement)

    with client(console) as http:
        mod = login(http, "mod")
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            r = mod.get("/api/items", params={"queue": lane})
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        assert r.status_code == 200, r.text
        rows = {x["id"]: (x["platform_status"], x["platform_warning"]) for x in r.json()}
        assert [rows[i] for i in ids] == [(shown["platform_status"], True),
                                          ("dry run: would hide", False), (None, False)]
        assert len(statements) == 1  # one query for the page, not one per row
        r = mod.get(f"/api/items/{ids[0]}")
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["platform_status"] == shown["platform_status"]
        assert [a["status"] for a in body["platform_actions"]] == ["done", "failed"]
        assert body["platform_actions"][1]["error"] == "token expired"
        assert datetime.fromisoformat(body["platform_actions"][0]["at"]).utcoffset() == timedelta(0)
        schemas = http.get("/api/openapi.json").json()["components"]["schemas"]
    assert schemas["ItemCardOut"]["properties"]["platform_actions"]["items"] == {
        "$ref": "#/components/schemas/PlatformActionOut"}
    assert {"kind", "status", "at", "requested_by"} <= set(schemas["PlatformActionOut"]["required"])
    assert "platform_status" in schemas["ItemRowOut"]["properties"]
