"""The console's HTTP API (FastAPI; OpenAPI at ``/api/openapi.json``, docs at ``/api/docs``).
The web UI uses exactly this API. Every route authenticates (session cookie + CSRF header for
changes, or ``Authorization: Bearer`` API token) and checks the role at the item's scope.
"""


import asyncio
import logging
import time
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request, Response
from fastapi.responses import (
    FileResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    StreamingResponse,
)
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from starlette.datastructures import MutableHeaders

from streams.console import audit, ops
from streams.console.auth import RateLimited, Unauthenticated
from streams.console.cards import card, platform_statuses, row
from streams.console.db import aware, now
from streams.console.models import Item, LegalHold
from streams.console.permissions import ITEM_ROLES, Forbidden, Principal, Scope
from streams.console.replies import AlreadyClosed
from streams.console.review import Conflict, NotFound, Refused, scope_of
from streams.console.runtime import Console

log = logging.getLogger("civicmod.console.api")
COOKIE = "civicmod_session"
UI = Path(__file__).with_name("ui")
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
#: How often an open live stream re-checks its session or token.
RECHECK_S = 60.0


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
    role: Literal["viewer", "moderator", "lead", "admin", "auditor", "comms"]
    organisation: str | None = None
    account_id: str | None = None


class TokenIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)


class NoReplyIn(BaseModel):
    reason: str = Field(min_length=1, max_length=64)
    """One of ``console.replies.no_reply_reasons`` (``other`` needs a note)."""
    note: str | None = Field(None, max_length=2000)


# -- what the API answers (the shapes the web UI reads; documented in the OpenAPI schema) ----------
class Out(BaseModel):
    """A response body. Unlisted keys pass through (a newer server may add fields)."""

    model_config = ConfigDict(extra="allow", use_attribute_docstrings=True)


class ErrorOut(Out):
    detail: Any


class ConflictOut(Out):
    """409: someone else got there first. Who and when, as far as known."""

    detail: str
    state: str | None = None
    decision: str | None = None
    decided_by: str | None = None
    decided_at: datetime | None = None
    claimed_by: str | None = None
    lease_until: datetime | None = None


class ReasonCodeOut(Out):
    code: str
    label: str
    actions: list[str]
    """The decisions this reason may accompany."""


class GrantOut(Out):
    role: str
    organisation: str | None = None
    account_id: str | None = None


class QueueConfigOut(Out):
    sla_minutes: float
    label: str | None = None
    decide_roles: list[str] | None = None


class MeOut(Out):
    user_id: int
    username: str
    grants: list[GrantOut]
    reason_codes: list[ReasonCodeOut]
    queues: dict[str, QueueConfigOut]
    lease_s: float
    undo_window_s: float
    bulk_max: int
    csrf: str | None = None
    """The session's CSRF token (send it as ``X-CSRF-Token``); absent for API tokens."""


class QueueOut(Out):
    queue: str
    label: str
    count: int
    oldest_age_s: float
    sla_s: float
    overdue: int
    decide_roles: list[str] | None = None


class ItemRowOut(Out):
    id: int
    comment_id: str
    platform: str
    account_id: str
    organisation: str
    queue: str
    priority: int
    held: bool
    state: str
    """open, decided, superseded (an edit arrived) or platform_removed."""
    text: str
    author: str
    received_at: datetime
    age_s: float
    sla_s: float
    overdue: bool
    claimed_by: str | None = None
    lease_until: datetime | None = None
    decision: str | None = None
    platform_state: str | None = None
    platform_status: str | None = None
    """What the actuator last carried out on the platform, in a few words ("hidden on the
    platform", "hide failed: token expired (190)", "dry run: would hide"); None: nothing yet."""
    platform_warning: bool = False
    """The platform does not show what was decided: the newest action failed or was skipped."""
    labels: list[str] = []


class ReasonOut(Out):
    source: str
    id: str
    label: str
    score: float | None = None
    detail: str | None = None
    action: str | None = None
    spans: list[tuple[int, int]] = []
    """[start, end) character offsets into the comment's text."""


class ParentOut(Out):
    comment_id: str
    text: str | None = None
    """None when the console does not have it (published more than ``console.context_days`` ago,
    or before the console started)."""
    author: str | None = None


