"""The one URL-safety rule for everything paperbell outputs: pages, feeds, mails, webhooks.

Why one rule: a feed may carry ``javascript:``, ``data:`` or ``vbscript:`` links (or a
URL with a quote or a newline that breaks out of an attribute or a header). The mail
filtered them, the preview page, the Atom/JSON feeds and the generic webhook payload
did not. Every output now asks :func:`safe_url` and leaves a refused link out.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit


def safe_url(url: str | None) -> str | None:
    """``url`` when it is an absolute http(s) URL that cannot break out of an attribute
    or a header, else None (javascript:, data:, relative, whitespace inside, ...)."""
    if not url:
        return None
    url = url.strip()
    if any(
        ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf") or ch in '<>"\\`' for ch in url
    ):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url
