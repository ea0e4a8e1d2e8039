"""Poison in a real stream: a real broker, real worker processes, restarted like a supervisor
would. Each poison kind sits in the middle of a stream of valid comments; afterwards every valid
comment has its verdict, each poison is on the dead-letter topic with its reason (or escalated,
for garbage scores), and the worker judged throughout.
"""

from __future__ import annotations

import collections
import json
import signal
import time
import urllib.request
from pathlib import Path

import pytest

from civicmod.contract.records import Author, Comment
from civicmod.contract.topics import AUDIT, DEADLETTER, INCOMING, OUTCOME_TOPICS
from rules import native
from streams.kafka.client import produce
from streams.kafka.verdict_dedupe import Deduper

from conftest import REPO, Collector, Setup, wait_for

pytestmark = pytest.mark.kafka


def _comment(i: int, text: str, run: str, **author: str) -> Comment:
    return Comment(id=f"generic:{run}-{i}", platform="generic", account_id="web:test",
                   author=Author(id=f"u{i}", **author), text=text)


def _raw_comment(i: int, run: str, **fields: object) -> bytes:
    base = json.loads(_comment(i, "A perfectly fine comment about parking", run).to_json())
    base.update(fields)
    return json.dumps(base).encode()


def _poison(run: str) -> list[tuple[bytes, bytes, str]]:
    """(key, value, what must happen to it)."""
    surrogate = _raw_comment(9001, run).replace(b"perfectly", b"\\ud800perfectly")
    name = _comment(9002, "hello", run, display_name="PLACEHOLDER").to_json().replace(
        b"PLACEHOLDER", b"\\udfff")
    big_name = _comment(9003, "hello", run, display_name="N" * 900_000).to_json()
    return [
        (b"p-surrogate-text", surrogate, "deadletter:invalid_unicode"),
        (b"p-surrogate-name", name, "deadletter:invalid_unicode"),
        (b"p-deep", b"[" * 100_000 + b"]" * 100_000, "deadletter:too_deep"),
        (b"p-770k-malformed", b"{" + b"x" * 770_000, "deadletter:message_too_large"),
        (b"p-900k-name", big_name, "deadletter:message_too_large"),
        (b"p-nan", _raw_comment(9004, run, number=1).replace(b'"number": 1', b'"number": NaN'),
         "deadletter:invalid_json"),
        (b"p-not-utf8", b"\xff\xfe\x00", "deadletter:invalid_utf8"),
        (b"p-tombstone", b"", "deadletter:invalid_json"),
    ] + [
        (f"generic:{run}-{9100 + n}".encode(),
         _comment(9100 + n, f"Nice bins FAULT-{fault}", run).to_json(), "escalate:system.invalid_scores")
        for n, fault in enumerate(["NAN", "EMPTY", "NONE", "WRONGLABEL", "MISSING", "RANGE"])
    ]


def _by_key(col: Collector) -> dict[bytes, list[tuple[str, dict]]]:
    out: dict[bytes, list[tuple[str, dict]]] = collections.defaultdict(list)
    for topic, key, value in list(col.records):
        out[key].append((topic, value))
    return out


def _fault_env(pipeline: Setup, tmp: Path) -> Path:
    pipeline.env["PYTHONPATH"] = str(REPO / "tests")
    flag = tmp / "faults-armed"
    flag.touch()
    pipeline.env["CIVICMOD_TEST_FAULT_FLAG"] = str(flag)
    return flag


FAULT = {"CLASSIFIER__BACKEND": "plugin", "CLASSIFIER__PLUGIN": "fault_classifier:build"}


