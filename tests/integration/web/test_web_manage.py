"""Manage, pause, delete, unsubscribe (RFC 8058), feeds, webhooks and token checks."""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET

import pytest

from paperbell import aws
from paperbell.models import PendingMatch
from paperbell.storage.deliveries import DeliveryRepository, LedgerEntry
from paperbell.tokens import make_token

PUBLIC_HOOK = "https://93.184.215.14/hooks/paperbell"  # a literal public IP: no DNS in tests


@pytest.fixture
def ada(api, subscribe):
    subscribe()
    api.confirm_from_last_mail()
    return api.subscriber_id("ada@example.org")


def token(api, purpose, subscriber_id=None, **kwargs):
    subscriber_id = subscriber_id or api.subscriber_id("ada@example.org")
    return make_token(api.key(), purpose, subscriber_id, **kwargs)


def test_manage_page_edits_hour_queries_timezone_and_mode(api, ada):
    manage = token(api, "manage")
    page = api.get("/manage", query={"token": manage})
    assert page.status == 200
    assert "RoPE\nlottery tickets</textarea>" in page.text
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["cache-control"] == "no-store"

    saved = api.post(
        "/manage",
        query={"token": manage},
        form={"action": "save", "queries": "title:RoPE", "hour": "17",
              "timezone": "America/New_York", "mode": "instant"},
    )

    assert saved.status == 200
    assert "Saved." in saved.text
    item = api.subscriber_item(ada)
    assert item["queries"] == ["title:RoPE"]
    assert item["delivery_hour"] == 17
    assert item["timezone"] == "America/New_York"
    assert item["mode"] == "instant"
    assert item["status"] == "active"


def test_manage_refuses_a_bad_query_and_changes_nothing(api, ada):
    reply = api.post("/manage", query={"token": token(api, "manage")},
                     form={"action": "save", "queries": "RoPE OR", "hour": "3"})
    assert reply.status == 400
    assert 'role="alert"' in reply.text
    assert api.subscriber_item(ada)["delivery_hour"] == 9


def test_pause_and_resume(api, ada):
    manage = {"token": token(api, "manage")}
    paused = api.post("/manage", query=manage, form={"action": "pause"})
    assert paused.status == 200
    assert api.subscriber_item(ada)["status"] == "paused"
    assert 'value="resume"' in paused.text

    api.post("/manage", query=manage, form={"action": "resume"})
    assert api.subscriber_item(ada)["status"] == "active"

    as_json = api.get("/manage", query={**manage, "format": "json"}).json()
    assert as_json["status"] == "active" and as_json["hour"] == 9


def test_delete_removes_every_personal_item(api, ada):
    deliveries = DeliveryRepository(api.pipeline.table_name("DeliveriesTable"))
    deliveries.record_match(PendingMatch(ada, "2403.00071", ("RoPE",)), due_slot="2026-11-28T08",
                            expires_at=0)
    deliveries.record_ledger(LedgerEntry(ada, "digest#2026-11-27", "sent", "m-1", ("2502.08441",)),
                             expires_at=0)

    reply = api.post("/manage", query={"token": token(api, "manage")}, form={"action": "delete"})

    assert reply.status == 200
    assert api.subscriber_item(ada) is None
    table = aws.table(api.pipeline.table_name("DeliveriesTable"))
    assert [i for i in table.scan()["Items"] if i["subscriber_id"] == ada] == []
    # the link now points at nothing
    assert api.get("/manage", query={"token": token(api, "manage")}).status == 404


def test_unsubscribe_page_has_one_button_and_changes_nothing(api, ada):
    page = api.get("/unsubscribe", query={"token": token(api, "unsubscribe")})
    assert page.status == 200
    assert page.text.count("<button") == 1
    assert api.subscriber_item(ada)["status"] == "active"


