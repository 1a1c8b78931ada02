"""Messy and hostile documents: encodings, entities, truncation, XXE, wrong formats."""

from __future__ import annotations

import json
import time

import pytest

from paperbell.errors import FeedError
from paperbell.sources import parse_feed

from .conftest import feed_bytes


def rss(items: str, *, decl: str = '<?xml version="1.0" encoding="UTF-8"?>',
        channel_extra: str = "") -> str:
    return (
        f"{decl}<rss version=\"2.0\"><channel><title>T</title>"
        f"<link>https://example.org/</link>{channel_extra}{items}</channel></rss>"
    )


ITEM = "<item><title>{title}</title><link>https://example.org/{n}</link></item>"


class TestEncodings:
    def test_utf8_bom_and_leading_whitespace(self) -> None:
        body = b"\xef\xbb\xbf  \n" + rss(ITEM.format(title="Caf\u00e9", n=1)).encode()
        assert parse_feed(body).papers[0].title == "Café"

    def test_utf16_with_bom(self) -> None:
        body = rss(ITEM.format(title="Gr\u00fc\u00dfe", n=1),
                   decl='<?xml version="1.0" encoding="UTF-16"?>').encode("utf-16")
        assert parse_feed(body).papers[0].title == "Grüße"

    def test_latin1_bytes_declared_utf8(self) -> None:
        body = rss(ITEM.format(title="Caf\u00e9 na\u00efve", n=1)).encode("latin-1")
        result = parse_feed(body)
        assert result.papers[0].title == "Café naïve"
        assert result.meta["recovered"] is True
        assert any("encoding" in e for e in result.errors)

    def test_utf8_bytes_declared_latin1(self) -> None:
        body = rss(ITEM.format(title="Caf\u00e9 \u2014 \u4e2d\u6587", n=1),
                   decl='<?xml version="1.0" encoding="ISO-8859-1"?>').encode("utf-8")
        assert parse_feed(body).papers[0].title == "Café — 中文"

    def test_missing_declaration_with_charset_header(self) -> None:
        body = rss(ITEM.format(title="\u00e9t\u00e9", n=1), decl="").encode("cp1252")
        result = parse_feed(body, content_type="application/rss+xml; charset=windows-1252")
        assert result.papers[0].title == "été"

    def test_correct_latin1_declaration(self) -> None:
        body = rss(ITEM.format(title="\u00e9t\u00e9", n=1),
                   decl="<?xml version='1.0' encoding='iso-8859-1'?>").encode("latin-1")
        result = parse_feed(body)
        assert result.papers[0].title == "été"
        assert "recovered" not in result.meta


class TestMarkup:
    def test_html_entities_and_double_escaping_in_titles(self) -> None:
        body = rss(ITEM.format(title="Tom &amp;amp; Jerry&nbsp;&mdash; &lt;b&gt;bold&lt;/b&gt;",
                               n=1))
        assert parse_feed(body.encode()).papers[0].title == "Tom & Jerry — bold"

    def test_cdata_html_description(self) -> None:
        item = ("<item><title><![CDATA[A <em>title</em>]]></title><link>https://e.org/1</link>"
                "<description><![CDATA[<p>One</p><p>Two &amp; three</p><script>x()</script>"
                "]]></description></item>")
        paper = parse_feed(rss(item).encode()).papers[0]
        assert paper.title == "A title"
        assert paper.abstract == "One Two & three"

    def test_raw_markup_inside_description(self) -> None:
        item = ("<item><title>T</title><link>https://e.org/1</link>"
                "<description><p>Raw <b>markup</b></p><p>here</p></description></item>")
        assert parse_feed(rss(item).encode()).papers[0].abstract == "Raw markup here"

    def test_bare_ampersand_is_repaired(self) -> None:
        result = parse_feed(rss(ITEM.format(title="AT&T & friends", n=1)).encode())
        assert result.papers[0].title == "AT&T & friends"
        assert result.meta["recovered"] is True

    def test_relative_link_against_base_url_and_xml_base(self) -> None:
        items = ('<item><title>A</title><link>a/1</link></item>'
                 '<item xml:base="https://other.example/x/"><title>B</title><link>b</link></item>')
        result = parse_feed(rss(items).encode(), base_url="https://feeds.example/f/rss.xml")
        assert [p.url for p in result.papers] == [
            "https://feeds.example/f/a/1", "https://other.example/x/b",
        ]


