"""Turning feed text (plain, escaped HTML, XHTML) into clean one-line plain text.

Why: titles and abstracts end up in subscriber queries' matcher and in mails. Feeds
deliver them with HTML tags, entities (sometimes double-escaped), CDATA and the hard
line wraps arXiv and Hugging Face keep from LaTeX sources. Everything downstream wants
the same thing: decoded entities, no tags, single spaces.

Text stays text: a ``<`` counts as markup only where it opens a real HTML element
(``<b>``, ``</p>``, ``<a href=..>``, ``<!-- -->``), so ``x<y`` or ``$a<b$`` in a title
about maths is kept. Titles (plain text by the RSS and JSON Feed specs, but often
escaped HTML in the wild) are read as HTML only when they unmistakably are: a closing
tag or an entity, and only known HTML elements (feedparser's rule); see
:func:`title_text`.

Cheap paths come first: most arXiv/HF text has neither ``<`` nor ``&``, and then only
whitespace is collapsed (``str.split`` is much faster than any regex).
"""

from __future__ import annotations

import html
import re
import threading
from typing import Any

from paperbell.fitting import clean_text

from .results import SkipItem

# A "<" that starts a tag, end tag, comment or doctype. "a < b" and "<10%" stay text.
_TAG_START_RE = re.compile(r"<[A-Za-z/!?]")

# Elements a feed's HTML may use (HTML, legacy HTML, MathML, SVG); a "<name" with any
# other name is text ("x<y", "n<k"). ``prefix:name`` (Word's ``<o:p>``) is markup too.
_HTML_ELEMENTS = (
    "a|abbr|acronym|address|area|article|aside|audio|b|base|basefont|bdi|bdo|big|blink|"
    "blockquote|body|br|button|canvas|caption|center|cite|code|col|colgroup|data|datalist|"
    "dd|del|details|dfn|dialog|dir|div|dl|dt|em|embed|fieldset|figcaption|figure|font|"
    "footer|form|frame|frameset|h1|h2|h3|h4|h5|h6|head|header|hgroup|hr|html|i|iframe|"
    "image|img|input|ins|kbd|label|legend|li|link|listing|main|map|mark|marquee|menu|meta|"
    "meter|nav|nobr|noframes|noscript|object|ol|optgroup|option|output|p|param|picture|"
    "plaintext|pre|progress|q|rp|rt|ruby|s|samp|script|section|select|slot|small|source|"
    "span|strike|strong|style|sub|summary|sup|table|tbody|td|template|textarea|tfoot|th|"
    "thead|time|title|tr|track|tt|u|ul|var|video|wbr|xmp|"
    # MathML
    "math|maction|annotation|annotation-xml|menclose|merror|mfenced|mfrac|mi|mmultiscripts|"
    "mn|mo|mover|mpadded|mphantom|mprescripts|mroot|mrow|ms|mspace|msqrt|mstyle|msub|"
    "msubsup|msup|mtable|mtd|mtext|mtr|munder|munderover|none|semantics|"
    # SVG
    "svg|circle|clippath|defs|desc|ellipse|foreignobject|g|line|lineargradient|marker|"
    "mask|path|pattern|polygon|polyline|radialgradient|rect|stop|symbol|text|textpath|"
    "tspan|use"
)
_ATTRIBUTES = r"""(?:\s(?:[^<>"']|"[^"]*"|'[^']*')*)?"""
# A "<" that opens no HTML element, comment, CDATA, doctype or processing instruction:
# escaped before parsing, so it stays a character.
_NOT_MARKUP_RE = re.compile(
    rf"<(?!/?(?:(?:{_HTML_ELEMENTS})|[a-z][\w-]*:[a-z][\w-]*){_ATTRIBUTES}/?>"
    r"|!--|!\[CDATA\[|!doctype|\?)",
    re.IGNORECASE,
)
# feedparser's test for "this text is HTML": a closing tag or an entity reference.
_CLOSE_TAG_OR_ENTITY_RE = re.compile(r"</\w+>|&#?\w+;")

# Elements whose boundaries separate words ("para1</p><p>para2" must not glue).
_BLOCK_TAGS = frozenset(
    {
        "p", "div", "br", "li", "ul", "ol", "dd", "dt", "dl", "tr", "td", "th", "table",
        "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "section", "article",
        "header", "footer", "hr", "figure", "figcaption", "caption", "address", "math",
    }
)
# Elements whose text is never prose.
_DROP_TAGS = frozenset({"script", "style", "noscript", "template", "head", "title"})

_LOCAL = threading.local()


