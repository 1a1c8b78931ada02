"""Rendering: escaping, highlights, accessibility attributes, feeds, OpenAPI document."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from paperbell.errors import RequestError
from paperbell.models import Paper, Subscriber
from paperbell.services.feeds import FeedItem
from paperbell.web import feeds, pages

ROOT = Path(__file__).resolve().parents[3]


def test_marked_escapes_and_highlights():
    text = "<b>RoPE</b> & friends"
    assert pages.marked(text, [(3, 7)]) == "&lt;b&gt;<mark>RoPE</mark>&lt;/b&gt; &amp; friends"
    assert pages.marked("abc", [(0, 2), (1, 3)]) == "<mark>ab</mark>c"  # overlaps ignored


def test_the_form_escapes_what_was_typed_and_points_at_the_error():
    error = RequestError(400, "invalid_queries", "bad <query>", field="queries", position=3,
                      query="ab <c")
    html = pages.subscribe_page(email='"><script>', values=pages.FormValues(queries="ab <c"),
                                error=error)
    assert "<script>" not in html.replace('<script src="app.js" defer></script>', "")
    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="queries-error queries-hint"' in html
    assert "ab &lt;c\n   ^" in html
    assert 'data-prefill="1"' not in html  # do not overwrite what the user chose


def test_every_input_has_a_label():
    import re

    html = pages.subscribe_page()
    ids = re.findall(r'<(?:input|textarea|select)[^>]* id="([^"]+)"', html)
    for element_id in ids:
        assert f'<label for="{element_id}">' in html, element_id


def _items():
    paper = Paper(id="2403.00071", title="A & B <RoPE>", abstract="abs", authors=("Ada",),
                  url="https://arxiv.org/abs/2403.00071", categories=("cs.LG",),
                  published=datetime(2026, 11, 20, tzinfo=UTC))
    return [FeedItem(paper, ""), FeedItem(Paper(id="x", title="No url"), "2026-11-27")]


def test_atom_is_well_formed_and_valid_enough_for_feed_readers():
    import feedparser

    subscriber = Subscriber(id="sub_1", email="a@example.org", queries=("RoPE",))
    text = feeds.atom(subscriber, _items(), "https://p.example/feed/t",
                      now=datetime(2026, 11, 28, tzinfo=UTC))
    parsed = feedparser.parse(text)
    assert not parsed.bozo
    assert parsed.entries[0].title == "A & B <RoPE>"
    assert parsed.entries[0].link == "https://arxiv.org/abs/2403.00071"
    assert parsed.feed.updated == "2026-11-27T00:00:00Z"


def test_json_feed_shape():
    data = feeds.json_feed(_items(), "https://p.example/feed/t?format=json")
    assert data["items"][0]["url"] == "https://arxiv.org/abs/2403.00071"
    assert data["items"][1]["url"] is None
    json.dumps(data)


def test_openapi_document_is_current():
    from paperbell_dev.openapi import openapi_text

    committed = (ROOT / "docs" / "openapi.json").read_text(encoding="utf-8")
    assert committed == openapi_text(), (
        "docs/openapi.json is stale: run .venv/bin/python -m paperbell_dev.openapi"
    )
    paths = json.loads(committed)["paths"]
    for path in ("/", "/preview", "/subscriptions", "/confirm", "/manage", "/unsubscribe",
                 "/feed/{token}", "/api/webhooks", "/api/webhooks/{webhook_id}/rotate",
                 "/api/webhooks/{webhook_id}"):
        assert path in paths, path
