"""The moderators' web UI in a real headless Chromium (Debian's, driven by Playwright), against a
real ``civicmod console serve`` process on the test broker: log in, claim and decide with the
keyboard only, see the decision on ``moderation.decisions`` and in the audit trail; a viewer
cannot decide (no controls, and a forged request is refused); two moderators racing for one
item: exactly one wins. The run saves the screenshots shown in the README
(docs/screenshots/console-queue.png, console-item.png).

Without /usr/bin/chromium these tests skip, saying so, unless $CIVICMOD_REQUIRE_CHROMIUM is set:
then they fail.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from civicmod.contract import topics as T
from civicmod.dev.localkafka import free_port

from browser_harness import (
    REQUIRE_ENV,
    SCREENSHOTS,
    Api,
    Browser,
    ConsoleProcess,
    add_users,
    browser_problem,
    chromium,
    chromium_required,
    demo_ids,
    demo_verdicts,
    login,
    read_topic,
    wait_until,
    write_config,
)

pytestmark = pytest.mark.timeout(240)


PROBLEM = browser_problem()
if PROBLEM and not chromium_required():  # skip before the broker starts
    pytest.skip(f"browser tests need Chromium: {PROBLEM}", allow_module_level=True)


class Env:
    def __init__(self, bootstrap: str, prefix: str, server: ConsoleProcess) -> None:
        self.bootstrap = bootstrap
        self.prefix = prefix
        self.server = server
        self.ids = demo_ids()
        self.lead = Api(server.url, "j.patel")
        self._items: dict[str, int] = {}

    def item(self, key: str) -> int:
        if key not in self._items:
            self._items[key] = self.lead.item_for(self.ids[key])["id"]
        return self._items[key]

    def card(self, key: str) -> dict[str, Any]:
        return self.lead.get(f"/api/items/{self.item(key)}")

    def topic(self, name: str) -> list[tuple[str, dict]]:
        return read_topic(self.bootstrap, self.prefix + name)

    def published(self, name: str, predicate: Any, count: int, timeout_s: float = 20) -> list[dict]:
        """Wait until ``count`` records on the topic match; return them (exactly those)."""
        found: list[dict] = []

        def enough() -> bool:
            nonlocal found
            found = [v for _, v in self.topic(name) if predicate(v)]
            return len(found) >= count

        wait_until(enough, timeout_s, lambda: f"{len(found)} of {count} records on {name}: {found}",
                   interval_s=0.3)
        return found

    def outbox_drained(self) -> None:
        import httpx

        wait_until(lambda: httpx.get(self.server.url + "/healthz").json()["outbox"]["backlog"] == 0, 15,
                   "the outbox relay did not drain")


@pytest.fixture(scope="module")
def env(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    if PROBLEM:
        pytest.fail(f"{PROBLEM}, and ${REQUIRE_ENV} is set")
    from civicmod.contract.settings import load_settings
    from streams.kafka.admin import ensure_topics
    from streams.kafka.client import produce

    tmp: Path = tmp_path_factory.mktemp("console-browser")
    prefix = f"t{uuid.uuid4().hex[:8]}."
    ensure_topics(kafka_bootstrap, partitions=3, prefix=prefix)
    db_url = f"sqlite:///{tmp / 'console.db'}"
    port = free_port()
    cfg = write_config(tmp / "civicmod.yaml", bootstrap=kafka_bootstrap, prefix=prefix, database_url=db_url,
                       port=port)
    add_users(db_url, load_settings(cfg, env={}).console)  # as `civicmod console add-user` does
    proc_env = {k: v for k, v in os.environ.items()
                if not k.startswith("CIVICMOD__") and k != "CIVICMOD_CONFIG"}
    proc_env.update({"KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap, "PYTHONUNBUFFERED": "1"})
    server = ConsoleProcess(cfg, port, tmp / "console.log", proc_env).start()
    try:
        server.wait_ready()
        verdicts = demo_verdicts()
        for topic in {t for t, _ in verdicts}:
            produce(kafka_bootstrap, [(v.comment.id.encode(), v.to_json()) for t, v in verdicts
                                      if t == topic], prefix + topic)
        e = Env(kafka_bootstrap, prefix, server)
        reviewable = sum(t != T.PUBLISHED for t, _ in verdicts)
        wait_until(lambda: len(e.lead.get("/api/items", limit=500)) == reviewable, 30,
                   lambda: f"the console did not ingest the demo verdicts:\n{server.logs()}")
        yield e
        e.lead.close()
    finally:
        server.stop()


@pytest.fixture(scope="module")
def browser(env: Env) -> Iterator[Browser]:
    with chromium(env.server.url) as b:
        yield b


@pytest.fixture
def pages(browser: Browser) -> Iterator[Browser]:
    try:
        yield browser
    finally:
        errors = [e for ctx in browser.contexts for p in ctx.pages for e in p.js_errors
                  if "Failed to load resource" not in e]
        browser.close_pages()
        assert not errors, f"JavaScript errors in the console UI: {errors}"


def selected_id(page: Any) -> int:
    return int(page.locator("#rows > li.selected").get_attribute("data-id"))


def move_to(page: Any, item_id: int) -> None:
    """Move the list's selection to ``item_id`` with j (and check k once on the way)."""
    ids = [int(x) for x in page.locator("#rows > li").evaluate_all("els => els.map(e => e.dataset.id)")]
    target = ids.index(item_id)
    at = ids.index(selected_id(page))
    if target > at:
        for n in range(at + 1, target + 1):
            page.keyboard.press("j")
            wait_until(lambda n=n: selected_id(page) == ids[n], 5, "j did not move the selection")
    for n in range(at - 1, target - 1, -1):
        page.keyboard.press("k")
        wait_until(lambda n=n: selected_id(page) == ids[n], 5, "k did not move the selection")
    assert page.evaluate("document.activeElement.id") == f"row-{item_id}"


