"""``civicmod run``: the embedded setup (local broker, default policy, one worker, demo feed)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from rich.console import Console
from rich.live import Live
from rich.table import Table

from civicmod.contract.records import NEEDS_REPLY_TAGS, utcnow
from civicmod.contract.settings import Settings, home_dir
from civicmod.contract.topics import (
    AGENCY_REPLIES,
    DEADLETTER,
    INCOMING,
    METRICS,
    OUTCOME_TOPICS,
    physical,
)
from civicmod.dev.demo import ACCOUNT, agency_reply_messages, demo_messages
from civicmod.dev.localkafka import BrokerError, LocalBroker, default_broker
from streams.kafka.admin import ensure_topics

#: The local demo's Standard Webhooks secret for POST /webhooks/generic/demo (README). For this
#: local setup only: set CIVICMOD_DEMO_WEBHOOK_SECRET to use another one.
DEMO_WEBHOOK_SECRET = "whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
DEMO_SOURCE = "demo"
DEMO_ACCOUNT = "web:civicmod-demo"

#: logical topic → what the summary calls it
LABELS = {v: k for k, v in OUTCOME_TOPICS.items()} | {DEADLETTER: "deadletter"}


class DemoRun:
    def __init__(self, settings: Settings, console: Console, duration: float | None,
                 exit_when_done: bool, keep_broker: bool, config_path: Path | None) -> None:
        self.s = settings
        self.console = console
        self.duration = duration
        self.exit_when_done = exit_when_done
        self.keep_broker = keep_broker
        self.config_path = config_path
        self.broker: LocalBroker | None = None
        self.owns_broker = False
        self.prefix = settings.kafka.topic_prefix
        self.worker: subprocess.Popen[bytes] | None = None
        self.gateway: subprocess.Popen[bytes] | None = None
        self.gateway_url: str | None = None
        self.console_proc: subprocess.Popen[bytes] | None = None
        self.actuator_proc: subprocess.Popen[bytes] | None = None
        self.actuator_log: Path | None = None
        self.metrics_proc: subprocess.Popen[bytes] | None = None
        self.metrics_url: str | None = None
        #: Set by the signal handler: the watch loop stops even if the KeyboardInterrupt raised
        #: in a library's wait was swallowed there.
        self.stop_requested = False
        self.console_url: str | None = None
        self.console_login: str | None = None
        self.to_review = 0
        self.counts: Counter[str] = Counter()
        self.latest: dict[str, str] = {}
        self.mismatches: list[str] = []
        #: Keys of the verdicts the console should put in its "needs a reply" queue.
        self.questions: set[bytes | None] = set()

    # -- lifecycle -------------------------------------------------------------------------
    def run(self) -> int:
        def interrupt(signum: int, _frame: object) -> None:
            # the flag too: a wait inside kafka-python can swallow the KeyboardInterrupt (a
            # Ctrl-C was once lost that way, the run going on), the watch loop never does
            self.stop_requested = True
            raise KeyboardInterrupt(signal.Signals(signum).name)

        # Ctrl-C, a closed terminal (SIGHUP) or a supervisor (SIGTERM) stop everything alike.
        signal.signal(signal.SIGINT, interrupt)
        signal.signal(signal.SIGTERM, interrupt)
        signal.signal(signal.SIGHUP, interrupt)
        try:
            return self._run()
        except BrokerError as exc:
            self.console.print(f"[red]cannot start the local Kafka broker:[/red] {exc}")
            return 1
        except KeyboardInterrupt:
            self._say("\n[yellow]stopping...[/yellow]")
            return 0
        finally:
            self._shutdown()

    def _run(self) -> int:
        bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
        if bootstrap:
            self.console.print(f"using the broker at KAFKA_BOOTSTRAP_SERVERS={bootstrap}")
        else:
            self.broker = default_broker(self.s.local_kafka)
            self.owns_broker = self.broker.running_pid() is None
            with self.console.status(f"starting Apache Kafka {self.broker.version} "
                                     f"(jars cached in {home_dir() / 'kafka'})..."):
                bootstrap = self.broker.start()
            self.console.print(f"[green]✓[/green] Kafka {self.broker.version} at {bootstrap}")
        self.s = self.s.model_copy(update={"kafka": self.s.kafka.model_copy(
            update={"bootstrap_servers": bootstrap})})
        k = self.s.kafka
        self.prefix = k.topic_prefix
        ensure_topics(bootstrap, k.partitions, k.replication_factor, k.topic_prefix)
        self.console.print("[green]✓[/green] topics ready")
        consumer = self._tail_consumer(bootstrap)
        self._start_worker(bootstrap)
        self._start_gateway(bootstrap)
        self._start_console(bootstrap)
        self._start_actuator(bootstrap)
        self._start_metrics(bootstrap)
        run, now = f"demo{int(time.time()) % 1_000_000:06d}-", utcnow()
        expected = demo_messages(run=run, now=now)
        from streams.kafka.client import produce

        incoming = physical(INCOMING, self.prefix)
        via_gateway = self._post_through_gateway(expected)
        produce(bootstrap, ((key, v) for key, v, _ in expected), incoming)
        self.console.print(f"[green]✓[/green] fed {len(expected)} demo messages to {incoming}")
        # The agency's own replies to some of the citizens' questions (the gateway writes these
        # when the page itself comments): they close the console's "needs a reply" items.
        replies = agency_reply_messages(run=run, now=now)
        produce(bootstrap, replies, physical(AGENCY_REPLIES, self.prefix))
        self.agency_replies = len(replies)
        self.console.print(f"[green]✓[/green] fed {len(replies)} of the agency's replies to "
                           f"{physical(AGENCY_REPLIES, self.prefix)}")
        watch = {k: e for k, _, e in expected if k is not None}
        if via_gateway:
            watch.update(via_gateway)
            self.console.print(f"[green]✓[/green] posted {len(via_gateway)} more as a signed "
                               f"webhook to {self.gateway_url}/webhooks/generic/{DEMO_SOURCE}")
        return self._watch(consumer, watch)

    def _start_gateway(self, bootstrap: str) -> None:
        """``civicmod gateway`` in its own session, with the demo's generic webhook source."""
        import json

        g = self.s.gateway
        source = {"account_id": DEMO_ACCOUNT, "secrets": [{"env": "CIVICMOD_DEMO_WEBHOOK_SECRET"}]}
        env = {"CIVICMOD_DEMO_WEBHOOK_SECRET": os.environ.get("CIVICMOD_DEMO_WEBHOOK_SECRET",
                                                              DEMO_WEBHOOK_SECRET),
               f"CIVICMOD__GATEWAY__GENERIC__SOURCES__{DEMO_SOURCE.upper()}": json.dumps(source)}
        self.gateway, self.gateway_log = self._spawn("gateway", bootstrap, env)
        host = _reachable(g.host)
        url = f"http://{host}:{g.port}"
        if _wait_ready(self.gateway, url, 90):
            self.gateway_url = url
            self.console.print(f"[green]✓[/green] gateway at {url} (pid "
                               f"{self.gateway.pid}, log {self.gateway_log})")
            return
        tail = self.gateway_log.read_text(errors="replace")[-600:]
        self.console.print(f"[bold yellow]⚠ the webhook gateway did not come up[/bold yellow] "
                           f"(see {self.gateway_log}); the demo goes on without it.\n{tail}")
        self._stop_gateway()

    def _start_console(self, bootstrap: str) -> None:
        """``civicmod console serve``, with a first admin whose generated password is shown once
        (a later run says how to set a new one)."""

        from streams.console.auth import Auth
        from streams.console.db import Database
        from streams.console.models import User
        from streams.console.service import database_url

        db = Database(database_url(self.s))
        db.setup()
        with db.read() as session:
            exists = session.query(User).filter(User.username == "admin").first() is not None
        if exists:
            self.console_login = ("user admin (password shown on the first run; new one: "
                                  "civicmod console set-password admin)")
        else:
            import secrets

            password = secrets.token_urlsafe(15)
            Auth(db, self.s.console).create_user(None, "admin", "Demo admin", password,
                                                 [("admin", None, None)])
            self.console_login = f"user admin, password {password} (shown once)"
        db.dispose()
        c = self.s.console
        self.console_proc, self.console_log = self._spawn("console", bootstrap, args=("serve",))
        host = _reachable(c.host)
        url = f"http://{host}:{c.port}"
        if _wait_ready(self.console_proc, url, 60):
            self.console_url = url
            self.console.print(f"[green]✓[/green] console at {url} (pid "
                               f"{self.console_proc.pid}, log {self.console_log})")
            self.console.print(f"  log in as {self.console_login}")
            return
        tail = self.console_log.read_text(errors="replace")[-600:]
        self.console.print(f"[bold yellow]⚠ the console did not come up[/bold yellow] "
                           f"(see {self.console_log}); the demo goes on without it.\n{tail}")
        self._stop_console()

    def _console_items(self) -> int:
        """How many review items the console has taken in (its /healthz)."""
        import json
        import urllib.request

        if not self.console_url:
            return 0
        try:
            with urllib.request.urlopen(self.console_url + "/healthz", timeout=2) as resp:
                return int(json.loads(resp.read()).get("ingest", {}).get("new", 0))
        except (OSError, ValueError):
            return 0

    def _wait_for_console(self, expected: dict[bytes, str]) -> None:
        """Once every verdict is out: wait (briefly) until the console holds the ones to review."""
        want = sum(1 for outcome in expected.values() if outcome in ("escalate", "hide"))
        deadline = time.monotonic() + 60
        got = self._console_items()
        while self.console_url and got < want and time.monotonic() < deadline:
            time.sleep(0.3)
            got = self._console_items()
        self.to_review = got
        if self.console_url:
            mark = "[green]✓[/green]" if got >= want else "[yellow]⚠[/yellow]"
            self.console.print(f"{mark} console: {got} of {want} escalated or hidden demo comments "
                               f"in its queues")

    def _post_through_gateway(self, expected: list[tuple[bytes | None, bytes, str]]
                              ) -> dict[bytes, str]:
        """Take the first demo comment expected to be published out of ``expected`` and post
        it to the gateway as a signed Standard Webhook instead; return {its key: outcome}."""
        import json
        import urllib.request

        from streams.gateway.signatures import decode_whsec, sign_standard

        if not self.gateway_url:
            return {}
        index = next((i for i, (_, _, want) in enumerate(expected) if want == "publish"), None)
        if index is None:
            return {}
        _, value, want = expected[index]
        comment = json.loads(value)
        native = comment["id"].split(":", 1)[1]
        body = json.dumps({k: v for k, v in comment.items()
                           if k not in ("schema", "platform", "account_id", "received_at")}
                          | {"id": native}).encode()
        secret = os.environ.get("CIVICMOD_DEMO_WEBHOOK_SECRET", DEMO_WEBHOOK_SECRET)
        headers = sign_standard(decode_whsec(secret), body, f"msg_{native}")
        req = urllib.request.Request(f"{self.gateway_url}/webhooks/generic/{DEMO_SOURCE}",
                                     data=body, method="POST",
                                     headers={"Content-Type": "application/json", **headers})
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                ok = resp.status == 200
        except OSError as exc:
            self.console.print(f"[yellow]posting to the gateway failed: {exc}[/yellow]")
            ok = False
        if not ok:
            return {}
        del expected[index]
        return {f"generic:{DEMO_SOURCE}:{native}".encode(): want}

    def _spawn(self, command: str, bootstrap: str, extra_env: dict[str, str] | None = None,
               args: tuple[str, ...] = ()) -> tuple[subprocess.Popen[bytes], Path]:
        """``civicmod <command>`` logging to <home>/run/<command>.log, in its own session:
        terminal signals reach only us, and we stop it cleanly with SIGTERM (a worker then
        leaves the consumer group, so the next run does not wait for it)."""
        log_dir = home_dir() / "run"
        log_dir.mkdir(parents=True, exist_ok=True)
        log_path = log_dir / f"{command}.log"
        env = dict(os.environ, KAFKA_BOOTSTRAP_SERVERS=bootstrap, PYTHONUNBUFFERED="1",
                   **(extra_env or {}))
        cmd = [sys.executable, "-m", "civicmod.cli", command, *args]
        if self.config_path:
            cmd += ["--config", str(self.config_path)]
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, env=env, start_new_session=True)
        return proc, log_path

    def _start_worker(self, bootstrap: str) -> None:
        import json
        import urllib.request

        self.worker, self.worker_log = self._spawn("worker", bootstrap)
        self.console.print(f"[green]✓[/green] worker started (pid {self.worker.pid}, "
                           f"log {self.worker_log})")
        w = self.s.worker
        host = _reachable(w.web_host)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and w.web_enabled:
            if self.worker.poll() is not None:
                text = self.worker_log.read_text(errors="replace")
                raise RuntimeError(f"worker exited early:\n{text[-2000:]}")
            try:
                with urllib.request.urlopen(f"http://{host}:{w.web_port}/health", timeout=2) as r:
                    note = str(json.loads(r.read()).get("classifier", ""))
            except (OSError, ValueError):
                time.sleep(0.3)
                continue
            loud = "NOT AVAILABLE" in note or "FAILED" in note
            self.console.print(("[bold yellow]⚠ " if loud else "  ") + f"classifier: {note}"
                               + ("[/bold yellow]" if loud else ""))
            return

    def _tail_consumer(self, bootstrap: str):
        """A consumer positioned at the current end of the outcome and dead-letter topics."""
        from kafka import KafkaConsumer, TopicPartition

        cons = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False,
                             fetch_max_wait_ms=100)
        names = [physical(t, self.prefix) for t in LABELS]
        tps = [TopicPartition(t, p) for t in names for p in (cons.partitions_for_topic(t) or ())]
        cons.assign(tps)
        cons.seek_to_end()
        for tp in tps:
            cons.position(tp)
        return cons

    def _watch(self, consumer, expected: dict[bytes, str]) -> int:
        import json

        seen: set[bytes] = set()
        deadline = time.monotonic() + self.duration if self.duration else None
        live = Live(self._table(len(expected)), console=self.console, refresh_per_second=4,
                    transient=False) if self.console.is_terminal else None
        if live:
            live.start()
        try:
            while deadline is None or time.monotonic() < deadline:
                if self.stop_requested:
                    raise KeyboardInterrupt("stop requested")
                if self.worker and self.worker.poll() is not None:
                    self.console.print(f"[red]worker exited (code {self.worker.returncode}); "
                                       f"see {self.worker_log}[/red]")
                    return 1
                for records in consumer.poll(timeout_ms=250).values():
                    for r in records:
                        label = LABELS[r.topic.removeprefix(self.prefix)]
                        value = json.loads(r.value)
                        self._record(r.key, label, value, expected, seen)
                if live:
                    live.update(self._table(len(expected)))
                if self.exit_when_done and expected.keys() <= seen:
                    self._wait_for_console(expected)
                    self._wait_for_actuator(expected)
                    self._wait_for_metrics(expected)
                    self._engagement()
                    break
        finally:
            if live:
                live.stop()
            consumer.close()
        self._where_next()
        return 1 if self.exit_when_done and (self.mismatches or not expected.keys() <= seen) else 0

    def _record(self, key: bytes | None, label: str, value: dict, expected: dict[bytes, str],
                seen: set[bytes]) -> None:
        self.counts[label] += 1
        if key in seen:
            self.counts["duplicates"] += 1
        elif key in expected:
            self.counts["judged"] += 1
        elif key is not None:
            self.counts["other"] += 1
        if key is not None:
            seen.add(key)
        if label == "deadletter":
            line = f"{value.get('reason')}: {value.get('error', '')[:70]}"
            got = f"deadletter:{value.get('reason')}"
        else:
            comment = value["comment"]
            why = ", ".join(r["id"] for r in value.get("reasons", [])) or "no rule or model fired"
            line = f"{comment['text'][:60]!r}  ← {why}"
            got = value["outcome"]
            visible = got == "publish" or (got == "escalate"
                                           and not (value.get("escalation") or {}).get("hold"))
            if key not in self.questions and visible and NEEDS_REPLY_TAGS & set(value.get("tags", ())):
                self.questions.add(key)  # the console's "needs a reply" queue takes it
        want = expected.get(key or b"")
        if want and want != got:
            self.mismatches.append(f"{(key or b'').decode()}: expected {want}, got {got}")
        self.latest[label] = line
        if not self.console.is_terminal:
            self.console.print(f"{label:>10}  {line}")

    def _table(self, total: int) -> Table:
        other = f" + {self.counts['other']} other messages" if self.counts["other"] else ""
        table = Table(title=f"civicmod: {self.counts['judged']}/{total} demo messages "
                            f"judged{other} (Ctrl-C to stop)")
        table.add_column("outcome")
        table.add_column("count", justify="right")
        table.add_column("latest")
        for label in ("publish", "escalate", "hide", "deadletter"):
            table.add_row(label, str(self.counts[label]), self.latest.get(label, ""))
        return table

    def _where_next(self) -> None:
        c = self.console
        c.print("\n[bold]summary[/bold]: " + ", ".join(
            f"{k} {self.counts[k]}" for k in ("publish", "escalate", "hide", "deadletter")))
        if self.counts["duplicates"]:
            c.print(f"redelivered verdicts (deduped by comment id): {self.counts['duplicates']}")
        for m in self.mismatches:
            c.print(f"[yellow]unexpected:[/yellow] {m}")
        c.print("where to look next:")
        for topic, label in LABELS.items():
            c.print(f"  {label:>10} → topic {physical(topic, self.prefix)}")
        if self.console_url:
            c.print(f"  moderators → {self.console_url} ({self.console_login}); API "
                    f"{self.console_url}/api/docs")
        c.print(f"  worker log → {getattr(self, 'worker_log', '-')}; health → "
                f"http://{self.s.worker.web_host}:{self.s.worker.web_port}/health")
        if self.metrics_url:
            c.print(f"  metrics → {self.metrics_url}/metrics (Prometheus); windowed aggregates "
                    f"on topic {physical(METRICS, self.prefix)} (docs/metrics.md)")
        if self.gateway_url:
            c.print(f"  gateway → {self.gateway_url}/webhooks/… (log {self.gateway_log}); "
                    f"metrics {self.gateway_url}/metrics")
            c.print(f"  more traffic → POST a signed webhook to {self.gateway_url}/webhooks/"
                    f"generic/{DEMO_SOURCE} (curl in the README), or produce civicmod.comment/1 "
                    "JSON to comments.incoming")
        else:
            c.print("  more traffic → produce civicmod.comment/1 JSON to comments.incoming "
                    "(see README)")

    def _start_actuator(self, bootstrap: str) -> None:
        """``civicmod actuator``. With no accounts configured, the demo's account is given to it
        in dry run: it records on ``moderation.actions`` what it would hide (the console shows
        "dry run: would hide") and calls no platform."""
        import json

        a = self.s.actuator
        env = {}
        if not a.accounts:
            env["CIVICMOD__ACTUATOR__ACCOUNTS"] = json.dumps({ACCOUNT: {"platform": "facebook"}})
        self.actuator_proc, self.actuator_log = self._spawn("actuator", bootstrap, env)
        host = _reachable(a.host)
        url = f"http://{host}:{a.port}"
        if _wait_ready(self.actuator_proc, url, 90):
            live = sorted(k for k, v in a.accounts.items() if v.live)
            mode = f"live for {', '.join(live)}" if live else "dry run: no platform is called"
            self.console.print(f"[green]✓[/green] actuator at {url}/health ({mode}; pid "
                               f"{self.actuator_proc.pid}, log {self.actuator_log})")
            return
        tail = self.actuator_log.read_text(errors="replace")[-600:]
        self.console.print(f"[bold yellow]⚠ the actuator did not come up[/bold yellow] "
                           f"(log {self.actuator_log}):\n{tail}")

    def _wait_for_actuator(self, expected: dict[bytes, str]) -> None:
        """Once every verdict is out: wait (briefly) until the actuator has settled the hides."""
        import json
        import urllib.request

        if self.actuator_proc is None or self.actuator_proc.poll() is not None:
            return
        a = self.s.actuator
        url = f"http://127.0.0.1:{a.port}/health"
        want = sum(1 for outcome in expected.values() if outcome == "hide")
        health: dict = {}
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError, ValueError), urllib.request.urlopen(url, timeout=2) as resp:
                health = json.loads(resp.read())
            if health.get("entries", 0) >= want and health.get("open", 1) == 0:
                break
            time.sleep(0.3)
        done = health.get("entries", 0)
        settled = done >= want and health.get("open", 1) == 0
        mark = "[green]✓[/green]" if settled else "[yellow]⚠[/yellow]"
        mode = "dry run" if not health.get("live_accounts") else "live"
        self.console.print(f"{mark} actuator: {done} comments to hide settled ({mode}), "
                           f"{health.get('open', '?')} left")

    def _start_metrics(self, bootstrap: str) -> None:
        """``civicmod metrics serve``: windowed aggregates on ``moderation.metrics``, the
        engagement gauges on its ``/metrics``."""
        m = self.s.metrics
        self.metrics_proc, self.metrics_log = self._spawn("metrics", bootstrap, args=("serve",))
        url = f"http://{_reachable(m.host)}:{m.port}"
        if _wait_ready(self.metrics_proc, url, 90):
            self.metrics_url = url
            self.console.print(f"[green]✓[/green] metrics at {url}/metrics (aggregates on "
                               f"{physical(METRICS, self.prefix)}; pid "
                               f"{self.metrics_proc.pid}, log {self.metrics_log})")
            return
        tail = self.metrics_log.read_text(errors="replace")[-600:]
        self.console.print(f"[bold yellow]⚠ the metrics service did not come up[/bold yellow] "
                           f"(log {self.metrics_log}); the demo goes on without it.\n{tail}")
        self._stop_metrics()

    def _wait_for_metrics(self, expected: dict[bytes, str]) -> None:
        """Once every verdict is out: wait (briefly) until the metrics service counted them."""
        import json
        import urllib.request

        if not self.metrics_url or self.metrics_proc is None or self.metrics_proc.poll() is not None:
            return
        want = sum(1 for outcome in expected.values() if not outcome.startswith("deadletter"))
        counted = 0
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError, ValueError), urllib.request.urlopen(
                    self.metrics_url + "/health", timeout=2) as resp:
                counted = int(json.loads(resp.read()).get("facts", {}).get("verdicts", 0))
            if counted >= want:
                break
            time.sleep(0.3)
        mark = "[green]✓[/green]" if counted >= want else "[yellow]⚠[/yellow]"
        self.console.print(f"{mark} metrics: {counted} verdicts counted in 1 min / 1 h / 1 day "
                           f"windows")

    def _engagement(self) -> None:
        """Two-way engagement on the demo: the console's "needs a reply" queue, and what the
        metrics service's gauges show per account (an account that never replied is what the
        CivicmodNeglectedAccount alert names)."""
        import json
        import urllib.request

        from prometheus_client.parser import text_string_to_metric_families

        want = getattr(self, "agency_replies", 0)
        want_q = len(self.questions)
        if self.console_url:
            answered = questions = 0
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                with contextlib.suppress(OSError, ValueError), urllib.request.urlopen(
                        self.console_url + "/healthz", timeout=2) as resp:
                    ingest = json.loads(resp.read()).get("ingest", {})
                    questions, answered = int(ingest.get("questions", 0)), int(ingest.get("answered", 0))
                if questions >= want_q and answered >= want:
                    break
                time.sleep(0.3)
            mark = "[green]✓[/green]" if questions >= want_q and answered >= want else "[yellow]⚠[/yellow]"
            self.console.print(f"{mark} console: {questions} questions or problem reports need a "
                               f"reply, {answered} answered by the agency's own replies")
        if not self.metrics_url:
            return
        waiting: dict[str, float] = {}
        last: dict[str, float] = {}
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError, ValueError), urllib.request.urlopen(
                    self.metrics_url + "/metrics", timeout=2) as resp:
                for fam in text_string_to_metric_families(resp.read().decode()):
                    for sample in fam.samples:
                        if sample.name == "civicmod_engagement_unanswered":
                            waiting[sample.labels["account"]] = sample.value
                        elif sample.name == "civicmod_engagement_last_reply_timestamp_seconds":
                            last[sample.labels["account"]] = sample.value
            if sum(1 for t in last.values() if t > 0) and waiting:
                break
            time.sleep(0.3)
        silent = sorted(a for a, n in waiting.items() if n > 0 and not last.get(a))
        self.console.print("  engagement: waiting for a reply " + ", ".join(
            f"{a} {int(n)}" for a, n in sorted(waiting.items())))
        if silent:
            self.console.print(f"  [yellow]never replied[/yellow] (the neglected-account alert "
                               f"names them): {', '.join(silent)}")

    def _stop_metrics(self) -> bool:
        proc, self.metrics_proc = self.metrics_proc, None
        return _terminate(proc)

    def _stop_actuator(self) -> bool:
        proc, self.actuator_proc = self.actuator_proc, None
        return _terminate(proc)

    def _say(self, text: str) -> None:
        """Print, unless the terminal is gone (SIGHUP): cleanup must go on regardless."""
        with contextlib.suppress(OSError):
            self.console.print(text)

    def _stop_gateway(self) -> bool:
        proc, self.gateway = self.gateway, None
        return _terminate(proc)  # it flushes what it has in flight, then exits

    def _stop_console(self) -> bool:
        proc, self.console_proc = self.console_proc, None
        return _terminate(proc)  # the outbox relay publishes what it can, then exits

    def _shutdown(self) -> None:
        if self._stop_metrics():
            self._say("metrics stopped")
        if self._stop_actuator():
            self._say("actuator stopped")
        if self._stop_console():
            self._say("console stopped")
        if self._stop_gateway():
            self._say("gateway stopped")
        if self.worker and self.worker.poll() is None:
            self.worker.send_signal(signal.SIGTERM)
            try:
                self.worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.worker.kill()
                self.worker.wait()
            self._say("worker stopped")
        if self.broker and self.owns_broker and not self.keep_broker:
            self.broker.stop()
            self._say("Kafka stopped")


def _terminate(proc: subprocess.Popen[bytes] | None, timeout_s: float = 30) -> bool:
    """SIGTERM a child still running and wait for it (SIGKILL after ``timeout_s``); True if it
    was running."""
    if proc is None or proc.poll() is not None:
        return False
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    return True


def _reachable(host: str) -> str:
    """Where to reach a service listening on ``host`` from this machine (a wildcard address is
    reached on the loopback)."""
    return "127.0.0.1" if host in ("0.0.0.0", "::", "") else host


def _wait_ready(proc: subprocess.Popen[bytes], url: str, timeout_s: float) -> bool:
    """Poll ``url``/readyz until it answers 200 (True), the child exits or time runs out."""
    import urllib.request

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with urllib.request.urlopen(url + "/readyz", timeout=2) as resp:
                if resp.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(0.3)
    return False
