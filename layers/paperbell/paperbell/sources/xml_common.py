"""Namespaces and small element helpers shared by the RSS and Atom readers."""

from __future__ import annotations

from typing import Any

from .text import element_text

ATOM_NS = "http://www.w3.org/2005/Atom"
ATOM03_NS = "http://purl.org/atom/ns#"
ARXIV_NS = "http://arxiv.org/schemas/atom"
DC_NS = "http://purl.org/dc/elements/1.1/"
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
RSS1_NS = "http://purl.org/rss/1.0/"
RSS090_NS = "http://my.netscape.com/rdf/simple/0.9/"
RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
OPENSEARCH_NS = "http://a9.com/-/spec/opensearch/1.1/"
XML_NS = "http://www.w3.org/XML/1998/namespace"


def local_name(tag: Any) -> str:
    """``{ns}name`` -> ``name``; ``""`` for comments, PIs and entity nodes."""
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2]


def node_text(element: Any) -> str:
    """All text of an element: ``.text`` when it has no children (the common case)."""
    if len(element) == 0:
        return element.text or ""
    return element_text(element)


def is_arxiv_document(root: Any, link: str) -> bool:
    """arXiv's own feeds declare the arxiv namespace or link to arxiv.org."""
    return ARXIV_NS in root.nsmap.values() or "arxiv.org" in link.lower()
