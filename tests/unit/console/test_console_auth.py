"""Who is asking, on SQLite and PostgreSQL: argon2id passwords (12 characters at least), login
rate limits per user name and per client address, sessions (idle and absolute limits, logout),
API tokens, and that disabling a user or changing their roles takes effect on the next request."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from argon2 import extract_parameters
from sqlalchemy import select, update

from streams.console import auth as auth_module
from streams.console.auth import MIN_PASSWORD, Auth, LoginLimiter, RateLimited, Unauthenticated
from streams.console.db import Database, now
from streams.console.models import AuditRow, Grant, Session, User
from streams.console.runtime import Console

from console_kit import ORG, PASSWORD, Actor, add_item, client, login, make_user, settings, unique


@pytest.fixture(scope="module")
def db(module_db_url: str) -> Any:
    database = Database(module_db_url)
    database.setup()
    make_user(database, "admin", (("admin", None, None),))
    yield database
    database.dispose()


@pytest.fixture
def console(db: Database) -> Console:
    """A console of its own per test: its login limiter starts empty."""
    return Console(db, settings(login_max_failures=2, session_idle_s=600, session_ttl_s=3600))


@pytest.fixture
def http(console: Console) -> Any:
    with client(console) as c:
        yield c


def _audit(db: Database, type_: str, actor: str) -> list[AuditRow]:
    with db.read() as s:
        return list(s.scalars(select(AuditRow).where(AuditRow.type == type_, AuditRow.actor == actor)
                              .order_by(AuditRow.seq)))


def _login(http: Any, username: str, password: str) -> Any:
    http.cookies.clear()
    return http.post("/api/login", json={"username": username, "password": password})


def test_passwords_are_argon2id_and_at_least_12_characters(db: Database, console: Console, http: Any,
                                                            real_argon2: None) -> None:
    auth = Auth(db, console.settings)
    name = unique("pw")
    user = auth.create_user(None, name, "PW", "twelve chars")
    assert len("twelve chars") == MIN_PASSWORD
    assert user.password_hash.startswith("$argon2id$v=19$m=65536,t=3,")  # RFC 9106, 64 MiB
    # an unknown user name costs the same work as a wrong password
    assert extract_parameters(auth_module._DUMMY) == extract_parameters(user.password_hash)
    with pytest.raises(ValueError, match="12"):
        auth.create_user(None, unique("pw"), "PW", "elevenchars")
    with pytest.raises(ValueError, match="user name"):
        auth.create_user(None, "no spaces allowed", "PW", PASSWORD)
    with pytest.raises(ValueError, match="exists"):
        auth.create_user(None, name, "PW", PASSWORD)
    admin = login(http, "admin")  # its hash was made with cheaper parameters: upgraded now
    with db.read() as s:
        assert s.scalar(select(User.password_hash).where(User.username == "admin")).startswith(
            "$argon2id$v=19$m=65536,t=3,")
    r = admin.post("/api/users", json={"username": unique("short"), "password": "x" * 11})
    assert r.status_code == 422 and "12" in r.json()["detail"]
    r = admin.patch(f"/api/users/{user.id}", json={"password": "y" * 11})
    assert r.status_code == 422
    with db.read() as s:
        assert s.scalar(select(User.password_hash).where(User.id == user.id)) == user.password_hash
    assert _login(http, name, "twelve chars").status_code == 200


def test_login_is_rate_limited_per_user_name(db: Database, console: Console, http: Any) -> None:
    name = unique("victim")
    make_user(db, name, (("viewer", None, None),))
    for _ in range(2):
        assert _login(http, name, "not the password").status_code == 401
    r = _login(http, name, PASSWORD)  # even the right password now
    assert r.status_code == 429
    assert int(r.headers["Retry-After"]) > 0
    assert "civicmod_session" not in r.cookies
    # from another address the name is still blocked; other names there are not
    with client(console, host="10.1.1.1") as other:
        assert _login(other, name, PASSWORD).status_code == 429
        assert _login(other, name.upper(), PASSWORD).status_code == 429  # the same name, other case
        assert _login(other, "admin", PASSWORD).status_code == 200
    assert console.metrics.logins.labels("rate_limited")._value.get() == 3
    # every failure is audited, with the client's address and no password
    failures = _audit(db, "login.failed", name)
    assert [(f.details["client"], f.details["why"]) for f in failures] == [
        ("testclient", "bad credentials")] * 2
    assert all("not the password" not in str(f.details) for f in failures)


def test_login_is_rate_limited_per_client_address(db: Database, console: Console) -> None:
    if not _exists(db, "innocent"):
        make_user(db, "innocent", (("viewer", None, None),))
    with client(console, host="10.6.6.6") as attacker:
        assert _login(attacker, unique("guess"), "password one!").status_code == 401
        assert _login(attacker, unique("guess"), "password two!").status_code == 401
        assert _login(attacker, "innocent", PASSWORD).status_code == 429  # this address is blocked
    with client(console, host="10.7.7.7") as elsewhere:
        assert _login(elsewhere, "innocent", PASSWORD).status_code == 200


def _exists(db: Database, name: str) -> bool:
    with db.read() as s:
        return s.scalar(select(User.id).where(User.username == name)) is not None


def test_the_limiter_forgets_names_it_no_longer_needs() -> None:
    limiter = LoginLimiter(max_failures=2, window_s=60)
    for i in range(1000):
        limiter.check(f"user:n{i}", "addr:1.2.3.4")
    assert len(limiter._fails) == 0
    limiter.failed("user:x", "addr:1.2.3.4")
    limiter.failed("user:x", "addr:1.2.3.4")
    with pytest.raises(RateLimited):
        limiter.check("user:y", "addr:1.2.3.4")
    limiter.succeeded("user:x")
    with pytest.raises(RateLimited):  # the address still is
        limiter.check("user:x", "addr:1.2.3.4")
    limiter.check("user:x", "addr:5.6.7.8")


def test_a_disabled_user_is_out_at_once(db: Database, console: Console, http: Any) -> None:
    name = unique("leaver")
    p = make_user(db, name, (("moderator", None, None),))
    session = login(http, name)
    token = session.as_token()
    item_id = add_item(db, console.settings)
    assert session.get(f"/api/items/{item_id}").status_code == 200
    assert token.get(f"/api/items/{item_id}").status_code == 200
    admin = login(http, "admin")
    assert admin.patch(f"/api/users/{p.user_id}", json={"disabled": True}).status_code == 200
    assert session.get(f"/api/items/{item_id}").status_code == 401
    assert session.post(f"/api/items/{item_id}/claim").status_code == 401
    assert token.get(f"/api/items/{item_id}").status_code == 401
    r = token.post(f"/api/items/{item_id}/decide", json={"action": "hide", "reason_code": "spam"})
    assert r.status_code == 401
    r = _login(http, name, PASSWORD)  # the right password no longer logs in
    assert r.status_code == 401
    assert _audit(db, "login.failed", name)[-1].details["why"] == "disabled"
    assert _audit(db, "user.disabled", "admin")[-1].details == {"user": name}
    # re-enabled: a new login works, the old session stays dead
    assert admin.patch(f"/api/users/{p.user_id}", json={"disabled": False}).status_code == 200
    assert session.get(f"/api/items/{item_id}").status_code == 401
    assert login(http, name).get(f"/api/items/{item_id}").status_code == 200
    assert token.get(f"/api/items/{item_id}").status_code == 200  # the token was not revoked


def test_a_role_change_applies_to_the_next_request(db: Database, console: Console, http: Any) -> None:
    name = unique("promoted")
    p = make_user(db, name, (("viewer", ORG, None),))
    session = login(http, name)
    token = session.as_token()
    items = [add_item(db, console.settings) for _ in range(4)]
    assert session.post(f"/api/items/{items[0]}/claim").status_code == 403
    assert token.post(f"/api/items/{items[0]}/claim").status_code == 403
    admin = login(http, "admin")
    r = admin.post(f"/api/users/{p.user_id}/grants", json={"role": "moderator", "organisation": ORG})
    assert r.status_code == 200
    grant_id = r.json()["id"]
    assert session.post(f"/api/items/{items[0]}/claim").status_code == 200
    assert token.post(f"/api/items/{items[1]}/claim").status_code == 200
    assert admin.delete(f"/api/grants/{grant_id}").status_code == 200
    assert session.post(f"/api/items/{items[2]}/claim").status_code == 403
    assert token.post(f"/api/items/{items[3]}/claim").status_code == 403
    assert {g["role"] for g in session.get("/api/me").json()["grants"]} == {"viewer"}
    changes = _audit(db, "permission.granted", "admin") + _audit(db, "permission.revoked", "admin")
    types = [r.type for r in changes if r.details.get("user") == name]
    assert types == ["permission.granted", "permission.revoked"]


def _session_row(db: Database, actor: Actor) -> Session:
    from streams.console.auth import token_hash

    with db.read() as s:
        row = s.get(Session, token_hash(actor.session))
        assert row is not None
        return row


def _age_session(db: Database, actor: Actor, **ago: timedelta) -> None:
    from streams.console.auth import token_hash

    with db.tx() as s:
        s.execute(update(Session).where(Session.token_hash == token_hash(actor.session))
                  .values(**{k: now() - v for k, v in ago.items()}))


def test_an_idle_session_ends(db: Database, console: Console, http: Any) -> None:
    name = unique("idle")
    make_user(db, name, (("viewer", None, None),))
    a = login(http, name)
    assert a.get("/api/me").status_code == 200
    _age_session(db, a, last_seen=timedelta(seconds=console.settings.session_idle_s - 30))
    assert a.get("/api/me").status_code == 200  # still within the idle limit: activity renews it
    assert (now() - _session_row(db, a).last_seen) < timedelta(seconds=60)
    _age_session(db, a, last_seen=timedelta(seconds=console.settings.session_idle_s + 1))
    assert a.get("/api/me").status_code == 401
    assert _session_row(db, a).revoked  # ended for good, not just this time
    _age_session(db, a, last_seen=timedelta(seconds=0))
    assert a.get("/api/me").status_code == 401


def test_a_session_ends_at_its_absolute_limit_and_on_logout(db: Database, console: Console,
                                                             http: Any) -> None:
    name = unique("long")
    make_user(db, name, (("viewer", None, None),))
    a = login(http, name)
    _age_session(db, a, created_at=timedelta(seconds=console.settings.session_ttl_s + 1))
    assert a.get("/api/me").status_code == 401
    b = login(http, name)
    assert b.post("/api/logout").status_code == 200
    assert b.get("/api/me").status_code == 401
    assert _audit(db, "logout", name)


def test_a_password_change_ends_the_other_sessions(db: Database, console: Console, http: Any) -> None:
    name = unique("changer")
    p = make_user(db, name, (("viewer", None, None),))
    a, b = login(http, name), login(http, name)
    assert a.patch(f"/api/users/{p.user_id}", json={"password": "a brand new password"}).status_code == 200
    assert b.get("/api/me").status_code == 401
    assert _login(http, name, PASSWORD).status_code == 401
    assert _login(http, name, "a brand new password").status_code == 200


def test_session_and_token_lookups_refuse_garbage(db: Database, console: Console) -> None:
    with pytest.raises(Unauthenticated):
        console.auth.session("no such session")
    with pytest.raises(Unauthenticated):
        console.auth.api_token("cm_no_such_token")
    name = unique("tok")
    p = make_user(db, name, (("viewer", None, None),))
    token_id, token = console.auth.new_api_token(p, "ci")
    assert console.auth.api_token(token).user_id == p.user_id
    console.auth.revoke_api_token(p, token_id)
    with pytest.raises(Unauthenticated):
        console.auth.api_token(token)


def test_the_login_answer_holds_no_secret(db: Database, console: Console, http: Any) -> None:
    r = _login(http, "admin", PASSWORD)
    assert r.status_code == 200
    assert "$argon2" not in r.text and PASSWORD not in r.text
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    with db.read() as s:
        grants = s.scalars(select(Grant)).all()
    assert grants  # (the users exist)