class DecisionOut(Out):
    id: str
    action: str
    reason_code: str
    note: str | None = None
    by: str | None = None
    role: str | None = None
    at: datetime | None = None
    undoes: str | None = None
    undone_by: str | None = None


class PlatformActionOut(Out):
    """One action the actuator carried out (``moderation.actions``), as it last reported it."""

    action_id: str
    kind: str
    """hide, unhide, delete or restrict_author."""
    status: str
    """done, dry_run (the actuator would have done it), failed or skipped (not supported)."""
    error_code: str | None = None
    """The platform's error code (e.g. 190: token expired)."""
    error: str | None = None
    at: datetime
    requested_by: str
    """A decision id, or ``verdict:<outcome>`` for what the pipeline asked for itself."""
    attempts: int = 1


class AppealOut(Out):
    id: int
    channel: str
    statement: str
    created_at: datetime | None = None
    first_decided_by: str | None = None
    first_reason: str | None = None
    outcome: str | None = None
    outcome_reason: str | None = None
    decided_by: str | None = None
    decided_at: datetime | None = None


class HoldRefOut(Out):
    id: int
    scope: str
    value: str
    reason: str


class AbilitiesOut(Out):
    """What the asking user may do with this item (the server checks again on every request)."""

    claim: bool
    decide: bool
    delete: bool
    restrict: bool
    appeal: bool
    hold: bool


class ItemCardOut(ItemRowOut):
    author_id: str
    author_handle: str | None = None
    thread_id: str | None = None
    parent: ParentOut | None = None
    url: str | None = None
    """The comment on its platform."""
    outcome: str | None = None
    reasons: list[ReasonOut] = []
    scores: dict[str, float] = {}
    classifier: dict[str, Any] | None = None
    policy_version: str | None = None
    escalation: dict[str, Any] | None = None
    tags: list[str] = []
    source: str
    decided_by: str | None = None
    decided_at: datetime | None = None
    last_decision_id: str | None = None
    author_history: list[ItemRowOut] = []
    author_strikes: int = 0
    author_restricted: bool = False
    decisions: list[DecisionOut] = []
    appeals: list[AppealOut] = []
    legal_holds: list[HoldRefOut] = []
    appeal_open: int | None = None
    platform_actions: list[PlatformActionOut] = []
    """What the actuator carried out on the platform for this comment, newest first."""
    decide_roles: list[str] | None = None
    can: AbilitiesOut


class ClaimOut(Out):
    id: int
    claimed_by: str
    lease_until: datetime | None = None


class StatusOut(Out):
    status: str


class DecideOut(Out):
    decision_id: str
    action: str
    item: int
    next: int | None = None
    """With ``next``: the item claimed next (None: the queue is empty); absent otherwise."""


class NextOut(Out):
    next: int | None = None


class UndoOut(Out):
    decision_id: str
    action: str
    item: int
    undoes: str


class SkippedOut(Out):
    item: int
    why: str


class BulkPreviewOut(Out):
    count: int
    """How many items the decision would touch (send it back as ``confirm_count``)."""
    items: list[int]
    skipped: list[SkippedOut]
    max: int
    """The cap (``console.bulk_max``)."""


class BulkDecideOut(Out):
    decided: int
    decisions: list[str]


class AppealCreatedOut(Out):
    appeal_id: int
    item: int


class HoldCreatedOut(Out):
    id: int
    scope: str
    value: str


class HoldOut(Out):
    id: int
    scope: Literal["item", "author", "account"]
    value: str
    """The comment id, ``<platform>:<author id>``, or the account id."""
    reason: str
    organisation: str | None = None
    created_by: str | None = None
    created_at: datetime


class AuditRecordOut(Out):
    seq: int
    at: str
    type: str
    actor: str
    organisation: str | None = None
    account_id: str | None = None
    comment_id: str | None = None
    details: dict[str, Any] = {}
    prev_hash: str
    hash: str


class VerifyOut(Out):
    ok: bool
    rows: int
    problems: list[str]


class UserGrantOut(GrantOut):
    id: int


class UserOut(Out):
    id: int
    username: str
    display_name: str
    disabled: bool
    grants: list[UserGrantOut]