def test_one_click_unsubscribe_rfc8058(api, ada):
    reply = api.post(
        "/unsubscribe",
        query={"token": token(api, "unsubscribe")},
        body=b"List-Unsubscribe=One-Click",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert reply.status == 200
    assert api.subscriber_item(ada)["status"] == "unsubscribed"
    # idempotent, and the item disappears from the match index
    again = api.post("/unsubscribe", query={"token": token(api, "unsubscribe")},
                     body=b"List-Unsubscribe=One-Click")
    assert again.status == 200


def test_digest_links_work_with_the_api(api, ada):
    """The mail service signs the same links the API verifies."""
    from paperbell.secrets import token_key
    from paperbell_dev.local.runtime import function_environment

    with function_environment(api.pipeline.stack.function_environment("MailFunction")):
        key = token_key()
    assert key == api.key()


def _every_token_route(api, value):
    return [
        api.get("/confirm", query={"token": value}),
        api.post("/confirm", query={"token": value}),
        api.get("/manage", query={"token": value}),
        api.post("/manage", query={"token": value}, form={"action": "pause"}),
        api.get("/unsubscribe", query={"token": value}),
        api.post("/unsubscribe", query={"token": value}, body=b"List-Unsubscribe=One-Click"),
        api.get(f"/feed/{value}"),
    ]


@pytest.mark.parametrize("kind", ["forged", "expired", "wrong-purpose", "garbage"])
def test_bad_tokens_are_refused_by_every_endpoint(api, ada, kind):
    good = token(api, "manage")
    if kind == "forged":
        value = make_token(b"some-other-key", "manage", ada)
    elif kind == "expired":
        value = make_token(api.key(), "manage", ada, now=time.time() - 40 * 24 * 3600)
    elif kind == "wrong-purpose":
        value = token(api, "feed")  # valid signature, valid subscriber, wrong purpose
    else:
        value = good[:-3] + "xyz"
    for reply in _every_token_route(api, value):
        if kind == "wrong-purpose" and reply.text.startswith("<?xml"):
            continue  # a feed token is, rightly, good for /feed
        assert reply.status == 403, (kind, reply.text[:200])
    assert api.subscriber_item(ada)["status"] == "active"


def test_a_missing_token_is_a_400(api):
    assert api.get("/manage").status == 400
    assert api.post("/unsubscribe").status == 400


def test_a_token_only_reaches_its_own_subscriber(api, ada, subscribe):
    subscribe("bob@example.org")
    bob = api.subscriber_id("bob@example.org")
    api.post("/unsubscribe", query={"token": token(api, "unsubscribe", bob)})
    assert api.subscriber_item(ada)["status"] == "active"
    assert api.subscriber_item(bob)["status"] == "unsubscribed"


def test_feed_lists_pending_and_delivered_matches(api, ada):
    deliveries = DeliveryRepository(api.pipeline.table_name("DeliveriesTable"))
    deliveries.record_match(PendingMatch(ada, "2403.00071", ("RoPE",)), due_slot="2026-11-28T08",
                            expires_at=0)
    deliveries.record_ledger(
        LedgerEntry(ada, "digest#2026-11-27", "sent", "m-1", ("2502.08441", "missing-paper")),
        expires_at=0,
    )
    feed_token = token(api, "feed")

    atom = api.get(f"/feed/{feed_token}")

    assert atom.status == 200
    assert atom.headers["content-type"].startswith("application/atom+xml")
    root = ET.fromstring(atom.text.encode())
    ns = {"a": "http://www.w3.org/2005/Atom"}
    ids = [e.findtext("a:id", namespaces=ns) for e in root.findall("a:entry", ns)]
    assert ids == ["urn:paperbell:paper:2403.00071", "urn:paperbell:paper:2502.08441"]

    import feedparser

    parsed = feedparser.parse(atom.text)
    assert not parsed.bozo
    assert len(parsed.entries) == 2

    as_json = api.get(f"/feed/{feed_token}", query={"format": "json"}).json()
    assert as_json["version"] == "https://jsonfeed.org/version/1.1"
    assert [i["_paperbell"]["digest_date"] for i in as_json["items"]] == [None, "2026-11-27"]


def test_webhook_lifecycle(api, monkeypatch):
    created = api.post("/api/webhooks", json_body={"url": PUBLIC_HOOK, "queries": ["RoPE"]})

    assert created.status == 201
    body = created.json()
    assert body["secret"].startswith("whsec_")
    assert body["mode"] == "instant"
    hook_id = body["id"]
    item = api.subscriber_item(hook_id)
    assert item["webhook_url"] == PUBLIC_HOOK
    assert item["webhook_secret"] == body["secret"]
    assert item["status"] == "active"
    assert "email" not in item
    auth = {"authorization": f"Bearer {body['manage_token']}"}

    rotated = api.post(f"/api/webhooks/{hook_id}/rotate", headers=auth)
    assert rotated.status == 200
    assert rotated.json()["secret"] != body["secret"]
    assert api.subscriber_item(hook_id)["webhook_secret"] == rotated.json()["secret"]

    other = api.post("/api/webhooks", json_body={"url": PUBLIC_HOOK, "queries": ["x*y"]})
    assert other.status == 400  # prefix too short: the query error, not a webhook
    second = api.post("/api/webhooks", json_body={"url": PUBLIC_HOOK, "queries": ["LoRA"]}).json()
    foreign = {"authorization": f"Bearer {second['manage_token']}"}
    assert api.post(f"/api/webhooks/{hook_id}/rotate", headers=foreign).status == 403
    assert api.call("DELETE", f"/api/webhooks/{hook_id}", headers=foreign).status == 403
    assert api.post(f"/api/webhooks/{hook_id}/rotate").status == 401
    forged = {"authorization": "Bearer " + make_token(b"nope", "manage", hook_id, ttl=None)}
    assert api.post(f"/api/webhooks/{hook_id}/rotate", headers=forged).status == 403

    deleted = api.call("DELETE", f"/api/webhooks/{hook_id}", headers=auth)
    assert deleted.status == 204
    assert api.subscriber_item(hook_id) is None
    assert api.post(f"/api/webhooks/{hook_id}/rotate", headers=auth).status == 404


@pytest.mark.parametrize(
    "url",
    ["http://93.184.215.14/hook", "https://127.0.0.1/hook", "https://10.0.0.1/x",
     "https://169.254.169.254/latest/meta-data", "ftp://93.184.215.14/", "not a url", ""],
)
def test_unsafe_webhook_urls_are_refused(api, url):
    reply = api.post("/api/webhooks", json_body={"url": url, "queries": ["RoPE"]})
    assert reply.status == 400
    assert reply.json()["field"] == "url"


def test_local_mode_allows_loopback_http_webhooks(api, monkeypatch):
    monkeypatch.setenv("PAPERBELL_LOCAL_MODE", "1")
    reply = api.post("/api/webhooks",
                     json_body={"url": "http://127.0.0.1:9/hook", "queries": ["RoPE"]})
    assert reply.status == 201
