"""Fuzz ``parse_feed``: whatever bytes arrive, a FeedResult or a one-line FeedError.

Four input families: raw bytes; the real fixtures mutated (truncated, spliced, bytes
flipped); generated RSS 2.0 / RSS 1.0 / Atom documents with hostile text, entities,
attributes and nesting; generated JSON (JSON Feed and Hugging Face shapes with values
of the wrong type). ``content_type`` and ``base_url`` are fuzzed too. The parser's own
catch-all ("could not read feed: unexpected ...") counts as a bug: it hides a crash.

Issue 16's shapes are in every family: lone surrogates (JSON ``\ud800``), control
characters, oversized fields (up to 600 KB), unsafe link schemes (``javascript:``,
``data:``, ``vbscript:``) and JSON Feeds nested up to 20,000 deep. Every paper that
comes out must already be fitted (``paperbell.fitting``): encodable, free of control
characters, each field within its cap. A fifth target fits generated papers and checks
that the DynamoDB item they become is under 400 KB.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fuzz_support import FUZZ, count, outcome, wild_text
from hypothesis import given
from hypothesis import strategies as st

from paperbell.errors import FeedError
from paperbell.fitting import ABSTRACT_BYTES, ID_BYTES, TITLE_BYTES, fit_paper
from paperbell.models import Paper
from paperbell.sources import FeedResult, parse_feed
from paperbell.storage.items import paper_to_item

CONTROL = {chr(c) for c in range(0x20) if chr(c) not in "\t\n\r"}

FEEDS = Path(__file__).resolve().parents[1] / "fixtures" / "feeds"
FIXTURES = sorted(p.read_bytes() for p in FEEDS.iterdir() if p.is_file())


def check(body: bytes, base_url: str | None = None, content_type: str | None = None) -> None:
    try:
        result = parse_feed(body, base_url=base_url, content_type=content_type)
    except FeedError as exc:
        message = str(exc)
        assert message and "\n" not in message, repr(message)
        assert "could not read feed: unexpected" not in message, message
        outcome("feeds", "FeedError")
        return
    assert isinstance(result, FeedResult)
    outcome("feeds", f"{result.format or '?'} with papers" if result.papers else "empty result")
    assert result.skipped >= 0
    ids = [paper.id for paper in result.papers]
    assert len(ids) == len(set(ids)), ids
    for paper in result.papers:
        assert isinstance(paper, Paper)
        assert paper.id and paper.id == paper.id.strip()
        assert paper.title and "\n" not in paper.title
        assert paper.published is None or paper.published.tzinfo is not None
        assert all(isinstance(a, str) and a for a in paper.authors)
        json.dumps(paper.as_json())  # serializable, as `paperbell fetch --json` needs
        assert_fitted(paper)


def assert_fitted(paper: Paper) -> None:
    """What storage and every output rely on: encodable, no controls, fields capped."""
    text = json.dumps(paper.as_json(), ensure_ascii=False) + json.dumps(paper.extra,
                                                                       ensure_ascii=False)
    text.encode("utf-8")  # no lone surrogate anywhere
    assert not CONTROL & set(paper.title + paper.abstract + paper.id + "".join(paper.authors))
    assert len(paper.id.encode()) <= ID_BYTES
    assert len(paper.title.encode()) <= TITLE_BYTES
    assert len(paper.abstract.encode()) <= ABSTRACT_BYTES
    assert fit_paper(paper) == paper  # fitting again finds nothing to do


# -- strategies ------------------------------------------------------------------------
content_types = st.one_of(
    st.none(),
    st.sampled_from([
        "application/rss+xml", "text/xml; charset=utf-8", "application/json; charset=latin-1",
        "text/html; charset=", "text/xml; charset=\"utf-16\"", "x; charset=nonsense",
        "application/atom+xml; charset=utf-32", "text/plain; charset=ebcdic-cp-be",
    ]),
    wild_text(60),
)
base_urls = st.one_of(
    st.none(),
    st.sampled_from([
        "https://example.org/feed.xml", "http://[::1]/x", "https://ex ample.org/", "file:///etc",
        "https://example.org:99999/", "javascript:alert(1)", "", "//no-scheme/",
    ]),
    wild_text(40),
)
_hostile_text = st.one_of(
    wild_text(80),
    st.sampled_from([
        "<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "a\r\nBcc: x@y",
        "&amp;&lt;&#0;&#xD800;&#x110000;&#99999999999;&bogus;", "\x00\x01\x1f\x7f",
        "2502.08441v3", "arXiv:2401.00001", "https://arxiv.org/abs/2502.08441v2",
        "Tue, 32 Feb 2026 25:61:61 +9999", "2026-13-45T99:99:99Z", "0000-00-00",
        "9999999999999999999999", "-1", "NaN", "\u202e\u200b\ufeff", "$\\alpha$-masses",
        "]]>", "<![CDATA[x]]>", "<!-- c -->", "\ud7ff\ue000\ufffd",
        # issue 16: lone surrogates, controls, unsafe schemes, maths that looks like tags
        "\ud800", "a\udfffb", "\udbff\udc00x\ud800", "\x00\x08\x0b\x0c\x1b\ufffe\uffff",
        "javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,<script>x</script>",
        "vbscript:msgbox(1)", " javascript:x", "$a<b>c$", "n<k and k>m", "p&lt;q",
    ]),
)
# oversized fields: over the per-field caps and over DynamoDB's 400 KB item limit
oversized = st.tuples(st.sampled_from(["T", "é", "中", "a b ", "<b>x</b>"]),
                      st.integers(1_000, 600_000)).map(lambda p: p[0] * (p[1] // len(p[0])))
# One text in twenty is oversized: often enough to be in most documents, rare enough
# that the 100,000 inputs of `make fuzz` stay within minutes.
hostile_text = st.integers(0, 19).flatmap(lambda n: oversized if n == 0 else _hostile_text)

xml_names = st.sampled_from([
    "title", "link", "description", "guid", "pubDate", "author", "category", "item",
    "entry", "summary", "content", "id", "updated", "published", "name", "dc:creator",
    "dc:date", "dc:subject", "arxiv:announce_type", "arxiv:primary_category",
    "content:encoded", "media:content", "channel", "feed", "rdf:RDF", "x",
])


def _escape(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;"))


@st.composite
def xml_element(draw: st.DrawFn, depth: int = 0) -> str:
    name = draw(xml_names)
    attrs = draw(st.lists(
        st.tuples(st.sampled_from(["href", "rel", "type", "term", "rdf:about", "version",
                                   "isPermaLink", "xml:base", "xml:lang", "bogus"]),
                  hostile_text.map(lambda t: t.replace('"', "&quot;").replace("<", "&lt;"))),
        max_size=3))
    attr_text = "".join(f' {k}="{v.replace("&", "&amp;")}"' for k, v in dict(attrs).items())
    if depth < 2 and draw(st.booleans()):
        children = draw(st.lists(xml_element(depth + 1), max_size=3))
        inner = "".join(children)
    else:
        raw = draw(hostile_text)
        mode = draw(st.sampled_from(["escaped", "cdata", "raw"]))
        inner = {"escaped": _escape(raw), "cdata": f"<![CDATA[{raw}]]>", "raw": raw}[mode]
    return f"<{name}{attr_text}>{inner}</{name}>"


ROOTS = [
    ('<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" '
     'xmlns:arxiv="http://arxiv.org/schemas/atom" '
     'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>',
     "</channel></rss>"),
    ('<feed xmlns="http://www.w3.org/2005/Atom" '
     'xmlns:arxiv="http://arxiv.org/schemas/atom">', "</feed>"),
    ('<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
     'xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">',
     "</rdf:RDF>"),
    ('<rss version="0.91"><channel>', "</channel></rss>"),
    ("<html><body>", "</body></html>"),
]
PROLOGS = ["", '<?xml version="1.0"?>', '<?xml version="1.0" encoding="ISO-8859-1"?>',
           '<?xml version="1.0" encoding="utf-16"?>', '<?xml version="1.0" encoding="bogus"?>',
           '<!DOCTYPE rss [<!ENTITY e "boom">]>', '<!DOCTYPE x SYSTEM "file:///etc/passwd">',
           "\ufeff", "<!-- hi -->"]


@st.composite
def xml_documents(draw: st.DrawFn) -> bytes:
    open_tag, close_tag = draw(st.sampled_from(ROOTS))
    items = draw(st.lists(xml_element(), max_size=5))
    wrap = draw(st.sampled_from(["item", "entry", ""]))
    body = "".join(f"<{wrap}>{i}</{wrap}>" if wrap else i for i in items)
    text = draw(st.sampled_from(PROLOGS)) + open_tag + body + close_tag
    if draw(st.booleans()):  # sometimes cut short
        text = text[: draw(st.integers(0, len(text)))]
    encoding = draw(st.sampled_from(["utf-8", "utf-16", "latin-1", "utf-8-sig"]))
    return text.encode(encoding, "replace")


json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True), hostile_text,
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.sampled_from(["id", "title", "name", "paper", "authors", "url",
                                         "items", "summary", "upvotes", "publishedAt", "x"]),
                        children, max_size=4),
    ),
    max_leaves=8,
)
PAPER_KEYS = ["id", "title", "summary", "authors", "publishedAt", "upvotes", "githubRepo",
              "githubStars", "ai_keywords", "name", "submittedOnDailyAt"]
ITEM_KEYS = ["id", "url", "external_url", "title", "content_text", "content_html", "summary",
             "date_published", "date_modified", "authors", "author", "tags", "_arxiv"]


@st.composite
def json_documents(draw: st.DrawFn) -> bytes:
    shape = draw(st.sampled_from(["hf", "hf-daily", "jsonfeed", "any"]))
    data: Any
    if shape in ("hf", "hf-daily"):
        papers = draw(st.lists(st.dictionaries(st.sampled_from(PAPER_KEYS), json_values,
                                               max_size=6), max_size=3))
        data = [draw(st.sampled_from([{"paper": p}, p, {"paper": p, "numComments": "x"}]))
                for p in papers]
        if shape == "hf-daily":
            data = {"dailyPapers": data}
    elif shape == "jsonfeed":
        items = draw(st.lists(st.dictionaries(st.sampled_from(ITEM_KEYS), json_values,
                                              max_size=6), max_size=3))
        data = {"version": draw(st.sampled_from(["https://jsonfeed.org/version/1.1",
                                                 "https://jsonfeed.org/version/1", 1, None])),
                "title": draw(json_values), "items": draw(st.sampled_from([items, {}, "x"]))}
    else:
        data = draw(json_values)
    text = json.dumps(data, allow_nan=True)
    if draw(st.integers(0, 9)) == 0:
        text = text[: draw(st.integers(0, len(text)))]
    return text.encode("utf-8")


@st.composite
def deep_json_feeds(draw: st.DrawFn) -> bytes:
    """A JSON Feed with one value nested up to 20,000 deep (in an item, or the items)."""
    depth = draw(st.integers(1, 20_000))
    opener, closer = draw(st.sampled_from([("[", "]"), ('{"a":', "}")]))
    nested = opener * depth + draw(st.sampled_from(["1", '"x"', "null", "[]"])) + closer * depth
    key = draw(st.sampled_from(["title", "tags", "authors", "attachments", "id", "url"]))
    where = draw(st.sampled_from(["item", "items", "feed"]))
    item = f'{{"id": "deep", "title": "Deep", "{key}": {nested}}}'
    items = {"item": f"[{item}]", "items": nested, "feed": f'[{item}], "extra": {nested}'}[where]
    return ('{"version": "https://jsonfeed.org/version/1.1", "items": ' + items + "}").encode()


@st.composite
def mutated_fixtures(draw: st.DrawFn) -> bytes:
    body = bytearray(draw(st.sampled_from(FIXTURES)))
    for _ in range(draw(st.integers(1, 8))):
        op = draw(st.sampled_from(["flip", "delete", "insert", "truncate", "dup"]))
        at = draw(st.integers(0, len(body)))
        if op == "flip" and at < len(body):
            body[at] = draw(st.integers(0, 255))
        elif op == "delete":
            del body[at : at + draw(st.integers(1, 200))]
        elif op == "insert":
            body[at:at] = draw(st.sampled_from([
                b"<", b">", b"&", b"]]>", b"\x00", b"\xff\xfe", b"<item>", b"</item>",
                b'"', b"{", b"}", b"[", b"]", b",", b"<!ENTITY x SYSTEM 'file:///'>",
                "\u2028".encode(), b"&#0;", b"&e;",
            ]))
        elif op == "truncate":
            del body[at:]
        elif op == "dup" and body:
            end = min(len(body), at + draw(st.integers(1, 400)))
            body[at:at] = body[at:end]
    return bytes(body)


# -- targets ---------------------------------------------------------------------------
@FUZZ
@given(body=st.binary(max_size=600), content_type=content_types, base_url=base_urls)
def test_random_bytes(body: bytes, content_type: str | None, base_url: str | None) -> None:
    count("feeds: random bytes")
    check(body, base_url, content_type)


@FUZZ
@given(body=mutated_fixtures(), content_type=content_types)
def test_mutated_real_feeds(body: bytes, content_type: str | None) -> None:
    count("feeds: mutated fixtures")
    check(body, "https://example.org/feed", content_type)


@FUZZ
@given(body=xml_documents(), content_type=content_types, base_url=base_urls)
def test_generated_xml_feeds(body: bytes, content_type: str | None, base_url: str | None) -> None:
    count("feeds: generated XML")
    check(body, base_url, content_type)


@FUZZ
@given(body=json_documents(), base_url=base_urls)
def test_generated_json_feeds(body: bytes, base_url: str | None) -> None:
    count("feeds: generated JSON")
    check(body, base_url, "application/json")


@FUZZ
@given(body=deep_json_feeds())
def test_deeply_nested_json_feeds(body: bytes) -> None:
    count("feeds: deep JSON nesting")
    check(body, "https://example.org/feed.json", "application/json")


#: DynamoDB's item limit (names and values in UTF-8, numbers and set/list overheads).
DYNAMODB_ITEM_LIMIT = 400 * 1024


def dynamodb_size(value: Any) -> int:
    """An upper bound of DynamoDB's size of a value (its documented sizing rules)."""
    if isinstance(value, str):
        return len(value.encode("utf-8"))
    if isinstance(value, bool) or value is None:
        return 1
    if isinstance(value, int | float):
        return 21
    if isinstance(value, dict):
        return 3 + sum(len(str(k).encode()) + dynamodb_size(v) + 1 for k, v in value.items())
    return 3 + sum(dynamodb_size(v) + 1 for v in value)


@FUZZ
@given(title=hostile_text, abstract=hostile_text, url=hostile_text, paper_id=hostile_text,
       authors=st.lists(hostile_text, max_size=4), extra=st.dictionaries(
           st.sampled_from(["pdf_url", "comment", "ai_summary", "ai_keywords"]), hostile_text,
           max_size=4))
def test_fitted_papers_fit_in_a_dynamodb_item(
    title: str, abstract: str, url: str, paper_id: str, authors: list[str],
    extra: dict[str, str],
) -> None:
    count("feeds: fit_paper -> DynamoDB item")
    paper = Paper(id=paper_id or "x", title=title, abstract=abstract, url=url,
                  authors=tuple(authors), extra=extra)
    fitted = fit_paper(paper)
    from datetime import UTC, datetime

    item = paper_to_item(fitted, first_seen=datetime(2026, 1, 1, tzinfo=UTC), expires_at=1)
    assert dynamodb_size(item) < DYNAMODB_ITEM_LIMIT
    json.dumps(item, default=str, ensure_ascii=False).encode("utf-8")  # boto3 can encode it
    outcome("feeds: fit_paper", "cut" if "truncated" in fitted.extra else "as is")
