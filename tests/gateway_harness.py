"""The gateway harness: a real gateway in a thread, signed payloads of each platform, and a
log capture; shared by the gateway tests."""

from __future__ import annotations

import base64
import json
import logging
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from civicmod.contract.settings import Settings
from streams.gateway.logs import JsonFormatter
from streams.gateway.server import ThreadedGateway
from streams.gateway.signatures import meta_signature, sign_standard

FB_SECRET, IG_SECRET, X_SECRET = "meta-app-secret-demo", "ig-app-secret-demo", "x-consumer-secret-demo"


WHSEC_OLD = "whsec_b2xkLWtleS1vbGQta2V5LW9sZC1rZXktb2xkLWtleS0="


WHSEC_NEW = "whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="


PAGE, PARKS, IG, AGENCY, MAYOR = "104729384756201", "200000000000001", "17841400000000001", \
    "2244994945", "783214"


ENV = {"FB_APP_SECRET": FB_SECRET, "FB_VERIFY_TOKEN": "verify-me", "IG_APP_SECRET": IG_SECRET,
       "X_CONSUMER_SECRET": X_SECRET, "WEB_NEW": WHSEC_NEW, "WEB_OLD": WHSEC_OLD}


SECRETS = (FB_SECRET, IG_SECRET, X_SECRET, "verify-me", WHSEC_NEW.removeprefix("whsec_"))


def gateway_settings(bootstrap: str, prefix: str, **gateway: Any) -> Settings:
    return Settings.model_validate({
        "kafka": {"bootstrap_servers": bootstrap, "topic_prefix": prefix},
        "gateway": {
            "max_body_bytes": 64 * 1024, "producer_timeout_s": 10,
            "facebook": {"app_secrets": [{"env": "FB_APP_SECRET"}],
                         "verify_token": {"env": "FB_VERIFY_TOKEN"},
                         "accounts": {PAGE: "page:city-of-example", PARKS: "page:city-parks"}},
            "instagram": {"app_secrets": [{"env": "IG_APP_SECRET"}],
                          "accounts": {IG: "ig:cityofexample"}},
            "x": {"consumer_secrets": [{"env": "X_CONSUMER_SECRET"}],
                  "accounts": {AGENCY: "x:examplecouncil", MAYOR: "x:examplemayor"}},
            "generic": {"sources": {"website": {"account_id": "web:city-of-example",
                                                "secrets": [{"env": "WEB_NEW"}, {"env": "WEB_OLD"}]}}},
            **gateway}})


@dataclass
class Reply:
    status: int
    body: bytes
    headers: dict[str, str]

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Harness:
    bootstrap: str
    prefix: str
    gw: ThreadedGateway

    @property
    def url(self) -> str:
        return self.gw.url

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> Reply:
        req = urllib.request.Request(self.url + path, data=body, method=method,
                                     headers={"Content-Type": "application/json", **(headers or {})})
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                return Reply(resp.status, resp.read(), dict(resp.headers))
        except urllib.error.HTTPError as exc:
            return Reply(exc.code, exc.read(), dict(exc.headers))

    def facebook(self, payload: Any, secret: str = FB_SECRET) -> Reply:
        raw = json.dumps(payload).encode()
        return self.request("POST", "/webhooks/facebook", raw,
                            {"X-Hub-Signature-256": meta_signature(secret.encode(), raw)})

    def read_all(self, name: str) -> list[tuple[str, dict, dict[str, str]]]:
        """Every record on a topic now: (key, value, headers)."""
        from kafka import KafkaConsumer, TopicPartition

        topic = self.prefix + name
        cons = KafkaConsumer(bootstrap_servers=self.bootstrap, enable_auto_commit=False,
                             fetch_max_wait_ms=100)
        try:
            tps = [TopicPartition(topic, p) for p in sorted(cons.partitions_for_topic(topic) or ())]
            assert tps, f"no topic {topic}"
            cons.assign(tps)
            cons.seek_to_beginning(*tps)
            ends = cons.end_offsets(tps)
            out = []
            deadline = time.monotonic() + 30
            while any(cons.position(tp) < ends[tp] for tp in tps):
                assert time.monotonic() < deadline, "could not read the topic to its end"
                for records in cons.poll(timeout_ms=200).values():
                    out.extend((r.key.decode(), json.loads(r.value),
                                {k: v.decode() for k, v in r.headers}) for r in records)
            return out
        finally:
            cons.close()

    def metrics(self) -> str:
        with urllib.request.urlopen(self.url + "/metrics", timeout=10) as resp:
            return resp.read().decode()


class LogCapture(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(JsonFormatter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


# -- payloads (after Meta's, X's and Standard Webhooks' documented shapes) ---------------------
def fb_value(verb: str, comment: str, message: str | None = None, sender: str = "3141592653",
             parent: str | None = None) -> dict:
    value = {"from": {"id": sender, "name": "Margaret Ellis"}, "post_id": f"{PAGE}_777",
             "comment_id": f"777_{comment}", "created_time": 1795262282, "item": "comment",
             "parent_id": parent or f"{PAGE}_777", "verb": verb}
    if message is not None:
        value["message"] = message
    return {"field": "feed", "value": value}


def fb_payload(*changes: dict, page: str = PAGE, time_: int = 1795262290) -> dict:
    return {"object": "page", "entry": [{"id": page, "time": time_, "changes": list(changes)}]}


THREE = fb_payload(
    fb_value("add", "901", "When will the potholes on Station Road be fixed?"),
    fb_value("add", "902", "Bin collection on Harrow Lane was missed again", sender="2718"),
    fb_value("add", "903", "Agreed, third week running", sender="1618", parent="777_902"))


def tweet(tid: str, text: str, reply_to: str = AGENCY) -> dict:
    return {"created_at": "Sat Nov 21 11:58:02 +0000 2026", "id_str": tid, "text": text,
            "display_text_range": [0, len(text)], "in_reply_to_status_id_str": "1859000000000000001",
            "in_reply_to_user_id_str": reply_to,
            "user": {"id_str": "9998887776", "name": "Ravi Patel", "screen_name": "ravi_p",
                     "followers_count": 120}, "lang": "en"}


def generic_comment(cid: str, text: str) -> dict:
    return {"id": cid, "author": {"id": "resident-7", "display_name": "Ann"}, "text": text,
            "thread_id": "consultation-12"}


def mangle(signature: str) -> str:
    """The signature with its last four characters replaced, always different from it: a real
    signature can itself end in ``AAA=`` (its last two bytes zero, 1 in 65,536)."""
    return signature[:-4] + ("AQA=" if signature.endswith("AAA=") else "AAA=")


def std_headers(secret: str, body: bytes, msg_id: str, ts: int | None = None) -> dict[str, str]:
    return sign_standard(base64.b64decode(secret.removeprefix("whsec_")), body, msg_id, ts)
