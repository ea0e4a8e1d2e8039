"""Gateway + a real moderation worker: an edit is moderated again, a hide is not moderated."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import pytest

from civicmod.contract.settings import Settings
from streams.gateway.accounts import resolve
from streams.gateway.server import ThreadedGateway
from streams.gateway.signatures import meta_signature

from conftest import Collector, Setup, wait_for

pytestmark = pytest.mark.kafka

SECRET = "meta-app-secret-demo"
PAGE = "104729384756201"


def change(verb: str, comment: str, text: str | None = None, sender: str = "3141592653") -> dict:
    value: dict[str, Any] = {"from": {"id": sender, "name": "Pat Brown"}, "post_id": f"{PAGE}_777",
                             "comment_id": f"777_{comment}", "created_time": 1795262282,
                             "item": "comment", "parent_id": f"{PAGE}_777", "verb": verb}
    if text is not None:
        value["message"] = text
    return {"field": "feed", "value": value}


def post(url: str, *changes: dict, entry_time: int = 1795262290) -> dict:
    body = json.dumps({"object": "page", "entry": [
        {"id": PAGE, "time": entry_time, "changes": list(changes)}]}).encode()
    req = urllib.request.Request(url + "/webhooks/facebook", data=body, method="POST", headers={
        "X-Hub-Signature-256": meta_signature(SECRET.encode(), body)})
    with urllib.request.urlopen(req, timeout=60) as resp:
        assert resp.status == 200
        return json.loads(resp.read())


def test_edit_is_remoderated_and_state_changes_are_not(pipeline: Setup, collector: Collector) -> None:
    pipeline.start_worker()
    settings = Settings.model_validate({
        "kafka": {"bootstrap_servers": pipeline.bootstrap, "topic_prefix": pipeline.prefix},
        "gateway": {"facebook": {"app_secrets": [{"env": "FB"}],
                                 "accounts": {PAGE: "page:city-of-example"}}}})
    key = b"facebook:777_901"

    def verdicts(k: bytes) -> list[dict]:
        return [v for _, rk, v in collector.records if rk == k]

    with ThreadedGateway(settings, resolve(settings.gateway, {"FB": SECRET})) as gw:
        assert post(gw.url, change("add", "901", "When is the library open on Sundays?"))["written"] == 1
        wait_for(lambda: len(verdicts(key)) == 1 or any(p.poll() is not None for p in pipeline.workers),
                 120, message="the first verdict")
        assert len(verdicts(key)) == 1, pipeline.worker_logs()
        # The commenter edits it into abuse: a new version, judged again.
        assert post(gw.url, change("edited", "901", "You useless fucking idiots, fuck you all"))[
            "written"] == 1
        wait_for(lambda: len(verdicts(key)) == 2, 60, message="the verdict on the edit")
        first, second = verdicts(key)
        assert first["outcome"] == "publish" and second["outcome"] != "publish"
        assert second["comment"]["text"] == "You useless fucking idiots, fuck you all"
        # The page hides it on Facebook: recorded on comments.state, not judged again.
        assert post(gw.url, change("hide", "901", sender=PAGE), entry_time=1795262400)["state"] == 1
        assert post(gw.url, change("add", "902", "Thanks for the quick reply"))["written"] == 1
        wait_for(lambda: len(verdicts(b"facebook:777_902")) == 1, 60,
                 message=f"the sentinel's verdict: {collector.records}\n{pipeline.worker_logs()}")
    assert len(verdicts(key)) == 2
