"""Server-rendered HTML pages (escaped everywhere; forms work without JavaScript)."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, replace

from paperbell.delivery.digest_model import authors_line, canonical_url, paper_links
from paperbell.errors import RequestError
from paperbell.matching import snippet
from paperbell.models import ARXIV_ID_RE, WEEKDAY_NAMES, Paper, PaperText, Subscriber
from paperbell.services.preview import LikesPreview, Preview
from paperbell.services.trending import TrendingView
from paperbell.urls import safe_url
from paperbell.validation import KINDS, TRENDING_DEFAULT, Fields, first, parse_hour, query_lines

TIMEZONE_HINT = "An IANA name such as Europe/Berlin or America/New_York."


def e(value: object) -> str:
    return html.escape(str(value), quote=True)


def marked(text: str, spans: Sequence[Sequence[int]]) -> str:
    """``text`` escaped, with each span wrapped in <mark>."""
    out: list[str] = []
    pos = 0
    for start, end in sorted((int(s[0]), int(s[1])) for s in spans):
        if start < pos or end <= start:
            continue
        out.append(e(text[pos:start]))
        out.append(f"<mark>{e(text[start:end])}</mark>")
        pos = end
    out.append(e(text[pos:]))
    return "".join(out)


def layout(title: str, body: str) -> str:
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{e(title)} · paperbell</title>"
        '<link rel="stylesheet" href="app.css"></head><body>'
        '<a class="skip" href="#main">Skip to content</a>'
        f'<main id="main"><h1>{e(title)}</h1>{body}</main>'
        '<script src="app.js" defer></script></body></html>\n'
    )


def _error_for(error: RequestError | None, name: str) -> tuple[str, str]:
    """(attributes, message html) for a field when ``error`` concerns it."""
    if error is None or error.field != name:
        return "", ""
    detail = ""
    if error.query is not None and error.position is not None:
        detail = (
            f'<span class="caret">{e(error.query)}\n{" " * error.position}^</span>'
        )
    message = (
        f'<p class="error" id="{name}-error" role="alert">{e(error.message)}</p>{detail}'
    )
    return f' aria-invalid="true" aria-describedby="{name}-error {name}-hint"', message


SUBSCRIBE_TITLE = "Get trending papers in your email inbox once a day"
FREQUENCY_LABELS = (("daily", "Once a day"), ("weekly", "Once a week"),
                    ("instant", "As soon as they appear (keyword matches only)"))
KIND_LABELS = (("trending", "Today's trending papers"),
               ("queries", "Papers matching my keyword queries"),
               ("both", "Both, in one mail (trending first)"),
               ("likes", "Only papers like the ones I name"))
PREFERENCE_FIELDS = ("kind", "trending", "trending_top", "trending_filter", "queries", "hour",
                     "timezone", "mode", "frequency", "weekday", "like", "dislike")
LIKE_DESCRIBED = ' aria-describedby="like-hint"'
DISLIKE_DESCRIBED = ' aria-describedby="dislike-hint"'
DISLIKE_HINT = "The same kinds of ids; recommendations move away from these papers."
LIKE_HINT = ("arXiv ids, arXiv or Hugging Face paper links, DOIs, or a pasted BibTeX/Zotero "
             "export; at most 50. New papers like these come in a \u201cRecommended for "
             "you\u201d section, each saying which of your papers it resembles.")


@dataclass(frozen=True)
class FormValues:
    """What the subscribe and manage forms show (a subscriber's choices, or what was sent)."""

    kind: str = "trending"
    trending_top: int = TRENDING_DEFAULT
    trending_filter: str = ""
    queries: str = ""
    hour: int = 8
    timezone: str = "UTC"
    mode: str = "daily"
    weekday: int = 0

    like: str = ""
    dislike: str = ""

    @classmethod
    def of(cls, subscriber: Subscriber) -> FormValues:
        likes_only = bool(subscriber.likes) and subscriber.kind == "queries" \
            and not subscriber.queries
        return cls(
            kind="likes" if likes_only else subscriber.kind,
            trending_top=subscriber.trending_top or TRENDING_DEFAULT,
            trending_filter=subscriber.trending_filter, queries="\n".join(subscriber.queries),
            hour=subscriber.delivery_hour, timezone=subscriber.timezone, mode=subscriber.mode,
            weekday=subscriber.weekday,
        )

    @classmethod
    def sent(cls, fields: Fields, default_kind: str = "trending") -> FormValues:
        """The values of a refused form, to show it again as it was sent."""
        top_text = first(fields, "trending_top") or first(fields, "trending")
        top = int(top_text) if top_text.isascii() and top_text.isdigit() and len(top_text) < 3 \
            else TRENDING_DEFAULT
        weekday = first(fields, "weekday")
        return cls(
            kind=first(fields, "kind") if first(fields, "kind") in KINDS else default_kind,
            trending_top=top or TRENDING_DEFAULT,
            trending_filter=first(fields, "trending_filter"),
            queries="\n".join(query_lines(fields)),
            hour=parse_hour(first(fields, "hour")),
            timezone=first(fields, "timezone", default="UTC"),
            mode=first(fields, "frequency") or first(fields, "mode") or "daily",
            weekday=int(weekday) if weekday in ("0", "1", "2", "3", "4", "5", "6") else 0,
            like="\n".join(fields.get("like", [])),
            dislike="\n".join(fields.get("dislike", [])),
        )


def _radios(name: str, options: Sequence[tuple[str, str]], chosen: str, attrs: str,
            disabled: Sequence[str] = ()) -> str:
    return "".join(
        f'<input type="radio" id="{name}-{value}" name="{name}" value="{value}"'
        f'{" checked" if value == chosen else ""}{" disabled" if value in disabled else ""}'
        f'{attrs}><label for="{name}-{value}">{e(label)}</label>'
        for value, label in options
    )


def preferences_fields(
    values: FormValues, *, error: RequestError | None, prefill_timezone: bool,
    trending_available: bool = True,
) -> str:
    """What to receive (trending, queries or both) and when: one set of fields for the
    subscribe and the manage form. The trending choice comes first: it is the default."""
    k_attr, k_err = _error_for(error, "kind")
    n_attr, n_err = _error_for(error, "trending")
    f_attr, f_err = _error_for(error, "trending_filter")
    q_attr, q_err = _error_for(error, "queries")
    h_attr, h_err = _error_for(error, "hour")
    t_attr, t_err = _error_for(error, "timezone")
    m_attr, m_err = _error_for(error, "frequency")
    if not m_attr:
        m_attr, m_err = _error_for(error, "mode")
    w_attr, w_err = _error_for(error, "weekday")
    if not q_attr:
        q_attr = ' aria-describedby="queries-hint"'
    if not t_attr:
        t_attr = ' aria-describedby="timezone-hint"'
    if not f_attr:
        f_attr = ' aria-describedby="trending_filter-hint"'
    prefill = ' data-prefill="1"' if prefill_timezone else ""
    hours = "".join(
        f'<option value="{h}"{" selected" if h == values.hour else ""}>{h:02d}:00</option>'
        for h in range(24)
    )
    weekdays = "".join(
        f'<option value="{n}"{" selected" if n == values.weekday else ""}>{name.title()}</option>'
        for n, name in enumerate(WEEKDAY_NAMES)
    )
    kind = values.kind if trending_available else "queries"
    disabled = () if trending_available else ("trending", "both")
    return (
        f'<fieldset><legend>What you receive</legend>'
        f'{_radios("kind", KIND_LABELS, kind, k_attr, disabled)}</fieldset>{k_err}'
        '<div class="choice" data-for="trending both">'
        '<label for="trending_top">How many trending papers (1-50)</label>'
        f'<input type="number" id="trending_top" name="trending_top" min="1" max="50" '
        f'value="{values.trending_top}"{n_attr}>{n_err}'
        '<label for="trending_filter">Only trending papers matching (optional)</label>'
        f'<input type="text" id="trending_filter" name="trending_filter" '
        f'value="{e(values.trending_filter)}" spellcheck="false"{f_attr}>'
        '<p class="hint" id="trending_filter-hint">A query narrows the list to your field: '
        "<code>diffusion</code>, <code>category:cs.CV</code>, <code>title:agent*</code>.</p>"
        f"{f_err}</div>"
        '<div class="choice" data-for="queries both">'
        '<label for="queries">Keyword queries (one per line)</label>'
        f'<textarea id="queries" name="queries"{q_attr}>{e(values.queries)}</textarea>'
        '<p class="hint" id="queries-hint">Like Google Scholar: <code>"lottery ticket"</code>, '
        "<code>title:RoPE</code>, <code>transformer -speech</code>, <code>distill*</code>.</p>"
        f"{q_err}</div>"
        '<fieldset><legend>How often</legend>'
        f'{_radios("frequency", FREQUENCY_LABELS, values.mode, m_attr)}</fieldset>{m_err}'
        '<label for="weekday">Day of the weekly mail</label>'
        f'<select id="weekday" name="weekday"{w_attr}>{weekdays}</select>{w_err}'
        '<label for="hour">Delivery hour</label>'
        f'<select id="hour" name="hour"{h_attr}>{hours}</select>{h_err}'
        '<label for="timezone">Timezone</label>'
        f'<input type="text" id="timezone" name="timezone" value="{e(values.timezone)}" '
        f'autocomplete="off" spellcheck="false"'
        f"{prefill}{t_attr}>"
        f'<p class="hint" id="timezone-hint">{TIMEZONE_HINT}</p>{t_err}'
    )


def paper_fields(values: FormValues, *, error: RequestError | None,
                 labels: tuple[str, str] = ("Papers you like (optional)",
                                            "Papers you want fewer like (optional)")) -> str:
    """The liked and disliked papers' fields ("papers like these", issue 14): the
    subscribe form's, and the manage page's form that adds papers."""
    l_attr, l_err = _error_for(error, "like")
    d_attr, d_err = _error_for(error, "dislike")
    return (
        f'<label for="like">{e(labels[0])}</label>'
        '<textarea id="like" name="like" spellcheck="false" '
        'placeholder="2402.04177&#10;https://huggingface.co/papers/2605.06548"'
        f'{l_attr or LIKE_DESCRIBED}>{e(values.like)}</textarea>'
        f'<p class="hint" id="like-hint">{e(LIKE_HINT)}</p>{l_err}'
        f'<label for="dislike">{e(labels[1])}</label>'
        '<textarea id="dislike" name="dislike" class="short" spellcheck="false"'
        f'{d_attr or DISLIKE_DESCRIBED}>{e(values.dislike)}</textarea>'
        f'<p class="hint" id="dislike-hint">{e(DISLIKE_HINT)}</p>{d_err}'
    )


def _paper_link(paper_id: str, title: str) -> str:
    """A liked paper's title, linked to arXiv when its id is an arXiv id."""
    shown = e(title) if title else f"<code>{e(paper_id)}</code>"
    if ARXIV_ID_RE.fullmatch(paper_id):
        return f'<a href="https://arxiv.org/abs/{e(paper_id)}">{shown}</a>'
    return shown


def _terms_line(terms: Sequence[str], element_id: str) -> str:
    if not terms:
        return ""
    listed = ", ".join(f"<code>{e(t)}</code>" for t in terms)
    return (f'<p class="terms" id="{element_id}">Your profile\'s top terms: {listed}</p>')


def likes_fragment(liked: LikesPreview, *, terms: bool = True) -> str:
    """The recommendations a liked-papers preview found (the subscribe page shows it
    live, the manage page under the lists, which show the top terms already: ``terms``
    False): each with the liked paper it resembles and the shared terms marked, as in
    the mail."""
    from paperbell.recommend.index import highlight_spans

    out = ['<h3 id="like-preview-heading">Recommended for you (preview)</h3>',
           _terms_line(liked.top_terms, "like-terms") if terms else ""]
    if liked.not_found:
        out.append('<p class="hint" id="like-not-found">Not among the papers paperbell has '
                   "seen lately, so not in this preview (they are fetched from arXiv once "
                   f"you subscribe): {e(', '.join(liked.not_found))}.</p>")
    if liked.notes:
        out.append(f'<p class="hint">Not used: {e("; ".join(liked.notes))}.</p>')
    if not liked.liked:
        out.append("<p>Nothing to learn from yet: none of these papers is among the papers "
                   "paperbell has seen lately.</p>")
        return "".join(out)
    if not liked.recommendations:
        out.append(f'<p id="like-preview-count">No paper of the last {liked.days} days is '
                   f"similar enough ({liked.scanned} papers looked at).</p>")
        return "".join(out)
    items = []
    for rec in liked.recommendations:
        paper = rec.paper
        title = marked(paper.title, highlight_spans(paper.title, rec.why.keys))
        url = safe_url(paper.url)
        if url:
            title = f'<a href="{e(url)}">{title}</a>'
        abstract = ""
        if paper.abstract:
            window, spans = snippet(paper.abstract,
                                    highlight_spans(paper.abstract, rec.why.keys), width=320)
            abstract = f"<p>{marked(window, spans)}</p>"
        why = ""
        if rec.why.similar_to is not None:
            why = f"similar to <em>{e(rec.why.similar_to.title)}</em>"
        if rec.why.terms:
            why += (" · " if why else "") + "shared: " + e(", ".join(rec.why.terms))
        items.append(f'<li>{title}{abstract}<p class="meta">{why}</p></li>')
    return "".join(out) + (
        f'<p id="like-preview-count">{len(items)} paper(s) of the last {liked.days} days '
        "like yours:</p>"
        f'<ol class="papers" id="like-preview-list">{"".join(items)}</ol>')


def _paper_list(papers: Sequence[PaperText], action: str, list_id: str, what: str) -> str:
    """Liked or disliked papers, each with a Remove button (one POST form per list)."""
    if not papers:
        return f'<p class="hint" id="{list_id}-empty">None yet.</p>'
    items = []
    for paper in papers:
        waiting = (' <span class="meta">(waiting to be fetched from arXiv)</span>'
                   if paper.pending else f' <span class="meta">{e(paper.id)}</span>')
        label = paper.title or paper.id
        items.append(
            f"<li>{_paper_link(paper.id, paper.title)}{waiting} "
            f'<button type="submit" name="paper" value="{e(paper.id)}" class="secondary small" '
            f'aria-label="Remove {e(label)} from the {what} papers">Remove</button></li>')
    return (f'<form method="post" action="{action}">'
            '<input type="hidden" name="action" value="remove_paper">'
            f'<ul class="liked" id="{list_id}">{"".join(items)}</ul></form>')


def likes_section(subscriber: Subscriber, token: str, preview: LikesPreview | None, *,
                  error: RequestError | None = None, values: FormValues | None = None) -> str:
    """The manage page's "papers like these": the profile's top terms, the liked and
    disliked papers with Remove buttons, what could not be used, a form to add papers,
    and what the profile would recommend among the recent papers."""
    action = f"manage?token={e(token)}"
    notes = ""
    if subscriber.like_notes:
        listed = "".join(f"<li>{e(n)}</li>" for n in subscriber.like_notes)
        notes = f'<div class="notice" id="like-notes"><p>Not used:</p><ul>{listed}</ul></div>'
    return (
        '<section aria-labelledby="likes-heading"><h2 id="likes-heading">Papers like these'
        "</h2><p class=\"hint\">Recommendations learn from the papers you like (and move "
        "away from those you want fewer like); the \u201cmore / less like this\u201d links "
        "in your mail add to these lists.</p>"
        + _terms_line(preview.top_terms if preview else (), "profile-terms")
        + f"<h3>Papers you like ({len(subscriber.likes)} of 50)</h3>"
        + _paper_list(subscriber.likes, action, "liked-papers", "liked")
        + f"<h3>Papers you want fewer like ({len(subscriber.dislikes)} of 50)</h3>"
        + _paper_list(subscriber.dislikes, action, "disliked-papers", "disliked")
        + notes
        + f'<form method="post" action="{action}">'
        '<input type="hidden" name="action" value="add_papers">'
        + paper_fields(values or FormValues(), error=error,
                       labels=("Add papers you like", "Add papers you want fewer like"))
        + '<button type="submit" id="add-papers">Add papers</button></form>'
        + (f'<div id="like-preview">{likes_fragment(preview, terms=False)}</div>'
           if preview is not None and subscriber.likes else "")
        + "</section>"
    )


def trending_list(view: TrendingView | None, *, heading_id: str = "trending-heading") -> str:
    """Today's trending papers as on Hugging Face's page: rank, title, upvotes, authors,
    the AI summary (or the abstract's start) and links; or why there is no list."""
    title = '<h2 id="' + heading_id + '">Today\'s trending papers</h2>'
    if view is None:
        return ""
    if not view.available:
        return (f'<section aria-labelledby="{heading_id}">{title}'
                f'<p class="notice" id="trending-unavailable" role="status">{e(view.reason)}</p>'
                "</section>")
    if not view.papers:
        why = view.reason or "No papers on Hugging Face's daily lists in the last days yet."
        return (f'<section aria-labelledby="{heading_id}">{title}'
                f'<p class="notice" id="trending-empty">{e(why)}</p></section>')
    items = []
    for ranked in view.papers:
        paper = ranked.entry.paper
        link = canonical_url(paper)
        name = e(paper.title)
        if link:
            name = f'<a href="{e(link)}">{name}</a>'
        summary = str(paper.extra.get("ai_summary") or "") or paper.abstract
        if len(summary) > 300:
            summary = summary[:299].rstrip() + "…"
        comments = ranked.entry.comments
        meta = f"▲ {ranked.entry.upvotes} upvotes" + (
            f" · {comments} comment{'s' if comments != 1 else ''}" if comments else "")
        links = " · ".join(f'<a href="{e(u)}">{e(label)}</a>' for label, u in paper_links(paper))
        authors = authors_line(paper)
        items.append(
            f'<li class="trending-paper" value="{ranked.rank}">'
            f'<p class="rank" aria-hidden="true">#{ranked.rank}</p>'
            f'<h3 class="paper-title">{name}</h3>'
            f'<p class="meta"><span class="upvotes">{e(meta)}</span>'
            + (f" · {e(authors)}" if authors else "") + "</p>"
            + (f'<p class="summary">{e(summary)}</p>' if summary else "")
            + (f'<p class="links">{links}</p>' if links else "")
            + "</li>"
        )
    hours = int(view.window.total_seconds() // 3600)
    return (
        f'<section aria-labelledby="{heading_id}">{title}'
        f'<p class="hint">The most upvoted papers on Hugging Face\'s daily lists of the last '
        f"{hours} hours, by upvotes now (then comments, then the newest). Also as a feed: "
        '<a href="trending.xml">Atom</a> · <a href="trending.json">JSON Feed</a>.</p>'
        f'<ol class="papers trending" id="trending-list">{"".join(items)}</ol></section>'
    )


def subscribe_page(
    *, email: str = "", values: FormValues | None = None, error: RequestError | None = None,
    trending: TrendingView | None = None, sources: Sequence[str] = (),
) -> str:
    """The page we mirror (HF's "trending papers in your inbox"): a one-line promise, the
    address and a Subscribe button at the top, today's trending list below, and keyword
    queries as the second choice on the same form."""
    values = values or FormValues()
    available = trending is None or trending.available
    if not available and values.kind != "queries":
        values = replace(values, kind="queries")
    e_attr, e_err = _error_for(error, "email")
    general = ""
    if error is not None and error.field not in ("email", *PREFERENCE_FIELDS):
        general = f'<p class="error" role="alert">{e(error.message)}</p>'
    searched = ""
    if sources:
        listed = ", ".join(f"<code>{e(source)}</code>" for source in sources)
        searched = f'<p class="hint" id="sources">Searched feeds: {listed}.</p>'
    promise = (
        "The papers the community is upvoting on Hugging Face, in your inbox each morning: "
        "at your hour, optionally narrowed to your field, never the same paper twice."
        if available else "The new research papers that match your queries, in your inbox "
        "once a day."
    )
    body = (
        f'<p class="promise">{e(promise)}</p>'
        f"{general}"
        '<form method="post" action="subscriptions" novalidate>'
        '<div class="signup"><label for="email">E-mail address</label>'
        f'<input type="email" id="email" name="email" value="{e(email)}" autocomplete="email" '
        f'placeholder="you@example.org" required{e_attr}>'
        '<button type="submit" id="subscribe">Subscribe</button></div>'
        f"{e_err}"
        '<p class="hint">You confirm by mail first; every mail has an unsubscribe link. '
        "By default: the top 10 trending papers, daily at 08:00 in your timezone.</p>"
        '<details class="options"' + (" open" if error is not None or not available else "")
        + "><summary>Choose what you receive and when</summary>"
        + preferences_fields(values, error=error, prefill_timezone=error is None,
                             trending_available=available)
        + paper_fields(values, error=error)
        # The live preview of keyword queries and liked papers sits right above the
        # button that sends them, so on a phone it is in sight where the form is sent
        # (it scrolls when long).
        + '<section aria-labelledby="preview-heading" class="live-preview">'
        '<h2 id="preview-heading">Preview</h2>'
        '<p class="hint">Papers of the last 7 days that your keyword queries match, and '
        "those your liked papers would bring.</p>"
        '<div id="preview" aria-live="polite"></div>'
        '<div id="like-preview" data-live="1" aria-live="polite"></div></section>'
        + '<button type="submit" class="secondary">Subscribe with these choices</button>'
        "</details></form>"
        + trending_list(trending)
        + searched
        + '<form class="nojs-only" method="get" action="preview">'
        '<label for="preview-q">Try a query</label>'
        '<input type="text" id="preview-q" name="q">'
        '<button type="submit" class="secondary">Preview</button></form>'
    )
    title = SUBSCRIBE_TITLE if available else "Get new papers in your email inbox once a day"
    return layout(title, body)


def preview_fragment(result: Preview | None, error: RequestError | None) -> str:
    if error is not None:
        caret = ""
        if error.query is not None and error.position is not None:
            caret = f'<span class="caret">{e(error.query)}\n{" " * error.position}^</span>'
        return f'<p class="error" role="alert">{e(error.message)}</p>{caret}'
    assert result is not None
    if not result.hits:
        return (
            f"<p>No paper of the last {result.days} days matches "
            f"({result.scanned} papers looked at).</p>"
        )
    items = []
    for hit in result.hits:
        paper = hit.paper
        title = marked(paper.title, hit.highlights["title"])
        url = safe_url(paper.url)
        if url:
            title = f'<a href="{e(url)}">{title}</a>'
        abstract = ""
        if paper.abstract:
            window, spans = snippet(paper.abstract, hit.highlights["abstract"], width=320)
            abstract = f"<p>{marked(window, spans)}</p>"
        meta = f"matched: {', '.join(hit.queries)}"
        if paper.upvotes is not None:
            meta += f" · ▲{paper.upvotes}"
        items.append(f'<li>{title}{abstract}<p class="meta">{e(meta)}</p></li>')
    more = " (showing the first ones)" if result.truncated else ""
    return (
        f'<p id="preview-count">{len(result.hits)} paper(s) of the last {result.days} days '
        f"match{more}.</p>"
        f'<ol class="papers">{"".join(items)}</ol>'
    )


def preview_page(queries: list[str], result: Preview | None, error: RequestError | None,
                 liked: LikesPreview | None = None) -> str:
    shown = "; ".join(queries)
    body = (
        (f"<p>Query: <code>{e(shown)}</code> · " if queries else "<p>")
        + '<a href="./">back to the subscribe page</a></p>'
        + (preview_fragment(result, error) if result is not None or liked is None else "")
        + (likes_fragment(liked) if liked is not None else "")
    )
    return layout("Preview", body)


def message_page(title: str, paragraphs: Sequence[str], *, links: Sequence[tuple[str, str]] = ()
                 ) -> str:
    body = "".join(f"<p>{e(p)}</p>" for p in paragraphs)
    if links:
        items = "".join(f'<li><a href="{e(u)}">{e(t)}</a></li>' for t, u in links)
        body += f"<ul>{items}</ul>"
    return layout(title, body)


def error_page(error: RequestError) -> str:
    return layout("Sorry", f'<p class="error" role="alert">{e(error.message)}</p>'
                  '<p><a href="./">paperbell home</a></p>')


STATUS_TEXT = {
    "active": "active: you get mail",
    "paused": "paused: no mail until you resume",
    "pending": "waiting for confirmation",
    "unsubscribed": "unsubscribed: no mail",
    "suppressed": "stopped for good: mail to this address bounced or was reported as spam",
}


def manage_page(subscriber: Subscriber, token: str, *, notice: str = "",
                error: RequestError | None = None, feed_url: str = "",
                values: FormValues | None = None,
                trending_available: bool = True,
                liked: LikesPreview | None = None) -> str:
    action = f"manage?token={e(token)}"
    notice_html = f'<p class="notice" role="status">{e(notice)}</p>' if notice else ""
    general = ""
    if error is not None and error.field not in PREFERENCE_FIELDS:
        general = f'<p class="error" role="alert">{e(error.message)}</p>'
    # A refusal of the likes form is shown there; of the main form, in the main form.
    paper_error = error if error is not None and error.field in ("like", "dislike") else None
    main_error = None if paper_error is not None else error
    status = STATUS_TEXT.get(subscriber.status, subscriber.status)
    if subscriber.status == "active":
        toggle = ('<button type="submit" name="action" value="pause" class="secondary">'
                  "Pause mail</button>")
    elif subscriber.status == "suppressed":
        toggle = ""  # only the operator can lift a suppression (docs/operations.md)
    else:
        toggle = ('<button type="submit" name="action" value="resume" class="secondary">'
                  "Resume mail</button>")
    if subscriber.status in ("active", "paused"):
        toggle += ('<button type="submit" name="action" value="unsubscribe" id="unsubscribe" '
                   'class="secondary">Unsubscribe from all mail</button>')
    who = subscriber.email or subscriber.webhook_url
    feed = ""
    if feed_url:
        # The feed link is read-only and long-lived (feed readers keep it); the button
        # replaces it, so a link that leaked stops working.
        feed = (f'<p>Your matches as a feed: <a id="feed-link" href="{e(feed_url)}">Atom</a>. '
                "Anyone with this link can read your matches.</p>"
                f'<form method="post" action="{action}"><button type="submit" name="action" '
                'value="replace_feed" class="secondary">Replace the feed link</button></form>')
    body = (
        f"{notice_html}{general}"
        f'<p>Subscription for <strong>{e(who)}</strong>. Status: '
        f'<strong id="status">{e(status)}</strong>.</p>{feed}'
        f'<form method="post" action="{action}">'
        + preferences_fields(
            (values if paper_error is None else None) or FormValues.of(subscriber),
            error=main_error, prefill_timezone=False, trending_available=trending_available,
        )
        + '<button type="submit" name="action" value="save">Save changes</button></form>'
        + (f'<form method="post" action="{action}" class="actions">{toggle}</form>'
           if toggle else "")
        +
        f'<p><a id="next-mail-link" href="{e(next_mail_url(token))}">What your next mail '
        "would hold</a></p>"
        '<section aria-labelledby="preview-heading"><h2 id="preview-heading">Preview</h2>'
        '<div id="preview" aria-live="polite"></div></section>'
        + likes_section(subscriber, token, liked, error=paper_error,
                        values=values if paper_error is not None else None)
        +
        '<h2>Delete my data</h2><p>Removes your address, your queries and everything waiting '
        "to be sent. This cannot be undone.</p>"
        f'<form method="post" action="{action}">'
        '<button type="submit" name="action" value="delete" class="danger">'
        "Delete all my data</button></form>"
    )
    return layout("Manage your subscription", body)


def next_mail_url(token: str) -> str:
    return f"preview/next?token={token}"


def unsubscribe_page(subscriber: Subscriber, token: str) -> str:
    who = e(subscriber.email or subscriber.id)
    if subscriber.status in ("unsubscribed", "suppressed"):
        # Nothing left to stop: no second "Unsubscribe" button.
        return layout("Unsubscribe", f"<p>No paperbell mail is sent to <strong>{who}</strong> "
                      "any more; there is nothing to unsubscribe from.</p>")
    body = (
        f"<p>Stop all paperbell mail to <strong>{who}</strong>?</p>"
        f'<form method="post" action="unsubscribe?token={e(token)}">'
        '<input type="hidden" name="List-Unsubscribe" value="One-Click">'
        '<button type="submit" id="unsubscribe">Unsubscribe</button></form>'
    )
    return layout("Unsubscribe", body)


def unsubscribed_page(site_url: str) -> str:
    """After unsubscribing: no manage link (an unsubscribe token grants nothing more)."""
    return message_page(
        "You are unsubscribed",
        ["No more paperbell mail will be sent to this address.",
         "Changed your mind? Subscribe again on the subscribe page; you will confirm by mail."],
        links=[("The subscribe page", site_url.rstrip("/") + "/")],
    )


def confirm_page(subscriber: Subscriber, token: str) -> str:
    """What the confirm link opens: the request, and one button that confirms it."""
    if subscriber.status in ("active", "paused"):
        return layout("Subscription confirmed",
                      f"<p>{e(subscriber.email)} is already subscribed.</p>")
    if subscriber.status != "pending":
        return layout("Confirm your subscription",
                      "<p>This sign-up can no longer be confirmed. Please subscribe again on "
                      'the <a href="./">subscribe page</a>.</p>')
    wanted = []
    if subscriber.wants_trending:
        narrowed = (f" matching <code>{e(subscriber.trending_filter)}</code>"
                    if subscriber.trending_filter else "")
        wanted.append(f"<li>the top {subscriber.trending_top} trending papers{narrowed}</li>")
    wanted.extend(f"<li>papers matching <code>{e(q)}</code></li>" for q in subscriber.queries)
    if subscriber.likes:
        titles = ", ".join(e(p.title or p.id) for p in subscriber.likes[:3])
        more = f" and {len(subscriber.likes) - 3} more" if len(subscriber.likes) > 3 else ""
        wanted.append(f"<li>recommendations: new papers like {titles}{more}</li>")
    mode = "as soon as they appear" if subscriber.mode == "instant" else (
        f"once a day at {subscriber.delivery_hour:02d}:00 ({e(subscriber.timezone)})")
    body = (
        f"<p>Send these to <strong>{e(subscriber.email)}</strong>, {mode}?</p>"
        f"<ul>{''.join(wanted)}</ul>"
        f'<form method="post" action="confirm?token={e(token)}">'
        '<button type="submit" id="confirm">Confirm my subscription</button></form>'
        "<p class=\"hint\">If you did not ask for this, close this page; nothing will be sent.</p>"
    )
    return layout("Confirm your subscription", body)


def vote_page(direction: str, paper: Paper, token: str) -> str:
    """The page a "more/less like this" link opens: one button, POST only."""
    more = direction == "more"
    label = "More like this" if more else "Less like this"
    body = (
        f"<p>{'Recommend more' if more else 'Recommend fewer'} papers like "
        f"<strong>{e(paper.title)}</strong>?</p>"
        f'<form method="post" action="{e(direction)}?token={e(token)}">'
        f'<button type="submit" id="vote">{e(label)}</button></form>'
    )
    return layout(label, body)
