"""The MIME message: parts, headers, one-click unsubscribe and header injection."""

from __future__ import annotations

import email.policy
from dataclasses import replace
from datetime import UTC, datetime

import lxml.html
import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from rendering_support import DIGEST_DATE, entry_for, parse, parts

from paperbell.delivery.digest_model import (
    Digest,
    DigestEntry,
    MailSettings,
    SubscriberLinks,
    digest_subject,
)
from paperbell.delivery.mime import build_digest_message
from paperbell.errors import ConfigError, DeliveryError
from paperbell.models import Paper, Subscriber

NOW = datetime(2026, 5, 8, 7, 30, tzinfo=UTC)


@pytest.fixture
def digest(seed_papers, hf_papers, make_digest) -> Digest:
    entries = [entry_for(p, "downstream") for p in seed_papers if "ownstream" in p.abstract]
    entries += [entry_for(seed_papers[0], "lottery tickets"), entry_for(hf_papers[0], "agentic")]
    return make_digest(entries)


def test_multipart_alternative_with_text_then_html(digest, settings):
    msg = parse(build_digest_message(digest, settings, now=NOW))
    assert msg.get_content_type() == "multipart/alternative"
    text_part, html_part = msg.iter_parts()
    assert text_part.get_content_type() == "text/plain"
    assert html_part.get_content_type() == "text/html"
    for part in (text_part, html_part):
        assert part.get_content_charset() == "utf-8"
    text, html = parts(msg)
    assert "▲ 100" in text and "*downstream*" in text
    doc = lxml.html.document_fromstring(html)
    assert len(doc.xpath("//h2")) == len(digest.ranked())


def test_serialized_with_crlf_and_short_lines(digest, settings):
    raw = build_digest_message(digest, settings, now=NOW).as_bytes()
    lines = raw.split(b"\r\n")
    assert b"\n" not in b"".join(lines)
    assert max(len(line) for line in lines) <= 998
    assert raw.isascii()


def test_headers(digest, settings):
    msg = parse(
        build_digest_message(digest, settings, message_id_domain="mail.example.net", now=NOW)
    )
    assert msg["Subject"] == digest_subject(digest)
    assert msg["Subject"].startswith(f"{len(digest.ranked())} new papers: downstream, ")
    assert msg["From"].addresses[0].display_name == "paperbell"
    assert msg["From"].addresses[0].addr_spec == "digest@paperbell.example.org"
    assert msg["To"] == "ada@example.com"
    assert msg["Reply-To"] == "help@paperbell.example.org"
    assert msg["Message-ID"].startswith("<") and msg["Message-ID"].endswith("@mail.example.net>")
    assert msg["Date"].datetime == NOW
    assert msg["X-SES-CONFIGURATION-SET"] == "paperbell-digests"
    assert msg["X-Paperbell-Digest"] == "sub-1/2026-05-08"
    assert msg["MIME-Version"] == "1.0"


def test_message_id_defaults_to_the_senders_domain_and_is_unique(digest, settings):
    first = build_digest_message(digest, settings)["Message-ID"]
    second = build_digest_message(digest, settings)["Message-ID"]
    assert first.endswith("@paperbell.example.org>") and first != second


def test_one_click_unsubscribe_headers_are_not_encoded(digest, settings):
    long_token = "tok_" + "x" * 150
    links = replace(
        digest.links, unsubscribe_url=f"https://api.paperbell.example.org/u?t={long_token}"
    )
    msg = build_digest_message(replace(digest, links=links), settings, now=NOW)
    raw = msg.as_bytes()
    assert f"<https://api.paperbell.example.org/u?t={long_token}>".encode() in raw
    assert b"=?utf-8?" not in raw.split(b"\r\n\r\n", 1)[0]
    parsed = parse(msg)
    assert parsed["List-Unsubscribe"] == (
        f"<https://api.paperbell.example.org/u?t={long_token}>, "
        "<mailto:unsubscribe@paperbell.example.org?subject=unsubscribe>"
    )
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_optional_headers_are_left_out(digest):
    bare = MailSettings(sender="digest@paperbell.example.org", sender_name="paperbell")
    msg = parse(build_digest_message(digest, bare, now=NOW))
    assert msg["Reply-To"] is None
    assert msg["X-SES-CONFIGURATION-SET"] is None
    assert msg["List-Unsubscribe"] == f"<{digest.links.unsubscribe_url}>"
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_no_one_click_without_an_https_url(digest, settings):
    links = replace(digest.links, unsubscribe_url="http://paperbell.example.org/u?t=1")
    msg = parse(build_digest_message(replace(digest, links=links), settings, now=NOW))
    assert (
        msg["List-Unsubscribe"] == "<mailto:unsubscribe@paperbell.example.org?subject=unsubscribe>"
    )
    assert msg["List-Unsubscribe-Post"] is None


def test_mailto_setting_may_already_be_a_uri(digest, settings):
    settings = replace(settings, unsubscribe_mailto="mailto:off@paperbell.example.org")
    msg = parse(build_digest_message(digest, settings, now=NOW))
    assert "<mailto:off@paperbell.example.org?subject=unsubscribe>" in msg["List-Unsubscribe"]