class UserCreatedOut(Out):
    id: int
    username: str


class IdOut(Out):
    id: int


class TokenCreatedOut(Out):
    id: int
    token: str
    """Shown once."""
    note: str


class ReplyRowOut(Out):
    """A citizen's question or problem report waiting for (or given) the agency's reply."""

    id: int
    comment_id: str
    platform: str
    account_id: str
    organisation: str
    tags: list[str]
    """``engagement.question`` and/or ``engagement.report``."""
    text: str
    author: str
    url: str | None = None
    """The comment on its platform."""
    received_at: datetime
    state: str
    """open, answered, no_reply_needed, hidden (a moderator hid it) or removed (on the platform)."""
    age_s: float
    """Open: waiting so far; closed: how long it waited."""
    target_s: float
    """The organisation's reply target (``console.replies.target_hours``)."""
    overdue: bool
    reply_id: str | None = None
    answered_at: datetime | None = None
    first_response_s: float | None = None
    closed_by: str | None = None
    closed_at: datetime | None = None
    close_reason: str | None = None
    close_note: str | None = None


class ReplyAccountOut(Out):
    organisation: str
    account_id: str
    platform: str
    open: int
    overdue: int
    target_s: float
    oldest_age_s: float


class ReplySummaryOut(Out):
    open: int
    overdue: int
    accounts: list[ReplyAccountOut]


class OpsOut(Out):
    """The ops page's figures for one range, merged over the accounts the user may see (see
    ``streams/console/ops.py``): per window ``buckets`` (their starts) and series of the same
    length, and totals. Durations in seconds (a bucket's upper bound)."""

    range: str
    window: str
    window_s: int
    buckets: list[datetime]
    updated_at: datetime | None = None
    throughput: dict[str, list[int]]
    decisions: dict[str, list[int]]
    decision_totals: dict[str, int]
    decided_by: dict[str, int]
    latency: dict[str, Any]
    deadletters: dict[str, Any]
    actions: dict[str, list[int]]
    action_totals: dict[str, int]
    queues: list[dict[str, Any]]
    engagement: dict[str, Any]


ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "Not logged in (or the session ended)"},
    403: {"model": ErrorOut, "description": "Not allowed, or a missing/wrong X-CSRF-Token header"},
    404: {"model": ErrorOut, "description": "Not found (or not in the user's scope)"},
    409: {"model": ConflictOut, "description": "Someone else claimed or decided it first"},
    422: {"model": ErrorOut, "description": "Not valid for this item (e.g. a reason that does not fit)"},
}


class _Router(APIRouter):
    """Routes whose answers are validated by their response model and keep exactly the keys the
    handler returned (no ``null`` added for an absent optional field)."""

    def add_api_route(self, *args: Any, **kwargs: Any) -> None:
        kwargs["response_model_exclude_unset"] = True
        super().add_api_route(*args, **kwargs)


def _client(request: Request) -> str:
    return request.client.host if request.client else "?"


