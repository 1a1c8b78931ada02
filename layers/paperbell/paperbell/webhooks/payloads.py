"""Webhook bodies: Slack Block Kit, Discord embeds and paperbell's generic JSON.

Every builder takes ``(subscriber_id, entries, digest_date)``. An entry is anything with
``.paper``, ``.queries`` and ``.highlights`` attributes (e.g. ``DigestEntry``) or a
``(paper, queries, highlights)`` tuple. Highlights are ``{"title": [(start, end), ...],
"abstract": [...]}``: character offsets into ``paper.title`` / ``paper.abstract``.

Text from papers is untrusted (anyone can upload a paper titled ``<!channel>``):

* Slack: ``&``, ``<`` and ``>`` are escaped, ``@channel``/``@here``/``@everyone`` get a
  zero-width space after the ``@``, text objects are ``verbatim`` (no auto-parsing of
  mentions), link URLs are percent-escaped; Block Kit limits are respected.
* Discord: markdown is backslash-escaped, ``allowed_mentions`` is empty (nothing can
  ping), and the embed limits (10 embeds; title 256, description 4096, field value
  1024, footer 2048; 6000 characters across all embeds; content 2000) are respected.

No I/O here. See docs/webhooks.md for the generic schema.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from paperbell.models import Paper
from paperbell.urls import safe_url

GENERIC_TYPE = "paperbell.digest"
GENERIC_VERSION = 1
#: Additions within version 1 (consumers of 1.0 ignore unknown fields): 1 adds
#: ``sections`` and, per paper, ``section``, ``rank`` and ``comments`` (issue 15); 2 adds
#: the ``recommended`` section and, per paper, ``recommendation`` and ``votes`` (issue 14).
GENERIC_MINOR_VERSION = 2

SLACK_MAX_BLOCKS = 50
SLACK_MAX_PAPERS = 20  # 2 blocks each + 4 header/footer blocks stays under 50
SLACK_SECTION_LIMIT = 3000
SLACK_HEADER_LIMIT = 150
SLACK_EXCERPT_CHARS = 300

DISCORD_MAX_EMBEDS = 10
DISCORD_TITLE_LIMIT = 256
DISCORD_DESCRIPTION_LIMIT = 4096
DISCORD_FIELD_NAME_LIMIT = 256
DISCORD_FIELD_VALUE_LIMIT = 1024
DISCORD_FOOTER_LIMIT = 2048
DISCORD_TOTAL_LIMIT = 6000
DISCORD_CONTENT_LIMIT = 2000
DISCORD_COLOR = 0xF2A900

ELLIPSIS = "…"
_ZWSP = "\u200b"
_MENTION_RE = re.compile(r"@(?=(?:channel|here|everyone|group)\b)", re.IGNORECASE)
_DISCORD_MD_RE = re.compile(r"([\\*_~`|>#\[\]()<])")

Span = tuple[int, int]
Unpacked = tuple[Paper, tuple[str, ...], dict[str, list[Span]]]


# --------------------------------------------------------------------------- helpers


def _unpack(entry: Any) -> Unpacked:
    if hasattr(entry, "paper"):
        paper, queries, highlights = entry.paper, entry.queries, entry.highlights
    else:
        paper, queries, highlights = entry
    return paper, tuple(queries or ()), dict(highlights or {})


def _date_str(digest_date: date | datetime | str) -> str:
    if isinstance(digest_date, datetime):
        return digest_date.date().isoformat()
    if isinstance(digest_date, date):
        return digest_date.isoformat()
    return str(digest_date)


def normalize_spans(spans: Iterable[Any] | None, text: str) -> list[Span]:
    """Sorted, merged, in-range ``(start, end)`` spans; malformed ones are dropped."""
    clean: list[Span] = []
    for span in spans or ():
        try:
            start, end = int(span[0]), int(span[1])
        except (TypeError, ValueError, IndexError):
            continue
        start, end = max(0, start), min(len(text), end)
        if start < end:
            clean.append((start, end))
    clean.sort()
    merged: list[Span] = []
    for start, end in clean:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _excerpt(
    text: str, spans: Sequence[Span], limit: int
) -> tuple[list[tuple[str, bool]], bool, bool]:
    """Up to ``limit`` characters of ``text`` around the first highlight.

    Returns ``(segments, cut_before, cut_after)``; each segment is ``(text, highlighted)``.
    """
    if limit <= 0 or not text:
        return [], False, bool(text)
    start = 0
    if len(text) > limit and spans:
        start = max(0, min(spans[0][0] - limit // 5, len(text) - limit))
        if start > 0:
            space = text.find(" ", start)
            if 0 <= space < spans[0][0]:
                start = space + 1
    end = min(len(text), start + limit)
    if end < len(text):
        space = text.rfind(" ", start, end)
        if space > start + limit // 2:
            end = space
    segments: list[tuple[str, bool]] = []
    pos = start
    for s, e in spans:
        s, e = max(s, start), min(e, end)
        if s >= e:
            continue
        if s > pos:
            segments.append((text[pos:s], False))
        segments.append((text[s:e], True))
        pos = e
    if pos < end:
        segments.append((text[pos:end], False))
    return segments, start > 0, end < len(text)


def _authors_line(authors: Sequence[str], limit: int = 3) -> str:
    if not authors:
        return ""
    shown = ", ".join(authors[:limit])
    return shown + (" et al." if len(authors) > limit else "")


def _reason(entry: Any) -> Any:
    """A recommended entry's reason (``similar_to_title``, ``terms``, ...) or None."""
    return getattr(entry, "reason", None)