def test_poison_kinds_mid_stream_lose_nothing(pipeline: Setup, collector: Collector, tmp_path):
    _fault_env(pipeline, tmp_path)
    sup = pipeline.supervise(**FAULT)
    run = "ps"
    valid = [(f"generic:{run}-{i}".encode(),
              _comment(i, f"Comment {i} about the bins on Harrow Lane", run).to_json())
             for i in range(5000)]
    poison = _poison(run)
    # a comment whose model call kills the worker (a native crash): three times, then set aside
    killer = (f"generic:{run}-9999".encode(), _comment(9999, "FAULT-KILL", run).to_json(),
              "setaside:worker_crash")
    stream: list[tuple[bytes, bytes]] = []
    step = len(valid) // (len(poison) + 2)
    for n, (key, value, _) in enumerate([*poison, killer]):
        stream += [*valid[n * step:(n + 1) * step], (key, value)]
    stream += valid[(len(poison) + 1) * step:]
    produce(pipeline.bootstrap, stream, pipeline.topic(INCOMING), max_request_size=1_048_576)
    expected = {k for k, _ in valid} | {k for k, _, _ in poison} | {killer[0]}
    wait_for(lambda: expected <= collector.keys(), 300, interval_s=1,
             message=lambda: f"unanswered: {sorted(expected - collector.keys())[:10]} "
                             f"exits {sup.exits}\n{pipeline.worker_logs()}")
    seen = _by_key(collector)
    # 0 valid comments lost, none twice after dedupe, all published (they are harmless)
    verdicts = [r for t, _k, r in collector.records if t != DEADLETTER]
    unique = {(r["comment"]["id"]) for r in Deduper().filter(verdicts)}
    assert {k.decode() for k, _ in valid} <= unique
    for key, _ in valid:
        outcomes = {r["outcome"] for t, r in seen[key] if t != DEADLETTER}
        assert outcomes == {"publish"}, (key, seen[key])
    # each poison on the dead-letter topic with its reason, or escalated with a system reason
    for key, _, want in [*poison, killer]:
        kind, _, reason = want.partition(":")
        records = seen[key]
        if kind == "deadletter":
            assert {r["reason"] for t, r in records if t == DEADLETTER} == {reason}, (key, records)
            assert not [r for t, r in records if t != DEADLETTER]
        elif kind == "setaside":  # dead letter for the operator, a held escalation for a person
            assert {r["reason"] for t, r in records if t == DEADLETTER} == {reason}, (key, records)
            held = [r for t, r in records if t != DEADLETTER]
            assert held and {(r["outcome"], r["reasons"][0]["id"]) for r in held} == \
                {("escalate", "system.worker_crash")}, records
        else:
            assert {t for t, _ in records} == {OUTCOME_TOPICS["escalate"]}, records
            # the reason that decided (the first with an action; a tag rule may come before it:
            # "bins ... missing" is a problem report)
            assert all(next(x for x in r["reasons"] if x.get("action"))["id"] == reason
                       for _, r in records), (key, [[x["id"] for x in r["reasons"]] for _, r in records])
    # the killer stopped the worker three times (SIGKILL), then was set aside; no other exit
    assert sup.exits == [-signal.SIGKILL] * 3, sup.exits
    (dead,) = {json.dumps(r, sort_keys=True) for t, r in seen[killer[0]] if t == DEADLETTER}
    assert "stopped while judging this message 3 times" in json.loads(dead)["error"]


def _health(port: str) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5) as resp:
        return json.loads(resp.read())


def test_sigterm_with_a_hung_classifier_exits_in_bounded_time_and_the_batch_is_redelivered(
        pipeline: Setup, collector: Collector, tmp_path):
    flag = _fault_env(pipeline, tmp_path)
    opts = {**FAULT, "CLASSIFIER__TIMEOUT_S": "120", "WORKER__SHUTDOWN_TIMEOUT_S": "8"}
    worker = pipeline.start_worker(**opts)
    run = "hang"
    items = [(f"generic:{run}-{i}".encode(), _comment(i, "FAULT-HANG" if i == 3 else f"ok {i}",
                                                      run).to_json()) for i in range(6)]
    produce(pipeline.bootstrap, items, pipeline.topic(INCOMING))
    log = pipeline.log_dir / "worker-0.log"
    wait_for(lambda: "state topic loaded" in log.read_text(errors="replace"), 90)
    time.sleep(8)  # the batch reaches the hung model
    assert worker.poll() is None and not collector.records, "the batch waits on the model"
    started = time.monotonic()
    worker.send_signal(signal.SIGTERM)
    worker.wait(timeout=60)
    took = time.monotonic() - started
    print(f"SIGTERM with a hung classifier: exited in {took:.1f} s (limit 8 s + start-up slack)")
    assert took < 8 + 5, took
    # nothing of the batch was committed: a new worker judges all of it
    flag.unlink()
    pipeline.start_worker(**opts)
    keys = {k for k, _ in items}
    wait_for(lambda: keys <= collector.keys(), 120, interval_s=0.5)
    assert {r["outcome"] for _, _, r in collector.records} == {"publish"}


ORG_POLICY = """policy: org
version: 1
rules:
  - id: org.roads
    description: organisation rule
    policy: org.roads
    when: {terms: [potholes]}
    action: tag
    tags: [roads]
"""


