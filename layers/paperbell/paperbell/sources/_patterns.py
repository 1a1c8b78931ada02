"""Regular expressions compiled once at import (parsers run them per item on a hot path)."""

from __future__ import annotations

import re

_NEW_ID = r"\d{4}\.\d{4,5}(?:v\d+)?(?!\d)"
_OLD_ID = r"[a-z][a-z\-]*(?:\.[A-Z]{2})?/\d{7}(?:v\d+)?(?!\d)"

# An arXiv id behind a prefix that proves it is one: abs/pdf/html links (any arxiv.org
# host), OAI identifiers, arXiv DOIs, Hugging Face paper pages, "arXiv:" citations.
ARXIV_REFERENCE_RE = re.compile(
    r"(?:(?i:arxiv\.org/(?:abs|pdf|html)/)|(?i:oai:arxiv\.org:)|(?i:10\.48550/arxiv\.)"
    r"|(?i:huggingface\.co/papers/)|(?i:\barxiv:))"
    rf"(?P<ref>{_NEW_ID}|{_OLD_ID})"
)

# arXiv RSS/Atom (2024 format) description head:
# "arXiv:2502.08441v2 Announce Type: replace \nAbstract: Despite ..."
ARXIV_ANNOUNCE_RE = re.compile(
    r"\s*arXiv:(?P<ref>\S+)\s+Announce\s+Type:\s*(?P<type>[\w-]+)\s*(?:Abstract:\s*)?",
    re.IGNORECASE,
)

# Legacy (pre-2024, RSS 1.0) arXiv titles end in "(arXiv:2310.03025v1 [cs.CL] UPDATED)".
ARXIV_TITLE_SUFFIX_RE = re.compile(
    r"\s*\(arXiv:(?P<ref>[^\s\[\]()]+)(?:\s*\[[^\]]*\])?(?:\s+[A-Z]+)?\)\s*$"
)

# Separators inside arXiv's single comma-joined dc:creator ("A, B and C").
ARXIV_AUTHOR_SPLIT_RE = re.compile(r"\s*,\s*(?:and\s+)?|\s+and\s+")

# "Jane Doe (jane@example.org)" / "jane@example.org (Jane Doe)" in RSS <author>.
EMAIL_NAME_RE = re.compile(r"^\s*\S+@\S+\s*\((?P<name>[^)]*)\)\s*$")

# XML named references that are not XML's five (HTML entities in feeds), and bare
# ampersands; used only when repairing a document the strict parser refused.
ENTITY_OR_AMP_RE = re.compile(
    rb"&(?:(?P<name>[A-Za-z][A-Za-z0-9]{0,31});|(?P<ok>#[0-9]{1,7};|#[xX][0-9a-fA-F]{1,6};))?"
)

# encoding="..." in an XML declaration.
XML_DECL_ENCODING_RE = re.compile(
    rb"^<\?xml[^>]{0,200}?encoding\s*=\s*[\"'](?P<enc>[A-Za-z0-9._\-]{1,40})[\"']"
)
# A DOCTYPE with its optional internal subset, and the entities that subset declares.
DOCTYPE_RE = re.compile(rb"<!DOCTYPE[^\[>]*(?P<subset>\[.*?\])?\s*>", re.DOTALL)
ENTITY_DECL_RE = re.compile(rb"<!ENTITY\s+(?:%\s+)?(?P<name>[A-Za-z_][\w.\-]*)")
XML_DECL_RE = re.compile(rb"^<\?xml[^>]{0,300}\?>")