def _vote_urls(entry: Any) -> tuple[str, str] | None:
    """The entry's (more, less) vote URLs when both are safe http(s) links, else None."""
    votes = getattr(entry, "votes", None)
    if votes is None:
        return None
    more, less = safe_url(votes.more_url), safe_url(votes.less_url)
    return (more, less) if more and less else None


# --------------------------------------------------------------------------- Slack


def slack_escape(text: str) -> str:
    """Escape text for Slack mrkdwn: ``& < >`` as entities, mentions defused."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MENTION_RE.sub("@" + _ZWSP, text)


def _slack_url(url: str) -> str:
    return (
        url.replace("&", "&amp;")
        .replace("<", "%3C")
        .replace(">", "%3E")
        .replace("|", "%7C")
        .replace(" ", "%20")
    )


def _longest_prefix(raw: str, fits: Any) -> str:
    """The longest prefix ``p`` of ``raw`` with ``fits(p)`` (``fits`` is monotone)."""
    lo, hi = 0, len(raw)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if fits(raw[:mid]):
            lo = mid
        else:
            hi = mid - 1
    return raw[:lo]


def _slack_truncate(raw: str, limit: int) -> str:
    """``slack_escape(raw)`` cut so that the escaped text fits ``limit`` (entities whole)."""
    escaped = slack_escape(raw)
    if len(escaped) <= limit:
        return escaped
    cut = _longest_prefix(raw, lambda p: len(slack_escape(p)) + 1 <= limit)
    return slack_escape(cut) + ELLIPSIS


def _slack_segments(segments: Sequence[tuple[str, bool]]) -> str:
    out = []
    for text, highlighted in segments:
        stripped = text.strip()
        if highlighted and stripped:
            lead = text[: len(text) - len(text.lstrip())]
            trail = text[len(text.rstrip()) :]
            out.append(f"{lead}*{slack_escape(stripped)}*{trail}")
        else:
            out.append(slack_escape(text))
    return "".join(out)


def _slack_mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def _slack_paper_blocks(
    entry: Unpacked, rank: int | None = None, source: Any = None
) -> list[dict[str, Any]]:
    """A section block (title, excerpt) and a context block (rank, authors, ..., why it
    was recommended; the vote links as a second context element, so cutting the
    first never breaks a link) for one paper; ``source`` is the original entry."""
    paper, queries, highlights = entry
    link = safe_url(paper.url)
    title = _slack_truncate(paper.title or paper.id, 500)
    heading = f"*<{_slack_url(link)}|{title}>*" if link else f"*{title}*"
    abstract = paper.abstract or ""
    spans = normalize_spans(highlights.get("abstract"), abstract)
    excerpt = SLACK_EXCERPT_CHARS
    while True:
        segments, before, after = _excerpt(abstract, spans, excerpt)
        body = _slack_segments(segments)
        if body:
            body = (ELLIPSIS if before else "") + body + (ELLIPSIS if after else "")
        text = heading + ("\n" + body if body else "")
        if len(text) <= SLACK_SECTION_LIMIT or excerpt <= 0:
            break
        excerpt = excerpt // 2 if excerpt > 20 else 0
    meta = []
    if rank is not None:
        meta.append(f"*#{rank}*")
    if paper.authors:
        meta.append(slack_escape(_authors_line(paper.authors)))
    if paper.categories:
        meta.append(slack_escape(", ".join(paper.categories[:5])))
    if paper.upvotes is not None:
        meta.append(f"▲ {int(paper.upvotes)}")
    if queries:
        meta.append("matched: " + ", ".join(f"`{slack_escape(q)}`" for q in queries[:5]))
    reason = _reason(source)
    if reason is not None and reason.similar_to_title:
        meta.append("similar to _" + _slack_truncate(reason.similar_to_title, 300) + "_")
    if reason is not None and reason.terms:
        meta.append("shared terms: " + ", ".join(f"*{slack_escape(t)}*" for t in reason.terms))
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": _slack_mrkdwn(text[:SLACK_SECTION_LIMIT])}
    ]
    elements = []
    if meta:
        elements.append(_slack_mrkdwn(_slack_truncate_joined(meta, SLACK_SECTION_LIMIT)))
    votes = _vote_urls(source)
    if votes is not None:
        more, less = (_slack_url(u) for u in votes)
        elements.append(_slack_mrkdwn(f"<{more}|More like this>  ·  <{less}|Less like this>"))
    if elements:
        blocks.append({"type": "context", "elements": elements})
    return blocks


def _slack_truncate_joined(parts: list[str], limit: int) -> str:
    text = "  ·  ".join(parts)
    while len(text) > limit and len(parts) > 1:
        parts = parts[:-1]
        text = "  ·  ".join(parts)
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS


def _slack_sectioned(digest_date: date | datetime | str, sections: Sequence[Any]) -> dict[str, Any]:
    """One message, one titled part per section (trending first), papers numbered by rank."""
    day = _date_str(digest_date)
    count = sum(len(part.entries) for part in sections)
    noun = "paper" if count == 1 else "papers"
    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": {
                "type": "plain_text",
                "text": f"paperbell digest — {day}"[:SLACK_HEADER_LIMIT],
            },
        },
    ]
    shown = 0
    for part in sections:
        room = SLACK_MAX_PAPERS - shown
        if room <= 0:
            break
        blocks.append({"type": "divider"})
        title = slack_escape(f"{part.title} · {len(part.entries)} {_noun(len(part.entries))}")
        blocks.append({"type": "section", "text": _slack_mrkdwn(f"*{title}*")})
        for entry in part.entries[:room]:
            blocks.extend(
                _slack_paper_blocks(_unpack(entry), getattr(entry, "rank", None), entry)
            )
            shown += 1
    fallback = slack_escape(f"paperbell digest for {day}: {count} {noun}")
    return _slack_message(fallback, blocks, count)


def _noun(count: int) -> str:
    return "paper" if count == 1 else "papers"


def slack_payload(
    subscriber_id: str,
    entries: Iterable[Any],
    digest_date: date | datetime | str,
    sections: Sequence[Any] | None = None,
) -> dict[str, Any]:
    """A Slack incoming-webhook message (Block Kit) for one digest."""
    if sections:
        return _slack_sectioned(digest_date, sections)
    entries_list = list(entries)
    items = [_unpack(e) for e in entries_list]
    day = _date_str(digest_date)
    count = len(items)
    noun = "paper" if count == 1 else "papers"
    fallback = slack_escape(f"paperbell digest for {day}: {count} new {noun}")
    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": {
                "type": "plain_text",
                "text": f"paperbell digest — {day}"[:SLACK_HEADER_LIMIT],
            },
        },
        {
            "type": "context",
            "elements": [_slack_mrkdwn(f"{count} new {noun} matched your queries")],
        },
        {"type": "divider"},
    ]
    for original, item in list(zip(entries_list, items, strict=True))[:SLACK_MAX_PAPERS]:
        blocks.extend(_slack_paper_blocks(item, source=original))
    return _slack_message(fallback, blocks, count)


def _slack_message(fallback: str, blocks: list[dict[str, Any]], count: int) -> dict[str, Any]:
    if count > SLACK_MAX_PAPERS:
        more = count - SLACK_MAX_PAPERS
        blocks.append(
            {"type": "context", "elements": [_slack_mrkdwn(f"…and {more} more not shown here")]}
        )
    return {
        "text": fallback,
        "blocks": blocks[:SLACK_MAX_BLOCKS],
        "unfurl_links": False,
        "unfurl_media": False,
    }


# --------------------------------------------------------------------------- Discord


def discord_len(text: str) -> int:
    """Length as Discord may count it (UTF-16 code units; never less than ``len``)."""
    return len(text.encode("utf-16-le")) // 2


def discord_escape(text: str) -> str:
    """Backslash-escape Discord markdown and defuse @everyone/@here."""
    return _MENTION_RE.sub("@" + _ZWSP, _DISCORD_MD_RE.sub(r"\\\1", text))


def _discord_cut(text: str, limit: int) -> str:
    """Cut already-final text to ``limit`` (UTF-16 units), without splitting an escape."""
    if discord_len(text) <= limit:
        return text
    if limit <= 0:
        return ""
    cut = _longest_prefix(text, lambda p: discord_len(p) + 1 <= limit)
    # Never end on a lone backslash (it would escape the ellipsis) or half a pair.
    while cut.endswith("\\") or (cut and 0xD800 <= ord(cut[-1]) <= 0xDBFF):
        cut = cut[:-1]
    return cut + ELLIPSIS


def _discord_segments(segments: Sequence[tuple[str, bool]]) -> str:
    out = []
    for text, highlighted in segments:
        stripped = text.strip()
        if highlighted and stripped:
            lead = text[: len(text) - len(text.lstrip())]
            trail = text[len(text.rstrip()) :]
            out.append(f"{lead}**{discord_escape(stripped)}**{trail}")
        else:
            out.append(discord_escape(text))
    return "".join(out)


def _embed_size(embed: Mapping[str, Any]) -> int:
    size = discord_len(embed.get("title", "")) + discord_len(embed.get("description", ""))
    for f in embed.get("fields", ()):
        size += discord_len(f["name"]) + discord_len(f["value"])
    size += discord_len(embed.get("footer", {}).get("text", ""))
    size += discord_len(embed.get("author", {}).get("name", ""))
    return size


def _discord_embed(entry: Unpacked, budget: int, source: Any = None) -> dict[str, Any]:
    """One paper's embed within ``budget`` characters; a recommended paper gets a "Why"
    field, and the vote links a "Teach paperbell" field only when they fit whole (a
    cut markdown link would be a broken link; Discord's 6000-character cap is shared by
    all embeds, so with many papers only some carry them)."""
    paper, queries, highlights = entry
    embed: dict[str, Any] = {
        "title": _discord_cut(paper.title or paper.id, min(DISCORD_TITLE_LIMIT, budget // 4)),
        "color": DISCORD_COLOR,
    }
    link = safe_url(paper.url)
    if link:
        embed["url"] = link
    fields: list[dict[str, Any]] = []
    if queries:
        value = ", ".join(f"`{q.replace('`', 'ˋ')}`" for q in queries)
        fields.append({"name": "Matched", "value": value, "inline": True})
    if paper.upvotes is not None:
        fields.append({"name": "Upvotes", "value": str(int(paper.upvotes)), "inline": True})
    reason = _reason(source)
    if reason is not None and (reason.similar_to_title or reason.terms):
        why = f"similar to *{discord_escape(reason.similar_to_title)}*" if (
            reason.similar_to_title) else ""
        if reason.terms:
            terms = ", ".join(f"**{discord_escape(t)}**" for t in reason.terms)
            why += ("; " if why else "") + f"shared terms: {terms}"
        fields.append({"name": "Why", "value": why, "inline": False})
    footer_parts = []
    if paper.authors:
        footer_parts.append(_authors_line(paper.authors))
    if paper.categories:
        footer_parts.append(", ".join(paper.categories[:5]))
    field_budget = max(0, budget // 4)
    for f in fields:
        f["value"] = _discord_cut(f["value"], min(DISCORD_FIELD_VALUE_LIMIT, field_budget)) or "-"
    if footer_parts:
        embed["footer"] = {
            "text": _discord_cut(" · ".join(footer_parts), min(DISCORD_FOOTER_LIMIT, budget // 4))
        }
    votes = _vote_urls(source)
    if votes is not None:
        name = "Teach paperbell"
        value = f"[More like this]({votes[0]}) · [Less like this]({votes[1]})"
        needed = discord_len(name) + discord_len(value)
        size = _embed_size({**embed, "fields": fields})
        if discord_len(value) <= DISCORD_FIELD_VALUE_LIMIT and size + needed <= budget:
            fields.append({"name": name, "value": value, "inline": False})
    if fields:
        embed["fields"] = fields
    room = min(DISCORD_DESCRIPTION_LIMIT, budget - _embed_size(embed))
    abstract = paper.abstract or ""
    spans = normalize_spans(highlights.get("abstract"), abstract)
    raw_limit = room
    while raw_limit > 0:
        segments, before, after = _excerpt(abstract, spans, raw_limit)
        text = _discord_segments(segments)
        if text:
            text = (ELLIPSIS if before else "") + text + (ELLIPSIS if after else "")
        if discord_len(text) <= room:
            break
        raw_limit = raw_limit * room // max(discord_len(text), 1) - 1
    else:
        text = ""
    if text:
        embed["description"] = text
    return embed


def discord_payload(
    subscriber_id: str,
    entries: Iterable[Any],
    digest_date: date | datetime | str,
    sections: Sequence[Any] | None = None,
) -> dict[str, Any]:
    """A Discord execute-webhook body: a summary line plus one embed per paper (max 10).

    With sections, trending embeds are titled ``#rank`` and the summary line names the
    sections (Discord has no headings between embeds)."""
    ranks: dict[str, int] = {}
    if sections:
        entries = [entry for part in sections for entry in part.entries]
        ranks = {
            e.paper.id: e.rank
            for part in sections
            for e in part.entries
            if getattr(e, "rank", None) is not None
        }
    originals = list(entries)
    items = [_unpack(e) for e in originals]
    day = _date_str(digest_date)
    count = len(items)
    shown = items[:DISCORD_MAX_EMBEDS]
    content = f"**paperbell digest — {day}**: {count} new paper" + ("" if count == 1 else "s")
    if sections:
        content += " (" + ", ".join(f"{part.title}: {len(part.entries)}" for part in sections) + ")"
    if count > len(shown):
        content += f" (showing {len(shown)})"
    embeds: list[dict[str, Any]] = []
    remaining = DISCORD_TOTAL_LIMIT
    for index, item in enumerate(shown):
        budget = remaining // (len(shown) - index)
        embed = _discord_embed(item, budget, originals[index])
        rank = ranks.get(item[0].id)
        if rank is not None:
            embed["title"] = _discord_cut(f"#{rank} " + embed["title"], DISCORD_TITLE_LIMIT)
        remaining -= _embed_size(embed)
        embeds.append(embed)
    return {
        "username": "paperbell",
        "content": _discord_cut(content, DISCORD_CONTENT_LIMIT),
        "embeds": embeds,
        "allowed_mentions": {"parse": []},
    }


# --------------------------------------------------------------------------- generic


def generic_payload(
    subscriber_id: str,
    entries: Iterable[Any],
    digest_date: date | datetime | str,
    sections: Sequence[Any] | None = None,
) -> dict[str, Any]:
    """The versioned generic JSON document (schema: docs/webhooks.md).

    ``papers`` stays the flat list version 1.0 consumers read (each paper once, in mail
    order); version 1.1 adds ``sections`` (key, title, paper ids) and per paper its
    ``section``, ``rank`` (trending) and ``comments``; 1.2 the ``recommended`` section
    and per paper ``recommendation`` (why) and ``votes`` (links)."""
    placed: list[tuple[str, Any]] = []
    if sections:
        placed = [(part.key, entry) for part in sections for entry in part.entries]
    else:
        placed = [("queries", entry) for entry in entries]
    papers = []
    for key, entry in placed:
        paper, queries, highlights = _unpack(entry)
        papers.append(
            {
                "id": paper.id,
                "title": paper.title,
                "url": safe_url(paper.url) or "",
                "authors": list(paper.authors),
                "categories": list(paper.categories),
                "upvotes": paper.upvotes,
                "queries": list(queries),
                "highlights": {
                    "title": [
                        list(s) for s in normalize_spans(highlights.get("title"), paper.title)
                    ],
                    "abstract": [
                        list(s) for s in normalize_spans(highlights.get("abstract"), paper.abstract)
                    ],
                },
                "abstract": paper.abstract,
                "published": paper.published.isoformat() if paper.published else None,
                "source": paper.source,
                "section": key,
                "rank": getattr(entry, "rank", None),
                "comments": getattr(entry, "comments", None),
                "recommendation": _recommendation_json(entry),
                "votes": _votes_json(entry),
            }
        )
    if sections:
        outline = [
            {"key": part.key, "title": part.title, "paper_ids": [e.paper.id for e in part.entries]}
            for part in sections
        ]
    else:
        outline = (
            [
                {
                    "key": "queries",
                    "title": "Matching your queries",
                    "paper_ids": [p["id"] for p in papers],
                }
            ]
            if papers
            else []
        )
    return {
        "type": GENERIC_TYPE,
        "version": GENERIC_VERSION,
        "minor_version": GENERIC_MINOR_VERSION,
        "subscriber_id": subscriber_id,
        "digest_date": _date_str(digest_date),
        "paper_count": len(papers),
        "papers": papers,
        "sections": outline,
    }


def _recommendation_json(entry: Any) -> dict[str, Any] | None:
    """(1.2) Why a paper of the ``recommended`` section is there; None elsewhere."""
    reason = _reason(entry)
    if reason is None:
        return None
    return {
        "score": round(float(reason.score), 4),
        "similar_to": (
            {"id": reason.similar_to_id, "title": reason.similar_to_title}
            if reason.similar_to_id or reason.similar_to_title
            else None
        ),
        "terms": list(reason.terms),
    }


def _votes_json(entry: Any) -> dict[str, str] | None:
    """(1.2) The signed "more / less like this" links (each opens a page whose one
    button votes; a GET changes nothing); None when the paper has none."""
    votes = _vote_urls(entry)
    if votes is None:
        return None
    return {"more_like_this": votes[0], "less_like_this": votes[1]}


BUILDERS = {"slack": slack_payload, "discord": discord_payload, "generic": generic_payload}


def build_payload(
    target: str,
    subscriber_id: str,
    entries: Iterable[Any],
    digest_date: date | datetime | str,
    sections: Sequence[Any] | None = None,
) -> dict[str, Any]:
    """The payload for a target kind from :func:`paperbell.webhooks.detect_target`.

    ``sections`` (objects with ``key``, ``title`` and ``entries``, e.g. a digest's
    laid-out sections) split the digest into titled parts, trending first."""
    return BUILDERS[target](subscriber_id, entries, digest_date, sections)


def encode_body(payload: Mapping[str, Any]) -> bytes:
    """The exact bytes to sign and send: compact UTF-8 JSON."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
