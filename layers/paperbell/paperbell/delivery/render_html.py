"""The text/html part of a digest.

One column, at most 640px wide, table-based (the layout Outlook and Gmail agree on),
light colours inline (clients that strip <style> still get a readable mail) and a
``prefers-color-scheme: dark`` block for the clients that honour it. No images.

Every string that comes from a feed or a subscriber goes through :func:`html.escape`;
only absolute http(s) URLs (see :func:`~paperbell.delivery.digest_model.safe_url`) are
ever put into an ``href``.
"""

from __future__ import annotations

from html import escape

from paperbell.delivery.digest_model import (
    Digest,
    DigestEntry,
    MailSettings,
    Span,
    abstract_snippet,
    authors_line,
    canonical_url,
    code_link,
    digest_subject,
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
    squash,
    trending_phrase,
)

FONT = "-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif"
TEXT = "#1f2328"
MUTED = "#57606a"
LINK = "#0b57d0"
PAGE_BG = "#f3f4f6"
CARD_BG = "#ffffff"
BORDER = "#dfe3e8"

STYLE = f"""
:root {{ color-scheme: light dark; supported-color-schemes: light dark; }}
body {{ margin: 0; padding: 0; -webkit-text-size-adjust: 100%; }}
a {{ color: {LINK}; }}
@media (prefers-color-scheme: dark) {{
  body, .pb-page {{ background-color: #111318 !important; color: #e4e6eb !important; }}
  .pb-card {{ background-color: #1b1e25 !important; border-color: #2c313c !important; }}
  .pb-text, .pb-title {{ color: #e4e6eb !important; }}
  .pb-muted {{ color: #a3aab6 !important; }}
  .pb-link, .pb-title a {{ color: #8ab4f8 !important; }}
  .pb-badge {{ background-color: #2a2f3a !important; color: #d3d7de !important; }}
  .pb-mark {{ background-color: #5c4b00 !important; color: #fff3bf !important; }}
}}
@media only screen and (max-width: 480px) {{
  .pb-card {{ padding: 14px 14px !important; }}
  .pb-title {{ font-size: 17px !important; }}
}}
"""

MARK_STYLE = f"background-color:#fff1a8;color:{TEXT};padding:0 1px;border-radius:2px;"
BADGE_STYLE = (
    "display:inline-block;padding:1px 8px;margin:0 4px 4px 0;border-radius:10px;"
    "background-color:#eef1f5;color:#30363d;font-size:13px;line-height:20px;"
    "text-decoration:none;"
)
CARD_STYLE = (
    f"background-color:{CARD_BG};border:1px solid {BORDER};border-radius:8px;"
    f"padding:16px 20px;font-family:{FONT};font-size:16px;line-height:1.5;color:{TEXT};"
)


def _e(text: str) -> str:
    return escape(one_line(text), quote=True)


#: The "·" between links: coloured itself, so it stays visible on a dark-mode card (a bare
#: one inherited the light-mode text colour, dark on dark).
SEPARATOR = f' <span class="pb-muted" style="color:{MUTED};">&middot;</span> '


def _link(url: str | None, label_html: str, *, cls: str = "pb-link", style: str = "") -> str:
    """An <a> when ``url`` is http(s), else the label alone."""
    safe = safe_url(url)
    if safe is None:
        return label_html
    style = style or f"color:{LINK};"
    return f'<a class="{cls}" href="{escape(safe, quote=True)}" style="{style}">{label_html}</a>'


def _marked(text: str, spans: list[Span]) -> str:
    out = []
    for piece, hit in split_marked(text, spans):
        piece_html = escape(squash(piece), quote=True)
        if hit:
            piece_html = f'<mark class="pb-mark" style="{MARK_STYLE}">{piece_html}</mark>'
        out.append(piece_html)
    return "".join(out).strip()


