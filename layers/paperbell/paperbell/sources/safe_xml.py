"""Safe, forgiving XML parsing for feeds from anywhere.

Why safe: a feed URL is configuration anyone may point at a hostile server. The parser
never resolves entities (no XXE file reads, no "billion laughs" expansion), never
touches the network (no external DTDs) and keeps libxml2's size limits
(``huge_tree=False``).

Why forgiving: real feeds lie about their encoding, carry HTML entities XML does not
know (``&nbsp;``), bare ``&`` and truncated tails. The well-formed common case is
parsed straight from bytes (fast path); only when libxml2 refuses the document do we
decode it ourselves, repair entities and parse again in recovery mode, reporting that
the result was recovered.
"""

from __future__ import annotations

import codecs
import html
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from paperbell.errors import FeedError

from ._patterns import (
    DOCTYPE_RE,
    ENTITY_DECL_RE,
    ENTITY_OR_AMP_RE,
    XML_DECL_ENCODING_RE,
    XML_DECL_RE,
)

_WHITESPACE = b" \t\r\n"
_XML_ENTITIES = frozenset({b"amp", b"lt", b"gt", b"quot", b"apos"})
# Declarations that decode any byte soup without complaint; a body that is valid
# UTF-8 while claiming one of these is almost always mislabeled UTF-8.
_SINGLE_BYTE_LATIN = frozenset(
    {"iso-8859-1", "iso8859-1", "latin-1", "latin1", "windows-1252", "cp1252", "us-ascii",
     "ascii", "iso-8859-15"}
)


@dataclass(slots=True)
class XmlDocument:
    """A parsed document plus what had to be done to read it."""

    root: Any
    recovered: bool = False
    encoding: str = "utf-8"
    problems: list[str] = field(default_factory=list)


def _parser(*, recover: bool) -> etree.XMLParser:
    # A fresh parser per document: cheap, and parsers must not be shared by threads.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        recover=recover,
        remove_comments=True,
        remove_pis=True,
        strip_cdata=True,
    )


