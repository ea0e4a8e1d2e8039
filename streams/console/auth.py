"""Who is asking: password login (argon2id), server-side sessions with a CSRF token, API tokens,
login rate limiting, and the users and grants admins manage.

Tokens (session cookies, API tokens) are random and only their sha256 is stored. Every request
reloads the user and their grants, so disabling a user or changing a role takes effect at once,
sessions and tokens included.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections import defaultdict, deque
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select, update
from sqlalchemy.orm import Session as DbSession

from civicmod.contract.console_settings import ConsoleSettings
from streams.console import audit
from streams.console.db import Database, now
from streams.console.models import ApiToken, Grant, Session, User
from streams.console.permissions import ROLES, Forbidden, GrantSpec, Principal, Scope

HASHER = PasswordHasher()  # argon2id, 64 MiB, t=3 (RFC 9106's second recommendation)
#: A hash to verify against when the user does not exist, so timing does not tell.
_DUMMY = HASHER.hash("no such user: constant work")
MIN_PASSWORD = 12


class Unauthenticated(Exception):
    """No valid session or token (→ 401)."""


class RateLimited(Exception):
    def __init__(self, retry_after_s: float) -> None:
        super().__init__(f"too many failed logins; try again in {int(retry_after_s) + 1} s")
        self.retry_after_s = retry_after_s


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"a password needs at least {MIN_PASSWORD} characters")


class LoginLimiter:
    """Failed logins per user name and per client address within a sliding window."""

    def __init__(self, max_failures: int, window_s: float) -> None:
        self.max = max_failures
        self.window = window_s
        self._fails: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()
        self.blocked = 0

    def _trim(self, key: str, t: float) -> deque[float]:
        q = self._fails[key]
        while q and q[0] <= t - self.window:
            q.popleft()
        return q

    def check(self, *keys: str) -> None:
        t = time.monotonic()
        with self._lock:
            for key in keys:
                q = self._trim(key, t)
                if not q:  # nothing to remember (names tried once must not pile up)
                    del self._fails[key]
                elif len(q) >= self.max:
                    self.blocked += 1
                    raise RateLimited(q[0] + self.window - t)

    def failed(self, *keys: str) -> None:
        t = time.monotonic()
        with self._lock:
            for key in keys:
                self._trim(key, t).append(t)

    def succeeded(self, username_key: str) -> None:
        with self._lock:
            self._fails.pop(username_key, None)


class Auth:
    def __init__(self, db: Database, settings: ConsoleSettings) -> None:
        self.db = db
        self.settings = settings
        self.limiter = LoginLimiter(settings.login_max_failures, settings.login_window_s)

    # -- principals -------------------------------------------------------------------------------
    def _principal(self, s: DbSession, user: User, via_token: bool = False) -> Principal:
        grants = tuple(GrantSpec(g.role, g.organisation, g.account_id)
                       for g in s.scalars(select(Grant).where(Grant.user_id == user.id)))
        return Principal(user_id=user.id, username=user.username, grants=grants, via_token=via_token)

    def login(self, username: str, password: str, client: str) -> tuple[str, str, Principal]:
        """Check the password; return (session token, CSRF token, principal)."""
        ukey, ckey = f"user:{username.lower()[:64]}", f"addr:{client}"
        self.limiter.check(ukey, ckey)
        with self.db.read() as s:
            user = s.scalar(select(User).where(User.username == username))
        ok = False
        try:
            ok = HASHER.verify(user.password_hash if user else _DUMMY, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            ok = False
        if not ok or user is None or user.disabled:
            self.limiter.failed(ukey, ckey)
            with self.db.tx() as s:
                audit.record(s, "login.failed", username[:64] or "?", details={
                    "client": client, "why": "disabled" if user is not None and ok else "bad credentials"})
            raise Unauthenticated("wrong user name or password")
        self.limiter.succeeded(ukey)
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
        with self.db.tx() as s:
            t = now()
            s.add(Session(token_hash=token_hash(token), user_id=user.id, csrf=csrf,
                          auth_epoch=user.auth_epoch, created_at=t, last_seen=t))
            audit.record(s, "login", user.username, details={"client": client})
            if HASHER.check_needs_rehash(user.password_hash):
                s.execute(update(User).where(User.id == user.id)
                          .values(password_hash=HASHER.hash(password)))
            return token, csrf, self._principal(s, user)

    def session(self, token: str, touch: bool = True) -> tuple[Principal, str]:
        """The principal and CSRF token of a session cookie (idle and absolute limits applied);
        ``touch=False`` re-checks it without counting as activity (an open live stream)."""
        t = now()
        key = token_hash(token)
        with self.db.read() as s:
            row = s.get(Session, key)
            if row is None or row.revoked:
                raise Unauthenticated("not logged in")
            user = s.get(User, row.user_id)
            ended = (user is None or user.disabled or user.auth_epoch != row.auth_epoch
                     or t - row.created_at > timedelta(seconds=self.settings.session_ttl_s)
                     or t - row.last_seen > timedelta(seconds=self.settings.session_idle_s))
            principal = None if ended or user is None else self._principal(s, user)
            csrf, last_seen = row.csrf, row.last_seen
        if principal is None:
            with self.db.tx() as s:  # the session is over for good (committed, then refused)
                s.execute(update(Session).where(Session.token_hash == key).values(revoked=True))
            raise Unauthenticated("session ended; log in again")
        # activity keeps the session alive: noted at most every few seconds, not on every request
        if touch and (t - last_seen).total_seconds() > min(30.0, self.settings.session_idle_s / 10):
            with self.db.tx() as s:
                s.execute(update(Session).where(Session.token_hash == key, Session.revoked.is_(False))
                          .values(last_seen=t))
        return principal, csrf

    def logout(self, token: str) -> None:
        with self.db.tx() as s:
            row = s.get(Session, token_hash(token))
            if row is not None and not row.revoked:
                row.revoked = True
                user = s.get(User, row.user_id)
                audit.record(s, "logout", user.username if user else "?", publish=False)

    def api_token(self, token: str) -> Principal:
        """The principal of an API token (its user's roles, read now)."""
        with self.db.read() as s:
            row = s.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(token)))
            if row is None or row.revoked:
                raise Unauthenticated("unknown or revoked API token")
            user = s.get(User, row.user_id)
            if user is None or user.disabled:
                raise Unauthenticated("the token's user is disabled")
            principal = self._principal(s, user, via_token=True)
            token_id, last_used = row.id, row.last_used
        t = now()
        if last_used is None or (t - last_used).total_seconds() > 60:  # noted, not on every request
            with self.db.tx() as s:
                s.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used=t))
        return principal

    # -- users and grants (admins) ----------------------------------------------------------------
    def create_user(self, actor: Principal | None, username: str, display_name: str, password: str,
                    grants: list[tuple[str, str | None, str | None]] = ()) -> User:  # type: ignore[assignment]
        """Add a user (``actor`` None: the bootstrap admin from the command line)."""
        if actor is not None and not any(actor.can("manage_users", Scope(g.organisation, g.account_id))
                                         for g in actor.grants if g.role == "admin"):
            raise Forbidden("manage_users", Scope())
        check_password_strength(password)
        if not username or len(username) > 64 or not username.replace(".", "").replace("-", "").replace(
                "_", "").replace("@", "").isalnum():
            raise ValueError("a user name is 1-64 letters, digits and . - _ @")
        with self.db.tx() as s:
            if s.scalar(select(User.id).where(User.username == username)) is not None:
                raise ValueError(f"user {username!r} exists")
            user = User(username=username, display_name=display_name or username,
                        password_hash=HASHER.hash(password), disabled=False, created_at=now(),
                        auth_epoch=0)
            s.add(user)
            s.flush()
            audit.record(s, "user.created", actor.username if actor else "setup",
                         details={"user": username})
            for role, org, acc in grants:
                self._grant(s, actor, user, role, org, acc)
            return user

    def grant_scope(self, org: str | None, account_id: str | None) -> Scope:
        """Where a grant applies: an account always within the organisation that owns it."""
        if account_id:
            return Scope(self.settings.owner_of(account_id), account_id)
        return Scope(org, None)

    def _grant(self, s: DbSession, actor: Principal | None, user: User, role: str, org: str | None,
               account_id: str | None) -> Grant:
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}; one of {', '.join(ROLES)}")
        org, account_id = org or None, account_id or None
        if (org is not None and len(org) > 64) or (account_id is not None and len(account_id) > 200):
            raise ValueError("an organisation has at most 64 characters, an account id 200")
        if account_id and org and org != self.settings.owner_of(account_id):
            # the account decides the organisation: an admin of one organisation must not
            # reach another's account by naming their own organisation beside it
            raise ValueError(f"account {account_id!r} belongs to {self.settings.owner_of(account_id)!r}, "
                             f"not {org!r}")
        scope = self.grant_scope(org, account_id)
        if actor is not None and not actor.can("manage_users", scope):
            raise Forbidden("manage_users", scope)
        if account_id:
            org = None  # an account grant: the account alone (its organisation is derived)
        grant = Grant(user_id=user.id, role=role, organisation=org, account_id=account_id,
                      created_at=now(), created_by=actor.user_id if actor else None)
        s.add(grant)
        s.flush()
        audit.record(s, "permission.granted", actor.username if actor else "setup", organisation=org,
                     account_id=account_id, details={"user": user.username, "role": role,
                                                     "grant": grant.id})
        return grant

    def grant(self, actor: Principal, user_id: int, role: str, org: str | None,
              account_id: str | None) -> Grant:
        with self.db.tx() as s:
            user = s.get(User, user_id)
            if user is None:
                raise LookupError(f"user {user_id} not found")
            return self._grant(s, actor, user, role, org, account_id)

    def revoke(self, actor: Principal, grant_id: int) -> None:
        with self.db.tx() as s:
            grant = s.get(Grant, grant_id)
            if grant is None:
                raise LookupError(f"grant {grant_id} not found")
            scope = self.grant_scope(grant.organisation, grant.account_id)
            if not actor.can("manage_users", scope):
                raise Forbidden("manage_users", scope)
            user = s.get(User, grant.user_id)
            s.delete(grant)
            audit.record(s, "permission.revoked", actor.username, organisation=grant.organisation,
                         account_id=grant.account_id, details={
                             "user": user.username if user else grant.user_id, "role": grant.role,
                             "grant": grant_id})

    def _may_manage(self, s: DbSession, actor: Principal, user_id: int) -> None:
        """An admin may change a user who holds grants only inside the admin's scopes."""
        if actor.can("manage_users", Scope()):
            return
        grants = list(s.scalars(select(Grant).where(Grant.user_id == user_id)))
        if not grants or not all(actor.can("manage_users", self.grant_scope(g.organisation, g.account_id))
                                 for g in grants):
            raise Forbidden("manage_users", Scope())

    def set_disabled(self, actor: Principal, user_id: int, disabled: bool) -> None:
        """Disable (offboard) or re-enable a user; their sessions end at once."""
        with self.db.tx() as s:
            self._may_manage(s, actor, user_id)
            user = s.get(User, user_id)
            if user is None:
                raise LookupError(f"user {user_id} not found")
            user.disabled = disabled
            user.auth_epoch += 1
            s.execute(update(Session).where(Session.user_id == user_id).values(revoked=True))
            audit.record(s, "user.disabled" if disabled else "user.enabled", actor.username,
                         details={"user": user.username})

    def set_password(self, actor: Principal, user_id: int, password: str) -> None:
        check_password_strength(password)
        with self.db.tx() as s:
            if actor.user_id != user_id:
                self._may_manage(s, actor, user_id)
            user = s.get(User, user_id)
            if user is None:
                raise LookupError(f"user {user_id} not found")
            user.password_hash = HASHER.hash(password)
            user.auth_epoch += 1
            s.execute(update(Session).where(Session.user_id == user_id).values(revoked=True))
            audit.record(s, "user.password_changed", actor.username, details={"user": user.username})

    def new_api_token(self, actor: Principal, name: str) -> tuple[int, str]:
        """A token for integrations, acting as ``actor`` (shown once)."""
        token = "cm_" + secrets.token_urlsafe(32)
        with self.db.tx() as s:
            row = ApiToken(user_id=actor.user_id, name=name[:100] or "token",
                           token_hash=token_hash(token), created_at=now())
            s.add(row)
            s.flush()
            audit.record(s, "token.created", actor.username, details={"token": row.id, "name": row.name})
            return row.id, token

    def revoke_api_token(self, actor: Principal, token_id: int) -> None:
        with self.db.tx() as s:
            row = s.get(ApiToken, token_id)
            if row is None:
                raise LookupError(f"token {token_id} not found")
            if row.user_id != actor.user_id:
                self._may_manage(s, actor, row.user_id)
            row.revoked = True
            audit.record(s, "token.revoked", actor.username, details={"token": token_id})

    def users(self, actor: Principal) -> list[dict]:
        """The users an admin manages: all for an admin of everything, else those holding a grant
        inside the admin's scopes."""
        everything = actor.can("manage_users", Scope())
        with self.db.read() as s:
            out = []
            for user in s.scalars(select(User).order_by(User.username)):
                grants = list(s.scalars(select(Grant).where(Grant.user_id == user.id)))
                if not everything and not any(
                        actor.can("manage_users", self.grant_scope(g.organisation, g.account_id))
                        for g in grants):
                    continue
                out.append({"id": user.id, "username": user.username,
                            "display_name": user.display_name, "disabled": user.disabled,
                            "grants": [{"id": g.id, "role": g.role, "organisation": g.organisation,
                                        "account_id": g.account_id} for g in grants]})
            return out
