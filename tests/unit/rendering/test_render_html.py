"""The text/html part: structure, highlights, dark mode and escaping of feed content."""

from __future__ import annotations

from dataclasses import replace

import lxml.html
import pytest
from rendering_support import entry_for

from paperbell.delivery.digest_model import DigestEntry
from paperbell.delivery.render_html import render_html
from paperbell.models import Paper, Subscriber

HOSTILE_TITLE = 'Attention <script>alert("t")</script> "><img src=x onerror=alert(1)>\r\nBcc: x'


def doc_of(html: str) -> lxml.html.HtmlElement:
    return lxml.html.document_fromstring(html)


def hostile_paper() -> Paper:
    return Paper(
        id="2605.99999",
        title=HOSTILE_TITLE,
        abstract='We study <iframe src="javascript:alert(2)"></iframe> attention & '
        "<svg onload=alert(3)> sinks </textarea><style>*{}</style>.",
        authors=('Eve "><img src=x onerror=alert(4)>', "Mallory\r\nX-Injected: 1", "<b>Bob</b>"),
        url="javascript:alert(5)",
        source="hf",
        categories=("<svg/onload=alert(6)>",),
        upvotes=3,
        extra={"github_repo": "data:text/html;base64,PHNjcmlwdD4=", "github_stars": 9},
    )


def test_document_has_dark_mode_and_mobile_single_column(seed_papers, make_digest, settings):
    html = render_html(make_digest([entry_for(seed_papers[0], "lottery tickets")]), settings)
    doc = doc_of(html)
    metas = {m.get("name"): m.get("content") for m in doc.iter("meta") if m.get("name")}
    assert metas["color-scheme"] == "light dark"
    assert metas["supported-color-schemes"] == "light dark"
    assert metas["viewport"].startswith("width=device-width")
    style = doc.findtext(".//style")
    assert "@media (prefers-color-scheme: dark)" in style
    assert "max-width:640px" in html
    assert doc.find(".//body").get("style").count("background-color:") == 1  # light default
    assert not doc.xpath("//img")


def test_titles_authors_badges_and_links(hf_papers, make_digest, settings):
    paper = hf_papers[0]
    doc = doc_of(render_html(make_digest([entry_for(paper, "agentic search")]), settings))
    (title,) = doc.xpath("//h2/a")
    assert title.get("href") == "https://huggingface.co/papers/2605.05242"
    assert title.text_content() == paper.title
    assert "Zhuofeng Li, Haoxiang Zhang, Cong Wei et al." in doc.text_content()
    badges = [b.text_content() for b in doc.find_class("pb-badge")]
    assert "▲ 86" in badges and "code ★ 101" in badges
    code = next(b for b in doc.find_class("pb-badge") if b.text_content().startswith("code"))
    assert code.get("href") == "https://github.com/DCI-Agent/DCI-Agent-Lite"
    hrefs = {a.text_content(): a.get("href") for a in doc.iter("a")}
    assert hrefs["abstract"] == "https://arxiv.org/abs/2605.05242"
    assert hrefs["PDF"] == "https://arxiv.org/pdf/2605.05242"
    assert hrefs["HF"] == "https://huggingface.co/papers/2605.05242"
    matched = next(p for p in doc.iter("p") if p.text_content().startswith("matched:"))
    assert matched.text_content() == "matched: agentic search"


def test_marks_sit_on_the_matched_words(seed_papers, make_digest, settings):
    paper = seed_papers[5]  # "Resonance RoPE: ..." with RoPE in title and abstract
    doc = doc_of(render_html(make_digest([entry_for(paper, "RoPE")]), settings))
    marks = doc.xpath("//mark")
    assert marks and all(m.text_content() == "RoPE" for m in marks)
    assert all("background-color:" in m.get("style") for m in marks)
    assert doc.xpath("//h2//mark")  # in the title
    snippet = doc.find_class("pb-text")[-1]
    assert snippet.xpath(".//mark")  # and in the abstract snippet
    assert len(snippet.text_content()) < len(paper.abstract) / 2  # a window, not it all


def test_snippet_window_is_around_the_first_abstract_match(seed_papers, make_digest, settings):
    paper = seed_papers[0]
    entry = entry_for(paper, "calibration")  # far into the abstract
    doc = doc_of(render_html(make_digest([entry]), settings))
    snippet = doc.find_class("pb-text")[-1].text_content()
    assert snippet.startswith("…")
    assert [m.text_content() for m in doc.xpath("//mark")] == ["calibration"]
    assert not doc.xpath("//h2//mark")


def test_order_and_cap_with_and_n_more(seed_papers, make_digest, settings):
    digest = make_digest([entry_for(p, "the") for p in reversed(seed_papers)])
    doc = doc_of(render_html(digest, replace(settings, max_papers=5)))
    titles = [h.text_content() for h in doc.iter("h2")]
    assert titles == [e.paper.title for e in digest.ranked()[:5]]
    (more,) = [a for a in doc.iter("a") if a.text_content().startswith("and ")]
    assert more.text_content() == "and 15 more →"
    assert more.get("href") == "https://paperbell.example.org/digest/sub-1/2026-05-08?t=tok_abc"