def _badges(entry: DigestEntry) -> str:
    paper = entry.paper
    badges = []
    popularity = popularity_line(entry)
    if popularity:
        badges.append(f'<span class="pb-badge" style="{BADGE_STYLE}">{escape(popularity)}</span>')
    elif paper.upvotes is not None:
        badges.append(f'<span class="pb-badge" style="{BADGE_STYLE}">▲ {int(paper.upvotes)}</span>')
    badges += [
        f'<span class="pb-badge" style="{BADGE_STYLE}">{_e(cat)}</span>'
        for cat in paper.categories
        if one_line(cat)
    ]
    code = code_link(paper)
    if code is not None:
        url, stars = code
        label = "code" + (f" ★ {stars}" if stars is not None else "")
        badges.append(_link(url, label, cls="pb-badge", style=BADGE_STYLE))
    if not badges:
        return ""
    return f'<p style="margin:0 0 6px 0;">{"".join(badges)}</p>'


def _entry_html(entry: DigestEntry) -> str:
    paper = entry.paper
    title = _marked(paper.title, entry.highlights.get("title", [])) or _e(paper.id)
    parts = [
        f'<h2 class="pb-title" style="margin:0 0 4px 0;font-size:18px;line-height:1.35;'
        f'font-weight:600;color:{TEXT};">'
        + _link(canonical_url(paper), title, style=f"color:{LINK};text-decoration:none;")
        + "</h2>"
    ]
    authors = authors_line(paper)
    if authors:
        parts.append(
            f'<p class="pb-muted" style="margin:0 0 8px 0;font-size:14px;color:{MUTED};">'
            f"{escape(authors)}</p>"
        )
    parts.append(_badges(entry))
    queries = [q for q in (one_line(q) for q in entry.queries) if q]
    if queries:
        parts.append(
            f'<p class="pb-muted" style="margin:0 0 8px 0;font-size:13px;color:{MUTED};">'
            "matched: " + ", ".join(f"<strong>{escape(q)}</strong>" for q in queries) + "</p>"
        )
    reason = _reason_html(entry)
    if reason:
        parts.append(reason)
    text, spans = abstract_snippet(entry)
    if text:
        parts.append(
            f'<p class="pb-text" style="margin:0 0 10px 0;font-size:15px;color:{TEXT};">'
            f"{_marked(text, spans)}</p>"
        )
    links = paper_links(paper)
    if links:
        parts.append(
            '<p style="margin:0;font-size:14px;">'
            + SEPARATOR.join(_link(url, escape(label)) for label, url in links)
            + "</p>"
        )
    votes = _votes_html(entry)
    if votes:
        parts.append(votes)
    return _card("".join(parts))


def _votes_html(entry: DigestEntry) -> str:
    """The "more / less like this" links (each opens a page with one button)."""
    if entry.votes is None:
        return ""
    votes = [
        _link(url, label)
        for url, label in ((entry.votes.more_url, "More like this"),
                           (entry.votes.less_url, "Less like this"))
        if safe_url(url)
    ]
    if not votes:
        return ""
    return (
        f'<p class="pb-muted" style="margin:8px 0 0 0;font-size:13px;color:{MUTED};">'
        + SEPARATOR.join(votes) + "</p>"
    )


def _reason_html(entry: DigestEntry) -> str:
    """"similar to <liked title> · shared terms: <mark>…</mark>" of a recommended entry."""
    liked, terms = reason_line(entry)
    if not liked and not terms:
        return ""
    pieces = []
    if liked:
        pieces.append(f"similar to <em>{escape(liked)}</em>")
    if terms:
        marked = ", ".join(
            f'<mark class="pb-mark" style="{MARK_STYLE}">{escape(t)}</mark>' for t in terms
        )
        pieces.append(f"shared terms: {marked}")
    return (
        f'<p class="pb-muted" style="margin:0 0 8px 0;font-size:13px;color:{MUTED};">'
        + SEPARATOR.join(pieces) + "</p>"
    )


def _card(inner: str) -> str:
    return (
        f'<tr><td class="pb-card" style="{CARD_STYLE}">{inner}</td></tr>'
        '<tr><td style="height:12px;line-height:12px;font-size:12px;">&nbsp;</td></tr>'
    )


