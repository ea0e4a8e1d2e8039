"""The console's browser-test harness: a real ``civicmod console serve`` process on a test topic
prefix, demo verdicts of a council's page (made by the real rule engine, so the spans are
real), users of each role, a small API client, a topic reader, and headless Chromium.

Also a demo server without Kafka for working on the UI by hand::

    .venv/bin/python tests/integration/console/browser_harness.py demo --port 8090
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from civicmod.contract import topics as T
from civicmod.contract.records import Aggregate, Author, ClassifierInfo, Comment, Verdict

REPO = Path(__file__).resolve().parents[3]
#: Debian's Chromium (apt-get install chromium); $CIVICMOD_CHROMIUM names another build.
CHROMIUM = Path(os.environ.get("CIVICMOD_CHROMIUM") or "/usr/bin/chromium")
REQUIRE_ENV = "CIVICMOD_REQUIRE_CHROMIUM"
SCREENSHOTS = REPO / "docs" / "screenshots"

ORG = "harrowby"
PAGE = "page:harrowby-council"
INSTA = "ig:harrowbycouncil"
PASSWORD = "correct-horse-battery-9"
#: username → (display name, role, organisation)
USERS: dict[str, tuple[str, str, str | None]] = {
    "m.okafor": ("Maya Okafor", "moderator", ORG),
    "t.reid": ("Tom Reid", "moderator", ORG),
    "j.patel": ("Jas Patel", "lead", ORG),
    "comms.viewer": ("Comms team", "viewer", ORG),
    "a.nwosu": ("Ada Nwosu (comms)", "comms", ORG),
    "r.hughes": ("Rhian Hughes (records)", "auditor", ORG),
    "admin": ("Console admin", "admin", None),
}
MODEL = ClassifierInfo(name="detoxify-multilingual", version="5a9d3c21")


def chromium_required() -> bool:
    return os.environ.get(REQUIRE_ENV, "") not in ("", "0", "false", "no")


def browser_problem() -> str | None:
    """Why the browser tests cannot run here (None: they can)."""
    if not CHROMIUM.is_file():
        return f"{CHROMIUM} is not installed (apt-get install chromium, or set $CIVICMOD_CHROMIUM)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (it is a dev dependency: pip install -e '.[dev]')"
    return None


# -- demo content -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Demo:
    key: str
    native: str
    text: str
    author_id: str
    author: str
    minutes_ago: float
    scores: dict[str, float]
    platform: str = "facebook"
    account: str = PAGE
    parent: str | None = None
    handle: str | None = None


POST = "104729384756201_88231"  # "Station Road resurfacing starts Monday 3 March"
DEMO: tuple[Demo, ...] = (
    Demo("threat", "88231_5001", "Miss my bins one more time and I will find you and make you pay.",
         "fb-7731", "Dean Marsh", 41, {"toxicity": 0.86, "threat": 0.74, "insult": 0.22}),
    Demo("quoted", "88231_5004", 'Did anyone else see Dean tell the bin crew "I will find you and make you '
         'pay"? Not okay. I have reported it.', "fb-2290", "Helen Carter", 19,
         {"toxicity": 0.41, "threat": 0.37, "insult": 0.05}, parent="facebook:88231_5001"),
    Demo("incitement", "88231_5010",
         "Whoever keeps fly-tipping on Marsh Lane should be shot, simple as that.", "fb-5120",
         "Gary Whitlock", 27, {"toxicity": 0.78, "threat": 0.69, "insult": 0.18}),
    Demo("impostor", "17990012_311", "Hello, this is Harrowby Borough Council support. Message me on "
         "WhatsApp to confirm your details for the parking refund.", "ig-40021",
         "Harrowby Borough Council Help", 12, {"toxicity": 0.03}, platform="instagram", account=INSTA,
         handle="harrowby.council.help"),
    Demo("foi", "88231_5022", "I would like to make a freedom of information request for the 2025 "
         "pothole repair contracts on Station Road.", "fb-3318", "Priya Shah", 95, {"toxicity": 0.01}),
    Demo("insult", "88231_5031",
         "Helen you are a useless idiot, mind your own business and leave Dean alone.", "fb-5120",
         "Gary Whitlock", 8, {"toxicity": 0.88, "insult": 0.83, "threat": 0.04},
         parent="facebook:88231_5004"),
    Demo("earlier", "87112_4410", "Bin men, I know where you live. Watch your back.", "fb-5120",
         "Gary Whitlock", 3 * 24 * 60 + 17, {"toxicity": 0.71, "threat": 0.66}),
    Demo("scam", "17990012_318", "Claim your council tax refund now! Verify your details at "
         "harrowby-refunds.co and DM me for help", "ig-40021", "Harrowby Borough Council Help", 55,
         {"toxicity": 0.04}, platform="instagram", account=INSTA, handle="harrowby.council.help"),
)


def demo_verdicts(now: datetime | None = None) -> list[tuple[str, Verdict]]:
    """(logical topic, verdict) for each demo comment: judged by the shipped policy with the
    scores above standing in for the model, as the moderate stage would."""
    from civicmod.verdict.batch import Item, decide_all, run_rules
    from civicmod.verdict.judge import Judge
    from classifiers.routing import Assessment
    from rules.compiler import EffectiveSettings, load_policy_set

    now = now or datetime.now(UTC)
    ps = load_policy_set(["builtin:default"], [], {},
                         EffectiveSettings(official_names=("Harrowby Borough Council",)))
    judge = Judge(ps, None, {}, {}, signals=lambda c, specs: {})
    out = []
    for d in DEMO:
        at = now - timedelta(minutes=d.minutes_ago)
        url = (f"https://www.facebook.com/{POST}?comment_id={d.native.split('_')[1]}"
               if d.platform == "facebook" else f"https://www.instagram.com/p/C4hX2mVsr1Q/c/{d.native}")
        c = Comment(id=f"{d.platform}:{d.native}", platform=d.platform,  # type: ignore[arg-type]
                    account_id=d.account, thread_id=f"{d.platform}:{POST}", parent_id=d.parent,
                    author=Author(id=d.author_id, display_name=d.author, handle=d.handle),
                    text=d.text, lang="en", created_at=at - timedelta(seconds=4), received_at=at, url=url)
        items = [Item(c)]
        run_rules(judge, items)
        scores = {"toxicity": 0.0, "severe_toxicity": 0.0, "obscene": 0.0, "threat": 0.0, "insult": 0.0,
                  "identity_attack": 0.0} | d.scores
        (v,) = decide_all(judge, items, [0], [Assessment(scores, "en", None)], None)
        v = v.model_copy(update={"classifier": MODEL, "decided_at": at + timedelta(milliseconds=180)})
        out.append((T.OUTCOME_TOPICS[v.outcome], v))
    return out


# -- engagement and ops figures ------------------------------------------------------------------
@dataclass(frozen=True)
class Question:
    key: str
    native: str
    text: str
    author: str
    minutes_ago: float
    tags: tuple[str, ...] = ("engagement.question",)
    platform: str = "facebook"
    account: str = PAGE


QUESTIONS: tuple[Question, ...] = (
    Question("bins", "88231_6001", "When will the missed bin collections on Harrow Lane be picked up? "
             "It's been two weeks now.", "Sam Okoro", 26 * 60),
    Question("pothole", "88231_6002", "There's a huge pothole outside 14 Station Road, a cyclist nearly "
             "came off this morning. Who do I report it to?", "Lena Fischer", 95,
             ("engagement.question", "engagement.report")),
    Question("parking", "17990012_6003", "Are the new parking permits for Mill Street valid from Monday "
             "or from the 1st?", "Tom Ridley", 40, platform="instagram", account=INSTA),
    Question("library", "88231_6004", "Is the library open on Sunday during the roadworks?",
             "Ayesha Khan", 12),
    Question("streetlight", "88231_6005", "Streetlight by the bus stop on Church Walk has been out "
             "for a week.", "Gary Whitlock", 6, ("engagement.report",)),
)


def question_verdicts(now: datetime | None = None) -> list[Verdict]:
    """Published verdicts tagged as questions / problem reports (the moderate stage's tagging
    is another stage's work: here they are made directly)."""
    now = now or datetime.now(UTC)
    out = []
    for q in QUESTIONS:
        at = now - timedelta(minutes=q.minutes_ago)
        url = (f"https://www.facebook.com/{POST}?comment_id={q.native.split('_')[1]}"
               if q.platform == "facebook" else f"https://www.instagram.com/p/C4hX2mVsr1Q/c/{q.native}")
        c = Comment(id=f"{q.platform}:{q.native}", platform=q.platform,  # type: ignore[arg-type]
                    account_id=q.account, thread_id=f"{q.platform}:{POST}",
                    author=Author(id=f"au-{q.key}", display_name=q.author), text=q.text, lang="en",
                    created_at=at, received_at=at, url=url)
        out.append(Verdict(comment=c, outcome="publish", reasons=[], policy_version="civicmod-default@demo",
                           decided_at=at + timedelta(milliseconds=150), tags=list(q.tags)))
    return out


def agency_reply(question_id: str, account: str = PAGE, text: str = "Thanks for flagging this: "
                 "the crew is booked for tomorrow morning.", at: datetime | None = None) -> Comment:
    """The agency's own reply to a question (as the gateway writes it to comments.agency_replies)."""
    platform = question_id.split(":", 1)[0]
    at = at or datetime.now(UTC)
    return Comment(id=f"{platform}:reply-{question_id.split(':', 1)[1]}", platform=platform,  # type: ignore[arg-type]
                   account_id=account, parent_id=question_id, thread_id=f"{platform}:{POST}",
                   author=Author(id="harrowby-page", display_name="Harrowby Borough Council"),
                   text=text, created_at=at, received_at=at)


def demo_aggregates(now: datetime | None = None) -> list[Aggregate]:
    """Windowed aggregates as the metrics service writes them (``civicmod.aggregate/1``): the last
    hour by minute, the last day by hour, the last 30 days by day, for the two demo accounts, with
    a daily rhythm, a latency spike, a burst of dead letters and failed platform actions, and an
    Instagram account that stopped answering questions."""
    import math
    import random

    from civicmod.contract.records import WINDOW_SECONDS, Distribution, Engagement

    rnd = random.Random(13)
    now = now or datetime.now(UTC)
    out: list[Aggregate] = []
    for window, n in (("1m", 60), ("1h", 24), ("1d", 30)):
        step = WINDOW_SECONDS[window]
        top = datetime.fromtimestamp(int(now.timestamp()) // step * step, UTC)
        for i in range(n):
            start = top - timedelta(seconds=step * (n - 1 - i))
            scale = {"1m": 1, "1h": 60, "1d": 1440}[window]
            hour = start.hour + start.minute / 60
            rhythm = 0.35 + 0.65 * max(0.0, math.sin((hour - 6) / 24 * 2 * math.pi)) if window != "1d" else 1
            for account, platform, share in ((PAGE, "facebook", 0.7), (INSTA, "instagram", 0.3)):
                total = max(1, int(rnd.gauss(40, 6) * scale * rhythm * share))

                def some(p: float, total: int = total) -> int:  # ~ binomial(total, p)
                    mean = total * p
                    return max(0, round(rnd.gauss(mean, math.sqrt(mean * (1 - p)))))

                hidden, escalated = some(0.05), some(0.07)
                spike = window == "1m" and 38 <= i <= 41
                lat = [rnd.lognormvariate(-1.6, 0.5) * (6 if spike else 1) for _ in range(min(total, 200))]
                lat += [rnd.uniform(0.6, 2.4) * (4 if spike else 1) for _ in range(max(1, len(lat) // 60))]
                dead = ({"invalid_json": 3 + rnd.randint(0, 3)} if window == "1m" and i in (22, 23) else
                        {"invalid_json": rnd.randint(0, 2)} if window != "1m" and rnd.random() < 0.4 else {})
                failed = rnd.randint(2, 4) if spike and account == PAGE else 0
                questions = some(0.04 / math.sqrt(scale))
                answered = questions if account == PAGE else 0
                replies = answered
                human = escalated
                engagement = Engagement(
                    needs_reply=questions, answered=answered, replies=replies,
                    first_response=Distribution.of([rnd.lognormvariate(8.2, 0.7) for _ in range(answered)]),
                    last_reply_at=min(now, start + timedelta(seconds=step / 2)) if replies else None)
                out.append(Aggregate(
                    window=window, start=start, end=start + timedelta(seconds=step), organisation=ORG,  # type: ignore[arg-type]
                    account_id=account, platform=platform, updated_at=now,  # type: ignore[arg-type]
                    outcomes={"publish": total - hidden - escalated, "escalate": escalated, "hide": hidden},
                    decided_by={"automated": total - escalated, "human": human},
                    latency=Distribution.of(lat),
                    decisions={"publish": int(human * 0.55), "hide": human - int(human * 0.55)},
                    decision_time=Distribution.of([rnd.lognormvariate(6.3, 0.8) for _ in range(human)]),
                    actions={"hide.done": hidden + human // 2, **({"hide.failed": failed} if failed else {})},
                    deadletters=dead, engagement=engagement))
    return out


def demo_ids() -> dict[str, str]:
    """Demo key → comment id."""
    return {d.key: f"{d.platform}:{d.native}" for d in DEMO}


# -- the console process ------------------------------------------------------------------------
def write_config(path: Path, *, bootstrap: str, prefix: str, database_url: str, port: int) -> Path:
    cfg = {
        "kafka": {"bootstrap_servers": bootstrap, "topic_prefix": prefix},
        "console": {
            "database_url": database_url, "host": "127.0.0.1", "port": port,
            "group_id": f"civicmod-console-{prefix.strip('.')}", "relay_interval_s": 0.1,
            "organisations": {ORG: {"name": "Harrowby Borough Council", "accounts": [PAGE, INSTA]}},
        },
    }
    path.write_text(json.dumps(cfg, indent=2))  # JSON is YAML
    return path


def add_users(database_url: str, settings: Any) -> None:
    """The demo users, written to the database before the server starts (as `console add-user`)."""
    from streams.console.auth import Auth
    from streams.console.db import Database

    db = Database(database_url)
    db.setup()
    auth = Auth(db, settings)
    for username, (name, role, org) in USERS.items():
        auth.create_user(None, username, name, PASSWORD, [(role, org, None)])
    db.dispose()


@dataclass
class ConsoleProcess:
    """``civicmod console serve --config FILE`` as its own process."""

    config: Path
    port: int
    log: Path
    env: dict[str, str]
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ConsoleProcess:
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "civicmod.cli", "console", "serve", "--config", str(self.config)],
                env=self.env, stdout=out, stderr=subprocess.STDOUT, cwd=self.config.parent)
        return self

    def logs(self) -> str:
        return self.log.read_text(errors="replace")[-4000:] if self.log.exists() else ""

    def wait_ready(self, timeout_s: float = 60) -> None:
        """Until the web server answers and the ingest consumer is connected."""
        deadline = time.monotonic() + timeout_s
        last: object = None
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise AssertionError(f"console exited with {self.proc.returncode}:\n{self.logs()}")
            try:
                h = httpx.get(self.url + "/healthz", timeout=2).json()
                last = h
                if h.get("ingest", {}).get("connected"):
                    return
            except httpx.HTTPError as exc:
                last = exc
            time.sleep(0.2)
        raise AssertionError(f"console not ready after {timeout_s}s ({last}):\n{self.logs()}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Api:
    """A logged-in API session (cookie + CSRF), as the web UI uses it."""

    def __init__(self, base: str, username: str, password: str = PASSWORD) -> None:
        self.http = httpx.Client(base_url=base, timeout=30)
        r = self.http.post("/api/login", json={"username": username, "password": password})
        r.raise_for_status()
        self.me = r.json()
        self.csrf = self.me["csrf"]

    def get(self, path: str, **params: Any) -> Any:
        r = self.http.get(path, params=params)
        r.raise_for_status()
        return r.json()

    def post(self, path: str, body: Any = None) -> httpx.Response:
        return self.http.post(path, json=body or {}, headers={"X-CSRF-Token": self.csrf})

    def item_for(self, comment_id: str) -> dict[str, Any]:
        for row in self.get("/api/items", state="any", limit=500):
            if row["comment_id"] == comment_id:
                return row
        raise AssertionError(f"no item for {comment_id}")

    def close(self) -> None:
        self.http.close()


def read_topic(bootstrap: str, topic: str, timeout_s: float = 30) -> list[tuple[str, dict]]:
    """Every record on a (physical) topic now: (key, value)."""
    from kafka import KafkaConsumer, TopicPartition

    cons = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, fetch_max_wait_ms=100)
    try:
        tps = [TopicPartition(topic, p) for p in sorted(cons.partitions_for_topic(topic) or ())]
        assert tps, f"no topic {topic}"
        cons.assign(tps)
        cons.seek_to_beginning(*tps)
        ends = cons.end_offsets(tps)
        out: list[tuple[str, dict]] = []
        deadline = time.monotonic() + timeout_s
        while any(cons.position(tp) < ends[tp] for tp in tps):
            assert time.monotonic() < deadline, f"could not read {topic} to its end"
            for records in cons.poll(timeout_ms=200).values():
                out.extend(((r.key or b"").decode(), json.loads(r.value)) for r in records)
        return out
    finally:
        cons.close()


def wait_until(predicate: Any, timeout_s: float, message: Any = "", interval_s: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval_s)
    raise AssertionError(f"timed out after {timeout_s}s: {message() if callable(message) else message}")


# -- the browser --------------------------------------------------------------------------------
@dataclass
class Browser:
    """Headless Chromium (Debian's, no download) and the pages the tests opened."""

    browser: Any
    base: str
    contexts: list[Any] = field(default_factory=list)

    def page(self, width: int = 1440, height: int = 900) -> Any:
        ctx = self.browser.new_context(viewport={"width": width, "height": height}, base_url=self.base,
                                       locale="en-GB", timezone_id="Europe/London",
                                       reduced_motion="reduce")
        self.contexts.append(ctx)
        page = ctx.new_page()
        page.set_default_timeout(10_000)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.js_errors = errors  # type: ignore[attr-defined]
        return page

    def close_pages(self) -> None:
        for ctx in self.contexts:
            ctx.close()
        self.contexts.clear()


@contextmanager
def chromium(base: str) -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        wrapper = Browser(b, base)
        try:
            yield wrapper
        finally:
            wrapper.close_pages()
            b.close()


def login(page: Any, username: str, password: str = PASSWORD, home: str = ".queue-nav") -> None:
    """Log in with the keyboard only: the user name field has the focus when the page opens;
    ``home``: what the first page shows when drawn."""
    page.goto("/")
    page.wait_for_selector("#login-form")
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type(password)
    page.keyboard.press("Enter")
    page.wait_for_selector(f"#whoami:has-text('{username}')")
    page.wait_for_selector(home)  # the first page is drawn: keys go to it from now on


# -- a demo server for working on the UI (no Kafka) ---------------------------------------------
def demo_server(port: int, database: Path) -> None:  # pragma: no cover - a developer tool
    import asyncio
    from collections.abc import AsyncIterator
    from contextlib import asynccontextmanager

    import uvicorn

    from civicmod.contract.settings import Settings
    from streams.console.api import create_app
    from streams.console.ingest import IngestStats, apply_verdict
    from streams.console.service import build

    fresh = not database.exists()
    settings = Settings.model_validate(json.loads(write_config(
        database.with_suffix(".json"), bootstrap="127.0.0.1:1", prefix="demo.",
        database_url=f"sqlite:///{database}", port=port).read_text()))
    if fresh:
        add_users(f"sqlite:///{database}", settings.console)
    console = build(settings, with_kafka=False)
    if fresh:
        with console.db.tx() as s:
            for _topic, v in demo_verdicts():
                apply_verdict(s, v, settings.console, IngestStats())
        from streams.console.ingest import Ingest

        ingest = Ingest(console.db, settings.console, "127.0.0.1:1")
        ingest.apply([(T.PUBLISHED, 0, i, None, v.to_json()) for i, v in enumerate(question_verdicts())])
        ingest.apply([(T.METRICS, 0, i, None, a.to_json()) for i, a in enumerate(demo_aggregates())])
    app = create_app(console)

    @asynccontextmanager
    async def lifespan(_app: Any) -> AsyncIterator[None]:
        console.live.bind(asyncio.get_running_loop())
        yield
        console.live.close()

    app.router.lifespan_context = lifespan

    print(f"http://127.0.0.1:{port}  users: {', '.join(USERS)}  password: {PASSWORD}")
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":  # pragma: no cover
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["demo"])
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--database", type=Path, default=Path("/tmp/civicmod-console-demo.db"))
    args = parser.parse_args()
    demo_server(args.port, args.database)