def status_text(page: Any) -> str:
    return page.locator("#status").inner_text()


def test_moderator_decides_with_the_keyboard_and_it_reaches_kafka_and_the_audit_trail(
        env: Env, pages: Browser) -> None:
    quoted, incitement, insult = env.item("quoted"), env.item("incitement"), env.item("insult")
    page = pages.page(1440, 1000)
    login(page, "m.okafor")
    page.wait_for_selector("#rows > li >> nth=7")
    page.wait_for_selector("#live[data-state=live]")
    # another moderator at work: the list shows it live
    impostor = env.item("impostor")
    assert env.lead.post(f"/api/items/{impostor}/claim").status_code == 200
    page.wait_for_selector(f"#rows > li[data-id='{impostor}'] .badge.claimed:has-text('j.patel')")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "console-queue.png"))
    assert env.lead.http.delete(f"/api/items/{impostor}/claim",
                                headers={"X-CSRF-Token": env.lead.csrf}).status_code == 200

    # the queue list: counts and oldest age per queue; j/k move, Enter opens (and claims)
    assert page.locator(".queue-nav a[data-queue=safety] .q-count").inner_text() == "2"
    assert "oldest" in page.locator(".queue-nav a[data-queue=safety] .q-meta").inner_text()
    move_to(page, insult)
    page.keyboard.press("Enter")
    page.wait_for_selector(f"#item-card[data-id='{insult}'] .banner.mine")
    card = page.locator("#item-card").inner_text()
    assert "In reply to Helen Carter" in card  # the thread context
    assert page.locator("#comment-text mark.hl").count() >= 4  # each rule's matched spans
    assert page.locator("#comment-text mark.hl.multi").count() == 1  # where two rules overlap
    assert "abuse.insult_directed" in card and "criticism.tag" in card
    assert "detoxify-multilingual" in card and "civicmod-default@" in card  # model, policy version
    assert "1 strike" in card and page.locator(".history li").count() == 2  # the author's record
    assert page.locator(".platform-link").get_attribute("href").startswith("https://www.facebook.com/")
    page.mouse.move(0, 0)
    page.screenshot(path=str(SCREENSHOTS / "console-item.png"), full_page=True)
    page.keyboard.press("q")  # back to the list; the claim is given back
    page.wait_for_selector("#rows")
    wait_until(lambda: env.card("insult")["claimed_by"] is None, 5, "leaving the card did not release it")

    move_to(page, quoted)
    page.keyboard.press("k")
    page.keyboard.press("j")
    wait_until(lambda: selected_id(page) == quoted, 5, "k/j did not come back")
    page.keyboard.press("Enter")
    page.wait_for_selector(f"#item-card[data-id='{quoted}'] .banner.mine")

    # approve with a reason chosen by number, decide-and-next on (n), Enter
    page.keyboard.press("a")
    page.wait_for_selector("#decide-dialog[open]")
    assert page.locator("#decide-title").inner_text().startswith("Approve")
    page.keyboard.press("1")
    assert page.locator("input[name=reason]:checked").get_attribute("value") == "no_violation"
    if not page.locator("#decide-next").is_checked():
        page.keyboard.press("n")
    assert page.locator("#decide-next").is_checked()
    page.keyboard.press("Enter")

    # decide-and-next claimed and opened the next item of the queue: hide it, the suggested reason
    page.wait_for_selector(f"#item-card[data-id='{incitement}'] .banner.mine")
    page.keyboard.press("h")
    page.wait_for_selector("#decide-dialog[open]")
    assert page.locator("input[name=reason]:checked").get_attribute("value") == "threat"
    page.keyboard.press("Enter")
    page.wait_for_selector("#page-title:has-text('All open items')")  # back to the list it came from
    wait_until(lambda: "Nothing else is waiting in Threats and safety" in status_text(page), 5,
               lambda: status_text(page))
    assert page.locator(".empty-queues a[data-queue=safety]").count() == 1  # folded away with the empty ones
    left = page.locator("#rows > li").evaluate_all("els => els.map(e => Number(e.dataset.id))")
    assert quoted not in left and incitement not in left

    # the database, Kafka and the audit trail agree
    decided = {}
    for key, action, reason in (("quoted", "publish", "no_violation"), ("incitement", "hide", "threat")):
        c = env.card(key)
        assert (c["state"], c["decision"], c["decided_by"]) == ("decided", action, "m.okafor")
        (d,) = c["decisions"]
        assert (d["action"], d["reason_code"], d["by"]) == (action, reason, "m.okafor")
        decided[d["id"]] = (env.ids[key], action, reason)
    records = env.published(T.DECISIONS, lambda v: v["decision_id"] in decided, 2)
    for r in records:
        comment_id, action, reason = decided[r["decision_id"]]
        assert (r["schema"], r["comment_id"], r["action"], r["reason_code"], r["decided_by"], r["role"]) == (
            "civicmod.decision/1", comment_id, action, reason, "m.okafor", "moderator")
    audits = env.published(T.AUDIT, lambda v: v["type"] == "decision" and v.get("decision_id") in decided, 2)
    assert {a["actor"] for a in audits} == {"m.okafor"}

    # the records officer sees them on the audit page (g a)
    officer = pages.page()
    login(officer, "r.hughes")
    officer.keyboard.press("g")
    officer.keyboard.press("a")
    officer.wait_for_selector("#audit-table")
    rows = officer.locator("#audit-table tbody tr[data-type=decision]")
    text = " ".join(rows.all_inner_texts())
    assert rows.count() >= 2 and "m.okafor" in text
    for decision_id in decided:
        assert decision_id[:8] in text
    assert officer.locator("#audit-table tbody tr[data-type=claim]").count() >= 2  # the claims too

    # and places a legal hold on the account for an FOI request (g h, the form by keyboard)
    officer.keyboard.press("g")
    officer.keyboard.press("h")
    officer.wait_for_selector("#place-hold")
    officer.focus("#place-hold")
    officer.keyboard.press("Enter")
    officer.wait_for_selector("#hold-dialog[open]")
    officer.keyboard.type("page:harrowby-council")  # the whole account (the preselected scope)
    officer.keyboard.press("Tab")
    officer.keyboard.type("FOI-2026-0412: all comments on the resurfacing post")
    officer.keyboard.press("Tab")  # the organisation, filled in from the officer's role
    officer.keyboard.press("Enter")
    officer.wait_for_selector("table.grid-table td:has-text('FOI-2026-0412')")
    (hold,) = [x for x in env.lead.get("/api/holds") if x["reason"].startswith("FOI-2026-0412")]
    assert (hold["scope"], hold["value"], hold["organisation"], hold["created_by"]) == (
        "account", "page:harrowby-council", "harrowby", "r.hughes")


