"""Turning feed text (plain, escaped HTML, XHTML) into clean one-line plain text.

Why: titles and abstracts end up in subscriber queries' matcher and in mails. Feeds
deliver them with HTML tags, entities (sometimes double-escaped), CDATA and the hard
line wraps arXiv and Hugging Face keep from LaTeX sources. Everything downstream wants
the same thing: decoded entities, no tags, single spaces.

Cheap paths come first: most arXiv/HF text has neither ``<`` nor ``&``, and then only
whitespace is collapsed (``str.split`` is much faster than any regex).
"""

from __future__ import annotations

import html
import re
import threading
from typing import Any

# A "<" that starts a tag, end tag, comment or doctype. "a < b" and "<10%" stay text.
_TAG_START_RE = re.compile(r"<[A-Za-z/!?]")

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
    """Text declared plain (Atom ``type="text"``, JSON ``content_text``, arXiv, HF)."""
    if not text:
        return ""
    return " ".join(text.split())


def html_to_text(text: str | None) -> str:
    """Text that may hold HTML markup or entities -> plain text on one line.

    Entities are decoded even when double-escaped (``&amp;amp;`` seen in the wild gives
    ``&``) because a feed title with a literal ``&amp;`` is never what the author meant.
    """
    if not text:
        return ""
    if "<" not in text and "&" not in text:
        return " ".join(text.split())
    if _TAG_START_RE.search(text) is None:
        return " ".join(_unescape_twice(text).split())
    return " ".join(_unescape_twice(_markup_text(text)).split())


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
