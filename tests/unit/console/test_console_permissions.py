"""The permission matrix test: every role × action × scope through the HTTP API with a session
cookie (+ CSRF header), and again with API tokens (a token acts with its user's roles: every role
× scope, one action per permission the server checks), on SQLite and PostgreSQL.

The items live in organisation ``org-a``, account ``acct-a1``. A user holds one role on one
scope: everything, the item's organisation, the item's account, another organisation, or another
account of the same organisation. Outside its scopes an item does not exist for a user: 404, and
absent from lists and bulk previews. The ``comms`` role (communications staff) sees no moderation
item anywhere (404), works the "needs a reply" queue with leads and admins, and, like every role,
sees the ops page's figures of its scopes.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from civicmod.contract import topics as T
from civicmod.contract.console_settings import ConsoleSettings
from civicmod.contract.records import Aggregate
from streams.console.db import Database
from streams.console.ingest import Ingest
from streams.console.models import DecisionRow, Grant, Item, LegalHold, ReplyItem, User
from streams.console.permissions import Principal
from streams.console.runtime import Console

from console_kit import (
    ACCOUNT,
    ORG,
    OTHER_ACCOUNT,
    OTHER_ORG,
    PASSWORD,
    Actor,
    add_item,
    add_items,
    client,
    get_item,
    login,
    make_user,
    settings,
    unique,
    verdict,
)

ROLES = ("viewer", "moderator", "lead", "admin", "auditor", "comms")
#: The roles that see moderation items (``comms`` does not: their items answer 404 everywhere).
SEES_ITEMS = {"viewer", "moderator", "lead", "admin", "auditor"}
#: scope name → (organisation, account) of the grant
SCOPES: dict[str, tuple[str | None, str | None]] = {
    "everything": (None, None),
    "item_org": (ORG, None),
    "item_account": (None, ACCOUNT),
    "other_org": (OTHER_ORG, None),
    "other_account": (None, OTHER_ACCOUNT),
}
#: The scopes that reach the item (org-a / acct-a1).
REACHES_ITEM = {"everything", "item_org", "item_account"}

ALL, MODERATE = set(SEES_ITEMS), {"moderator", "lead", "admin"}
REPLIES = {"comms", "lead", "admin"}
LEADS, RECORDS, AUDIT = {"lead", "admin"}, {"lead", "admin", "auditor"}, {"admin", "auditor"}
#: Who may do what where they hold their role (docs/console.md's table, permissions.py's
#: docstring): viewer < moderator < lead < admin, and auditor beside them (read-only audit and
#: export, legal holds, and the ``foi`` queue). Hide is every moderator's removal; delete and
#: restricting an author are for leads.
MAY: dict[str, set[str]] = {
    "view_list": ALL,
    "view_item": ALL,
    "claim": MODERATE,
    "decide_publish": MODERATE,
    "decide_hide": MODERATE,
    "decide_escalate": MODERATE,
    "decide_hold": MODERATE,
    "decide_note": MODERATE,
    "delete": LEADS,
    "restrict_author": LEADS,
    "undo_someone_elses": LEADS,
    "bulk_preview": LEADS,
    "bulk_decide": LEADS,
    "appeal_create": MODERATE,
    "appeal_decide": MODERATE,
    "hold_place": RECORDS,
    "hold_release": RECORDS,
    "decide_in_escalated": LEADS,
    "claim_in_foi": {"auditor", "lead", "admin"},
    "decide_in_foi": {"auditor", "lead", "admin"},
    "audit_read": AUDIT,
    "audit_export": AUDIT,
    "create_user": {"admin"},
    "grant_role": {"admin"},
    "disable_user": {"admin"},
    "reply_view": REPLIES,
    "reply_close": REPLIES,
    "ops_view": set(ROLES),
}
#: Actions on an item (or its hold, decision, appeal): outside the user's scopes the answer is 404.
ITEM_BOUND = set(MAY) - {"view_list", "bulk_preview", "bulk_decide", "audit_read", "audit_export",
                         "create_user", "grant_role", "disable_user",
                         # lists; and a question one may not work answers 404 in scope too
                         "reply_view", "reply_close", "ops_view"}


def _allowed(role: str, scope: str, action: str) -> bool:
    if role not in MAY[action]:
        return False
    if action == "create_user":  # an admin of anything adds users (without grants)
        return True
    if action in ("audit_read", "audit_export"):
        # the audit rows of the organisations and accounts the grant covers: the marker's
        # decision is on the item's account, in the item's organisation
        return scope in ("everything", "item_org", "item_account")
    return scope in REACHES_ITEM


#: The whole matrix: (role, scope, action) → allowed.
EXPECTED: dict[tuple[str, str, str], bool] = {
    (role, scope, action): _allowed(role, scope, action)
    for role in ROLES for scope in SCOPES for action in MAY}


def test_the_expected_table_says_what_the_docs_say() -> None:
    """Spot checks that the table above is the documented one (and not derived from the code)."""
    assert len(EXPECTED) == len(ROLES) * len(SCOPES) * len(MAY)
    e = EXPECTED
    assert e["moderator", "item_account", "decide_hide"] and not e["moderator", "item_account", "delete"]
    assert e["lead", "item_org", "delete"] and e["lead", "item_org", "restrict_author"]
    assert not e["moderator", "everything", "decide_in_foi"] and e["auditor", "item_account", "decide_in_foi"]
    assert not e["auditor", "everything", "decide_hide"] and e["auditor", "everything", "audit_export"]
    assert not e["lead", "everything", "audit_read"] and e["lead", "item_org", "hold_place"]
    assert e["auditor", "item_account", "audit_read"] and not e["auditor", "other_account", "audit_read"]
    assert not e["viewer", "everything", "claim"] and e["viewer", "item_account", "view_item"]
    assert not any(e[r, s, a] for r in ROLES for s in ("other_org", "other_account") for a in ITEM_BOUND)
    assert e["admin", "other_org", "create_user"] and not e["admin", "other_org", "grant_role"]
    assert not any(e["comms", s, a] for s in SCOPES for a in ITEM_BOUND | {"view_list"})
    assert e["comms", "item_org", "reply_close"] and not e["moderator", "everything", "reply_view"]
    assert e["comms", "item_account", "ops_view"] and not e["viewer", "other_org", "ops_view"]


@dataclass
class Result:
    """What one cell did: allowed (the action happened) or refused, and the HTTP status."""

    allowed: bool
    status: int
    detail: str = ""


@dataclass
class Matrix:
    db: Database
    cs: ConsoleSettings
    console: Console
    http: TestClient
    helper_mod: Principal  # hides items, enters appeals (the "someone else")
    helper_aud: Principal  # places holds
    marker_comment: str  # a decision in org-a's audit trail, made by "marker"
    shared_item: int  # an open item in lane-10 that nobody changes
    shared_question: str  # an open question in the reply queue that nobody closes
    actors: dict[tuple[str, str], Actor] = field(default_factory=dict)
    pools: dict[str, list[int]] = field(default_factory=dict)

    lock: threading.Lock = field(default_factory=threading.Lock)

    def item(self, queue: str = "default") -> int:
        """A fresh open item in ``queue`` (made fifty at a time: one transaction, not fifty)."""
        with self.lock:
            pool = self.pools.setdefault(queue, [])
            if not pool:
                pool.extend(add_items(self.db, self.cs, 50, queue=queue))
            return pool.pop(0)

    def question(self) -> int:
        """A fresh open reply item (a published question on the item's account)."""
        v = verdict(outcome="publish", text="When do the bins go out?", tags=["engagement.question"])
        Ingest(self.db, self.cs, "127.0.0.1:1").apply([(T.PUBLISHED, 0, 0, None, v.to_json())])
        with self.db.read() as s:
            item_id = s.scalar(select(ReplyItem.id).where(ReplyItem.comment_id == v.comment.id))
            assert item_id is not None
            return item_id


@pytest.fixture(scope="module")
def matrix(module_db_url: str) -> Any:
    db = Database(module_db_url)
    db.setup()
    cs = settings()
    console = Console(db, cs)
    http = client(console)
    marker = make_user(db, "marker", (("moderator", None, None),))
    marked = add_item(db, cs)
    console.review.decide(marker, marked, "hide", "spam")
    m = Matrix(db, cs, console, http,
               helper_mod=make_user(db, "helper-mod", (("moderator", None, None),)),
               helper_aud=make_user(db, "helper-aud", (("auditor", None, None),)),
               marker_comment=get_item(db, marked).comment_id,
               shared_item=add_item(db, cs, queue="lane-10"), shared_question="")
    with db.read() as s:
        m.shared_question = s.scalar(select(ReplyItem.comment_id).where(ReplyItem.id == m.question()))
    start = datetime.now(UTC).replace(second=0, microsecond=0)
    marker_figures = Aggregate(window="1m", start=start, end=start + timedelta(minutes=1),
                               organisation=ORG, account_id=ACCOUNT, updated_at=datetime.now(UTC),
                               outcomes={"publish": OPS_MARKER})
    Ingest(db, cs, "127.0.0.1:1").apply([(T.METRICS, 0, 0, None, marker_figures.to_json())])
    for role in ROLES:
        for scope, (org, acc) in SCOPES.items():
            name = f"{role}-{scope}".replace("_", "-")
            principal = make_user(db, name, ((role, org, acc),))
            actor = login(http, name)
            actor.principal = principal
            m.actors[role, scope] = actor
    with http:  # one event loop for all the requests
        yield m
    db.dispose()


def _decided(m: Matrix, item_id: int) -> bool:
    with m.db.read() as s:
        return s.scalar(select(DecisionRow.id).where(DecisionRow.item_id == item_id).limit(1)) is not None


def _status_result(r: Any, happened: bool) -> Result:
    ok = 200 <= r.status_code < 300
    assert ok == happened, f"status {r.status_code} but the action {'did' if happened else 'did not'} happen"
    return Result(ok, r.status_code, r.text[:200])


def _decide(action: str, reason: str, note: str | None = None,
            **item: Any) -> Callable[[Matrix, Actor], Result]:
    def run(m: Matrix, a: Actor) -> Result:
        item_id = m.item(**item)
        body = {"action": action, "reason_code": reason, "note": note}
        r = a.post(f"/api/items/{item_id}/decide", json=body)
        return _status_result(r, _decided(m, item_id))
    return run


def _claim(**item: Any) -> Callable[[Matrix, Actor], Result]:
    def run(m: Matrix, a: Actor) -> Result:
        item_id = m.item(**item)
        r = a.post(f"/api/items/{item_id}/claim")
        return _status_result(r, get_item(m.db, item_id).claimed_by is not None)
    return run


def view_list(m: Matrix, a: Actor) -> Result:
    r = a.get("/api/items", params={"queue": "lane-10", "limit": 500})
    assert r.status_code == 200, r.text
    listed = m.shared_item in [row["id"] for row in r.json()]
    queues = {q["queue"]: q["count"] for q in a.get("/api/queues").json()}
    assert (queues.get("lane-10", 0) >= 1) == listed  # the queue counts agree with the list
    return Result(listed, r.status_code)


def reply_view(m: Matrix, a: Actor) -> Result:
    r = a.get("/api/replies", params={"limit": 500})
    if r.status_code != 200:
        return Result(False, r.status_code, r.text[:200])
    listed = m.shared_question in [row["comment_id"] for row in r.json()]
    counted = sum(x["open"] for x in a.get("/api/replies/summary").json()["accounts"])
    assert (counted >= 1) == listed  # the summary agrees with the list
    return Result(listed, 200, "" if listed else "not listed")


def reply_close(m: Matrix, a: Actor) -> Result:
    item_id = m.question()
    r = a.post(f"/api/replies/{item_id}/no-reply", json={"reason": "duplicate"})
    with m.db.read() as s:
        closed = s.scalar(select(ReplyItem.state).where(ReplyItem.id == item_id)) == "no_reply_needed"
    return _status_result(r, closed)


#: The publish count of the one aggregate the matrix writes (org-a, acct-a1).
OPS_MARKER = 4321


def ops_view(m: Matrix, a: Actor) -> Result:
    r = a.get("/api/ops", params={"range": "hour"})
    if r.status_code != 200:
        return Result(False, r.status_code, r.text[:200])
    seen = sum(r.json()["throughput"]["publish"])
    assert seen in (0, OPS_MARKER), seen
    return Result(seen == OPS_MARKER, 200, "" if seen else "no figures")


def view_item(m: Matrix, a: Actor) -> Result:
    r = a.get(f"/api/items/{m.shared_item}")
    return Result(r.status_code == 200, r.status_code, r.text[:200])


def undo_someone_elses(m: Matrix, a: Actor) -> Result:
    item_id = m.item()
    d = m.console.review.decide(m.helper_mod, item_id, "hide", "spam")
    r = a.post(f"/api/decisions/{d.id}/undo")
    return _status_result(r, get_item(m.db, item_id).state == "open")


def bulk_preview(m: Matrix, a: Actor) -> Result:
    item_id = m.item()
    r = a.post("/api/bulk/preview", json={"item_ids": [item_id], "action": "hide"})
    if r.status_code != 200:
        return Result(False, r.status_code, r.text[:200])
    body = r.json()
    if item_id in body["items"]:
        return Result(True, 200)
    [skipped] = body["skipped"]
    return Result(False, 200, skipped["why"])


def bulk_decide(m: Matrix, a: Actor) -> Result:
    item_id = m.item()
    p = a.post("/api/bulk/preview", json={"item_ids": [item_id], "action": "hide"})
    confirm = p.json()["count"] if p.status_code == 200 else 1
    r = a.post("/api/bulk/decide", json={"item_ids": [item_id], "action": "hide", "reason_code": "spam",
                                         "confirm_count": confirm})
    happened = _decided(m, item_id)
    if r.status_code == 200:
        assert r.json()["decided"] == int(happened)
        return Result(happened, 200, "" if happened else "nothing decided")
    assert not happened
    return Result(False, r.status_code, r.text[:200])


def _hidden_item(m: Matrix) -> int:
    item_id = m.item()
    m.console.review.decide(m.helper_mod, item_id, "hide", "harassment")
    return item_id


def appeal_create(m: Matrix, a: Actor) -> Result:
    item_id = _hidden_item(m)
    r = a.post(f"/api/items/{item_id}/appeal", json={"statement": "I was quoting the mayor"})
    return _status_result(r, get_item(m.db, item_id).appeal_id is not None)


def appeal_decide(m: Matrix, a: Actor) -> Result:
    item_id = _hidden_item(m)
    m.console.review.appeal(m.helper_mod, item_id, "I was quoting the mayor", "staff")
    r = a.post(f"/api/items/{item_id}/decide", json={"action": "publish", "reason_code": "appeal_upheld"})
    return _status_result(r, get_item(m.db, item_id).decision == "publish")


def _active_holds(m: Matrix, comment_id: str) -> int:
    with m.db.read() as s:
        return len(s.scalars(select(LegalHold.id).where(LegalHold.value == comment_id,
                                                        LegalHold.released_at.is_(None))).all())


def hold_place(m: Matrix, a: Actor) -> Result:
    comment_id = get_item(m.db, m.item()).comment_id
    r = a.post("/api/holds", json={"scope": "item", "value": comment_id, "reason": "FOI-2026-17"})
    return _status_result(r, _active_holds(m, comment_id) == 1)


def hold_release(m: Matrix, a: Actor) -> Result:
    comment_id = get_item(m.db, m.item()).comment_id
    hold = m.console.review.place_hold(m.helper_aud, "item", comment_id, "FOI-2026-18")
    r = a.delete(f"/api/holds/{hold.id}")
    return _status_result(r, _active_holds(m, comment_id) == 0)


def audit_read(m: Matrix, a: Actor) -> Result:
    r = a.get("/api/audit", params={"actor": "marker", "limit": 1000})
    if r.status_code != 200:
        return Result(False, r.status_code, r.text[:200])
    seen = [row["comment_id"] for row in r.json()]
    return Result(m.marker_comment in seen, 200, "" if seen == [] else f"saw {seen}")


def audit_export(m: Matrix, a: Actor) -> Result:
    r = a.get("/api/audit/export", params={"actor": "marker", "format": "json"})
    if r.status_code != 200:
        return Result(False, r.status_code, r.text[:200])
    seen = [json.loads(line)["comment_id"] for line in r.text.splitlines() if line.strip()]
    return Result(m.marker_comment in seen, 200, "" if seen == [] else f"saw {seen}")


def create_user(m: Matrix, a: Actor) -> Result:
    name = unique("new")
    r = a.post("/api/users", json={"username": name, "password": PASSWORD})
    with m.db.read() as s:
        made = s.scalar(select(User.id).where(User.username == name)) is not None
    return _status_result(r, made)


def grant_role(m: Matrix, a: Actor) -> Result:
    target = make_user(m.db)
    r = a.post(f"/api/users/{target.user_id}/grants", json={"role": "viewer", "account_id": ACCOUNT})
    with m.db.read() as s:
        granted = s.scalar(select(Grant.id).where(Grant.user_id == target.user_id)) is not None
    return _status_result(r, granted)


def disable_user(m: Matrix, a: Actor) -> Result:
    target = make_user(m.db, grants=(("moderator", None, ACCOUNT),))
    r = a.patch(f"/api/users/{target.user_id}", json={"disabled": True})
    with m.db.read() as s:
        user = s.get(User, target.user_id)
        assert user is not None
        return _status_result(r, user.disabled)


ACTIONS: dict[str, Callable[[Matrix, Actor], Result]] = {
    "view_list": view_list,
    "view_item": view_item,
    "claim": _claim(),
    "decide_publish": _decide("publish", "no_violation"),
    "decide_hide": _decide("hide", "spam"),
    "decide_escalate": _decide("escalate", "needs_lead"),
    "decide_hold": _decide("hold", "spam"),
    "decide_note": _decide("note", "other", "phoned the resident"),
    "delete": _decide("delete", "threat"),
    "restrict_author": _decide("restrict_author", "harassment"),
    "undo_someone_elses": undo_someone_elses,
    "bulk_preview": bulk_preview,
    "bulk_decide": bulk_decide,
    "appeal_create": appeal_create,
    "appeal_decide": appeal_decide,
    "hold_place": hold_place,
    "hold_release": hold_release,
    "decide_in_escalated": _decide("hide", "spam", queue="escalated"),
    "claim_in_foi": _claim(queue="foi"),
    "decide_in_foi": _decide("publish", "foi_logged", queue="foi"),
    "audit_read": audit_read,
    "audit_export": audit_export,
    "create_user": create_user,
    "grant_role": grant_role,
    "disable_user": disable_user,
    "reply_view": reply_view,
    "reply_close": reply_close,
    "ops_view": ops_view,
}


#: Through an API token: one action for each permission the server checks (permissions.ACTIONS)
#: and for a queue's own roles; the token's user is the same principal as its session.
TOKEN_ACTIONS = ("view_list", "view_item", "claim", "decide_hide", "delete", "restrict_author",
                 "bulk_decide", "undo_someone_elses", "appeal_create", "appeal_decide", "hold_place",
                 "audit_read", "audit_export", "grant_role", "decide_in_foi", "decide_in_escalated",
                 "reply_view", "reply_close", "ops_view")


def _walk_one(m: Matrix, mode: str, role: str, scope: str, actor: Actor) -> list[str]:
    problems = []
    who = actor if mode == "session" else actor.as_token()
    if mode == "token":
        via_session = m.console.auth.session(actor.session)[0]
        assert replace(m.console.auth.api_token(who.token), via_token=False) == via_session
    for action in (ACTIONS if mode == "session" else TOKEN_ACTIONS):
        run = ACTIONS[action]
        want = EXPECTED[role, scope, action]
        cell = f"{role:9} {scope:13} {action:20}"
        try:
            got = run(m, who)
        except AssertionError as exc:
            problems.append(f"{cell} inconsistent: {exc}")
            continue
        if got.allowed != want:
            problems.append(f"{cell} expected {'allowed' if want else 'refused'}, "
                            f"got {got.status} {got.detail}")
        elif got.allowed:
            continue
        elif got.status not in (200, 403, 404):
            problems.append(f"{cell} refused with {got.status} {got.detail}")
        elif action in ITEM_BOUND and got.status != (
                403 if scope in REACHES_ITEM and role in SEES_ITEMS else 404):
            # an item one may see but not act on: 403; one outside the scopes (or, for comms
            # staff, any moderation item): 404
            problems.append(f"{cell} refused with {got.status} {got.detail}")
        elif (scope not in REACHES_ITEM and action in ("bulk_preview", "bulk_decide")
              and got.status == 200 and got.detail not in ("not found", "nothing decided")):
            problems.append(f"{cell} previewed as {got.detail!r}, not 'not found'")
    return problems


def _walk(m: Matrix, mode: str) -> list[str]:
    """Every cell; the users walk their rows side by side (four HTTP clients on the one app),
    since a request mostly waits for its threads."""
    local = threading.local()
    clients: list[TestClient] = []
    lock = threading.Lock()

    def row(entry: tuple[tuple[str, str], Actor]) -> list[str]:
        (role, scope), actor = entry
        if not hasattr(local, "http"):
            local.http = client(m.console).__enter__()
            with lock:
                clients.append(local.http)
        return _walk_one(m, mode, role, scope, replace(actor, http=local.http))

    try:
        with ThreadPoolExecutor(4) as pool:
            return [p for problems in pool.map(row, m.actors.items()) for p in problems]
    finally:
        for c in clients:
            c.__exit__(None, None, None)


@pytest.mark.parametrize("mode", ["session", "token"])
def test_the_permission_matrix(matrix: Matrix, mode: str) -> None:
    assert set(ACTIONS) == set(MAY) and set(TOKEN_ACTIONS) <= set(MAY)
    problems = _walk(matrix, mode)
    assert problems == [], "\n" + "\n".join(problems)


def test_a_token_acts_with_its_users_current_roles(matrix: Matrix) -> None:
    m = matrix
    name = unique("integration")
    p = make_user(m.db, name, (("viewer", ORG, None),))
    token = login(m.http, name).as_token()
    item_id = m.item()
    r = token.post(f"/api/items/{item_id}/decide", json={"action": "hide", "reason_code": "spam"})
    assert r.status_code == 403
    with m.db.tx() as s:  # promoted: the same token may decide at once
        s.add(Grant(user_id=p.user_id, role="moderator", organisation=ORG, account_id=None,
                    created_at=get_item(m.db, item_id).ingested_at))
    r = token.post(f"/api/items/{item_id}/decide", json={"action": "hide", "reason_code": "spam"})
    assert r.status_code == 200, r.text
    me = token.get("/api/me").json()
    assert {g["role"] for g in me["grants"]} == {"viewer", "moderator"}
    assert me.get("csrf") is None


def test_csrf_is_required_for_cookie_changes(matrix: Matrix) -> None:
    m = matrix
    a = m.actors["moderator", "everything"]
    item_id = m.item()
    for headers in ({}, {"X-CSRF-Token": "not-the-token"}, {"X-CSRF-Token": ""}):
        m.http.cookies.clear()
        r = m.http.post(f"/api/items/{item_id}/claim",
                        headers={"Cookie": f"civicmod_session={a.session}", **headers})
        assert r.status_code == 403, r.text
        assert "CSRF" in r.json()["detail"]
        r = m.http.post(f"/api/items/{item_id}/decide", json={"action": "hide", "reason_code": "spam"},
                        headers={"Cookie": f"civicmod_session={a.session}", **headers})
        assert r.status_code == 403
    assert get_item(m.db, item_id).claimed_by is None and not _decided(m, item_id)
    # another session's CSRF token does not fit this session
    other = m.actors["moderator", "item_org"]
    m.http.cookies.clear()
    r = m.http.post(f"/api/items/{item_id}/claim",
                    headers={"Cookie": f"civicmod_session={a.session}", "X-CSRF-Token": other.csrf})
    assert r.status_code == 403
    assert a.get(f"/api/items/{item_id}").status_code == 200  # reading needs no CSRF token
    assert a.post(f"/api/items/{item_id}/claim").status_code == 200
    # an API token is no ambient credential: no CSRF token needed
    assert a.as_token().post(f"/api/items/{item_id}/claim").status_code == 200
    # without any credential: 401
    m.http.cookies.clear()
    assert m.http.get(f"/api/items/{item_id}").status_code == 401
    assert m.http.get("/api/items", headers={"Authorization": "Bearer cm_nope"}).status_code == 401


def test_an_admin_of_one_organisation_cannot_reach_another(matrix: Matrix) -> None:
    m = matrix
    admin = m.actors["admin", "item_org"]
    target = make_user(m.db)
    # naming their own organisation beside another's account does not make it theirs
    r = admin.post(f"/api/users/{target.user_id}/grants",
                   json={"role": "moderator", "organisation": ORG, "account_id": "acct-b1"})
    assert r.status_code in (403, 422), r.text
    r = admin.post(f"/api/users/{target.user_id}/grants", json={"role": "admin"})  # everything
    assert r.status_code == 403
    r = admin.post(f"/api/users/{target.user_id}/grants", json={"role": "admin", "organisation": OTHER_ORG})
    assert r.status_code == 403
    with m.db.read() as s:
        assert s.scalars(select(Grant).where(Grant.user_id == target.user_id)).all() == []
    # a user of the other organisation is not theirs to disable, nor listed for them
    theirs = make_user(m.db, grants=(("moderator", OTHER_ORG, None),))
    assert admin.patch(f"/api/users/{theirs.user_id}", json={"disabled": True}).status_code == 403
    mine = make_user(m.db, grants=(("moderator", None, OTHER_ACCOUNT),))  # an account of org-a
    listed = {u["username"] for u in admin.get("/api/users").json()}
    assert mine.username in listed and theirs.username not in listed
    assert admin.patch(f"/api/users/{mine.user_id}", json={"disabled": True}).status_code == 200
    # an admin of everything who also holds a narrower role still sees everyone
    glob = m.actors["admin", "everything"]
    assert theirs.username in {u["username"] for u in glob.get("/api/users").json()}


def test_an_item_outside_the_scope_leaks_nothing(matrix: Matrix) -> None:
    m = matrix
    outsider = m.actors["lead", "other_org"]
    item_id = add_item(m.db, m.cs, queue="lane-11")
    r = outsider.get(f"/api/items/{item_id}")
    assert r.status_code == 404
    missing = outsider.get("/api/items/987654321")
    assert missing.json()["detail"].replace("987654321", str(item_id)) == r.json()["detail"]
    assert item_id not in [i["id"] for i in outsider.get("/api/items", params={"queue": "lane-11"}).json()]
    queues = {q["queue"]: q["count"] for q in outsider.get("/api/queues").json()}
    assert queues.get("lane-11", 0) == 0
    assert outsider.post("/api/queues/lane-11/next").json()["next"] is None
    preview = outsider.post("/api/bulk/preview", json={"item_ids": [item_id, 987654321], "action": "hide"})
    assert {s["why"] for s in preview.json()["skipped"]} == {"not found"}
    # the author's other comments in org-a do not show on the cards of org-b's items
    author = unique("author")
    add_item(m.db, m.cs, author=author, text="secret complaint to org A")
    theirs = add_item(m.db, m.cs, author=author, account="acct-b1")
    shown = outsider.get(f"/api/items/{theirs}").json()
    assert shown["author_history"] == []
    assert "secret complaint" not in json.dumps(shown)


def test_a_parent_in_another_organisation_is_not_shown(matrix: Matrix) -> None:
    m = matrix
    secret = add_item(m.db, m.cs, text="private words in org A", account=ACCOUNT)
    parent_id = get_item(m.db, secret).comment_id
    child = add_item(m.db, m.cs, account="acct-b1", parent_id=parent_id)
    shown = m.actors["moderator", "other_org"].get(f"/api/items/{child}").json()
    assert shown["parent"] == {"comment_id": parent_id, "text": None, "author": None}


def test_denied_requests_are_counted_and_change_nothing(matrix: Matrix) -> None:
    m = matrix
    viewer = m.actors["viewer", "everything"]
    item_id = m.item()
    before = m.console.metrics.denied.labels("decide")._value.get()
    assert viewer.post(f"/api/items/{item_id}/decide",
                       json={"action": "hide", "reason_code": "spam"}).status_code == 403
    assert m.console.metrics.denied.labels("decide")._value.get() == before + 1
    with m.db.read() as s:
        assert s.get(Item, item_id).state == "open"  # type: ignore[union-attr]