def test_a_viewer_sees_no_decision_controls_and_a_forged_decision_is_refused(
        env: Env, pages: Browser) -> None:
    target = env.item("foi")
    page = pages.page()
    login(page, "comms.viewer")
    page.wait_for_selector("#rows > li")
    assert page.locator(".bulk-check").count() == 0
    move_to(page, target)
    page.keyboard.press("Enter")
    page.wait_for_selector(f"#item-card[data-id='{target}']")
    page.wait_for_selector("#item-state:has-text('View only')")
    assert page.locator("[data-action]").count() == 0  # no decision buttons at all
    page.keyboard.press("h")
    wait_until(lambda: "View only" in status_text(page), 5, lambda: status_text(page))
    assert page.locator("dialog[open]").count() == 0

    # the server refuses what the UI does not offer: a decision forged with the viewer's session
    forged = page.evaluate("""async (id) => {
        const me = await (await fetch('/api/me')).json();
        const send = (path, body, csrf) => fetch(path, {method: 'POST', body: JSON.stringify(body),
            headers: {'Content-Type': 'application/json', ...(csrf ? {'X-CSRF-Token': csrf} : {})}});
        const decide = await send(`/api/items/${id}/decide`, {action: 'hide', reason_code: 'spam'}, me.csrf);
        const claim = await send(`/api/items/${id}/claim`, {}, me.csrf);
        const nocsrf = await send(`/api/items/${id}/decide`, {action: 'hide', reason_code: 'spam'}, null);
        return {decide: [decide.status, await decide.json()], claim: claim.status, nocsrf: nocsrf.status};
    }""", target)
    assert forged["decide"][0] == 403, forged
    assert "not allowed" in forged["decide"][1]["detail"]
    assert forged["claim"] == 403 and forged["nocsrf"] == 403
    # nor may a viewer list legal holds or the audit trail
    statuses = "Promise.all(['/api/holds', '/api/audit'].map(async u => (await fetch(u)).status))"
    assert page.evaluate(statuses) == [403, 403]
    c = env.card("foi")
    assert c["state"] == "open" and c["decisions"] == [] and c["claimed_by"] is None


