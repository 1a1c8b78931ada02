"""Issue 16: a suppression (hard bounce or complaint) cannot be undone by anyone but the
operator; GET /confirm confirms nothing; a pending sign-up is not replaced; an
unsubscribe token grants nothing more, and the manage page hands out no unsubscribe
token."""

from __future__ import annotations

import json

import pytest

from paperbell.tokens import make_token
from paperbell_dev.cli import main

ADA = "ada@example.org"


def feedback(api, kind: str, address: str = ADA) -> dict:
    event = api.pipeline.event("feedback.json")
    if kind == "Complaint":
        message = {"eventType": "Complaint", "complaint": {
            "complainedRecipients": [{"emailAddress": address}],
            "complaintFeedbackType": "abuse"}}
    else:
        message = json.loads(event["Records"][0]["Sns"]["Message"])
        message["bounce"]["bouncedRecipients"][0]["emailAddress"] = address
    event["Records"][0]["Sns"]["Message"] = json.dumps(message)
    return api.pipeline.invoker.invoke("FeedbackFunction", event)


@pytest.fixture
def active_ada(api, subscribe):
    subscribe()
    api.confirm_from_last_mail()
    assert api.subscriber_item(ADA)["status"] == "active"
    return api.subscriber_id(ADA)


@pytest.mark.parametrize("kind", ["Complaint", "Bounce"])
def test_nothing_a_subscriber_or_a_stranger_does_lifts_a_suppression(api, subscribe,
                                                                      active_ada, kind):
    assert feedback(api, kind)["suppressed"] == 1
    item = api.subscriber_item(ADA)
    assert item["status"] == "suppressed"
    assert item["suppressed_reason"] == ("complaint" if kind == "Complaint" else "bounce")
    mails_before = len(api.mails())
    key = api.key()

    # a stranger signs the address up again (another day's allowance: a new mailbox spelling
    # would not help either, the suppression is checked first)
    assert subscribe(ip="198.51.100.77").status == 202
    # one-click unsubscribe, then resume on the manage page
    unsub = make_token(key, "unsubscribe", active_ada)
    assert api.post("/unsubscribe", query={"token": unsub},
                    body=b"List-Unsubscribe=One-Click").status == 200
    manage = make_token(key, "manage", active_ada)
    resumed = api.post("/manage", query={"token": manage}, form={"action": "resume"})
    assert resumed.status == 409
    page = api.get("/manage", query={"token": manage})
    assert "value=\"resume\"" not in page.text and "stopped for good" in page.text
    assert api.subscriber_item(ADA)["status"] == "suppressed"

    # delete my data, then sign up again: the suppression record stays
    assert api.post("/manage", query={"token": manage}, form={"action": "delete"}).status == 200
    left = api.subscriber_item(ADA)
    assert left["status"] == "suppressed" and left["queries"] == []
    assert set(left) <= {"subscriber_id", "email", "status", "suppressed_reason",
                         "suppressed_at", "queries"}
    assert subscribe(ip="198.51.100.78").status == 202
    assert api.subscriber_item(ADA)["status"] == "suppressed"
    assert len(api.mails()) == mails_before  # nobody mailed the address again


def test_only_the_operator_lifts_a_suppression(api, subscribe, active_ada, capsys,
                                               monkeypatch):
    from paperbell.config import Settings
    from paperbell_dev import operator_cli
    from paperbell_dev.operator_cli import Target

    feedback(api, "Complaint")
    tables = {name: api.pipeline.table_name(logical) for name, logical in (
        ("papers_table", "PapersTable"), ("subscribers_table", "SubscribersTable"),
        ("deliveries_table", "DeliveriesTable"))}
    target = Target("the test stack", Settings(**tables))
    monkeypatch.setattr(operator_cli, "connect", lambda args: target)
    with pytest.raises(SystemExit):  # --reason is required (argparse usage error)
        main(["subscribers", "unsuppress", ADA])
    capsys.readouterr()
    assert main(["subscribers", "unsuppress", ADA, "--reason", "confirmed by phone"]) == 0
    assert "unsuppressed" in capsys.readouterr().out
    item = api.subscriber_item(ADA)
    assert item["status"] == "unsubscribed" and item["unsuppressed_reason"] == "confirmed by phone"
    assert main(["subscribers", "unsuppress", ADA, "--reason", "again"]) == 1  # not suppressed
    # and now the person may sign up again, with double opt-in
    before = len(api.mails())
    monkeypatch.setattr("paperbell.services.rate_limits.RateLimiter.claim_daily_mail",
                        lambda self, email, now=None: True)
    assert subscribe(ip="198.51.100.79").status == 202
    assert api.subscriber_item(ADA)["status"] == "pending" and len(api.mails()) == before + 1