def _html_parser() -> Any:
    # Built on first use (the JSON path never needs lxml) and per thread (lxml parsers
    # must not be shared between threads).
    parser = getattr(_LOCAL, "html_parser", None)
    if parser is None:
        from lxml import etree

        parser = etree.HTMLParser(remove_comments=True, remove_pis=True, no_network=True)
        _LOCAL.html_parser = parser
    return parser


def collapse(text: str) -> str:
    """Collapse every run of whitespace (hard wraps, tabs, NBSP) into one space."""
    return " ".join(text.split())


def plain_text(text: str | None) -> str:
    """Text declared plain (Atom ``type="text"``, JSON ``content_text``, arXiv, HF).

    Lone surrogates (from JSON ``\\ud800``) become U+FFFD and control characters
    spaces (``fitting.clean_text``), so what is returned can be stored and served.
    """
    if not text:
        return ""
    collapsed = " ".join(text.split())
    if collapsed.isprintable():  # the common case: nothing to replace
        return collapsed
    return " ".join(clean_text(collapsed).split())


def html_to_text(text: str | None) -> str:
    """Text that may hold HTML markup or entities -> plain text on one line.

    Entities are decoded even when double-escaped (``&amp;amp;`` seen in the wild gives
    ``&``) because a feed title with a literal ``&amp;`` is never what the author meant.
    A ``<`` that opens no HTML element stays a character (``p<q``, ``$a<b$``).
    """
    if not text:
        return ""
    text = " ".join(text.split())
    if not text.isprintable():
        text = clean_text(text)  # before lxml, which silently drops what XML forbids
    if "<" not in text and "&" not in text:
        return " ".join(text.split())
    if _TAG_START_RE.search(text) is None:
        return " ".join(_unescape_twice(text).split())
    markup = _NOT_MARKUP_RE.sub("&lt;", text)
    if _TAG_START_RE.search(markup) is None:
        return " ".join(_unescape_twice(markup).split())
    return " ".join(_unescape_twice(_markup_text(markup)).split())


def looks_like_html(text: str) -> bool:
    """feedparser's rule: a closing tag or an entity reference makes text HTML.

    (feedparser also wants every tag to be a known element; :func:`html_to_text`
    already keeps a ``<`` before any other name as text.)
    """
    return _CLOSE_TAG_OR_ENTITY_RE.search(text) is not None


def title_text(text: str | None) -> str:
    """A title in a format that says "plain text" but is often escaped HTML (RSS, JSON).

    Read as HTML only when :func:`looks_like_html`, else kept as text: ``$a<b>c$`` in
    a formula stays, ``<b>Bold</b> &amp; more`` becomes ``Bold & more``.
    """
    if not text:
        return ""
    if ("<" in text or "&" in text) and looks_like_html(text):
        return html_to_text(text)
    return plain_text(text)


def title_or_summary(title: str, summary: str, paper_id: str) -> str:
    """The title, or the summary's start when an item has none; ``SkipItem`` if neither."""
    if title:
        return title
    if not summary:
        raise SkipItem(f"{paper_id[:120]}: no title and no text")
    return truncate(summary, 120)


def _unescape_twice(text: str) -> str:
    if "&" not in text:
        return text
    once = html.unescape(text)
    return html.unescape(once) if "&" in once else once


def _markup_text(markup: str) -> str:
    from lxml import etree

    try:
        root = etree.fromstring(f"<div>{markup}</div>", _html_parser())
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        return markup
    if root is None:
        return ""
    return element_text(root)


def element_text(element: Any) -> str:
    """Text content of an element tree with word breaks at block boundaries.

    Used for XHTML content, HTML fragments and RSS descriptions that (illegally) carry
    raw markup. Entity reference nodes (from DTD-declared entities we refuse to
    resolve) and scripts are dropped.
    """
    parts: list[str] = []
    _walk(element, parts)
    return "".join(parts)


def _walk(node: Any, parts: list[str]) -> None:
    if node.text:
        parts.append(node.text)
    for child in node:
        tag = child.tag
        if isinstance(tag, str):
            local = tag.rpartition("}")[2].lower()
            if local in _DROP_TAGS:
                pass
            elif local in _BLOCK_TAGS:
                parts.append(" ")
                _walk(child, parts)
                parts.append(" ")
            else:
                _walk(child, parts)
        if child.tail:
            parts.append(child.tail)


def truncate(text: str, limit: int) -> str:
    """Cut at a word boundary, adding an ellipsis (titles made up from a summary)."""
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return f"{cut}…"
