"""The actuator through a real broker, as a real process, against the fake platforms (local HTTP
servers that answer as Graph, X and YouTube do): auto-hides carried out exactly once across a
SIGKILL, an X burst beyond its limit spread out rather than dropped, a YouTube day's quota
respected, a moderator's publish unhiding a held comment, a moderator's delete not deleting,
and dry run making no write call."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from civicmod.contract import topics as T
from civicmod.contract.records import Author, Comment, CommentState, Decision, Escalation, Verdict
from civicmod.dev.localkafka import free_port
from civicmod.dev.platform_fakes import FakeGraph, FakeX, FakeYouTube
from streams.kafka.admin import ensure_topics
from streams.kafka.client import consume, produce

pytestmark = pytest.mark.kafka
REPO = Path(__file__).resolve().parents[3]
FB, X, YT = "fb:city", "x:city", "yt:city"


def _comment(platform: str, native: str, account: str) -> Comment:
    return Comment(id=f"{platform}:{native}", platform=platform, account_id=account,  # type: ignore[arg-type]
                   author=Author(id=f"author-{native}"), text=f"buy followers now {native}")


def hide_verdict(platform: str, native: str, account: str, hold: bool = False,
                 at: datetime | None = None) -> tuple[bytes, bytes, str]:
    c = _comment(platform, native, account)
    outcome = "escalate" if hold else "hide"
    v = Verdict(comment=c, outcome=outcome, reasons=[], policy_version="t1",  # type: ignore[arg-type]
                decided_at=at or datetime.now(UTC),
                escalation=Escalation(queue="default", priority=5, hold=True) if hold else None)
    return c.id.encode(), v.to_json(), T.ESCALATIONS if hold else T.AUTO_HIDDEN


def decision(comment_id: str, action: str, role: str, account: str) -> tuple[bytes, bytes, str]:
    d = Decision(decision_id=uuid.uuid4().hex, comment_id=comment_id, comment_digest="d",
                 platform=comment_id.split(":")[0], account_id=account, action=action,  # type: ignore[arg-type]
                 reason_code="spam", decided_by="mod", role=role,
                 decided_at=datetime.now(UTC) + timedelta(seconds=1))
    return comment_id.encode(), d.to_json(), T.DECISIONS


def state(comment_id: str, verb: str, actor: str) -> tuple[bytes, bytes, str]:
    s = CommentState(comment_id=comment_id, platform="facebook", account_id=FB, verb=verb,  # type: ignore[arg-type]
                     actor_id=actor, received_at=datetime.now(UTC))
    return comment_id.encode(), s.to_json(), T.STATE


@dataclass
class ActuatorRun:
    bootstrap: str
    prefix: str
    tmp: Path
    accounts: dict[str, Any]
    base_urls: dict[str, str]
    limits: dict[str, Any] = field(default_factory=dict)
    quota: int = 10_000
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.port = free_port()
        self.config = self.tmp / "civicmod.yaml"
        self.config.write_text(yaml.safe_dump({
            "kafka": {"bootstrap_servers": self.bootstrap, "topic_prefix": self.prefix},
            "actuator": {"group_id": f"act-{self.prefix}", "port": self.port, "accounts": self.accounts,
                         "base_urls": self.base_urls, "youtube_daily_quota_units": self.quota,
                         **({"limits": self.limits} if self.limits else {})}}))

    def start(self, **env_extra: str) -> subprocess.Popen[bytes]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CIVICMOD__")}
        env |= {"TOKEN_FB": "fb-token", "TOKEN_X": "x-token", "TOKEN_YT": "yt-token",
                "PYTHONUNBUFFERED": "1", **env_extra}
        log = open(self.tmp / f"actuator-{len(self.procs)}.log", "wb")  # noqa: SIM115
        proc = subprocess.Popen([sys.executable, "-m", "civicmod.cli", "actuator", "--config",
                                 str(self.config)], cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
        self.procs.append(proc)
        return proc

    def logs(self) -> str:
        logs = sorted(self.tmp.glob("actuator-*.log"))
        return "\n".join(p.read_text(errors="replace")[-3000:] for p in logs)

    def health(self, port: int | None = None) -> dict[str, Any] | None:
        import urllib.request

        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port or self.port}/health", timeout=2) as r:
                return json.loads(r.read())
        except OSError:
            return None

    def stop(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in self.procs:
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()

    def topic(self, name: str) -> str:
        return self.prefix + name

    def send(self, records: list[tuple[bytes, bytes, str]]) -> None:
        by_topic: dict[str, list[tuple[bytes, bytes]]] = {}
        for key, value, topic in records:
            by_topic.setdefault(topic, []).append((key, value))
        for topic, items in by_topic.items():
            produce(self.bootstrap, items, self.topic(topic))

    def actions(self) -> list[dict[str, Any]]:
        return [r.value for r in consume(self.bootstrap, [self.topic(T.ACTIONS)], idle_timeout_s=2.0)]


def wait_for(pred: Callable[[], bool], timeout_s: float, what: Callable[[], str]) -> None:
    deadline = time.monotonic() + timeout_s
    while not pred():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out: {what()}")
        time.sleep(0.2)


@pytest.fixture
def run_factory(kafka_bootstrap: str, tmp_path: Path) -> Iterator[Callable[..., ActuatorRun]]:
    runs: list[ActuatorRun] = []

    def make(**kw: Any) -> ActuatorRun:
        prefix = f"act{uuid.uuid4().hex[:8]}."
        ensure_topics(kafka_bootstrap, partitions=4, prefix=prefix)
        run = ActuatorRun(kafka_bootstrap, prefix, tmp_path, **kw)
        runs.append(run)
        return run

    yield make
    for run in runs:
        run.stop()


def _fb(live: bool = True, **extra: Any) -> dict[str, Any]:
    return {"platform": "facebook", "owner_id": "page1", "token": {"env": "TOKEN_FB"}, "live": live, **extra}


def test_auto_hides_are_carried_out_exactly_once_across_a_sigkill(run_factory) -> None:  # type: ignore[no-untyped-def]
    n = 300
    with FakeGraph(tokens={"fb-token"}, limits=False, auto_create=True) as fb:
        run = run_factory(accounts={FB: _fb()}, base_urls={"facebook": fb.url},
                          limits={"facebook.comments": {"calls": 100_000, "per_s": 3600}})
        run.send([hide_verdict("facebook", f"{i}_1", FB) for i in range(n)])
        first = run.start()

        def hidden() -> int:
            return sum(c.hidden for c in list(fb.comments.values()))

        wait_for(lambda: hidden() >= n // 3, 120, lambda: f"{hidden()} hidden\n{run.logs()}")
        hidden_at_kill = hidden()
        first.send_signal(signal.SIGKILL)  # mid-stream: some calls made, some not recorded
        first.wait(10)
        run.start()
        wait_for(lambda: hidden() == n, 180, lambda: f"{hidden()} of {n} hidden\n{run.logs()}")
        time.sleep(2)  # anything that would be repeated, repeated
        posts = Counter(r.path.rsplit("/", 1)[-1] for r in fb.requests if r.method == "POST")
        reads = sum(r.method == "GET" for r in fb.requests)
        print("actuator sigkill:", {"comments": n, "hidden_at_kill": hidden_at_kill,
                                    "posts": sum(posts.values()), "confirmed_by_reading": reads})
        assert len(posts) == n and set(posts.values()) == {1}, posts.most_common(3)
        actions = [a for a in run.actions() if a["status"] == "done"]
        by_comment = {a["comment_id"]: a["action_id"] for a in actions}
        assert len(by_comment) == n  # every comment reported, one action id each
        assert len({(a["comment_id"], a["action_id"]) for a in actions}) == n


def test_two_replicas_share_the_work_and_one_takes_over_from_the_other(run_factory) -> None:  # type: ignore[no-untyped-def]
    n = 300
    with FakeGraph(tokens={"fb-token"}, limits=False, auto_create=True) as fb:
        run = run_factory(accounts={FB: _fb()}, base_urls={"facebook": fb.url},
                          limits={"facebook.comments": {"calls": 100_000, "per_s": 3600}})
        a = run.start()
        port_b = free_port()
        b = run.start(CIVICMOD__ACTUATOR__PORT=str(port_b))

        def both_hold_partitions() -> bool:
            ha, hb = run.health(), run.health(port_b)
            return bool(ha and hb and ha["partitions"] and hb["partitions"])

        wait_for(both_hold_partitions, 90, run.logs)  # the work is split before it arrives
        run.send([hide_verdict("facebook", f"r{i}_1", FB) for i in range(n)])

        def hidden() -> int:
            return sum(c.hidden for c in list(fb.comments.values()))

        wait_for(lambda: hidden() >= n // 3, 120, lambda: f"{hidden()} hidden\n{run.logs()}")
        a.send_signal(signal.SIGKILL)  # the other replica takes its partitions over
        a.wait(10)
        wait_for(lambda: hidden() == n, 180, lambda: f"{hidden()} of {n} hidden\n{run.logs()}")
        time.sleep(2)
        assert b.poll() is None
        posts = Counter(r.path.rsplit("/", 1)[-1] for r in fb.requests if r.method == "POST")
        print("actuator replicas:", {"comments": n, "posts": sum(posts.values()),
                                     "confirmed_by_reading": sum(r.method == "GET" for r in fb.requests)})
        assert len(posts) == n and set(posts.values()) == {1}, posts.most_common(3)


def test_an_x_burst_beyond_the_limit_is_spread_out_not_dropped(run_factory) -> None:  # type: ignore[no-untyped-def]
    n, per, window = 25, 10, 6.0
    with FakeX(tokens={"x-token"}, per_window=per, window_s=window, auto_create=True) as x:
        run = run_factory(accounts={X: {"platform": "x", "token": {"env": "TOKEN_X"}, "live": True}},
                          base_urls={"x": x.url}, limits={"x.hide_replies": {"calls": per, "per_s": window}})
        run.send([hide_verdict("x", f"{i}", X) for i in range(n)])
        run.start()
        wait_for(lambda: sum(c.hidden for c in list(x.comments.values())) == n, 90,
                 lambda: f"{sum(c.hidden for c in x.comments.values())} hidden\n{run.logs()}")
        puts = [r for r in x.requests if r.method == "PUT"]
        assert len(puts) == n and all(r.status == 200 for r in puts), Counter(r.status for r in puts)
        times = sorted(r.at for r in puts)
        assert max(sum(1 for t in times if s <= t < s + window) for s in times) <= per
        assert times[-1] - times[0] >= 2 * window * 0.9  # three windows' worth, not one burst


def test_a_youtube_day_s_quota_is_respected(run_factory) -> None:  # type: ignore[no-untyped-def]
    with FakeYouTube(tokens={"yt-token"}, auto_create=True) as yt:
        run = run_factory(accounts={YT: {"platform": "youtube", "token": {"env": "TOKEN_YT"}, "live": True}},
                          base_urls={"youtube": yt.url}, quota=100)  # two calls of 50 units a day
        run.send([hide_verdict("youtube", f"c{i}", YT) for i in range(120)])
        run.start()
        wait_for(lambda: len(yt.requests) >= 2, 60, run.logs)
        time.sleep(4)
        assert len(yt.requests) == 2 and yt.units_used == 100  # batches of 50, then it waits
        health = run.health()
        assert health is not None and health["open"] == 20 and \
            health["limits"]["quota"]["youtube"]["spent"] == 100, health


def test_publish_unhides_a_held_comment_and_a_moderators_delete_deletes_nothing(run_factory) -> None:  # type: ignore[no-untyped-def]
    with FakeGraph(tokens={"fb-token"}, limits=False, auto_create=True) as fb:
        run = run_factory(accounts={FB: _fb(allow_delete=True)}, base_urls={"facebook": fb.url})
        run.send([hide_verdict("facebook", "held_1", FB, hold=True),
                  hide_verdict("facebook", "spam_1", FB)])
        run.start()
        wait_for(lambda: fb.comments.get("held_1") is not None and fb.comments["held_1"].hidden
                 and fb.comments.get("spam_1") is not None and fb.comments["spam_1"].hidden, 60, run.logs)
        # Facebook reports our hide (an echo), and someone on the page unhides the spam directly
        run.send([state("facebook:held_1", "hide", "page1"), state("facebook:spam_1", "unhide", "editor-7")])
        run.send([decision("facebook:held_1", "publish", "moderator", FB),
                  decision("facebook:spam_1", "delete", "moderator", FB)])
        wait_for(lambda: not fb.comments["held_1"].hidden, 60, run.logs)
        time.sleep(2)
        assert not fb.comments["spam_1"].deleted and fb.comments["spam_1"].hidden
        assert not [r for r in fb.requests if r.method == "DELETE"]
        run.send([decision("facebook:spam_1", "delete", "lead", FB)])
        wait_for(lambda: fb.comments["spam_1"].deleted, 60, run.logs)
        audit = [r.value for r in consume(run.bootstrap, [run.topic(T.AUDIT)], idle_timeout_s=2.0)]
        outside = [a for a in audit if a["type"] == "actuator.changed_outside"]
        assert [(a["comment_id"], a["verb"], a["platform_actor"]) for a in outside] == \
            [("facebook:spam_1", "unhide", "editor-7")]


def test_dry_run_makes_no_write_call_and_going_live_is_audited(run_factory) -> None:  # type: ignore[no-untyped-def]
    with FakeGraph(tokens={"fb-token"}, limits=False, auto_create=True) as fb:
        run = run_factory(accounts={FB: _fb(live=False)}, base_urls={"facebook": fb.url})
        run.send([hide_verdict("facebook", f"d{i}", FB) for i in range(20)])
        run.start()
        wait_for(lambda: len([a for a in run.actions() if a["status"] == "dry_run"]) == 20, 60, run.logs)
        assert fb.requests == []
        audit = [r.value for r in consume(run.bootstrap, [run.topic(T.AUDIT)], idle_timeout_s=2.0)]
        modes = [a for a in audit if a["type"] == "actuator.mode_changed"]
        assert len(modes) == 1 and modes[0]["to"]["live"] is False


def test_what_the_worker_hides_is_hidden_on_the_platform_once_across_a_sigkill(  # type: ignore[no-untyped-def]
        pipeline, tmp_path: Path) -> None:
    """The whole way: comments on comments.incoming, a real worker judging them (personal data
    is hidden, questions published), the actuator SIGKILLed mid-stream and restarted: exactly
    the hidden ones are hidden on the platform, each with one call."""
    run_id = uuid.uuid4().hex[:6]
    comments = []
    for i in range(200):
        text = (f"call me on 07700 900{i:03d} about my bins" if i % 2 == 0
                else f"When is the library open on Saturday {i}?")
        comments.append(Comment(id=f"facebook:{run_id}{i}_1", platform="facebook", account_id=FB,
                                author=Author(id=f"resident-{i}"), text=text))
    hidden_ids = {c.id.split(":", 1)[1] for i, c in enumerate(comments) if i % 2 == 0}
    with FakeGraph(tokens={"fb-token"}, limits=False, auto_create=True) as fb:
        pipeline.start_worker(CLASSIFIER__BACKEND="none")
        act = ActuatorRun(pipeline.bootstrap, pipeline.prefix, tmp_path, accounts={FB: _fb()},
                          base_urls={"facebook": fb.url})

        def hidden() -> set[str]:
            return {k for k, c in list(fb.comments.items()) if c.hidden}

        first = act.start()
        try:
            produce(pipeline.bootstrap, [(c.id.encode(), c.to_json()) for c in comments],
                    pipeline.topic(T.INCOMING))
            wait_for(lambda: len(hidden()) >= 30, 120, lambda: f"{len(hidden())}\n{act.logs()}\n"
                                                              f"{pipeline.worker_logs()}")
            first.send_signal(signal.SIGKILL)
            first.wait(10)
            act.start()
            wait_for(lambda: hidden() == hidden_ids, 120,
                     lambda: f"{len(hidden())} of {len(hidden_ids)}\n{act.logs()}")
            time.sleep(2)
            posts = Counter(r.path.rsplit("/", 1)[-1] for r in fb.requests if r.method == "POST")
            assert set(posts) == hidden_ids and set(posts.values()) == {1}
        finally:
            act.stop()
