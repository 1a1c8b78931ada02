"""Hostile feed content cannot inject markup into the HTML part or headers into the mail.

Titles, abstracts, author names and queries come from feeds and subscribers; the digest
is built with the real model and MIME builder, serialized, parsed back like a mail client
would, and inspected."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, date, datetime

import lxml.html
import pytest

from paperbell.delivery.digest_model import Digest, DigestEntry, MailSettings, SubscriberLinks
from paperbell.delivery.mime import build_digest_message
from paperbell.models import Paper, Subscriber

HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "</title><svg onload=alert(1)>",
    "RoPE\r\nBcc: victim@example.com",
    "RoPE\nSubject: pwned\n\n<html><script>x()</script>",
    "a\rX-Injected: 1",
    "tab\there\u2028line\u2029para\x85nel",
    "\u202eevil\u202c <a href=javascript:alert(1)>x</a>",
]
SETTINGS = MailSettings(sender="digest@paperbell.example.org",
                        unsubscribe_mailto="unsubscribe@paperbell.example.org",
                        site_url="https://paperbell.example.org/")
LINKS = SubscriberLinks(unsubscribe_url="https://paperbell.example.org/unsubscribe?token=t",
                        manage_url="https://paperbell.example.org/manage?token=t",
                        full_list_url="https://paperbell.example.org/feed/t")
EXPECTED_HEADERS = {"subject", "from", "to", "date", "message-id", "list-unsubscribe",
                    "list-unsubscribe-post", "x-paperbell-digest", "mime-version",
                    "content-type", "content-transfer-encoding", "reply-to",
                    "x-ses-configuration-set"}


def build(hostile: str) -> email.message.EmailMessage:
    paper = Paper(id="2502.08441", title=f"Attention {hostile}", abstract=f"We show {hostile}.",
                  authors=(f"Ada {hostile}", "Grace\r\nBcc: author@example.com"),
                  url="https://arxiv.org/abs/2502.08441", source="arxiv",
                  published=datetime(2026, 5, 7, tzinfo=UTC), upvotes=3)
    subscriber = Subscriber(id="sub_1", email="ada@example.org", queries=(hostile, "attention"))
    digest = Digest(subscriber, [DigestEntry(paper, (hostile, "attention"), {"title": [(0, 9)]})],
                    date(2026, 5, 8), LINKS)
    raw = build_digest_message(digest, SETTINGS, now=datetime(2026, 5, 8, 7, tzinfo=UTC))
    parsed = email.message_from_bytes(raw.as_bytes(), policy=email.policy.default)
    assert isinstance(parsed, email.message.EmailMessage)
    return parsed


@pytest.mark.parametrize("hostile", HOSTILE)
def test_no_header_is_injected_and_every_header_is_one_line(hostile):
    msg = build(hostile)
    assert {k.lower() for k in msg} <= EXPECTED_HEADERS, msg.keys()
    assert msg["Bcc"] is None and msg["X-Injected"] is None
    assert msg.keys().count("Subject") == 1
    for name, value in msg.items():
        assert "\r" not in str(value) and "\n" not in str(value), (name, value)
    assert [a.addr_spec for a in msg["To"].addresses] == ["ada@example.org"]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_html_part_has_no_active_content_and_shows_the_text_escaped(hostile):
    msg = build(hostile)
    html_part = msg.get_body(preferencelist=("html",))
    text_part = msg.get_body(preferencelist=("plain",))
    assert html_part is not None and text_part is not None
    html = html_part.get_content()
    doc = lxml.html.document_fromstring(html)
    assert not doc.xpath("//script | //img | //svg | //iframe | //object | //embed")
    assert not [a for el in doc.iter() if isinstance(el.tag, str)
                for a in el.attrib if a.lower().startswith("on")]
    assert not [h for h in doc.xpath("//a/@href") if not h.startswith(("https:", "mailto:"))]
    shown = doc.text_content()
    assert "Attention" in shown and "<script>" not in html
    if "<script>" in hostile:
        assert "<script>" in shown  # visible as text, not executed
    assert "Bcc: author@example.com" not in html.split("<body", 1)[0]
