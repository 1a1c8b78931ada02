"""What a subscriber pastes as "papers I like" -> paper references, and what was unusable.

Accepted, mixed freely: arXiv ids (``2402.04177``, ``2402.04177v2``, ``arXiv:2402.04177``,
``hep-th/9901001``), arXiv abs/pdf/html links, Hugging Face paper URLs
(``https://huggingface.co/papers/2402.04177``), DOIs, and a pasted BibTeX export (Zotero,
Google Scholar, arXiv's own): each entry gives its arXiv id from ``eprint`` (with
``archivePrefix = arXiv``, or any value that is an arXiv id), an arXiv DOI
(``10.48550/arXiv.…``), a ``url``, or a ``journal = {arXiv preprint arXiv:…}``; else its
``doi``. Why report rather than fail: a Zotero library holds books and journal papers
that paperbell cannot fetch, and the subscriber should learn which entries those were
while the rest still counts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from paperbell.models import ARXIV_ID_RE, split_arxiv_version
from paperbell.sources._patterns import ARXIV_REFERENCE_RE

from .profile import MAX_LIKES

__all__ = ["PaperListParse", "PaperRef", "parse_paper_list"]

_ENTRY_START = re.compile(r"@\s*([A-Za-z]+)\s*[{(]")
_DOI_RE = re.compile(r"\b(10\.\d{4,9}/[^\s\"'<>{}]+)", re.I)
_ARXIV_DOI_RE = re.compile(r"10\.48550/arxiv\.(\S+)", re.I)
_TOKEN_SPLIT = re.compile(r"[\s,;]+")
_SKIPPED_TYPES = frozenset({"comment", "preamble", "string"})


@dataclass(frozen=True, slots=True)
class PaperRef:
    """One usable reference: an arXiv id (``kind="arxiv"``), a DOI (``kind="doi"``) or,
    from callers that know the papers at hand, a paper's exact id (``kind="id"``)."""

    kind: str
    value: str
    #: Where it came from (the token, or the BibTeX entry key), for messages.
    label: str


@dataclass(slots=True)
class PaperListParse:
    """The papers a pasted list names, and what of it could not be used."""

    refs: list[PaperRef] = field(default_factory=list)
    #: One human-readable line per input that could not be used.
    problems: list[str] = field(default_factory=list)

    @property
    def arxiv_ids(self) -> list[str]:
        return [r.value for r in self.refs if r.kind == "arxiv"]


def _arxiv_in(text: str) -> str | None:
    """The version-less arXiv id ``text`` is or clearly names, else None."""
    text = text.strip().strip("{}\"'<>()[].")
    if not text:
        return None
    doi = _ARXIV_DOI_RE.search(text)
    if doi:
        text = doi.group(1)
    if ARXIV_ID_RE.fullmatch(text):
        return split_arxiv_version(text)[0]
    match = ARXIV_REFERENCE_RE.search(text)
    if match is not None:
        return split_arxiv_version(match.group("ref"))[0]
    return None


def _bibtex_entries(text: str) -> tuple[list[tuple[str, str, dict[str, str]]], str]:
    """(type, key, fields) of every entry (values keep their inner text, braces dropped),
    and the text between the entries."""
    entries = []
    outside: list[str] = []
    pos = 0
    while True:
        m = _ENTRY_START.search(text, pos)
        if m is None:
            break
        outside.append(text[pos : m.start()])
        kind = m.group(1).lower()
        close = "}" if text[m.end() - 1] == "{" else ")"
        body, pos = _balanced(text, m.end(), close)
        if kind in _SKIPPED_TYPES:
            continue
        key, _, rest = body.partition(",")
        entries.append((kind, key.strip(), _fields(rest)))
    outside.append(text[pos:])
    return entries, "\n".join(outside)


