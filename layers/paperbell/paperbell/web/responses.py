"""HTTP responses: HTML pages with the security headers, JSON, and the shared doc bits.

Every token-bearing page is sent with ``Referrer-Policy: no-referrer`` and
``Cache-Control: no-store`` so links never leak through Referer headers or caches;
the Content-Security-Policy forbids inline code (the script is /app.js). A mail shown
as a page is the one exception, for its inline styles only (:data:`MAIL_PAGE_CSP`).
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.event_handler import Response

HTML = "text/html; charset=utf-8"
JSON = "application/json"
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
        "img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
NO_STORE = {"Cache-Control": "no-store"}
#: The policy of a mail shown as a page (``/preview/next``): a mail carries its styles
#: inline (a <style> block and style attributes, because mail clients strip linked
#: stylesheets), so this allows inline styles and nothing else: no script at all, no
#: fetching, no form; ``sandbox`` also gives the page an opaque origin. Links still
#: open (in the same tab, or a new one: allow-popups).
MAIL_PAGE_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'; sandbox allow-popups allow-popups-to-escape-sandbox"
)

#: OpenAPI response descriptions the routes share.
HTML_OK: dict[int, Any] = {200: {"description": "HTML page (JSON with Accept: application/json)"}}
ERRORS: dict[int, Any] = {
    400: {"description": "Invalid input; JSON {error, message, field, position, query}"},
    403: {"description": "Forged, expired or wrong-purpose token"},
    404: {"description": "The subscription does not exist (any more)"},
}


def encodable(text: str) -> str:
    """``text`` that UTF-8 can carry: a lone surrogate from a stored feed title becomes
    "?" instead of a UnicodeEncodeError (a 500) when the body is encoded."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")
    return text


def text_response(body: str, content_type: str, status: int = 200,
                  headers: dict[str, str] | None = None) -> Response[str]:
    return Response(status_code=status, content_type=content_type, body=encodable(body),
                    headers=headers)


def html_response(body: str, status: int = 200, *, private: bool = True) -> Response[str]:
    headers = {**SECURITY_HEADERS, **(NO_STORE if private else {})}
    return text_response(body, HTML, status, headers)


def mail_page_response(body: str) -> Response[str]:
    """A rendered mail as a page, under :data:`MAIL_PAGE_CSP` (never cached: it holds the
    subscriber's signed links)."""
    headers = {**SECURITY_HEADERS, "Content-Security-Policy": MAIL_PAGE_CSP, **NO_STORE}
    return text_response(body, HTML, 200, headers)


def json_response(data: Any, status: int = 200, *, content_type: str = JSON) -> Response[str]:
    return text_response(json.dumps(data, ensure_ascii=False, default=str), content_type,
                         status, {**NO_STORE, "X-Content-Type-Options": "nosniff"})
