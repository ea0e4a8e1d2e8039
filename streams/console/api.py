"""The console's HTTP API (FastAPI; OpenAPI at ``/api/openapi.json``, docs at ``/api/docs``).
The web UI uses exactly this API. Every route authenticates (session cookie + CSRF header for
changes, or ``Authorization: Bearer`` API token) and checks the role at the item's scope.
"""


import asyncio
import logging
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request, Response
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse, StreamingResponse
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, Field

from streams.console import audit
from streams.console.auth import RateLimited, Unauthenticated
from streams.console.cards import card, row
from streams.console.db import aware
from streams.console.models import Item
from streams.console.permissions import Forbidden, Principal, Scope
from streams.console.review import Conflict, NotFound, Refused, scope_of
from streams.console.runtime import Console

log = logging.getLogger("civicmod.console.api")
COOKIE = "civicmod_session"
UI = Path(__file__).with_name("ui")
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


class LoginIn(BaseModel):
    username: str = Field(max_length=200)
    password: str = Field(max_length=1000)


class DecideIn(BaseModel):
    action: Literal["publish", "hide", "delete", "escalate", "hold", "restrict_author", "note"]
    reason_code: str = Field(min_length=1, max_length=64)
    note: str | None = Field(None, max_length=5000)
    #: Decide and claim the next item of this queue (decide-and-next).
    next: bool = False


class BulkIn(BaseModel):
    item_ids: list[int] = Field(min_length=1, max_length=10_000)
    action: Literal["publish", "hide", "escalate", "hold"]
    reason_code: str | None = None
    note: str | None = Field(None, max_length=5000)
    #: The count the preview showed (required to run).
    confirm_count: int | None = None


class AppealIn(BaseModel):
    statement: str = Field(min_length=1, max_length=10_000)
    channel: Literal["api", "staff"] = "staff"


class HoldIn(BaseModel):
    scope: Literal["item", "author", "account"]
    value: str = Field(min_length=1, max_length=300)
    reason: str = Field(min_length=1, max_length=2000)
    organisation: str | None = None


class UserIn(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    display_name: str = Field("", max_length=200)
    password: str = Field(min_length=1, max_length=1000)


class UserPatch(BaseModel):
    disabled: bool | None = None
    password: str | None = Field(None, max_length=1000)


class GrantIn(BaseModel):
    role: Literal["viewer", "moderator", "lead", "admin", "auditor"]
    organisation: str | None = None
    account_id: str | None = None


class TokenIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)


def _client(request: Request) -> str:
    return request.client.host if request.client else "?"


