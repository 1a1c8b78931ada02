"""One URL-safety rule for every output, and Atom that stays XML whatever a title holds
(issue 16). Each output gets the same hostile paper."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pytest

from paperbell.matching import Highlights
from paperbell.models import Paper, Subscriber
from paperbell.services.feeds import FeedItem
from paperbell.services.preview import Preview, PreviewHit
from paperbell.urls import safe_url
from paperbell.web import feeds, pages
from paperbell.webhooks.payloads import build_payload, generic_payload

UNSAFE = ["javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)",
          "data:text/html,<script>x</script>", "vbscript:msgbox(1)", "java\tscript:x",
          "https://ok.example/\"onmouseover=x", "//evil.example/x", "/relative"]
SUBSCRIBER = Subscriber(id="sub_1", email="a@example.org", queries=("RoPE",))


def paper(url: str, title: str = "RoPE scaling") -> Paper:
    return Paper(id="2403.00071", title=title, abstract="RoPE abstract", url=url,
                 authors=("Ada",), published=datetime(2026, 11, 20, tzinfo=UTC))


def outputs(p: Paper) -> dict[str, str]:
    """Every place a paper's link can reach, as text."""
    hit = PreviewHit(p, ("RoPE",), Highlights())
    preview = Preview(("RoPE",), 7, 1, [hit])
    items = [FeedItem(p, "")]
    return {
        "preview page": pages.preview_fragment(preview, None),
        "preview json": json.dumps(preview.as_json()),
        "atom": feeds.atom(SUBSCRIBER, items, "https://p.example/feed/t"),
        "json feed": json.dumps(feeds.json_feed(items, "https://p.example/feed/t")),
        "generic webhook": json.dumps(generic_payload("sub_1", [(p, ("RoPE",), {})], "2026-11-28")),
        "slack webhook": json.dumps(build_payload("slack", "sub_1", [(p, ("RoPE",), {})],
                                                  "2026-11-28")),
        "discord webhook": json.dumps(build_payload("discord", "sub_1", [(p, ("RoPE",), {})],
                                                    "2026-11-28")),
    }


@pytest.mark.parametrize("url", UNSAFE)
def test_no_output_carries_an_unsafe_link(url):
    assert safe_url(url) is None
    for where, text in outputs(paper(url)).items():
        lowered = text.lower()
        for needle in ("javascript:", "vbscript:", "data:text", "onmouseover", "evil.example",
                       "/relative", "java\\tscript"):
            assert needle not in lowered, (where, needle)


def test_a_safe_link_reaches_every_output():
    url = "https://arxiv.org/abs/2403.00071"
    for where, text in outputs(paper(url)).items():
        assert url in text, where


@pytest.mark.parametrize("title", ["RoPE\x01 scaling", "RoPE\x1b[31m", "bad \ud800 half",
                                   "nul\x00", "\ufffe\uffff end", "vertical\x0btab"])
def test_a_control_character_in_a_title_leaves_the_atom_feed_valid_xml(title):
    text = feeds.atom(SUBSCRIBER, [FeedItem(paper("https://a.example/x", title), "")],
                      "https://p.example/feed/t")
    root = ET.fromstring(text.encode("utf-8"))  # raises on anything XML 1.0 forbids
    entry_title = root.find("{http://www.w3.org/2005/Atom}entry/{http://www.w3.org/2005/Atom}title")
    assert entry_title is not None and entry_title.text


def test_the_subscribe_page_names_its_feeds_and_puts_the_preview_above_the_button():
    html = pages.subscribe_page(sources=("hf:daily", "arxiv:cs.LG"))
    assert "Searched feeds: <code>hf:daily</code>, <code>arxiv:cs.LG</code>." in html
    form = html.split('<form method="post" action="subscriptions"')[1].split("</form>")[0]
    # on a phone the live preview of keyword queries must be in sight where they are sent
    assert form.index('id="preview"') < form.index("Subscribe with these choices</button>")
    assert form.index('id="preview"') > form.index('name="queries"')
