"""The confirmation mail (title, a long link that wraps on a phone, the note about an
ignored second request) and the digest's List-Unsubscribe without a dead mailto."""

from __future__ import annotations

import email
import email.policy
from dataclasses import replace

import lxml.html

from paperbell.config import Settings
from paperbell.delivery import subscription_mail
from paperbell.delivery.mime import list_unsubscribe_headers
from paperbell.models import PaperText, Subscriber

CONFIG = Settings(sender_address="papers@paperbell.example.org",
                  site_url="https://paperbell.example.org")
LONG = "https://paperbell.example.org/confirm?token=confirm." + "x" * 180
ROPE = Subscriber(id="s1", email="a@example.org", queries=("RoPE",), status="pending")


def _plain(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def _html(message) -> str:
    parsed = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
    return parsed.get_body(preferencelist=("html",)).get_content()


def test_the_confirmation_mail_has_a_title_and_a_link_that_wraps():
    html = _html(subscription_mail.confirmation_mail(CONFIG, "a@example.org", LONG, ROPE))
    doc = lxml.html.fromstring(html)
    assert doc.findtext(".//title") == "Confirm your paperbell subscription"
    (shown,) = [p for p in doc.iter("p") if "Or open" in p.text_content()]
    style = shown.get("style", "")
    assert "overflow-wrap:anywhere" in style and "word-break:break-all" in style
    assert doc.xpath("//meta[@name='viewport']")


def test_a_later_request_for_a_pending_address_is_named_not_silently_applied():
    plain = _plain(subscription_mail.confirmation_mail(
        CONFIG, "a@example.org", LONG, ROPE, later_request_ignored=True
    ))
    assert "papers matching these queries: RoPE to this address" in plain
    assert "A later request asked for other papers" in plain


def test_a_sign_up_without_queries_says_what_it_asked_for():
    """Trending- and likes-only sign-ups have no queries: the mail names what they get
    instead of "papers matching these queries: ."."""
    trending = replace(ROPE, queries=(), trending_top=5, trending_filter="diffusion")
    liker = replace(ROPE, queries=(), likes=(PaperText("2402.04177", "A"),
                                              PaperText("2401.00001", "B")))
    both = replace(liker, queries=("RoPE",), trending_top=10)
    texts = [_plain(subscription_mail.confirmation_mail(CONFIG, "a@example.org", LONG, s))
             for s in (trending, liker, both)]
    assert "send the top 5 trending papers of the day (narrowed to: diffusion) to this" in (
        " ".join(texts[0].split()))
    assert "send new papers like the 2 you liked to this address" in " ".join(texts[1].split())
    assert ("the top 10 trending papers of the day, papers matching these queries: RoPE "
            "and new papers like the 2 you liked") in " ".join(texts[2].split())
    assert all("queries: ." not in text for text in texts)


def test_digests_offer_no_mailto_unsubscribe(make_digest):
    from paperbell.services.digests import mail_settings

    settings = mail_settings(CONFIG)
    assert settings.unsubscribe_mailto is None
    digest = make_digest([])
    digest = replace(digest, links=replace(digest.links,
                                           unsubscribe_url="https://p.example/unsubscribe?t=1"))
    headers = list_unsubscribe_headers(digest, settings)
    assert headers["List-Unsubscribe"] == "<https://p.example/unsubscribe?t=1>"
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
