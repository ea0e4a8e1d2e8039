"""What the console tests share: settings with two organisations, verdicts and items, users made
without the HTTP round trip, and an HTTP actor (session cookie + CSRF, or an API token).

Organisations: ``org-a`` owns ``acct-a1`` (where the tests' items live) and ``acct-a2``;
``org-b`` owns ``acct-b1``.
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from civicmod.contract.console_settings import ConsoleSettings
from civicmod.contract.records import Verdict
from streams.console import auth as auth_mod
from streams.console.api import create_app
from streams.console.db import Database, now
from streams.console.ingest import IngestStats, apply_verdict
from streams.console.models import Grant, Item, User
from streams.console.permissions import GrantSpec, Principal
from streams.console.runtime import Console

ORG, ACCOUNT = "org-a", "acct-a1"
OTHER_ACCOUNT = "acct-a2"  # same organisation, another account
OTHER_ORG, OTHER_ORG_ACCOUNT = "org-b", "acct-b1"
PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)
_password_hashes: dict[int, str] = {}


def settings(**overrides: Any) -> ConsoleSettings:
    queues = {name: spec.model_dump() for name, spec in ConsoleSettings().queues.items()}
    # lanes: queues of their own for tests that share a database and count what a queue holds
    queues |= {f"lane-{i}": {"sla_minutes": 60} for i in range(1, 13)}
    base: dict[str, Any] = {
        "queues": queues,
        "organisations": {
            ORG: {"name": "City of A", "accounts": [ACCOUNT, OTHER_ACCOUNT]},
            OTHER_ORG: {"name": "County of B", "accounts": [OTHER_ORG_ACCOUNT]},
        },
    }
    return ConsoleSettings.model_validate(base | overrides)


def unique(prefix: str) -> str:
    return f"{prefix}{next(_counter)}_{uuid.uuid4().hex[:6]}"


def verdict(*, comment_id: str | None = None, text: str = "You are all idiots at the council",
            account: str = ACCOUNT, outcome: str = "escalate", queue: str = "default",
            priority: int = 5, hold: bool = False, author: str = "author-1",
            handle: str | None = "@someone", parent_id: str | None = None,
            thread_id: str | None = "facebook:thread-1", url: str | None = None,
            reasons: list[dict[str, Any]] | None = None, received_at: datetime | None = None,
            platform: str = "facebook", tags: list[str] | None = None) -> Verdict:
    comment_id = comment_id or f"{platform}:{unique('c')}"
    data: dict[str, Any] = {
        "comment": {"id": comment_id, "platform": platform, "account_id": account,
                    "author": {"id": author, "handle": handle, "display_name": "Some One"},
                    "text": text, "parent_id": parent_id, "thread_id": thread_id, "url": url,
                    "received_at": (received_at or datetime.now(UTC)).isoformat()},
        "outcome": outcome,
        "reasons": reasons if reasons is not None else [
            {"source": "rule", "id": "abuse.insult", "label": "insult", "action": outcome,
             "spans": [[22, 28]]}],
        "policy_version": "policy-7",
        "classifier": {"name": "detoxify-original", "version": "abc123"},
        "scores": {"toxicity": 0.91},
        "decided_at": datetime.now(UTC).isoformat(),
        "tags": tags or [],
    }
    if outcome == "escalate":
        data["escalation"] = {"queue": queue, "priority": priority, "hold": hold}
    return Verdict.model_validate(data)


def add_item(db: Database, cs: ConsoleSettings, v: Verdict | None = None, **kw: Any) -> int:
    """Ingest one verdict (as the Kafka consumer would) and return the new item's id."""
    v = v if v is not None else verdict(**kw)
    with db.tx() as s:
        assert apply_verdict(s, v, cs, IngestStats()), "the verdict made no item"
    return item_of(db, v)