def create_app(console: Console) -> FastAPI:
    app = FastAPI(title="civicmod console", version="1", docs_url=None,
                  openapi_url="/api/openapi.json", redoc_url=None)
    app.state.console = console
    api = _Router(prefix="/api", responses=ERRORS)
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

    @app.exception_handler(AlreadyClosed)
    async def _closed(_r: Request, exc: AlreadyClosed) -> JSONResponse:
        metrics.conflicts.inc()
        return JSONResponse({"detail": str(exc), "state": exc.state}, status_code=409)

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
        request.state.csrf = csrf  # for /api/me, without reading the session twice
        return who

    Who = Annotated[Principal, Depends(principal)]

    # -- session ----------------------------------------------------------------------------------
    @api.post("/login", response_model=MeOut, responses={
        429: {"model": ErrorOut, "description": "Too many failed logins (Retry-After says when to retry)"}})
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

    @api.post("/logout", response_model=StatusOut)
    def logout(request: Request, response: Response, who: Who) -> dict[str, str]:
        token = request.cookies.get(COOKIE)
        if token:
            console.auth.logout(token)
        response.delete_cookie(COOKIE, path="/")
        return {"status": "logged out"}

    @api.get("/me", response_model=MeOut)
    def me(request: Request, who: Who) -> dict[str, Any]:
        out = _me(who)
        if not who.via_token:
            out["csrf"] = getattr(request.state, "csrf", None)
        return out

    def _me(who: Principal) -> dict[str, Any]:
        return {"user_id": who.user_id, "username": who.username,
                "grants": [{"role": g.role, "organisation": g.organisation, "account_id": g.account_id}
                           for g in who.grants],
                "reason_codes": [rc.model_dump() for rc in console.settings.reason_codes],
                "queues": {k: v.model_dump() for k, v in console.settings.queues.items()},
                "lease_s": console.settings.lease_s, "undo_window_s": console.settings.undo_window_s,
                "bulk_max": console.settings.bulk_max,
                "no_reply_reasons": [rc.model_dump(include={"code", "label"})
                                     for rc in console.settings.replies.no_reply_reasons],
                "reply_target_hours": console.settings.replies.target_hours}

    @api.get("/reason-codes", response_model=list[ReasonCodeOut])
    def reason_codes(who: Who) -> list[dict[str, Any]]:
        """The configured reason codes and the decisions each may accompany."""
        return [rc.model_dump() for rc in console.settings.reason_codes]

    # -- queues and items -------------------------------------------------------------------------
    @api.get("/queues", response_model=list[QueueOut])
    def queues(who: Who) -> list[dict[str, Any]]:
        return console.review.queues(who)

    @api.get("/items", response_model=list[ItemRowOut])
    def items(who: Who, queue: str | None = None, state: str = "open",
              limit: Annotated[int, Query(ge=1, le=500)] = 50,
              offset: Annotated[int, Query(ge=0)] = 0) -> list[dict[str, Any]]:
        rows = console.review.list_items(who, queue, state, limit, offset)
        with console.db.read() as s:
            names: dict[int, str] = {}
            statuses = platform_statuses(s, [i.comment_id for i in rows])
            return [row(i, console.settings, names, s, statuses) for i in rows]

    @api.get("/items/{item_id}", response_model=ItemCardOut)
    def get_item(item_id: int, who: Who) -> dict[str, Any]:
        with console.db.read() as s:
            item = s.get(Item, item_id)
            if item is None or not who.can("view", scope_of(item)):
                raise HTTPException(404, f"item {item_id} not found")
            out = card(s, item, console.settings, who)
        out["can"] = _abilities(who, item)
        return out

    def _abilities(who: Principal, item: Item) -> dict[str, bool]:
        qr = console.settings.queue(item.queue).decide_roles
        sc = scope_of(item)
        return {"claim": who.can("claim", sc, qr), "decide": who.can("decide", sc, qr),
                "delete": who.can("decide_delete", sc, qr), "restrict": who.can("restrict_author", sc, qr),
                "appeal": who.can("appeal_create", sc), "hold": who.can("legal_hold", sc)}

    @api.post("/items/{item_id}/claim", response_model=ClaimOut)
    def claim(item_id: int, who: Who) -> dict[str, Any]:
        item = console.review.claim(who, item_id)
        metrics.claims.inc()
        console.live.publish("item.claimed", {"id": item_id, "by": who.username})
        return {"id": item.id, "claimed_by": who.username, "lease_until": aware(item.lease_until)}

    @api.delete("/items/{item_id}/claim", response_model=StatusOut)
    def release(item_id: int, who: Who) -> dict[str, str]:
        console.review.release(who, item_id)
        console.live.publish("item.released", {"id": item_id, "by": who.username})
        return {"status": "released"}

    @api.post("/items/{item_id}/decide", response_model=DecideOut)
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

    @api.post("/queues/{queue}/next", response_model=NextOut)
    def next_in_queue(queue: str, who: Who) -> dict[str, Any]:
        nxt = console.review.next_item(who, queue)
        if nxt is not None:
            console.live.publish("item.claimed", {"id": nxt.id, "by": who.username})
        return {"next": nxt.id if nxt else None}

    @api.post("/decisions/{decision_id}/undo", response_model=UndoOut)
    def undo(decision_id: str, who: Who) -> dict[str, Any]:
        d = console.review.undo(who, decision_id)
        metrics.decisions.labels("undo").inc()
        console.relay_wake()
        console.live.publish("item.decided", {"id": d.item_id, "by": who.username, "action": "undo"})
        return {"decision_id": d.id, "action": d.action, "item": d.item_id, "undoes": decision_id}

    @api.post("/bulk/preview", response_model=BulkPreviewOut)
    def bulk_preview(body: BulkIn, who: Who) -> dict[str, Any]:
        return console.review.bulk_preview(who, body.item_ids, body.action)

    @api.post("/bulk/decide", response_model=BulkDecideOut)
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

    @api.post("/items/{item_id}/appeal", response_model=AppealCreatedOut)
    def appeal(item_id: int, body: AppealIn, who: Who) -> dict[str, Any]:
        channel = "api" if who.via_token else body.channel
        a = console.review.appeal(who, item_id, body.statement, channel)
        console.relay_wake()
        console.live.publish("item.new", {"id": item_id, "queue": "appeals"})
        return {"appeal_id": a.id, "item": item_id}

    # -- legal holds ------------------------------------------------------------------------------
    @api.get("/holds", response_model=list[HoldOut])
    def holds(who: Who) -> list[dict[str, Any]]:
        """The active legal holds this user may release (auditors, leads and admins, in their
        scopes; the same rule as releasing one)."""
        if not any(g.role in ("auditor", "lead", "admin") for g in who.grants):
            raise Forbidden("legal_hold", Scope())
        out: list[dict[str, Any]] = []
        with console.db.read() as s:
            names: dict[int, str] = {}
            for h in s.scalars(select(LegalHold).where(LegalHold.released_at.is_(None))
                               .order_by(LegalHold.id.desc()).limit(1000)):
                scopes = console.review.hold_scopes(s, h.scope, h.value, h.organisation)
                if not any(who.can("legal_hold", sc) for sc in scopes):
                    continue
                if h.created_by not in names:
                    names[h.created_by] = console.review.username(s, h.created_by) or "?"
                out.append({"id": h.id, "scope": h.scope, "value": h.value, "reason": h.reason,
                            "organisation": h.organisation, "created_by": names[h.created_by],
                            "created_at": aware(h.created_at)})
        return out

    @api.post("/holds", response_model=HoldCreatedOut)
    def place_hold(body: HoldIn, who: Who) -> dict[str, Any]:
        h = console.review.place_hold(who, body.scope, body.value, body.reason, body.organisation)
        console.relay_wake()
        return {"id": h.id, "scope": h.scope, "value": h.value}

    @api.delete("/holds/{hold_id}", response_model=StatusOut)
    def release_hold(hold_id: int, who: Who) -> dict[str, str]:
        console.review.release_hold(who, hold_id)
        console.relay_wake()
        return {"status": "released"}

    # -- the "needs a reply" queue ----------------------------------------------------------------
    @api.get("/replies", response_model=list[ReplyRowOut])
    def replies(who: Who, state: Literal["open", "answered", "no_reply_needed", "hidden", "removed",
                                         "any"] = "open",
                account_id: str | None = None, limit: Annotated[int, Query(ge=1, le=500)] = 100,
                offset: Annotated[int, Query(ge=0)] = 0) -> list[dict[str, Any]]:
        """Citizens' questions and problem reports (comms staff, leads, admins, in their scopes):
        open ones oldest first, closed ones newest first."""
        return console.replies.list(who, state, account_id, limit, offset)

    @api.get("/replies/summary", response_model=ReplySummaryOut)
    def replies_summary(who: Who) -> dict[str, Any]:
        """Open questions per account: count, oldest age, overdue against the reply target."""
        return console.replies.summary(who)

    @api.post("/replies/{item_id}/no-reply", response_model=ReplyRowOut)
    def no_reply(item_id: int, body: NoReplyIn, who: Who) -> dict[str, Any]:
        """Close a question without a reply, with a reason (audited)."""
        item = console.replies.close(who, item_id, body.reason, body.note)
        console.relay_wake()
        console.live.publish("reply.closed", {"id": item_id, "by": who.username})
        return console.replies.row(item, now(), {who.user_id: who.username})

    # -- the ops page -----------------------------------------------------------------------------
    @api.get("/ops", response_model=OpsOut)
    def ops_figures(who: Who, range: Literal["hour", "day", "month"] = "hour") -> dict[str, Any]:
        """Throughput, decision mix, latency, dead letters, platform actions, queues and SLA, and
        engagement, from the metrics service's aggregates (``moderation.metrics``), in the user's
        scopes."""
        queues = console.review.queues(who) if _sees_items(who) else []
        return ops.summary(console.db, console.settings, who, range, queues=queues)

    def _sees_items(who: Principal) -> bool:
        return any(g.role in ITEM_ROLES for g in who.grants)

    # -- audit ------------------------------------------------------------------------------------
    def _audit_scope(who: Principal) -> tuple[list[str] | None, list[str] | None]:
        """(organisations, accounts) whose audit rows ``who`` may read; (None, None): all."""
        if who.can("audit_read", Scope()):
            return None, None
        roles = ("auditor", "admin")
        orgs = [g.organisation for g in who.grants
                if g.role in roles and g.organisation and not g.account_id]
        accounts = [g.account_id for g in who.grants if g.role in roles and g.account_id]
        if not orgs and not accounts:
            raise Forbidden("audit_read", Scope())
        return orgs, accounts

    @api.get("/audit", response_model=list[AuditRecordOut])
    def audit_list(who: Who, since: datetime | None = None, until: datetime | None = None,
                   account_id: str | None = None, actor: str | None = None,
                   type: Annotated[list[str] | None, Query()] = None,
                   limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> list[dict[str, Any]]:
        orgs, accounts = _audit_scope(who)
        with console.db.read() as s:
            return [audit.as_dict(r) for r in audit.query(
                s, since=_naive(since), until=_naive(until), account_id=account_id, actor=actor,
                types=type or (), organisations=orgs, accounts=accounts, limit=limit,
                newest_first=True)]

    @api.get("/audit/export")
    def audit_export(who: Who, since: datetime | None = None, until: datetime | None = None,
                     account_id: str | None = None, actor: str | None = None,
                     format: Literal["csv", "json"] = "csv") -> StreamingResponse:
        if not who.can("export", Scope()) and not any(g.role in ("auditor", "admin") for g in who.grants):
            raise Forbidden("export", Scope())
        orgs, accounts = _audit_scope(who)
        with console.db.tx() as s:
            audit.record(s, "export", who.username, details={
                "format": format, "since": since, "until": until, "account_id": account_id,
                "actor": actor, "organisations": orgs, "accounts": accounts})
        console.relay_wake()

        def body() -> Any:
            with console.db.read() as s:
                rows = audit.query(s, since=_naive(since), until=_naive(until), account_id=account_id,
                                   actor=actor, organisations=orgs, accounts=accounts)
                yield from (audit.to_csv(rows) if format == "csv" else audit.to_json_lines(rows))

        media = "text/csv" if format == "csv" else "application/x-ndjson"
        ext = "csv" if format == "csv" else "jsonl"
        return StreamingResponse(body(), media_type=media, headers={
            "Content-Disposition": f'attachment; filename="civicmod-audit.{ext}"'})

    @api.get("/audit/verify", response_model=VerifyOut)
    def audit_verify(who: Who) -> dict[str, Any]:
        if not who.can("audit_read", Scope()):
            raise Forbidden("audit_read", Scope())
        with console.db.read() as s:
            v = audit.verify(s)
        return {"ok": v.ok, "rows": v.rows, "problems": v.problems}

    # -- users, grants, tokens --------------------------------------------------------------------
    @api.get("/users", response_model=list[UserOut])
    def users(who: Who) -> list[dict[str, Any]]:
        if not any(g.role == "admin" for g in who.grants):
            raise Forbidden("manage_users", Scope())
        return console.auth.users(who)

    @api.post("/users", response_model=UserCreatedOut)
    def add_user(body: UserIn, who: Who) -> dict[str, Any]:
        u = console.auth.create_user(who, body.username, body.display_name, body.password)
        return {"id": u.id, "username": u.username}

    @api.patch("/users/{user_id}", response_model=StatusOut)
    def change_user(user_id: int, body: UserPatch, who: Who) -> dict[str, str]:
        if body.disabled is not None:
            console.auth.set_disabled(who, user_id, body.disabled)
        if body.password is not None:
            console.auth.set_password(who, user_id, body.password)
        console.relay_wake()
        return {"status": "changed"}

    @api.post("/users/{user_id}/grants", response_model=IdOut)
    def add_grant(user_id: int, body: GrantIn, who: Who) -> dict[str, Any]:
        g = console.auth.grant(who, user_id, body.role, body.organisation, body.account_id)
        console.relay_wake()
        return {"id": g.id}

    @api.delete("/grants/{grant_id}", response_model=StatusOut)
    def del_grant(grant_id: int, who: Who) -> dict[str, str]:
        console.auth.revoke(who, grant_id)
        console.relay_wake()
        return {"status": "revoked"}

    @api.post("/tokens", response_model=TokenCreatedOut)
    def add_token(body: TokenIn, who: Who) -> dict[str, Any]:
        token_id, token = console.auth.new_api_token(who, body.name)
        return {"id": token_id, "token": token, "note": "shown once; store it as a secret"}

    @api.delete("/tokens/{token_id}", response_model=StatusOut)
    def del_token(token_id: int, who: Who) -> dict[str, str]:
        console.auth.revoke_api_token(who, token_id)
        return {"status": "revoked"}

    # -- live updates -----------------------------------------------------------------------------
    @api.get("/events", response_class=StreamingResponse, responses={200: {
        "description": "Server-sent events: ``item.claimed``, ``item.released``, ``item.decided`` "
                       "({id, by, action}), ``item.new`` ({queue}), ``item.platform_state`` "
                       "({comment_id}), ``item.platform_action`` ({comment_id}), ``reply.new``, "
                       "``reply.answered`` ({comment_id}), ``reply.closed`` ({id, by}), "
                       "``ops.updated``; ids only, the browser re-reads what it shows.",
        "content": {"text/event-stream": {}}}})
    async def events(request: Request) -> StreamingResponse:
        who = await asyncio.to_thread(principal, request)
        token = request.cookies.get(COOKIE)

        def still_allowed() -> bool:
            """Re-checked about every minute: a logout, disabled user or revoked token ends the
            stream (without counting as activity for the idle timeout)."""
            try:
                if who.via_token:
                    header = request.headers.get("authorization", "")
                    console.auth.api_token(header[7:].strip())
                else:
                    console.auth.session(token or "", touch=False)
            except Unauthenticated:
                return False
            return True

        async def stream() -> Any:
            checked = time.monotonic()
            async for chunk in console.live.stream():
                if time.monotonic() - checked > RECHECK_S:
                    if not await asyncio.to_thread(still_allowed):
                        return
                    checked = time.monotonic()
                yield chunk

        return StreamingResponse(stream(), media_type="text/event-stream",
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

        @app.get("/ops", include_in_schema=False)
        def ops_page() -> RedirectResponse:
            """The ops page (a view of the web UI)."""
            return RedirectResponse("/#/ops", status_code=307)

        @app.get("/api/docs", include_in_schema=False)
        def docs() -> FileResponse:
            """A reference drawn from /api/openapi.json by a static page (Swagger UI would need a
            CDN and inline scripts, which the CSP forbids)."""
            return FileResponse(UI / "apidocs.html", headers={"Cache-Control": "no-store"})

    app.add_middleware(SecurityHeaders)
    return app


#: On every answer (unless a route set its own): no sniffing, no framing, and a CSP that allows
#: the console's own files only (no inline scripts or styles, no other origin).
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                               "script-src 'self'; connect-src 'self'; frame-ancestors 'none'",
}


class SecurityHeaders:
    """Adds :data:`SECURITY_HEADERS` as the response starts. Plain ASGI rather than
    ``@app.middleware("http")``, which would run every response (the live event stream too)
    through an extra task and memory stream."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _same(a: str, b: str) -> bool:
    import hmac

    return bool(a) and hmac.compare_digest(a.encode(), b.encode())


def _naive(value: datetime | None) -> datetime | None:
    from datetime import UTC

    if value is None:
        return None
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