class TestHostileXml:
    def test_xxe_is_not_resolved(self, tmp_path: object) -> None:
        body = (
            b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">'
            b'<!ENTITY net SYSTEM "http://127.0.0.1:9/evil">]>'
            b'<rss version="2.0"><channel><title>t</title><item><title>x &xxe; &net; y</title>'
            b"<link>https://e.org/1</link></item></channel></rss>"
        )
        paper = parse_feed(body).papers[0]
        assert paper.title == "x y"
        assert "root:" not in paper.title

    def test_billion_laughs_is_not_expanded(self) -> None:
        entities = '<!ENTITY lol "lol">' + "".join(
            f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
            for i in range(1, 10)
        )
        body = (
            f'<?xml version="1.0"?><!DOCTYPE rss [{entities}]><rss version="2.0"><channel>'
            "<title>t</title><item><title>a&lol9;b</title><link>https://e.org/1</link></item>"
            "</channel></rss>"
        ).encode()
        started = time.perf_counter()
        paper = parse_feed(body).papers[0]
        assert time.perf_counter() - started < 5  # generous: expansion would never finish
        assert paper.title == "ab"


class TestBrokenDocuments:
    def test_truncated_xml_gives_the_items_that_could_be_read(self) -> None:
        body = feed_bytes("arxiv_rss_cs.LG.xml")
        cut = body.index(b"<title>Safe Collaborative")
        result = parse_feed(body[: cut + 20])
        assert [p.id for p in result.papers[:2]] == ["2502.08441", "2403.00071"]
        assert result.meta["recovered"] is True
        assert any("malformed XML" in e for e in result.errors)

    @pytest.mark.parametrize(
        ("body", "message"),
        [
            (b"", "empty document"),
            (b"   \n\t ", "only whitespace"),
            (b"\x00\x01\x02binary", "not a feed"),
            (b"Internal Server Error", "not a feed"),
            (b"[1, 2, 3]", "Hugging Face"),
            (b'{"foo": 1}', "unknown shape"),
            (b'{"error": "Invalid date"}', "Invalid date"),
            (b'"just a string"', "not a feed"),
            (b'[{"paper": {"id": "1"', "invalid JSON"),
            (b"<?xml version='1.0'?><opml><body/></opml>", "<opml>"),
            (b"<<<>>>", "not a readable XML"),
        ],
    )
    def test_clear_one_line_feed_errors(self, body: bytes, message: str) -> None:
        with pytest.raises(FeedError) as info:
            parse_feed(body)
        assert message in str(info.value)
        assert "\n" not in str(info.value)

    def test_html_instead_of_xml(self) -> None:
        page = (b"<!DOCTYPE html><html><head><title>Just a moment...</title>"
                b'<link rel="alternate" type="application/rss+xml" href="/feed.xml"></head>'
                b"<body>Checking your browser</body></html>")
        with pytest.raises(FeedError, match=r"HTML page.*Just a moment.*feed\.xml"):
            parse_feed(page)

    def test_xhtml_served_as_xml(self) -> None:
        body = (b'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml">'
                b"<head><title>Oops</title></head><body/></html>")
        with pytest.raises(FeedError, match="HTML page"):
            parse_feed(body)

    def test_hf_page_without_data_block(self) -> None:
        with pytest.raises(FeedError, match="DailyPapers"):
            parse_feed(b"<!doctype html><html><body><div data-target='DailyPapers'></div>"
                       b"</body></html>")

    def test_json_wrong_item_shapes_are_skipped(self) -> None:
        items = [{"paper": {"id": "2605.05242", "title": "Ok"}}, {"paper": "nope"}, 7,
                 {"paper": {"id": "2605.05243", "title": ["not", "text"]}}]
        result = parse_feed(json.dumps(items).encode())
        assert [p.id for p in result.papers] == ["2605.05242"]
        assert result.skipped == 3

    def test_errors_are_capped_but_counted(self) -> None:
        items = "".join("<item><description></description></item>" for _ in range(300))
        result = parse_feed(rss(items).encode())
        assert result.skipped == 300
        assert len(result.errors) == 51 and result.errors[-1] == "... and 250 more problems"

    def test_str_body_is_accepted(self) -> None:
        assert parse_feed(rss(ITEM.format(title="x", n=1))).papers[0].title == "x"  # type: ignore[arg-type]