def test_two_moderators_race_for_one_item_and_exactly_one_wins(env: Env, pages: Browser) -> None:
    maya, tom = pages.page(), pages.page()
    for page, user in ((maya, "m.okafor"), (tom, "t.reid")):
        login(page, user)
        page.wait_for_selector("#rows > li")
        page.wait_for_selector("#live[data-state=live]")
    at = lambda page, ms: page.evaluate("t => Date.now() + t", ms)  # noqa: E731

    # 1. both open the same card at the same instant: one claim wins, the other is told who has it
    insult = env.item("insult")
    go = at(maya, 600)
    for page in (maya, tom):
        page.evaluate("([t, id]) => setTimeout(() => { location.hash = `#/item/${id}`; }, t - Date.now())",
                      [go, insult])
    for page in (maya, tom):
        page.wait_for_selector(f"#item-card[data-id='{insult}'] #item-state:is(.mine, .warn)")
    mine = [p for p in (maya, tom) if p.locator("#item-state.mine").count()]
    assert len(mine) == 1, "exactly one moderator holds the claim"
    winner, loser = mine[0], (tom if mine[0] is maya else maya)
    winner_name = "m.okafor" if winner is maya else "t.reid"
    assert f"Claimed by {winner_name}" in loser.locator("#item-state").inner_text()
    loser.keyboard.press("h")  # the loser cannot decide while the claim lasts
    loser.wait_for_selector(f"#alert:has-text('Claimed by {winner_name}')")
    assert loser.locator("dialog[open]").count() == 0

    # the winner decides; the other browser hears of it at once (server-sent events)
    winner.keyboard.press("a")
    winner.keyboard.press("1")
    winner.keyboard.press("Enter")
    loser.wait_for_selector(f"#live-note:has-text('Decided by {winner_name}')")
    loser.wait_for_selector("#item-state.done")
    assert loser.locator("[data-action]").count() == 0

    # 2. both decide the same item from the list at the same instant, nobody holding it
    impostor = env.item("impostor")
    for page in (maya, tom):
        page.keyboard.press("q")
        page.wait_for_selector("#rows > li")
        move_to(page, impostor)
        page.keyboard.press("h")
        page.wait_for_selector("#decide-dialog[open]")
        assert page.locator("input[name=reason]:checked").get_attribute("value") == "impersonation"
    go = at(maya, 500)
    for page in (maya, tom):
        page.evaluate("t => setTimeout(() => document.querySelector('#decide-form').requestSubmit(), "
                      "t - Date.now())", go)
    for page in (maya, tom):
        page.wait_for_selector("#decide-dialog", state="detached")
    won = [p for p in (maya, tom) if "Hidden" in status_text(p)]
    lost = [p for p in (maya, tom) if p.locator("#alert-message").count()]
    assert len(won) == 1 and len(lost) == 1 and won[0] is not lost[0], (
        [status_text(p) for p in (maya, tom)], [p.locator("#alert").inner_text() for p in (maya, tom)])
    first = "m.okafor" if won[0] is maya else "t.reid"
    message = lost[0].locator("#alert-message").inner_text()
    assert message.startswith(f"Already decided by {first} at ") and "(hidden)" in message, message

    c = env.card("impostor")
    assert len(c["decisions"]) == 1 and c["decided_by"] == first
    env.outbox_drained()
    records = [v for _, v in env.topic(T.DECISIONS) if v["comment_id"] == env.ids["impostor"]]
    assert [(r["action"], r["decided_by"]) for r in records] == [("hide", first)]

    # the winner changes their mind: u undoes it within the window
    won[0].keyboard.press("u")
    wait_until(lambda: "Undone" in status_text(won[0]), 5, lambda: status_text(won[0]))
    c = env.card("impostor")
    assert c["state"] == "open" and c["decisions"][0]["undone_by"] == c["decisions"][1]["id"]


