"""Subscribe page, preview, double opt-in and the limits against mail-bombing."""

from __future__ import annotations

import time

from paperbell import aws
from paperbell.storage.subscribers import SubscriberRepository

ADA = "ada@example.org"  # subscriber_item() finds it by its keyed id


def test_the_subscribe_page_is_an_accessible_form(api):
    reply = api.get("/")

    assert reply.status == 200
    assert reply.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in reply.headers["content-security-policy"]
    for name in ("email", "queries", "hour", "timezone"):
        assert f'<label for="{name}">' in reply.text
        assert f'id="{name}"' in reply.text
    assert 'method="post" action="subscriptions"' in reply.text
    assert 'aria-live="polite"' in reply.text
    assert api.get("/app.js").status == 200
    assert "resolvedOptions().timeZone" in api.get("/app.js").text


def test_the_sample_event_renders_the_page(api):
    result = api.pipeline.invoker.invoke("ApiFunction", api.pipeline.event("api.json"))
    assert result["statusCode"] == 200
    assert "Get trending papers in your email inbox once a day" in result["body"]


def test_preview_shows_matching_papers_with_highlights(api):
    html = api.get("/preview", query={"q": "RoPE"})
    assert html.status == 200
    assert "<mark>RoPE</mark>" in html.text

    data = api.get("/preview", query={"q": "RoPE", "format": "json"}).json()
    assert data["count"] >= 1
    paper = data["papers"][0]
    start, end = paper["highlights"]["title"][0]
    assert paper["title"][start:end] == "RoPE"
    assert paper["queries"] == ["RoPE"]

    by_accept = api.get("/preview", query={"q": "RoPE"}, headers={"accept": "application/json"})
    assert by_accept.json()["count"] == data["count"]

    fragment = api.get("/preview", query={"q": "RoPE", "format": "fragment"})
    assert fragment.text.startswith("<p")
    assert "<html" not in fragment.text


def test_preview_of_several_queries_and_of_nothing(api):
    both = api.get("/preview", query={"q": ["RoPE", "lottery tickets"], "format": "json"}).json()
    assert both["queries"] == ["RoPE", "lottery tickets"]
    none = api.get("/preview", query={"q": "zzzunmatchable", "format": "json"}).json()
    assert none["count"] == 0


def test_preview_shows_the_positioned_error_of_a_bad_query(api):
    reply = api.get("/preview", query={"q": "transformer titel:rope", "format": "json"})

    assert reply.status == 400
    error = reply.json()
    assert error["field"] == "queries"
    assert error["position"] == 12
    assert "did you mean 'title'" in error["message"]

    html = api.get("/preview", query={"q": "(unbalanced"})
    assert html.status == 400
    assert 'role="alert"' in html.text
    assert "^" in html.text


def test_subscribe_creates_a_pending_subscriber_and_mails_a_confirmation(api, subscribe):
    reply = subscribe()

    assert reply.status == 202
    assert "check your inbox" in reply.text.lower()
    item = api.subscriber_item(ADA)
    assert item["status"] == "pending"
    assert item["queries"] == ["RoPE", "lottery tickets"]
    assert item["delivery_hour"] == 9 and item["timezone"] == "Europe/Berlin"
    assert int(item["expires_at"]) > time.time() + 2 * 24 * 3600  # unconfirmed ones expire
    mails = api.mails()
    assert len(mails) == 1
    assert mails[0]["To"] == "ada@example.org"
    assert mails[0].get_body(preferencelist=("html",)) is not None
    confirm = next(u for u in api.links_in_last_mail() if "/confirm?token=" in u)
    opened = api.follow(confirm)  # what a link scanner does: it must change nothing
    assert opened.status == 200 and api.subscriber_item(ADA)["status"] == "pending"
    assert "RoPE" in opened.text and 'method="post"' in opened.text

    confirmed = api.follow(confirm, method="POST")

    assert confirmed.status == 200
    item = api.subscriber_item(ADA)
    assert item["status"] == "active"
    assert "expires_at" not in item
    assert "/manage?token=" in confirmed.text and "/feed/" in confirmed.text
    # an active subscriber is in the match index
    active = list(SubscriberRepository(api.pipeline.table_name("SubscribersTable")).iter_active())
    assert [s.id for s in active] == [api.subscriber_id(ADA)]


def test_subscribe_accepts_json(api):
    reply = api.post(
        "/subscriptions",
        json_body={"email": "grace@example.org", "queries": ["RoPE"], "hour": 7,
                   "timezone": "UTC", "mode": "instant"},
    )
    assert reply.status == 202
    assert reply.json()["status"] == "pending"
    item = api.subscriber_item("grace@example.org")
    assert item["mode"] == "instant" and item["delivery_hour"] == 7


def test_the_answer_is_the_same_for_known_and_new_addresses(api, subscribe):
    first = subscribe()
    api.confirm_from_last_mail()
    again = subscribe(queries="something else entirely")
    new = subscribe("new@example.org")

    assert first.status == again.status == new.status == 202
    assert first.text == again.text == new.text
    # a confirmed subscription is never changed by someone who knows the address
    assert api.subscriber_item(ADA)["queries"] == ["RoPE", "lottery tickets"]
    assert api.subscriber_item(ADA)["status"] == "active"


def test_at_most_one_mail_per_address_per_day(api, subscribe):
    for _ in range(3):
        assert subscribe().status == 202

    assert len(api.mails()) == 1


def test_a_source_ip_is_limited_per_hour(api, subscribe):
    statuses = [subscribe(f"user{n}@example.org", ip="198.51.100.9").status for n in range(21)]

    assert statuses[:20] == [202] * 20
    assert statuses[20] == 429
    assert subscribe("other@example.org", ip="198.51.100.10").status == 202
    # the counters share the subscribers table but never look like subscribers
    repo = SubscriberRepository(api.pipeline.table_name("SubscribersTable"))
    assert all(s.id.startswith("sub_") for s in repo.iter_all())
    counters = aws.table(api.pipeline.table_name("SubscribersTable")).scan()["Items"]
    assert all("expires_at" in i for i in counters if i["subscriber_id"].startswith("ratelimit#"))


def test_invalid_input_is_refused_with_a_clear_message(api, subscribe):
    bad_mail = subscribe("not-an-address")
    assert bad_mail.status == 400
    assert 'aria-invalid="true"' in bad_mail.text
    assert "not valid" in bad_mail.text
    assert 'value="not-an-address"' in bad_mail.text  # the form keeps what was typed

    cases = [
        ({"email": "a@example.org", "queries": []}, "queries", None),
        ({"email": "a@example.org", "queries": ["ok", "titel:x"]}, "queries", 0),
        ({"email": "a@example.org", "queries": ["ok"], "hour": 24}, "hour", None),
        ({"email": "a@example.org", "queries": ["ok"], "timezone": "Mars/Base"}, "timezone", None),
        ({"email": "a@example.org", "queries": ["ok"], "mode": "hourly"}, "mode", None),
        ({"email": "a@@example.org", "queries": ["ok"]}, "email", None),
    ]
    for body, field, position in cases:
        reply = api.post("/subscriptions", json_body=body)
        assert reply.status == 400, body
        error = reply.json()
        assert error["field"] == field
        if position is not None:
            assert error["position"] == position and error["index"] == 1
    assert api.mails() == []


def test_unknown_paths_are_404(api):
    assert api.get("/nope").status == 404
    assert api.get("/api/nope").json()["error"] == "not_found"