def add_items(db: Database, cs: ConsoleSettings, n: int, **kw: Any) -> list[int]:
    """``n`` items alike (one transaction), in the order made."""
    verdicts = [verdict(**kw) for _ in range(n)]
    with db.tx() as s:
        for v in verdicts:
            assert apply_verdict(s, v, cs, IngestStats()), "the verdict made no item"
    with db.read() as s:
        ids = dict(s.execute(select(Item.comment_id, Item.id).where(
            Item.comment_id.in_([v.comment.id for v in verdicts]))).all())
    return [ids[v.comment.id] for v in verdicts]


def item_of(db: Database, v: Verdict) -> int:
    """The id of the item a verdict made."""
    with db.read() as s:
        item_id = s.scalar(select(Item.id).where(Item.comment_id == v.comment.id,
                                                 Item.digest == v.comment.digest()))
        assert item_id is not None
        return item_id


def get_item(db: Database, item_id: int) -> Item:
    with db.read() as s:
        item = s.get(Item, item_id)
        assert item is not None
        return item


def password_hash() -> str:
    """An argon2id hash of PASSWORD by the console's hasher, made once per hasher."""
    hasher = auth_mod.HASHER
    if id(hasher) not in _password_hashes:
        _password_hashes[id(hasher)] = hasher.hash(PASSWORD)
    return _password_hashes[id(hasher)]


def make_user(db: Database, username: str | None = None,
              grants: tuple[tuple[str, str | None, str | None], ...] = ()) -> Principal:
    """A user with PASSWORD, written straight to the database (no hashing: one shared hash)."""
    username = username or unique("user")
    with db.tx() as s:
        user = User(username=username, display_name=username, password_hash=password_hash(),
                    disabled=False, created_at=now(), auth_epoch=0)
        s.add(user)
        s.flush()
        for role, org, acc in grants:
            s.add(Grant(user_id=user.id, role=role, organisation=org, account_id=acc, created_at=now()))
        return Principal(user.id, username, tuple(GrantSpec(r, o, a) for r, o, a in grants))


def user_id(db: Database, username: str) -> int:
    with db.read() as s:
        uid = s.scalar(select(User.id).where(User.username == username))
        assert uid is not None
        return uid


def client(console: Console, host: str = "testclient") -> TestClient:
    return TestClient(create_app(console), client=(host, 50000))


@dataclass
class Actor:
    """A logged-in user of the HTTP API: by session cookie (+ CSRF header on changes) or by
    API token (``mode = "token"``)."""

    http: TestClient
    username: str
    session: str = ""
    csrf: str = ""
    token: str = ""
    mode: str = "session"
    principal: Principal | None = field(default=None, repr=False)

    def headers(self, method: str, csrf: bool = True) -> dict[str, str]:
        if self.mode == "token":
            return {"Authorization": f"Bearer {self.token}"}
        out = {"Cookie": f"civicmod_session={self.session}"}
        if csrf and method != "GET":
            out["X-CSRF-Token"] = self.csrf
        return out

    def call(self, method: str, url: str, *, csrf: bool = True, **kw: Any) -> Any:
        self.http.cookies.clear()
        return self.http.request(method, url, headers=self.headers(method, csrf), **kw)

    def get(self, url: str, **kw: Any) -> Any:
        return self.call("GET", url, **kw)

    def post(self, url: str, json: Any = None, **kw: Any) -> Any:
        return self.call("POST", url, json=json, **kw)

    def patch(self, url: str, json: Any = None, **kw: Any) -> Any:
        return self.call("PATCH", url, json=json, **kw)

    def delete(self, url: str, **kw: Any) -> Any:
        return self.call("DELETE", url, **kw)

    def as_token(self) -> Actor:
        """The same user acting through a new API token."""
        if not self.token:
            r = self.post("/api/tokens", json={"name": "integration"})
            assert r.status_code == 200, r.text
            self.token = r.json()["token"]
        return Actor(self.http, self.username, token=self.token, mode="token", principal=self.principal)


def login(http: TestClient, username: str, password: str = PASSWORD) -> Actor:
    http.cookies.clear()
    r = http.post("/api/login", json={"username": username, "password": password})
    assert r.status_code == 200, r.text
    session = r.cookies.get("civicmod_session")
    http.cookies.clear()
    assert session
    return Actor(http, username, session=session, csrf=r.json()["csrf"])