def test_the_card_shows_what_happened_on_the_platform(env: Env, pages: Browser,
                                                       tmp_path: Path) -> None:
    """The actuator's records (``moderation.actions``) reach open browsers live: a failed hide
    is a warning on the list row and the card, and its retry (same action id) replaces it."""
    from datetime import UTC, datetime, timedelta

    from civicmod.contract.records import Action
    from streams.kafka.client import produce

    threat, scam = env.item("threat"), env.item("scam")
    page = pages.page(1440, 1000)
    login(page, "comms.viewer")  # a viewer: reading claims nothing
    page.wait_for_selector(f"#rows > li[data-id='{threat}']")
    page.wait_for_selector("#live[data-state=live]")
    t = datetime.now(UTC)

    def act(key: str, status: str, at: datetime, **kw: Any) -> tuple[bytes, bytes]:
        comment_id = env.ids[key]
        record = Action(action_id=f"act-{key}", comment_id=comment_id, platform="facebook",
                        account_id="page:harrowby-council", kind="hide", requested_by="verdict:hide",
                        status=status, at=at, **kw)  # type: ignore[arg-type]
        return f"{comment_id}|hide".encode(), record.to_json()

    produce(env.bootstrap, [act("threat", "failed", t - timedelta(minutes=2), error_code="190",
                                error="Error validating access token: Session has expired"),
                            act("scam", "done", t)], env.prefix + T.ACTIONS)
    page.wait_for_selector(f"#rows > li[data-id='{threat}'] .badge.warn:has-text('hide failed')")
    page.wait_for_selector(f"#rows > li[data-id='{scam}'] .badge:has-text('hidden on the platform')")
    move_to(page, threat)
    page.keyboard.press("Enter")
    page.wait_for_selector(f"#item-card[data-id='{threat}'] #platform-status.warn")
    assert "Hide failed: Error validating access token: Session has expired (190)" in page.locator(
        "#platform-status").inner_text()
    actions = page.locator(".platform-actions > li")
    assert actions.count() == 1 and "Hide failed" in actions.inner_text()
    assert "automatic (pipeline: hide)" in actions.inner_text()
    page.mouse.move(0, 0)
    page.screenshot(path=str(tmp_path / "console-item-platform-failed.png"), full_page=True)

    # the token renewed, the actuator tried again: done replaces failed, live
    produce(env.bootstrap, [act("threat", "done", t + timedelta(seconds=1), attempts=2)],
            env.prefix + T.ACTIONS)
    page.wait_for_selector("#platform-status:not(.warn):has-text('Hidden on the platform')")
    assert actions.count() == 1 and "Hide done" in actions.inner_text()
    assert "2 attempts" in actions.inner_text()
    assert page.evaluate("document.activeElement.id") == "page-title"  # the redraw kept the focus
    page.keyboard.press("q")
    page.wait_for_selector(f"#rows > li[data-id='{threat}'] .badge:has-text('hidden on the platform')")


