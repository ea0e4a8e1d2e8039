"""Stateful signals through the real broker and workers: flooding, strikes, campaigns, recovery
after a restart, hot reload of a broken file, the new-rule guardrail, two workers sharing the
signal log."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterable
from pathlib import Path

import pytest

from civicmod.contract.records import Comment
from civicmod.contract.topics import AUDIT, INCOMING
from streams.kafka.client import consume, produce

from conftest import Collector, Setup, wait_for
from policy_helpers import comment

pytestmark = pytest.mark.kafka


SIGNAL_POLICY = """
policy: signals-test
version: 1
rules:
  - id: hide.word
    description: hide a marker word
    policy: test.hide
    when: {terms: [hideme]}
    action: hide
  - id: flood
    description: five or more comments in ten minutes
    policy: spam.flooding
    when: "signal.author_comments_10m >= 5"
    action: escalate
    queue: spam
  - id: strikes
    description: two hidden comments in 24 h
    policy: abuse.repeat
    when: "signal.author_hidden_24h >= 2"
    action: escalate
    queue: repeat
  - id: campaign
    description: same text from four authors
    policy: spam.coordination
    when: {all: ["signal.same_text_authors_1h >= 4", "text.length >= 20"]}
    action: escalate
    queue: campaigns
"""


def _policy_file(tmp_path: Path, body: str, name: str = "policy.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(body).lstrip())
    return path


def _send(setup: Setup, comments: Iterable[Comment]) -> list[bytes]:
    items = [(c.id.encode(), c.to_json()) for c in comments]
    produce(setup.bootstrap, items, setup.topic(INCOMING))
    return [k for k, _ in items]


def _verdicts(collector: Collector, keys: list[bytes]) -> dict[bytes, dict]:
    return {k: v for _, k, v in list(collector.records) if k in keys}


def _await(setup: Setup, collector: Collector, keys: list[bytes], timeout: float = 120) -> dict[bytes, dict]:
    wait_for(lambda: set(keys) <= collector.keys(), timeout, message=setup.worker_logs())
    return _verdicts(collector, keys)


def _fired(verdict: dict) -> set[str]:
    return {r["id"] for r in verdict["reasons"]}


def _audit(setup: Setup) -> list[dict]:
    return [r.value for r in consume(setup.bootstrap, [setup.topic(AUDIT)])]


def _health(port: int) -> dict:
    import urllib.request

    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as resp:
            return json.loads(resp.read())
    except OSError:
        return {}


def _members(setup: Setup) -> int:
    from kafka import KafkaAdminClient

    admin = KafkaAdminClient(bootstrap_servers=setup.bootstrap)
    try:
        desc = admin.describe_groups([setup.app_id])[setup.app_id]
        members = desc.get("members", []) if desc.get("group_state") == "Stable" else []
        return sum(1 for m in members if any(
            tp["topic"] == setup.topic(INCOMING) and tp["partitions"]
            for tp in m["member_assignment"]["assigned_partitions"]))
    except Exception:  # the group does not exist yet
        return 0
    finally:
        admin.close()


@pytest.mark.kafka
def test_flood_strikes_and_campaign_through_the_broker(pipeline: Setup, collector: Collector,
                                                       tmp_path: Path):
    path = _policy_file(tmp_path, SIGNAL_POLICY)
    pipeline.start_worker(POLICY__FILES__GLOBAL=f"[{path}]", CLASSIFIER__BACKEND="none")
    flood = _await(pipeline, collector, _send(pipeline, [
        comment(f"comment {i} on the bins", author_id="flooder", cid=f"f{i}", platform="x")
        for i in range(8)]))
    assert sum("flood" in _fired(v) for v in flood.values()) == 4, "the 5th to 8th comment"
    assert all(v["outcome"] in ("publish", "escalate") for v in flood.values())
    # strikes: two hidden comments, then a clean one from the same author
    _await(pipeline, collector, _send(pipeline, [
        comment("hideme", author_id="striker", cid=f"s{i}", platform="x") for i in range(2)]))
    (after,) = _await(pipeline, collector, _send(pipeline, [
        comment("a perfectly fine comment", author_id="striker", cid="s9", platform="x")])).values()
    assert after["outcome"] == "escalate" and _fired(after) == {"strikes"}
    assert after["escalation"]["queue"] == "repeat"
    # campaign: the same text (folded) from four different authors
    text = "Save our library, sign the petition now"
    got = _await(pipeline, collector, _send(pipeline, [
        comment(text.upper() if i % 2 else text, author_id=f"citizen{i}", cid=f"c{i}", platform="x")
        for i in range(4)]))
    assert sum("campaign" in _fired(v) for v in got.values()) == 1


@pytest.mark.kafka
def test_signals_survive_a_worker_restart(pipeline: Setup, collector: Collector, tmp_path: Path):
    path = _policy_file(tmp_path, SIGNAL_POLICY)
    first = pipeline.start_worker(POLICY__FILES__GLOBAL=f"[{path}]", CLASSIFIER__BACKEND="none",
                                  WORKER__LOGLEVEL="info")
    got = _await(pipeline, collector, _send(pipeline, [
        comment(f"early comment {i}", author_id="returner", cid=f"r{i}", platform="x")
        for i in range(3)]))
    assert not any("flood" in _fired(v) for v in got.values())
    pipeline.stop_all()
    assert first.returncode is not None
    pipeline.start_worker(POLICY__FILES__GLOBAL=f"[{path}]", CLASSIFIER__BACKEND="none",
                          WORKER__LOGLEVEL="info")
    got = _await(pipeline, collector, _send(pipeline, [
        comment(f"late comment {i}", author_id="returner", cid=f"r{i + 3}", platform="x")
        for i in range(3)]))
    # 3 before the restart (read back from the signal log) + these 3: the 5th and 6th flood
    assert sum("flood" in _fired(v) for v in got.values()) == 2


@pytest.mark.kafka
def test_hot_reload_broken_file_and_guardrail_alert(pipeline: Setup, collector: Collector,
                                                    tmp_path: Path):
    path = _policy_file(tmp_path, "policy: live\nversion: 1\nrules: []\n")
    pipeline.start_worker(POLICY__FILES__GLOBAL=f"[{path}]", CLASSIFIER__BACKEND="none",
                          POLICY__RELOAD_INTERVAL_S="0.5", POLICY__GUARDRAIL__MIN_COMMENTS="5",
                          POLICY__GUARDRAIL__WINDOW="20", POLICY__GUARDRAIL__MAX_HIDE_SHARE="0.2")
    (v1,) = _await(pipeline, collector, _send(pipeline, [comment("potholes again", cid="h0")])).values()
    assert v1["outcome"] == "publish" and v1["policy_version"].startswith("live@1#")

    path.write_text("policy: live\nversion: 2\nrules:\n  - id: no.potholes\n    description: new rule\n"
                    "    policy: test.new\n    when: {terms: [potholes]}\n    action: hide\n")
    wait_for(lambda: any(r.get("type") == "policy.reloaded" for r in _audit(pipeline)), 60,
             interval_s=1, message=pipeline.worker_logs)
    got = _await(pipeline, collector, _send(pipeline, [
        comment(f"potholes {i}", cid=f"h{i + 1}") for i in range(12)]))
    outcomes = [got[k]["outcome"] for k in sorted(got, key=lambda k: int(k.decode().split("h")[-1]))]
    assert all(v["policy_version"].startswith("live@2#") for v in got.values())
    assert "hide" in outcomes, "the reloaded rule hides"
    assert outcomes.count("escalate") >= 1, "until the guardrail sees it hides everything"
    escalated = [v for v in got.values() if v["outcome"] == "escalate"]
    assert all(v["escalation"]["queue"] == "guardrail" for v in escalated)
    wait_for(lambda: any(r.get("type") == "guardrail.hide_downgraded" for r in _audit(pipeline)), 30,
             interval_s=1)
    alert = next(r for r in _audit(pipeline) if r.get("type") == "guardrail.hide_downgraded")
    assert alert["rule"] == "no.potholes" and alert["policy_version"].startswith("live@2#")

    path.write_text("policy: live\nversion: 3\nrules:\n  - id: broken\n    when: [\n")
    wait_for(lambda: any(r.get("type") == "policy.reload_failed" for r in _audit(pipeline)), 60,
             interval_s=1, message=pipeline.worker_logs)
    failed = next(r for r in _audit(pipeline) if r.get("type") == "policy.reload_failed")
    assert "policy.yaml" in failed["error"] and failed["policy_version"].startswith("live@2#")
    (v3,) = _await(pipeline, collector, _send(pipeline, [comment("still judged", cid="h99")])).values()
    assert v3["policy_version"].startswith("live@2#"), "a broken file keeps the running policy"
    assert json.dumps(v3)


@pytest.mark.kafka
def test_two_workers_share_the_signals(pipeline: Setup, collector: Collector, tmp_path: Path):
    """Comments of one author land on partitions of both workers; each worker counts the
    other's through the signal log."""
    from civicmod.dev.localkafka import free_port

    path = _policy_file(tmp_path, SIGNAL_POLICY)
    ports = [free_port(), free_port()]
    for port in ports:
        pipeline.start_worker(POLICY__FILES__GLOBAL=f"[{path}]", CLASSIFIER__BACKEND="none",
                              WORKER__WEB_PORT=str(port))
    wait_for(lambda: _members(pipeline) == 2 and all(_health(p).get("status") for p in ports), 90,
             interval_s=0.5, message=pipeline.worker_logs)
    verdicts = {}
    for i in range(8):
        (key,) = _send(pipeline, [comment(f"comment {i}", author_id="busy", cid=f"b{i}", platform="x")])
        verdicts.update(_await(pipeline, collector, [key]))
        # both workers have read this comment's event from the log before the next one
        wait_for(lambda n=i + 1: all(_health(p).get("signal_events", 0) >= n for p in ports), 30,
                 interval_s=0.2, message=pipeline.worker_logs)
    assert sum("flood" in _fired(v) for v in verdicts.values()) == 4
    judged = [sum(_health(p)["outcomes"].values()) for p in ports]
    assert sum(judged) == 8 and min(judged) > 0, f"both workers judged some: {judged}"
    # on-call diagnostics: SIGUSR1 prints the worker's consumer state to its log
    import signal

    log = pipeline.log_dir / "worker-0.log"
    pipeline.workers[0].send_signal(signal.SIGUSR1)
    wait_for(lambda: "state dump (SIGUSR1)" in log.read_text(errors="replace"), 30, interval_s=0.5)
    dump = log.read_text(errors="replace").split("state dump (SIGUSR1)", 1)[1]
    assert "group=" in dump and "busy=" in dump and "comments.incoming[" in dump
    assert "highwater=" in dump and "task " in dump
    assert pipeline.workers[0].poll() is None, "the worker keeps running"