def _balanced(text: str, start: int, close: str) -> tuple[str, int]:
    """The text up to the ``close`` that balances the opener before ``start``."""
    depth = 0
    i = start
    while i < len(text):
        ch = text[i]
        if ch == "{":
            depth += 1
        elif ch == "}" and (depth > 0):
            depth -= 1
        elif ch == close and depth == 0:
            return text[start:i], i + 1
        i += 1
    return text[start:], len(text)


def _fields(body: str) -> dict[str, str]:
    out: dict[str, str] = {}
    i, n = 0, len(body)
    while i < n:
        m = re.compile(r"\s*,?\s*([A-Za-z][\w\-]*)\s*=\s*").match(body, i)
        if m is None:
            break
        name = m.group(1).lower()
        i = m.end()
        if i < n and body[i] == "{":
            value, i = _balanced(body, i + 1, "}")
        elif i < n and body[i] == '"':
            end = body.find('"', i + 1)
            end = n if end < 0 else end
            value, i = body[i + 1 : end], end + 1
        else:
            m2 = re.compile(r"[^,]*").match(body, i)
            value = m2.group() if m2 else ""
            i += len(value)
        out[name] = " ".join(value.replace("{", "").replace("}", "").split())
    return out


def _from_entry(key: str, fields: dict[str, str]) -> PaperRef | str:
    """A reference from one BibTeX entry, or the reason it has none."""
    label = key or fields.get("title", "?")[:60]
    eprint = fields.get("eprint", "")
    prefix = fields.get("archiveprefix", fields.get("eprinttype", "")).lower()
    if eprint and (prefix in ("", "arxiv")):
        found = _arxiv_in(eprint)
        if found:
            return PaperRef("arxiv", found, label)
    for name in ("doi", "url", "journal", "note", "howpublished", "arxivid", "arxiv"):
        found = _arxiv_in(fields[name]) if name in fields else None
        if found is None and name in fields:
            inner = re.search(r"arxiv[:\s]+(\S+)", fields[name], re.I)
            found = _arxiv_in(inner.group(1)) if inner else None
        if found:
            return PaperRef("arxiv", found, label)
    doi = _DOI_RE.search(fields.get("doi", ""))
    if doi:
        return PaperRef("doi", doi.group(1).rstrip(".").lower(), label)
    title = fields.get("title", "")
    shown = f"{label!r}" + (f" ({title[:60]})" if title and title[:60] != label else "")
    return f"entry {shown}: no arXiv id, eprint or DOI"


def parse_paper_list(text: str, *, limit: int = MAX_LIKES) -> PaperListParse:
    """Read pasted ids/URLs/DOIs or a BibTeX export; at most ``limit`` references kept."""
    result = PaperListParse()
    seen: set[tuple[str, str]] = set()

    def keep(ref: PaperRef) -> None:
        if (ref.kind, ref.value) in seen:
            return
        seen.add((ref.kind, ref.value))
        result.refs.append(ref)

    outside = text
    if _ENTRY_START.search(text):
        entries, outside = _bibtex_entries(text)
        for _, key, fields in entries:
            outcome = _from_entry(key, fields)
            if isinstance(outcome, str):
                result.problems.append(outcome)
            else:
                keep(outcome)
    # Ids and links pasted beside BibTeX entries count too; other words there are what
    # BibTeX itself treats as comments, so only a plain list reports them.
    report = outside is text
    for token in _TOKEN_SPLIT.split(outside.strip()):
        if not token:
            continue
        found = _arxiv_in(token)
        if found:
            keep(PaperRef("arxiv", found, token))
            continue
        doi = _DOI_RE.search(token)
        if doi:
            keep(PaperRef("doi", doi.group(1).rstrip(".").lower(), token))
            continue
        if report:
            result.problems.append(f"{token[:80]!r}: not an arXiv id, paper URL or DOI")
    if len(result.refs) > limit:
        dropped = result.refs[limit:]
        del result.refs[limit:]
        result.problems.append(
            f"only {limit} papers can be liked; left out {len(dropped)}: "
            + ", ".join(r.value for r in dropped[:5])
            + (" …" if len(dropped) > 5 else "")
        )
    return result
