"""The agency's own replies, through a real gateway and broker: a signed Facebook, Instagram or
X delivery of a comment written by the account itself lands on comments.agency_replies with its
parent id, and never on comments.incoming (it is not moderated)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import pytest

from streams.gateway.accounts import resolve
from streams.gateway.server import ThreadedGateway
from streams.gateway.signatures import meta_signature, x_signature

from gateway_harness import (
    AGENCY,
    ENV,
    IG,
    IG_SECRET,
    PAGE,
    X_SECRET,
    Harness,
    fb_payload,
    fb_value,
    gateway_settings,
    tweet,
)

pytestmark = pytest.mark.kafka


@pytest.fixture
def harness(kafka_bootstrap: str) -> Iterator[Harness]:
    prefix = f"ar{uuid.uuid4().hex[:8]}."
    settings = gateway_settings(kafka_bootstrap, prefix)
    with ThreadedGateway(settings, resolve(settings.gateway, ENV)) as gw:
        yield Harness(kafka_bootstrap, prefix, gw)


def ig_change(cid: str, text: str, sender: str, parent: str | None = None) -> dict:
    value = {"from": {"id": sender, "username": "cityofexample" if sender == IG else "jess.walks"},
             "media": {"id": "18012345678901234", "media_product_type": "FEED"}, "id": cid,
             "text": text}
    if parent:
        value["parent_id"] = parent
    return {"field": "comments", "value": value}


def test_own_replies_of_every_push_platform_go_to_agency_replies(harness: Harness) -> None:
    # Facebook: a resident asks, the page answers in the thread.
    fb = harness.facebook(fb_payload(
        fb_value("add", "901", "When will the streetlight on Elm Close be fixed?"),
        fb_value("add", "905", "Hi Margaret, it is booked for Thursday.", sender=PAGE,
                 parent="777_901")))
    assert fb.status == 200 and (fb.json()["written"], fb.json()["agency_replies"]) == (1, 1)
    assert harness.facebook(fb_payload(fb_value(  # Meta redelivers: written once
        "add", "905", "Hi Margaret, it is booked for Thursday.", sender=PAGE,
        parent="777_901"))).json()["duplicates"] == 1
    # Instagram: the account answers a comment.
    raw = json.dumps({"object": "instagram", "entry": [{"id": IG, "time": 1795262282, "changes": [
        ig_change("17865799348089039", "Is the park cafe open in winter?", "17841455555555555"),
        ig_change("17865799348089050", "Yes, 10 to 3 every day", IG,
                  parent="17865799348089039")]}]}).encode()
    ig = harness.request("POST", "/webhooks/instagram", raw,
                         {"X-Hub-Signature-256": meta_signature(IG_SECRET.encode(), raw)})
    assert ig.status == 200 and (ig.json()["written"], ig.json()["agency_replies"]) == (1, 1)
    # X: the agency's account replies to a resident's tweet.
    answer = tweet("1859000000000000201", "@ravi_p The library opens at 9 on Saturdays",
                   reply_to="9998887776")
    answer["user"] = {"id_str": AGENCY, "name": "Example Council", "screen_name": "ExampleCouncil"}
    answer["in_reply_to_status_id_str"] = "1859000000000000101"
    answer["display_text_range"] = [8, len(answer["text"])]
    question = tweet("1859000000000000101", "@ExampleCouncil when is the library open?")
    raw = json.dumps({"for_user_id": AGENCY, "tweet_create_events": [question, answer]}).encode()
    x = harness.request("POST", "/webhooks/x", raw,
                        {"x-twitter-webhooks-signature": x_signature(X_SECRET.encode(), raw)})
    assert x.status == 200 and (x.json()["written"], x.json()["agency_replies"]) == (1, 1)

    replies = {k: (v, h) for k, v, h in harness.read_all("comments.agency_replies")}
    incoming = {k for k, _, _ in harness.read_all("comments.incoming")}
    assert incoming == {"facebook:777_901", "instagram:17865799348089039", "x:1859000000000000101"}
    assert set(replies) == {"facebook:777_905", "instagram:17865799348089050",
                            "x:1859000000000000201"}
    parents = {k: (v["schema"], v["parent_id"], v["account_id"]) for k, (v, _) in replies.items()}
    assert parents == {
        "facebook:777_905": ("civicmod.comment/1", "facebook:777_901", "page:city-of-example"),
        "instagram:17865799348089050": ("civicmod.comment/1", "instagram:17865799348089039",
                                        "ig:cityofexample"),
        "x:1859000000000000201": ("civicmod.comment/1", "x:1859000000000000101",
                                  "x:examplecouncil")}
    fb_reply, headers = replies["facebook:777_905"]
    assert fb_reply["thread_id"] == f"facebook:{PAGE}_777" and fb_reply["author"]["id"] == PAGE
    assert headers["civicmod-source"] == "gateway:facebook" and headers["civicmod-verb"] == "add"
    assert replies["x:1859000000000000201"][0]["text"] == "The library opens at 9 on Saturdays"
    metrics = harness.metrics()
    for platform in ("facebook", "instagram", "x"):
        assert (f'civicmod_gateway_events_total{{outcome="agency_reply",platform="{platform}"}} 1.0'
                in metrics), metrics