def test_feed_markup_is_escaped_never_executed(make_digest, settings):
    sub = Subscriber(id="s", email="a@example.com", queries=("<script>q()</script>",))
    entry = DigestEntry(
        hostile_paper(), ("<script>q()</script>",), {"title": [(0, 9)], "abstract": [(9, 16)]}
    )
    html = render_html(make_digest([entry], sub=sub), settings)
    doc = doc_of(html)

    for tag in ("script", "img", "iframe", "svg", "textarea", "b"):
        assert not doc.xpath(f"//{tag}"), tag
    assert len(doc.xpath("//style")) == 1
    for element in doc.iter():
        assert not [name for name in element.attrib if name.lower().startswith("on")]
    text = doc.text_content()
    assert '<script>alert("t")</script>' in text  # shown as text
    assert 'Eve "><img src=x onerror=alert(4)>' in text
    assert "Mallory X-Injected: 1" in text
    assert "<script>q()</script>" in text
    assert "\r" not in html


def test_only_http_links_are_made(make_digest, settings):
    doc = doc_of(
        render_html(make_digest([DigestEntry(hostile_paper(), ("attention",), {})]), settings)
    )
    hrefs = [a.get("href") for a in doc.iter("a")]
    assert hrefs and all(h.startswith(("https://", "http://")) for h in hrefs)
    title_link = doc.xpath("//h2/a")[0]  # javascript: url -> falls back to the arXiv page
    assert title_link.get("href") == "https://arxiv.org/abs/2605.99999"
    badges = [b.text_content() for b in doc.find_class("pb-badge")]
    assert "code ★ 9" not in badges  # data: repo is not linked (nor shown)


def test_feed_paper_without_arxiv_id_links_its_url_only(make_digest, settings):
    paper = Paper(
        id="blog-1", title="A post", url="https://blog.example.org/p?a=1&b=2", source="feed"
    )
    html = render_html(make_digest([DigestEntry(paper, ("post",), {})]), settings)
    assert 'href="https://blog.example.org/p?a=1&amp;b=2"' in html
    hrefs = [a.get("href") for a in doc_of(html).iter("a")]
    assert not [h for h in hrefs if "arxiv.org" in h or "huggingface.co" in h]
    no_link = replace(paper, url="javascript:alert(1)")
    doc = doc_of(render_html(make_digest([DigestEntry(no_link, ("post",), {})]), settings))
    assert doc.xpath("//h2")[0].text_content() == "A post" and not doc.xpath("//h2/a")


@pytest.mark.parametrize("kind", ["empty-note", "digest"])
def test_empty_note(kind, make_digest, settings):
    doc = doc_of(render_html(make_digest([], kind=kind), settings))
    text = " ".join(doc.text_content().split())
    assert "Nothing matched your queries today." in text
    assert "weekends" in text
    assert not doc.xpath("//h2")
    assert "Unsubscribe (opens a page with one button)" in text


def test_link_separators_carry_their_own_colour_for_dark_mode(seed_papers, make_digest,
                                                              settings):
    # was: a bare "·" inherited the light-mode text colour: invisible on a dark card
    html = render_html(make_digest([entry_for(seed_papers[0], "lottery")]), settings)
    doc = doc_of(html)
    separators = [s for s in doc.iter("span") if s.text_content() == "·"]
    assert separators and all("pb-muted" in s.get("class", "") for s in separators)
    bare = [t for p in doc.iter("p") if "pb-muted" not in p.get("class", "")
            for t in [p.text or "", *(c.tail or "" for c in p)] if "·" in t]
    assert not bare, bare
    assert ".pb-muted" in html.split("prefers-color-scheme: dark")[1].split("@media")[0]


def test_footer_links(seed_papers, make_digest, settings):
    doc = doc_of(render_html(make_digest([entry_for(seed_papers[0], "lottery")]), settings))
    hrefs = {a.text_content(): a.get("href") for a in doc.iter("a")}
    assert hrefs["Manage your queries"] == "https://paperbell.example.org/manage?s=sub-1&t=tok_abc"
    assert hrefs["Unsubscribe"].startswith("https://api.paperbell.example.org/")
    assert "one click" not in doc.text_content()  # it opens a page with one button
    assert "<digest@paperbell.example.org>" in doc.text_content()
    assert "because a" in doc.text_content()


def test_full_seed_digest_stays_under_gmail_clipping(seed_papers, hf_papers, make_digest, settings):
    papers = seed_papers + hf_papers
    entries = [entry_for(p, "model", "downstream", "the") for p in papers]
    html = render_html(make_digest(entries), settings)
    assert len(doc_of(html).xpath("//h2")) == len(papers)
    assert len(html.encode()) < 102_000  # Gmail clips larger messages


def test_maths_in_a_feed_title_reaches_the_mail_as_escaped_text(make_digest, settings):
    # issue 16: "<" and ">" in an arXiv title are text: kept by the parser, escaped here
    from pathlib import Path

    from paperbell.sources import parse_feed

    fixture = Path(__file__).resolve().parents[2] / "fixtures" / "feeds" / "arxiv_rss_maths.xml"
    (paper,) = parse_feed(fixture.read_bytes()).papers
    html = render_html(make_digest([entry_for(paper, "sparse")]), settings)
    assert "$n&lt;k$ and $k&gt;m$" in html
    assert "when $n<k$ and $k>m$: sharp bounds" in doc_of(html).text_content()