def strip_leading(body: bytes) -> tuple[bytes, str | None]:
    """Drop leading whitespace and a UTF-8 BOM; report a UTF-16/32 BOM's encoding."""
    if body[:3] == codecs.BOM_UTF8:
        body = body[3:]
    elif body[:4] in (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE):
        return body, "utf-32"
    elif body[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        return body, "utf-16"
    if body[:1] in (b" ", b"\t", b"\r", b"\n"):
        body = body.lstrip(_WHITESPACE)
    return body, None


def parse_xml(
    body: bytes, *, charset: str | None = None, base_url: str | None = None
) -> XmlDocument:
    """Parse feed bytes; raise ``FeedError`` only when nothing at all can be read."""
    body, bom_encoding = strip_leading(body)
    declared = _declared_encoding(body) if bom_encoding is None else bom_encoding
    mislabeled = (
        declared in _SINGLE_BYTE_LATIN and not body.isascii() and _is_utf8(body)
    )
    if not mislabeled:
        try:
            root = etree.fromstring(body, _parser(recover=False), base_url=base_url or "")
        except (etree.XMLSyntaxError, ValueError, LookupError):
            root = None
        if root is not None:
            docinfo: Any = root.getroottree().docinfo
            if docinfo.doctype:
                resolve_entity_nodes(root)
            return XmlDocument(root, encoding=declared or "utf-8")
    return _parse_repaired(body, declared, charset, base_url, prefer_utf8=mislabeled)


def _parse_repaired(
    body: bytes,
    declared: str | None,
    charset: str | None,
    base_url: str | None,
    *,
    prefer_utf8: bool,
) -> XmlDocument:
    encoding, text = _decode(body, declared, charset, prefer_utf8=prefer_utf8)
    data = text.encode("utf-8")
    data = XML_DECL_RE.sub(b"", data.lstrip(_WHITESPACE), count=1).lstrip(_WHITESPACE)
    declared_entities: frozenset[bytes] = frozenset()
    if b"<!DOCTYPE" in data[:4096]:
        # We never use DTDs: drop it, and with it every declared entity (XXE, "billion
        # laughs"); references to those entities then read as nothing.
        doctype = DOCTYPE_RE.search(data)
        if doctype is not None:
            subset = doctype.group("subset") or b""
            declared_entities = frozenset(
                m.group("name") for m in ENTITY_DECL_RE.finditer(subset)
            )
            data = data[: doctype.start()] + data[doctype.end():]
    data = ENTITY_OR_AMP_RE.sub(lambda m: _fix_entity(m, declared_entities), data)
    parser = _parser(recover=True)
    try:
        root = etree.fromstring(data, parser, base_url=base_url or "")
    except (etree.XMLSyntaxError, ValueError, LookupError) as exc:
        raise FeedError(f"not a readable XML document: {_one_line(str(exc))}") from None
    if root is None:
        first = _first_error(parser)
        raise FeedError(f"not a readable XML document: {first or 'no root element'}")
    resolve_entity_nodes(root)
    doc = XmlDocument(root, recovered=True, encoding=encoding)
    first = _first_error(parser)
    if declared and encoding != declared:
        doc.problems.append(f"document claims encoding {declared!r}; read as {encoding!r}")
    if first:
        doc.problems.append(f"malformed XML repaired ({first}); some items may be missing")
    return doc


def _declared_encoding(body: bytes) -> str | None:
    if body[:5] != b"<?xml":
        return None
    match = XML_DECL_ENCODING_RE.match(body)
    return match.group("enc").decode("ascii").lower() if match else None


def _is_utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _decode(
    body: bytes, declared: str | None, charset: str | None, *, prefer_utf8: bool
) -> tuple[str, str]:
    candidates: list[str] = []
    if prefer_utf8:
        candidates.append("utf-8")
    for name in (declared, charset.lower() if charset else None, "utf-8", "cp1252"):
        if name and name not in candidates:
            candidates.append(name)
    for name in candidates:
        try:
            return name, body.decode(name)
        except (UnicodeDecodeError, LookupError):
            continue
    return "latin-1", body.decode("latin-1")


def _fix_entity(match: Any, declared: frozenset[bytes]) -> bytes:
    name = match.group("name")
    if name is not None:
        if name in _XML_ENTITIES:
            return match.group(0)
        if name in declared:
            return b""
        char = html.unescape(f"&{name.decode('ascii')};")
        if len(char) == 1 or not char.startswith("&"):
            return char.encode("ascii", "xmlcharrefreplace")
        return b"&amp;" + name + b";"
    ok = match.group("ok")
    if ok is not None:
        hexadecimal = ok[1:2] in (b"x", b"X")
        code = int(ok[2:-1], 16) if hexadecimal else int(ok[1:-1])
        return match.group(0) if _is_xml_char(code) else _REPLACEMENT_REF
    return b"&amp;"


#: what a character reference to no XML character becomes (U+FFFD)
_REPLACEMENT_REF = b"&#xFFFD;"


def _is_xml_char(code: int) -> bool:
    """Whether XML 1.0 allows the character (its ``Char`` production). Why: libxml2's
    recovering parser keeps a reference such as ``&#xD800;`` (a lone surrogate) as
    bytes that are no UTF-8, and reading that text then raises UnicodeDecodeError, so
    the whole feed would be lost to one bad character."""
    return (
        code in (0x9, 0xA, 0xD)
        or 0x20 <= code <= 0xD7FF
        or 0xE000 <= code <= 0xFFFD
        or 0x10000 <= code <= 0x10FFFF
    )


def resolve_entity_nodes(root: Any) -> None:
    """Replace unresolved entity reference nodes by their HTML meaning, or by nothing.

    They appear when a document declares entities in a DTD (which we refuse to
    expand) or names an external DTD that would define ``&nbsp;`` and friends.
    """
    for node in list(root.iter(etree.Entity)):
        parent = node.getparent()
        if parent is None:
            continue
        name = node.name or ""
        meaning = html.unescape(f"&{name};")
        replacement = "" if meaning.startswith("&") else meaning
        text = replacement + (node.tail or "")
        previous = node.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + text
        else:
            parent.text = (parent.text or "") + text
        parent.remove(node)


def _first_error(parser: etree.XMLParser) -> str:
    for entry in parser.error_log:
        if entry.level_name in ("FATAL", "ERROR"):
            return f"line {entry.line}: {_one_line(entry.message)}"
    return ""


def _one_line(text: str) -> str:
    return " ".join(text.split())[:200]