# -- the "needs a reply" queue and the ops page --------------------------------------------------
def test_comms_staff_see_questions_arrive_and_an_agency_reply_closes_one_live(
        env: Env, pages: Browser) -> None:
    """A comms user lands on the reply queue; questions published by the pipeline appear live,
    oldest first with their age against the 24 h target; the agency's reply on the platform
    (``comments.agency_replies``) takes one away live; "No reply needed" closes another, audited."""
    from datetime import UTC, datetime, timedelta

    from streams.kafka.client import produce

    from browser_harness import QUESTIONS, agency_reply, question_verdicts

    page = pages.page(1440, 900)
    login(page, "a.nwosu", home="#replies, .empty")
    page.wait_for_selector("#live[data-state=live]")
    assert page.locator("[data-nav=queue]").is_hidden()  # comms staff see no moderation queues
    assert page.locator("[data-nav=replies]").is_visible()
    ids = {q.key: f"{q.platform}:{q.native}" for q in QUESTIONS}
    produce(env.bootstrap, [(v.comment.id.encode(), v.to_json()) for v in question_verdicts()],
            env.prefix + T.PUBLISHED)
    for comment_id in ids.values():  # live, no reload
        page.wait_for_selector(f"#replies > li[data-comment='{comment_id}']")
    shown = page.locator("#replies > li").evaluate_all("els => els.map(e => e.dataset.comment)")
    # (the demo's FOI request is tagged a question by the shipped policy: it waits here too)
    assert [c for c in shown if c in ids.values()] == [
        ids[q.key] for q in sorted(QUESTIONS, key=lambda q: -q.minutes_ago)]  # oldest first
    bins = page.locator(f"#replies > li[data-comment='{ids['bins']}']")
    assert "Overdue" in bins.inner_text() and "past the 24 h 00 min target" in bins.inner_text()
    assert bins.locator("a:has-text('Reply on Facebook')").get_attribute("href").startswith(
        "https://www.facebook.com/")
    parking = page.locator(f"#replies > li[data-comment='{ids['parking']}']").inner_text()
    assert "Instagram" in parking and "ig:harrowbycouncil" in parking and "40 min waiting" in parking
    assert "Problem report" in page.locator(f"#replies > li[data-comment='{ids['pothole']}']").inner_text()
    page.mouse.move(0, 0)
    page.screenshot(path=str(SCREENSHOTS / "console-replies.png"))

    # the page answers on Facebook: the gateway's record closes the question, live
    reply = agency_reply(ids["pothole"])
    produce(env.bootstrap, [(reply.id.encode(), reply.to_json())], env.prefix + T.AGENCY_REPLIES)
    page.wait_for_selector(f"#replies > li[data-comment='{ids['pothole']}']", state="detached")
    comms = Api(env.server.url, "a.nwosu")
    answered = {r["comment_id"]: r for r in comms.get("/api/replies", state="answered")}
    assert answered[ids["pothole"]]["first_response_s"] == pytest.approx(95 * 60, abs=90)

    # a reply read before its question: the question arrives answered, never waiting
    t = datetime.now(UTC)
    library = question_verdicts(t)[3]
    early = library.model_copy(update={"comment": library.comment.model_copy(
        update={"id": "facebook:88231_6099"})})
    first = agency_reply(early.comment.id, at=t - timedelta(minutes=5))
    produce(env.bootstrap, [(first.id.encode(), first.to_json())], env.prefix + T.AGENCY_REPLIES)
    produce(env.bootstrap, [(early.comment.id.encode(), early.to_json())], env.prefix + T.PUBLISHED)
    wait_until(lambda: early.comment.id in {r["comment_id"] for r in comms.get("/api/replies",
                                                                                 state="answered")},
               20, "the question read after its reply was not answered")
    assert page.locator(f"#replies > li[data-comment='{early.comment.id}']").count() == 0

    # "No reply needed": a reason, audited
    page.locator(f"#replies > li[data-comment='{ids['library']}'] button.no-reply").click()
    page.wait_for_selector("#no-reply-dialog[open]")
    page.locator("#no-reply-dialog input[value=answered_elsewhere]").check()
    page.locator("#no-reply-note").fill("Answered by phone")
    page.locator("#no-reply-submit").click()
    page.wait_for_selector(f"#replies > li[data-comment='{ids['library']}']", state="detached")
    assert "Closed: no reply needed." in status_text(page)
    audit = env.published(T.AUDIT, lambda v: v.get("type") == "reply.no_reply_needed", 1)
    assert audit[0]["actor"] == "a.nwosu" and audit[0]["reason"] == "answered_elsewhere"
    # moderators do not work this queue (the server says so, whatever a page shows)
    moderator = Api(env.server.url, "m.okafor")
    assert moderator.http.get("/api/replies").status_code == 403
    moderator.close()
    comms.close()