def test_a_pending_sign_up_is_not_replaced_by_a_second_one(api, subscribe):
    assert subscribe(queries="RoPE").status == 202
    assert subscribe(queries="something else\nentirely", hour="3",
                     ip="198.51.100.80").status == 202
    item = api.subscriber_item(ADA)
    assert item["status"] == "pending"
    assert item["queries"] == ["RoPE"] and item["delivery_hour"] == 9
    confirmed = api.confirm_from_last_mail()
    assert confirmed.status == 200 and api.subscriber_item(ADA)["queries"] == ["RoPE"]


def test_get_confirm_changes_nothing_and_post_confirms(api, subscribe):
    subscribe()
    link = next(u for u in api.links_in_last_mail() if "/confirm?token=" in u)
    for _ in range(3):  # a link scanner, a preview pane, the person
        assert api.follow(link).status == 200
    assert api.subscriber_item(ADA)["status"] == "pending"
    assert api.follow(link, method="POST").status == 200
    assert api.subscriber_item(ADA)["status"] == "active"


def test_an_unsubscribe_token_grants_nothing_more(api, active_ada):
    unsub = make_token(api.key(), "unsubscribe", active_ada)
    done = api.post("/unsubscribe", query={"token": unsub}, body=b"List-Unsubscribe=One-Click")
    assert done.status == 200 and "You are unsubscribed" in done.text
    assert "token=" not in done.text and "/feed/" not in done.text  # no fresh links
    again = api.get("/unsubscribe", query={"token": unsub})
    assert again.status == 200 and "<button" not in again.text  # nothing left to stop
    for path in ("/manage", "/confirm"):
        assert api.get(path, query={"token": unsub}).status == 403
    assert api.get(f"/feed/{unsub}").status == 403


def test_the_manage_page_hands_out_no_unsubscribe_or_manage_token(api, active_ada):
    manage = make_token(api.key(), "manage", active_ada)
    page = api.get("/manage", query={"token": manage})
    tokens = {part.split('"')[0].split("&")[0] for part in page.text.split("token=")[1:]}
    assert tokens == {manage}  # the page only reuses its own token in its forms
    assert "/unsubscribe?" not in page.text
    left = api.post("/manage", query={"token": manage}, form={"action": "unsubscribe"})
    assert left.status == 200 and api.subscriber_item(ADA)["status"] == "unsubscribed"
    assert 'value="unsubscribe"' not in left.text and 'value="resume"' in left.text


def test_the_feed_link_can_be_replaced_so_a_leaked_one_stops_working(api, active_ada):
    import re

    manage = make_token(api.key(), "manage", active_ada)
    older = make_token(api.key(), "feed", active_ada)  # a link from before feed epochs
    page = api.get("/manage", query={"token": manage})
    (current,) = re.findall(r'id="feed-link" href="[^"]*/feed/([^"]+)"', page.text)
    assert api.get(f"/feed/{older}").status == 200 and api.get(f"/feed/{current}").status == 200

    replaced = api.post("/manage", query={"token": manage}, form={"action": "replace_feed"})

    assert replaced.status == 200 and "no longer works" in replaced.text
    (new,) = re.findall(r'id="feed-link" href="[^"]*/feed/([^"]+)"', replaced.text)
    assert new != current
    for old in (older, current):
        gone = api.get(f"/feed/{old}")
        assert gone.status == 403 and "replaced" in gone.text
    assert api.get(f"/feed/{new}").status == 200
