"""The text/plain part of a digest: it must read well on its own (text-only clients,
screen readers, previews, forwarding).

Highlighted words in the abstract snippet are wrapped in ``*asterisks*``: the common
plain-text convention for emphasis that mutt, Thunderbird and Apple Mail show in bold
and that survives quoting. Titles stay plain so they can be copied and searched as they
are; the ``matched:`` line already says which query hit the title.
"""

from __future__ import annotations

import textwrap

from paperbell.delivery.digest_model import (
    Digest,
    DigestEntry,
    MailSettings,
    abstract_snippet,
    authors_line,
    code_link,
    manage_label,
    one_line,
    paper_count_phrase,
    paper_links,
    popularity_line,
    reason_line,
    recommending_phrase,
    safe_url,
    section_heading,
    split_marked,
    trending_phrase,
)

WIDTH = 72
INDENT = "   "


def _wrap(text: str, indent: str = INDENT) -> list[str]:
    return textwrap.wrap(
        text,
        WIDTH,
        initial_indent=indent,
        subsequent_indent=indent,
        break_long_words=False,
        break_on_hyphens=False,
    )


def _badges(entry: DigestEntry) -> str:
    paper = entry.paper
    parts: list[str] = []
    popularity = popularity_line(entry)
    if popularity:
        parts.append(popularity)
    elif paper.upvotes is not None:
        parts.append(f"▲ {paper.upvotes}")
    categories = [c for c in (one_line(c) for c in paper.categories) if c]
    if categories:
        parts.append(", ".join(categories))
    code = code_link(paper)
    if code is not None:
        url, stars = code
        parts.append(f"code: {url}" + (f" (★ {stars})" if stars is not None else ""))
    return " · ".join(parts)


def _snippet(entry: DigestEntry) -> str:
    text, spans = abstract_snippet(entry)
    marked = "".join(f"*{piece}*" if hit else piece for piece, hit in split_marked(text, spans))
    return one_line(marked)


def _entry_lines(number: int, entry: DigestEntry) -> list[str]:
    paper = entry.paper
    lines = textwrap.wrap(
        one_line(paper.title) or paper.id,
        WIDTH,
        initial_indent=f"{number}. ".ljust(len(INDENT)),
        subsequent_indent=INDENT,
        break_long_words=False,
        break_on_hyphens=False,
    )
    authors = authors_line(paper)
    if authors:
        lines += _wrap(authors)
    badges = _badges(entry)
    if badges:
        lines += _wrap(badges)
    queries = [q for q in (one_line(q) for q in entry.queries) if q]
    if queries:
        lines += _wrap("matched: " + "; ".join(queries))
    liked, terms = reason_line(entry)
    if liked:
        lines += _wrap(f"similar to: {liked}")
    if terms:
        lines += _wrap("shared terms: " + ", ".join(f"*{t}*" for t in terms))
    snippet = _snippet(entry)
    if snippet:
        lines.append("")
        lines += _wrap(snippet)
    links = paper_links(paper)
    if links:
        lines.append("")
        label_width = max(len(label) for label, _ in links) + 1
        lines += [f"{INDENT}{(label + ':').ljust(label_width)} {link}" for label, link in links]
    lines += _vote_lines(entry)
    return lines


def _vote_lines(entry: DigestEntry) -> list[str]:
    """The vote links, each on its own line (a text client makes whole URLs clickable;
    the page they open asks before anything changes)."""
    if entry.votes is None:
        return []
    more, less = safe_url(entry.votes.more_url), safe_url(entry.votes.less_url)
    lines = [f"{INDENT}More like this: {more}"] if more else []
    return lines + ([f"{INDENT}Less like this: {less}"] if less else [])


def _footer(digest: Digest, settings: MailSettings) -> list[str]:
    queries = [q for q in (one_line(q) for q in digest.subscriber.queries) if q]
    lines = ["-- ", ""]
    why = f"You get this mail because {one_line(digest.subscriber.email)} subscribed to paperbell"
    wants = [p for p in (trending_phrase(digest.subscriber),
                         recommending_phrase(digest.subscriber)) if p]
    if wants:
        why += " for " + " and ".join(wants) + (" and" if queries else "")
    if queries:
        why += " with the queries: " + "; ".join(queries)
    lines += _wrap(why + ".", "")
    manage = safe_url(digest.links.manage_url)
    if manage:
        lines.append(f"{manage_label(digest.subscriber)}: {manage}")
    unsubscribe = safe_url(digest.links.unsubscribe_url)
    if unsubscribe:
        lines.append(f"Unsubscribe (opens a page with one button): {unsubscribe}")
    sender = (
        f"Sent by {one_line(settings.sender_name) or 'paperbell'} <{one_line(settings.sender)}>"
    )
    site = safe_url(settings.site_url)
    lines.append(sender + (f" - {site}" if site else ""))
    return lines


def render_text(digest: Digest, settings: MailSettings) -> str:
    """The whole plain-text part."""
    day = digest.digest_date.strftime("%a %d %b %Y")
    lines: list[str]
    if digest.is_empty:
        lines = [f"paperbell · {day}", "", "Nothing matched your queries today."]
        lines += _wrap(
            "arXiv does not announce new papers on weekends and holidays, so quiet days "
            "are normal. Your next digest comes as soon as something matches.",
            "",
        )
    else:
        sections, more = digest.paged_sections(settings.max_papers)
        total = sum(len(part.entries) for part in sections) + more
        lines = [f"paperbell · {paper_count_phrase(total)} for you · {day}", ""]
        for part in sections:
            if digest.sectioned:
                heading = section_heading(part, digest.period)
                lines += [heading, "=" * min(len(heading), WIDTH), ""]
            for number, entry in enumerate(part.entries, 1):
                lines += _entry_lines(entry.rank or number, entry)
                lines.append("")
        if more:
            full = safe_url(digest.links.full_list_url)
            lines.append(f"... and {more} more" + (f": {full}" if full else "."))
    lines.append("")
    lines += _footer(digest, settings)
    return "\n".join(lines) + "\n"
