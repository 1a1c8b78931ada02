"""Property tests: whatever bytes arrive, ``parse_feed`` returns papers or a FeedError.

Example counts stay modest (200 per test) so the default run stays fast.
"""

from __future__ import annotations

import json
from datetime import datetime
from xml.sax.saxutils import escape

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from paperbell.errors import FeedError, SourceSpecError
from paperbell.models import Paper
from paperbell.sources import FeedResult, parse_feed, parse_source_spec
from paperbell.sources.dates import parse_date
from paperbell.sources.text import html_to_text

from .conftest import feed_bytes

FIXTURES = [
    "arxiv_rss_cs.LG.xml",
    "arxiv_export_api.xml",
    "hf_daily_papers_api_2026.json",
    "hf_papers_page.html",
    "rss2_messy.xml",
    "rss1_rdf.xml",
    "rss091.xml",
    "atom_generic.xml",
    "jsonfeed_1_1.json",
]
BODIES = {name: feed_bytes(name) for name in FIXTURES}
SETTINGS = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def check(body: bytes) -> FeedResult | None:
    """The contract: a well-formed result, or a one-line FeedError (never a crash)."""
    try:
        result = parse_feed(body)
    except FeedError as exc:
        message = str(exc)
        assert message and "\n" not in message
        assert "could not read feed: unexpected" not in message, message  # safety net unused
        return None
    assert isinstance(result, FeedResult)
    ids = [p.id for p in result.papers]
    assert len(ids) == len(set(ids))
    for paper in result.papers:
        assert isinstance(paper, Paper)
        assert paper.id and paper.id == paper.id.strip()
        assert paper.title and "\n" not in paper.title and paper.title == paper.title.strip()
        assert "\n" not in paper.abstract
        assert paper.published is None or paper.published.tzinfo is not None
        assert all(isinstance(a, str) and a for a in paper.authors)
    assert result.skipped >= 0
    return result


@SETTINGS
@given(st.binary(max_size=2000))
def test_random_bytes(body: bytes) -> None:
    check(body)


@SETTINGS
@given(st.sampled_from(FIXTURES), st.data())
def test_truncated_fixtures(name: str, data: st.DataObject) -> None:
    body = BODIES[name]
    cut = data.draw(st.integers(min_value=0, max_value=len(body)))
    check(body[:cut])


@SETTINGS
@given(
    st.sampled_from(FIXTURES),
    st.lists(st.tuples(st.integers(min_value=0), st.binary(min_size=0, max_size=8)),
             min_size=1, max_size=6),
)
def test_mutated_fixtures(name: str, edits: list[tuple[int, bytes]]) -> None:
    body = bytearray(BODIES[name])
    for position, replacement in edits:
        at = position % (len(body) + 1)
        body[at : at + len(replacement) // 2] = replacement
    check(bytes(body))


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.sampled_from(["paper", "id", "title", "summary", "authors", "items",
                                       "version", "upvotes", "name", "hidden", "dailyPapers",
                                       "publishedAt", "url", "error"]) | st.text(max_size=5),
                      children, max_size=5),
    max_leaves=25,
)


@SETTINGS
@given(JSON_VALUES)
def test_random_json(value: object) -> None:
    check(json.dumps(value).encode())


HF_FIELD = st.one_of(st.none(), st.integers(), st.text(max_size=30), st.lists(st.integers(),
                                                                              max_size=2))


@SETTINGS
@given(st.lists(st.fixed_dictionaries({
    "paper": st.fixed_dictionaries({
        "id": st.one_of(st.text(max_size=12), st.just("2605.05242"), st.integers()),
        "title": HF_FIELD,
        "summary": HF_FIELD,
        "publishedAt": st.one_of(st.text(max_size=30), st.just("2026-05-03T00:00:00.000Z")),
        "upvotes": HF_FIELD,
        "authors": st.lists(st.one_of(st.fixed_dictionaries({"name": HF_FIELD,
                                                               "hidden": st.booleans()}),
                                      HF_FIELD), max_size=3),
        "ai_keywords": HF_FIELD,
    }),
    "numComments": HF_FIELD,
    "organization": st.one_of(HF_FIELD, st.fixed_dictionaries({"name": HF_FIELD})),
}), max_size=5))
def test_hf_shaped_items(items: list[dict[str, object]]) -> None:
    check(json.dumps(items).encode())


FIELD_TEXT = st.text(max_size=40)


@SETTINGS
@given(st.lists(st.fixed_dictionaries({
    "title": FIELD_TEXT, "link": FIELD_TEXT, "guid": FIELD_TEXT, "description": FIELD_TEXT,
    "pubDate": FIELD_TEXT, "creator": FIELD_TEXT,
}), max_size=4), st.booleans())
def test_rss_with_arbitrary_field_text(items: list[dict[str, str]], arxiv: bool) -> None:
    ns = ' xmlns:arxiv="http://arxiv.org/schemas/atom"' if arxiv else ""
    body = "".join(
        "<item>"
        f"<title>{escape(i['title'])}</title><link>{escape(i['link'])}</link>"
        f"<guid>{escape(i['guid'])}</guid><description>{escape(i['description'])}</description>"
        f"<pubDate>{escape(i['pubDate'])}</pubDate>"
        f'<dc:creator xmlns:dc="http://purl.org/dc/elements/1.1/">{escape(i["creator"])}'
        "</dc:creator></item>"
        for i in items
    )
    doc = f'<rss version="2.0"{ns}><channel><title>t</title>{body}</channel></rss>'
    result = check(doc.encode("utf-8", "surrogatepass"))
    if result is not None:
        assert len(result.papers) + result.skipped == len(items) or result.meta.get("recovered")


@SETTINGS
@given(st.text(max_size=60))
def test_source_specs_never_crash(text: str) -> None:
    try:
        spec = parse_source_spec(text)
    except SourceSpecError as exc:
        assert str(exc)
        return
    assert spec.name and spec.kind
    assert parse_source_spec(spec.name).name == spec.name  # normalization is stable


@SETTINGS
@given(st.text(max_size=40))
def test_dates_never_crash(text: str) -> None:
    parsed = parse_date(text)
    assert parsed is None or (isinstance(parsed, datetime) and parsed.tzinfo is not None)


@SETTINGS
@given(st.text(max_size=200))
def test_html_to_text_is_one_clean_line(text: str) -> None:
    out = html_to_text(text)
    assert out == out.strip() and "\n" not in out and "  " not in out