def test_the_ops_page_charts_the_metrics_topic_in_the_users_scope(env: Env, pages: Browser) -> None:
    """``civicmod.aggregate/1`` records on ``moderation.metrics`` (written here as the metrics
    service would) become the ops page's charts; another organisation's figures stay out."""
    from datetime import UTC, datetime, timedelta

    from civicmod.contract.records import Aggregate
    from streams.kafka.client import produce

    from browser_harness import INSTA, demo_aggregates

    now = datetime.now(UTC)
    records = demo_aggregates(now)
    minute = now.replace(second=0, microsecond=0)
    foreign = Aggregate(window="1m", start=minute, end=minute + timedelta(minutes=1),
                        organisation="other-council", account_id="page:other", platform="facebook",
                        updated_at=now, outcomes={"publish": 987654})
    produce(env.bootstrap, [(a.key(), a.to_json()) for a in [*records, foreign]], env.prefix + T.METRICS)
    everything = sum(sum(a.outcomes.values()) for a in records if a.window == "1m")
    seen: list[tuple[int, int]] = []

    def hour() -> tuple[int, int]:
        """The hour's comments as the API counts them, and as the records written count them
        in the API's windows (the hour ends now: a new minute drops the oldest window)."""
        got = env.lead.get("/api/ops", range="hour")
        windows = {datetime.fromisoformat(b) for b in got["buckets"]}
        want = sum(sum(a.outcomes.values()) for a in records if a.window == "1m" and a.start in windows)
        return sum(sum(v) for v in got["throughput"].values()), want

    def ingested() -> bool:
        seen.append(hour())
        return seen[-1][0] == seen[-1][1] > 0.9 * everything

    # generous: make test runs three test processes, each with a broker and workers, on 2 cores
    wait_until(ingested, 90, lambda: f"the console did not ingest the aggregates: it shows "
                                     f"{seen[-1][0] if seen else None} comments, "
                                     f"{seen[-1][1] if seen else None} expected")
    page = pages.page(1440, 1000)
    login(page, "j.patel")
    # the page fetches its figures when it loads: the hour's count is read before that and
    # after the figures are shown, so a minute that ends in between (dropping the oldest
    # window) leaves the page showing one of the two
    before = hour()[1]
    page.goto(env.server.url + "/ops")  # the ops page's own address
    page.wait_for_selector("#ops-page")
    assert page.evaluate("location.hash") == "#/ops"
    for panel in ("throughput", "latency", "decisions", "deadletters", "actions", "queues", "engagement"):
        assert page.locator(f"#ops-{panel} svg.chart").count() >= 1, panel
    assert page.locator("#ops-throughput rect.bar").count() > 100
    assert page.locator("#ops-latency path.line").count() == 2
    assert page.locator("#ops-queues .hbar-row").count() >= 3  # the live queues
    stats = page.locator("#ops-stats").inner_text()
    after = hour()[1]
    assert any(f"{n / 1000:.1f}k".replace(".0k", "k") in stats or str(n) in stats
               for n in (before, after)), (stats, before, after)
    assert "987" not in stats  # another organisation's figures
    silent = page.locator(f"#ops-accounts tr[data-account='{INSTA}']")
    assert "silent" in silent.get_attribute("class") and "Silent" in silent.inner_text()
    page.mouse.move(0, 0)
    page.screenshot(path=str(SCREENSHOTS / "console-ops.png"), full_page=True)
    for value, windows in (("day", 24), ("month", 30)):
        page.locator(f"[data-range={value}]").click()
        page.wait_for_selector(f"[data-range={value}][aria-pressed=true]")
        assert page.locator("#ops-throughput rect.bar").count() >= windows
