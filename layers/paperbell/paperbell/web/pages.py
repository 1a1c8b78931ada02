"""Server-rendered HTML pages (escaped everywhere; forms work without JavaScript)."""

from __future__ import annotations

import html
from collections.abc import Sequence

from paperbell.errors import RequestError
from paperbell.matching import snippet
from paperbell.models import Subscriber
from paperbell.services.preview import Preview
from paperbell.urls import safe_url

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


def preferences_fields(
    *, queries: str, hour: int, timezone: str, mode: str, error: RequestError | None,
    prefill_timezone: bool,
) -> str:
    q_attr, q_err = _error_for(error, "queries")
    h_attr, h_err = _error_for(error, "hour")
    t_attr, t_err = _error_for(error, "timezone")
    m_attr, m_err = _error_for(error, "mode")
    if not q_attr:
        q_attr = ' aria-describedby="queries-hint"'
    if not t_attr:
        t_attr = ' aria-describedby="timezone-hint"'
    prefill = ' data-prefill="1"' if prefill_timezone else ""
    hours = "".join(
        f'<option value="{h}"{" selected" if h == hour else ""}>{h:02d}:00</option>'
        for h in range(24)
    )
    modes = "".join(
        f'<input type="radio" id="mode-{value}" name="mode" value="{value}"'
        f'{" checked" if value == mode else ""}{m_attr}>'
        f'<label for="mode-{value}">{label}</label>'
        for value, label in (("daily", "One digest a day"), ("instant", "As soon as they appear"))
    )
    return (
        '<label for="queries">Queries (one per line)</label>'
        f'<textarea id="queries" name="queries" required{q_attr}>{e(queries)}</textarea>'
        '<p class="hint" id="queries-hint">Like Google Scholar: <code>"lottery ticket"</code>, '
        "<code>title:RoPE</code>, <code>transformer -speech</code>, <code>distill*</code>.</p>"
        f"{q_err}"
        '<label for="hour">Delivery hour</label>'
        f'<select id="hour" name="hour"{h_attr}>{hours}</select>{h_err}'
        '<label for="timezone">Timezone</label>'
        f'<input type="text" id="timezone" name="timezone" value="{e(timezone)}" '
        f'autocomplete="off" spellcheck="false"'
        f"{prefill}{t_attr}>"
        f'<p class="hint" id="timezone-hint">{TIMEZONE_HINT}</p>{t_err}'
        f"<fieldset><legend>Delivery</legend>{modes}</fieldset>{m_err}"
    )


def subscribe_page(
    *, email: str = "", queries: str = "", hour: int = 8, timezone: str = "UTC",
    mode: str = "daily", error: RequestError | None = None, sources: Sequence[str] = (),
) -> str:
    e_attr, e_err = _error_for(error, "email")
    general = ""
    if error is not None and error.field not in ("email", "queries", "hour", "timezone", "mode"):
        general = f'<p class="error" role="alert">{e(error.message)}</p>'
    searched = ""
    if sources:
        listed = ", ".join(f"<code>{e(source)}</code>" for source in sources)
        searched = f'<p class="hint" id="sources">Searched feeds: {listed}.</p>'
    body = (
        "<p>paperbell mails you the new research papers that match your queries, once a day "
        "at the hour you choose (or as soon as they appear). You confirm by mail first; every "
        "mail has an unsubscribe link.</p>"
        f"{searched}{general}"
        '<form method="post" action="subscriptions" novalidate>'
        '<label for="email">E-mail address</label>'
        f'<input type="email" id="email" name="email" value="{e(email)}" autocomplete="email" '
        f"required{e_attr}>{e_err}"
        + preferences_fields(
            queries=queries, hour=hour, timezone=timezone, mode=mode, error=error,
            prefill_timezone=error is None,
        )
        # The live preview sits right above the button, so on a phone it is in sight
        # where the form is sent (it scrolls on its own when long).
        + '<section aria-labelledby="preview-heading" class="live-preview">'
        '<h2 id="preview-heading">Preview</h2>'
        '<p class="hint">Papers of the last 7 days that your queries match.</p>'
        '<div id="preview" aria-live="polite"></div></section>'
        '<button type="submit">Subscribe</button></form>'
        '<form class="nojs-only" method="get" action="preview">'
        '<label for="preview-q">Try a query</label>'
        '<input type="text" id="preview-q" name="q">'
        '<button type="submit" class="secondary">Preview</button></form>'
    )
    return layout("Subscribe to paperbell", body)


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


def preview_page(queries: list[str], result: Preview | None, error: RequestError | None) -> str:
    shown = "; ".join(queries)
    body = (
        f"<p>Query: <code>{e(shown)}</code> · <a href=\"./\">back to the subscribe page</a></p>"
        + preview_fragment(result, error)
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
                queries_text: str | None = None) -> str:
    action = f"manage?token={e(token)}"
    notice_html = f'<p class="notice" role="status">{e(notice)}</p>' if notice else ""
    general = ""
    if error is not None and error.field not in ("queries", "hour", "timezone", "mode"):
        general = f'<p class="error" role="alert">{e(error.message)}</p>'
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
            queries=queries_text if queries_text is not None else "\n".join(subscriber.queries),
            hour=subscriber.delivery_hour, timezone=subscriber.timezone, mode=subscriber.mode,
            error=error, prefill_timezone=False,
        )
        + '<button type="submit" name="action" value="save">Save changes</button></form>'
        + (f'<form method="post" action="{action}" class="actions">{toggle}</form>'
           if toggle else "")
        +
        '<section aria-labelledby="preview-heading"><h2 id="preview-heading">Preview</h2>'
        '<div id="preview" aria-live="polite"></div></section>'
        '<h2>Delete my data</h2><p>Removes your address, your queries and everything waiting '
        "to be sent. This cannot be undone.</p>"
        f'<form method="post" action="{action}">'
        '<button type="submit" name="action" value="delete" class="danger">'
        "Delete all my data</button></form>"
    )
    return layout("Manage your subscription", body)


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
    queries = "".join(f"<li><code>{e(q)}</code></li>" for q in subscriber.queries)
    mode = "as soon as they appear" if subscriber.mode == "instant" else (
        f"once a day at {subscriber.delivery_hour:02d}:00 ({e(subscriber.timezone)})")
    body = (
        f"<p>Send papers matching these queries to <strong>{e(subscriber.email)}</strong>, "
        f"{mode}?</p><ul>{queries}</ul>"
        f'<form method="post" action="confirm?token={e(token)}">'
        '<button type="submit" id="confirm">Confirm my subscription</button></form>'
        "<p class=\"hint\">If you did not ask for this, close this page; nothing will be sent.</p>"
    )
    return layout("Confirm your subscription", body)