def test_a_broken_policy_reload_keeps_the_worker_and_its_policy(pipeline: Setup,
                                                               collector: Collector, tmp_path):
    from civicmod.dev.localkafka import free_port
    from streams.kafka.client import consume

    policy = tmp_path / "org.yaml"
    policy.write_text(ORG_POLICY)
    port = str(free_port())
    worker = pipeline.start_worker(POLICY__FILES__ORGANISATION=json.dumps([str(policy)]),
                                   POLICY__RELOAD_INTERVAL_S="0.5", WORKER__WEB_PORT=port)
    wait_for(lambda: _ok(port), 90, message=pipeline.worker_logs)
    version = _health(port)["policy_version"]
    # the compiled rule engine where it is built and fresh (CI), else why not: as checked here
    assert _health(port)["rules_engine"] == native.report()
    deep_yaml = "rules:\n" + "- " * 3000 + "x\n"
    deep_condition = ORG_POLICY.replace("{terms: [potholes]}",
                                        "{not: " * 3000 + "{terms: [potholes]}" + "}" * 3000)
    bad = [ORG_POLICY.encode().replace(b"org.thing", b"org\x00thing").replace(b"version", b"ver\x00"),
           ORG_POLICY.encode().replace(b"organisation rule", b"organisation\x1brule"),
           deep_yaml.encode(), deep_condition.encode(), b"\xff\xfe not utf-8"]
    for n, content in enumerate(bad):
        policy.write_bytes(content)
        wait_for(lambda: _health(port)["policy_error"], 30, message=f"bad policy {n}")
        h = _health(port)
        assert worker.poll() is None and h["status"] != "crashed", h
        assert h["policy_version"] == version and str(policy) in h["policy_error"], h
        policy.write_text(ORG_POLICY)
        wait_for(lambda: _health(port)["policy_error"] is None, 30, message=f"fix {n}")
    # still judging, with the policy it had
    items = [(f"generic:pol-{i}".encode(), _comment(i, f"ok {i}", "pol").to_json()) for i in range(20)]
    produce(pipeline.bootstrap, items, pipeline.topic(INCOMING))
    wait_for(lambda: {k for k, _ in items} <= collector.keys(), 60)
    assert worker.poll() is None
    audit = [r.value for r in consume(pipeline.bootstrap, [pipeline.topic(AUDIT)])]
    assert sum(a["type"] == "policy.reload_failed" for a in audit) == len(bad), audit


def _ok(port: str) -> bool:
    try:
        return _health(port)["status"] in ("ok", "degraded")
    except OSError:
        return False


CRASH_HOOK = '''
"""Injected into a real worker (sitecustomize): a bug in the moderation step for one message."""
import streams.moderate.moderator as m

_process = m.Moderator.process


async def process(self, batch, *args, **kwargs):
    if any(b"INJECTED-BUG" in (msg.value or b"") for msg in batch):
        raise RuntimeError("an injected bug in the moderation step")
    return await _process(self, batch, *args, **kwargs)


m.Moderator.process = process
'''


def test_an_unexpected_crash_exits_non_zero_and_its_message_is_set_aside(
        pipeline: Setup, collector: Collector, tmp_path):
    """A bug no per-message guard catches: the worker says so (one critical JSON line), exits 70
    for its supervisor, and the message that crashed it three times is set aside by its offset
    (dead letter, and a held escalation so the comment still reaches a person)."""
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(CRASH_HOOK)
    pipeline.env["PYTHONPATH"] = str(hooks)
    sup = pipeline.supervise()
    items = [(f"generic:bug-{i}".encode(),
              _comment(i, "INJECTED-BUG" if i == 40 else f"fine {i}", "bug").to_json())
             for i in range(80)]
    produce(pipeline.bootstrap, items, pipeline.topic(INCOMING))
    keys = {k for k, _ in items}
    wait_for(lambda: keys <= collector.keys(), 240, interval_s=0.5,
             message=lambda: f"exits {sup.exits}\n{pipeline.worker_logs()}")
    assert sup.exits == [70, 70, 70], sup.exits
    seen = _by_key(collector)
    (dead,) = {json.dumps(r) for t, r in seen[b"generic:bug-40"] if t == DEADLETTER}
    assert json.loads(dead)["reason"] == "worker_crash"
    assert {r["reasons"][0]["id"] for t, r in seen[b"generic:bug-40"] if t != DEADLETTER} == \
        {"system.worker_crash"}
    assert all({t for t, _ in seen[k]} == {OUTCOME_TOPICS["publish"]} for k in keys
               if k != b"generic:bug-40")
    crash_lines = [json.loads(line) for p in pipeline.log_dir.glob("worker-*.log")
                   for line in p.read_text(errors="replace").splitlines()
                   if '"worker crashed' in line]
    assert len(crash_lines) == 3
    assert all(c["level"] == "critical" and "injected bug" in c["exc"] for c in crash_lines)