def test_display_name_is_encoded(digest, settings):
    settings = replace(settings, sender_name="Pâperbell, «daily» digest")
    msg = build_digest_message(digest, settings, now=NOW)
    raw_headers = msg.as_bytes().split(b"\r\n\r\n", 1)[0]
    assert b"=?utf-8?" in raw_headers
    sender = parse(msg)["From"].addresses[0]
    assert sender.display_name == "Pâperbell, «daily» digest"
    assert sender.addr_spec == "digest@paperbell.example.org"


def test_header_injection_through_feed_queries_and_names_is_impossible(seed_papers, links):
    evil = "rope\r\nBcc: victim@example.com\r\n\r\n<html>"
    sub = Subscriber(id="sub-1\r\nBcc: id@example.com", email="ada@example.com", queries=(evil,))
    paper = replace(
        seed_papers[5],
        title="RoPE\r\nBcc: title@example.com",
        authors=("A\r\nBcc: author@example.com",),
    )
    digest = Digest(sub, [DigestEntry(paper, (evil,), {})], DIGEST_DATE, links)
    settings = MailSettings(
        sender="digest@paperbell.example.org",
        sender_name="paperbell\r\nBcc: name@example.com",
        configuration_set="set\r\nBcc: cs@example.com",
    )
    msg = parse(build_digest_message(digest, settings, now=NOW))
    assert msg["Bcc"] is None
    assert msg.keys().count("Subject") == 1
    assert msg["Subject"] == "1 new paper: rope Bcc: victim@example.com <html>"
    assert msg["X-Paperbell-Digest"] == "sub-1 Bcc: id@example.com/2026-05-08"
    assert msg["From"].addresses[0].addr_spec == "digest@paperbell.example.org"
    text, _html = parts(msg)
    assert "RoPE Bcc: title@example.com" in text


@pytest.mark.parametrize(
    "address", ["ada@example.com\r\nBcc: victim@example.com", "not an address", "a@b@c", "ada", ""]
)
def test_bad_recipient_is_a_permanent_delivery_error(address, digest, settings):
    bad = replace(digest, subscriber=replace(digest.subscriber, email=address))
    with pytest.raises(DeliveryError) as info:
        build_digest_message(bad, settings)
    assert info.value.permanent


def test_bad_sender_or_reply_to_is_a_config_error(digest, settings):
    with pytest.raises(ConfigError):
        build_digest_message(digest, replace(settings, sender="digest\r\n@x.org"))
    with pytest.raises(ConfigError):
        build_digest_message(digest, replace(settings, reply_to="help@x.org, y@z.org>"))


def test_empty_note_message(make_digest, settings):
    msg = parse(build_digest_message(make_digest([], kind="empty-note"), settings, now=NOW))
    assert msg["Subject"] == "Nothing new today"
    text, html = parts(msg)
    assert "Nothing matched your queries today." in text
    assert "Nothing matched your queries today." in html
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_naive_now_is_taken_as_utc(digest, settings):
    msg = parse(build_digest_message(digest, settings, now=datetime(2026, 5, 8, 7, 30)))
    assert msg["Date"].datetime == NOW


LINKS = SubscriberLinks("https://x.org/u", "https://x.org/m", "https://x.org/f")
SETTINGS = MailSettings(sender="digest@paperbell.example.org")


@hsettings(max_examples=60, deadline=None)
@given(
    title=st.text(min_size=1, max_size=80),
    author=st.text(max_size=30),
    query=st.text(min_size=1, max_size=40),
    url=st.text(max_size=40),
)
def test_any_feed_text_stays_text(title, author, query, url):
    paper = Paper(
        id="2605.00001",
        title=title,
        abstract=title + " " + query,
        authors=(author,),
        url=url,
        upvotes=1,
    )
    sub = Subscriber(id="s", email="a@example.com", queries=(query,))
    n = len(title)
    digest = Digest(
        sub,
        [DigestEntry(paper, (query,), {"title": [(0, n)], "abstract": [(0, n)]})],
        DIGEST_DATE,
        LINKS,
    )
    msg = email.message_from_bytes(
        build_digest_message(digest, SETTINGS, now=NOW).as_bytes(), policy=email.policy.default
    )
    assert sorted(msg.keys()) == sorted(
        [
            "Subject",
            "From",
            "To",
            "Date",
            "Message-ID",
            "List-Unsubscribe",
            "List-Unsubscribe-Post",
            "X-Paperbell-Digest",
            "MIME-Version",
            "Content-Type",
        ]
    )
    assert "\n" not in msg["Subject"] and "\r" not in msg["Subject"]
    _, html = parts(msg)
    doc = lxml.html.document_fromstring(html)
    allowed = {
        "html",
        "head",
        "meta",
        "title",
        "style",
        "body",
        "div",
        "table",
        "tr",
        "td",
        "p",
        "h1",
        "h2",
        "a",
        "span",
        "strong",
        "mark",
    }
    assert {el.tag for el in doc.iter() if isinstance(el.tag, str)} <= allowed
    assert all(a.get("href", "").startswith("https://") for a in doc.iter("a"))


def test_unsubscribe_url_with_commas_is_kept_whole(digest, settings):
    url = "https://api.paperbell.example.org/u?t=a,b,c&" + "p=" + "y" * 90
    links = replace(digest.links, unsubscribe_url=url)
    parsed = parse(build_digest_message(replace(digest, links=links), settings, now=NOW))
    assert parsed["List-Unsubscribe"].startswith(f"<{url}>, <mailto:")