def create_app(console: Console) -> FastAPI:
    app = FastAPI(title="civicmod console", version="1", docs_url="/api/docs",
                  openapi_url="/api/openapi.json", redoc_url=None)
    app.state.console = console
    api = APIRouter(prefix="/api")
    metrics = console.metrics

    # -- errors -----------------------------------------------------------------------------------
    @app.exception_handler(Forbidden)
    async def _forbidden(_r: Request, exc: Forbidden) -> JSONResponse:
        metrics.denied.labels(exc.action).inc()
        return JSONResponse({"detail": str(exc)}, status_code=403)

    @app.exception_handler(Conflict)
    async def _conflict(_r: Request, exc: Conflict) -> JSONResponse:
        metrics.conflicts.inc()
        details = {k: (aware(v).isoformat() if isinstance(v, datetime) else v)
                   for k, v in exc.details.items()}
        return JSONResponse({"detail": str(exc), **details}, status_code=409)

    @app.exception_handler(Refused)
    async def _refused(_r: Request, exc: Refused) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=422)

    @app.exception_handler(NotFound)
    async def _not_found(_r: Request, exc: NotFound) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=404)

    @app.exception_handler(LookupError)
    async def _lookup(_r: Request, exc: LookupError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=404)

    @app.exception_handler(ValueError)
    async def _value(_r: Request, exc: ValueError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=422)

    # -- who is asking ----------------------------------------------------------------------------
    def principal(request: Request) -> Principal:
        header = request.headers.get("authorization", "")
        try:
            if header.lower().startswith("bearer "):
                return console.auth.api_token(header[7:].strip())
            token = request.cookies.get(COOKIE)
            if not token:
                raise Unauthenticated("not logged in")
            who, csrf = console.auth.session(token)
        except Unauthenticated as exc:
            raise HTTPException(401, str(exc)) from None
        if request.method in UNSAFE and not _same(request.headers.get("x-csrf-token", ""), csrf):
            metrics.csrf_refused.inc()
            raise HTTPException(403, "missing or wrong X-CSRF-Token header")
        return who

    Who = Annotated[Principal, Depends(principal)]

    # -- session ----------------------------------------------------------------------------------
    @api.post("/login")
    def login(body: LoginIn, request: Request, response: Response) -> dict[str, Any]:
        try:
            token, csrf, who = console.auth.login(body.username, body.password, _client(request))
        except RateLimited as exc:
            metrics.logins.labels("rate_limited").inc()
            retry = {"Retry-After": str(int(exc.retry_after_s) + 1)}
            raise HTTPException(429, str(exc), headers=retry) from None
        except Unauthenticated as exc:
            metrics.logins.labels("failed").inc()
            raise HTTPException(401, str(exc)) from None
        metrics.logins.labels("ok").inc()
        response.set_cookie(COOKIE, token, httponly=True, samesite="strict",
                            secure=console.settings.secure_cookies, path="/")
        return {"csrf": csrf, **_me(who)}

    @api.post("/logout")
    def logout(request: Request, response: Response, who: Who) -> dict[str, str]:
        token = request.cookies.get(COOKIE)
        if token:
            console.auth.logout(token)
        response.delete_cookie(COOKIE, path="/")
        return {"status": "logged out"}

    @api.get("/me")
    def me(request: Request, who: Who) -> dict[str, Any]:
        out = _me(who)
        token = request.cookies.get(COOKIE)
        if token and not who.via_token:
            out["csrf"] = console.auth.session(token)[1]
        return out

    def _me(who: Principal) -> dict[str, Any]:
        return {"user_id": who.user_id, "username": who.username,
                "grants": [{"role": g.role, "organisation": g.organisation, "account_id": g.account_id}
                           for g in who.grants],
                "reason_codes": [rc.model_dump() for rc in console.settings.reason_codes],
                "queues": {k: v.model_dump() for k, v in console.settings.queues.items()},
                "lease_s": console.settings.lease_s, "undo_window_s": console.settings.undo_window_s,
                "bulk_max": console.settings.bulk_max}

    # -- queues and items -------------------------------------------------------------------------
    @api.get("/queues")
    def queues(who: Who) -> list[dict[str, Any]]:
        return console.review.queues(who)

    @api.get("/items")
    def items(who: Who, queue: str | None = None, state: str = "open",
              limit: Annotated[int, Query(ge=1, le=500)] = 50,
              offset: Annotated[int, Query(ge=0)] = 0) -> list[dict[str, Any]]:
        rows = console.review.list_items(who, queue, state, limit, offset)
        with console.db.read() as s:
            names: dict[int, str] = {}
            return [row(i, console.settings, names, s) for i in rows]

    @api.get("/items/{item_id}")
    def get_item(item_id: int, who: Who) -> dict[str, Any]:
        with console.db.read() as s:
            item = s.get(Item, item_id)
            if item is None or not who.can("view", scope_of(item)):
                raise HTTPException(404, f"item {item_id} not found")
            out = card(s, item, console.settings)
        out["can"] = _abilities(who, item)
        return out

    def _abilities(who: Principal, item: Item) -> dict[str, bool]:
        qr = console.settings.queue(item.queue).decide_roles
        sc = scope_of(item)
        return {"claim": who.can("claim", sc, qr), "decide": who.can("decide", sc, qr),
                "delete": who.can("decide_delete", sc, qr), "restrict": who.can("restrict_author", sc, qr),
                "appeal": who.can("appeal_create", sc), "hold": who.can("legal_hold", sc)}

    @api.post("/items/{item_id}/claim")
    def claim(item_id: int, who: Who) -> dict[str, Any]:
        item = console.review.claim(who, item_id)
        metrics.claims.inc()
        console.live.publish("item.claimed", {"id": item_id, "by": who.username})
        return {"id": item.id, "claimed_by": who.username, "lease_until": aware(item.lease_until)}

    @api.delete("/items/{item_id}/claim")
    def release(item_id: int, who: Who) -> dict[str, str]:
        console.review.release(who, item_id)
        console.live.publish("item.released", {"id": item_id, "by": who.username})
        return {"status": "released"}

    @api.post("/items/{item_id}/decide")
    def decide(item_id: int, body: DecideIn, who: Who) -> dict[str, Any]:
        with metrics.decide_seconds.time():
            d = console.review.decide(who, item_id, body.action, body.reason_code, body.note)
        metrics.decisions.labels(body.action).inc()
        console.relay_wake()
        console.live.publish("item.decided", {"id": item_id, "by": who.username, "action": body.action})
        out: dict[str, Any] = {"decision_id": d.id, "action": d.action, "item": item_id}
        if body.next:
            with console.db.read() as s:
                item = s.get(Item, item_id)
                queue = (d.prior_state or {}).get("queue") or (item.queue if item else None)
            nxt = console.review.next_item(who, queue, after=item_id)
            out["next"] = nxt.id if nxt else None
            if nxt is not None:
                console.live.publish("item.claimed", {"id": nxt.id, "by": who.username})
        return out

    @api.post("/queues/{queue}/next")
    def next_in_queue(queue: str, who: Who) -> dict[str, Any]:
        nxt = console.review.next_item(who, queue)
        if nxt is not None:
            console.live.publish("item.claimed", {"id": nxt.id, "by": who.username})
        return {"next": nxt.id if nxt else None}

    @api.post("/decisions/{decision_id}/undo")
    def undo(decision_id: str, who: Who) -> dict[str, Any]:
        d = console.review.undo(who, decision_id)
        metrics.decisions.labels("undo").inc()
        console.relay_wake()
        console.live.publish("item.decided", {"id": d.item_id, "by": who.username, "action": "undo"})
        return {"decision_id": d.id, "action": d.action, "item": d.item_id, "undoes": decision_id}

    @api.post("/bulk/preview")
    def bulk_preview(body: BulkIn, who: Who) -> dict[str, Any]:
        return console.review.bulk_preview(who, body.item_ids, body.action)

    @api.post("/bulk/decide")
    def bulk_decide(body: BulkIn, who: Who) -> dict[str, Any]:
        if body.confirm_count is None or not body.reason_code:
            raise HTTPException(422, "a bulk decision needs reason_code and confirm_count (from the preview)")
        rows = console.review.bulk_decide(who, body.item_ids, body.action, body.reason_code, body.note,
                                          body.confirm_count)
        metrics.decisions.labels(body.action).inc(len(rows))
        console.relay_wake()
        for r in rows:
            console.live.publish("item.decided", {"id": r.item_id, "by": who.username, "action": body.action})
        return {"decided": len(rows), "decisions": [r.id for r in rows]}

    @api.post("/items/{item_id}/appeal")
    def appeal(item_id: int, body: AppealIn, who: Who) -> dict[str, Any]:
        channel = "api" if who.via_token else body.channel
        a = console.review.appeal(who, item_id, body.statement, channel)
        console.relay_wake()
        console.live.publish("item.new", {"id": item_id, "queue": "appeals"})
        return {"appeal_id": a.id, "item": item_id}

    # -- legal holds ------------------------------------------------------------------------------
    @api.post("/holds")
    def place_hold(body: HoldIn, who: Who) -> dict[str, Any]:
        h = console.review.place_hold(who, body.scope, body.value, body.reason, body.organisation)
        console.relay_wake()
        return {"id": h.id, "scope": h.scope, "value": h.value}

    @api.delete("/holds/{hold_id}")
    def release_hold(hold_id: int, who: Who) -> dict[str, str]:
        console.review.release_hold(who, hold_id)
        console.relay_wake()
        return {"status": "released"}

    # -- audit ------------------------------------------------------------------------------------
    def _audit_scope(who: Principal) -> list[str] | None:
        if who.can("audit_read", Scope()):
            return None
        orgs = [g.organisation for g in who.grants if g.organisation and g.role in ("auditor", "admin")]
        if not orgs:
            raise Forbidden("audit_read", Scope())
        return orgs

    @api.get("/audit")
    def audit_list(who: Who, since: datetime | None = None, until: datetime | None = None,
                   account_id: str | None = None, actor: str | None = None,
                   type: Annotated[list[str] | None, Query()] = None,
                   limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> list[dict[str, Any]]:
        orgs = _audit_scope(who)
        with console.db.read() as s:
            return [audit.as_dict(r) for r in audit.query(
                s, since=_naive(since), until=_naive(until), account_id=account_id, actor=actor,
                types=type or (), organisations=orgs, limit=limit, newest_first=True)]

    @api.get("/audit/export")
    def audit_export(who: Who, since: datetime | None = None, until: datetime | None = None,
                     account_id: str | None = None, actor: str | None = None,
                     format: Literal["csv", "json"] = "csv") -> StreamingResponse:
        if not who.can("export", Scope()) and not any(g.role in ("auditor", "admin") for g in who.grants):
            raise Forbidden("export", Scope())
        orgs = _audit_scope(who)
        with console.db.tx() as s:
            audit.record(s, "export", who.username, details={
                "format": format, "since": since, "until": until, "account_id": account_id,
                "actor": actor, "organisations": orgs})
        console.relay_wake()

        def body() -> Any:
            with console.db.read() as s:
                rows = audit.query(s, since=_naive(since), until=_naive(until), account_id=account_id,
                                   actor=actor, organisations=orgs)
                yield from (audit.to_csv(rows) if format == "csv" else audit.to_json_lines(rows))

        media = "text/csv" if format == "csv" else "application/x-ndjson"
        ext = "csv" if format == "csv" else "jsonl"
        return StreamingResponse(body(), media_type=media, headers={
            "Content-Disposition": f'attachment; filename="civicmod-audit.{ext}"'})

    @api.get("/audit/verify")
    def audit_verify(who: Who) -> dict[str, Any]:
        if not who.can("audit_read", Scope()):
            raise Forbidden("audit_read", Scope())
        with console.db.read() as s:
            v = audit.verify(s)
        return {"ok": v.ok, "rows": v.rows, "problems": v.problems}

    # -- users, grants, tokens --------------------------------------------------------------------
    @api.get("/users")
    def users(who: Who) -> list[dict[str, Any]]:
        if not any(g.role == "admin" for g in who.grants):
            raise Forbidden("manage_users", Scope())
        return console.auth.users(who)

    @api.post("/users")
    def add_user(body: UserIn, who: Who) -> dict[str, Any]:
        u = console.auth.create_user(who, body.username, body.display_name, body.password)
        return {"id": u.id, "username": u.username}

    @api.patch("/users/{user_id}")
    def change_user(user_id: int, body: UserPatch, who: Who) -> dict[str, str]:
        if body.disabled is not None:
            console.auth.set_disabled(who, user_id, body.disabled)
        if body.password is not None:
            console.auth.set_password(who, user_id, body.password)
        console.relay_wake()
        return {"status": "changed"}

    @api.post("/users/{user_id}/grants")
    def add_grant(user_id: int, body: GrantIn, who: Who) -> dict[str, Any]:
        g = console.auth.grant(who, user_id, body.role, body.organisation, body.account_id)
        console.relay_wake()
        return {"id": g.id}

    @api.delete("/grants/{grant_id}")
    def del_grant(grant_id: int, who: Who) -> dict[str, str]:
        console.auth.revoke(who, grant_id)
        console.relay_wake()
        return {"status": "revoked"}

    @api.post("/tokens")
    def add_token(body: TokenIn, who: Who) -> dict[str, Any]:
        token_id, token = console.auth.new_api_token(who, body.name)
        return {"id": token_id, "token": token, "note": "shown once; store it as a secret"}

    @api.delete("/tokens/{token_id}")
    def del_token(token_id: int, who: Who) -> dict[str, str]:
        console.auth.revoke_api_token(who, token_id)
        return {"status": "revoked"}

    # -- live updates -----------------------------------------------------------------------------
    @api.get("/events")
    async def events(request: Request) -> StreamingResponse:
        await asyncio.to_thread(principal, request)
        return StreamingResponse(console.live.stream(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})

    app.include_router(api)

    # -- ops --------------------------------------------------------------------------------------
    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, Any]:
        return console.health()

    @app.get("/readyz", include_in_schema=False)
    def readyz() -> JSONResponse:
        h = console.health()
        return JSONResponse(h, status_code=200 if h["ready"] else 503)

    @app.get("/metrics", include_in_schema=False)
    def prom() -> PlainTextResponse:
        console.refresh_gauges()
        return PlainTextResponse(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    # -- the web UI -------------------------------------------------------------------------------
    if UI.is_dir():
        app.mount("/static", StaticFiles(directory=UI), name="static")

        @app.get("/", include_in_schema=False)
        def index() -> FileResponse:
            return FileResponse(UI / "index.html", headers={"Cache-Control": "no-store"})

    @app.middleware("http")
    async def headers(request: Request, call_next: Any) -> Response:
        response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Content-Security-Policy",
                                    "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                                    "script-src 'self'; connect-src 'self'; frame-ancestors 'none'")
        return response

    return app


def _same(a: str, b: str) -> bool:
    import hmac

    return bool(a) and hmac.compare_digest(a.encode(), b.encode())


def _naive(value: datetime | None) -> datetime | None:
    from datetime import UTC

    if value is None:
        return None
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