def _footer(digest: Digest, settings: MailSettings) -> str:
    queries = [q for q in (one_line(q) for q in digest.subscriber.queries) if q]
    why = f"You get this mail because {_e(digest.subscriber.email)} subscribed to paperbell"
    wants = [p for p in (trending_phrase(digest.subscriber),
                         recommending_phrase(digest.subscriber)) if p]
    if wants:
        why += " for " + escape(" and ".join(wants)) + (" and" if queries else "")
    if queries:
        why += " with the queries " + ", ".join(f"<strong>{escape(q)}</strong>" for q in queries)
    actions = []
    if safe_url(digest.links.manage_url):
        actions.append(_link(digest.links.manage_url, manage_label(digest.subscriber)))
    if safe_url(digest.links.unsubscribe_url):
        # The link opens a page with one button (link scanners must not unsubscribe
        # anyone); mail clients that offer "unsubscribe" use the RFC 8058 header instead.
        actions.append(_link(digest.links.unsubscribe_url, "Unsubscribe")
                       + " (opens a page with one button)")
    name = _e(settings.sender_name) or "paperbell"
    sender = f"Sent by {_link(settings.site_url, name)} &lt;{_e(settings.sender)}&gt;"
    return (
        f'<tr><td class="pb-muted" style="padding:8px 4px 24px 4px;font-family:{FONT};'
        f'font-size:13px;line-height:1.5;color:{MUTED};">'
        f'<p style="margin:0 0 8px 0;">{why}.</p>'
        f'<p style="margin:0 0 8px 0;">{SEPARATOR.join(actions)}</p>'
        f'<p style="margin:0;">{sender}</p>'
        "</td></tr>"
    )


def render_html(digest: Digest, settings: MailSettings) -> str:
    """The whole HTML part (a complete document)."""
    subject = escape(digest_subject(digest))
    day = escape(digest.digest_date.strftime("%a %d %b %Y"))
    rows: list[str] = []
    if digest.is_empty:
        heading = "Nothing new today"
        rows.append(
            _card(
                f'<p class="pb-text" style="margin:0 0 8px 0;">Nothing matched your queries '
                "today.</p>"
                f'<p class="pb-muted" style="margin:0;font-size:14px;color:{MUTED};">arXiv does '
                "not announce new papers on weekends and holidays, so quiet days are normal. "
                "Your next digest comes as soon as something matches.</p>"
            )
        )
    else:
        sections, more = digest.paged_sections(settings.max_papers)
        total = sum(len(part.entries) for part in sections) + more
        heading = f"{paper_count_phrase(total)} for you"
        for part in sections:
            if digest.sectioned:
                rows.append(
                    f'<tr><td style="padding:8px 4px 10px 4px;font-family:{FONT};">'
                    f'<div class="pb-text" role="heading" aria-level="2" '
                    f'data-section="{escape(part.key, quote=True)}" '
                    f'style="margin:0;font-size:17px;font-weight:700;color:{TEXT};">'
                    f"{escape(section_heading(part, digest.period))}</div></td></tr>"
                )
            rows += [_entry_html(entry) for entry in part.entries]
        if more:
            label = f"and {more} more"
            rows.append(
                f'<tr><td style="padding:0 4px 16px 4px;font-family:{FONT};font-size:15px;">'
                f"{_link(digest.links.full_list_url, label + ' &rarr;')}</td></tr>"
            )
    header = (
        f'<tr><td style="padding:8px 4px 16px 4px;font-family:{FONT};">'
        f'<p class="pb-muted" style="margin:0;font-size:13px;color:{MUTED};">paperbell &middot; '
        f"{day}</p>"
        f'<h1 class="pb-text" style="margin:4px 0 0 0;font-size:22px;line-height:1.3;'
        f'color:{TEXT};">{heading}</h1></td></tr>'
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head>\n'
        '<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="color-scheme" content="light dark">\n'
        '<meta name="supported-color-schemes" content="light dark">\n'
        f"<title>{subject}</title>\n"
        f"<style>{STYLE}</style>\n"
        "</head>\n"
        f'<body class="pb-page" style="margin:0;padding:0;background-color:{PAGE_BG};'
        f'color:{TEXT};">\n'
        '<div style="display:none;max-height:0;overflow:hidden;mso-hide:all;">'
        f"{subject}</div>\n"
        f'<table role="presentation" class="pb-page" width="100%" cellpadding="0" '
        f'cellspacing="0" border="0" style="background-color:{PAGE_BG};">'
        '<tr><td align="center" style="padding:16px 8px;">\n'
        '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" '
        'style="max-width:640px;width:100%;">\n'
        + header
        + "\n"
        + "\n".join(rows)
        + "\n"
        + _footer(digest, settings)
        + "\n</table></td></tr></table>\n</body></html>\n"
    )
