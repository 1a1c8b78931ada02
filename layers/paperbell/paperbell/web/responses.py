"""HTTP responses: HTML pages with the security headers, JSON, and the shared doc bits.

Every token-bearing page is sent with ``Referrer-Policy: no-referrer`` and
``Cache-Control: no-store`` so links never leak through Referer headers or caches;
the Content-Security-Policy forbids inline code (the script is /app.js).
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


def json_response(data: Any, status: int = 200, *, content_type: str = JSON) -> Response[str]:
    return text_response(json.dumps(data, ensure_ascii=False, default=str), content_type,
                         status, {**NO_STORE, "X-Content-Type-Options": "nosniff"})
